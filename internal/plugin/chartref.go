package plugin

import (
	"fmt"
	"regexp"
	"strings"

	v1 "captain.io/captain/api/v1alpha1"
)

// repoChart is the form of spec.chart, as the API validates it.
var repoChart = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[A-Za-z0-9][-A-Za-z0-9_.]*$`)

// ChartRef is where a chart comes from, as the CHART argument of install and
// upgrade names it: exactly one of Chart (repo/name) and Source is set.
type ChartRef struct {
	Chart  string
	Source *v1.ChartSource
	// Tag is the version an OCI reference carried (oci://host/chart:1.2.3).
	Tag string
}

// ParseChartRef reads CHART: `repo/name` (a ChartRepo), an http(s) URL of a
// chart archive, or an oci:// reference with an optional tag.
func ParseChartRef(arg string) (ChartRef, error) {
	switch {
	case strings.HasPrefix(arg, "http://"), strings.HasPrefix(arg, "https://"):
		return ChartRef{Source: &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: arg}}}, nil
	case strings.HasPrefix(arg, "oci://"):
		return parseOCI(arg)
	case repoChart.MatchString(arg):
		return ChartRef{Chart: arg}, nil
	}
	return ChartRef{}, fmt.Errorf("CHART %q is not repo/name (a ChartRepo and a chart in it), an http(s)://…/chart.tgz URL or an oci:// reference", arg)
}

// parseOCI splits a tag off the last path segment: Helm names chart
// versions by tag, and spec.version selects it.
func parseOCI(arg string) (ChartRef, error) {
	if strings.Contains(arg, "@") {
		return ChartRef{}, fmt.Errorf("CHART %q: digests are not supported; name the version with a tag or --version", arg)
	}
	repo, tag := arg, ""
	if slash := strings.LastIndex(arg, "/"); slash >= len("oci://") {
		if colon := strings.LastIndex(arg[slash:], ":"); colon >= 0 {
			repo, tag = arg[:slash+colon], arg[slash+colon+1:]
		}
	}
	if len(repo) <= len("oci://") || strings.HasSuffix(repo, "/") {
		return ChartRef{}, fmt.Errorf("CHART %q is not an oci://registry/path/chart reference", arg)
	}
	return ChartRef{Source: &v1.ChartSource{OCI: &v1.OCIChartSource{Repo: repo}}, Tag: tag}, nil
}

// Version combines the --version flag with a tag the reference carried.
func (r ChartRef) Version(flag string) (string, error) {
	switch {
	case r.Source != nil && r.Source.HTTP != nil && flag != "":
		return "", fmt.Errorf("--version cannot be used with an http(s) chart URL: the URL names the version")
	case r.Tag != "" && flag != "" && r.Tag != flag:
		return "", fmt.Errorf("the OCI reference is tagged %s but --version says %s; give one of them", r.Tag, flag)
	case r.Tag != "":
		return r.Tag, nil
	}
	return flag, nil
}

// ApplyTo points spec at the chart. A source of the same kind keeps its
// credentials and TLS settings: changing the version of an OCI chart or the
// URL of an archive should not lose them.
func (r ChartRef) ApplyTo(spec *v1.HelmRequestSpec) {
	old := spec.Source
	spec.Chart, spec.Source = r.Chart, r.Source
	switch {
	case old == nil || r.Source == nil:
	case old.HTTP != nil && r.Source.HTTP != nil:
		r.Source.HTTP.SecretRef, r.Source.HTTP.InsecureSkipTLSVerify = old.HTTP.SecretRef, old.HTTP.InsecureSkipTLSVerify
	case old.OCI != nil && r.Source.OCI != nil:
		o := r.Source.OCI
		o.SecretRef, o.InsecureSkipTLSVerify, o.PlainHTTP = old.OCI.SecretRef, old.OCI.InsecureSkipTLSVerify, old.OCI.PlainHTTP
	}
}

// SourceOptions are the flags that tune how a chart source is reached.
// Nil fields leave the spec as it is.
type SourceOptions struct {
	Secret    *string
	Insecure  *bool
	PlainHTTP *bool
}

// ApplyTo sets the options on spec's source; they need one.
func (o SourceOptions) ApplyTo(spec *v1.HelmRequestSpec) error {
	if o == (SourceOptions{}) {
		return nil
	}
	src := spec.Source
	if src == nil {
		return fmt.Errorf("--source-secret, --insecure-skip-tls-verify and --plain-http tune an http(s) or oci:// chart; a ChartRepo's chart is reached with the ChartRepo's settings")
	}
	var secretRef **v1.LocalObjectReference
	var insecure *bool
	if src.HTTP != nil {
		secretRef, insecure = &src.HTTP.SecretRef, &src.HTTP.InsecureSkipTLSVerify
		if o.PlainHTTP != nil {
			return fmt.Errorf("--plain-http is for oci:// charts; an http:// URL is plain HTTP already")
		}
	} else {
		secretRef, insecure = &src.OCI.SecretRef, &src.OCI.InsecureSkipTLSVerify
		if o.PlainHTTP != nil {
			src.OCI.PlainHTTP = *o.PlainHTTP
		}
	}
	if o.Insecure != nil {
		*insecure = *o.Insecure
	}
	if o.Secret != nil {
		*secretRef = nil
		if *o.Secret != "" {
			*secretRef = &v1.LocalObjectReference{Name: *o.Secret}
		}
	}
	return nil
}

// Describe names a HelmRequest's chart for tables: repo/name, the URL, or the
// OCI repository.
func Describe(spec *v1.HelmRequestSpec) string {
	switch {
	case spec.Chart != "":
		return spec.Chart
	case spec.Source != nil && spec.Source.HTTP != nil:
		return spec.Source.HTTP.URL
	case spec.Source != nil && spec.Source.OCI != nil:
		return spec.Source.OCI.Repo
	}
	return ""
}
