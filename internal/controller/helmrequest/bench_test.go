package helmrequest_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/cluster"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/controller/helmrequest"
	"captain.io/captain/internal/manager"
	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/pkg/chartrepo"
	"captain.io/captain/pkg/release"
)

// Benchmarks of reconcile cost; docs/benchmarks.md says what they measure
// and `make bench` runs them.

const (
	// installBatch is how many HelmRequests BenchmarkInstall50 installs at once.
	installBatch = 50
	// benchValues keep the plain chart's Deployment at zero replicas, so
	// kube-controller-manager makes no Pods to compete for the CPU.
	benchValues  = `{"replicaCount":0}`
	pollInterval = 50 * time.Millisecond
	benchTimeout = 5 * time.Minute
)

// BenchmarkInstall50 measures the in-process manager (Concurrency 4, see
// suite_test.go) installing installBatch HelmRequests at once: installs per
// second until all are Ready, and per release the manager's API writes and
// this process's CPU time.
func BenchmarkInstall50(b *testing.B) {
	repo := httprepo.New(b)
	var writes int64
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		ns := controlPlane.NewNamespace(b)
		settle(b)
		w, c := managerWrites.Load(), cpuTime(b)
		b.StartTimer()

		createRequests(b, ns, repo.URL(), installBatch)
		waitReady(b, ns, installBatch)

		b.StopTimer()
		// Events go out after the status that made a HelmRequest Ready:
		// count them with the install that caused them.
		settle(b)
		writes += managerWrites.Load() - w
		cpu += cpuTime(b) - c
		deleteAll(b, ns)
		b.StartTimer()
	}
	releases := float64(installBatch * b.N)
	b.ReportMetric(releases/b.Elapsed().Seconds(), "installs/s")
	b.ReportMetric(float64(writes)/releases, "writes/release")
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/releases, "cpu-ms/release")
}

// BenchmarkNoopReconcile measures one reconcile of a HelmRequest whose
// release is already as requested, and fails if any made an API write.
func BenchmarkNoopReconcile(b *testing.B) {
	repo := httprepo.New(b)
	ns := controlPlane.NewNamespace(b)
	// The suite's manager installs it; only then does the benchmark's own
	// reconciler, which no event drives, see it.
	createRequests(b, ns, repo.URL(), 1)
	waitReady(b, ns, 1)
	b.Cleanup(func() { deleteAll(b, ns) })

	ctx := context.Background()
	r := newReconciler(b)
	req := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: ns, Name: requestName(0)}}
	settle(b)
	writes := managerWrites.Load()
	// The first reconcile downloads the chart and discovers the API; the
	// ones measured revalidate the chart with a conditional GET.
	if _, err := r.Reconcile(ctx, req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu := cpuTime(b)
	for b.Loop() {
		if _, err := r.Reconcile(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	cpu = cpuTime(b) - cpu
	if w := managerWrites.Load() - writes; w != 0 {
		b.Fatalf("%d no-op reconciles made %d API writes", b.N+1, w)
	}
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
}

// newReconciler wires a Reconciler as internal/manager does, on a cluster
// connection of its own (the suite's manager does not expose its client):
// HelmRequests and release records' metadata from an informer cache,
// ConfigMaps and Secrets read directly,
// writes counted in managerWrites. Its HelmRequests use spec.source, so it
// resolves charts with a SourceResolver alone.
func newReconciler(b *testing.B) *helmrequest.Reconciler {
	cfg := rest.CopyConfig(controlPlane.Config)
	cfg.Wrap(countWrites(managerWrites))
	cl, err := cluster.New(cfg, func(o *cluster.Options) {
		o.Scheme = controlPlane.Scheme
		o.Client.Cache = &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}, &corev1.ConfigMap{}}}
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cl.Start(ctx) }()
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
	})
	if !cl.GetCache().WaitForCacheSync(ctx) {
		b.Fatal("the HelmRequest cache did not start")
	}
	releases := release.NewFactory()
	releases.UseRecordCache(helmrequest.RecordCache{Reader: cl.GetCache()})
	return &helmrequest.Reconciler{
		Client:          cl.GetClient(),
		APIReader:       cl.GetAPIReader(),
		Recorder:        cl.GetEventRecorder("captain"),
		Releases:        releases,
		Charts:          &helmrequest.SourceResolver{Fetcher: chartrepo.NewFetcher(chartrepo.FetcherOptions{}), Reader: cl.GetAPIReader()},
		LocalConfig:     cfg,
		DigestKey:       digestKey(b),
		RequeueInterval: time.Hour,
	}
}

// digestKey is the suite's manager's digest key (its namespace is
// "default"): under any other, every digest would differ and a reconcile
// upgrade the release.
func digestKey(b *testing.B) []byte {
	secret := &corev1.Secret{}
	key := client.ObjectKey{Namespace: "default", Name: manager.DigestKeySecret}
	if err := controlPlane.Client.Get(context.Background(), key, secret); err != nil {
		b.Fatal(err)
	}
	return secret.Data["key"]
}

func requestName(i int) string { return fmt.Sprintf("web-%02d", i) }

// createRequests creates n HelmRequests of the plain chart in ns.
func createRequests(b *testing.B, ns, url string, n int) {
	for i := range n {
		hr := plainRequest(ns, url, benchValues)
		hr.Name = requestName(i)
		if err := controlPlane.Client.Create(context.Background(), hr); err != nil {
			b.Fatal(err)
		}
	}
}

// waitReady waits until n HelmRequests in ns are Ready for their generation.
func waitReady(b *testing.B, ns string, n int) {
	NewWithT(b).Eventually(func(g Gomega) {
		ready := 0
		for _, hr := range listRequests(g, ns) {
			if hr.Status.ObservedGeneration == hr.Generation && condition(&hr, v1.ReadyCondition).Status == metav1.ConditionTrue {
				ready++
			}
		}
		g.Expect(ready).To(Equal(n), "Ready HelmRequests")
	}).WithTimeout(benchTimeout).WithPolling(pollInterval).Should(Succeed())
}

// deleteAll deletes the HelmRequests in ns and waits until the manager has
// uninstalled their releases and let them go.
func deleteAll(b *testing.B, ns string) {
	if err := controlPlane.Client.DeleteAllOf(context.Background(), &v1.HelmRequest{}, client.InNamespace(ns)); err != nil {
		b.Fatal(err)
	}
	NewWithT(b).Eventually(func(g Gomega) {
		g.Expect(listRequests(g, ns)).To(BeEmpty())
	}).WithTimeout(benchTimeout).WithPolling(pollInterval).Should(Succeed())
}

func listRequests(g Gomega, ns string) []v1.HelmRequest {
	var list v1.HelmRequestList
	g.Expect(controlPlane.Client.List(context.Background(), &list, client.InNamespace(ns))).To(Succeed())
	return list.Items
}

// settle waits until the manager has made no write for a second, so that
// a measurement neither misses its own trailing writes nor gets earlier ones.
func settle(b *testing.B) { quiet(NewWithT(b)) }

// cpuTime is the user and system CPU time this process has used: the
// manager and the chart repository run in it, the API server and etcd not.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
