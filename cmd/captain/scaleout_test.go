package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/manager"
	"captain.io/captain/internal/testenv"
	"captain.io/captain/internal/testenv/httprepo"
)

func sourced(ns, name, url string, labels map[string]string) *v1.HelmRequest {
	return &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: v1.HelmRequestSpec{
			Source: &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: url + "/plain-0.1.0.tgz"}},
			Values: &apiextensionsv1.JSON{Raw: []byte(`{"replicaCount":0}`)},
		},
	}
}

func isReady(g Gomega, cp *testenv.ControlPlane, hr *v1.HelmRequest) bool {
	got := &v1.HelmRequest{}
	g.Expect(cp.Client.Get(context.Background(), client.ObjectKeyFromObject(hr), got)).To(Succeed())
	return apimeta.IsStatusConditionTrue(got.Status.Conditions, v1.ReadyCondition)
}

// writeKubeconfig writes a kubeconfig to a file of the test's, for a
// manager process.
func writeKubeconfig(t *testing.T, kubeconfig []byte) string {
	path := filepath.Join(t.TempDir(), "kubeconfig")
	NewWithT(t).Expect(os.WriteFile(path, kubeconfig, 0o600)).To(Succeed())
	return path
}

// Two managers with different shards against one control plane each
// reconcile only their own HelmRequests.
func TestShardsSplitTheWork(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	cp := testenv.StartForTest(t)
	kubeconfig := writeKubeconfig(t, cp.KubeConfig())
	repo := httprepo.New(t)
	ns := cp.NewNamespace(t)
	a := sourced(ns, "in-a", repo.URL(), map[string]string{manager.ShardLabel: "a"})
	b := sourced(ns, "in-b", repo.URL(), map[string]string{manager.ShardLabel: "b"})
	g.Expect(cp.Client.Create(ctx, a)).To(Succeed())
	g.Expect(cp.Client.Create(ctx, b)).To(Succeed())

	startManager(t, kubeconfig, "--shard=a")
	g.Eventually(func(g Gomega) bool { return isReady(g, cp, a) }, time.Minute, 100*time.Millisecond).Should(BeTrue())
	g.Consistently(func(g Gomega) {
		got := &v1.HelmRequest{}
		g.Expect(cp.Client.Get(ctx, client.ObjectKeyFromObject(b), got)).To(Succeed())
		g.Expect(got.Finalizers).To(BeEmpty(), "shard a leaves shard b's HelmRequest alone")
	}, "2s", 100*time.Millisecond).Should(Succeed())

	startManager(t, kubeconfig, "--shard=b")
	g.Eventually(func(g Gomega) bool { return isReady(g, cp, b) }, time.Minute, 100*time.Millisecond).Should(BeTrue())
}

// With leader election, a standby takes over when the leader dies and
// finishes the work that arrived meanwhile.
func TestStandbyTakesOver(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	cp := testenv.StartForTest(t)
	kubeconfig := writeKubeconfig(t, cp.KubeConfig())
	repo := httprepo.New(t)
	ns := cp.NewNamespace(t)
	election := []string{"--leader-elect", "--leader-elect-lease-duration=3s",
		"--leader-elect-renew-deadline=2s", "--leader-elect-retry-period=500ms"}

	leader := startManager(t, kubeconfig, election...)
	lease := &coordinationv1.Lease{}
	g.Eventually(func() error {
		return cp.Client.Get(ctx, client.ObjectKey{Namespace: "default", Name: "captain.captain.io"}, lease)
	}, time.Minute, 100*time.Millisecond).Should(Succeed())
	first := *lease.Spec.HolderIdentity
	startManager(t, kubeconfig, election...)
	one := sourced(ns, "one", repo.URL(), nil)
	g.Expect(cp.Client.Create(ctx, one)).To(Succeed())
	g.Eventually(func(g Gomega) bool { return isReady(g, cp, one) }, time.Minute, 100*time.Millisecond).Should(BeTrue())

	leader.kill()
	two := sourced(ns, "two", repo.URL(), nil)
	g.Expect(cp.Client.Create(ctx, two)).To(Succeed())
	g.Eventually(func(g Gomega) bool { return isReady(g, cp, two) }, time.Minute, 100*time.Millisecond).Should(BeTrue())
	g.Expect(cp.Client.Get(ctx, client.ObjectKey{Namespace: "default", Name: "captain.captain.io"}, lease)).To(Succeed())
	g.Expect(*lease.Spec.HolderIdentity).NotTo(Equal(first), "the standby holds the Lease")
}
