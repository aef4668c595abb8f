package release_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v3/pkg/action"
	"k8s.io/client-go/rest"

	"captain.io/captain/internal/testenv/testcharts"
	"captain.io/captain/pkg/release"
)

// DeployedManifest follows the deployed revision and decodes each record
// once, even when a reinstalled release reuses revision numbers.
func TestDeployedManifest(t *testing.T) {
	ctx := context.Background()
	ns := controlPlane.NewNamespace(t)
	ch := testcharts.Load(t, "plain")
	var recordReads atomic.Int64
	cfg := rest.CopyConfig(controlPlane.Config)
	cfg.Wrap(countRecordReads(&recordReads))
	f := release.NewFactory()
	target := release.Target{Config: cfg}
	apply := func(greeting string) func(g Gomega) {
		return func(g Gomega) {
			req := request(t, ns, ch, map[string]any{"config": map[string]any{"greeting": greeting}}, greeting)
			req.Target = target
			_, err := f.Apply(ctx, req)
			g.Expect(err).NotTo(HaveOccurred())
		}
	}
	cases := []struct {
		name         string
		change       func(g Gomega)
		wantRevision int
		wantGreeting string
		wantReads    int64
	}{
		{"first read decodes the record", apply("one"), 1, "one", 1},
		{"second read is cached", func(Gomega) {}, 1, "one", 0},
		{"an upgrade is a new record", apply("two"), 2, "two", 1},
		{"a reinstall reuses revision 1, not its manifest", func(g Gomega) {
			// Uninstalled behind the factory's back, with the helm CLI's code.
			_, err := action.NewUninstall(helmConfig(t, ns)).Run("app")
			g.Expect(err).NotTo(HaveOccurred())
			apply("three")(g)
		}, 1, "three", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			tc.change(g)
			st, err := f.Observe(ctx, target, "app", ns)
			g.Expect(err).NotTo(HaveOccurred())
			before := recordReads.Load()
			manifest, revision, err := f.DeployedManifest(target, st)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(revision).To(Equal(tc.wantRevision))
			g.Expect(manifest).To(ContainSubstring(`greeting: "` + tc.wantGreeting + `"`))
			g.Expect(recordReads.Load() - before).To(Equal(tc.wantReads))
		})
	}
}

// countRecordReads counts reads of single release records (Helm's storage
// Secrets).
func countRecordReads(n *atomic.Int64) func(http.RoundTripper) http.RoundTripper {
	return func(rt http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/secrets/sh.helm.release.v1.") {
				n.Add(1)
			}
			return rt.RoundTrip(r)
		})
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
