package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv"
)

// Hostile files the bad-input cases read, made in memory (or sparse) when
// the test runs.
var hostileFiles = map[string]func(t *testing.T, path string){
	// 50 MB that cost nothing on disk: the size alone must refuse it, before
	// a byte is read (reading 50 MB of YAML took over a minute and 1.5 GB).
	"big.yaml": func(t *testing.T, path string) {
		f, err := os.Create(path)
		if err == nil {
			err = f.Truncate(50 << 20)
		}
		if err == nil {
			err = f.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
	},
	"not-yaml.yaml":  writeFile("replicaCount: [unclosed\n"),
	"list.yaml":      writeFile("- replicaCount\n- 2\n"),
	"laughs.yaml":    writeFile(testenv.BillionLaughs),
	"deep.yaml":      writeFile("a: " + strings.Repeat("[", 100_000) + "\n"),
	"binary.yaml":    writeFile("apiVersion: app.alauda.io/v1\nkind: HelmRequest\nspec: \x00\x01\x02\n"),
	"truncated.yaml": writeFile("apiVersion: app.alauda.io/v1\nkind: HelmRequest\nmetadata: {name: web, namespace: apps\n"),
}

func writeFile(content string) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBadInputWritesNothing: every bad input to install, upgrade and migrate
// exits non-zero with one line that names the problem (and, for a command
// line the plugin cannot act on, the usual pointer to --help), prints
// nothing on stdout, and writes nothing: no HelmRequest is created, and an
// existing one is left as it was.
func TestBadInputWritesNothing(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	ns := c.cp.NewNamespace(t)
	dir := t.TempDir()
	for name, make := range hostileFiles {
		make(t, filepath.Join(dir, name))
	}
	file := func(name string) string { return filepath.Join(dir, name) }
	const chart = "https://charts.example/web-1.0.0.tgz"
	// existing is a HelmRequest that upgrades must leave alone; suspended,
	// so that Captain leaves it alone too.
	existing := &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "existing", Namespace: ns},
		Spec: v1.HelmRequestSpec{
			Source:  &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: chart}},
			Suspend: true,
		},
	}
	ctx := context.Background()
	NewWithT(t).Expect(c.cp.Client.Create(ctx, existing)).To(Succeed())

	for _, tc := range []struct {
		name string
		args []string
		in   string
		code int
		// err is the first line of stderr, whole.
		err string
	}{
		{
			name: "values file of 50 MB",
			args: []string{"install", "web", chart, "-f", file("big.yaml")},
			code: exitUsage,
			err:  "error: -f " + file("big.yaml") + ": 52428800 bytes is more than the 4194304 a values file may have; put large values in ConfigMaps or Secrets and reference them in spec.valuesFrom",
		},
		{
			name: "values of 50 MB on an upgrade",
			args: []string{"upgrade", "existing", "-f", file("big.yaml")},
			code: exitUsage,
			err:  "error: -f " + file("big.yaml") + ": 52428800 bytes is more than the 4194304 a values file may have; put large values in ConfigMaps or Secrets and reference them in spec.valuesFrom",
		},
		{
			name: "values from stdin larger than spec.values can be",
			args: []string{"install", "web", chart, "-f", "-"},
			in:   "blob: " + strings.Repeat("x", 1<<20) + "\n",
			code: exitUsage,
			err:  "error: spec.values would be 1048587 bytes of JSON, more than the 1048576 Captain reads; put large values in ConfigMaps or Secrets and reference them in spec.valuesFrom",
		},
		{
			name: "values file that is not YAML",
			args: []string{"install", "web", chart, "-f", file("not-yaml.yaml")},
			code: exitUsage,
			err:  "error: failed to parse " + file("not-yaml.yaml") + ": error converting YAML to JSON: yaml: line 1: did not find expected ',' or ']'",
		},
		{
			name: "values file that is a list",
			args: []string{"install", "web", chart, "-f", file("list.yaml")},
			code: exitUsage,
			err:  "error: failed to parse " + file("list.yaml") + ": error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}",
		},
		{
			name: "billion laughs values file",
			args: []string{"install", "web", chart, "-f", file("laughs.yaml")},
			code: exitUsage,
			err:  "error: failed to parse " + file("laughs.yaml") + ": error converting YAML to JSON: yaml: document contains excessive aliasing",
		},
		{
			name: "values file nested 100 000 levels deep",
			args: []string{"install", "web", chart, "-f", file("deep.yaml")},
			code: exitUsage,
			err:  "error: failed to parse " + file("deep.yaml") + ": error converting YAML to JSON: yaml: exceeded max depth of 10000",
		},
		{
			name: "values file that does not exist",
			args: []string{"install", "web", chart, "-f", file("nosuch.yaml")},
			code: exitUsage,
			err:  "error: -f " + file("nosuch.yaml") + ": no such file or directory",
		},
		{
			name: "--set without a value",
			args: []string{"install", "web", chart, "--set", "config.greeting"},
			code: exitUsage,
			err:  `error: failed parsing --set data: key "greeting" has no value`,
		},
		{
			name: "--set with a list index of 100 000",
			args: []string{"install", "web", chart, "--set", "hosts[100000]=x"},
			code: exitUsage,
			err:  "error: failed parsing --set data: index of 100000 is greater than maximum supported index of 65536",
		},
		{
			name: "--set with an unclosed list",
			args: []string{"upgrade", "existing", "--set", "hosts={a,b"},
			code: exitUsage,
			err:  "error: failed parsing --set data: list must terminate with '}'",
		},
		{
			name: "chart as a file URL",
			args: []string{"install", "web", "file:///etc/passwd"},
			code: exitUsage,
			err:  `error: CHART "file:///etc/passwd" is not repo/name (a ChartRepo and a chart in it), an http(s)://…/chart.tgz URL or an oci:// reference`,
		},
		{
			name: "chart as a local path",
			args: []string{"install", "web", "../../charts/web-1.0.0.tgz"},
			code: exitUsage,
			err:  `error: CHART "../../charts/web-1.0.0.tgz" is not repo/name (a ChartRepo and a chart in it), an http(s)://…/chart.tgz URL or an oci:// reference`,
		},
		{
			name: "chart as an OCI digest",
			args: []string{"install", "web", "oci://registry.example/charts/web@sha256:" + strings.Repeat("0", 64)},
			code: exitUsage,
			err:  `error: CHART "oci://registry.example/charts/web@sha256:` + strings.Repeat("0", 64) + `": digests are not supported; name the version with a tag or --version`,
		},
		{
			name: "migrate a billion laughs",
			args: []string{"migrate", "-f", file("laughs.yaml")},
			code: exitFailure,
			err:  "error: reading " + file("laughs.yaml") + ": document 1: error converting YAML to JSON: yaml: document contains excessive aliasing",
		},
		{
			name: "migrate a document nested 100 000 levels deep",
			args: []string{"migrate", "-f", file("deep.yaml")},
			code: exitFailure,
			err:  "error: reading " + file("deep.yaml") + ": document 1: error converting YAML to JSON: yaml: exceeded max depth of 10000",
		},
		{
			name: "migrate control characters",
			args: []string{"migrate", "-f", file("binary.yaml")},
			code: exitFailure,
			err:  "error: reading " + file("binary.yaml") + ": document 1: error converting YAML to JSON: yaml: control characters are not allowed",
		},
		{
			name: "migrate a truncated document",
			args: []string{"migrate", "-f", file("truncated.yaml")},
			code: exitFailure,
			err:  "error: reading " + file("truncated.yaml") + ": document 1: error converting YAML to JSON: yaml: line 3: did not find expected ',' or '}'",
		},
		{
			name: "migrate a billion laughs from stdin",
			args: []string{"migrate", "-f", "-"},
			in:   testenv.BillionLaughs,
			code: exitFailure,
			err:  "error: reading -: document 1: error converting YAML to JSON: yaml: document contains excessive aliasing",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			r := c.plugin(t, tc.in, append(tc.args, "-n", ns)...)
			g.Expect(r.code).To(Equal(tc.code), r.String())
			lines := strings.Split(strings.TrimSuffix(r.err, "\n"), "\n")
			g.Expect(lines[0]).To(Equal(tc.err))
			if tc.code == exitUsage {
				g.Expect(lines).To(HaveLen(2))
				g.Expect(lines[1]).To(HavePrefix("Run 'kubectl captain "))
			} else {
				g.Expect(lines).To(HaveLen(1))
			}
			g.Expect(r.out).To(BeEmpty())

			err := c.cp.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, &v1.HelmRequest{})
			g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "no HelmRequest is created: %v", err)
			now := c.helmRequest(g, ns, "existing")
			g.Expect(now.Generation).To(Equal(existing.Generation), "the existing HelmRequest is left as it was")
			g.Expect(now.Spec).To(Equal(existing.Spec), "the existing HelmRequest is left as it was")
		})
	}
}
