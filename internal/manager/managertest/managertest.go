// Package managertest runs Captain's manager in-process for integration
// tests, counting the writes it makes to the API server.
package managertest

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"go.uber.org/zap/zapcore"
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
	// inNamespace counts them by the namespace of their path.
	inNamespace sync.Map
	cancel      context.CancelFunc
	done        chan error
}

// Option tunes Start.
type Option func(*settings)

type settings struct {
	logs io.Writer
}

// WithLogs also writes the manager's logs, debug level included, to w, for
// tests that check what the manager logs. w must be safe for concurrent use.
func WithLogs(w io.Writer) Option {
	return func(s *settings) { s.logs = w }
}

// Start starts a manager against cfg. It logs to stderr only when
// CAPTAIN_TEST_LOG is set, and serves no metrics or probe endpoints unless
// o asks for them.
func Start(cfg *rest.Config, o manager.Options, opts ...Option) (*Manager, error) {
	var set settings
	for _, opt := range opts {
		opt(&set)
	}
	ctrl.SetLogger(logger(set.logs))
	if o.MetricsAddr == "" {
		o.MetricsAddr = "0"
	}
	if o.ProbeAddr == "" {
		o.ProbeAddr = "0"
	}
	if o.ShutdownGracePeriod == 0 {
		// Tests stop managers with work under way; they need not drain it.
		o.ShutdownGracePeriod = time.Second
	}
	m := &Manager{Writes: &atomic.Int64{}, done: make(chan error, 1)}
	counted := rest.CopyConfig(cfg)
	counted.Wrap(CountWrites(m.Writes))
	counted.Wrap(m.countByNamespace)
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

// logger writes to stderr when CAPTAIN_TEST_LOG is set and to logs when
// given; it discards everything otherwise.
func logger(logs io.Writer) logr.Logger {
	var sinks []io.Writer
	if os.Getenv("CAPTAIN_TEST_LOG") != "" {
		sinks = append(sinks, os.Stderr)
	}
	if logs != nil {
		sinks = append(sinks, logs)
	}
	if len(sinks) == 0 {
		return logr.Discard()
	}
	return zap.New(zap.WriteTo(io.MultiWriter(sinks...)), zap.Level(zapcore.DebugLevel))
}

// Stop stops the manager and waits for it to finish.
func (m *Manager) Stop() error {
	m.cancel()
	return <-m.done
}

// WritesIn is how many write requests the manager made to objects in
// namespace ns: a test can count its own writes while others run.
func (m *Manager) WritesIn(ns string) int64 {
	n, ok := m.inNamespace.Load(ns)
	if !ok {
		return 0
	}
	return n.(*atomic.Int64).Load()
}

func (m *Manager) countByNamespace(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if ns := namespaceOf(r.URL.Path); ns != "" && isWrite(r.Method) {
			n, _ := m.inNamespace.LoadOrStore(ns, &atomic.Int64{})
			n.(*atomic.Int64).Add(1)
		}
		return rt.RoundTrip(r)
	})
}

// namespaceOf is the namespace in an API path, such as
// /apis/group/version/namespaces/NS/kind/name, or "".
func namespaceOf(path string) string {
	parts := strings.Split(path, "/")
	for i := 0; i+1 < len(parts); i++ {
		if parts[i] == "namespaces" && i+2 < len(parts) {
			return parts[i+1]
		}
	}
	return ""
}

// CountWrites wraps a transport so that it counts write requests in n.
func CountWrites(n *atomic.Int64) func(http.RoundTripper) http.RoundTripper {
	return func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if isWrite(r.Method) {
				n.Add(1)
			}
			return rt.RoundTrip(r)
		})
	}
}

func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
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
