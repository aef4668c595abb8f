package diff

import (
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

const deployment = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ns}
spec:
  template:
    spec:
      containers:
`

// TestDriftFields checks, without a cluster, which differences between an
// applied and a live object are drift.
func TestDriftFields(t *testing.T) {
	for _, tc := range []struct {
		name          string
		applied, live string
		ignore        []string
		want          []string
	}{{
		name:    "quantities in another notation are equal",
		applied: deployment + `      - {name: app, resources: {limits: {cpu: 1, memory: 1024Mi}, requests: {cpu: 0.5}}}`,
		live:    deployment + `      - {name: app, resources: {limits: {cpu: "1", memory: 1Gi}, requests: {cpu: 500m}}}`,
	}, {
		name:    "server defaults are not drift",
		applied: deployment + `      - {name: app, image: a}`,
		live:    deployment + `      - {name: app, image: a, imagePullPolicy: Always, terminationMessagePath: /dev/termination-log}`,
	}, {
		name:    "a container injected before ours is matched by name",
		applied: deployment + `      - {name: app, image: a}`,
		live:    deployment + `      - {name: sidecar, image: s}` + "\n" + `      - {name: app, image: b}`,
		want:    []string{`replace /spec/template/spec/containers/1/image "a" (live "b")`},
	}, {
		name:    "a removed env var is missing from its list",
		applied: deployment + `      - {name: app, env: [{name: A, value: "1"}, {name: B, value: "2"}]}`,
		live:    deployment + `      - {name: app, env: [{name: B, value: "2"}, {name: C, value: "3"}]}`,
		want:    []string{`add /spec/template/spec/containers/0/env/- {"name":"A","value":"1"} (live null)`},
	}, {
		name:    "an atomic list is compared whole",
		applied: deployment + `      - {name: app, args: [a, b]}`,
		live:    deployment + `      - {name: app, args: [a, b, c]}`,
		want:    []string{`replace /spec/template/spec/containers/0/args ["a","b"] (live ["a","b","c"])`},
	}, {
		name:    "finalizers are a set",
		applied: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: [a/x, a/y]}",
		live:    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: [b/z, a/x]}",
		want:    []string{`add /metadata/finalizers/- "a/y" (live null)`},
	}, {
		name:    "a custom resource's lists are atomic, its numbers compare by value",
		applied: "apiVersion: x.io/v1\nkind: W\nmetadata: {name: w}\nspec: {size: 1.0, items: [{a: 1}]}",
		live:    "apiVersion: x.io/v1\nkind: W\nmetadata: {name: w}\nspec: {size: 1, items: [{a: 1}, {a: 2}]}",
		want:    []string{`replace /spec/items [{"a":1}] (live [{"a":1},{"a":2}])`},
	}, {
		name:    "null, empty, status and server metadata set nothing",
		applied: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: null, annotations: {}, resourceVersion: \"1\"}\ndata: {}\nstatus: {x: y}",
		live:    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, resourceVersion: \"9\"}",
	}, {
		name:    "a missing map is added whole",
		applied: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: {a: b}}",
		live:    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}",
		want:    []string{`add /metadata/labels {"a":"b"} (live null)`},
	}, {
		name:    "a Secret's stringData is compared with its data",
		applied: "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {same: v, changed: old}",
		live:    "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {same: dg==, changed: bmV3}",
		// Compared raw, shown redacted.
		want: []string{`replace /data/changed "b2xk" (live "<redacted sha256:11507a0e>")`},
	}, {
		name:    "ignored paths, a list element among them, are not compared",
		applied: deployment + `      - {name: app, image: a}` + "\n" + `      - {name: b, image: b}` + "\nmetadata: {name: web, labels: {a: b, c: d}}",
		live:    deployment + `      - {name: app, image: x}` + "\n" + `      - {name: b, image: v}` + "\nmetadata: {name: web, labels: {a: z}}",
		ignore:  []string{"/spec/template/spec/containers/0", "/metadata/labels/c"},
		want: []string{
			`replace /metadata/labels/a "b" (live "z")`,
			`replace /spec/template/spec/containers/1/image "b" (live "v")`,
		},
	}, {
		name:    "keys with / and ~ are escaped",
		applied: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, annotations: {a/b~c: x}}",
		live:    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, annotations: {a/b~c: w}}",
		want:    []string{`replace /metadata/annotations/a~1b~0c "x" (live "w")`},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			applied, live := object(t, tc.applied), object(t, tc.live)
			mapping := &meta.RESTMapping{GroupVersionKind: applied.GroupVersionKind(), Scope: meta.RESTScopeNamespace}
			var got []string
			if d := driftOf(applied, live, mapping, tc.ignore, newRedactor(nil, nil)); d != nil {
				for _, f := range d.Fields {
					got = append(got, f.restore.Op+" "+f.restore.Path+" "+compact(f.restore.Value)+" (live "+compact(f.Live)+")")
				}
			}
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

func object(t *testing.T, doc string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}
