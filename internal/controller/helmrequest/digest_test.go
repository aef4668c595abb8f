package helmrequest

import (
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/values"
	"captain.io/captain/pkg/chartrepo"
)

// The desired-state digest changes with the values and with the key: without
// the key, a digest seen in status cannot be recomputed from guessed values.
func TestDesiredDigest(t *testing.T) {
	g := NewWithT(t)
	scopeWith := func(password string) *scope {
		layer, err := values.NewLayer(values.Origin{Kind: values.KindValues}, map[string]any{"password": password})
		g.Expect(err).NotTo(HaveOccurred())
		result, err := values.Merge(layer)
		g.Expect(err).NotTo(HaveOccurred())
		s := newScope(&v1.HelmRequest{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "apps"}})
		s.chart, s.values = &chartrepo.Chart{Digest: "sha256:abc"}, result
		return s
	}
	keyA, keyB := []byte("key-a-32-bytes-long-000000000000"), []byte("key-b-32-bytes-long-000000000000")

	g.Expect(desiredDigest(scopeWith("hunter2"), keyA)).To(Equal(desiredDigest(scopeWith("hunter2"), keyA)))
	g.Expect(desiredDigest(scopeWith("hunter2"), keyA)).NotTo(Equal(desiredDigest(scopeWith("hunter3"), keyA)))
	g.Expect(desiredDigest(scopeWith("hunter2"), keyA)).NotTo(Equal(desiredDigest(scopeWith("hunter2"), keyB)))
	g.Expect(desiredDigest(scopeWith("hunter2"), keyA)).To(HavePrefix("hmac-sha256:"))
}
