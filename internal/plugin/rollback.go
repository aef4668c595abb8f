package plugin

import (
	"fmt"
	"net/url"
	"path"
	"strings"

	"helm.sh/helm/v3/pkg/release"

	v1 "captain.io/captain/api/v1alpha1"
)

// RollbackTarget picks the revision to roll back to in a release's history
// (any order): revision to, or else the newest revision before the current
// one that was once deployed. Failed revisions are no place to go back to.
// current is the deployed revision, or the newest one if none is deployed.
func RollbackTarget(history []*release.Release, to int) (target, current *release.Release, err error) {
	for _, r := range history {
		if current == nil || better(r, current) {
			current = r
		}
	}
	if current == nil {
		return nil, nil, fmt.Errorf("the release has no revisions")
	}
	for _, r := range history {
		switch {
		case to != 0 && r.Version == to:
			target = r
		case to == 0 && r.Version < current.Version && r.Info.Status == release.StatusSuperseded &&
			(target == nil || r.Version > target.Version):
			target = r
		}
	}
	switch {
	case to != 0 && target == nil:
		return nil, nil, fmt.Errorf("the release has no revision %d", to)
	case to == current.Version:
		return nil, nil, fmt.Errorf("revision %d is the current revision", to)
	case target == nil:
		return nil, nil, fmt.Errorf("revision %d is the first successful one: there is nothing to roll back to", current.Version)
	}
	return target, current, nil
}

// better tells whether r is more current than c: deployed beats anything
// else, then the newer revision wins.
func better(r, c *release.Release) bool {
	rd, cd := r.Info.Status == release.StatusDeployed, c.Info.Status == release.StatusDeployed
	if rd != cd {
		return rd
	}
	return r.Version > c.Version
}

// RollbackSpec writes the chart version and values of revision target into
// spec, so that the spec stays the source of truth and Captain makes the
// rollback as an upgrade. current is the revision deployed now; it tells
// which version an http(s) URL names.
//
// Values are written back only when spec.values is all there is: a revision
// keeps its values merged, and they cannot be split back into valuesFrom
// references and overlays. keepValues rolls back the chart alone.
func RollbackSpec(spec *v1.HelmRequestSpec, target, current *release.Release, keepValues bool) error {
	name, version := target.Chart.Metadata.Name, target.Chart.Metadata.Version
	if want := chartName(spec, current); name != want {
		return fmt.Errorf("revision %d was made from chart %s, but the HelmRequest installs chart %s", target.Version, name, want)
	}
	if err := setVersion(spec, name, current.Chart.Metadata.Version, version); err != nil {
		return err
	}
	if keepValues {
		return nil
	}
	if len(spec.ValuesFrom) > 0 || len(spec.Overlays) > 0 {
		return fmt.Errorf("the HelmRequest takes values from valuesFrom or overlays, which a Helm revision keeps merged with spec.values and cannot split back; pass --keep-values to roll back the chart version alone")
	}
	vals, err := ValuesJSON(target.Config)
	if err != nil {
		return err
	}
	spec.Values = vals
	return nil
}

// chartName is the name of the chart the spec installs: the name part of
// repo/name, else that of the chart deployed now.
func chartName(spec *v1.HelmRequestSpec, current *release.Release) string {
	if _, name, ok := strings.Cut(spec.Chart, "/"); ok {
		return name
	}
	return current.Chart.Metadata.Name
}

// setVersion points spec at version of chart name. An http(s) URL names a
// version only by its file name, which must then be <name>-<version>.tgz,
// as helm package and chart repositories name archives.
func setVersion(spec *v1.HelmRequestSpec, name, from, to string) error {
	if spec.Source == nil || spec.Source.HTTP == nil {
		spec.Version = to
		return nil
	}
	if from == to {
		return nil
	}
	u, err := url.Parse(spec.Source.HTTP.URL)
	if err != nil {
		return fmt.Errorf("spec.source.http.url: %w", err)
	}
	dir, file := path.Split(u.Path)
	if file != name+"-"+from+".tgz" {
		return fmt.Errorf("spec.source.http.url does not end in %s-%s.tgz, so the URL of version %s is unknown; run upgrade with that URL instead", name, from, to)
	}
	u.Path, u.RawPath = dir+name+"-"+to+".tgz", ""
	spec.Source.HTTP.URL = u.String()
	return nil
}
