package diff

import (
	"encoding/base64"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// serverMetadata are metadata fields the API server sets on every write;
// they say nothing about what the chart asked for.
var serverMetadata = []string{"managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink"}

// forDisplay is obj without server-set metadata and status: what a diff
// shows and what decides whether an upgrade changes the object.
func forDisplay(obj *unstructured.Unstructured) map[string]any {
	if obj == nil {
		return nil
	}
	out := runtime.DeepCopyJSON(obj.Object)
	delete(out, "status")
	dropServerMetadata(out)
	return out
}

func dropServerMetadata(obj map[string]any) {
	md, ok := obj["metadata"].(map[string]any)
	if !ok {
		return
	}
	for _, f := range serverMetadata {
		delete(md, f)
	}
}

// managedFields is the last-applied object reduced to what the chart
// manages and written as the server writes it, so that comparing it with the
// live object finds drift and nothing else: no status or server metadata, no
// namespace on cluster-scoped kinds, Secret stringData folded into data, and
// for built-in kinds values in canonical form (a quantity "0.5" is "500m").
func managedFields(applied *unstructured.Unstructured, m *meta.RESTMapping) map[string]any {
	out := forDisplay(applied)
	if m.Scope.Name() == meta.RESTScopeNameRoot {
		unstructured.RemoveNestedField(out, "metadata", "namespace")
	}
	out = canonical(applied, out)
	if isSecret(applied) {
		foldStringData(out)
	}
	return out
}

// canonical rewrites obj's values the way the built-in kind's Go type
// serialises them, keeping only the fields obj has: the round trip adds zero
// values the chart never set, and drops fields the server would drop too.
func canonical(applied *unstructured.Unstructured, obj map[string]any) map[string]any {
	typed, ok := typedObject(applied)
	if !ok {
		return obj
	}
	round, err := runtime.DefaultUnstructuredConverter.ToUnstructured(typed)
	if err != nil {
		return obj
	}
	return intersect(round, obj).(map[string]any)
}

// intersect keeps the parts of canon that shape also has.
func intersect(canon, shape any) any {
	switch s := shape.(type) {
	case map[string]any:
		c, ok := canon.(map[string]any)
		if !ok {
			return shape
		}
		out := make(map[string]any, len(s))
		for k, v := range s {
			if cv, ok := c[k]; ok {
				out[k] = intersect(cv, v)
			}
		}
		return out
	case []any:
		c, ok := canon.([]any)
		if !ok || len(c) != len(s) {
			return shape
		}
		out := make([]any, len(s))
		for i := range s {
			out[i] = intersect(c[i], s[i])
		}
		return out
	default:
		return canon
	}
}

func isSecret(obj *unstructured.Unstructured) bool {
	gvk := obj.GroupVersionKind()
	return gvk.Group == "" && gvk.Kind == "Secret"
}

// foldStringData moves a Secret's stringData into data, as the server does.
func foldStringData(secret map[string]any) {
	sd, ok := secret["stringData"].(map[string]any)
	if !ok {
		return
	}
	data, _ := secret["data"].(map[string]any)
	if data == nil {
		data = map[string]any{}
	}
	for k, v := range sd {
		if s, ok := v.(string); ok {
			data[k] = base64.StdEncoding.EncodeToString([]byte(s))
		}
	}
	secret["data"] = data
	delete(secret, "stringData")
}
