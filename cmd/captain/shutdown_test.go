package main

import (
	"context"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	helmrelease "helm.sh/helm/v3/pkg/release"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv"
	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/pkg/release"
)

// On SIGTERM the manager lets an install that waits for its workloads
// finish within --shutdown-grace-period, records it, and exits 0; one that
// outlasts the grace period is cut short, and the next manager recovers it.
func TestGracefulShutdown(t *testing.T) {
	cases := []struct {
		name  string
		grace string
		// podsReadyAfter is when, after SIGTERM, the Pods the install waits
		// for become Ready; 0: only once a new manager runs.
		podsReadyAfter time.Duration
		wantStatuses   []helmrelease.Status
	}{
		{"in-flight install finishes", "2m", 2 * time.Second, []helmrelease.Status{helmrelease.StatusDeployed}},
		// The install cut short failed; the next manager's upgrade
		// superseded it.
		{"grace period too short", "1s", 0, []helmrelease.Status{helmrelease.StatusSuperseded, helmrelease.StatusDeployed}},
	}
	cp := testenv.StartForTest(t, testenv.WithControllerManager())
	kubeconfig := writeKubeconfig(t, cp.KubeConfig())
	repo := httprepo.New(t)
	releases := release.NewFactory()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := context.Background()
			ns := cp.NewNamespace(t)
			p := startManager(t, kubeconfig, "--shutdown-grace-period="+tc.grace)
			hr := &v1.HelmRequest{
				ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
				Spec: v1.HelmRequestSpec{
					Source:  &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: repo.URL() + "/plain-0.1.0.tgz"}},
					Wait:    true,
					Timeout: &metav1.Duration{Duration: 10 * time.Minute},
				},
			}
			g.Expect(cp.Client.Create(ctx, hr)).To(Succeed())
			g.Eventually(func(g Gomega) {
				st, err := releases.Observe(ctx, release.Target{Config: cp.Config}, "web", ns)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(st.Latest()).NotTo(BeNil())
				g.Expect(st.Latest().Status).To(Equal(helmrelease.StatusPendingInstall))
			}, time.Minute, 100*time.Millisecond).Should(Succeed())

			g.Expect(p.cmd.Process.Signal(syscall.SIGTERM)).To(Succeed())
			if tc.podsReadyAfter > 0 {
				time.Sleep(tc.podsReadyAfter)
				cp.RunPods(t, ns)
			}
			g.Eventually(p.done, 2*time.Minute).Should(BeClosed())
			g.Expect(p.cmd.ProcessState.ExitCode()).To(Equal(0), p.out.String())
			if tc.podsReadyAfter == 0 {
				cp.RunPods(t, ns)
				startManager(t, kubeconfig)
			}
			eventuallyReady(g, cp, hr)

			st, err := releases.Observe(ctx, release.Target{Config: cp.Config}, "web", ns)
			g.Expect(err).NotTo(HaveOccurred())
			var statuses []helmrelease.Status
			for _, r := range st.Revisions {
				statuses = append(statuses, r.Status)
			}
			g.Expect(statuses).To(Equal(tc.wantStatuses))
			got := &v1.HelmRequest{}
			g.Expect(cp.Client.Get(ctx, client.ObjectKeyFromObject(hr), got)).To(Succeed())
			g.Expect(apimeta.IsStatusConditionTrue(got.Status.Conditions, v1.ReadyCondition)).To(BeTrue())
		})
	}
}
