package plugin

import (
	"testing"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	v1 "captain.io/captain/api/v1alpha1"
)

func revision(n int, status release.Status, chartName, version string, config map[string]any) *release.Release {
	return &release.Release{
		Version: n,
		Info:    &release.Info{Status: status},
		Chart:   &chart.Chart{Metadata: &chart.Metadata{Name: chartName, Version: version}},
		Config:  config,
	}
}

func TestRollbackTarget(t *testing.T) {
	// 1 ok, 2 ok, 3 failed, 4 deployed (a rollback), in no order.
	history := []*release.Release{
		revision(3, release.StatusFailed, "web", "1.2.0", nil),
		revision(1, release.StatusSuperseded, "web", "1.0.0", nil),
		revision(4, release.StatusDeployed, "web", "1.1.0", nil),
		revision(2, release.StatusSuperseded, "web", "1.1.0", nil),
	}
	for _, tc := range []struct {
		name      string
		history   []*release.Release
		to        int
		target    int
		current   int
		errSubstr string
	}{
		{name: "previous skips failed revisions", history: history, target: 2, current: 4},
		{name: "a named revision, failed or not", history: history, to: 3, target: 3, current: 4},
		{name: "the oldest", history: history, to: 1, target: 1, current: 4},
		{name: "not the current one", history: history, to: 4, errSubstr: "revision 4 is the current revision"},
		{name: "no such revision", history: history, to: 9, errSubstr: "the release has no revision 9"},
		{name: "nothing before the first", history: history[1:2], errSubstr: "nothing to roll back to"},
		{
			name:    "no deployed revision: the newest is current",
			history: []*release.Release{revision(1, release.StatusSuperseded, "web", "1.0.0", nil), revision(2, release.StatusFailed, "web", "1.1.0", nil)},
			target:  1, current: 2,
		},
		{name: "empty", errSubstr: "no revisions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			target, current, err := RollbackTarget(tc.history, tc.to)
			if tc.errSubstr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.errSubstr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(target.Version).To(Equal(tc.target))
			g.Expect(current.Version).To(Equal(tc.current))
		})
	}
}

func TestRollbackSpec(t *testing.T) {
	values := &apiextensionsv1.JSON{Raw: []byte(`{"replicas":3}`)}
	old := map[string]any{"replicas": 1.0, "image": map[string]any{"tag": "1.0"}}
	current := revision(5, release.StatusDeployed, "web", "1.4.2", nil)
	target := revision(3, release.StatusSuperseded, "web", "1.4.0", old)
	url := func(u string) *v1.ChartSource { return &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: u}} }
	for _, tc := range []struct {
		name       string
		spec, want v1.HelmRequestSpec
		target     *release.Release
		keepValues bool
		errSubstr  string
	}{
		{
			name:   "repo chart: the exact version and the values",
			spec:   v1.HelmRequestSpec{Chart: "stable/web", Version: "~1.4", Values: values},
			target: target,
			want:   v1.HelmRequestSpec{Chart: "stable/web", Version: "1.4.0", Values: &apiextensionsv1.JSON{Raw: []byte(`{"image":{"tag":"1.0"},"replicas":1}`)}},
		},
		{
			name:       "keep values",
			spec:       v1.HelmRequestSpec{Chart: "stable/web", Values: values},
			target:     target,
			keepValues: true,
			want:       v1.HelmRequestSpec{Chart: "stable/web", Version: "1.4.0", Values: values},
		},
		{
			name:   "a revision without values clears them",
			spec:   v1.HelmRequestSpec{Chart: "stable/web", Values: values},
			target: revision(3, release.StatusSuperseded, "web", "1.4.0", nil),
			want:   v1.HelmRequestSpec{Chart: "stable/web", Version: "1.4.0"},
		},
		{
			name:   "archive URL named <chart>-<version>.tgz",
			spec:   v1.HelmRequestSpec{Source: url("https://charts.example/dl/web-1.4.2.tgz?token=x")},
			target: target, keepValues: true,
			want: v1.HelmRequestSpec{Source: url("https://charts.example/dl/web-1.4.0.tgz?token=x")},
		},
		{
			name:   "archive URL of the same version stays",
			spec:   v1.HelmRequestSpec{Source: url("https://charts.example/download?id=7")},
			target: revision(3, release.StatusSuperseded, "web", "1.4.2", nil), keepValues: true,
			want: v1.HelmRequestSpec{Source: url("https://charts.example/download?id=7")},
		},
		{
			name:   "archive URL that does not name the version",
			spec:   v1.HelmRequestSpec{Source: url("https://charts.example/download?id=7")},
			target: target, keepValues: true,
			errSubstr: "does not end in web-1.4.2.tgz, so the URL of version 1.4.0 is unknown",
		},
		{
			name:   "oci: the tag",
			spec:   v1.HelmRequestSpec{Source: &v1.ChartSource{OCI: &v1.OCIChartSource{Repo: "oci://r/web"}}, Version: "1.4.2"},
			target: target, keepValues: true,
			want: v1.HelmRequestSpec{Source: &v1.ChartSource{OCI: &v1.OCIChartSource{Repo: "oci://r/web"}}, Version: "1.4.0"},
		},
		{
			name:      "another chart",
			spec:      v1.HelmRequestSpec{Chart: "stable/api"},
			target:    target,
			errSubstr: "revision 3 was made from chart web, but the HelmRequest installs chart api",
		},
		{
			name:      "values from references cannot be split back",
			spec:      v1.HelmRequestSpec{Chart: "stable/web", ValuesFrom: []v1.ValuesReference{{SecretKeyRef: &v1.ValuesKeyRef{Name: "s"}}}},
			target:    target,
			errSubstr: "pass --keep-values",
		},
		{
			name:      "overlays neither",
			spec:      v1.HelmRequestSpec{Chart: "stable/web", Overlays: []v1.Overlay{{Name: "prod", Environment: "prod"}}},
			target:    target,
			errSubstr: "pass --keep-values",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			err := RollbackSpec(&tc.spec, tc.target, current, tc.keepValues)
			if tc.errSubstr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.errSubstr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(tc.spec).To(Equal(tc.want))
		})
	}
}
