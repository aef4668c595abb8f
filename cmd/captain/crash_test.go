package main

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	helmrelease "helm.sh/helm/v3/pkg/release"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv"
	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/pkg/release"
)

// runAsManager makes the test binary run main() instead of the tests, so a
// test can start Captain as a process of its own and kill it.
const runAsManager = "CAPTAIN_TEST_RUN_MANAGER"

func TestMain(m *testing.M) {
	if os.Getenv(runAsManager) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// managerProcess is Captain running as a separate process.
type managerProcess struct {
	cmd  *exec.Cmd
	out  *testenv.SyncBuffer
	done chan struct{}
}

// startManager runs the manager as a process; flags override the defaults
// (the last of a repeated flag wins).
func startManager(t *testing.T, kubeconfig string, flags ...string) *managerProcess {
	t.Helper()
	args := append([]string{"--kubeconfig=" + kubeconfig, "--namespace=default",
		"--metrics-bind-address=0", "--health-probe-bind-address=0"}, flags...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), runAsManager+"=1")
	return runProcess(t, cmd)
}

// runProcess starts cmd and kills it when the test ends, showing its output
// if the test failed.
func runProcess(t *testing.T, cmd *exec.Cmd) *managerProcess {
	t.Helper()
	p := &managerProcess{cmd: cmd, out: &testenv.SyncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("output of %s:\n%s", cmd.Path, p.out.String())
		}
	})
	return p
}

// kill stops the process abruptly, as an OOM kill or a node failure would.
func (p *managerProcess) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// A manager killed while an upgrade waits for its workloads leaves the
// release pending-upgrade; the next manager unlocks it and converges the
// HelmRequest to Ready without any manual step.
func TestCrashDuringUpgradeRecovers(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	cp := testenv.StartForTest(t, testenv.WithControllerManager())
	kubeconfig := writeKubeconfig(t, cp.KubeConfig())
	repo := httprepo.New(t)
	ns := cp.NewNamespace(t)

	first := startManager(t, kubeconfig)
	hr := &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: v1.HelmRequestSpec{
			Source: &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: repo.URL() + "/plain-0.1.0.tgz"}},
			Values: &apiextensionsv1.JSON{Raw: []byte(`{"replicaCount":1}`)},
		},
	}
	g.Expect(cp.Client.Create(ctx, hr)).To(Succeed())
	eventuallyReady(g, cp, hr)

	// Waiting for Pods that no kubelet runs keeps the upgrade in flight.
	g.Expect(cp.Client.Get(ctx, client.ObjectKeyFromObject(hr), hr)).To(Succeed())
	hr.Spec.Wait = true
	hr.Spec.Timeout = &metav1.Duration{Duration: 10 * time.Minute}
	hr.Spec.Values = &apiextensionsv1.JSON{Raw: []byte(`{"replicaCount":2}`)}
	g.Expect(cp.Client.Update(ctx, hr)).To(Succeed())
	releases := release.NewFactory()
	g.Eventually(func(g Gomega) {
		st, err := releases.Observe(ctx, release.Target{Config: cp.Config}, "web", ns)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(st.Latest().Status).To(Equal(helmrelease.StatusPendingUpgrade))
	}, time.Minute, 100*time.Millisecond).Should(Succeed())
	first.kill()

	cp.RunPods(t, ns)
	startManager(t, kubeconfig)
	eventuallyReady(g, cp, hr)
	st, err := releases.Observe(ctx, release.Target{Config: cp.Config}, "web", ns)
	g.Expect(err).NotTo(HaveOccurred())
	statuses := []helmrelease.Status{}
	for _, r := range st.Revisions {
		statuses = append(statuses, r.Status)
	}
	g.Expect(statuses).To(Equal([]helmrelease.Status{
		helmrelease.StatusSuperseded, helmrelease.StatusFailed, helmrelease.StatusDeployed,
	}), "revision 2 was unlocked (marked failed) and revision 3 applied")
}

// eventuallyReady waits for Ready=True for the HelmRequest's current generation.
func eventuallyReady(g Gomega, cp *testenv.ControlPlane, hr *v1.HelmRequest) {
	g.Eventually(func(g Gomega) {
		got := &v1.HelmRequest{}
		g.Expect(cp.Client.Get(context.Background(), client.ObjectKeyFromObject(hr), got)).To(Succeed())
		g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
		g.Expect(apimeta.IsStatusConditionTrue(got.Status.Conditions, v1.ReadyCondition)).To(BeTrue())
	}, 2*time.Minute, 100*time.Millisecond).Should(Succeed())
}
