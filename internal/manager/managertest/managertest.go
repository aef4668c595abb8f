// Package managertest runs Captain's manager in-process for integration
// tests, counting the writes it makes to the API server.
package managertest

import (
	"context"
	"net/http"
	"os"
	"sync/atomic"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"captain.io/captain/internal/manager"
)

// Manager is a running manager.
type Manager struct {
	// Writes counts the manager's write requests (POST, PUT, PATCH, DELETE).
	Writes *atomic.Int64
	cancel context.CancelFunc
	done   chan error
}

// Start starts a manager against cfg. It logs only when CAPTAIN_TEST_LOG is
// set, and serves no metrics or probe endpoints unless o asks for them.
func Start(cfg *rest.Config, o manager.Options) (*Manager, error) {
	if os.Getenv("CAPTAIN_TEST_LOG") != "" {
		ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr)))
	} else {
		ctrl.SetLogger(logr.Discard())
	}
	if o.MetricsAddr == "" {
		o.MetricsAddr = "0"
	}
	if o.ProbeAddr == "" {
		o.ProbeAddr = "0"
	}
	m := &Manager{Writes: &atomic.Int64{}, done: make(chan error, 1)}
	counted := rest.CopyConfig(cfg)
	counted.Wrap(CountWrites(m.Writes))
	ctx, cancel := context.WithCancel(context.Background())
	mgr, err := manager.New(ctx, counted, o)
	if err != nil {
		cancel()
		return nil, err
	}
	m.cancel = cancel
	go func() { m.done <- mgr.Start(ctx) }()
	return m, nil
}

// Stop stops the manager and waits for it to finish.
func (m *Manager) Stop() error {
	m.cancel()
	return <-m.done
}

// CountWrites wraps a transport so that it counts write requests in n.
func CountWrites(n *atomic.Int64) func(http.RoundTripper) http.RoundTripper {
	return func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			switch r.Method {
			case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
				n.Add(1)
			}
			return rt.RoundTrip(r)
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Reconciles is how many reconciles the named controller has finished,
// whatever their result.
func Reconciles(controller string) float64 {
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		return -1
	}
	total := 0.0
	for _, f := range families {
		if f.GetName() != "controller_runtime_reconcile_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() == controller {
					total += m.GetCounter().GetValue()
				}
			}
		}
	}
	return total
}
