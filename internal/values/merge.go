package values

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// node is a value annotated with the layer that last wrote it: the tree that
// provenance is read from.
type node struct {
	layer    int              // index of the layer in Merge's arguments
	value    any              // a scalar, list or nil; unused for maps
	children map[string]*node // non-nil exactly when the node is a map
}

func (n *node) isMap() bool  { return n.children != nil }
func (n *node) isNull() bool { return !n.isMap() && n.value == nil }

// isLeaf: a scalar, a list, null, or an empty map.
func (n *node) isLeaf() bool { return len(n.children) == 0 }

func newMap(layer int) *node { return &node{layer: layer, children: map[string]*node{}} }

// build annotates every node of v with layer.
func build(v any, layer int) *node {
	m, ok := v.(map[string]any)
	if !ok {
		return &node{layer: layer, value: v}
	}
	n := newMap(layer)
	for k, e := range m {
		n.children[k] = build(e, layer)
	}
	return n
}

// overlay applies src over the map n as Helm applies each -f file over the
// previous ones (mergeMaps in helm.sh/helm/v3/pkg/cli/values): maps merge
// recursively; anything else, null included, replaces.
func (n *node) overlay(src map[string]any, layer int) {
	n.layer = layer
	for k, v := range src {
		if m, ok := v.(map[string]any); ok {
			if c := n.children[k]; c != nil && c.isMap() {
				c.overlay(m, layer)
				continue
			}
		}
		n.children[k] = build(v, layer)
	}
}

// coalesce lays user over defaults (nil when there are none) as Helm's
// chartutil.CoalesceValues does, then drops what is left null: a null deletes
// the key, a map merges only into a map, anything else replaces. Nulls that
// Helm keeps (a null with no default under it, a null in the defaults) are
// dropped too, since to a template a null key and a missing one read the same.
func coalesce(user, defaults *node) *node {
	if !user.isMap() {
		return user
	}
	var under map[string]*node
	if defaults != nil {
		under = defaults.children
	}
	out := newMap(user.layer)
	for k, d := range under {
		if _, set := user.children[k]; !set && !d.isNull() {
			out.children[k] = coalesce(d, nil)
		}
	}
	for k, u := range user.children {
		if !u.isNull() {
			out.children[k] = coalesce(u, under[k])
		}
	}
	return out
}

// Merge layers values, lowest precedence first. A chart-defaults layer, if
// any, must come first: Helm coalesces user values over the chart's defaults
// as a last step, so they are not one more layer in the sequence.
func Merge(layers ...Layer) (Result, error) {
	r := Result{origins: make([]Origin, len(layers)), user: newMap(-1)}
	defaults := newMap(-1)
	for i, l := range layers {
		r.origins[i] = l.origin
		if l.origin.Kind != KindChartDefaults {
			r.user.overlay(l.values, i)
			continue
		}
		if i != 0 {
			return Result{}, fmt.Errorf("layer %d (%s): chart defaults must be the first layer", i, l.origin)
		}
		defaults = build(l.values, i)
	}
	r.effective = coalesce(r.user, defaults)
	canonical, err := json.Marshal(r.UserValues()) // json sorts map keys
	if err != nil {
		return Result{}, fmt.Errorf("digest of the merged values: %w", err)
	}
	sum := sha256.Sum256(canonical)
	r.digest = "sha256:" + hex.EncodeToString(sum[:])
	return r, nil
}
