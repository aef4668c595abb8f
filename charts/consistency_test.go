package charts

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	"helm.sh/helm/v3/pkg/releaseutil"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

const (
	chartDir = "captain"
	// namespace is the one config/ deploys Captain in.
	namespace = "captain-system"
)

// kubeVersion is the Kubernetes the chart is rendered for (the tests' own).
var kubeVersion = &chartutil.KubeVersion{Version: "v1.37.1", Major: "1", Minor: "37"}

// The chart's CRDs are config/crd/bases, byte for byte.
func TestChartCRDsAreGenerated(t *testing.T) {
	want := dirFiles(t, "../config/crd/bases")
	got := dirFiles(t, filepath.Join(chartDir, "crds"))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("charts/captain/crds differ from config/crd/bases (-config +chart); copy them over:\n"+
			"  rm charts/captain/crds/*.yaml && cp config/crd/bases/*.yaml charts/captain/crds/\n%s", diff)
	}
}

// Rendered with the image config/manager names, the chart makes the objects
// of config/default, or of config/tenant in tenant mode (less the CRDs,
// which are in crds/, and the Namespace, which helm install
// --create-namespace makes): the same RBAC rules, bindings, admission policy
// and Deployment spec. Only labels may differ.
func TestChartMatchesConfig(t *testing.T) {
	for _, tc := range []struct {
		kustomization string
		tenantMode    bool
	}{
		{"../config/default", false},
		{"../config/tenant", true},
	} {
		t.Run(filepath.Base(tc.kustomization), func(t *testing.T) {
			want := map[string]map[string]any{}
			for _, o := range kustomize(t, tc.kustomization) {
				if k := o.GetKind(); k != "CustomResourceDefinition" && k != "Namespace" {
					want[objectName(o)] = essence(t, o)
				}
			}
			got := map[string]map[string]any{}
			for _, o := range render(t, map[string]any{
				"tenantMode": tc.tenantMode,
				"image":      map[string]any{"repository": "captain", "tag": "latest"},
			}) {
				got[objectName(o)] = essence(t, o)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("charts/captain renders other objects than %s (-config +chart):\n%s", tc.kustomization, diff)
			}
		})
	}
}

// The chart's values shape the Deployment as documented.
func TestChartValues(t *testing.T) {
	objs := render(t, map[string]any{
		"namespace":      "ops",
		"leaderElection": false,
		"replicas":       2,
		"chartCache":     map[string]any{"size": "2Gi", "volumeSizeLimit": "3Gi"},
		"extraArgs":      []any{"--requeue-interval=5m"},
	})
	var deploy *appsv1.Deployment
	for _, o := range objs {
		if o.GetKind() == "Deployment" {
			deploy = &appsv1.Deployment{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, deploy); err != nil {
				t.Fatal(err)
			}
		}
		if ns := o.GetNamespace(); ns != "" && ns != "ops" {
			t.Errorf("%s is in namespace %s, not the namespace value", objectName(o), ns)
		}
		if o.GetKind() == "ClusterRoleBinding" || o.GetKind() == "RoleBinding" {
			subjects, _, _ := unstructured.NestedSlice(o.Object, "subjects")
			if ns := subjects[0].(map[string]any)["namespace"]; ns != "ops" {
				t.Errorf("%s binds a ServiceAccount of namespace %v", objectName(o), ns)
			}
		}
	}
	if deploy == nil {
		t.Fatal("no Deployment rendered")
	}
	if *deploy.Spec.Replicas != 2 {
		t.Errorf("replicas %d, want 2", *deploy.Spec.Replicas)
	}
	c := deploy.Spec.Template.Spec.Containers[0]
	wantArgs := []string{
		"--namespace=ops", "--metrics-bind-address=:8080", "--health-probe-bind-address=:8081",
		"--chart-cache-dir=/var/cache/captain", "--chart-cache-size=2Gi", "--requeue-interval=5m",
	}
	if diff := cmp.Diff(wantArgs, c.Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	if c.Image != "captain:0.1.0" {
		t.Errorf("image %s, want the appVersion's captain:0.1.0", c.Image)
	}
	for _, v := range deploy.Spec.Template.Spec.Volumes {
		if v.Name == "chart-cache" && v.EmptyDir.SizeLimit.String() != "3Gi" {
			t.Errorf("chart cache sizeLimit %s, want 3Gi", v.EmptyDir.SizeLimit)
		}
	}
}

// helm lint finds nothing wrong, in either mode.
func TestChartLints(t *testing.T) {
	for _, tenant := range []bool{false, true} {
		linter := lint.AllWithKubeVersion(chartDir, map[string]any{"tenantMode": tenant}, namespace, kubeVersion)
		for _, m := range linter.Messages {
			if m.Severity >= support.WarningSev {
				t.Errorf("tenantMode=%v: %s", tenant, m)
			}
		}
	}
}

// render renders the chart as helm template would, into captain-system.
func render(t *testing.T, values map[string]any) []*unstructured.Unstructured {
	t.Helper()
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	caps := *chartutil.DefaultCapabilities
	caps.KubeVersion = *kubeVersion
	vals, err := chartutil.ToRenderValues(ch, values, chartutil.ReleaseOptions{Name: "captain", Namespace: namespace, IsInstall: true, Revision: 1}, &caps)
	if err != nil {
		t.Fatal(err)
	}
	files, err := engine.Render(ch, vals)
	if err != nil {
		t.Fatalf("rendering charts/captain: %v", err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	var objs []*unstructured.Unstructured
	for _, name := range names {
		if strings.HasSuffix(name, "NOTES.txt") {
			continue
		}
		for _, doc := range releaseutil.SplitManifests(files[name]) {
			obj := map[string]any{}
			if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(obj) > 0 {
				objs = append(objs, &unstructured.Unstructured{Object: obj})
			}
		}
	}
	return objs
}

// kustomize builds a kustomization the way kubectl apply -k does.
func kustomize(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), abs)
	if err != nil {
		t.Fatalf("kustomize %s: %v", dir, err)
	}
	var objs []*unstructured.Unstructured
	for _, r := range m.Resources() {
		b, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(b); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, obj)
	}
	return objs
}

func objectName(o *unstructured.Unstructured) string {
	if o.GetNamespace() == "" {
		return o.GetKind() + " " + o.GetName()
	}
	return o.GetKind() + " " + o.GetNamespace() + "/" + o.GetName()
}

// essence is an object without its labels and annotations, with numbers as
// JSON has them.
func essence(t *testing.T, o *unstructured.Unstructured) map[string]any {
	t.Helper()
	o = o.DeepCopy()
	o.SetLabels(nil)
	o.SetAnnotations(nil)
	b, err := json.Marshal(o.Object)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// dirFiles maps the names of the files in dir to their contents.
func dirFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}
