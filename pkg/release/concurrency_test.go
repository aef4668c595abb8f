package release_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"captain.io/captain/internal/testenv/testcharts"
)

// Operations in one cluster share the factory's clients; concurrent
// installs must not disturb each other (each object reaches its own API
// path) — the shape Captain runs in, with many reconciles at once.
func TestConcurrentInstalls(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := controlPlane.NewNamespace(t)
	ch := testcharts.Load(t, "plain")
	const n = 12
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := request(t, ns, ch, map[string]any{"replicaCount": 0}, fmt.Sprintf("sha256:%d", i))
			req.Name = fmt.Sprintf("app-%02d", i)
			_, errs[i] = factory.Apply(ctx, req)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		g.Expect(err).NotTo(HaveOccurred(), "install %d", i)
		name := fmt.Sprintf("app-%02d", i)
		g.Expect(controlPlane.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &appsv1.Deployment{})).To(Succeed())
		g.Expect(controlPlane.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &corev1.Service{})).To(Succeed())
		g.Expect(controlPlane.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &corev1.ConfigMap{})).To(Succeed())
	}
}
