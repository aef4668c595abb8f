package values_test

import (
	"testing"

	. "github.com/onsi/gomega"

	"captain.io/captain/internal/values"
)

// user is the origin of the i-th user layer in a test case.
func user(i int) values.Origin {
	return values.Origin{Kind: values.KindConfigMap, Index: i, Name: "layer", Key: "values.yaml"}
}

func TestMerge(t *testing.T) {
	cases := []struct {
		name      string
		defaults  string
		layers    []string
		effective string
		user      string // UserValues; "" when it is effective without defaults
	}{
		{name: "maps merge recursively",
			defaults: "image: {repo: nginx, tag: '1.0'}", layers: []string{"image: {tag: '1.1', pullPolicy: Always}", "image: {tag: '1.2'}"},
			effective: "image: {repo: nginx, tag: '1.2', pullPolicy: Always}", user: "image: {tag: '1.2', pullPolicy: Always}"},
		{name: "a list replaces a list",
			defaults: "args: [a, b]", layers: []string{"args: [c]"}, effective: "args: [c]"},
		{name: "a list of maps is replaced, not merged",
			defaults: "env: [{name: A, value: '1'}]", layers: []string{"env: [{name: B}]"}, effective: "env: [{name: B}]"},
		{name: "a scalar replaces a map",
			defaults: "resources: {limits: {cpu: 1}}", layers: []string{"resources: none"}, effective: "resources: none"},
		{name: "a map replaces a scalar",
			defaults: "a: 1", layers: []string{"a: {b: 2}"}, effective: "a: {b: 2}"},
		{name: "a string replaces a number",
			defaults: "port: 80", layers: []string{"port: '8080'"}, effective: "port: '8080'"},
		{name: "null deletes a default scalar",
			defaults: "a: 1\nb: 2", layers: []string{"a: null"}, effective: "b: 2", user: "a: null"},
		{name: "null deletes a default map",
			defaults: "resources: {limits: {cpu: 1}}\nb: 2", layers: []string{"resources: null"}, effective: "b: 2", user: "resources: null"},
		{name: "null deletes a nested default",
			defaults: "a: {b: {c: 1, d: 2}}", layers: []string{"a: {b: {c: null}}"}, effective: "a: {b: {d: 2}}", user: "a: {b: {c: null}}"},
		{name: "null deletes a lower user layer's value",
			layers: []string{"a: {b: 1, c: 2}", "a: {b: null}"}, effective: "a: {c: 2}", user: "a: {b: null, c: 2}"},
		{name: "null with nothing under it",
			layers: []string{"a: null"}, effective: "{}", user: "a: null"},
		{name: "a map after a null merges over the defaults again, as in Helm",
			defaults: "a: {x: 1}", layers: []string{"a: null", "a: {y: 2}"}, effective: "a: {x: 1, y: 2}", user: "a: {y: 2}"},
		{name: "a null replaced by a scalar",
			defaults: "a: {x: 1}", layers: []string{"a: null", "a: 3"}, effective: "a: 3"},
		{name: "nulls inside a map that replaces a scalar",
			defaults: "a: 1", layers: []string{"a: {b: null}"}, effective: "a: {}", user: "a: {b: null}"},
		{name: "an empty map keeps the defaults under it",
			defaults: "a: {x: 1}", layers: []string{"a: {}"}, effective: "a: {x: 1}", user: "a: {}"},
		{name: "nulls in the defaults are dropped",
			defaults: "a: null\nb: {c: null, d: 1}", effective: "b: {d: 1}", user: "{}"},
		{name: "null inside a list is a value",
			layers: []string{"a: [1, null]"}, effective: "a: [1, null]"},
		{name: "no layers", effective: "{}"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			layers := []values.Layer{mustLayer(t, chartDefaults, c.defaults)}
			for i, doc := range c.layers {
				layers = append(layers, mustLayer(t, user(i), doc))
			}
			r := mustMerge(t, layers...)
			g.Expect(r.Effective()).To(Equal(parseMap(t, c.effective)))
			wantUser := c.user
			if wantUser == "" {
				wantUser = c.effective
			}
			g.Expect(r.UserValues()).To(Equal(parseMap(t, wantUser)))
		})
	}
}

func TestMergeChartDefaultsMustComeFirst(t *testing.T) {
	_, err := values.Merge(mustLayer(t, specValues, "a: 1"), mustLayer(t, chartDefaults, "a: 2"))
	NewWithT(t).Expect(err).To(MatchError("layer 1 (chart defaults): chart defaults must be the first layer"))
}

func TestMergeDoesNotAliasLayers(t *testing.T) {
	g := NewWithT(t)
	l := mustLayer(t, specValues, "a: {b: [1, {c: 2}]}")
	r := mustMerge(t, l)
	r.Effective()["a"].(map[string]any)["b"].([]any)[1].(map[string]any)["c"] = "changed"
	r.UserValues()["a"] = "changed"
	g.Expect(mustMerge(t, l).Effective()).To(Equal(parseMap(t, "a: {b: [1, {c: 2}]}")))
	g.Expect(r.Effective()).To(Equal(parseMap(t, "a: {b: [1, {c: 2}]}")))
}

func TestProvenance(t *testing.T) {
	g := NewWithT(t)
	r := mustMerge(t,
		mustLayer(t, chartDefaults, "image: {repo: nginx, tag: '1.0'}\nservice: {type: ClusterIP, port: 80}\nextra: {}"),
		mustLayer(t, webValues, "image: {tag: '1.1'}\nservice: {port: 8080}\nannotations: {app.kubernetes.io/name: web}"),
		mustLayer(t, specValues, "image: {tag: '1.2'}\nservice: {type: null}"),
		mustLayer(t, prodValues, "image: {tag: '1.3'}\nresources: {}"),
	)
	g.Expect(r.Provenance()).To(Equal([]values.Leaf{
		{Path: values.Path{"annotations", "app.kubernetes.io/name"}, Origin: webValues},
		{Path: values.Path{"extra"}, Origin: chartDefaults},
		{Path: values.Path{"image", "repo"}, Origin: chartDefaults},
		{Path: values.Path{"image", "tag"}, Origin: prodValues},
		{Path: values.Path{"resources"}, Origin: prodValues},
		{Path: values.Path{"service", "port"}, Origin: webValues},
	}))

	cases := []struct {
		path   []string
		want   values.Origin
		isLeaf bool
	}{
		{[]string{"image", "tag"}, prodValues, true},
		{[]string{"image", "repo"}, chartDefaults, true},
		{[]string{"resources"}, prodValues, true},
		{[]string{"service", "type"}, values.Origin{}, false}, // deleted by null
		{[]string{"image"}, values.Origin{}, false},           // a map, not a leaf
		{[]string{"image", "tag", "deeper"}, values.Origin{}, false},
		{[]string{"missing"}, values.Origin{}, false},
		{nil, values.Origin{}, false},
	}
	for _, c := range cases {
		origin, ok := r.OriginOf(c.path...)
		g.Expect(ok).To(Equal(c.isLeaf), "%v", c.path)
		g.Expect(origin).To(Equal(c.want), "%v", c.path)
	}
}

func TestZeroResult(t *testing.T) {
	g := NewWithT(t)
	var r values.Result
	g.Expect(r.Effective()).To(BeEmpty())
	g.Expect(r.UserValues()).To(BeEmpty())
	g.Expect(r.Redacted()).To(BeEmpty())
	g.Expect(r.Provenance()).To(BeEmpty())
	g.Expect(r.Digest()).To(BeEmpty())
	_, ok := r.OriginOf("a")
	g.Expect(ok).To(BeFalse())
}
