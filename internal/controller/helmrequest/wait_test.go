package helmrequest_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	helmrelease "helm.sh/helm/v3/pkg/release"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv/httprepo"
)

// With spec.wait, Ready means the release's workloads are ready, not only
// that Helm applied them: Pods that never become ready fail the release, and
// once they do (RunPods stands in for a kubelet) the HelmRequest recovers.
func TestWaitForWorkloads(t *testing.T) {
	g := NewWithT(t)
	repo := httprepo.New(t)
	ns := controlPlane.NewNamespace(t)
	hr := plainRequest(ns, repo.URL(), `{"replicaCount":1}`)
	hr.Spec.Wait = true
	hr.Spec.Timeout = &metav1.Duration{Duration: 5 * time.Second}
	create(t, hr)

	g.Eventually(func(g Gomega) {
		got := get(g, hr)
		ready := condition(got, v1.ReadyCondition)
		g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(ready.Reason).To(Equal("InstallFailed"))
		g.Expect(ready.Message).To(ContainSubstring("context deadline exceeded"))
		g.Expect(condition(got, v1.ReconcilingCondition).Status).To(Equal(metav1.ConditionTrue), "a timeout is retried")
	}, timeout, interval).Should(Succeed())
	// Retries may already be waiting again (pending-upgrade); none succeeded.
	g.Expect(releaseState(g, ns, "web").Latest().Status).NotTo(Equal(helmrelease.StatusDeployed))

	controlPlane.RunPods(t, ns)
	got := eventuallyReady(t, hr)
	g.Expect(got.Status.Clusters[0].Phase).To(Equal(v1.PhaseSynced))
	st := releaseState(g, ns, "web")
	g.Expect(st.Latest().Status).To(Equal(helmrelease.StatusDeployed))
	g.Expect(st.Latest().Number).To(BeNumerically(">=", 2), "the failed install is followed by an upgrade")
}
