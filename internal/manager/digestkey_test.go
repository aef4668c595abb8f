package manager

import (
	"context"
	"sync"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"captain.io/captain/internal/testenv"
)

func TestDigestKey(t *testing.T) {
	cp := testenv.StartForTest(t, testenv.WithoutCRDs())
	t.Run("created once and shared", func(t *testing.T) { createdOnceAndShared(t, cp) })
	t.Run("too short", func(t *testing.T) { tooShort(t, cp) })
}

// The digest key is made once and then shared: replicas starting together
// all end up with the same key, and restarts keep it.
func createdOnceAndShared(t *testing.T, cp *testenv.ControlPlane) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := cp.NewNamespace(t)

	keys := make([][]byte, 4)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key, err := digestKey(ctx, cp.Client, ns)
			g.Expect(err).NotTo(HaveOccurred())
			keys[i] = key
		}()
	}
	wg.Wait()
	g.Expect(keys[0]).To(HaveLen(32))
	for _, k := range keys[1:] {
		g.Expect(k).To(Equal(keys[0]))
	}
	again, err := digestKey(ctx, cp.Client, ns)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(again).To(Equal(keys[0]))
}

// A key too short to be safe is refused with the Secret's name.
func tooShort(t *testing.T, cp *testenv.ControlPlane) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := cp.NewNamespace(t)
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: DigestKeySecret, Namespace: ns},
		Data:       map[string][]byte{"key": []byte("short")},
	}
	g.Expect(cp.Client.Create(ctx, secret)).To(Succeed())
	_, err := digestKey(ctx, cp.Client, ns)
	g.Expect(err).To(MatchError(ContainSubstring(`Secret ` + ns + `/captain-digest-key: key "key" must hold at least 32 bytes`)))
}
