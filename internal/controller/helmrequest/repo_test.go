package helmrequest_test

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	helmrelease "helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/internal/testenv/ociregistry"
	"captain.io/captain/internal/testenv/testcharts"
)

func chartRepo(ns, name, url string) *v1.ChartRepo {
	return &v1.ChartRepo{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec:       v1.ChartRepoSpec{Type: v1.RepoHTTP, URL: url, Interval: &metav1.Duration{Duration: time.Second}},
	}
}

// A HelmRequest with a version range installs the newest matching version
// of a ChartRepo's chart, and moves to a newer one by itself when the repo
// publishes it — but not out of the range.
func TestRangeFollowsTheRepo(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "versioned-1.2.3")))
	ns := controlPlane.NewNamespace(t)
	g.Expect(controlPlane.Client.Create(ctx, chartRepo(ns, "stable", srv.URL()))).To(Succeed())
	hr := &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns},
		Spec:       v1.HelmRequestSpec{Chart: "stable/versioned", Version: "~1.2"},
	}
	create(t, hr)
	got := eventuallyReady(t, hr)
	g.Expect(got.Status.Version).To(Equal("1.2.3"))

	_, err := srv.Publish(testcharts.Path(t, "versioned-1.3.0"))
	g.Expect(err).NotTo(HaveOccurred())
	_, err = srv.Publish(testcharts.Path(t, "versioned-1.2.4"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Eventually(func(g Gomega) {
		got := get(g, hr)
		g.Expect(got.Status.Version).To(Equal("1.2.4"))
		g.Expect(got.Status.Clusters[0].Revision).To(Equal(2))
	}, timeout, interval).Should(Succeed())
	var cm corev1.ConfigMap
	g.Expect(controlPlane.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "app"}, &cm)).To(Succeed())
	g.Expect(cm.Data).To(HaveKeyWithValue("chartVersion", "1.2.4"))
	g.Consistently(func(g Gomega) {
		g.Expect(get(g, hr).Status.Version).To(Equal("1.2.4"), "1.3.0 is outside ~1.2")
	}, "2s", interval).Should(Succeed())
}

// A ChartRepo in the controller's namespace serves every namespace; one in
// the HelmRequest's own namespace comes first.
func TestSharedChartRepo(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	shared := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "versioned-1.2.3")))
	own := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "versioned-1.3.0")))
	repo := chartRepo("default", "shared", shared.URL())
	g.Expect(controlPlane.Client.Create(ctx, repo)).To(Succeed())
	t.Cleanup(func() { _ = controlPlane.Client.Delete(ctx, repo) })

	ns := controlPlane.NewNamespace(t)
	hr := &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns},
		Spec:       v1.HelmRequestSpec{Chart: "shared/versioned"},
	}
	create(t, hr)
	g.Expect(eventuallyReady(t, hr).Status.Version).To(Equal("1.2.3"))

	g.Expect(controlPlane.Client.Create(ctx, chartRepo(ns, "shared", own.URL()))).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(get(g, hr).Status.Version).To(Equal("1.3.0"))
	}, timeout, interval).Should(Succeed())
}

// Repository faults seen by a HelmRequest — a constraint no version meets,
// an archive whose digest is not the index's — fail chart resolution with a
// condition naming the problem, leave the deployed revision alone, and heal
// by themselves once fixed.
func TestRepoFaultsKeepTheRelease(t *testing.T) {
	cases := []struct {
		name, reason, message string
		breakIt, fix          func(g Gomega, srv *httprepo.Server, hr *v1.HelmRequest)
	}{
		{
			name: "no version satisfies the constraint", reason: "VersionNotFound",
			message: `spec.version: chart "versioned" of ChartRepo`,
			breakIt: func(g Gomega, _ *httprepo.Server, hr *v1.HelmRequest) { setVersion(g, hr, "~9.0") },
			fix:     func(g Gomega, _ *httprepo.Server, hr *v1.HelmRequest) { setVersion(g, hr, "~1.2") },
		},
		{
			name: "archive digest differs from the index", reason: "ChartUnavailable", message: "digest",
			breakIt: func(g Gomega, srv *httprepo.Server, _ *v1.HelmRequest) {
				// 1.2.4 is listed with its digest, but another archive is served.
				other, err := os.ReadFile(packageChart(t, "versioned-1.2.3"))
				g.Expect(err).NotTo(HaveOccurred())
				srv.SetFault(httprepo.ForPath("/versioned-1.2.4.tgz", func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
					_, _ = w.Write(other)
				}))
				_, err = srv.Publish(testcharts.Path(t, "versioned-1.2.4"))
				g.Expect(err).NotTo(HaveOccurred())
			},
			fix: func(_ Gomega, srv *httprepo.Server, _ *v1.HelmRequest) { srv.SetFault(nil) },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "versioned-1.2.3")))
			ns := controlPlane.NewNamespace(t)
			g.Expect(controlPlane.Client.Create(context.Background(), chartRepo(ns, "stable", srv.URL()))).To(Succeed())
			hr := &v1.HelmRequest{
				ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns},
				Spec:       v1.HelmRequestSpec{Chart: "stable/versioned", Version: "~1.2"},
			}
			create(t, hr)
			eventuallyReady(t, hr)

			tc.breakIt(g, srv, hr)
			g.Eventually(func(g Gomega) {
				got := get(g, hr)
				for _, c := range []string{v1.ReadyCondition, v1.ChartResolvedCondition} {
					g.Expect(condition(got, c).Status).To(Equal(metav1.ConditionFalse))
					g.Expect(condition(got, c).Reason).To(Equal(tc.reason))
					g.Expect(condition(got, c).Message).To(ContainSubstring(tc.message))
				}
			}, timeout, interval).Should(Succeed())
			st := releaseState(g, ns, "app")
			g.Expect(st.Latest().Number).To(Equal(1))
			g.Expect(st.Latest().Status).To(Equal(helmrelease.StatusDeployed))

			tc.fix(g, srv, hr)
			eventuallyReady(t, hr)
		})
	}
}

func setVersion(g Gomega, hr *v1.HelmRequest, version string) {
	got := get(g, hr)
	got.Spec.Version = version
	g.Expect(controlPlane.Client.Update(context.Background(), got)).To(Succeed())
}

// packageChart packages a test chart and returns the archive's path.
func packageChart(t *testing.T, folder string) string {
	t.Helper()
	path, _, err := testcharts.Package(testcharts.Path(t, folder), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// An OCI ChartRepo works like an HTTP one: spec.chart resolves through the
// registry's tags, and a newly pushed matching version is picked up.
func TestOCIChartRepo(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	reg := ociregistry.New(t, ociregistry.WithCharts(testcharts.Path(t, "versioned-1.2.3"), testcharts.Path(t, "versioned-1.3.0")))
	ns := controlPlane.NewNamespace(t)
	repo := chartRepo(ns, "registry", reg.RepoURL())
	repo.Spec.Type, repo.Spec.PlainHTTP = v1.RepoOCI, true
	g.Expect(controlPlane.Client.Create(ctx, repo)).To(Succeed())
	hr := &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns},
		Spec:       v1.HelmRequestSpec{Chart: "registry/versioned", Version: "~1.2"},
	}
	create(t, hr)
	g.Expect(eventuallyReady(t, hr).Status.Version).To(Equal("1.2.3"))

	_, err := reg.Push(testcharts.Path(t, "versioned-1.2.4"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Eventually(func(g Gomega) {
		g.Expect(get(g, hr).Status.Version).To(Equal("1.2.4"))
	}, timeout, interval).Should(Succeed())
}
