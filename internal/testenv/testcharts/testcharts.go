// Package testcharts locates the small Helm charts under testdata/charts that Captain's tests
// render, install, serve over HTTP and push to an OCI registry, and packages them the way a
// chart repository would.
//
// Chart folders are named after the chart, or <name>-<version> where a test needs several
// versions of one chart (removal-1.0.0, versioned-1.2.3, ...).
package testcharts

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"

	"captain.io/captain/internal/testenv"
)

// relDir is where the charts live, relative to the module root.
const relDir = "testdata/charts"

// Dir returns the absolute path of testdata/charts. The module root is found by walking up
// from the working directory to go.mod, so any package's test can call it.
func Dir(tb testing.TB) string {
	tb.Helper()
	dir, err := findDir()
	if err != nil {
		tb.Fatalf("testcharts: %v", err)
	}
	return dir
}

// Path returns the absolute path of one chart folder, such as "plain" or "versioned-1.2.3".
func Path(tb testing.TB, folder string) string {
	tb.Helper()
	p := filepath.Join(Dir(tb), folder)
	if !isChart(p) {
		tb.Fatalf("testcharts: no chart folder %q in %s", folder, filepath.Dir(p))
	}
	return p
}

// Load loads one chart folder, such as "plain", with the Helm SDK.
func Load(tb testing.TB, folder string) *chart.Chart {
	tb.Helper()
	ch, err := loader.LoadDir(Path(tb, folder))
	if err != nil {
		tb.Fatalf("testcharts: loading %s: %v", folder, err)
	}
	return ch
}

// Folders returns the absolute paths of the chart folders (those holding a Chart.yaml)
// directly inside dir, sorted by name.
func Folders(dir string) ([]string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("listing charts in %s: %w", dir, err)
	}
	var folders []string
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if !e.IsDir() || !isChart(p) {
			continue
		}
		folders = append(folders, p)
	}
	sort.Strings(folders)
	return folders, nil
}

func isChart(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, chartutil.ChartfileName))
	return err == nil
}

// Package saves the chart in chartDir, vendored subcharts included, as the archive
// <name>-<version>.tgz in destDir, and returns the archive's path and the loaded chart.
func Package(chartDir, destDir string) (string, *chart.Chart, error) {
	ch, err := loader.LoadDir(chartDir)
	if err != nil {
		return "", nil, fmt.Errorf("loading chart %s: %w", chartDir, err)
	}
	archive, err := chartutil.Save(ch, destDir)
	if err != nil {
		return "", nil, fmt.Errorf("packaging chart %s: %w", chartDir, err)
	}
	return archive, ch, nil
}

func findDir() (string, error) {
	root, err := testenv.ModuleRoot()
	if err != nil {
		return "", err
	}
	charts := filepath.Join(root, relDir)
	if _, err := os.Stat(charts); err != nil {
		return "", fmt.Errorf("module root %s has no %s: %w", root, relDir, err)
	}
	return charts, nil
}

// Selection picks the chart folders a test repository serves: exactly
// Folders once Set, else every chart folder of Dir (testdata/charts when
// empty).
type Selection struct {
	Dir     string
	Folders []string
	Set     bool
}

// Resolve lists the selected folders.
func (s Selection) Resolve(tb testing.TB) ([]string, error) {
	if s.Set {
		return s.Folders, nil
	}
	dir := s.Dir
	if dir == "" {
		dir = Dir(tb)
	}
	return Folders(dir)
}
