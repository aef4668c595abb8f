package gitrepo_test

import (
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"

	"captain.io/captain/internal/testenv/testcharts"
	"captain.io/captain/pkg/gitrepo"
)

// Where charts are looked for: spec.git.path's folder when it is a chart,
// else its subfolders; by default the root when it is a chart, else the
// root's subfolders and those of charts/.
func TestChartFolders(t *testing.T) {
	cases := []struct {
		name   string
		charts []string // destination, testdata/charts folder
		path   string
		want   map[string][]string
	}{
		{"root and charts/", []string{"plain", "plain", "charts/versioned", "versioned-1.2.3", "charts/other", "versioned-1.3.0"},
			"", map[string][]string{"plain": {"0.1.0"}, "versioned": {"1.3.0", "1.2.3"}}},
		{"root chart only, not its subcharts", []string{".", "withdeps"},
			"", map[string][]string{"withdeps": {"0.1.0"}}},
		{"path of chart folders", []string{"deploy/a", "plain", "deploy/b", "hooks", "charts/versioned", "versioned-1.2.3"},
			"deploy", map[string][]string{"plain": {"0.1.0"}, "hooks": {"0.1.0"}}},
		{"path to one chart", []string{"deploy/a", "plain", "deploy/b", "hooks"},
			"deploy/b/", map[string][]string{"hooks": {"0.1.0"}}},
		{"path . is the root", []string{"a", "plain", "charts/versioned", "versioned-1.2.3"},
			".", map[string][]string{"plain": {"0.1.0"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			_, repo := newRepo(t, tc.charts...)
			snap := mustSync(t, gitrepo.NewRepos(""), gitrepo.Source{URL: repo.FileURL(), Path: tc.path}, nil)
			g.Expect(snap.Errors).To(BeEmpty())
			got := map[string][]string{}
			for _, ic := range snap.Index.Charts {
				got[ic.Name] = ic.VersionStrings()
			}
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

// A chart folder that does not load — an invalid Chart.yaml, a dependency
// not vendored, a symbolic link, a version another folder has — is an
// error of its own: the other charts are served, and a folder that loaded
// before keeps serving its last good chart.
func TestChartErrors(t *testing.T) {
	g := NewWithT(t)
	_, repo := newRepo(t, "charts/versioned", "versioned-1.2.3", "charts/plain", "plain")
	src := gitrepo.Source{URL: repo.FileURL()}
	rs := gitrepo.NewRepos("")
	good := mustSync(t, rs, src, nil)

	repo.WriteFile(t, "charts/versioned/Chart.yaml", "apiVersion: v2\nname: versioned\n")
	repo.CopyChart(t, testcharts.Path(t, "withdeps"), "charts/withdeps")
	repo.Remove(t, "charts/withdeps/charts/sub")
	repo.CopyChart(t, testcharts.Path(t, "hooks"), "charts/linked")
	if err := os.Symlink("../../plain/templates/service.yaml", filepath.Join(repo.Dir, "charts/linked/templates/linked.yaml")); err != nil {
		t.Fatal(err)
	}
	repo.CopyChart(t, testcharts.Path(t, "plain"), "charts/plain-copy")
	repo.Commit(t, "break things")
	bad := mustSync(t, rs, src, good)

	g.Expect(bad.Errors).To(Equal([]gitrepo.ChartError{
		{Folder: "charts/linked", Reason: gitrepo.ReasonInvalidChart, Message: "not a valid chart: templates/linked.yaml is a symbolic link; a chart in Git must hold its files"},
		{Folder: "charts/plain-copy", Reason: gitrepo.ReasonInvalidChart, Message: "chart plain version 0.1.0 is in another folder too"},
		{Folder: "charts/versioned", Reason: gitrepo.ReasonInvalidChart, Message: "not a valid chart: validation: chart.metadata.version is required"},
		{Folder: "charts/withdeps", Reason: gitrepo.ReasonDependencyNotVendored, Message: "dependency sub not vendored in charts/"},
	}))
	g.Expect(versions(bad, "plain")).To(Equal([]string{"0.1.0"}))
	g.Expect(versions(bad, "withdeps")).To(BeEmpty())
	old, _ := good.Chart("versioned", "1.2.3")
	kept, ok := bad.Chart("versioned", "1.2.3")
	g.Expect(ok).To(BeTrue(), "the last good chart of a broken folder stays")
	g.Expect(kept).To(BeIdenticalTo(old))

	restarted := mustSync(t, gitrepo.NewRepos(""), src, nil)
	g.Expect(versions(restarted, "versioned")).To(BeEmpty(), "a new process has no last good chart")
	g.Expect(restarted.Errors).To(HaveLen(4))
}

// .helmignore is honoured as Helm's loader honours it: ignored files are
// not in the chart, and a commit changing only them changes nothing.
func TestHelmIgnore(t *testing.T) {
	g := NewWithT(t)
	_, repo := newRepo(t, "charts/plain", "plain")
	repo.WriteFile(t, "charts/plain/.helmignore", "*.md\ndocs/\n")
	repo.WriteFile(t, "charts/plain/README.md", "read me\n")
	repo.WriteFile(t, "charts/plain/docs/guide.txt", "a guide\n")
	repo.Commit(t, "docs")
	src := gitrepo.Source{URL: repo.FileURL()}
	rs := gitrepo.NewRepos("")
	first := mustSync(t, rs, src, nil)
	ch, _ := first.Chart("plain", "0.1.0")
	for _, f := range ch.Chart.Raw {
		g.Expect(f.Name).NotTo(Or(Equal("README.md"), HavePrefix("docs/")))
	}
	g.Expect(ch.Chart.Templates).NotTo(BeEmpty())

	repo.WriteFile(t, "charts/plain/README.md", "read me again\n")
	repo.WriteFile(t, "charts/plain/docs/guide.txt", "another guide\n")
	repo.Commit(t, "ignored files only")
	second := mustSync(t, rs, src, first)
	g.Expect(second.Commit).NotTo(Equal(first.Commit))
	again, _ := second.Chart("plain", "0.1.0")
	g.Expect(again).To(BeIdenticalTo(ch))
}
