package helmrequest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	helmrelease "helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/pkg/release"
)

const (
	timeout  = 60 * time.Second
	interval = 100 * time.Millisecond
)

func plainRequest(ns, url string, values string) *v1.HelmRequest {
	hr := &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: v1.HelmRequestSpec{
			Source: &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: url + "/plain-0.1.0.tgz"}},
		},
	}
	if values != "" {
		hr.Spec.Values = &apiextensionsv1.JSON{Raw: []byte(values)}
	}
	return hr
}

// create makes a HelmRequest that is deleted (and its release uninstalled)
// when the test ends, before the test's chart repository closes.
func create(t *testing.T, hr *v1.HelmRequest) {
	t.Helper()
	ctx := context.Background()
	if err := controlPlane.Client.Create(ctx, hr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := controlPlane.Client.Delete(ctx, hr); client.IgnoreNotFound(err) != nil {
			t.Error(err)
		}
		NewWithT(t).Eventually(func() error {
			return controlPlane.Client.Get(ctx, client.ObjectKeyFromObject(hr), &v1.HelmRequest{})
		}, timeout, interval).Should(MatchError(ContainSubstring("not found")))
	})
}

func get(g Gomega, hr *v1.HelmRequest) *v1.HelmRequest {
	out := &v1.HelmRequest{}
	g.Expect(controlPlane.Client.Get(context.Background(), client.ObjectKeyFromObject(hr), out)).To(Succeed())
	return out
}

func condition(hr *v1.HelmRequest, t string) metav1.Condition {
	if c := apimeta.FindStatusCondition(hr.Status.Conditions, t); c != nil {
		return *c
	}
	return metav1.Condition{}
}

// eventuallyReady waits for Ready=True for the HelmRequest's current generation.
func eventuallyReady(t *testing.T, hr *v1.HelmRequest) *v1.HelmRequest {
	t.Helper()
	var got *v1.HelmRequest
	NewWithT(t).Eventually(func(g Gomega) {
		got = get(g, hr)
		g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
		g.Expect(condition(got, v1.ReadyCondition).Status).To(Equal(metav1.ConditionTrue), condition(got, v1.ReadyCondition).Message)
	}, timeout, interval).Should(Succeed())
	return got
}

func releaseState(g Gomega, ns, name string) *release.State {
	st, err := release.NewFactory().Observe(context.Background(), release.Target{Config: controlPlane.Config}, name, ns)
	g.Expect(err).NotTo(HaveOccurred())
	return st
}

func TestInstallUpgradeUninstall(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	repo := httprepo.New(t)
	ns := controlPlane.NewNamespace(t)

	hr := plainRequest(ns, repo.URL(), `{"config":{"greeting":"hello"}}`)
	create(t, hr)
	got := eventuallyReady(t, hr)
	g.Expect(got.Finalizers).To(ContainElement("captain.io/release"))
	g.Expect(got.Status.Phase).To(Equal(v1.PhaseSynced))
	g.Expect(got.Status.Version).To(Equal("0.1.0"))
	g.Expect(got.Status.Clusters).To(HaveLen(1))
	g.Expect(got.Status.Clusters[0].Name).To(Equal(v1.LocalCluster))
	g.Expect(got.Status.Clusters[0].Revision).To(Equal(1))
	g.Expect(got.Status.Clusters[0].Inventory).To(ContainElement(ns + "_web__ConfigMap"))
	g.Expect(condition(got, v1.ChartResolvedCondition).Status).To(Equal(metav1.ConditionTrue))
	g.Expect(condition(got, v1.ReleasedCondition).Status).To(Equal(metav1.ConditionTrue))

	// A values change upgrades to revision 2.
	got.Spec.Values = &apiextensionsv1.JSON{Raw: []byte(`{"config":{"greeting":"hi"}}`)}
	g.Expect(controlPlane.Client.Update(ctx, got)).To(Succeed())
	got = eventuallyReady(t, got)
	g.Expect(got.Status.Clusters[0].Revision).To(Equal(2))
	st := releaseState(g, ns, "web")
	g.Expect(st.Latest().Status).To(Equal(helmrelease.StatusDeployed))
	g.Expect(st.Latest().Number).To(Equal(2))
	var cm corev1.ConfigMap
	g.Expect(controlPlane.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, &cm)).To(Succeed())
	g.Expect(cm.Data).To(HaveKeyWithValue("greeting", "hi"))

	// Deleting the HelmRequest uninstalls the release.
	g.Expect(controlPlane.Client.Delete(ctx, got)).To(Succeed())
	g.Eventually(func() error {
		return controlPlane.Client.Get(ctx, client.ObjectKeyFromObject(hr), &v1.HelmRequest{})
	}, timeout, interval).Should(MatchError(ContainSubstring("not found")))
	g.Expect(releaseState(g, ns, "web").Exists()).To(BeFalse())
	g.Expect(controlPlane.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, &cm)).To(MatchError(ContainSubstring("not found")))
}

// A forced resync of a synced HelmRequest makes no write to the API server.
func TestNoopMakesNoWrites(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	repo := httprepo.New(t)
	ns := controlPlane.NewNamespace(t)
	hr := plainRequest(ns, repo.URL(), `{"replicaCount":1}`)
	create(t, hr)
	got := eventuallyReady(t, hr)

	// Events of earlier work are sent asynchronously: let them land first.
	quiet(g)
	for i := 0; i < 3; i++ {
		before, writes := reconciles(), managerWrites.Load()
		// An annotation change (made by the test, not the manager) forces a reconcile.
		patch := client.MergeFrom(got.DeepCopy())
		metav1.SetMetaDataAnnotation(&got.ObjectMeta, "test.captain.io/resync", fmt.Sprint(i))
		g.Expect(controlPlane.Client.Patch(ctx, got, patch)).To(Succeed())
		g.Eventually(func() float64 { return reconciles() }, timeout, interval).Should(BeNumerically(">", before))
		g.Expect(managerWrites.Load()-writes).To(BeZero(), "a no-op reconcile wrote to the API server")
	}
	g.Expect(releaseState(g, ns, "web").Latest().Number).To(Equal(1))
}

// quiet waits until the manager has made no write for a second.
func quiet(g Gomega) {
	last, since := managerWrites.Load(), time.Now()
	g.Eventually(func() time.Duration {
		if w := managerWrites.Load(); w != last {
			last, since = w, time.Now()
		}
		return time.Since(since)
	}, timeout, interval).Should(BeNumerically(">=", time.Second))
}
