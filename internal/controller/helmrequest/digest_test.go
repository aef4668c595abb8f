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
	hr := &v1.HelmRequest{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "apps"}}
	ch := &chartrepo.Chart{Digest: "sha256:abc"}
	digest := func(password string, key []byte) string {
		layer, err := values.NewLayer(values.Origin{Kind: values.KindValues}, map[string]any{"password": password})
		g.Expect(err).NotTo(HaveOccurred())
		result, err := values.Merge(layer)
		g.Expect(err).NotTo(HaveOccurred())
		return desiredDigest(hr, ch, result, key)
	}
	keyA, keyB := []byte("key-a-32-bytes-long-000000000000"), []byte("key-b-32-bytes-long-000000000000")

	g.Expect(digest("hunter2", keyA)).To(Equal(digest("hunter2", keyA)))
	g.Expect(digest("hunter2", keyA)).NotTo(Equal(digest("hunter3", keyA)))
	g.Expect(digest("hunter2", keyA)).NotTo(Equal(digest("hunter2", keyB)))
	g.Expect(digest("hunter2", keyA)).To(HavePrefix("hmac-sha256:"))
}
