package chartrepo

import (
	"slices"
	"strings"
	"time"
)

// Index is a chart repository's index in compact form: only what version
// resolution and Chart objects need. An Index may be shared by every caller
// that fetched the same index file: treat it as read-only.
type Index struct {
	Digest string       // "sha256:<hex>" of the index file's bytes
	Charts []IndexChart // sorted by name
	// Skipped counts the chart versions left out: those Helm leaves out too
	// (no valid name, semver version or type) and repeats of a version.
	Skipped int
}

// IndexChart is one chart of an Index.
type IndexChart struct {
	Name string
	// Versions are newest first by semver; versions that are not valid
	// semver are dropped, and of two entries with the same version string
	// the first listed is kept.
	Versions []ChartVersion
}

// ChartVersion is one version of a chart as its repository's index lists it.
type ChartVersion struct {
	Version     string
	AppVersion  string
	Description string
	Icon        string
	KubeVersion string
	Keywords    []string
	Created     time.Time // in UTC; zero if the index has none
	Digest      string    // the index's digest field (hex sha256 of the archive), may be empty
	URLs        []string  // as in the index: absolute or relative to the repository URL
	Deprecated  bool
}

// Chart returns the chart called name.
func (ix *Index) Chart(name string) (*IndexChart, bool) {
	i, ok := slices.BinarySearchFunc(ix.Charts, name, func(c IndexChart, name string) int {
		return strings.Compare(c.Name, name)
	})
	if !ok {
		return nil, false
	}
	return &ix.Charts[i], true
}

// VersionStrings lists the version strings, newest first, for ResolveVersion.
func (c *IndexChart) VersionStrings() []string {
	versions := make([]string, len(c.Versions))
	for i := range c.Versions {
		versions[i] = c.Versions[i].Version
	}
	return versions
}

// Version returns the entry of one exact version string.
func (c *IndexChart) Version(v string) (*ChartVersion, bool) {
	for i := range c.Versions {
		if c.Versions[i].Version == v {
			return &c.Versions[i], true
		}
	}
	return nil, false
}
