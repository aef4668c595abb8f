package chartrepo

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "captain.io/captain/api/v1alpha1"
	helmrepo "captain.io/captain/pkg/chartrepo"
)

// A chart with thousands of fully described versions still makes a Chart
// object far below etcd's 1.5 MB limit: the newest versions keep every
// field, older ones the essentials, and what does not fit is left out and
// said so by totalVersions.
func TestChartObjectStaysSmall(t *testing.T) {
	cases := []struct {
		versions, listed int
	}{
		{versions: 3, listed: 3},
		{versions: 5000, listed: 0}, // 0: as many as fit
		{versions: 6000, listed: 0},
	}
	repo := &v1.ChartRepo{ObjectMeta: metav1.ObjectMeta{Name: "stable", Namespace: "apps"}}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.versions), func(t *testing.T) {
			g := NewWithT(t)
			ic := &helmrepo.IndexChart{Name: "big"}
			for i := tc.versions; i > 0; i-- {
				ic.Versions = append(ic.Versions, helmrepo.ChartVersion{
					Version: fmt.Sprintf("1.%d.0", i), AppVersion: fmt.Sprintf("%d.0", i),
					Description: strings.Repeat("a long description ", 50), Icon: "https://example.com/icon.png",
					Keywords: []string{"one", "two", "three"}, Created: time.Unix(int64(1e9+i), 5e8),
					Digest: strings.Repeat("ab", 32), URLs: []string{fmt.Sprintf("https://example.com/big-1.%d.0.tgz", i)},
				})
			}
			ch, err := chartObject(repo, ic)
			g.Expect(err).NotTo(HaveOccurred())
			b, err := json.Marshal(ch)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(len(b)).To(BeNumerically("<", 600<<10), "far below etcd's 1.5 MB")
			g.Expect(ch.Name).To(Equal("big.stable"))
			g.Expect(ch.Spec.TotalVersions).To(Equal(tc.versions))
			if tc.listed > 0 {
				g.Expect(ch.Spec.Versions).To(HaveLen(tc.listed))
			}
			g.Expect(len(ch.Spec.Versions)).To(BeNumerically("<=", 5000), "the CRD's maxItems")
			g.Expect(ch.Spec.Versions[0].Version).To(Equal(fmt.Sprintf("1.%d.0", tc.versions)), "newest first")
			g.Expect(ch.Spec.Versions[0].Description).NotTo(BeEmpty())
			g.Expect(ch.Spec.Versions[0].Created.Time.Nanosecond()).To(BeZero(), "seconds, as the API keeps them")
			if n := len(ch.Spec.Versions); n > detailedVersions {
				g.Expect(ch.Spec.Versions[n-1].Description).To(BeEmpty(), "older versions keep the essentials")
				g.Expect(ch.Spec.Versions[n-1].Version).NotTo(BeEmpty())
			}
		})
	}
}

// A chart whose name cannot name an object is reported, not mirrored.
func TestChartObjectNameMustBeValid(t *testing.T) {
	g := NewWithT(t)
	repo := &v1.ChartRepo{ObjectMeta: metav1.ObjectMeta{Name: "stable", Namespace: "apps"}}
	_, err := chartObject(repo, &helmrepo.IndexChart{Name: "Bad_Name"})
	g.Expect(err).To(MatchError(ContainSubstring(`chart "Bad_Name" cannot have a Chart object named "Bad_Name.stable"`)))
}
