package values

import (
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// RedactedMarker replaces every value that came from a Secret in
// [Result.Redacted]. It is a constant rather than a hash of the value:
// Secrets often hold short or guessable values, and anyone who can read
// status or events could test guesses against a hash; a key compiled into an
// open-source binary is no key, and a per-installation key would have to be
// stored and rotated. Whether a secret value changed is answered by code that
// holds both Results (compare their Effective values), not by the text shown.
const RedactedMarker = "<redacted>"

// bareKey matches the keys that Path.String prints without quotes.
var bareKey = regexp.MustCompile(`^[A-Za-z0-9_/-]+$`)

// Path is the keys leading to a value.
type Path []string

// String joins the keys with dots, quoting those that are not plain words,
// e.g. config."app.kubernetes.io/name", so that every path reads back
// unambiguously.
func (p Path) String() string {
	parts := make([]string, len(p))
	for i, k := range p {
		parts[i] = k
		if !bareKey.MatchString(k) {
			parts[i] = strconv.Quote(k)
		}
	}
	return strings.Join(parts, ".")
}

// Leaf is the provenance of one leaf of the effective values: a scalar, a
// list or an empty map, and the layer that set it. Origin.Secret() says
// whether the value is secret.
type Leaf struct {
	Path   Path
	Origin Origin
}

// Result is the outcome of Merge. The zero Result has no values and no
// digest.
type Result struct {
	origins   []Origin // by layer index
	user      *node    // user layers merged, nulls kept
	effective *node    // user over chart defaults, nulls gone
	digest    string
}

// UserValues is every layer but the chart defaults merged, nulls kept: what
// Captain passes to Helm's install or upgrade, which coalesces the chart's
// defaults itself and needs the nulls to delete them.
func (r Result) UserValues() map[string]any { return toMap(r.user, nil) }

// Effective is the values the chart's templates see: the user values over
// the chart defaults, without nulls. It includes Secret values in the clear.
func (r Result) Effective() map[string]any { return toMap(r.effective, nil) }

// Redacted is Effective with every value that came from a Secret replaced by
// RedactedMarker; keys are not secret and stay. It is the view for status,
// events, logs and diffs.
func (r Result) Redacted() map[string]any {
	return toMap(r.effective, func(n *node) bool { return r.origins[n.layer].Secret() })
}

// Digest is the sha256 of the user values in canonical JSON (sorted keys),
// "sha256:<hex>": equal digests mean Helm gets the same values. It covers
// Secret values, so whoever can read it and knows every other input could
// test guesses of a short secret against it; keep it with the release.
func (r Result) Digest() string { return r.digest }

// Provenance lists every leaf of the effective values, in path order, with
// the layer that set it. Keys deleted by a null are absent.
func (r Result) Provenance() []Leaf {
	var leaves []Leaf
	walk(r.effective, nil, func(p Path, n *node) {
		leaves = append(leaves, Leaf{Path: slices.Clone(p), Origin: r.origins[n.layer]})
	})
	return leaves
}

// OriginOf is the origin of the leaf at path; false when there is no leaf
// there (the key is absent or holds a non-empty map).
func (r Result) OriginOf(path ...string) (Origin, bool) {
	n := r.effective
	for _, k := range path {
		if n == nil {
			return Origin{}, false
		}
		n = n.children[k]
	}
	if n == nil || len(path) == 0 || !n.isLeaf() {
		return Origin{}, false
	}
	return r.origins[n.layer], true
}

// walk calls leaf for every leaf under the map n, in path order.
func walk(n *node, path Path, leaf func(Path, *node)) {
	if n == nil {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(n.children)) {
		c, p := n.children[k], append(path, k)
		if c.isLeaf() {
			leaf(p, c)
		} else {
			walk(c, p, leaf)
		}
	}
}

// toMap copies the map n into plain values, replacing the leaves for which
// redact is true by RedactedMarker.
func toMap(n *node, redact func(*node) bool) map[string]any {
	m := map[string]any{}
	if n == nil {
		return m
	}
	for k, c := range n.children {
		switch {
		case c.isLeaf() && redact != nil && redact(c):
			m[k] = RedactedMarker
		case c.isMap():
			m[k] = toMap(c, redact)
		default:
			m[k] = deepCopy(c.value)
		}
	}
	return m
}
