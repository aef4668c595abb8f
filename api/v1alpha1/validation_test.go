package v1alpha1_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
)

func helmRequest(name string, mutate func(*v1.HelmRequestSpec)) *v1.HelmRequest {
	hr := &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       v1.HelmRequestSpec{Chart: "demo/plain"},
	}
	if mutate != nil {
		mutate(&hr.Spec)
	}
	return hr
}

func chartRepo(name string, mutate func(*v1.ChartRepoSpec)) *v1.ChartRepo {
	r := &v1.ChartRepo{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       v1.ChartRepoSpec{Type: v1.RepoHTTP, URL: "https://charts.example"},
	}
	if mutate != nil {
		mutate(&r.Spec)
	}
	return r
}

func configMapRef(name string) *v1.ValuesKeyRef { return &v1.ValuesKeyRef{Name: name} }

// Each rule that can be checked statically rejects a bad object at admission,
// with a message that names the field.
func TestAdmissionRejectsBadObjects(t *testing.T) {
	cases := []struct {
		name string
		obj  client.Object
		// field is the path the API server's message must start the error
		// with, when the rule's scope allows one; message is what it must say
		// (and names the field itself when field is empty).
		field, message string
	}{
		{"chart not repo/name", helmRequest("bad-chart", func(s *v1.HelmRequestSpec) { s.Chart = "nginx" }),
			"spec.chart", "must be of the form <repo>/<chart>"},
		{"neither chart nor source", helmRequest("no-chart", func(s *v1.HelmRequestSpec) { s.Chart = "" }),
			"spec", "exactly one of spec.chart (repo/name) or spec.source must be set"},
		{"chart and source", helmRequest("two-charts", func(s *v1.HelmRequestSpec) {
			s.Source = &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: "https://x.example/c.tgz"}}
		}), "spec", "exactly one of spec.chart (repo/name) or spec.source must be set"},
		{"source with http and oci", helmRequest("two-sources", func(s *v1.HelmRequestSpec) {
			s.Chart = ""
			s.Source = &v1.ChartSource{
				HTTP: &v1.HTTPChartSource{URL: "https://x.example/c.tgz"},
				OCI:  &v1.OCIChartSource{Repo: "oci://x.example/c"},
			}
		}), "spec.source", "exactly one of spec.source.http or spec.source.oci must be set"},
		{"http source not http", helmRequest("ftp-source", func(s *v1.HelmRequestSpec) {
			s.Chart = ""
			s.Source = &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: "ftp://x.example/c.tgz"}}
		}), "spec.source.http.url", "must be an http:// or https:// URL"},
		{"oci source not oci", helmRequest("https-oci", func(s *v1.HelmRequestSpec) {
			s.Chart = ""
			s.Source = &v1.ChartSource{OCI: &v1.OCIChartSource{Repo: "https://x.example/c"}}
		}), "spec.source.oci.repo", "must be an oci:// reference"},
		{"valuesFrom with both refs", helmRequest("both-refs", func(s *v1.HelmRequestSpec) {
			s.ValuesFrom = []v1.ValuesReference{{ConfigMapKeyRef: configMapRef("a"), SecretKeyRef: configMapRef("b")}}
		}), "spec.valuesFrom[0]", "exactly one of configMapKeyRef or secretKeyRef must be set"},
		{"valuesFrom with no ref", helmRequest("no-ref", func(s *v1.HelmRequestSpec) {
			s.ValuesFrom = []v1.ValuesReference{{ConfigMapKeyRef: configMapRef("a")}, {}}
		}), "spec.valuesFrom[1]", "exactly one of configMapKeyRef or secretKeyRef must be set"},
		{"overlay valuesFrom with both refs", helmRequest("overlay-both-refs", func(s *v1.HelmRequestSpec) {
			s.Overlays = []v1.Overlay{{Name: "prod", Environment: "prod", ValuesFrom: []v1.ValuesReference{
				{ConfigMapKeyRef: configMapRef("a"), SecretKeyRef: configMapRef("b")},
			}}}
		}), "spec.overlays[0].valuesFrom[0]", "exactly one of configMapKeyRef or secretKeyRef must be set"},
		{"overlay matching nothing", helmRequest("overlay-nothing", func(s *v1.HelmRequestSpec) {
			s.Overlays = []v1.Overlay{{Name: "all"}}
		}), "spec.overlays[0]", "an overlay needs environment or clusterSelector"},
		{"clusterName with installToAllClusters", helmRequest("two-targets", func(s *v1.HelmRequestSpec) {
			s.ClusterName = "prod"
			s.InstallToAllClusters = true
		}), "spec", "spec.clusterName, spec.installToAllClusters and spec.clusterSelector are mutually exclusive"},
		{"installToAllClusters with clusterSelector", helmRequest("selector-and-all", func(s *v1.HelmRequestSpec) {
			s.InstallToAllClusters = true
			s.ClusterSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}
		}), "spec", "mutually exclusive"},
		{"releaseName of 54 characters", helmRequest("long-release", func(s *v1.HelmRequestSpec) {
			s.ReleaseName = strings.Repeat("a", 54)
		}), "spec.releaseName", "may not be more than 53"},
		{"releaseName not a DNS label", helmRequest("odd-release", func(s *v1.HelmRequestSpec) {
			s.ReleaseName = "My_Release"
		}), "spec.releaseName", "should match"},
		{"object name of 54 characters as release name", helmRequest(strings.Repeat("b", 54), nil),
			"spec.releaseName", "is required when metadata.name is longer than 53 characters"},
		{"object name with dots as release name", helmRequest("web.v2", nil),
			"spec.releaseName", "is required when metadata.name is not a DNS label"},
		{"release namespace not a DNS label", helmRequest("odd-namespace", func(s *v1.HelmRequestSpec) {
			s.Namespace = "Apps"
		}), "spec.namespace", "should match"},
		{"unknown crds policy", helmRequest("bad-crds", func(s *v1.HelmRequestSpec) { s.CRDs = "Upgrade" }),
			"spec.crds", `supported values: "Skip", "Create", "CreateReplace"`},
		{"unknown drift mode", helmRequest("bad-drift", func(s *v1.HelmRequestSpec) {
			s.DriftDetection = &v1.DriftDetectionSpec{Mode: "Fix"}
		}), "spec.driftDetection.mode", `supported values: "Disabled", "Warn", "Correct"`},
		{"drift ignore path not a JSON pointer", helmRequest("bad-pointer", func(s *v1.HelmRequestSpec) {
			s.DriftDetection = &v1.DriftDetectionSpec{Ignore: []v1.DriftIgnoreRule{{Paths: []string{"spec.replicas"}}}}
		}), "spec.driftDetection.ignore[0].paths[0]", "should match '^/'"},
		{"negative maxHistory", helmRequest("bad-history", func(s *v1.HelmRequestSpec) {
			s.MaxHistory = ptr(-1)
		}), "spec.maxHistory", "should be greater than or equal to 0"},
		{"oci repo with an https URL", chartRepo("oci-https", func(s *v1.ChartRepoSpec) { s.Type = v1.RepoOCI }),
			"spec", "spec.url must be an oci:// reference when spec.type is oci"},
		{"http repo with an oci URL", chartRepo("http-oci", func(s *v1.ChartRepoSpec) { s.URL = "oci://x.example/charts" }),
			"spec", "spec.url must be an http:// or https:// URL when spec.type is http"},
		{"git settings on an http repo", chartRepo("http-git", func(s *v1.ChartRepoSpec) { s.Git = &v1.GitSpec{Path: "charts"} }),
			"spec", "spec.git is only valid when spec.type is git"},
		{"plainHTTP on an http repo", chartRepo("http-plain", func(s *v1.ChartRepoSpec) { s.PlainHTTP = true }),
			"spec", "spec.plainHTTP is only valid when spec.type is oci"},
		{"git ref with branch and tag", chartRepo("two-refs", func(s *v1.ChartRepoSpec) {
			s.Type, s.URL = v1.RepoGit, "https://git.example/charts.git"
			s.Git = &v1.GitSpec{Ref: &v1.GitRef{Branch: "main", Tag: "v1"}}
		}), "spec.git.ref", "takes only one of branch, tag, semver or commit"},
		{"unknown repo type", chartRepo("svn", func(s *v1.ChartRepoSpec) { s.Type = "svn" }),
			"spec.type", `supported values: "http", "oci", "git"`},
		{"repo name with a dot", chartRepo("my.repo", nil),
			"", "metadata.name of a ChartRepo must not contain dots"},
		{"cluster named local", &v1.Cluster{
			ObjectMeta: metav1.ObjectMeta{Name: "local"},
			Spec:       v1.ClusterSpec{KubeconfigSecretRef: v1.SecretKeyReference{Name: "local-kubeconfig"}},
		}, "", `metadata.name "local" is reserved`},
		{"cluster without a kubeconfig Secret", &v1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "no-secret"}},
			"spec.kubeconfigSecretRef.name", "should be at least 1 chars long"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			err := controlPlane.Client.Create(context.Background(), tc.obj)
			g.Expect(err).To(HaveOccurred(), "the API server accepted a bad object")
			if tc.field != "" {
				g.Expect(err.Error()).To(ContainSubstring(tc.field+": "), "the message names the field")
			}
			g.Expect(err.Error()).To(ContainSubstring(tc.message))
		})
	}
}

// A minimal HelmRequest is accepted and gets the documented defaults.
func TestAdmissionDefaults(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	hr := helmRequest("defaults", func(s *v1.HelmRequestSpec) {
		s.ValuesFrom = []v1.ValuesReference{{ConfigMapKeyRef: configMapRef("web-values")}}
		s.Values = &apiextensionsv1.JSON{Raw: []byte(`{"replicaCount":2,"nested":{"list":[1,2]}}`)}
		s.DriftDetection = &v1.DriftDetectionSpec{}
	})
	g.Expect(controlPlane.Client.Create(ctx, hr)).To(Succeed())

	var got v1.HelmRequest
	g.Expect(controlPlane.Client.Get(ctx, client.ObjectKeyFromObject(hr), &got)).To(Succeed())
	g.Expect(got.Spec.Timeout.Duration).To(Equal(5 * time.Minute))
	g.Expect(*got.Spec.MaxHistory).To(Equal(10))
	g.Expect(got.Spec.CRDs).To(Equal(v1.CRDsCreate))
	g.Expect(got.Spec.ValuesFrom[0].ConfigMapKeyRef.Key).To(Equal("values.yaml"))
	g.Expect(got.Spec.DriftDetection.Mode).To(Equal(v1.DriftDisabled))
	g.Expect(string(got.Spec.Values.Raw)).To(MatchJSON(`{"replicaCount":2,"nested":{"list":[1,2]}}`))
	g.Expect(got.ReleaseName()).To(Equal("defaults"))
	g.Expect(got.ReleaseNamespace()).To(Equal("default"))

	repo := chartRepo("defaults", nil)
	g.Expect(controlPlane.Client.Create(ctx, repo)).To(Succeed())
	g.Expect(repo.Spec.Interval.Duration).To(Equal(10 * time.Minute))
	g.Expect(repo.Spec.Timeout.Duration).To(Equal(time.Minute))

	cluster := &v1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: "defaults"},
		Spec:       v1.ClusterSpec{KubeconfigSecretRef: v1.SecretKeyReference{Name: "defaults-kubeconfig"}},
	}
	g.Expect(controlPlane.Client.Create(ctx, cluster)).To(Succeed())
	g.Expect(cluster.Spec.KubeconfigSecretRef.Key).To(Equal("value"))
}

func ptr[T any](v T) *T { return &v }

// The release's identity cannot change under a HelmRequest: the old release
// would be left behind. Other spec fields can.
func TestAdmissionKeepsReleaseIdentity(t *testing.T) {
	cases := []struct {
		name    string
		initial func(*v1.HelmRequestSpec)
		change  func(*v1.HelmRequestSpec)
		message string
	}{
		{"releaseName changed", func(s *v1.HelmRequestSpec) { s.ReleaseName = "one" },
			func(s *v1.HelmRequestSpec) { s.ReleaseName = "two" }, "spec.releaseName: Invalid value"},
		{"releaseName set later", nil,
			func(s *v1.HelmRequestSpec) { s.ReleaseName = "two" }, "spec.releaseName cannot change"},
		{"namespace changed", func(s *v1.HelmRequestSpec) { s.Namespace = "one" },
			func(s *v1.HelmRequestSpec) { s.Namespace = "two" }, "spec.namespace cannot change"},
		{"namespace dropped", func(s *v1.HelmRequestSpec) { s.Namespace = "one" },
			func(s *v1.HelmRequestSpec) { s.Namespace = "" }, "spec.namespace cannot change"},
		{"version changed", nil, func(s *v1.HelmRequestSpec) { s.Version = "~1.2" }, ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := context.Background()
			hr := helmRequest(fmt.Sprintf("identity-%d", i), tc.initial)
			g.Expect(controlPlane.Client.Create(ctx, hr)).To(Succeed())
			t.Cleanup(func() { _ = controlPlane.Client.Delete(ctx, hr) })
			tc.change(&hr.Spec)
			err := controlPlane.Client.Update(ctx, hr)
			if tc.message == "" {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(err).To(MatchError(ContainSubstring(tc.message)))
		})
	}
}
