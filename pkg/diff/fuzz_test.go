package diff

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// FuzzDrift runs the pure half of the diff on two manifests, the first
// object of applied as the last-applied object and the first of live as
// the object in the cluster (same kind and name), with one ignored path and
// one secret value. For any input: reading manifests, the drift walk, the
// redaction and the unified diff never panic; the correction patch (the
// restore ops of every drifted field) applies to the live object; once it
// is applied there is no drift left; and a secret value, or a Secret's
// data, never shows in a drifted field or in the diff.
//
// Run longer by hand: go test -run '^$' -fuzz FuzzDrift -fuzztime 10m ./pkg/diff/
func FuzzDrift(f *testing.F) {
	for _, s := range [][4]string{
		{deployment + "      - {name: app, image: a, resources: {limits: {cpu: 1}}}",
			deployment + "      - {name: sidecar, image: s}\n      - {name: app, image: b, resources: {limits: {cpu: 1000m}}}", "", ""},
		{deployment + "      - {name: app, env: [{name: A, value: \"1\"}, {name: B, value: \"2\"}]}",
			deployment + "      - {name: app, env: [{name: B, value: \"2\"}, {name: C, value: \"3\"}]}", "/spec/template/spec/containers/0/image", ""},
		{"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: [a/x, a/y], annotations: {a/b~c: x}}\ndata: {k: v}",
			"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: [b/z]}\ndata: {k: w}", "/metadata/labels/c", "v"},
		{"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {password: hunter2-s3cret, same: v}",
			"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: " + base64.StdEncoding.EncodeToString([]byte("other-s3cret")) + ", same: dg==}", "", "hunter2-s3cret"},
		{"apiVersion: v1\nkind: Secret\nmetadata: {name: s, annotations: {kubectl.kubernetes.io/last-applied-configuration: '{\"data\":{\"k\":\"czNjcmV0\"}}'}}\ndata: {k: czNjcmV0}",
			"apiVersion: v1\nkind: Secret\nmetadata: {name: s}", "", "s3cret"},
		{"apiVersion: x.io/v1\nkind: W\nmetadata: {name: w}\nspec: {size: 1.0, items: [{a: 1}], m: {x: [1, [2]]}}",
			"apiVersion: x.io/v1\nkind: W\nmetadata: {name: w}\nspec: {size: 1, items: [{a: 1}, {a: 2}], m: 3}", "/spec/items/0", ""},
		{"apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: {x: y}}]",
			"---\n# nothing\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", "/data", ""},
		{"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80, protocol: TCP}, {port: 443}]}",
			"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 443, protocol: TCP}]}", "", ""},
		{`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j", "labels": null}, "data": {}}`,
			`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j"}, "data": {"a": "b"}}`, "/", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, appliedDoc, liveDoc, ignore, secret string) {
		applied, live := firstObject(appliedDoc), firstObject(liveDoc)
		if applied == nil || live == nil || applied.GetKind() == "" {
			return
		}
		// The live object is the applied one as the cluster has it.
		live.SetAPIVersion(applied.GetAPIVersion())
		live.SetKind(applied.GetKind())
		live.SetName(applied.GetName())
		var secrets []string
		if secret != "" {
			secrets = []string{secret}
		}
		rd := newRedactor(nil, secrets)
		var ignored []string
		if strings.HasPrefix(ignore, "/") {
			ignored = []string{ignore}
		}
		mapping := &meta.RESTMapping{GroupVersionKind: applied.GroupVersionKind(), Scope: meta.RESTScopeNamespace}

		d := driftOf(applied, live, mapping, ignored, rd)
		if d != nil {
			expectRedacted(t, applied, live, d.Fields, secret)
		}
		diff := rd.unified(&ObjectDiff{Action: ActionUpdate, live: live, predicted: applied})
		expectNotShown(t, "the diff", diff, applied, live, secret)

		if d == nil {
			return
		}
		ops := make([]patchOp, len(d.Fields))
		for i, fd := range d.Fields {
			ops[i] = fd.restore
		}
		corrected := applyOps(t, live, ops)
		if again := driftOf(applied, corrected, mapping, ignored, rd); again != nil {
			t.Fatalf("drift left after the correction %s: %s", mustJSON(t, ops), mustJSON(t, again.Fields))
		}
	})
}

// firstObject is the first object of a manifest, or nil.
func firstObject(manifest string) *unstructured.Unstructured {
	objs, err := parseManifest(manifest)
	if err != nil || len(objs) == 0 {
		return nil
	}
	return objs[0]
}

// applyOps applies ops, as a JSON Patch, to a copy of obj; the patch must
// apply.
func applyOps(t *testing.T, obj *unstructured.Unstructured, ops []patchOp) *unstructured.Unstructured {
	t.Helper()
	patch, err := jsonpatch.DecodePatch(mustJSON(t, ops))
	if err != nil {
		t.Fatalf("the correction patch %s does not decode: %v", mustJSON(t, ops), err)
	}
	doc := mustJSON(t, obj.Object)
	out, err := patch.Apply(doc)
	if err != nil {
		t.Fatalf("the correction patch %s does not apply to %s: %v", mustJSON(t, ops), doc, err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(out); err != nil {
		t.Fatalf("the corrected object %s does not read: %v", out, err)
	}
	return u
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// expectRedacted checks that no drifted field shows the secret value or,
// for a Secret, any of its data.
func expectRedacted(t *testing.T, applied, live *unstructured.Unstructured, fields []FieldDrift, secret string) {
	t.Helper()
	for _, fd := range fields {
		shown := fd.Path + " " + string(mustJSON(t, fd.Applied)) + " " + string(mustJSON(t, fd.Live))
		expectNotShown(t, "drifted field "+fd.Path, shown, applied, live, secret)
	}
}

// expectNotShown fails if text holds the secret value or, when the objects
// are Secrets, a value of their data or stringData (encoded or not) that
// shows nowhere else in them. Only values that cannot show by chance are
// looked for: see distinctive.
func expectNotShown(t *testing.T, what, text string, applied, live *unstructured.Unstructured, secret string) {
	t.Helper()
	hidden := []string{secret}
	if isSecret(applied) {
		hidden = append(hidden, secretData(t, applied)...)
		hidden = append(hidden, secretData(t, live)...)
	}
	for _, h := range hidden {
		if distinctive(h) && strings.Contains(text, h) {
			t.Fatalf("%s shows the secret %q:\n%s", what, h, text)
		}
	}
}

// secretData lists a Secret's data values, decoded too, and its stringData
// values, except those that show elsewhere in the object as well.
func secretData(t *testing.T, obj *unstructured.Unstructured) []string {
	rest := obj.DeepCopy().Object
	delete(rest, "data")
	delete(rest, "stringData")
	elsewhere := string(mustJSON(t, rest))
	var out []string
	add := func(s string) {
		if !strings.Contains(elsewhere, s) {
			out = append(out, s)
		}
	}
	for _, field := range []string{"data", "stringData"} {
		m, _ := obj.Object[field].(map[string]any)
		for _, v := range m {
			s, ok := v.(string)
			if !ok {
				continue
			}
			add(s)
			if b, err := base64.StdEncoding.DecodeString(s); err == nil && field == "data" {
				add(string(b))
			}
		}
	}
	return out
}

// distinctive values can only show in a diff or a drift by leaking: at
// least 6 letters and digits (YAML and JSON syntax, folding and diff
// headers are made of other characters), not all hex digits (markers hold
// 8), and not part of a marker's or a header's words.
func distinctive(s string) bool {
	if len(s) < 6 || strings.Trim(s, "0123456789abcdef") == "" {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	for _, word := range []string{"<redacted sha256:", "<redacted hmac-sha256:", "--- live", "+++ predicted"} {
		if strings.Contains(word, s) {
			return false
		}
	}
	return true
}

// A secret value that is also a key the redactor looks up in a Secret it
// has masked ("data", "stringData", "metadata", "annotations") used to
// panic: masking renames the key, and the lookup found no map to write to.
// A values Secret holding `volume: data` is enough. Found by FuzzDrift.
func TestRedactSecretValueThatIsAFieldName(t *testing.T) {
	secret := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{"name": "s", "annotations": map[string]any{lastAppliedAnnotation: `{"data":{"k":"dg=="}}`}},
		"data":     map[string]any{"k": "dg=="},
	}}
	for _, value := range []string{"data", "stringData", "metadata", "annotations", "ata"} {
		rd := newRedactor(nil, []string{value})
		out := rd.yaml(secret)
		if strings.Contains(out, "dg==") {
			t.Errorf("secret value %q: the Secret's data shows:\n%s", value, out)
		}
	}
}
