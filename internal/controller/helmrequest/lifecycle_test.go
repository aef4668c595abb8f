package helmrequest_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	helmrelease "helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/internal/testenv/ociregistry"
	"captain.io/captain/internal/testenv/testcharts"
)

// helmHistory reads a release's history the way the Helm CLI does: through
// Helm's own Secret storage driver.
func helmHistory(g Gomega, ns, name string) []*helmrelease.Release {
	cs, err := kubernetes.NewForConfig(controlPlane.Config)
	g.Expect(err).NotTo(HaveOccurred())
	history, err := storage.Init(driver.NewSecrets(cs.CoreV1().Secrets(ns))).History(name)
	g.Expect(err).NotTo(HaveOccurred())
	out := make([]*helmrelease.Release, len(history))
	for _, r := range history {
		out[r.Version-1] = r
	}
	return out
}

// Changing spec.version of an OCI-sourced HelmRequest upgrades the release
// to the version the constraint now picks.
func TestVersionChangeUpgrades(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	reg := ociregistry.New(t, ociregistry.WithCharts(
		testcharts.Path(t, "versioned-1.2.3"), testcharts.Path(t, "versioned-1.2.4"), testcharts.Path(t, "versioned-1.3.0")))
	ns := controlPlane.NewNamespace(t)
	hr := &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns},
		Spec: v1.HelmRequestSpec{
			Version: "~1.2.0",
			Source:  &v1.ChartSource{OCI: &v1.OCIChartSource{Repo: reg.RepoURL() + "/versioned", PlainHTTP: true}},
		},
	}
	create(t, hr)
	got := eventuallyReady(t, hr)
	g.Expect(got.Status.Version).To(Equal("1.2.4"), "the newest version matching ~1.2.0")

	got.Spec.Version = "1.3.0"
	g.Expect(controlPlane.Client.Update(ctx, got)).To(Succeed())
	got = eventuallyReady(t, got)
	g.Expect(got.Status.Version).To(Equal("1.3.0"))
	history := helmHistory(g, ns, "app")
	g.Expect(history).To(HaveLen(2))
	g.Expect(history[0].Info.Status).To(Equal(helmrelease.StatusSuperseded))
	g.Expect(history[1].Info.Status).To(Equal(helmrelease.StatusDeployed))
	g.Expect(history[1].Chart.Metadata.Version).To(Equal("1.3.0"))
	g.Expect(history[1].Labels).To(HaveKeyWithValue("captain.io/owner-name", "app"))
	var cm corev1.ConfigMap
	g.Expect(controlPlane.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "app"}, &cm)).To(Succeed())
	g.Expect(cm.Data).To(HaveKeyWithValue("chartVersion", "1.3.0"))
}

// A failed upgrade with rollbackOnFailure is rolled back, the HelmRequest
// stalls instead of retrying the same failure, and a new spec tries again.
func TestRollbackOnFailure(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	repo := httprepo.New(t)
	ns := controlPlane.NewNamespace(t)
	hr := &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns},
		Spec: v1.HelmRequestSpec{
			Source:  &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: repo.URL() + "/orphans-0.1.0.tgz"}},
			Upgrade: &v1.UpgradeSpec{RollbackOnFailure: true},
		},
	}
	create(t, hr)
	got := eventuallyReady(t, hr)

	// A new selector is an immutable-field change: the upgrade fails.
	got.Spec.Values = &apiextensionsv1.JSON{Raw: []byte(`{"selector":"b"}`)}
	g.Expect(controlPlane.Client.Update(ctx, got)).To(Succeed())
	g.Eventually(func(g Gomega) {
		got = get(g, hr)
		ready := condition(got, v1.ReadyCondition)
		g.Expect(ready.Reason).To(Equal("UpgradeRolledBack"))
		g.Expect(ready.Message).To(ContainSubstring("rolled back to revision 1"))
		g.Expect(condition(got, v1.StalledCondition).Status).To(Equal(metav1.ConditionTrue))
	}, timeout, interval).Should(Succeed())
	g.Expect(got.Status.Clusters[0].Revision).To(Equal(3))

	history := helmHistory(g, ns, "app")
	g.Expect(history).To(HaveLen(3), "the same failure is not retried")
	g.Expect(history[1].Info.Status).To(Equal(helmrelease.StatusFailed))
	g.Expect(history[2].Info.Status).To(Equal(helmrelease.StatusDeployed))
	g.Expect(history[2].Config).NotTo(HaveKey("selector"), "revision 3 is revision 1 again")

	// A forced resync does not retry the rolled-back state either.
	patch := client.MergeFrom(got.DeepCopy())
	metav1.SetMetaDataAnnotation(&got.ObjectMeta, "test.captain.io/resync", "1")
	g.Expect(controlPlane.Client.Patch(ctx, got, patch)).To(Succeed())
	g.Consistently(func(g Gomega) {
		g.Expect(helmHistory(g, ns, "app")).To(HaveLen(3))
	}, "2s", interval).Should(Succeed())

	// A spec that can succeed is applied.
	got = get(g, hr)
	got.Spec.Values = &apiextensionsv1.JSON{Raw: []byte(`{"selector":"a","extra":true}`)}
	g.Expect(controlPlane.Client.Update(ctx, got)).To(Succeed())
	got = eventuallyReady(t, got)
	g.Expect(got.Status.Clusters[0].Revision).To(Equal(4))
	g.Expect(got.Status.Clusters[0].FailedDigest).To(BeEmpty())
}

// A suspended HelmRequest is left alone: changes wait until it is resumed.
func TestSuspend(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	repo := httprepo.New(t)
	ns := controlPlane.NewNamespace(t)
	hr := plainRequest(ns, repo.URL(), `{"replicaCount":0}`)
	create(t, hr)
	got := eventuallyReady(t, hr)

	got.Spec.Suspend = true
	g.Expect(controlPlane.Client.Update(ctx, got)).To(Succeed())
	got = get(g, hr)
	got.Spec.Values = &apiextensionsv1.JSON{Raw: []byte(`{"replicaCount":0,"config":{"greeting":"later"}}`)}
	g.Expect(controlPlane.Client.Update(ctx, got)).To(Succeed())
	g.Consistently(func(g Gomega) {
		g.Expect(releaseState(g, ns, "web").Latest().Number).To(Equal(1))
	}, "2s", interval).Should(Succeed())

	got = get(g, hr)
	got.Spec.Suspend = false
	g.Expect(controlPlane.Client.Update(ctx, got)).To(Succeed())
	got = eventuallyReady(t, got)
	g.Expect(got.Status.Clusters[0].Revision).To(Equal(2))
}

// Dependencies order installs, and a cycle is reported on every member of
// it without installing anything.
func TestDependencies(t *testing.T) {
	g := NewWithT(t)
	repo := httprepo.New(t)
	ns := controlPlane.NewNamespace(t)
	named := func(name string, deps ...string) *v1.HelmRequest {
		hr := plainRequest(ns, repo.URL(), `{"replicaCount":0}`)
		hr.Name, hr.Spec.Dependencies = name, deps
		return hr
	}

	app := named("app", "db")
	create(t, app)
	g.Eventually(func(g Gomega) {
		g.Expect(condition(get(g, app), v1.DependenciesReadyCondition).Reason).To(Equal("DependencyNotReady"))
	}, timeout, interval).Should(Succeed())
	g.Expect(releaseState(g, ns, "app").Exists()).To(BeFalse(), "nothing before its dependency")
	create(t, named("db"))
	got := eventuallyReady(t, app)
	g.Expect(condition(got, v1.DependenciesReadyCondition).Status).To(Equal(metav1.ConditionTrue))

	a, b := named("cycle-a", "cycle-b"), named("cycle-b", "cycle-a")
	create(t, a)
	create(t, b)
	for _, hr := range []*v1.HelmRequest{a, b} {
		g.Eventually(func(g Gomega) {
			got := get(g, hr)
			cond := condition(got, v1.DependenciesReadyCondition)
			g.Expect(cond.Reason).To(Equal("DependencyCycle"))
			g.Expect(cond.Message).To(ContainSubstring("spec.dependencies forms a cycle: " + hr.Name + " -> "))
			g.Expect(condition(got, v1.StalledCondition).Status).To(Equal(metav1.ConditionTrue))
		}, timeout, interval).Should(Succeed())
		g.Expect(releaseState(g, ns, hr.Name).Exists()).To(BeFalse())
	}
}
