package chartrepo

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/Masterminds/semver/v3"
	"go.yaml.in/yaml/v3"
)

// errInvalidIndex starts every error of ParseIndex.
var errInvalidIndex = errors.New("not a valid chart repository index")

// ParseIndex parses an index.yaml (or JSON index) into compact form.
// Helm's repo.LoadIndexFile decodes the whole file into a generic tree, then
// JSON, then structs, which takes many times the file's size in memory;
// ParseIndex reads the common layout in one pass (see scanIndex) and keeps
// only what version resolution and Chart objects need.
//
// It validates as Helm does where it matters: an index without apiVersion is
// an error, and chart versions Helm leaves out (no valid name, semver version
// or type) are left out and counted in Index.Skipped. Unlike Helm, it reads
// an unquoted version such as 1.0 as "1.0", not "1", and does not refuse
// fields it does not know.
func ParseIndex(data []byte) (*Index, error) {
	return parseIndex(data, digestOf(data))
}

// parseIndex is ParseIndex for data whose digest is known.
func parseIndex(data []byte, digest string) (*Index, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: the file is empty", errInvalidIndex)
	}
	b, err := scanIndex(data)
	if err != nil {
		if b, err = decodeIndex(data); err != nil {
			return nil, fmt.Errorf("%w: %w", errInvalidIndex, err)
		}
	}
	return b.index(digest)
}

// listing is a chart version as the index lists it, before the checks that
// Helm makes too.
type listing struct {
	ChartVersion
	name, chartType string
}

// acceptable reports whether Helm keeps the listing when it loads an index
// (chart.Metadata.Validate): its name must be one path element, its type
// application or library if set. The version is checked by its caller.
// Helm also drops a version for empty entries in its maintainers or
// dependencies, or a dependency alias with odd characters; those fields are
// not read here, and the chart's own Chart.yaml is validated when it is
// loaded.
func (l *listing) acceptable() bool {
	name := sanitize(l.name)
	return name != "" && name != "." && name != ".." && name == filepath.Base(name) &&
		(l.chartType == "" || l.chartType == "application" || l.chartType == "library")
}

// sanitize cleans the strings that Helm cleans, so that they read the same
// as in Helm.
func (l *listing) sanitize() {
	l.Description = sanitize(l.Description)
	l.Icon = sanitize(l.Icon)
	l.AppVersion = sanitize(l.AppVersion)
	l.KubeVersion = sanitize(l.KubeVersion)
	for i := range l.Keywords {
		l.Keywords[i] = sanitize(l.Keywords[i])
	}
	if len(l.Keywords) == 0 {
		l.Keywords = nil // [] and no keywords read the same
	}
	if len(l.URLs) == 0 {
		l.URLs = nil
	}
}

// sanitize turns white space into spaces and drops unprintable characters,
// as Helm's chart.Metadata.Validate does.
func sanitize(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return strings.Map(sanitizeRune, s)
		}
	}
	return s
}

func sanitizeRune(r rune) rune {
	switch {
	case unicode.IsSpace(r):
		return ' '
	case unicode.IsPrint(r):
		return r
	}
	return -1
}

// parseCreated reads a created timestamp as Helm does (RFC 3339, through
// encoding/json) and keeps it in UTC, which keeps no time.Location per
// chart version.
func parseCreated(text []byte) (time.Time, error) {
	var t time.Time
	if len(text) == 0 {
		return t, nil
	}
	if err := t.UnmarshalText(text); err != nil {
		return t, fmt.Errorf("created: %w", err)
	}
	return t.UTC(), nil
}

// indexBuilder makes an Index from the listings of each chart in turn.
type indexBuilder struct {
	apiVersion string
	charts     []IndexChart
	skipped    int
	parsed     []*semver.Version // scratch, reused from chart to chart
	order      []int             // scratch, reused from chart to chart
}

// add turns the listings of one chart into its IndexChart. It may change
// list, which the caller reuses.
func (b *indexBuilder) add(name string, list []listing) {
	kept, parsed := list[:0], b.parsed[:0]
	listed := versionSet(len(list))
	for _, l := range list {
		v, err := semver.NewVersion(l.Version)
		if err != nil || !l.acceptable() || listed(l.Version) {
			b.skipped++
			continue
		}
		l.sanitize()
		kept, parsed = append(kept, l), append(parsed, v)
	}
	order := b.order[:0]
	for i := range kept {
		order = append(order, i)
	}
	// Stable, so that of equal versions ("1.0.0" and "v1.0.0") the first
	// listed comes first, as in Helm for all but long lists.
	slices.SortStableFunc(order, func(i, j int) int { return parsed[j].Compare(parsed[i]) })
	versions := make([]ChartVersion, len(kept))
	for k, i := range order {
		versions[k] = kept[i].ChartVersion
	}
	b.charts = append(b.charts, IndexChart{Name: name, Versions: versions})
	b.parsed, b.order = parsed, order
}

// versionSet returns a function that reports whether a version string was
// passed to it before, for a chart of n versions. Most charts have few, for
// which a list is faster than a map; a map keeps a chart with many from
// taking quadratic time.
func versionSet(n int) func(version string) bool {
	if n > 16 {
		seen := make(map[string]bool, n)
		return func(version string) bool {
			was := seen[version]
			seen[version] = true
			return was
		}
	}
	var seen []string
	return func(version string) bool {
		if slices.Contains(seen, version) {
			return true
		}
		seen = append(seen, version)
		return false
	}
}

// index finishes the Index.
func (b *indexBuilder) index(digest string) (*Index, error) {
	if b.apiVersion == "" {
		return nil, fmt.Errorf("%w: apiVersion is missing", errInvalidIndex)
	}
	slices.SortFunc(b.charts, func(x, y IndexChart) int { return strings.Compare(x.Name, y.Name) })
	return &Index{Digest: digest, Charts: b.charts, Skipped: b.skipped}, nil
}

// indexDoc is the part of an index that Captain reads, for the general
// decoders.
type indexDoc struct {
	APIVersion string                   `json:"apiVersion" yaml:"apiVersion"`
	Entries    map[string][]*versionDoc `json:"entries" yaml:"entries"`
}

type versionDoc struct {
	Name        string   `json:"name" yaml:"name"`
	Version     string   `json:"version" yaml:"version"`
	AppVersion  string   `json:"appVersion" yaml:"appVersion"`
	Description string   `json:"description" yaml:"description"`
	Icon        string   `json:"icon" yaml:"icon"`
	KubeVersion string   `json:"kubeVersion" yaml:"kubeVersion"`
	Type        string   `json:"type" yaml:"type"`
	Keywords    []string `json:"keywords" yaml:"keywords"`
	Created     string   `json:"created" yaml:"created"`
	Digest      string   `json:"digest" yaml:"digest"`
	URLs        []string `json:"urls" yaml:"urls"`
	Deprecated  bool     `json:"deprecated" yaml:"deprecated"`
}

// decodeIndex decodes an index with encoding/json if it is JSON, as Helm
// does, and with yaml.v3 otherwise: the general path, for what scanIndex
// leaves.
func decodeIndex(data []byte) (*indexBuilder, error) {
	var doc indexDoc
	var err error
	if json.Valid(data) {
		err = json.Unmarshal(data, &doc)
	} else {
		var root yaml.Node
		if err = yaml.Unmarshal(data, &root); err == nil {
			if (&decodeWork{}).of(&root) > maxDecodeWork {
				return nil, fmt.Errorf("too costly to read: over %d steps, aliases expanded (a mapping of n keys takes n²/2 to check for duplicate keys)", maxDecodeWork)
			}
			err = root.Decode(&doc)
		}
	}
	if err != nil {
		return nil, err
	}
	b := &indexBuilder{apiVersion: doc.APIVersion}
	var list []listing
	for name, docs := range doc.Entries {
		list = list[:0]
		for _, d := range docs {
			l, err := d.listing()
			if err != nil {
				return nil, fmt.Errorf("chart %s version %s: %w", name, d.Version, err)
			}
			list = append(list, l)
		}
		b.add(name, list)
	}
	return b, nil
}

// maxDecodeWork bounds what yaml.v3 may spend on an index, in steps (nodes
// and key comparisons): it checks each mapping for duplicate keys pair by
// pair, every time it decodes the mapping (once, and again for each alias to
// it), so an index of a million charts that the fast path leaves to it
// would take hours, and a mapping of 2 000 keys aliased 1 000 times where
// keywords belong (67 KB) 6 s. 10⁸ steps take about a second and allow over
// 14 000 charts. The count is an upper bound: it counts what yaml.v3 skips.
const maxDecodeWork = 100_000_000

// decodeWork estimates the steps yaml.v3 takes decoding a node tree,
// in linear time: anchored nodes, which aliases repeat, are counted once and
// remembered.
type decodeWork struct {
	anchored map[*yaml.Node]int
}

func (w *decodeWork) of(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	if n.Anchor != "" {
		if work, ok := w.anchored[n]; ok {
			return work
		}
		if w.anchored == nil {
			w.anchored = map[*yaml.Node]int{}
		}
		// A node aliased from inside itself is too costly: yaml.v3 refuses it anyway.
		w.anchored[n] = maxDecodeWork + 1
	}
	work := 1
	if n.Kind == yaml.MappingNode {
		keys := len(n.Content) / 2
		work += keys * keys / 2
	}
	work += w.of(n.Alias)
	for _, c := range n.Content {
		if work > maxDecodeWork {
			break
		}
		work += w.of(c)
	}
	work = min(work, maxDecodeWork+1)
	if n.Anchor != "" {
		w.anchored[n] = work
	}
	return work
}

// listing converts d; an empty entry becomes an empty listing, which Helm
// leaves out as it has no name.
func (d *versionDoc) listing() (listing, error) {
	if d == nil {
		return listing{}, nil
	}
	created, err := parseCreated([]byte(d.Created))
	if err != nil {
		return listing{}, err
	}
	return listing{
		ChartVersion: ChartVersion{
			Version: d.Version, AppVersion: d.AppVersion, Description: d.Description, Icon: d.Icon,
			KubeVersion: d.KubeVersion, Keywords: d.Keywords, Created: created, Digest: d.Digest,
			URLs: d.URLs, Deprecated: d.Deprecated,
		},
		name: d.Name, chartType: d.Type,
	}, nil
}
