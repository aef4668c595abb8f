package release

import (
	"errors"

	"helm.sh/helm/v3/pkg/chart"
)

// errLibraryChart: the SDK installs a library chart as an empty release;
// the helm CLI refuses it, and so does Captain.
var errLibraryChart = errors.New("library charts are not installable")

// cloneChart copies the parts of a chart tree that Helm's install and
// upgrade change in place (the dependency lists and their enabled flags),
// because charts are cached and shared between releases.
func cloneChart(c *chart.Chart) *chart.Chart {
	out := *c
	if c.Metadata != nil {
		md := *c.Metadata
		md.Dependencies = make([]*chart.Dependency, len(c.Metadata.Dependencies))
		for i, d := range c.Metadata.Dependencies {
			dep := *d
			md.Dependencies[i] = &dep
		}
		out.Metadata = &md
	}
	deps := make([]*chart.Chart, 0, len(c.Dependencies()))
	for _, d := range c.Dependencies() {
		deps = append(deps, cloneChart(d))
	}
	out.SetDependencies(deps...)
	return &out
}

// installable returns a private copy of the request's chart.
func installable(req *Request) (*chart.Chart, error) {
	if req.Chart.Metadata != nil && req.Chart.Metadata.Type == "library" {
		return nil, errLibraryChart
	}
	return cloneChart(req.Chart), nil
}
