package gitrepo

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/go-git/go-git/v5/plumbing"

	"captain.io/captain/pkg/chartrepo"
)

// Snapshot is the charts of one commit of a repository. It is shared by
// every caller: treat it as read-only.
type Snapshot struct {
	Commit  string // SHA of the commit
	Message string // first line of its message
	// Index lists the charts in the form HTTP and OCI repositories have.
	// Its Digest changes with the commit, the path and any chart's content.
	Index *chartrepo.Index
	// Errors are the chart folders that did not load, by folder. A folder
	// that loaded at an earlier commit keeps serving that chart meanwhile.
	Errors []ChartError

	tip    plumbing.Hash // what the ref pointed at: the commit, or an annotated tag
	path   string        // spec.git.path, cleaned
	charts []*loaded     // by folder
}

// ChartError is a chart folder that did not load.
type ChartError struct {
	Folder  string // "" for the repository root
	Reason  string // ReasonInvalidChart or ReasonDependencyNotVendored
	Message string
}

// loaded is a chart folder as loaded at some commit.
type loaded struct {
	folder string
	chart  *chartrepo.Chart
	entry  chartrepo.ChartVersion
}

// Chart returns a version of a chart of the snapshot.
func (s *Snapshot) Chart(name, version string) (*chartrepo.Chart, bool) {
	for _, l := range s.charts {
		if l.chart.Chart.Name() == name && l.chart.Version == version {
			return l.chart, true
		}
	}
	return nil, false
}

// at says whether s is what tip and path give: then there is nothing to do.
func (s *Snapshot) at(tip plumbing.Hash, path string) bool {
	return s != nil && s.tip == tip && s.path == path
}

// pins says whether s was taken at the commit sha, full or abbreviated,
// which never changes.
func (s *Snapshot) pins(sha, path string) bool {
	return s != nil && sha != "" && s.path == path && strings.HasPrefix(s.Commit, strings.ToLower(sha))
}

// folder returns the chart that folder held in s.
func (s *Snapshot) folder(folder string) (*loaded, bool) {
	if s == nil {
		return nil, false
	}
	i, ok := slices.BinarySearchFunc(s.charts, folder, func(l *loaded, f string) int { return strings.Compare(l.folder, f) })
	if !ok {
		return nil, false
	}
	return s.charts[i], true
}

// index lists s's charts by name, versions newest first. Two folders with
// the same chart version keep the first, and the second is an error.
func (s *Snapshot) index() {
	byName := map[string]*chartrepo.IndexChart{}
	var kept []*loaded
	for _, l := range s.charts {
		name := l.chart.Chart.Name()
		ic, ok := byName[name]
		if !ok {
			ic = &chartrepo.IndexChart{Name: name}
			byName[name] = ic
		}
		if _, dup := ic.Version(l.entry.Version); dup {
			s.Errors = append(s.Errors, ChartError{Folder: l.folder, Reason: ReasonInvalidChart,
				Message: fmt.Sprintf("chart %s version %s is in another folder too", name, l.entry.Version)})
			continue
		}
		ic.Versions = append(ic.Versions, l.entry)
		kept = append(kept, l)
	}
	s.charts = kept
	s.Index = &chartrepo.Index{Digest: s.digest()}
	for _, ic := range byName {
		slices.SortFunc(ic.Versions, newestFirst)
		s.Index.Charts = append(s.Index.Charts, *ic)
	}
	slices.SortFunc(s.Index.Charts, func(a, b chartrepo.IndexChart) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(s.Errors, func(a, b ChartError) int { return strings.Compare(a.Folder, b.Folder) })
}

// newestFirst orders versions by semver, descending; Helm's loader has
// checked they are semver.
func newestFirst(a, b chartrepo.ChartVersion) int {
	va, erra := semver.NewVersion(a.Version)
	vb, errb := semver.NewVersion(b.Version)
	if erra != nil || errb != nil {
		return cmp.Compare(b.Version, a.Version)
	}
	return vb.Compare(va)
}

// digest identifies what HelmRequests can get from s: the commit and path,
// and each chart's content, since a folder that failed to load keeps the
// chart of an earlier commit.
func (s *Snapshot) digest() string {
	h := sha256.New()
	fmt.Fprintf(h, "git\n%s\n%s\n", s.Commit, s.path)
	for _, l := range s.charts {
		fmt.Fprintf(h, "%s\x00%s\x00%s\n", l.folder, l.entry.Version, l.chart.Digest)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
