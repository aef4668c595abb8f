package plugin

import (
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"

	v1 "captain.io/captain/api/v1alpha1"
)

// ChartMatch is one version of a chart that a search found.
type ChartMatch struct {
	Namespace string `json:"namespace"`
	// Name is repo/chart, as spec.chart takes it.
	Name    string          `json:"name"`
	Version v1.ChartVersion `json:"version"`
}

// SearchOptions narrow a search like helm search repo's flags do.
type SearchOptions struct {
	// Keyword matches, case-insensitively, the name, the description or a
	// keyword of a chart's newest listed version; empty matches all.
	Keyword string
	// Devel includes prerelease versions.
	Devel bool
	// AllVersions lists every version, not only the latest.
	AllVersions bool
}

// SearchCharts finds charts, sorted by namespace and name. A chart with only
// prerelease versions is left out unless o.Devel.
func SearchCharts(charts []v1.Chart, o SearchOptions) []ChartMatch {
	var out []ChartMatch
	keyword := strings.ToLower(o.Keyword)
	for _, c := range charts {
		name := c.Spec.Repo + "/" + c.Spec.Name
		if len(c.Spec.Versions) == 0 || !matches(name, c.Spec.Versions[0], keyword) {
			continue
		}
		for _, v := range c.Spec.Versions {
			if !o.Devel && prerelease(v.Version) {
				continue
			}
			out = append(out, ChartMatch{Namespace: c.Namespace, Name: name, Version: v})
			if !o.AllVersions {
				break
			}
		}
	}
	slices.SortStableFunc(out, func(a, b ChartMatch) int {
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	return out
}

func matches(name string, v v1.ChartVersion, keyword string) bool {
	fields := append([]string{name, v.Description}, v.Keywords...)
	return slices.ContainsFunc(fields, func(f string) bool { return strings.Contains(strings.ToLower(f), keyword) })
}

// prerelease tells whether a version is a prerelease; one that is not semver
// at all counts as one, as Helm's "stable" excludes it too.
func prerelease(version string) bool {
	v, err := semver.NewVersion(version)
	return err != nil || v.Prerelease() != ""
}
