// Package ociregistry runs a real OCI registry (the distribution registry, in-memory storage)
// in-process on loopback for tests, optionally behind htpasswd basic auth, and pushes Captain's
// test charts into it with Helm's registry client, as oci://127.0.0.1:PORT/charts/<name>:<version>.
package ociregistry

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	"helm.sh/helm/v3/pkg/registry"

	// The registry finds its auth and storage back ends by name in registries filled at init.
	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"

	"captain.io/captain/internal/testenv/testcharts"
)

// repository is the path under which charts are pushed.
const repository = "charts"

// Registry is an OCI registry served over plain HTTP on 127.0.0.1.
type Registry struct {
	opts    options
	srv     *httptest.Server
	client  *registry.Client // pushes, with the credentials if any
	staging string           // where charts are packaged before they are pushed
}

// New starts the registry, pushes the charts into it and stops it when the test ends.
//
// The registry is the distribution project's HTTP handler (registry/handlers) served by
// httptest rather than registry.NewRegistry, which owns its listener, writes an access log to
// stdout by default, starts OpenTelemetry, and registers process-wide health checks that may
// only be registered once.
func New(tb testing.TB, opts ...Option) *Registry {
	tb.Helper()
	r := &Registry{staging: tb.TempDir()}
	for _, o := range opts {
		o(&r.opts)
	}
	folders, err := r.opts.charts.Resolve(tb)
	if err != nil {
		tb.Fatalf("ociregistry: %v", err)
	}
	if err := r.start(tb); err != nil {
		tb.Fatalf("ociregistry: %v", err)
	}
	for _, f := range folders {
		if _, err := r.Push(f); err != nil {
			tb.Fatalf("ociregistry: %v", err)
		}
	}
	return r
}

// Host is the registry's address, such as 127.0.0.1:41234.
func (r *Registry) Host() string { return r.srv.Listener.Addr().String() }

// RepoURL is where the charts are, such as oci://127.0.0.1:41234/charts.
func (r *Registry) RepoURL() string {
	return fmt.Sprintf("%s://%s/%s", registry.OCIScheme, r.Host(), repository)
}

// Ref is the reference of one chart version, such as oci://127.0.0.1:41234/charts/plain:0.1.0.
func (r *Registry) Ref(name, version string) string {
	return fmt.Sprintf("%s/%s:%s", r.RepoURL(), name, version)
}

// Credentials are the username and password the registry requires; empty without auth.
func (r *Registry) Credentials() (username, password string) {
	return r.opts.username, r.opts.password
}

// Push packages the chart folder chartDir and pushes it as <RepoURL>/<name>:<version>.
func (r *Registry) Push(chartDir string) (*registry.PushResult, error) {
	archive, ch, err := testcharts.Package(chartDir, r.staging)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(archive)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", archive, err)
	}
	ref := r.Ref(ch.Metadata.Name, ch.Metadata.Version)
	res, err := r.client.Push(data, ref)
	if err != nil {
		return nil, fmt.Errorf("pushing %s: %w", ref, err)
	}
	return res, nil
}

// Close stops the registry; it is safe to call more than once.
func (r *Registry) Close() {
	r.srv.CloseClientConnections()
	r.srv.Close()
}

func (r *Registry) start(tb testing.TB) error {
	cfg, err := r.config(tb.TempDir())
	if err != nil {
		return err
	}
	ctx, unregister := logs.register(tb)
	r.srv = httptest.NewUnstartedServer(handlers.NewApp(ctx, cfg))
	// Requests carry the registry's context, so their log entries reach this test.
	r.srv.Config.BaseContext = func(net.Listener) context.Context { return ctx }
	r.srv.Start()
	tb.Cleanup(func() {
		r.Close()
		unregister()
	})
	r.client, err = NewClient(tb, r.opts.username, r.opts.password)
	return err
}

// config is an in-memory registry, behind htpasswd auth if credentials were given.
func (r *Registry) config(dir string) (*configuration.Configuration, error) {
	cfg := &configuration.Configuration{}
	// A fixed secret keeps the registry from generating one and warning about it.
	cfg.HTTP.Secret = "captain-test"
	// Parsed configurations default to 1000; one built in code lists nothing.
	cfg.Catalog.MaxEntries = 1000
	cfg.Storage = configuration.Storage{
		"inmemory": configuration.Parameters{},
		// The purger is a background goroutine that outlives the test; nothing needs it.
		"maintenance": configuration.Parameters{"uploadpurging": map[any]any{"enabled": false}},
	}
	if r.opts.username == "" {
		return cfg, nil
	}
	htpasswd, err := writeHtpasswd(dir, r.opts.username, r.opts.password)
	if err != nil {
		return nil, err
	}
	cfg.Auth = configuration.Auth{
		"htpasswd": configuration.Parameters{"realm": "captain-test", "path": htpasswd},
	}
	return cfg, nil
}

// NewClient is a Helm registry client for plain HTTP on loopback, with basic-auth credentials
// unless username is empty. Its credentials file is private to the test, so nothing in the
// user's Helm configuration leaks in or is written to. It remembers auth challenges, which
// saves a 401 round trip per request.
func NewClient(tb testing.TB, username, password string) (*registry.Client, error) {
	opts := []registry.ClientOption{
		registry.ClientOptPlainHTTP(),
		registry.ClientOptEnableCache(true),
		registry.ClientOptCredentialsFile(filepath.Join(tb.TempDir(), "config.json")),
	}
	if username != "" {
		opts = append(opts, registry.ClientOptBasicAuth(username, password))
	}
	c, err := registry.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("creating registry client: %w", err)
	}
	return c, nil
}
