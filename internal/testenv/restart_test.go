package testenv_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"captain.io/captain/internal/testenv"
)

// The API server stops (gracefully, then killed) and starts again on the
// same address, with the same certificates and the same etcd: clients fail
// while it is down and carry on with the same credentials after, finding
// their objects.
func TestRestartAPIServer(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	cp := testenv.StartForTest(t)
	ns := cp.NewNamespace(t)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kept", Namespace: ns}}
	g.Expect(cp.Client.Create(ctx, cm)).To(Succeed())

	for _, grace := range []time.Duration{10 * time.Second, 0} {
		stopped := cp.StopAPIServer(t, grace)
		short, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := cp.Client.Get(short, client.ObjectKeyFromObject(cm), &corev1.ConfigMap{})
		cancel()
		g.Expect(err).To(HaveOccurred(), "the API server is down")

		stopped.Start(t)
		g.Expect(cp.Client.Get(ctx, client.ObjectKeyFromObject(cm), &corev1.ConfigMap{})).To(Succeed())
	}
}
