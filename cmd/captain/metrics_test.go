package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv"
	"captain.io/captain/internal/testenv/httprepo"
)

// After an install through a ChartRepo, the metrics endpoint shows Captain's
// metrics with the values that install implies.
func TestMetricsAfterInstall(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	cp := testenv.StartForTest(t)
	kubeconfig := writeKubeconfig(t, cp.KubeConfig())
	metricsAddr := freeAddr(t)
	startManager(t, kubeconfig, "--metrics-bind-address="+metricsAddr)

	repo := httprepo.New(t)
	ns := cp.NewNamespace(t)
	g.Expect(cp.Client.Create(ctx, &v1.ChartRepo{
		ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: ns},
		Spec:       v1.ChartRepoSpec{Type: v1.RepoHTTP, URL: repo.URL()},
	})).To(Succeed())
	g.Expect(cp.Client.Create(ctx, &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: v1.HelmRequestSpec{Chart: "demo/plain",
			Values: &apiextensionsv1.JSON{Raw: []byte(`{"replicaCount":0}`)}},
	})).To(Succeed())
	want := map[string]float64{
		`captain_helm_operation_duration_seconds_count{operation="install",outcome="success"}`: 1,
		`captain_chartrepo_sync_duration_seconds_count{outcome="success"}`:                     1,
		`captain_helmrequests{phase="Synced"}`:                                                 1,
		`captain_helmrequests{phase="Failed"}`:                                                 0,
		`captain_helmrequests_drifted`:                                                         0,
		`captain_chart_cache_misses_total`:                                                     1,
	}
	g.Eventually(func(g Gomega) {
		got := scrape(g, "http://"+metricsAddr+"/metrics")
		for series, value := range want {
			g.Expect(got).To(HaveKeyWithValue(series, BeNumerically(">=", value)), series)
		}
		g.Expect(got[`captain_helmrequests{phase="Failed"}`]).To(BeZero())
		g.Expect(got).To(HaveKey(`controller_runtime_reconcile_time_seconds_count{controller="helmrequest"}`))
	}, time.Minute, 200*time.Millisecond).Should(Succeed())
}

// scrape reads a metrics endpoint into series → value, a series written as
// name{label="value",...} with labels sorted; histograms give _count.
func scrape(g Gomega, url string) map[string]float64 {
	resp, err := http.Get(url)
	g.Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	g.Expect(err).NotTo(HaveOccurred())
	out := map[string]float64{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			switch f.GetType() {
			case dto.MetricType_HISTOGRAM:
				out[series(name+"_count", m)] = float64(m.GetHistogram().GetSampleCount())
			case dto.MetricType_COUNTER:
				out[series(name, m)] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[series(name, m)] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}

func series(name string, m *dto.Metric) string {
	if len(m.GetLabel()) == 0 {
		return name
	}
	s := name + "{"
	for i, l := range m.GetLabel() {
		if i > 0 {
			s += ","
		}
		s += l.GetName() + `="` + l.GetValue() + `"`
	}
	return s + "}"
}
