package gitrepo

import (
	"errors"
	"path"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"helm.sh/helm/v3/pkg/chartutil"
)

// defaultChartsDir is the folder of charts looked at besides the root when
// spec.git.path is empty.
const defaultChartsDir = "charts"

// cleanPath normalises spec.git.path to a slash-separated path relative to
// the repository root ("" for the default). It may not leave the root.
func cleanPath(p string) (string, error) {
	if p == "" {
		return "", nil
	}
	clean := path.Clean(strings.TrimLeft(p, "/")) // "." is the root
	if clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains(p, "\\") {
		return "", fail(ReasonInvalidPath, "spec.git.path", "%q must be a slash-separated folder inside the repository", p)
	}
	return clean, nil
}

// chartFolders lists the chart folders of root under dir (as cleanPath
// returns it): dir itself when it holds a Chart.yaml, else its subfolders
// that do. By default that is the root, or when the root is not a chart
// its subfolders and those of charts/.
func chartFolders(root *object.Tree, dir, commit string) ([]string, error) {
	if dir == "" {
		folders := foldersIn(root, "")
		if len(folders) == 1 && folders[0] == "" {
			return folders, nil
		}
		if charts, err := root.Tree(defaultChartsDir); err == nil {
			folders = append(folders, foldersIn(charts, defaultChartsDir)...)
		}
		if len(folders) == 0 {
			return nil, fail(ReasonNoCharts, "spec.git.path", "commit %s has no chart at the root or in %s/ (a chart folder holds a %s)", commit, defaultChartsDir, chartutil.ChartfileName)
		}
		return folders, nil
	}
	tree, base := root, ""
	if dir != "." {
		var err error
		if tree, err = root.Tree(dir); errors.Is(err, object.ErrDirectoryNotFound) {
			return nil, fail(ReasonPathNotFound, "spec.git.path", "commit %s has no folder %s", commit, dir)
		} else if err != nil {
			return nil, err
		}
		base = dir
	}
	folders := foldersIn(tree, base)
	if len(folders) == 0 {
		return nil, fail(ReasonNoCharts, "spec.git.path", "folder %s of commit %s holds no chart (a chart folder holds a %s)", dir, commit, chartutil.ChartfileName)
	}
	return folders, nil
}

// foldersIn is dir itself when tree (the folder dir) is a chart, else its
// subfolders that are.
func foldersIn(tree *object.Tree, dir string) []string {
	if isChart(tree) {
		return []string{dir}
	}
	var out []string
	for _, e := range tree.Entries {
		if e.Mode != filemode.Dir {
			continue
		}
		if sub, err := tree.Tree(e.Name); err == nil && isChart(sub) {
			out = append(out, path.Join(dir, e.Name))
		}
	}
	return out
}

func isChart(tree *object.Tree) bool {
	e, err := tree.FindEntry(chartutil.ChartfileName)
	return err == nil && e.Mode.IsFile()
}
