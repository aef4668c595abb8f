package release_test

import (
	"context"
	"errors"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"captain.io/captain/internal/testenv/testcharts"
	"captain.io/captain/pkg/release"
)

// recordCache answers from a fixed list, marking what it returns with the
// UID "cached" so that a test sees who answered.
type recordCache struct {
	records []metav1.Object
	err     error
	asked   bool
}

func (c *recordCache) ReleaseRecords(context.Context, string, string) ([]metav1.Object, error) {
	c.asked = true
	return c.records, c.err
}

// liveRecords are the release's records as the API server has them, marked
// as cached.
func liveRecords(g Gomega, ns string, keep func(labels map[string]string) bool) []metav1.Object {
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("SecretList"))
	g.Expect(controlPlane.Client.List(context.Background(), list, client.InNamespace(ns),
		client.MatchingLabels{"owner": "helm", "name": "app"})).To(Succeed())
	var out []metav1.Object
	for i := range list.Items {
		if keep(list.Items[i].Labels) {
			list.Items[i].UID = "cached"
			out = append(out, &list.Items[i])
		}
	}
	return out
}

// A synced release is told from the record cache with no API request; a
// cache that lags (missing the release or its latest revision) or fails
// leads to the live read, never to an install or upgrade; member clusters
// and impersonated reads never use it.
func TestApplyReadsRecordCache(t *testing.T) {
	all := func(map[string]string) bool { return true }
	firstOnly := func(l map[string]string) bool { return l["version"] == "1" }
	for _, tc := range []struct {
		name   string
		cache  func(g Gomega, ns string) *recordCache
		target func(*release.Request)
		// fromCache: the state came from the cache; asked: it was asked.
		fromCache, asked bool
	}{
		{name: "in step with the cluster", cache: func(g Gomega, ns string) *recordCache {
			return &recordCache{records: liveRecords(g, ns, all)}
		}, fromCache: true, asked: true},
		{name: "has not seen the release", cache: func(Gomega, string) *recordCache {
			return &recordCache{}
		}, asked: true},
		{name: "has not seen the latest revision", cache: func(g Gomega, ns string) *recordCache {
			return &recordCache{records: liveRecords(g, ns, firstOnly)}
		}, asked: true},
		{name: "fails", cache: func(Gomega, string) *recordCache {
			return &recordCache{err: errors.New("cache not synced")}
		}, asked: true},
		{name: "member cluster", cache: func(g Gomega, ns string) *recordCache {
			return &recordCache{records: liveRecords(g, ns, all)}
		}, target: func(r *release.Request) { r.Target.Cluster = "east" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := context.Background()
			ns := controlPlane.NewNamespace(t)
			ch := testcharts.Load(t, "plain")
			_, err := factory.Apply(ctx, request(t, ns, ch, map[string]any{}, "d1"))
			g.Expect(err).NotTo(HaveOccurred())
			_, err = factory.Apply(ctx, request(t, ns, ch, map[string]any{"replicaCount": 2}, "d2"))
			g.Expect(err).NotTo(HaveOccurred())

			cache := tc.cache(g, ns)
			cached := release.NewFactory()
			cached.UseRecordCache(cache)
			req := request(t, ns, ch, map[string]any{"replicaCount": 2}, "d2")
			if tc.target != nil {
				tc.target(req)
			}
			applied, err := cached.Apply(ctx, req)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(applied.Actions).To(BeEmpty(), "a synced release needs nothing")
			g.Expect(applied.State.Latest().Number).To(Equal(2))
			g.Expect(cache.asked).To(Equal(tc.asked))
			g.Expect(applied.State.Latest().UID == types.UID("cached")).To(Equal(tc.fromCache))
			g.Expect(helmHistory(t, ns, "app")).To(HaveLen(2), "no revision added")
		})
	}
}
