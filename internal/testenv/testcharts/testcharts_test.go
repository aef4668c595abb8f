package testcharts_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"
	"sigs.k8s.io/yaml"

	"captain.io/captain/internal/testenv/testcharts"
)

// object is one rendered Kubernetes object, as decoded YAML.
type object = map[string]any

type renderCase struct {
	name    string // subtest name; the folder's name if empty
	folder  string
	values  map[string]any
	wantErr string
	// want and wantHooks list the rendered objects as Kind/name; the release is named "test".
	want      []string
	wantHooks []string
	check     func(g Gomega, objs map[string]object)
}

var renderCases = []renderCase{
	{
		folder: "small",
		want:   []string{"ServiceAccount/test", "ConfigMap/test", "Secret/test", "Service/test", "Deployment/test", "Role/test", "RoleBinding/test"},
	},
	{
		folder: "plain",
		values: map[string]any{"replicaCount": 3, "config": map[string]any{"mode": "fast"}},
		want:   []string{"Deployment/test", "Service/test", "ConfigMap/test"},
		check: func(g Gomega, objs map[string]object) {
			g.Expect(objs["Deployment/test"]).To(HaveKeyWithValue("spec", HaveKeyWithValue("replicas", BeNumerically("==", 3))))
			g.Expect(objs["ConfigMap/test"]["data"]).To(Equal(map[string]any{"greeting": "hello", "mode": "fast"}))
		},
	},
	{
		// The SDK renders a library chart to nothing (only `helm install` refuses it).
		folder: "library",
	},
	{
		folder: "withdeps",
		want:   []string{"ConfigMap/test-parent", "ConfigMap/test-sub"},
		check: func(g Gomega, objs map[string]object) {
			g.Expect(labels(objs["ConfigMap/test-parent"])).To(HaveKeyWithValue("captain.io/from-library", "true"))
			g.Expect(objs["ConfigMap/test-sub"]["data"]).To(HaveKeyWithValue("greeting", "hello from the parent"))
		},
	},
	{
		name:   "withdeps/sub-disabled",
		folder: "withdeps",
		values: map[string]any{"sub": map[string]any{"enabled": false}},
		want:   []string{"ConfigMap/test-parent"},
	},
	{
		folder: "withcrd",
		want:   []string{"Widget/test"},
		check: func(g Gomega, objs map[string]object) {
			g.Expect(objs["Widget/test"]["spec"]).To(Equal(map[string]any{"size": float64(3), "color": "blue"}))
		},
	},
	{
		folder:    "hooks",
		want:      []string{"ConfigMap/test-main"},
		wantHooks: []string{"ConfigMap/test-pre", "ConfigMap/test-post"},
	},
	{
		folder: "removal-1.0.0",
		want:   []string{"ConfigMap/test-a", "ConfigMap/test-b", "ConfigMap/test-kept"},
		check: func(g Gomega, objs map[string]object) {
			g.Expect(annotations(objs["ConfigMap/test-kept"])).To(HaveKeyWithValue("helm.sh/resource-policy", "keep"))
		},
	},
	{
		folder: "removal-2.0.0",
		want:   []string{"ConfigMap/test-a"},
	},
	{
		folder: "orphans",
		want:   []string{"ConfigMap/test-base", "Deployment/test"},
	},
	{
		name:   "orphans/extra-and-kept",
		folder: "orphans",
		values: map[string]any{"extra": true, "kept": true},
		want:   []string{"ConfigMap/test-base", "Deployment/test", "ConfigMap/test-extra", "ConfigMap/test-kept"},
		check: func(g Gomega, objs map[string]object) {
			g.Expect(annotations(objs["ConfigMap/test-kept"])).To(HaveKeyWithValue("helm.sh/resource-policy", "keep"))
		},
	},
	{
		folder:  "failing",
		wantErr: "this chart always fails to render",
	},
	{
		folder: "schema",
		want:   []string{"ConfigMap/test"},
	},
	{
		name:    "schema/replicaCount-zero",
		folder:  "schema",
		values:  map[string]any{"replicaCount": 0},
		wantErr: "at '/replicaCount': minimum",
	},
	{
		name:    "schema/name-missing",
		folder:  "schema",
		values:  map[string]any{"name": nil},
		wantErr: "missing property 'name'",
	},
	versionedCase("1.2.3"),
	versionedCase("1.2.4"),
	versionedCase("1.3.0"),
	versionedCase("2.0.0-beta.1"),
}

func versionedCase(version string) renderCase {
	return renderCase{
		folder: "versioned-" + version,
		want:   []string{"ConfigMap/test"},
		check: func(g Gomega, objs map[string]object) {
			g.Expect(objs["ConfigMap/test"]["data"]).To(Equal(map[string]any{"chartVersion": version}))
		},
	}
}

func TestRender(t *testing.T) {
	for _, tc := range renderCases {
		name := tc.name
		if name == "" {
			name = tc.folder
		}
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			rel, err := render(testcharts.Load(t, tc.folder), tc.values)
			if tc.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
				t.Log(err)
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			objs := decode(g, rel.Manifest)
			g.Expect(objs).To(HaveLen(len(tc.want)))
			for _, want := range tc.want {
				g.Expect(objs).To(HaveKey(want))
			}
			g.Expect(hookNames(rel.Hooks)).To(ConsistOf(tc.wantHooks))
			if tc.check != nil {
				tc.check(g, objs)
			}
		})
	}
}

// TestEveryChartHasARenderCase keeps the table above in step with testdata/charts.
func TestEveryChartHasARenderCase(t *testing.T) {
	g := NewWithT(t)
	folders, err := testcharts.Folders(testcharts.Dir(t))
	g.Expect(err).NotTo(HaveOccurred())
	covered := map[string]bool{}
	for _, tc := range renderCases {
		covered[tc.folder] = true
	}
	for _, f := range folders {
		g.Expect(covered).To(HaveKey(filepath.Base(f)), "chart folder without a render case")
	}
}

// TestFolderNames checks that a folder is named <name> or <name>-<version>, which is what
// tests rely on to find a chart version.
func TestFolderNames(t *testing.T) {
	g := NewWithT(t)
	folders, err := testcharts.Folders(testcharts.Dir(t))
	g.Expect(err).NotTo(HaveOccurred())
	for _, f := range folders {
		md := testcharts.Load(t, filepath.Base(f)).Metadata
		g.Expect(filepath.Base(f)).To(BeElementOf(md.Name, md.Name+"-"+md.Version))
		g.Expect(md.APIVersion).To(Equal(chart.APIVersionV2))
	}
}

func TestLibraryType(t *testing.T) {
	NewWithT(t).Expect(testcharts.Load(t, "library").Metadata.Type).To(Equal("library"))
}

func TestWithCRDShipsItsCRD(t *testing.T) {
	g := NewWithT(t)
	crds := testcharts.Load(t, "withcrd").CRDObjects()
	g.Expect(crds).To(HaveLen(1))
	crd := decode(g, string(crds[0].File.Data))
	g.Expect(crd).To(HaveKey("CustomResourceDefinition/widgets.test.captain.io"))
}

// TestVendoredLibraryIsACopy guards the copy of library under withdeps/charts against drift.
func TestVendoredLibraryIsACopy(t *testing.T) {
	g := NewWithT(t)
	top := testcharts.Path(t, "library")
	vendored := filepath.Join(testcharts.Path(t, "withdeps"), "charts", "library")
	for _, name := range []string{"Chart.yaml", "templates/_labels.tpl"} {
		want, err := os.ReadFile(filepath.Join(top, name))
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(os.ReadFile(filepath.Join(vendored, name))).To(Equal(want), name)
	}
}

func TestPackage(t *testing.T) {
	g := NewWithT(t)
	archive, ch, err := testcharts.Package(testcharts.Path(t, "withdeps"), t.TempDir())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(filepath.Base(archive)).To(Equal("withdeps-0.1.0.tgz"))
	g.Expect(ch.Dependencies()).To(HaveLen(2))
}

// render does what `helm template` does: an install in client-only dry-run mode.
func render(ch *chart.Chart, values map[string]any) (*release.Release, error) {
	install := action.NewInstall(&action.Configuration{Log: func(string, ...any) {}})
	install.DryRun = true
	install.ClientOnly = true
	install.ReleaseName = "test"
	install.Namespace = "default"
	return install.Run(ch, values)
}

// decode returns the objects of a multi-document manifest keyed by Kind/name.
func decode(g Gomega, manifest string) map[string]object {
	objs := map[string]object{}
	for _, doc := range releaseutil.SplitManifests(manifest) {
		var obj object
		g.Expect(yaml.Unmarshal([]byte(doc), &obj)).To(Succeed())
		if obj == nil {
			continue
		}
		objs[fmt.Sprintf("%s/%s", obj["kind"], meta(obj)["name"])] = obj
	}
	return objs
}

func hookNames(hooks []*release.Hook) []string {
	names := []string{}
	for _, h := range hooks {
		names = append(names, h.Kind+"/"+h.Name)
	}
	return names
}

func meta(obj object) map[string]any {
	m, _ := obj["metadata"].(map[string]any)
	return m
}

func labels(obj object) map[string]any {
	l, _ := meta(obj)["labels"].(map[string]any)
	return l
}

func annotations(obj object) map[string]any {
	a, _ := meta(obj)["annotations"].(map[string]any)
	return a
}
