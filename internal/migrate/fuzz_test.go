package migrate

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	v1 "captain.io/captain/api/v1alpha1"
)

// FuzzConvert feeds any input to Convert, which must either return an
// error or convert it, never panic. What it converts must be what
// `kubectl captain migrate` can print and `kubectl apply` can send: each
// object encodes to YAML that reads back as the same object; converted
// HelmRequests and ChartRepos decode strictly (no field the API would drop)
// into captain.io/v1alpha1 types; and converting the output again changes
// nothing and fails nothing, since it holds no app.alauda.io object.
//
// Seeds are the plugin's migrate examples and hostile documents. Run longer
// by hand: go test -run '^$' -fuzz FuzzConvert -fuzztime 10m ./internal/migrate/
func FuzzConvert(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("..", "..", "cmd", "kubectl-captain", "testdata", "migrate", "*.yaml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed manifests: %v", err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		// Each document alone, too: the fuzzer mutates small inputs better.
		for _, doc := range strings.Split(string(data), "\n---\n") {
			f.Add([]byte(doc))
		}
	}
	for _, s := range []string{
		"",
		"---\n",
		"apiVersion: v1\nkind: List\nitems:\n- {apiVersion: app.alauda.io/v1, kind: ChartRepo, metadata: {name: r}, spec: {url: 'https://x'}}\n- {kind: List, items: [{apiVersion: app.alauda.io/v1, kind: Chart}]}\n",
		`{"apiVersion": "app.alauda.io/v1alpha1", "kind": "HelmRequest", "metadata": {"name": "j"}, "spec": {"chart": "a/b", "values": {"x": [1, 2.5, null, true]}}}`,
		"apiVersion: app.alauda.io/v1\nkind: HelmRequest\nmetadata: {name: w}\nspec: {chart: a/b, valuesFrom: [{configMapKeyRef: {name: c}}], values: &v {a: 1}, x: *v}\n",
		"apiVersion: app.alauda.io/v1\nkind: HelmRequest\nspec: 3\n",
		"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Convert(bytes.NewReader(data))
		if err != nil || res.Fatal() {
			return
		}
		var out bytes.Buffer
		for _, obj := range res.Objects {
			b, err := yaml.Marshal(obj)
			if err != nil {
				t.Fatalf("converted object does not encode: %v\n%#v", err, obj)
			}
			expectReadsBack(t, b, obj)
			expectTyped(t, obj)
			out.WriteString("---\n")
			out.Write(b)
		}
		again, err := Convert(&out)
		if err != nil {
			t.Fatalf("converting the output again: %v\n%s", err, out.String())
		}
		if again.Fatal() {
			t.Fatalf("converting the output again fails: %v\n%s", again.Notes, out.String())
		}
		if !reflect.DeepEqual(normalize(t, again.Objects), normalize(t, res.Objects)) {
			t.Fatalf("converting the output again changes it:\n%s", out.String())
		}
	})
}

// expectReadsBack checks that the YAML b of obj reads back as obj.
func expectReadsBack(t *testing.T, b []byte, obj map[string]any) {
	t.Helper()
	var back map[string]any
	if err := yaml.Unmarshal(b, &back); err != nil {
		t.Fatalf("printed object does not read back: %v\n%s", err, b)
	}
	if !reflect.DeepEqual(normalize(t, back), normalize(t, obj)) {
		t.Fatalf("printed object reads back as another:\n%s", b)
	}
}

// expectTyped decodes a converted captain.io object strictly into its type.
func expectTyped(t *testing.T, obj map[string]any) {
	t.Helper()
	if obj["apiVersion"] != groupVersion {
		return
	}
	var typed any
	switch obj["kind"] {
	case "HelmRequest":
		typed = &v1.HelmRequest{}
	case "ChartRepo":
		typed = &v1.ChartRepo{}
	default:
		t.Fatalf("converted to an unknown kind: %v", obj["kind"])
	}
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(b, typed); err != nil {
		t.Fatalf("converted %v does not decode into its type: %v\n%s", obj["kind"], err, b)
	}
}

// normalize is v as JSON gives it back: numbers as float64, empty and nil
// maps alike.
func normalize(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
