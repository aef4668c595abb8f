package chartrepo_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/manager/managertest"
	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/internal/testenv/ociregistry"
	"captain.io/captain/internal/testenv/testcharts"
)

const (
	timeout  = 60 * time.Second
	interval = 100 * time.Millisecond
)

func newRepo(ns, url string) *v1.ChartRepo {
	return &v1.ChartRepo{
		ObjectMeta: metav1.ObjectMeta{Name: "charts", Namespace: ns},
		Spec:       v1.ChartRepoSpec{Type: v1.RepoHTTP, URL: url, Interval: &metav1.Duration{Duration: time.Second}},
	}
}

func getRepo(g Gomega, repo *v1.ChartRepo) *v1.ChartRepo {
	out := &v1.ChartRepo{}
	g.Expect(controlPlane.Client.Get(context.Background(), client.ObjectKeyFromObject(repo), out)).To(Succeed())
	return out
}

func eventuallySynced(t *testing.T, repo *v1.ChartRepo) *v1.ChartRepo {
	t.Helper()
	var got *v1.ChartRepo
	NewWithT(t).Eventually(func(g Gomega) {
		got = getRepo(g, repo)
		g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
		g.Expect(apimeta.IsStatusConditionTrue(got.Status.Conditions, v1.ReadyCondition)).To(BeTrue(), "%v", got.Status.Conditions)
	}, timeout, interval).Should(Succeed())
	return got
}

// charts lists the Chart objects of the ChartRepo "charts" in ns by name.
func charts(g Gomega, ns string) map[string]v1.Chart {
	list := &v1.ChartList{}
	g.Expect(controlPlane.Client.List(context.Background(), list, client.InNamespace(ns), client.MatchingLabels{v1.RepoLabel: "charts"})).To(Succeed())
	out := map[string]v1.Chart{}
	for _, c := range list.Items {
		out[c.Name] = c
	}
	return out
}

func versions(c v1.Chart) []string {
	var out []string
	for _, v := range c.Spec.Versions {
		out = append(out, v.Version)
	}
	return out
}

// A ChartRepo mirrors its index into Chart objects, follows the index as
// versions and charts come and go, and an unchanged index writes nothing.
func TestHTTPRepoMirrorsIndex(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	srv := httprepo.New(t, httprepo.WithCharts(
		testcharts.Path(t, "plain"), testcharts.Path(t, "versioned-1.2.3"), testcharts.Path(t, "versioned-1.3.0")))
	ns := controlPlane.NewNamespace(t)
	repo := newRepo(ns, srv.URL())
	g.Expect(controlPlane.Client.Create(ctx, repo)).To(Succeed())

	got := eventuallySynced(t, repo)
	g.Expect(got.Status.ChartCount).To(Equal(2))
	g.Expect(got.Status.IndexDigest).To(HavePrefix("sha256:"))
	g.Expect(got.Status.Phase).To(Equal(v1.RepoSynced))
	all := charts(g, ns)
	g.Expect(all).To(HaveLen(2))
	versioned := all["versioned.charts"]
	g.Expect(versioned.Spec.Name).To(Equal("versioned"))
	g.Expect(versioned.Spec.Repo).To(Equal("charts"))
	g.Expect(versions(versioned)).To(Equal([]string{"1.3.0", "1.2.3"}), "newest first")
	g.Expect(versioned.Spec.TotalVersions).To(Equal(2))
	g.Expect(versioned.Spec.Versions[0].Digest).NotTo(BeEmpty())
	g.Expect(versioned.Spec.Versions[0].URLs).NotTo(BeEmpty())
	g.Expect(metav1.IsControlledBy(&versioned, got)).To(BeTrue())

	// Syncs of an unchanged index (one a second) write nothing.
	writes, before := running.WritesIn(ns), managertest.Reconciles("chartrepo")
	g.Eventually(func() float64 { return managertest.Reconciles("chartrepo") }, timeout, interval).Should(BeNumerically(">=", before+2))
	g.Expect(running.WritesIn(ns)-writes).To(BeZero(), "writes to namespace %s", ns)

	// A new version is listed; a chart that leaves the index goes.
	_, err := srv.Publish(testcharts.Path(t, "versioned-1.2.4"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(srv.Remove("plain", "0.1.0")).To(Succeed())
	g.Eventually(func(g Gomega) {
		all := charts(g, ns)
		g.Expect(all).To(HaveLen(1))
		g.Expect(versions(all["versioned.charts"])).To(Equal([]string{"1.3.0", "1.2.4", "1.2.3"}))
	}, timeout, interval).Should(Succeed())
	g.Eventually(func() int { return getRepo(g, repo).Status.ChartCount }, timeout, interval).Should(Equal(1))
}

// An OCI registry is listed through its catalog: each repository under the
// ChartRepo's path is a chart, its semver tags the versions.
func TestOCIRepoMirrorsRegistry(t *testing.T) {
	g := NewWithT(t)
	reg := ociregistry.New(t, ociregistry.WithCharts(
		testcharts.Path(t, "plain"), testcharts.Path(t, "versioned-1.2.3"), testcharts.Path(t, "versioned-2.0.0-beta.1")))
	ns := controlPlane.NewNamespace(t)
	repo := newRepo(ns, reg.RepoURL())
	repo.Spec.Type, repo.Spec.PlainHTTP = v1.RepoOCI, true
	g.Expect(controlPlane.Client.Create(context.Background(), repo)).To(Succeed())

	got := eventuallySynced(t, repo)
	g.Expect(got.Status.ChartCount).To(Equal(2))
	all := charts(g, ns)
	g.Expect(versions(all["versioned.charts"])).To(Equal([]string{"2.0.0-beta.1", "1.2.3"}))
	g.Expect(versions(all["plain.charts"])).To(Equal([]string{"0.1.0"}))
}

// A repository fault fails the sync with a condition that names it, and
// keeps the Chart objects of the last good index; the repo recovers by
// itself when the fault goes.
func TestRepoFaultsKeepLastGoodCharts(t *testing.T) {
	notYAML := httprepo.Fault(func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		_, _ = w.Write([]byte("<html>maintenance</html>"))
	})
	oversized := httprepo.Fault(func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		_, _ = w.Write([]byte("apiVersion: v1\nentries: {}\n# " + strings.Repeat("x", maxIndexSize) + "\n"))
	})
	cases := []struct {
		name    string
		fault   httprepo.Fault
		message string
	}{
		{"oversized", oversized, "larger than"},
		{"401", httprepo.Status(http.StatusUnauthorized), "401"},
		{"403", httprepo.Status(http.StatusForbidden), "403"},
		{"404", httprepo.Status(http.StatusNotFound), "404"},
		{"500", httprepo.Status(http.StatusInternalServerError), "500"},
		{"timeout", httprepo.Delay(5 * time.Second), "timed out"},
		{"not YAML", notYAML, "index"},
	}
	srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "plain")))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := controlPlane.NewNamespace(t)
			repo := newRepo(ns, srv.URL())
			repo.Spec.Timeout = &metav1.Duration{Duration: time.Second}
			g.Expect(controlPlane.Client.Create(context.Background(), repo)).To(Succeed())
			eventuallySynced(t, repo)

			srv.SetFault(tc.fault)
			g.Eventually(func(g Gomega) {
				ready := apimeta.FindStatusCondition(getRepo(g, repo).Status.Conditions, v1.ReadyCondition)
				g.Expect(ready).NotTo(BeNil())
				g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
				g.Expect(ready.Reason).To(Equal("IndexUnavailable"))
				g.Expect(ready.Message).To(And(ContainSubstring("spec.url"), ContainSubstring(tc.message)))
			}, timeout, interval).Should(Succeed())
			g.Expect(charts(g, ns)).To(HaveKey("plain.charts"), "the last good Charts stay")
			g.Expect(getRepo(g, repo).Status.Phase).To(Equal(v1.RepoFailed))

			srv.SetFault(nil)
			eventuallySynced(t, repo)
		})
	}
}

// Credentials and TLS settings come from the Secret spec.secretRef names:
// without it the sync fails with a condition naming the Secret, with it the
// repository syncs, and no secret value reaches the status.
func TestRepoCredentials(t *testing.T) {
	cases := []struct {
		name    string
		options []httprepo.Option
		data    func(srv *httprepo.Server) map[string][]byte
	}{
		{"basic auth", []httprepo.Option{httprepo.WithBasicAuth("captain", "s3cret")},
			func(*httprepo.Server) map[string][]byte {
				return map[string][]byte{"username": []byte("captain"), "password": []byte("s3cret")}
			}},
		{"bearer token", []httprepo.Option{httprepo.WithBearerToken("s3cret-token")},
			func(*httprepo.Server) map[string][]byte { return map[string][]byte{"token": []byte("s3cret-token")} }},
		{"custom CA", []httprepo.Option{httprepo.WithTLS()},
			func(srv *httprepo.Server) map[string][]byte { return map[string][]byte{"ca.crt": srv.CAPEM()} }},
		{"client certificate", []httprepo.Option{httprepo.WithClientCertRequired()},
			func(srv *httprepo.Server) map[string][]byte {
				cert, key := srv.ClientCert()
				return map[string][]byte{"ca.crt": srv.CAPEM(), "tls.crt": cert, "tls.key": key}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := context.Background()
			srv := httprepo.New(t, append(tc.options, httprepo.WithCharts(testcharts.Path(t, "plain")))...)
			ns := controlPlane.NewNamespace(t)
			repo := newRepo(ns, srv.URL())
			repo.Spec.SecretRef = &v1.LocalObjectReference{Name: "repo-auth"}
			g.Expect(controlPlane.Client.Create(ctx, repo)).To(Succeed())
			g.Eventually(func(g Gomega) {
				ready := apimeta.FindStatusCondition(getRepo(g, repo).Status.Conditions, v1.ReadyCondition)
				g.Expect(ready).NotTo(BeNil())
				g.Expect(ready.Reason).To(Equal("SecretUnavailable"))
				g.Expect(ready.Message).To(ContainSubstring("spec.secretRef: reading Secret " + ns + "/repo-auth"))
			}, timeout, interval).Should(Succeed())

			data := tc.data(srv)
			secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "repo-auth", Namespace: ns}, Data: data}
			g.Expect(controlPlane.Client.Create(ctx, secret)).To(Succeed())
			got := eventuallySynced(t, repo)
			g.Expect(got.Status.ChartCount).To(Equal(1))
			for _, c := range got.Status.Conditions {
				for _, v := range data {
					g.Expect(c.Message).NotTo(ContainSubstring(string(v)))
				}
			}
		})
	}
}

// TLS is verified: a server whose certificate no trusted CA signed fails
// the sync, and only an explicit opt-in skips the check.
func TestRepoTLSIsVerified(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	srv := httprepo.New(t, httprepo.WithTLS(), httprepo.WithCharts(testcharts.Path(t, "plain")))
	ns := controlPlane.NewNamespace(t)
	repo := newRepo(ns, srv.URL())
	g.Expect(controlPlane.Client.Create(ctx, repo)).To(Succeed())
	g.Eventually(func(g Gomega) {
		ready := apimeta.FindStatusCondition(getRepo(g, repo).Status.Conditions, v1.ReadyCondition)
		g.Expect(ready).NotTo(BeNil())
		g.Expect(ready.Reason).To(Equal("IndexUnavailable"))
		g.Expect(ready.Message).To(ContainSubstring("certificate"))
	}, timeout, interval).Should(Succeed())

	got := getRepo(g, repo)
	got.Spec.InsecureSkipTLSVerify = true
	g.Expect(controlPlane.Client.Update(ctx, got)).To(Succeed())
	eventuallySynced(t, repo)
}

// A repository that cannot be reached fails the sync and keeps the Charts
// of the last good index; pointing the repo back heals it.
func TestUnreachableRepoKeepsCharts(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "plain")))
	ns := controlPlane.NewNamespace(t)
	repo := newRepo(ns, srv.URL())
	g.Expect(controlPlane.Client.Create(ctx, repo)).To(Succeed())
	eventuallySynced(t, repo)

	setURL := func(url string) {
		got := getRepo(g, repo)
		got.Spec.URL = url
		g.Expect(controlPlane.Client.Update(ctx, got)).To(Succeed())
	}
	// Nothing listens on port 1.
	setURL("http://127.0.0.1:1")
	g.Eventually(func(g Gomega) {
		ready := apimeta.FindStatusCondition(getRepo(g, repo).Status.Conditions, v1.ReadyCondition)
		g.Expect(ready.Reason).To(Equal("IndexUnavailable"))
		g.Expect(ready.Message).To(ContainSubstring("http://127.0.0.1:1/index.yaml is unreachable"))
	}, timeout, interval).Should(Succeed())
	g.Expect(charts(g, ns)).To(HaveKey("plain.charts"), "the last good Charts stay")

	setURL(srv.URL())
	eventuallySynced(t, repo)
}
