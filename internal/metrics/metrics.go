// Package metrics defines Captain's Prometheus metrics. They are served on
// the manager's metrics endpoint next to controller-runtime's own (among
// them controller_runtime_reconcile_time_seconds, the reconcile duration per
// controller, that is per kind). docs/metrics.md lists them all.
package metrics

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/pkg/chartrepo"
)

// Outcomes of an operation.
const (
	Success    = "success"
	Failure    = "failure"
	RolledBack = "rolled-back"
)

var (
	helmOperations = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "captain_helm_operation_duration_seconds",
		Help:    "Duration of Helm operations (install, upgrade, unlock, uninstall) by outcome.",
		Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300},
	}, []string{"operation", "outcome"})
	repoSyncs = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "captain_chartrepo_sync_duration_seconds",
		Help:    "Duration of ChartRepo index syncs by outcome; the failure count is this histogram's count with outcome=failure.",
		Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"outcome"})
	register sync.Once
)

// ObserveHelm records one Helm operation that started at start.
func ObserveHelm(operation, outcome string, start time.Time) {
	helmOperations.WithLabelValues(operation, outcome).Observe(time.Since(start).Seconds())
}

// ObserveRepoSync records one ChartRepo sync that started at start.
func ObserveRepoSync(start time.Time, err error) {
	repoSyncs.WithLabelValues(outcome(err)).Observe(time.Since(start).Seconds())
}

func outcome(err error) string {
	if err != nil {
		return Failure
	}
	return Success
}

// Register adds Captain's metrics to controller-runtime's registry: the
// operation histograms, and gauges read on each scrape from the manager's
// cache (HelmRequests by phase, drifted releases, cluster reachability) and
// from the chart fetcher (cache hits and misses). A second manager in one
// process (tests) keeps the first one's gauges.
func Register(reader client.Reader, fetcher *chartrepo.Fetcher) error {
	register.Do(func() {
		ctrlmetrics.Registry.MustRegister(helmOperations, repoSyncs)
	})
	err := ctrlmetrics.Registry.Register(&state{reader: reader, fetcher: fetcher})
	if errors.As(err, &prometheus.AlreadyRegisteredError{}) {
		return nil
	}
	return err
}

var (
	requestsDesc  = prometheus.NewDesc("captain_helmrequests", "HelmRequests by phase.", []string{"phase"}, nil)
	driftedDesc   = prometheus.NewDesc("captain_helmrequests_drifted", "HelmRequests whose release has drifted (Drifted=True).", nil, nil)
	reachableDesc = prometheus.NewDesc("captain_cluster_reachable", "1 when a registered cluster is Ready (reachable and authenticated), else 0.", []string{"cluster"}, nil)
	hitsDesc      = prometheus.NewDesc("captain_chart_cache_hits_total", "Chart fetches served from the cache (memory, disk, or a 304 for a cached chart).", nil, nil)
	missesDesc    = prometheus.NewDesc("captain_chart_cache_misses_total", "Chart fetches that downloaded an archive.", nil, nil)
)

// state reads gauges from the cache when scraped, so they cost nothing in
// between and are never stale.
type state struct {
	reader  client.Reader
	fetcher *chartrepo.Fetcher
}

func (s *state) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{requestsDesc, driftedDesc, reachableDesc, hitsDesc, missesDesc} {
		ch <- d
	}
}

func (s *state) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.collectRequests(ctx, ch)
	s.collectClusters(ctx, ch)
	stats := s.fetcher.Stats()
	ch <- prometheus.MustNewConstMetric(hitsDesc, prometheus.CounterValue, float64(stats.Hits))
	ch <- prometheus.MustNewConstMetric(missesDesc, prometheus.CounterValue, float64(stats.Misses))
}

func (s *state) collectRequests(ctx context.Context, ch chan<- prometheus.Metric) {
	list := &v1.HelmRequestList{}
	// Read only: copying every HelmRequest made a scrape cost 10 ms at 1000.
	if err := s.reader.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
		return
	}
	byPhase := map[v1.HelmRequestPhase]int{}
	drifted := 0
	for _, hr := range list.Items {
		phase := hr.Status.Phase
		if phase == "" {
			phase = v1.PhasePending
		}
		byPhase[phase]++
		if apimeta.IsStatusConditionTrue(hr.Status.Conditions, v1.DriftedCondition) {
			drifted++
		}
	}
	for _, phase := range []v1.HelmRequestPhase{v1.PhasePending, v1.PhaseSynced, v1.PhasePartialSynced, v1.PhaseFailed, v1.PhaseUninstalling} {
		ch <- prometheus.MustNewConstMetric(requestsDesc, prometheus.GaugeValue, float64(byPhase[phase]), string(phase))
	}
	ch <- prometheus.MustNewConstMetric(driftedDesc, prometheus.GaugeValue, float64(drifted))
}

func (s *state) collectClusters(ctx context.Context, ch chan<- prometheus.Metric) {
	list := &v1.ClusterList{}
	if err := s.reader.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
		return
	}
	for _, c := range list.Items {
		up := 0.0
		if apimeta.IsStatusConditionTrue(c.Status.Conditions, v1.ReadyCondition) {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(reachableDesc, prometheus.GaugeValue, up, c.Name)
	}
}
