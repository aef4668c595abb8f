package values_test

import (
	"testing"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v3/pkg/chartutil"

	"captain.io/captain/internal/values"
)

// FuzzMerge checks, for any two documents a and b: Merge never panics; a
// single layer merges to itself (without nulls in Effective); b from a
// Secret over a as chart defaults matches Helm; and provenance covers every
// leaf, with each Secret leaf redacted.
func FuzzMerge(f *testing.F) {
	seeds := [][2]string{
		{"", ""},
		{"a: 1", "a: null"},
		{"a: {b: {c: 1, d: [1, 2]}}", "a: {b: {c: null, e: x}}"},
		{"a: {x: 1}", "a: 3"},
		{"a: 1\nb: {c: null}", "a: {b: null, c: {}}"},
		{"args: [a, b]", "args: [{c: null}]"},
		{"x: {y: {z: {}}}", "x: {y: {z: {w: null}}}"},
		{`{"a": [1, "x", null], "b": {"c": true}}`, `{"b": null, "d": 1.5e3}`},
		{"k.with.dots: {'': 1}", "k.with.dots: {'': null, ' ': 2}"},
		{"- not a map", "a: b"},
		{"a: &x {b: 1}\nc: *x", "c: {b: null, <<: *x}"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	quietHelm(f)
	f.Fuzz(func(t *testing.T, a, b string) {
		la, err := values.ParseLayer(specValues, []byte(a))
		if err != nil {
			return
		}
		g := NewWithT(t)
		aValues := parseMap(t, a)
		single := mustMerge(t, la)
		g.Expect(single.UserValues()).To(Equal(aValues))
		g.Expect(single.Effective()).To(Equal(withoutNulls(aValues)))

		lb, err := values.ParseLayer(dbSecret, []byte(b))
		if err != nil {
			return
		}
		defaults, err := values.NewLayer(chartDefaults, aValues)
		g.Expect(err).NotTo(HaveOccurred())
		r := mustMerge(t, defaults, lb)
		bValues := parseMap(t, b)
		helm, err := chartutil.CoalesceValues(helmChart(aValues), bValues)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(r.UserValues()).To(Equal(bValues))
		g.Expect(r.Effective()).To(Equal(withoutNulls(helm)))

		leaves := r.Provenance()
		g.Expect(leaves).To(HaveLen(countLeaves(r.Effective())))
		redacted := r.Redacted()
		for _, l := range leaves {
			origin, ok := r.OriginOf(l.Path...)
			g.Expect(ok).To(BeTrue(), l.Path.String())
			g.Expect(origin).To(Equal(l.Origin), l.Path.String())
			if l.Origin.Secret() {
				g.Expect(lookup(redacted, l.Path)).To(Equal(values.RedactedMarker), l.Path.String())
			}
		}
	})
}

// countLeaves counts the scalars, lists and empty maps under m.
func countLeaves(m map[string]any) int {
	n := 0
	for _, v := range m {
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			n += countLeaves(sub)
		} else {
			n++
		}
	}
	return n
}

// lookup is the value at path in m.
func lookup(m map[string]any, path values.Path) any {
	var v any = m
	for _, k := range path {
		v = v.(map[string]any)[k]
	}
	return v
}
