package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	helmrelease "helm.sh/helm/v3/pkg/release"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv"
	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/pkg/release"
)

// The API server restarts while managers run: it is stopped while an
// install waits for its Pods and right after a HelmRequest changed, stays
// down for a while, and comes back on the same address with the same etcd.
// Each manager rides it out — the same process keeps running — and then
// converges everything: the interrupted install, the change, and a
// HelmRequest created after the restart (its watches were re-established).
//
// The managers run side by side, each watching a namespace of its own:
// one with the default flags (no leader election), one with leader election
// and its default renew deadline (30 s), longer than the outage. A leader
// keeps its Lease only if the API server is back before the renew deadline;
// the long version (CAPTAIN_FAULTS_LONG=1) adds a leader with a deadline of
// 5 s, shorter than the outage: it exits, as client-go's leader election
// demands, and the manager started in its place (as its Deployment would
// start one) converges.
func TestAPIServerRestart(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	type lane struct {
		name  string
		flags []string
		// exits: the outage outlasts the lane's renew deadline.
		exits   bool
		ns      string
		captain *managerProcess
		pid     int
		changed *v1.HelmRequest
		waiting *v1.HelmRequest
	}
	lanes := []*lane{
		{name: "without leader election"},
		{name: "leader election, default renew deadline 30s", flags: []string{"--leader-elect"}},
	}
	down := 5 * time.Second
	if os.Getenv(longFaults) != "" {
		lanes = append(lanes, &lane{name: "leader election, renew deadline 5s", flags: []string{"--leader-elect",
			"--leader-elect-lease-duration=8s", "--leader-elect-renew-deadline=5s", "--leader-elect-retry-period=1s"}, exits: true})
		down = 10 * time.Second
	}
	cp := testenv.StartForTest(t, testenv.WithControllerManager())
	kubeconfig := writeKubeconfig(t, cp.KubeConfig())
	repo := httprepo.New(t)
	releases := release.NewFactory()
	flags := func(l *lane) []string {
		// Its own namespace holds its Lease, and it watches nothing else.
		return append([]string{"--namespace=" + l.ns, "--watch-namespaces=" + l.ns}, l.flags...)
	}

	for _, l := range lanes {
		l.ns = cp.NewNamespace(t)
		l.captain = startManager(t, kubeconfig, flags(l)...)
		l.pid = l.captain.cmd.Process.Pid
		l.changed = sourced(l.ns, "changed", repo.URL(), nil)
		g.Expect(cp.Client.Create(ctx, l.changed)).To(Succeed())
		// Waiting for Pods that nothing runs yet keeps the install in flight.
		l.waiting = sourced(l.ns, "waiting", repo.URL(), nil)
		l.waiting.Spec.Values = &apiextensionsv1.JSON{Raw: []byte(`{"replicaCount":1}`)}
		l.waiting.Spec.Wait = true
		l.waiting.Spec.Timeout = &metav1.Duration{Duration: 5 * time.Minute}
		g.Expect(cp.Client.Create(ctx, l.waiting)).To(Succeed())
	}
	for _, l := range lanes {
		eventuallyReady(g, cp, l.changed)
		g.Eventually(func(g Gomega) {
			st, err := releases.Observe(ctx, release.Target{Config: cp.Config}, "waiting", l.ns)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(st.Exists()).To(BeTrue())
			g.Expect(st.Latest().Status).To(Equal(helmrelease.StatusPendingInstall))
		}, time.Minute, 50*time.Millisecond).Should(Succeed())
	}
	for _, l := range lanes {
		g.Expect(cp.Client.Get(ctx, client.ObjectKeyFromObject(l.changed), l.changed)).To(Succeed())
		l.changed.Spec.Values = &apiextensionsv1.JSON{Raw: []byte(`{"replicaCount":0,"config":{"greeting":"during the outage"}}`)}
		g.Expect(cp.Client.Update(ctx, l.changed)).To(Succeed())
	}

	outage := time.Now()
	// Given 2 s to exit on its own, then killed: it stops listening at once,
	// but open connections can keep it running for over 20 s.
	stopped := cp.StopAPIServer(t, 2*time.Second)
	time.Sleep(down)
	stopped.Start(t)
	back := time.Now()
	t.Logf("API server unreachable for %s", back.Sub(outage).Round(100*time.Millisecond))

	for _, l := range lanes {
		if !l.exits {
			continue
		}
		select {
		case <-l.captain.done:
		case <-time.After(time.Minute):
			t.Fatalf("%s: the manager kept running past its renew deadline", l.name)
		}
		g.Expect(l.captain.out.String()).To(ContainSubstring("leader election lost"))
		t.Logf("%s: the manager exited (%v); starting another", l.name, l.captain.cmd.ProcessState)
		l.captain = startManager(t, kubeconfig, flags(l)...)
		l.pid = l.captain.cmd.Process.Pid
	}
	var afters []*v1.HelmRequest
	for _, l := range lanes {
		cp.RunPods(t, l.ns)
		after := sourced(l.ns, "after", repo.URL(), nil)
		g.Expect(cp.Client.Create(ctx, after)).To(Succeed())
		afters = append(afters, after)
	}
	for i, l := range lanes {
		for _, hr := range []*v1.HelmRequest{l.changed, l.waiting, afters[i]} {
			eventuallyReady(g, cp, hr)
			t.Logf("%s: %s Ready %s after the API server came back", l.name, hr.Name, time.Since(back).Round(100*time.Millisecond))
			st, err := releases.Observe(ctx, release.Target{Config: cp.Config}, hr.Name, l.ns)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(st.Latest().Status).To(Equal(helmrelease.StatusDeployed), hr.Name)
		}
		g.Expect(liveConfig(g, cp, l.ns, "changed")).To(HaveKeyWithValue("greeting", "during the outage"))
	}
	for _, l := range lanes {
		select {
		case <-l.captain.done:
			t.Fatalf("%s: the manager exited: %v\n%s", l.name, l.captain.cmd.ProcessState, outputTail(l.captain.out.String(), 20))
		default:
		}
		g.Expect(l.captain.cmd.Process.Pid).To(Equal(l.pid))
		g.Expect(l.captain.out.String()).NotTo(ContainSubstring("leader election lost"), l.name)
	}
}

// outputTail is the end of a process's output.
func outputTail(out string, n int) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
