package gitrepo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"

	"captain.io/captain/pkg/chartrepo"
)

// maxMessage bounds the commit message line kept in a status.
const maxMessage = 256

// take loads the charts of commit under path (cleaned) into a snapshot. A
// folder whose files are those of prev's is not loaded again: its chart,
// digest and source stay, so that HelmRequests see no change. A folder that
// fails to load keeps serving prev's chart, if any, next to the error.
func take(commit *object.Commit, tip plumbing.Hash, path, url string, prev *Snapshot) (*Snapshot, error) {
	root, err := commit.Tree()
	if err != nil {
		return nil, fail(ReasonCacheUnavailable, "spec.url", "reading commit %s of %s: %w", commit.Hash, url, err)
	}
	folders, err := chartFolders(root, path, commit.Hash.String())
	if err != nil {
		return nil, err
	}
	s := &Snapshot{Commit: commit.Hash.String(), Message: firstLine(commit.Message), tip: tip, path: path}
	for _, folder := range folders {
		l, cerr := load(root, folder, commit, url, prev)
		if cerr != nil {
			s.Errors = append(s.Errors, *cerr)
			l, _ = prev.folder(folder)
		}
		if l != nil {
			s.charts = append(s.charts, l)
		}
	}
	slices.SortFunc(s.charts, func(a, b *loaded) int { return strings.Compare(a.folder, b.folder) })
	s.index()
	return s, nil
}

func load(root *object.Tree, folder string, commit *object.Commit, url string, prev *Snapshot) (*loaded, *ChartError) {
	tree := root
	if folder != "" {
		var err error
		if tree, err = root.Tree(folder); err != nil {
			return nil, invalid(folder, err)
		}
	}
	files, err := chartFiles(tree)
	if err != nil {
		return nil, invalid(folder, err)
	}
	digest := filesDigest(files)
	if old, ok := prev.folder(folder); ok && old.chart.Digest == digest {
		return old, nil
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		return nil, invalid(folder, err)
	}
	if missing := notVendored(ch); len(missing) > 0 {
		return nil, &ChartError{Folder: folder, Reason: ReasonDependencyNotVendored,
			Message: fmt.Sprintf("dependency %s not vendored in charts/", strings.Join(missing, ", "))}
	}
	source := fmt.Sprintf("%s at commit %s, %s", url, commit.Hash, describeFolder(folder))
	return &loaded{
		folder: folder,
		chart:  &chartrepo.Chart{Chart: ch, Version: ch.Metadata.Version, Digest: digest, Source: source},
		entry:  entryOf(ch.Metadata, digest, commit),
	}, nil
}

func invalid(folder string, err error) *ChartError {
	return &ChartError{Folder: folder, Reason: ReasonInvalidChart, Message: fmt.Sprintf("not a valid chart: %v", err)}
}

func describeFolder(folder string) string {
	if folder == "" {
		return "the root folder"
	}
	return "folder " + folder
}

// notVendored lists the dependencies Chart.yaml names that charts/ lacks:
// Helm would refuse to install the chart. (They are not looked up in other
// repositories: a chart in Git is served as committed.)
func notVendored(ch *chart.Chart) []string {
	var missing []string
	for _, dep := range ch.Metadata.Dependencies {
		if !slices.ContainsFunc(ch.Dependencies(), func(sub *chart.Chart) bool { return sub.Name() == dep.Name }) {
			missing = append(missing, dep.Name)
		}
	}
	return missing
}

// filesDigest identifies a chart by its files, in the order Git lists them,
// which a commit fixes: the same files always give the same digest, as the
// archive's does for HTTP repositories.
func filesDigest(files []*loader.BufferedFile) string {
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00", f.Name, len(f.Data))
		h.Write(f.Data)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// entryOf is the index entry of a chart; it is created with the commit
// that brought its content.
func entryOf(md *chart.Metadata, digest string, commit *object.Commit) chartrepo.ChartVersion {
	return chartrepo.ChartVersion{
		Version: md.Version, AppVersion: md.AppVersion, Description: md.Description, Icon: md.Icon,
		KubeVersion: md.KubeVersion, Keywords: md.Keywords, Created: commit.Committer.When.UTC(),
		Digest: strings.TrimPrefix(digest, "sha256:"), Deprecated: md.Deprecated,
	}
}

// firstLine is a commit message's subject, bounded.
func firstLine(msg string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(msg), "\n")
	line = strings.TrimSpace(line)
	if len(line) > maxMessage {
		// Cutting may split a character, whose remains ToValidUTF8 drops.
		line = strings.ToValidUTF8(line[:maxMessage], "")
	}
	return line
}
