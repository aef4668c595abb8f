// Package manager wires Captain's controllers into a controller-runtime
// manager. The captain command and the tests build managers the same way.
package manager

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"captain.io/captain/internal/controller/helmrequest"
	"captain.io/captain/internal/scheme"
	"captain.io/captain/pkg/chartrepo"
	"captain.io/captain/pkg/release"
)

// Options configure a manager.
type Options struct {
	// Namespace is the controller's own namespace (leader election Lease,
	// cluster credentials, shared ChartRepos).
	Namespace          string
	LeaderElection     bool
	MetricsAddr        string
	ProbeAddr          string
	RequeueInterval    time.Duration
	Concurrency        int
	LocalClusterLabels map[string]string
}

// New builds a manager with Captain's types and controllers.
func New(ctx context.Context, cfg *rest.Config, o Options) (manager.Manager, error) {
	s, err := scheme.New()
	if err != nil {
		return nil, err
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: s,
		// Values are read straight from the API server, and Helm's release
		// Secrets are large: never cache these kinds cluster-wide.
		Client:                  client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}, &corev1.ConfigMap{}}}},
		Metrics:                 metricsserver.Options{BindAddress: o.MetricsAddr},
		HealthProbeBindAddress:  o.ProbeAddr,
		LeaderElection:          o.LeaderElection,
		LeaderElectionID:        "captain.captain.io",
		LeaderElectionNamespace: o.Namespace,
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
	direct, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		return nil, err
	}
	key, err := digestKey(ctx, direct, o.Namespace)
	if err != nil {
		return nil, err
	}
	reconciler := &helmrequest.Reconciler{
		DigestKey:          key,
		Client:             mgr.GetClient(),
		APIReader:          mgr.GetAPIReader(),
		Recorder:           mgr.GetEventRecorder("captain"),
		Releases:           release.NewFactory(),
		Charts:             &helmrequest.SourceResolver{Fetcher: chartrepo.NewFetcher(chartrepo.FetcherOptions{}), Reader: mgr.GetAPIReader()},
		LocalConfig:        cfg,
		LocalClusterLabels: o.LocalClusterLabels,
		RequeueInterval:    o.RequeueInterval,
	}
	if err := reconciler.SetupWithManager(ctx, mgr, controller.Options{MaxConcurrentReconciles: o.Concurrency}); err != nil {
		return nil, fmt.Errorf("setting up the HelmRequest controller: %w", err)
	}
	return mgr, nil
}
