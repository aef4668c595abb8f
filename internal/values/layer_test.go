package values_test

import (
	"math"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"captain.io/captain/internal/values"
)

const billionLaughs = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`

// aliasFanOut expands one anchored list of n scalars refs times: few bytes,
// many values.
func aliasFanOut(n, refs int) string {
	return "a: &a [" + strings.Repeat("0,", n-1) + "0]\nb: [" + strings.Repeat("*a,", refs-1) + "*a]\n"
}

func nested(depth int) string {
	return strings.Repeat("{a: ", depth) + "1" + strings.Repeat("}", depth)
}

func TestParseLayer(t *testing.T) {
	cases := []struct {
		name   string
		origin values.Origin
		doc    string
		want   map[string]any
	}{
		{"map", webValues, "image:\n  tag: \"1.2\"\nreplicas: 3\n", map[string]any{"image": map[string]any{"tag": "1.2"}, "replicas": 3.0}},
		{"JSON", specValues, `{"a":[1,"x",null]}`, map[string]any{"a": []any{1.0, "x", nil}}},
		{"empty document", webValues, "", map[string]any{}},
		{"comments only", webValues, "# nothing yet\n", map[string]any{}},
		{"from a Secret", dbSecret, "password: hunter2", map[string]any{"password": "hunter2"}},
		{"null document", webValues, "null", map[string]any{}},
		{"duplicate keys: the last wins, as in Helm", webValues, "a: 1\na: 2\n", map[string]any{"a": 2.0}},
		{"at the nesting limit", webValues, nested(values.MaxDepth), parseMap(t, nested(values.MaxDepth))},
		{"at the size limit", webValues, "# " + strings.Repeat("x", values.MaxLayerBytes-2), map[string]any{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			l, err := values.ParseLayer(c.origin, []byte(c.doc))
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(l.Origin()).To(Equal(c.origin))
			g.Expect(l.Secret()).To(Equal(c.origin.Secret()))
			g.Expect(mustMerge(t, l).UserValues()).To(Equal(c.want))
		})
	}
}

func TestParseLayerErrors(t *testing.T) {
	badCM := values.Origin{Kind: values.KindConfigMap, Index: 1, Name: "web-values", Key: "values.yaml"}
	cases := []struct {
		name   string
		origin values.Origin
		doc    string
		want   []string // substrings of the error
		absent string   // must not appear in the error
	}{
		{"bad YAML", badCM, "a: {b: ]", []string{"valuesFrom[1] configmap/web-values key values.yaml: not valid YAML: ", "did not find expected node content"}, ""},
		{"bad YAML quoting content", badCM, "? [hunter2]\n: x\n", []string{"not valid YAML", "hunter2"}, ""},
		{"bad YAML in a Secret is not quoted", dbSecret, "? [hunter2]\n: x\n", []string{"valuesFrom[1] secret/db key values.yaml: not valid YAML", "details withheld"}, "hunter2"},
		{"bad YAML in a Secret keeps the line", dbSecret, "a: 1\nb: 2\n c: 3\n", []string{"not valid YAML at line 3"}, ""},
		{"top level is a list", webValues, "- a\n- b\n", []string{"valuesFrom[0] configmap/web-values key values.yaml: the top level is a list, but values must be a map"}, ""},
		{"top level is a string", webValues, "hello", []string{"the top level is a string"}, ""},
		{"top level is a number", webValues, "42", []string{"the top level is a number"}, ""},
		{"top level is a boolean", webValues, "true", []string{"the top level is a boolean"}, ""},
		{"not a finite number", webValues, "a: .nan", []string{"not valid YAML", "NaN"}, ""},
		{"oversized", webValues, "a: " + strings.Repeat("x", values.MaxLayerBytes), []string{"over the limit of 1048576 bytes per values layer"}, ""},
		{"too deep", webValues, nested(values.MaxDepth + 1), []string{"nested more than 64 levels deep at a.a.a"}, ""},
		{"billion laughs", webValues, billionLaughs, []string{"not valid YAML", "excessive aliasing"}, ""},
		{"alias fan-out under the library's ratio", webValues, aliasFanOut(10000, 27), []string{"more than 262144 values (aliases expanded)"}, ""},
		{"self-referencing anchor", webValues, "a: &a [*a]", []string{"not valid YAML"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			start := time.Now()
			_, err := values.ParseLayer(c.origin, []byte(c.doc))
			g.Expect(time.Since(start)).To(BeNumerically("<", 5*time.Second))
			g.Expect(err).To(HaveOccurred())
			for _, w := range c.want {
				g.Expect(err.Error()).To(ContainSubstring(w))
			}
			if c.absent != "" {
				g.Expect(err.Error()).NotTo(ContainSubstring(c.absent))
			}
		})
	}
}

func TestNewLayer(t *testing.T) {
	g := NewWithT(t)
	in := map[string]any{"image": map[string]any{"tag": "1.0"}, "args": []any{"a"}}
	l, err := values.NewLayer(chartDefaults, in)
	g.Expect(err).NotTo(HaveOccurred())
	in["image"].(map[string]any)["tag"] = "changed"
	in["args"].([]any)[0] = "changed"
	g.Expect(mustMerge(t, l).Effective()).To(Equal(map[string]any{"image": map[string]any{"tag": "1.0"}, "args": []any{"a"}}))

	empty, err := values.NewLayer(chartDefaults, nil)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(mustMerge(t, empty).Effective()).To(BeEmpty())
}

func TestNewLayerErrors(t *testing.T) {
	cases := []struct {
		name   string
		values map[string]any
		want   string
	}{
		{"Go int", map[string]any{"a": map[string]any{"b": 1}}, "chart defaults: a.b: unsupported type int"},
		{"NaN", map[string]any{"a": []any{math.NaN()}}, "chart defaults: a.0: NaN is not a finite number"},
		{"infinity", map[string]any{"a": math.Inf(1)}, "a: +Inf is not a finite number"},
		{"named map type", map[string]any{"a": map[string]string{}}, "unsupported type map[string]string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := values.NewLayer(chartDefaults, c.values)
			NewWithT(t).Expect(err).To(MatchError(ContainSubstring(c.want)))
		})
	}
}
