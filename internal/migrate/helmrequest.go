package migrate

import (
	"encoding/json"
	"regexp"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "captain.io/captain/api/v1alpha1"
)

// repoChart is the form captain.io's API accepts in spec.chart.
var repoChart = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[A-Za-z0-9][-A-Za-z0-9_.]*$`)

// alaudaKeyRef is a core/v1 ConfigMapKeySelector or SecretKeySelector, which
// Alauda Captain's valuesFrom used.
type alaudaKeyRef struct {
	Name     string `json:"name"`
	Key      string `json:"key,omitempty"`
	Optional *bool  `json:"optional,omitempty"`
}

type alaudaValuesFrom struct {
	ConfigMapKeyRef *alaudaKeyRef `json:"configMapKeyRef,omitempty"`
	SecretKeyRef    *alaudaKeyRef `json:"secretKeyRef,omitempty"`
}

// alaudaSource is app.alauda.io/v1's spec.source; secretRef is a name.
type alaudaSource struct {
	HTTP *struct {
		URL       string `json:"url"`
		SecretRef string `json:"secretRef,omitempty"`
	} `json:"http,omitempty"`
	OCI *struct {
		Repo      string `json:"repo"`
		SecretRef string `json:"secretRef,omitempty"`
	} `json:"oci,omitempty"`
}

// alaudaTargets is app.alauda.io/v1's spec.targetClusters.
type alaudaTargets struct {
	ClusterNames *struct {
		Names []string `json:"names"`
	} `json:"clusterNames,omitempty"`
	ClusterLabels *struct {
		LabelSelector map[string]string `json:"labelSelector"`
	} `json:"clusterLabels,omitempty"`
}

// helmRequest converts a HelmRequest. Its status is Captain's to rebuild.
func (c *converter) helmRequest(obj map[string]any) *v1.HelmRequest {
	hr := &v1.HelmRequest{
		TypeMeta:   metav1.TypeMeta{APIVersion: groupVersion, Kind: "HelmRequest"},
		ObjectMeta: c.objectMeta(obj),
	}
	spec, _ := obj["spec"].(map[string]any)
	s := &hr.Spec
	var source *alaudaSource
	var targets *alaudaTargets
	for _, key := range sortedKeys(spec) {
		val, field := spec[key], "spec."+key
		switch key {
		case "chart":
			c.decode(field, val, &s.Chart)
		case "version":
			c.decode(field, val, &s.Version)
		case "releaseName":
			c.decode(field, val, &s.ReleaseName)
		case "namespace":
			c.decode(field, val, &s.Namespace)
		case "clusterName":
			c.decode(field, val, &s.ClusterName)
		case "installToAllClusters":
			c.decode(field, val, &s.InstallToAllClusters)
		case "dependencies":
			c.decode(field, val, &s.Dependencies)
		case "values":
			s.Values = c.values(field, val)
		case "valuesFrom":
			s.ValuesFrom = c.valuesFrom(field, val)
		case "source":
			source = &alaudaSource{}
			c.decode(field, val, source)
		case "targetClusters":
			targets = &alaudaTargets{}
			c.decode(field, val, targets)
		default:
			c.warn(field, "dropped: Alauda Captain had no such field, so it did nothing there")
		}
	}
	c.source(s, source)
	c.targets(s, targets)
	if s.Chart == "" && s.Source == nil {
		c.fatal("spec.chart", "missing: a HelmRequest needs a chart (repo/name) or a source")
	} else if s.Chart != "" && !repoChart.MatchString(s.Chart) {
		c.fatal("spec.chart", "%q is not repo/name as captain.io requires (a lowercase ChartRepo name, a slash, the chart)", s.Chart)
	}
	return hr
}

func (c *converter) values(field string, val any) *apiextensionsv1.JSON {
	if val == nil {
		return nil
	}
	if _, ok := val.(map[string]any); !ok {
		c.fatal(field, "is not a map of values")
		return nil
	}
	b, err := json.Marshal(val)
	if err != nil {
		c.fatal(field, "cannot be encoded: %v", err)
		return nil
	}
	return &apiextensionsv1.JSON{Raw: b}
}

func (c *converter) valuesFrom(field string, val any) []v1.ValuesReference {
	var in []alaudaValuesFrom
	if !c.decode(field, val, &in) {
		return nil
	}
	out := make([]v1.ValuesReference, len(in))
	for i, ref := range in {
		if ref.ConfigMapKeyRef != nil {
			out[i].ConfigMapKeyRef = keyRef(ref.ConfigMapKeyRef)
		}
		if ref.SecretKeyRef != nil {
			out[i].SecretKeyRef = keyRef(ref.SecretKeyRef)
		}
	}
	return out
}

func keyRef(in *alaudaKeyRef) *v1.ValuesKeyRef {
	return &v1.ValuesKeyRef{Name: in.Name, Key: in.Key, Optional: in.Optional != nil && *in.Optional}
}

// source converts spec.source. Alauda Captain ignored spec.chart, and for an
// archive URL spec.version, when a source was set; captain.io refuses both.
func (c *converter) source(s *v1.HelmRequestSpec, in *alaudaSource) {
	if in == nil || (in.HTTP == nil && in.OCI == nil) {
		return
	}
	if s.Chart != "" {
		c.warn("spec.chart", "dropped: spec.source is set, and Alauda Captain ignored spec.chart then")
		s.Chart = ""
	}
	var secret string
	switch {
	case in.HTTP != nil:
		s.Source = &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: in.HTTP.URL}}
		secret = in.HTTP.SecretRef
		if s.Version != "" {
			c.warn("spec.version", "dropped: the URL in spec.source.http names the version")
			s.Version = ""
		}
	default:
		repo := in.OCI.Repo
		if !strings.HasPrefix(repo, "oci://") {
			c.warn("spec.source.oci.repo", "written as oci://%s, as captain.io requires", repo)
			repo = "oci://" + repo
		}
		s.Source = &v1.ChartSource{OCI: &v1.OCIChartSource{Repo: repo}}
		secret = in.OCI.SecretRef
	}
	if secret == "" {
		return
	}
	ref := &v1.LocalObjectReference{Name: secret}
	if s.Source.HTTP != nil {
		s.Source.HTTP.SecretRef = ref
	} else {
		s.Source.OCI.SecretRef = ref
	}
	c.warn("spec.source", "Secret %s must hold username and password (or token) keys, which captain.io reads", secret)
}

// targets converts app.alauda.io/v1's spec.targetClusters. captain.io
// targets one of: the local cluster, one named cluster, all clusters, or
// those a label selector matches.
func (c *converter) targets(s *v1.HelmRequestSpec, in *alaudaTargets) {
	if s.InstallToAllClusters && s.ClusterName != "" {
		c.warn("spec.clusterName", "dropped: spec.installToAllClusters is set, which Alauda Captain let win")
		s.ClusterName = ""
	}
	if in == nil {
		return
	}
	if in.ClusterNames != nil {
		switch names := in.ClusterNames.Names; {
		case len(names) > 1:
			c.fatal("spec.targetClusters.clusterNames", "captain.io targets one clusterName, all clusters, or a clusterSelector: label these %d clusters and select them with spec.clusterSelector", len(names))
		case len(names) == 1 && s.ClusterName != "" && s.ClusterName != names[0]:
			c.fatal("spec.targetClusters.clusterNames", "names %s, but spec.clusterName is %s", names[0], s.ClusterName)
		case len(names) == 1:
			s.ClusterName = names[0]
		}
	}
	if in.ClusterLabels != nil && len(in.ClusterLabels.LabelSelector) > 0 {
		s.ClusterSelector = &metav1.LabelSelector{MatchLabels: in.ClusterLabels.LabelSelector}
	}
	if s.ClusterSelector != nil && (s.ClusterName != "" || s.InstallToAllClusters) {
		c.fatal("spec.targetClusters", "selects clusters by labels and by name or all at once; captain.io takes one way of targeting")
	}
}
