package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Alauda Captain's documented HelmRequests and ChartRepos convert, with a
// report of what did not carry over, and the API server accepts every
// converted object.
func TestMigrateDocumentedExamples(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	r := runPlugin(t, "", "migrate", "-f", filepath.Join("testdata", "migrate", "alauda.yaml"))
	g.Expect(r.code).To(Equal(exitOK), r.String())
	expectGolden(t, "migrate/alauda.out.golden", r.out)
	expectGolden(t, "migrate/alauda.err.golden", r.err)

	c := startCluster(t)
	ns := c.cp.NewNamespace(t)
	docs := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader([]byte(r.out)), 4096)
	kinds := map[string]int{}
	for {
		obj := &unstructured.Unstructured{}
		err := docs.Decode(&obj.Object)
		if errors.Is(err, io.EOF) {
			break
		}
		g.Expect(err).NotTo(HaveOccurred())
		kinds[obj.GetAPIVersion()+" "+obj.GetKind()]++
		obj.SetNamespace(ns)
		g.Expect(c.cp.Client.Create(context.Background(), obj, client.DryRunAll)).To(Succeed(), "%s %s", obj.GetKind(), obj.GetName())
	}
	g.Expect(kinds).To(Equal(map[string]int{
		"captain.io/v1alpha1 HelmRequest": 6,
		"captain.io/v1alpha1 ChartRepo":   3,
		"v1 ConfigMap":                    1,
	}))
}

// Objects whose conversion would change what they do are reported as
// errors, and nothing is printed: a partial manifest piped into kubectl
// apply would be worse than none.
func TestMigrateRefusesWhatItCannotMap(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	r := runPlugin(t, "", "migrate", "-f", filepath.Join("testdata", "migrate", "unconvertible.yaml"))
	g.Expect(r.code).To(Equal(exitFailure), r.String())
	g.Expect(r.out).To(BeEmpty())
	expectGolden(t, "migrate/unconvertible.err.golden", r.err)
}

// migrate reads stdin with -f - and needs -f.
func TestMigrateStdinAndUsage(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	in := "apiVersion: app.alauda.io/v1alpha1\nkind: ChartRepo\nmetadata:\n  name: stable\n  namespace: captain\nspec:\n  url: https://charts.example\n"
	r := runPlugin(t, in, "migrate", "-f", "-", "-o", "json")
	g.Expect(r.code).To(Equal(exitOK), r.String())
	g.Expect(r.out).To(MatchJSON(`{"apiVersion": "v1", "kind": "List", "items": [{
		"apiVersion": "captain.io/v1alpha1", "kind": "ChartRepo",
		"metadata": {"name": "stable", "namespace": "captain"},
		"spec": {"type": "http", "url": "https://charts.example"}
	}]}`))

	r = runPlugin(t, "", "migrate")
	g.Expect(r.code).To(Equal(exitUsage), r.String())
	g.Expect(r.err).To(HavePrefix(`error: required flag(s) "filename" not set`))
}
