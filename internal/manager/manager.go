// Package manager wires Captain's controllers into a controller-runtime
// manager. The captain command and the tests build managers the same way.
package manager

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/cluster"
	repoctl "captain.io/captain/internal/controller/chartrepo"
	clusterctl "captain.io/captain/internal/controller/cluster"
	"captain.io/captain/internal/controller/helmrequest"
	"captain.io/captain/internal/metrics"
	"captain.io/captain/internal/scheme"
	"captain.io/captain/pkg/chartrepo"
	"captain.io/captain/pkg/release"
)

// Options configure a manager.
type Options struct {
	// Namespace is the controller's own namespace (leader election Lease,
	// cluster credentials, shared ChartRepos).
	Namespace      string
	LeaderElection bool
	MetricsAddr    string
	ProbeAddr      string
	// PprofAddr serves Go's net/http/pprof; empty or "0" serves nothing.
	PprofAddr          string
	RequeueInterval    time.Duration
	Concurrency        int
	LocalClusterLabels map[string]string
	// ClusterProbeInterval is how often member clusters are probed.
	ClusterProbeInterval time.Duration
	// DriftCheckInterval is how often releases with drift detection on are
	// compared with their live objects; 0 means helmrequest's default.
	DriftCheckInterval time.Duration
	// ChartCacheDir is where downloaded chart archives are kept by digest,
	// across restarts; empty keeps them in memory only.
	ChartCacheDir string
	// ChartCacheBytes bounds the archives in ChartCacheDir; 0 means
	// chartrepo.DefaultMaxCacheBytes.
	ChartCacheBytes int64
	// MaxIndexSize is the largest repository index read, in bytes; 0 means
	// chartrepo.DefaultMaxIndexSize.
	MaxIndexSize int64
	// Shard, when set, makes this manager one of several sharing the
	// HelmRequests of a cluster: it reconciles only those labelled
	// captain.io/shard=<Shard>, and leaves ChartRepos and Clusters to the
	// manager without a shard.
	Shard string
	// WatchLabelSelector restricts the HelmRequests reconciled; Shard is a
	// shorthand for one. Set `!captain.io/shard` on the unsharded manager so
	// that it leaves the shards' HelmRequests alone.
	WatchLabelSelector string
	// WatchNamespaces restricts the namespaces watched; empty means all.
	// The controller's own namespace is always watched.
	WatchNamespaces []string
	// LeaseDuration, RenewDeadline and RetryPeriod tune leader election;
	// zero means controller-runtime's defaults (15s, 10s, 2s).
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// ShutdownGracePeriod is how long reconciles under way may go on once
	// the manager is told to stop, so that Helm operations in flight finish;
	// 0 means DefaultShutdownGracePeriod.
	ShutdownGracePeriod time.Duration
}

// DefaultShutdownGracePeriod fits in Kubernetes' default 30 s between
// SIGTERM and SIGKILL.
const DefaultShutdownGracePeriod = 25 * time.Second

// ShardLabel assigns a HelmRequest to the manager started with that --shard.
const ShardLabel = "captain.io/shard"

// New builds a manager with Captain's types and controllers.
func New(ctx context.Context, cfg *rest.Config, o Options) (manager.Manager, error) {
	s, err := scheme.New()
	if err != nil {
		return nil, err
	}
	cacheOpts, err := cacheOptions(o)
	if err != nil {
		return nil, err
	}
	grace := o.ShutdownGracePeriod
	if grace <= 0 {
		grace = DefaultShutdownGracePeriod
	}
	// The manager waits for the drained reconciles, then a little longer
	// for everything else to stop.
	shutdownTimeout := grace + 5*time.Second
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: s,
		Cache:  cacheOpts,
		// Values are read straight from the API server, and Helm's release
		// Secrets are large: never cache these kinds cluster-wide. Charts can
		// be many and large; they are listed only when an index changes.
		Client:                  client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}, &corev1.ConfigMap{}, &v1.Chart{}}}},
		Metrics:                 metricsserver.Options{BindAddress: o.MetricsAddr},
		HealthProbeBindAddress:  o.ProbeAddr,
		PprofBindAddress:        o.PprofAddr,
		LeaderElection:          o.LeaderElection,
		LeaderElectionID:        leaseName(o.Shard),
		LeaderElectionNamespace: o.Namespace,
		LeaseDuration:           durationOrNil(o.LeaseDuration),
		RenewDeadline:           durationOrNil(o.RenewDeadline),
		RetryPeriod:             durationOrNil(o.RetryPeriod),
		// A standby takes over as soon as this one stopped, not a lease
		// duration later.
		LeaderElectionReleaseOnCancel: true,
		GracefulShutdownTimeout:       &shutdownTimeout,
	})
	if err != nil {
		return nil, fmt.Errorf("creating manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return nil, err
	}
	if err := setupControllers(ctx, mgr, cfg, o, draining(ctx, grace)); err != nil {
		return nil, err
	}
	return mgr, nil
}

// setupControllers wires the controllers. They share one chart fetcher
// (and its caches) and the in-memory indexes of the ChartRepos.
func setupControllers(ctx context.Context, mgr manager.Manager, cfg *rest.Config, o Options, drain context.Context) error {
	direct, err := client.New(cfg, client.Options{Scheme: mgr.GetScheme()})
	if err != nil {
		return err
	}
	key, err := digestKey(ctx, direct, o.Namespace)
	if err != nil {
		return err
	}
	opts := controller.Options{MaxConcurrentReconciles: o.Concurrency, RateLimiter: retryLimiter()}
	fetcher := chartrepo.NewFetcher(chartrepo.FetcherOptions{
		CacheDir:      o.ChartCacheDir,
		MaxCacheBytes: o.ChartCacheBytes,
		MaxIndexSize:  o.MaxIndexSize,
		Logf:          func(format string, args ...any) { ctrl.Log.WithName("chart-cache").Info(fmt.Sprintf(format, args...)) },
	})
	if err := metrics.Register(mgr.GetClient(), fetcher); err != nil {
		return fmt.Errorf("registering metrics: %w", err)
	}
	indexes := repoctl.NewIndexesWithCache(fetcher, mgr.GetAPIReader(), o.ChartCacheDir)
	// A shard runs no ChartRepo or Cluster controller, whose syncs and
	// probes keep indexes and kubeconfigs fresh: it refreshes them on use.
	indexes.SyncOnUse = o.Shard != ""
	repos := &repoctl.Reconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorder("captain"),
		Indexes:   indexes,
	}
	if o.Shard == "" {
		if err := repos.SetupWithManager(mgr, opts); err != nil {
			return fmt.Errorf("setting up the ChartRepo controller: %w", err)
		}
	}
	releases := release.NewFactory()
	releases.UseRecordCache(helmrequest.RecordCache{Reader: mgr.GetCache()})
	clusters := cluster.NewRegistry(mgr.GetAPIReader(), o.Namespace, releases.Forget)
	if o.Shard != "" {
		clusters.MaxAge = o.ClusterProbeInterval
	}
	probes := &clusterctl.Reconciler{
		Client:        mgr.GetClient(),
		Recorder:      mgr.GetEventRecorder("captain"),
		Registry:      clusters,
		ProbeInterval: o.ClusterProbeInterval,
	}
	if o.Shard == "" {
		if err := probes.SetupWithManager(mgr, o.Namespace, opts); err != nil {
			return fmt.Errorf("setting up the Cluster controller: %w", err)
		}
	}
	requests := &helmrequest.Reconciler{
		DigestKey: key,
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorder("captain"),
		Releases:  releases,
		Clusters:  clusters,
		Charts: &helmrequest.Resolver{
			Sources: &helmrequest.SourceResolver{Fetcher: fetcher, Reader: mgr.GetAPIReader()},
			Repos:   &helmrequest.RepoResolver{Client: mgr.GetClient(), Indexes: indexes, ControllerNamespace: o.Namespace},
		},
		ControllerNamespace: o.Namespace,
		LocalConfig:         cfg,
		LocalClusterLabels:  o.LocalClusterLabels,
		RequeueInterval:     o.RequeueInterval,
		DriftCheckInterval:  o.DriftCheckInterval,
		Draining:            drain,
	}
	if err := requests.SetupWithManager(ctx, mgr, opts); err != nil {
		return fmt.Errorf("setting up the HelmRequest controller: %w", err)
	}
	return nil
}

// draining ends grace after ctx does.
func draining(ctx context.Context, grace time.Duration) context.Context {
	drain, cancel := context.WithCancel(context.WithoutCancel(ctx))
	context.AfterFunc(ctx, func() { time.AfterFunc(grace, cancel) })
	return drain
}

// maxRetryDelay caps the backoff of failed reconciles. Some fixes are seen
// only by a retry (a repository coming back, a namespace being made), and
// controller-runtime's default cap of 16 minutes would leave a fixed
// HelmRequest failing that long.
const maxRetryDelay = 2 * time.Minute

// retryLimiter is controller-runtime's default rate limiter with a lower
// cap: per-item exponential backoff from 5 ms, and an overall 10 qps bucket.
func retryLimiter() workqueue.TypedRateLimiter[reconcile.Request] {
	return workqueue.NewTypedMaxOfRateLimiter(
		workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](5*time.Millisecond, maxRetryDelay),
		&workqueue.TypedBucketRateLimiter[reconcile.Request]{Limiter: rate.NewLimiter(rate.Limit(10), 100)},
	)
}

// cacheOptions restricts what the manager watches: namespaces, and the
// HelmRequests of its shard.
func cacheOptions(o Options) (cache.Options, error) {
	opts := cache.Options{}
	if len(o.WatchNamespaces) > 0 {
		opts.DefaultNamespaces = map[string]cache.Config{o.Namespace: {}}
		for _, ns := range o.WatchNamespaces {
			opts.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	selector := o.WatchLabelSelector
	if o.Shard != "" {
		selector = ShardLabel + "=" + o.Shard
	}
	if selector == "" {
		return opts, nil
	}
	sel, err := labels.Parse(selector)
	if err != nil {
		return opts, fmt.Errorf("HelmRequest label selector %q: %w", selector, err)
	}
	opts.ByObject = map[client.Object]cache.ByObject{&v1.HelmRequest{}: {Label: sel}}
	return opts, nil
}

// leaseName keeps shards from electing one leader among them all.
func leaseName(shard string) string {
	if shard == "" {
		return "captain.captain.io"
	}
	return "captain-" + shard + ".captain.io"
}

func durationOrNil(d time.Duration) *time.Duration {
	if d <= 0 {
		return nil
	}
	return &d
}
