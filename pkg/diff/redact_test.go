package diff

import (
	"bytes"
	"encoding/base64"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestRedaction diffs a Secret and objects holding secret-sourced values,
// with data changed by the upgrade and drifted in the cluster, and checks
// the bytes of every output for the values.
func TestRedaction(t *testing.T) {
	g := NewWithT(t)
	ns := controlPlane.NewNamespace(t)
	applied := `
apiVersion: v1
kind: Secret
metadata: {name: creds}
data: {password: ` + b64("old-password") + `, same: ` + b64("unchanged-secret") + `}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: conf}
data: {url: "https://user:s3cr3t-token@db"}
`
	desired := `
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: new-password, same: unchanged-secret, token: s3cr3t-token}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: conf}
data: {url: "https://user:s3cr3t-token@db2", pw: hunter2}
`
	install(t, ns, "sec", applied)
	// kubectl apply leaves a copy of the data in an annotation; someone edits the password.
	patch(t, ns, "Secret", "v1", "creds", "application/merge-patch+json",
		`{"metadata":{"annotations":{"`+lastAppliedAnnotation+`":"{\"data\":{\"password\":\"`+b64("applied-password")+`\"}}"}},"data":{"password":"`+b64("drifted-password")+`"}}`)

	report, err := differ.Diff(ctx, Input{
		ReleaseName: "sec", Namespace: ns, LastApplied: applied, Desired: desired,
		SecretValues: []string{"s3cr3t-token", "hunter2"}, RedactionKey: []byte("key"),
	})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(report.Err()).NotTo(HaveOccurred())
	g.Expect(report.Summary()).To(Equal(Summary{Update: 2, DriftedObjects: 1, DriftedFields: 1}))

	var text, colored bytes.Buffer
	g.Expect(report.WriteText(&text, TextOptions{Unchanged: true})).To(Succeed())
	g.Expect(report.WriteText(&colored, TextOptions{Color: true})).To(Succeed())
	js, err := report.JSON()
	g.Expect(err).NotTo(HaveOccurred())
	for name, out := range map[string][]byte{"text": text.Bytes(), "colored text": colored.Bytes(), "JSON": js} {
		for _, secret := range []string{"old-password", "new-password", "drifted-password", "applied-password", "unchanged-secret", "s3cr3t-token", "hunter2"} {
			g.Expect(string(out)).NotTo(ContainSubstring(secret), name)
			g.Expect(string(out)).NotTo(ContainSubstring(b64(secret)), name)
		}
		g.Expect(string(out)).To(ContainSubstring("<redacted hmac-sha256:"), name)
	}

	rd := newRedactor([]byte("key"), nil)
	secret := objectDiff(report, "Secret "+ns+"/creds")
	g.Expect(secret.Diff).To(ContainSubstring("-  password: "+rd.marker([]byte("drifted-password"))), "changed values show changed markers")
	g.Expect(secret.Diff).To(ContainSubstring("+  password: " + rd.marker([]byte("new-password"))))
	g.Expect(secret.Diff).To(ContainSubstring("   same: "+rd.marker([]byte("unchanged-secret"))), "unchanged ones as unchanged")
	g.Expect(secret.Drift.Fields[0].Live).To(Equal(rd.marker([]byte("drifted-password"))))
	conf := objectDiff(report, "ConfigMap "+ns+"/conf")
	g.Expect(conf.Diff).To(ContainSubstring("+  url: https://user:" + rd.marker([]byte("s3cr3t-token")) + "@db2"))
}

// TestMarker checks the markers that stand in for secret values.
func TestMarker(t *testing.T) {
	g := NewWithT(t)
	plain, keyed, other := newRedactor(nil, nil), newRedactor([]byte("k1"), nil), newRedactor([]byte("k2"), nil)
	g.Expect(plain.marker([]byte("v"))).To(MatchRegexp(`^<redacted sha256:[0-9a-f]{8}>$`))
	g.Expect(keyed.marker([]byte("v"))).To(MatchRegexp(`^<redacted hmac-sha256:[0-9a-f]{8}>$`))
	g.Expect(keyed.marker([]byte("v"))).NotTo(Equal(other.marker([]byte("v"))), "the key changes the marker")
	g.Expect(keyed.secretMarker(true, b64("v"))).To(Equal(keyed.secretMarker(false, "v")), "data and stringData agree")
	masked := newRedactor(nil, []string{"ab", "abc", ""}).text("xabcx ab")
	g.Expect(masked).To(Equal("x" + plain.marker([]byte("abc")) + "x " + plain.marker([]byte("ab"))))
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// install creates a manifest's objects as Helm's install would.
func install(t testing.TB, ns, release, manifest string) {
	t.Helper()
	objs, err := parseManifest(manifest)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		o.SetNamespace(ns)
		res := resourceFor(t, ns, o.GetKind(), o.GetAPIVersion())
		if _, err := res.Create(ctx, withHelmMetadata(o, release, ns), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

func objectDiff(r *Report, ref string) *ObjectDiff {
	for i := range r.Objects {
		if r.Objects[i].Ref.String() == ref {
			return &r.Objects[i]
		}
	}
	return nil
}
