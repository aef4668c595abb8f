package values_test

import (
	"testing"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/yaml"

	"captain.io/captain/internal/values"
)

var (
	chartDefaults = values.Origin{Kind: values.KindChartDefaults}
	specValues    = values.Origin{Kind: values.KindValues}
	webValues     = values.Origin{Kind: values.KindConfigMap, Index: 0, Name: "web-values", Key: "values.yaml"}
	dbSecret      = values.Origin{Kind: values.KindSecret, Index: 1, Name: "db", Key: "values.yaml"}
	prodValues    = values.Origin{Kind: values.KindValues, Overlay: "prod"}
)

// mustLayer parses doc as the layer named by origin.
func mustLayer(t testing.TB, origin values.Origin, doc string) values.Layer {
	t.Helper()
	l, err := values.ParseLayer(origin, []byte(doc))
	NewWithT(t).Expect(err).NotTo(HaveOccurred(), "layer %s", origin)
	return l
}

// mustMerge merges the layers, failing the test on error.
func mustMerge(t testing.TB, layers ...values.Layer) values.Result {
	t.Helper()
	r, err := values.Merge(layers...)
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	return r
}

// parseMap decodes doc the way Helm reads a values file; an empty or null
// document is an empty map.
func parseMap(t testing.TB, doc string) map[string]any {
	t.Helper()
	m := map[string]any{}
	NewWithT(t).Expect(yaml.Unmarshal([]byte(doc), &m)).To(Succeed())
	if m == nil {
		m = map[string]any{}
	}
	return m
}

// withoutNulls drops null map entries, at any depth: what a template cannot
// tell from a missing key. Lists are values and are left alone.
func withoutNulls(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case nil:
		case map[string]any:
			out[k] = withoutNulls(v)
		default:
			out[k] = v
		}
	}
	return out
}
