package plugin

import (
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// Values flags read as Helm reads them: files in order, --set over them,
// --set-string over that; numbers come out as JSON numbers.
func TestReadValues(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	g.Expect(os.WriteFile(a, []byte("image: {repository: app, tag: \"1.0\"}\nreplicas: 1\n"), 0o600)).To(Succeed())
	g.Expect(os.WriteFile(b, []byte("image: {tag: \"2.0\"}\n"), 0o600)).To(Succeed())
	got, err := ReadValues(&ValueFlags{
		ValueFiles:   []string{a, b},
		Values:       []string{"replicas=3", "ports={80,443}"},
		StringValues: []string{"version=007"},
	})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(Equal(map[string]any{
		"image":    map[string]any{"repository": "app", "tag": "2.0"},
		"replicas": 3.0,
		"ports":    []any{80.0, 443.0},
		"version":  "007",
	}))

	_, err = ReadValues(&ValueFlags{Values: []string{"a={b"}})
	g.Expect(err).To(MatchError(ContainSubstring("--set")))
	_, err = ReadValues(&ValueFlags{ValueFiles: []string{filepath.Join(dir, "missing.yaml")}})
	g.Expect(err).To(HaveOccurred())
}

func TestSetValues(t *testing.T) {
	current := &apiextensionsv1.JSON{Raw: []byte(`{"image":{"repository":"app","tag":"1.0"},"replicas":2}`)}
	for _, tc := range []struct {
		name    string
		current *apiextensionsv1.JSON
		add     map[string]any
		reset   bool
		want    string
	}{
		{name: "maps merge, scalars replace", current: current, add: map[string]any{"image": map[string]any{"tag": "2.0"}},
			want: `{"image":{"repository":"app","tag":"2.0"},"replicas":2}`},
		{name: "null stays, to delete a chart default", current: current, add: map[string]any{"replicas": nil},
			want: `{"image":{"repository":"app","tag":"1.0"},"replicas":null}`},
		{name: "reset drops the current values", current: current, add: map[string]any{"replicas": 3.0}, reset: true,
			want: `{"replicas":3}`},
		{name: "reset to nothing leaves spec.values out", current: current, add: map[string]any{}, reset: true},
		{name: "no current values", add: map[string]any{"a": "b"}, want: `{"a":"b"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			got, err := SetValues(tc.current, tc.add, tc.reset)
			g.Expect(err).NotTo(HaveOccurred())
			if tc.want == "" {
				g.Expect(got).To(BeNil())
				return
			}
			g.Expect(string(got.Raw)).To(MatchJSON(tc.want))
		})
	}
}
