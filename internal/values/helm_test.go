package values_test

import (
	"io"
	"log"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	helmvalues "helm.sh/helm/v3/pkg/cli/values"
	"helm.sh/helm/v3/pkg/getter"
)

// quietHelm silences the warnings Helm logs while coalescing type changes.
func quietHelm(t testing.TB) {
	out := log.Writer()
	log.SetOutput(io.Discard)
	t.Cleanup(func() { log.SetOutput(out) })
}

// helmValues is what Helm does with `helm install -f` for each user document
// over a chart whose values.yaml is defaults: the user values it stores in
// the release, and the values the templates see (render values' .Values).
func helmValues(t testing.TB, defaults string, users ...string) (user, effective map[string]any) {
	t.Helper()
	g := NewWithT(t)
	dir := t.TempDir()
	opts := helmvalues.Options{}
	for i, doc := range users {
		f := filepath.Join(dir, string(rune('a'+i))+".yaml")
		g.Expect(os.WriteFile(f, []byte(doc), 0o600)).To(Succeed())
		opts.ValueFiles = append(opts.ValueFiles, f)
	}
	user, err := opts.MergeValues(getter.Providers{})
	g.Expect(err).NotTo(HaveOccurred())
	render, err := chartutil.ToRenderValues(helmChart(parseMap(t, defaults)), user, chartutil.ReleaseOptions{Name: "demo", Namespace: "default", IsInstall: true}, nil)
	g.Expect(err).NotTo(HaveOccurred())
	return user, render["Values"].(chartutil.Values)
}

// helmChart is a chart with no templates whose values.yaml is defaults.
func helmChart(defaults map[string]any) *chart.Chart {
	return &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: "demo", Version: "0.1.0"},
		Values:   defaults,
	}
}

// TestMatchesHelm checks Merge against the Helm SDK for chart defaults and
// two user layers. Helm keeps a null that has no chart default under it; to a
// template that is a missing key, and Effective drops it, so the comparison
// is without nulls. UserValues must match exactly: it is what Helm is given.
func TestMatchesHelm(t *testing.T) {
	quietHelm(t)
	cases := []struct{ name, defaults, first, second string }{
		{"nested maps", "image: {repo: nginx, tag: '1.0', pull: {policy: IfNotPresent}}", "image: {tag: '1.1'}", "image: {pull: {secrets: [a]}}"},
		{"null deletes a default scalar", "a: 1\nb: 2", "a: 5", "a: null"},
		{"null deletes a default map", "resources: {limits: {cpu: 1, memory: 1Gi}}", "resources: {limits: {cpu: 2}}", "resources: null"},
		{"null deletes a nested default", "a: {b: {c: 1, d: 2}}", "", "a: {b: {c: null}}"},
		{"null deletes a user value", "x: 1", "a: {b: 1, c: 2}", "a: {b: null}"},
		{"map after null", "a: {x: 1}", "a: null", "a: {y: 2}"},
		{"scalar after null", "a: {x: 1}", "a: null", "a: 3"},
		{"null with nothing under it", "x: 1", "a: {b: null}", "c: null"},
		{"lists replace lists", "args: [a, b]\nenv: [{name: A}]", "args: [c]", "env: [{name: B, value: x}]"},
		{"scalar replaces map", "resources: {limits: {cpu: 1}}", "resources: none", ""},
		{"map replaces scalar", "a: 1\nb: [1]", "a: {b: 2}", "b: {c: 3}"},
		{"type changes", "port: 80\nenabled: true\nname: x", "port: '8080'", "enabled: [yes]\nname: 3"},
		{"nulls inside a map replacing a scalar", "a: 1", "a: {b: null, c: 1}", ""},
		{"nulls in the defaults", "a: null\nb: {c: null, d: 1}", "b: {c: 2}", ""},
		{"empty maps", "a: {x: 1}\nb: {}", "a: {}", "b: {}\nc: {}"},
		{"deep null under a lower layer's map", "a: {b: {c: {d: 1, e: 2}}}", "a: {b: {c: {f: 3}}}", "a: {b: {c: {d: null, f: null}}}"},
		{"globals", "global: {image: {registry: docker.io}}", "global: {image: {registry: quay.io}}", "global: {pullSecrets: [x]}"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			r := mustMerge(t,
				mustLayer(t, chartDefaults, c.defaults),
				mustLayer(t, user(0), c.first),
				mustLayer(t, user(1), c.second),
			)
			helmUser, helmEffective := helmValues(t, c.defaults, c.first, c.second)
			g.Expect(r.UserValues()).To(Equal(helmUser))
			g.Expect(r.Effective()).To(Equal(withoutNulls(helmEffective)))
		})
	}
}
