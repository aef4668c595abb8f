package values_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	. "github.com/onsi/gomega"

	"captain.io/captain/internal/values"
)

func TestPathString(t *testing.T) {
	cases := []struct {
		path values.Path
		want string
	}{
		{values.Path{"image", "tag"}, "image.tag"},
		{values.Path{"config", "app.kubernetes.io/name"}, `config."app.kubernetes.io/name"`},
		{values.Path{"a b", `q"uote`, ""}, `"a b"."q\"uote".""`},
		{values.Path{"nginx/conf", "x-y_z"}, "nginx/conf.x-y_z"},
		{nil, ""},
	}
	for _, c := range cases {
		NewWithT(t).Expect(c.path.String()).To(Equal(c.want))
	}
}

func TestRedacted(t *testing.T) {
	g := NewWithT(t)
	r := mustMerge(t,
		mustLayer(t, chartDefaults, "db: {host: localhost, password: ''}"),
		mustLayer(t, dbSecret, "db: {user: app, password: hunter2, hosts: [a, b], tls: {}}\ntoken: s3cret"),
		mustLayer(t, specValues, "db: {user: admin}\ntoken: null"),
	)
	g.Expect(r.Redacted()).To(Equal(map[string]any{
		"db": map[string]any{
			"host":     "localhost",
			"user":     "admin",
			"password": values.RedactedMarker,
			"hosts":    values.RedactedMarker,
			"tls":      values.RedactedMarker,
		},
	}))
	g.Expect(fmt.Sprint(r.Redacted(), r.Provenance())).NotTo(Or(ContainSubstring("hunter2"), ContainSubstring("s3cret")))
	g.Expect(r.Effective()["db"]).To(HaveKeyWithValue("password", "hunter2"))

	secret := map[string]bool{}
	for _, l := range r.Provenance() {
		secret[l.Path.String()] = l.Origin.Secret()
	}
	g.Expect(secret).To(Equal(map[string]bool{
		"db.host": false, "db.user": false, "db.password": true, "db.hosts": true, "db.tls": true,
	}))
}

func TestDigest(t *testing.T) {
	g := NewWithT(t)
	digest := func(layers ...string) string {
		var ls []values.Layer
		for i, doc := range layers {
			ls = append(ls, mustLayer(t, user(i), doc))
		}
		return mustMerge(t, ls...).Digest()
	}
	base := digest("a: 1\nb: {c: [true, x], d: null}\ne: {f: 1, g: 2, h: 3, i: 4}")

	golden := sha256.Sum256([]byte(`{"a":1,"b":{"c":[true,"x"],"d":null},"e":{"f":1,"g":2,"h":3,"i":4}}`))
	g.Expect(base).To(Equal("sha256:" + hex.EncodeToString(golden[:])))
	for range 20 {
		g.Expect(digest("e: {i: 4, h: 3, g: 2, f: 1}\nb: {d: null, c: [true, x]}\na: 1")).To(Equal(base), "key order")
	}
	g.Expect(digest("a: 1\ne: {f: 1, g: 2}", "b: {c: [true, x], d: null}\ne: {h: 3, i: 4}")).To(Equal(base), "same values from other layers")
	g.Expect(mustMerge(t, mustLayer(t, chartDefaults, "z: 1"), mustLayer(t, user(0), "a: 1\nb: {c: [true, x], d: null}\ne: {f: 1, g: 2, h: 3, i: 4}")).Digest()).
		To(Equal(base), "chart defaults are not user values")

	changed := []string{
		"a: 2\nb: {c: [true, x], d: null}\ne: {f: 1, g: 2, h: 3, i: 4}",
		"a: '1'\nb: {c: [true, x], d: null}\ne: {f: 1, g: 2, h: 3, i: 4}",
		"a: 1\nb: {c: [x, true], d: null}\ne: {f: 1, g: 2, h: 3, i: 4}",
		"a: 1\nb: {c: [true, x]}\ne: {f: 1, g: 2, h: 3, i: 4}",
		"a: 1\nb: {c: [true, x], d: {}}\ne: {f: 1, g: 2, h: 3, i: 4}",
		"a: 1\nb: {c: [true, 'x '], d: null}\ne: {f: 1, g: 2, h: 3, i: 4}",
		"a: 1\nb: {c: [true, x], d: null}\ne: {f: 1, g: 2, h: 3, i: 4, j: 5}",
	}
	seen := map[string]bool{base: true}
	for _, doc := range changed {
		d := digest(doc)
		g.Expect(seen).NotTo(HaveKey(d), doc)
		seen[d] = true
	}
}
