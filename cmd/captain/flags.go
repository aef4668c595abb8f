package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"captain.io/captain/internal/manager"
	"captain.io/captain/pkg/chartrepo"
)

// flags are the manager's command line.
type flags struct {
	kubeconfig  string
	localLabels string
	qps         float64
	burst       int
	manager.Options
}

func (f *flags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.kubeconfig, "kubeconfig", "", "Path to a kubeconfig; empty means in-cluster config or $KUBECONFIG.")
	fs.Float64Var(&f.qps, "kube-api-qps", 50, "Requests per second the manager's own client may send to the API server (client-go's default of 5 would cap installs at a few per second).")
	fs.IntVar(&f.burst, "kube-api-burst", 300, "Burst of requests above --kube-api-qps.")
	fs.StringVar(&f.Namespace, "namespace", "captain-system", "The controller's own namespace: leader election Lease, cluster credentials, shared ChartRepos.")
	fs.BoolVar(&f.LeaderElection, "leader-elect", false, "Elect a leader so that only one replica reconciles at a time.")
	fs.StringVar(&f.MetricsAddr, "metrics-bind-address", ":8080", "Address of the Prometheus metrics endpoint; \"0\" turns it off.")
	fs.StringVar(&f.PprofAddr, "pprof-bind-address", "", "Address of Go's pprof endpoints (/debug/pprof/), for profiling; empty turns them off. Keep it on loopback: profiles show the process's memory.")
	fs.StringVar(&f.ProbeAddr, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz endpoints.")
	fs.DurationVar(&f.RequeueInterval, "requeue-interval", 10*time.Minute, "How often a synced HelmRequest is checked again.")
	fs.DurationVar(&f.DriftCheckInterval, "drift-check-interval", 5*time.Minute, "How often releases with spec.driftDetection on are compared with their live objects (reads only; nothing is written unless drift changes).")
	fs.DurationVar(&f.ClusterProbeInterval, "cluster-probe-interval", time.Minute, "How often registered member clusters are probed (reachable, authenticated, version).")
	fs.IntVar(&f.Concurrency, "concurrency", 10, "Maximum number of HelmRequests reconciled at once.")
	fs.StringVar(&f.Shard, "shard", "", "Reconcile only the HelmRequests labelled captain.io/shard=<shard>, one of several managers sharing a cluster's HelmRequests; ChartRepos and Clusters are left to the manager without --shard.")
	fs.StringVar(&f.WatchLabelSelector, "watch-label-selector", "", "Reconcile only the HelmRequests this label selector matches; give the unsharded manager '!captain.io/shard'.")
	fs.Func("watch-namespaces", "Comma-separated namespaces to watch; empty watches all. The controller's own namespace is always watched.", func(v string) error {
		f.WatchNamespaces = strings.Split(v, ",")
		return nil
	})
	fs.DurationVar(&f.LeaseDuration, "leader-elect-lease-duration", 35*time.Second, "How long a leader's Lease holds without renewal before a standby takes over.")
	fs.DurationVar(&f.RenewDeadline, "leader-elect-renew-deadline", 30*time.Second, "How long the leader keeps trying to renew its Lease before it steps down (and exits): the longest API server outage a leader rides out.")
	fs.DurationVar(&f.RetryPeriod, "leader-elect-retry-period", 5*time.Second, "How often candidates try to take or renew the Lease.")
	fs.DurationVar(&f.ShutdownGracePeriod, "shutdown-grace-period", manager.DefaultShutdownGracePeriod, "On SIGTERM, how long reconciles under way may go on so that Helm operations in flight finish; keep it below the Pod's terminationGracePeriodSeconds. An operation cut short is recovered by the next leader.")
	fs.StringVar(&f.localLabels, "local-cluster-labels", "", "Labels of the local cluster that overlays match, e.g. captain.io/environment=prod,region=eu.")
	fs.StringVar(&f.ChartCacheDir, "chart-cache-dir", "", "Folder where downloaded chart archives are kept by digest, so that a restart does not download them again; empty keeps them in memory only. In a container, mount an emptyDir there.")
	f.ChartCacheBytes = chartrepo.DefaultMaxCacheBytes
	f.MaxIndexSize = chartrepo.DefaultMaxIndexSize
	fs.Var((*byteSize)(&f.MaxIndexSize), "max-index-size", "Largest chart repository index read, in bytes or as a quantity such as 100Mi; a larger one fails the ChartRepo's sync.")
	fs.Var((*byteSize)(&f.ChartCacheBytes), "chart-cache-size", "Most bytes of chart archives kept in --chart-cache-dir, in bytes or as a quantity such as 512Mi; the least recently used go first.")
}

// bindLogFlags adds --log-level and --log-format, the usual names of what
// controller-runtime's --zap-log-level and --zap-encoder set.
func bindLogFlags(fs *flag.FlagSet) {
	fs.Func("log-level", "Log level: error, info (the default), debug, or a number for more detail (2, 3, ...).", func(v string) error {
		return fs.Set("zap-log-level", v)
	})
	fs.Func("log-format", "Log format: json (the default) or text.", func(v string) error {
		switch v {
		case "json":
			return fs.Set("zap-encoder", "json")
		case "text":
			return fs.Set("zap-encoder", "console")
		}
		return fmt.Errorf("%q is not json or text", v)
	})
}

// byteSize is a flag for a number of bytes, given plain or as a Kubernetes
// quantity (512Mi, 1G), as the sizes of a Pod's volumes are.
type byteSize int64

func (b *byteSize) String() string {
	return resource.NewQuantity(int64(*b), resource.BinarySI).String()
}

func (b *byteSize) Set(s string) error {
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return err
	}
	if q.Sign() <= 0 {
		return errors.New("must be positive")
	}
	*b = byteSize(q.Value())
	return nil
}

// complete derives what the flags only describe.
func (f *flags) complete() (*rest.Config, error) {
	var err error
	if f.LocalClusterLabels, err = labels.ConvertSelectorToLabelsMap(f.localLabels); err != nil {
		return nil, fmt.Errorf("--local-cluster-labels: %w", err)
	}
	loading := clientcmd.NewDefaultClientConfigLoadingRules()
	loading.ExplicitPath = f.kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(loading, nil).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("loading kubeconfig: %w", err)
	}
	cfg.QPS, cfg.Burst = float32(f.qps), f.burst
	return cfg, nil
}
