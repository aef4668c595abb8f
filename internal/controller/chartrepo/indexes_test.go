package chartrepo_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/controller/chartrepo"
	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/internal/testenv/testcharts"
	helmrepo "captain.io/captain/pkg/chartrepo"
)

// A manager that runs the ChartRepo controller resolves charts from the
// indexes it syncs on the interval; a shard, which runs none, syncs an
// index older than the interval when it uses it, and keeps using the last
// good one while the repository is away.
func TestIndexesSyncOnUse(t *testing.T) {
	cases := []struct {
		name      string
		syncOnUse bool
		want      []string
	}{
		{"synced by the ChartRepo controller only", false, []string{"1.2.3"}},
		{"synced on use by a shard", true, []string{"1.2.3", "1.2.4"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := context.Background()
			srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "versioned-1.2.3")))
			ix := chartrepo.NewIndexes(helmrepo.NewFetcher(helmrepo.FetcherOptions{}), controlPlane.Client)
			ix.SyncOnUse = tc.syncOnUse
			repo := &v1.ChartRepo{
				ObjectMeta: metav1.ObjectMeta{Name: "stable", Namespace: "apps"},
				Spec:       v1.ChartRepoSpec{Type: v1.RepoHTTP, URL: srv.URL(), Interval: &metav1.Duration{Duration: time.Millisecond}},
			}
			versions := func() []string {
				index, err := ix.Index(ctx, repo)
				g.Expect(err).NotTo(HaveOccurred())
				chart, ok := index.Chart("versioned")
				g.Expect(ok).To(BeTrue())
				return chart.VersionStrings()
			}
			g.Expect(versions()).To(ConsistOf("1.2.3"))

			_, err := srv.Publish(testcharts.Path(t, "versioned-1.2.4"))
			g.Expect(err).NotTo(HaveOccurred())
			time.Sleep(2 * time.Millisecond)
			g.Expect(versions()).To(ConsistOf(tc.want))

			srv.SetFault(func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
				w.WriteHeader(http.StatusInternalServerError)
			})
			time.Sleep(2 * time.Millisecond)
			g.Expect(versions()).To(ConsistOf(tc.want), "the last good index serves")
		})
	}
}
