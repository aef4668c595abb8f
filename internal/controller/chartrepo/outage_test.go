package chartrepo_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	helmrelease "helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/internal/testenv/testcharts"
)

// A chart repository goes through an outage — 500s, then answers slower
// than spec.timeout, then a truncated index, each for two sync intervals —
// while a HelmRequest runs a release of one of its charts:
//   - the release is untouched (same revision, deployed) and the
//     HelmRequest stays Ready, even when reconciled meanwhile: it resolves
//     from the last good index;
//   - the ChartRepo turns Ready=False within an interval, and its condition
//     says why (IndexUnavailable, and the status code, the timeout or the
//     cut-short body);
//   - its Chart objects stay as the last good index made them;
//   - once the repository answers again, the ChartRepo is Ready within one
//     interval (plus a little slack for the sync itself).
func TestRepoOutage(t *testing.T) {
	const every = 2 * time.Second
	const slack = time.Second
	g := NewWithT(t)
	ctx := context.Background()
	srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "plain")))
	ns := controlPlane.NewNamespace(t)
	repo := newRepo(ns, srv.URL())
	repo.Spec.Interval = &metav1.Duration{Duration: every}
	repo.Spec.Timeout = &metav1.Duration{Duration: time.Second}
	g.Expect(controlPlane.Client.Create(ctx, repo)).To(Succeed())
	eventuallySynced(t, repo)
	hr := &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: v1.HelmRequestSpec{
			Chart:  "charts/plain",
			Values: &apiextensionsv1.JSON{Raw: []byte(`{"replicaCount":0}`)},
		},
	}
	g.Expect(controlPlane.Client.Create(ctx, hr)).To(Succeed())
	g.Eventually(func(g Gomega) { releaseUntouched(g, hr) }, timeout, interval).Should(Succeed())
	goodCharts := charts(g, ns)
	g.Expect(goodCharts).To(HaveKey("plain.charts"))

	index := fetchBody(g, srv.URL()+"/index.yaml")
	// Conditional requests would be answered "304 Not Modified" and never
	// see the cut: a broken proxy or CDN serves the cut body to everyone.
	truncated := httprepo.ForPath("/index.yaml", func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		r.Header.Del("If-None-Match")
		r.Header.Del("If-Modified-Since")
		httprepo.Truncate(len(index)/2)(w, r, next)
	})
	phases := []struct {
		name    string
		fault   httprepo.Fault
		message string
	}{
		{"500s", httprepo.Status(http.StatusInternalServerError), "500"},
		{"timeouts", httprepo.Delay(5 * time.Second), "timed out after 1s (spec.timeout)"},
		{"truncated index", truncated, "unexpected EOF"},
	}
	for _, ph := range phases {
		srv.SetFault(ph.fault)
		start := time.Now()
		failing := func(g Gomega) {
			ready := apimeta.FindStatusCondition(getRepo(g, repo).Status.Conditions, v1.ReadyCondition)
			g.Expect(ready).NotTo(BeNil())
			g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(ready.Reason).To(Equal("IndexUnavailable"))
			g.Expect(ready.Message).To(And(ContainSubstring("spec.url"), ContainSubstring(ph.message)))
		}
		// The first failing sync comes within an interval, and may take
		// spec.timeout.
		g.Eventually(failing, every+time.Second+slack, interval).Should(Succeed(), ph.name)
		t.Logf("%s: ChartRepo not Ready after %s", ph.name, time.Since(start).Round(100*time.Millisecond))
		pokeRequest(g, hr)
		g.Consistently(func(g Gomega) {
			failing(g)
			g.Expect(charts(g, ns)).To(Equal(goodCharts), "the last good Charts stay as they were")
			releaseUntouched(g, hr)
		}, time.Until(start.Add(2*every)), interval).Should(Succeed(), ph.name)
	}

	srv.SetFault(nil)
	start := time.Now()
	g.Eventually(func(g Gomega) {
		g.Expect(apimeta.IsStatusConditionTrue(getRepo(g, repo).Status.Conditions, v1.ReadyCondition)).To(BeTrue())
	}, every+slack, interval/2).Should(Succeed(), "the ChartRepo is Ready again within one interval")
	t.Logf("ChartRepo Ready again after %s", time.Since(start).Round(100*time.Millisecond))
	g.Expect(charts(g, ns)).To(Equal(goodCharts))
	releaseUntouched(g, hr)
}

// releaseUntouched checks that the HelmRequest is Ready for its generation
// and its release is still revision 1, deployed.
func releaseUntouched(g Gomega, hr *v1.HelmRequest) {
	got := &v1.HelmRequest{}
	g.Expect(controlPlane.Client.Get(context.Background(), client.ObjectKeyFromObject(hr), got)).To(Succeed())
	g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
	ready := apimeta.FindStatusCondition(got.Status.Conditions, v1.ReadyCondition)
	g.Expect(ready).NotTo(BeNil())
	g.Expect(ready.Status).To(Equal(metav1.ConditionTrue), ready.Message)
	cs, err := kubernetes.NewForConfig(controlPlane.Config)
	g.Expect(err).NotTo(HaveOccurred())
	history, err := storage.Init(driver.NewSecrets(cs.CoreV1().Secrets(hr.Namespace))).History(hr.Name)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(history).To(HaveLen(1))
	g.Expect(history[0].Info.Status).To(Equal(helmrelease.StatusDeployed))
}

// pokeRequest changes an annotation of the HelmRequest, which makes it
// reconcile.
func pokeRequest(g Gomega, hr *v1.HelmRequest) {
	patch := fmt.Appendf(nil, `{"metadata":{"annotations":{"test.captain.io/poke":%q}}}`, time.Now().Format(time.RFC3339Nano))
	g.Expect(controlPlane.Client.Patch(context.Background(), hr, client.RawPatch("application/merge-patch+json", patch))).To(Succeed())
}

func fetchBody(g Gomega, url string) []byte {
	resp, err := http.Get(url)
	g.Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK))
	body, err := io.ReadAll(resp.Body)
	g.Expect(err).NotTo(HaveOccurred())
	return body
}
