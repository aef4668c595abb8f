package plugin

import (
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "captain.io/captain/api/v1alpha1"
)

func TestSearchCharts(t *testing.T) {
	chart := func(ns, repo, name string, versions ...v1.ChartVersion) v1.Chart {
		return v1.Chart{ObjectMeta: metav1.ObjectMeta{Namespace: ns}, Spec: v1.ChartSpec{Repo: repo, Name: name, Versions: versions}}
	}
	nginx := chart("b", "stable", "nginx",
		v1.ChartVersion{Version: "2.0.0-rc.1", Description: "Web server"},
		v1.ChartVersion{Version: "1.4.2", Description: "Web server", Keywords: []string{"http", "proxy"}},
		v1.ChartVersion{Version: "1.4.1"})
	redis := chart("a", "stable", "redis", v1.ChartVersion{Version: "7.0.1", Description: "Key-value store", Keywords: []string{"cache"}})
	beta := chart("a", "incubator", "thing", v1.ChartVersion{Version: "0.1.0-alpha", Description: "Only prereleases"})
	empty := chart("a", "stable", "empty")
	charts := []v1.Chart{nginx, redis, beta, empty}
	names := func(ms []ChartMatch) []string {
		out := make([]string, len(ms))
		for i, m := range ms {
			out[i] = m.Namespace + ":" + m.Name + "@" + m.Version.Version
		}
		return out
	}
	for _, tc := range []struct {
		name string
		o    SearchOptions
		want []string
	}{
		{"everything stable, latest, by namespace and name", SearchOptions{}, []string{"a:stable/redis@7.0.1", "b:stable/nginx@1.4.2"}},
		{"keyword in the name, any case", SearchOptions{Keyword: "NGINX"}, []string{"b:stable/nginx@1.4.2"}},
		{"keyword in the description", SearchOptions{Keyword: "value store"}, []string{"a:stable/redis@7.0.1"}},
		{"keyword in the repo", SearchOptions{Keyword: "incubator", Devel: true}, []string{"a:incubator/thing@0.1.0-alpha"}},
		{"keyword among the keywords of the newest version", SearchOptions{Keyword: "cache"}, []string{"a:stable/redis@7.0.1"}},
		{"prereleases with --devel", SearchOptions{Keyword: "web", Devel: true}, []string{"b:stable/nginx@2.0.0-rc.1"}},
		{"every version", SearchOptions{Keyword: "nginx", AllVersions: true}, []string{"b:stable/nginx@1.4.2", "b:stable/nginx@1.4.1"}},
		{"nothing", SearchOptions{Keyword: "postgres"}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			NewWithT(t).Expect(names(SearchCharts(charts, tc.o))).To(Equal(tc.want))
		})
	}
}
