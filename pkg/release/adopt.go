package release

import (
	"bytes"
	"encoding/json"
	"fmt"

	"helm.sh/helm/v3/pkg/chart"
	helmrelease "helm.sh/helm/v3/pkg/release"
)

// adopt takes over the deployed release req names, made by someone else.
// When that revision was made from the requested chart and values, the
// request's owner and digest are written onto its record and it reports
// true: no new revision, no object touched — what importing a helm CLI
// release needs. Otherwise it changes nothing and reports false.
func (f *Factory) adopt(req *Request) (bool, error) {
	cfg, _, err := f.configuration(req.Target, req.Namespace)
	if err != nil {
		return false, err
	}
	rel, err := cfg.Releases.Last(req.Name)
	if err != nil {
		return false, fmt.Errorf("reading release %s/%s: %w", req.Namespace, req.Name, err)
	}
	if rel.Info.Status != helmrelease.StatusDeployed || !MadeFrom(rel, req.Chart, req.Values) {
		return false, nil
	}
	if rel.Labels == nil {
		rel.Labels = map[string]string{}
	}
	for k, v := range recordLabels(req.Owner, req.Digest) {
		rel.Labels[k] = v
	}
	if err := cfg.Releases.Update(rel); err != nil {
		return false, fmt.Errorf("recording HelmRequest %s as the owner of release %s/%s: %w", req.Owner, req.Namespace, req.Name, err)
	}
	return true, nil
}

// MadeFrom tells whether rel was made from chart ch with user values vals:
// whether making it again from them would change nothing.
func MadeFrom(rel *helmrelease.Release, ch *chart.Chart, vals map[string]any) bool {
	return sameChart(rel.Chart, ch) && sameValues(rel.Config, vals)
}

// sameChart tells whether a release record's chart is the requested one.
// Records keep the top-level chart only (not its subcharts), so name,
// version, templates, default values and schema are what can be compared.
func sameChart(recorded, requested *chart.Chart) bool {
	if recorded == nil || requested == nil || recorded.Metadata == nil || requested.Metadata == nil {
		return false
	}
	if recorded.Metadata.Name != requested.Metadata.Name || recorded.Metadata.Version != requested.Metadata.Version {
		return false
	}
	return sameFiles(recorded.Templates, requested.Templates) &&
		sameValues(recorded.Values, requested.Values) && bytes.Equal(recorded.Schema, requested.Schema)
}

func sameFiles(a, b []*chart.File) bool {
	if len(a) != len(b) {
		return false
	}
	byName := make(map[string][]byte, len(a))
	for _, f := range a {
		byName[f.Name] = f.Data
	}
	for _, f := range b {
		data, ok := byName[f.Name]
		if !ok || !bytes.Equal(data, f.Data) {
			return false
		}
	}
	return true
}

// sameValues compares values as Helm would use them: an integer read back
// from a record equals the same number decoded as a float.
// Values that do not marshal (none that came from YAML or JSON) are never
// the same.
func sameValues(a, b map[string]any) bool {
	ja, erra := canonicalJSON(a)
	jb, errb := canonicalJSON(b)
	return erra == nil && errb == nil && bytes.Equal(ja, jb)
}

// canonicalJSON sorts map keys; no values and empty values are alike.
func canonicalJSON(m map[string]any) ([]byte, error) {
	if len(m) == 0 {
		return []byte("{}"), nil
	}
	return json.Marshal(m)
}
