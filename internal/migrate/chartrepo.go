package migrate

import (
	"net/url"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "captain.io/captain/api/v1alpha1"
)

// alaudaChartRepoSpec is app.alauda.io's ChartRepo spec over its versions.
type alaudaChartRepoSpec struct {
	URL    string `json:"url"`
	Type   string `json:"type,omitempty"`
	Secret *struct {
		Name      string `json:"name,omitempty"`
		Namespace string `json:"namespace,omitempty"`
	} `json:"secret,omitempty"`
	// Source is where a Git or SVN repository's charts came from; URL was
	// then the chart repository Alauda Captain built from them.
	Source *struct {
		URL  string `json:"url"`
		Path string `json:"path,omitempty"`
	} `json:"source,omitempty"`
}

// chartRepo converts a ChartRepo. Alauda's types were Chart (an HTTP index),
// Git, SVN and Local (a repository Captain shipped).
func (c *converter) chartRepo(obj map[string]any) *v1.ChartRepo {
	repo := &v1.ChartRepo{
		TypeMeta:   metav1.TypeMeta{APIVersion: groupVersion, Kind: "ChartRepo"},
		ObjectMeta: c.objectMeta(obj),
	}
	spec, _ := obj["spec"].(map[string]any)
	for _, key := range sortedKeys(spec) {
		switch key {
		case "url", "type", "secret", "source":
		default:
			c.warn("spec."+key, "dropped: Alauda Captain had no such field, so it did nothing there")
			delete(spec, key)
		}
	}
	var in alaudaChartRepoSpec
	if !c.decode("spec", spec, &in) {
		return nil
	}
	if strings.Contains(repo.Name, ".") {
		c.fatal("metadata.name", "%q has a dot, which captain.io refuses (Chart objects are named <chart>.<repo>); rename it, and the repo/ part of spec.chart in its HelmRequests", repo.Name)
	}
	c.repoLocation(&repo.Spec, &in)
	c.repoSecret(&repo.Spec, &in, repo.Namespace)
	return repo
}

func (c *converter) repoLocation(s *v1.ChartRepoSpec, in *alaudaChartRepoSpec) {
	switch in.Type {
	case "", "Chart":
		s.Type, s.URL = v1.RepoHTTP, in.URL
		if strings.HasPrefix(in.URL, "oci://") {
			s.Type = v1.RepoOCI
		}
		if in.Source != nil {
			c.warn("spec.source", "dropped: it describes Git and SVN repositories only")
		}
	case "Git":
		if in.Source == nil || in.Source.URL == "" {
			c.fatal("spec.source.url", "missing: a Git ChartRepo needs the Git repository's URL")
			return
		}
		s.Type, s.URL = v1.RepoGit, in.Source.URL
		if p := strings.Trim(in.Source.Path, "/"); p != "" {
			s.Git = &v1.GitSpec{Path: p}
		}
		c.warn("spec.url", "dropped: captain.io reads the charts from the Git repository in spec.source.url itself")
	default:
		c.fatal("spec.type", "%s repositories have no captain.io equivalent; serve the charts from an HTTP or OCI repository", in.Type)
		return
	}
	if u, err := url.Parse(s.URL); err == nil && u.User != nil {
		c.warn("spec.url", "holds credentials: move them into the Secret of spec.secretRef (username, password) and out of the URL")
	}
}

// repoSecret carries spec.secret over. captain.io reads Secrets only from
// the ChartRepo's own namespace.
func (c *converter) repoSecret(s *v1.ChartRepoSpec, in *alaudaChartRepoSpec, namespace string) {
	if in.Secret == nil || in.Secret.Name == "" {
		return
	}
	if ns := in.Secret.Namespace; ns != "" && ns != namespace {
		c.fatal("spec.secret.namespace", "Secret %s/%s is in another namespace; captain.io reads the ChartRepo's own: copy the Secret into %s", ns, in.Secret.Name, namespace)
		return
	}
	s.SecretRef = &v1.LocalObjectReference{Name: in.Secret.Name}
}
