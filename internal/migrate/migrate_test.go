package migrate

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/yaml"
)

func TestConvert(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		// want is the converted objects as a YAML list; "" when none.
		want  string
		notes []string
	}{
		{
			name: "only the group changes for the documented fields",
			in: `apiVersion: app.alauda.io/v1alpha1
kind: HelmRequest
metadata: {name: web, namespace: apps, finalizers: [captain.alauda.io], labels: {a: b}}
spec:
  chart: stable/web
  version: "~1.2"
  releaseName: web
  namespace: web
  clusterName: ""
  installToAllClusters: false
  dependencies: [db]
  values: {replicas: 2}
  valuesFrom:
  - configMapKeyRef: {name: cm, key: v.yaml}
  - secretKeyRef: {name: s, optional: true}
status: {phase: Synced}`,
			want: `- apiVersion: captain.io/v1alpha1
  kind: HelmRequest
  metadata: {name: web, namespace: apps, labels: {a: b}}
  spec:
    chart: stable/web
    version: "~1.2"
    releaseName: web
    namespace: web
    dependencies: [db]
    values: {replicas: 2}
    valuesFrom:
    - configMapKeyRef: {name: cm, key: v.yaml}
    - secretKeyRef: {name: s, optional: true}`,
		},
		{
			name: "unknown fields and foreign finalizers are reported",
			in: `apiVersion: app.alauda.io/v1
kind: HelmRequest
metadata: {name: web, finalizers: [example.com/hold]}
spec: {chart: stable/web, atomic: true}`,
			want: `- {apiVersion: captain.io/v1alpha1, kind: HelmRequest, metadata: {name: web}, spec: {chart: stable/web}}`,
			notes: []string{
				"warning HelmRequest web: metadata.finalizers: example.com/hold dropped: no controller of captain.io objects removes it",
				"warning HelmRequest web: spec.atomic: dropped: Alauda Captain had no such field, so it did nothing there",
			},
		},
		{
			name: "one target cluster by name",
			in: `apiVersion: app.alauda.io/v1
kind: HelmRequest
metadata: {name: web}
spec: {chart: a/b, targetClusters: {clusterNames: {names: [east]}}}`,
			want: `- {apiVersion: captain.io/v1alpha1, kind: HelmRequest, metadata: {name: web}, spec: {chart: a/b, clusterName: east}}`,
		},
		{
			name: "a name and a selector at once",
			in: `apiVersion: app.alauda.io/v1
kind: HelmRequest
metadata: {name: web}
spec: {chart: a/b, clusterName: east, targetClusters: {clusterLabels: {labelSelector: {env: prod}}}}`,
			notes: []string{"error HelmRequest web: spec.targetClusters: selects clusters by labels and by name or all at once; captain.io takes one way of targeting"},
		},
		{
			name: "a name that contradicts clusterName",
			in: `apiVersion: app.alauda.io/v1
kind: HelmRequest
metadata: {name: web}
spec: {chart: a/b, clusterName: east, targetClusters: {clusterNames: {names: [west]}}}`,
			notes: []string{"error HelmRequest web: spec.targetClusters.clusterNames: names west, but spec.clusterName is east"},
		},
		{
			name: "no chart at all",
			in: `apiVersion: app.alauda.io/v1
kind: HelmRequest
metadata: {name: web}
spec: {version: 1.0.0}`,
			notes: []string{"error HelmRequest web: spec.chart: missing: a HelmRequest needs a chart (repo/name) or a source"},
		},
		{
			name: "values that are not a map",
			in: `apiVersion: app.alauda.io/v1
kind: HelmRequest
metadata: {name: web}
spec: {chart: a/b, values: [1, 2]}`,
			notes: []string{"error HelmRequest web: spec.values: is not a map of values"},
		},
		{
			name: "a field of the wrong shape",
			in: `apiVersion: app.alauda.io/v1
kind: HelmRequest
metadata: {name: web}
spec: {chart: a/b, dependencies: db}`,
			notes: []string{"error HelmRequest web: spec.dependencies: cannot be read: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go value of type []string"},
		},
		{
			name: "an oci:// chart repository",
			in: `apiVersion: app.alauda.io/v1beta1
kind: ChartRepo
metadata: {name: registry, namespace: captain}
spec: {url: "oci://registry.example/charts", type: Chart, source: {url: x}}`,
			want:  `- {apiVersion: captain.io/v1alpha1, kind: ChartRepo, metadata: {name: registry, namespace: captain}, spec: {type: oci, url: "oci://registry.example/charts"}}`,
			notes: []string{"warning ChartRepo captain/registry: spec.source: dropped: it describes Git and SVN repositories only"},
		},
		{
			name: "credentials in the URL",
			in: `apiVersion: app.alauda.io/v1alpha1
kind: ChartRepo
metadata: {name: private}
spec: {url: "https://me:pw@charts.example", secret: {name: creds}}`,
			want:  `- {apiVersion: captain.io/v1alpha1, kind: ChartRepo, metadata: {name: private}, spec: {type: http, url: "https://me:pw@charts.example", secretRef: {name: creds}}}`,
			notes: []string{"warning ChartRepo private: spec.url: holds credentials: move them into the Secret of spec.secretRef (username, password) and out of the URL"},
		},
		{
			name: "Git without its repository",
			in: `apiVersion: app.alauda.io/v1beta1
kind: ChartRepo
metadata: {name: charts}
spec: {url: "http://chartmuseum/charts", type: Git}`,
			notes: []string{"error ChartRepo charts: spec.source.url: missing: a Git ChartRepo needs the Git repository's URL"},
		},
		{
			name: "a dot in a ChartRepo's name",
			in: `apiVersion: app.alauda.io/v1alpha1
kind: ChartRepo
metadata: {name: charts.example}
spec: {url: "https://charts.example"}`,
			notes: []string{`error ChartRepo charts.example: metadata.name: "charts.example" has a dot, which captain.io refuses (Chart objects are named <chart>.<repo>); rename it, and the repo/ part of spec.chart in its HelmRequests`},
		},
		{
			name: "Releases are left out, kinds captain.io lacks are refused",
			in: `apiVersion: app.alauda.io/v1alpha1
kind: Release
metadata: {name: web.v1}
---
apiVersion: app.alauda.io/v1
kind: Application
metadata: {name: shop}`,
			notes: []string{
				"warning Release web.v1: kind: left out: releases are kept by Helm in Secrets, where Captain finds them",
				"error Application shop: kind: captain.io has no equivalent",
			},
		},
		{
			name: "lists are flattened; other objects pass as they are",
			in: `apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: values}, data: {a: b}}
- {apiVersion: app.alauda.io/v1alpha1, kind: ChartRepo, metadata: {name: stable}, spec: {url: "https://charts.example"}}`,
			want: `- {apiVersion: v1, kind: ConfigMap, metadata: {name: values}, data: {a: b}}
- {apiVersion: captain.io/v1alpha1, kind: ChartRepo, metadata: {name: stable}, spec: {type: http, url: "https://charts.example"}}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			res, err := Convert(strings.NewReader(tc.in))
			g.Expect(err).NotTo(HaveOccurred())
			notes := []string{}
			for _, n := range res.Notes {
				level := "warning "
				if n.Fatal {
					level = "error "
				}
				notes = append(notes, level+n.String())
			}
			g.Expect(notes).To(Equal(append([]string{}, tc.notes...)))
			g.Expect(res.Fatal()).To(Equal(tc.want == "" && len(tc.notes) > 0))
			if tc.want == "" {
				g.Expect(res.Objects).To(BeEmpty())
				return
			}
			got, err := yaml.Marshal(res.Objects)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(string(got)).To(MatchYAML(tc.want))
		})
	}
}

func TestConvertRefusesBrokenYAML(t *testing.T) {
	_, err := Convert(strings.NewReader("kind: HelmRequest\n---\nspec: [\n"))
	NewWithT(t).Expect(err).To(MatchError(ContainSubstring("document 2")))
}
