package release

import (
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/releaseutil"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// FuzzManifestRefs checks the manifest splitter behind the inventory and
// orphan pruning. For any manifest: it never panics; it finds the objects
// Helm's kube client would apply (every document an object, lists
// flattened, as its resource builder does), each with a kind and a name and
// the release namespace when its kind is namespaced and it names none; and
// each entry survives the round trip through status.inventory (String,
// ParseObjectRef) whenever its namespace, group and kind are what the API
// server allows (no '_'; names may have one: RBAC names, for one).
//
// Seeds are the manifests of the charts in testdata/charts, rendered as
// Helm records them. Run longer by hand:
// go test -run '^$' -fuzz FuzzManifestRefs -fuzztime 10m ./pkg/release/
func FuzzManifestRefs(f *testing.F) {
	for _, m := range renderedTestCharts(f) {
		f.Add(m)
	}
	for _, m := range []string{
		"",
		"---\n---\n",
		"apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: my_role}}\n",
		"apiVersion: v1\nkind: ConfigMapList\nitems: [{apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: Secret, metadata: {name: s, namespace: other}}]}]\n",
		"---\n# Source: x/templates/a.yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n---\n# Source: x/templates/b.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n",
		`{"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w_1", "namespace": "ns"}}`,
		"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: _system_x_}\n",
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: 123}\n---\napiVersion: /\nkind: X\nmetadata: {name: y}\n---\nkind: ConfigMap\nmetadata: {name: z}\n",
	} {
		f.Add(m)
	}
	mapper := fuzzMapper()
	f.Fuzz(func(t *testing.T, manifest string) {
		got := manifestRefs(manifest, "rel-ns", mapper)
		want := helmObjects(manifest, "rel-ns", mapper)
		if !sameRefs(got, want) {
			t.Fatalf("manifestRefs found %v; Helm applies %v", got, want)
		}
		for _, ref := range got {
			if ref.Kind == "" || ref.Name == "" {
				t.Fatalf("entry without a kind or a name: %#v", ref)
			}
			if strings.Contains(ref.Namespace+ref.Group+ref.Kind, "_") {
				continue
			}
			back, err := ParseObjectRef(ref.String())
			if err != nil || back != ref {
				t.Fatalf("inventory entry %q reads back as %#v (%v), not %#v", ref.String(), back, err, ref)
			}
		}
	})
}

// helmObjects is what Helm's kube client builds from a manifest: each
// document decoded as unstructured (a document with items is a list, whose
// items, lists among them, are objects of their own), objects without a
// kind, a name or a valid apiVersion left out.
func helmObjects(manifest, namespace string, mapper meta.RESTMapper) []ObjectRef {
	var refs []ObjectRef
	var visit func(obj runtime.Object)
	visit = func(obj runtime.Object) {
		switch o := obj.(type) {
		case *unstructured.UnstructuredList:
			for i := range o.Items {
				item := o.Items[i]
				if item.IsList() {
					list, err := item.ToList()
					if err == nil {
						visit(list)
					}
					continue
				}
				visit(&item)
			}
		case *unstructured.Unstructured:
			gv, err := schema.ParseGroupVersion(o.GetAPIVersion())
			if err != nil || o.GetKind() == "" || o.GetName() == "" {
				return
			}
			ref := ObjectRef{Group: gv.Group, Kind: o.GetKind(), Namespace: o.GetNamespace(), Name: o.GetName()}
			if ref.Namespace == "" && namespaced(mapper, gv.WithKind(o.GetKind())) {
				ref.Namespace = namespace
			}
			refs = append(refs, ref)
		}
	}
	for _, doc := range releaseutil.SplitManifests(manifest) {
		data, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			continue
		}
		obj, _, err := unstructured.UnstructuredJSONScheme.Decode(data, nil, nil)
		if err != nil {
			continue
		}
		visit(obj)
	}
	return refs
}

func sameRefs(a, b []ObjectRef) bool {
	sa, sb := refSet{}, refSet{}
	sa.add(a...)
	sb.add(b...)
	if len(sa) != len(sb) {
		return false
	}
	for r := range sa {
		if _, ok := sb[r]; !ok {
			return false
		}
	}
	return true
}

// fuzzMapper knows a few namespaced and cluster-scoped kinds.
func fuzzMapper() meta.RESTMapper {
	m := meta.NewDefaultRESTMapper(nil)
	for _, k := range []struct {
		gvk   schema.GroupVersionKind
		scope meta.RESTScope
	}{
		{schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, meta.RESTScopeNamespace},
		{schema.GroupVersionKind{Version: "v1", Kind: "Secret"}, meta.RESTScopeNamespace},
		{schema.GroupVersionKind{Version: "v1", Kind: "Service"}, meta.RESTScopeNamespace},
		{schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, meta.RESTScopeNamespace},
		{schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, meta.RESTScopeRoot},
		{schema.GroupVersionKind{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole"}, meta.RESTScopeRoot},
		{schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}, meta.RESTScopeRoot},
	} {
		m.Add(k.gvk, k.scope)
	}
	return m
}

// renderedTestCharts renders every chart in testdata/charts the way Helm
// records a release's manifest (client only, default values).
func renderedTestCharts(tb testing.TB) []string {
	dirs, err := filepath.Glob(filepath.Join("..", "..", "testdata", "charts", "*", "Chart.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, file := range dirs {
		ch, err := loader.Load(filepath.Dir(file))
		if err != nil || ch.Metadata.Type == "library" {
			continue
		}
		install := action.NewInstall(&action.Configuration{})
		install.ClientOnly, install.DryRun, install.ReleaseName, install.Namespace = true, true, "seed", "rel-ns"
		install.IncludeCRDs = true
		rel, err := install.Run(ch, map[string]any{})
		if err != nil {
			// The failing chart fails to render, by design.
			continue
		}
		out = append(out, rel.Manifest)
	}
	if len(out) == 0 {
		tb.Fatal("no test chart rendered")
	}
	return out
}
