package diff

import (
	"sort"
	"strconv"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// patchOp is one JSON Patch (RFC 6902) operation: how to put a drifted
// field back.
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// driftOf compares the fields the chart set with the live object. Only
// fields present in the last-applied object count: whatever the server
// defaulted or another tool added is not drift, and neither is a path the
// user ignores.
func driftOf(applied, live *unstructured.Unstructured, m *meta.RESTMapping, ignore []string, rd *redactor) *Drift {
	if live == nil {
		return &Drift{Missing: true}
	}
	want := managedFields(applied, m)
	for _, p := range ignore {
		unsetPointer(want, p)
	}
	var w walker
	w.compareMap("", want, live.Object, patchMetaOf(applied))
	if len(w.found) == 0 {
		return nil
	}
	secret := isSecret(applied)
	d := &Drift{}
	for _, f := range w.found {
		d.Fields = append(d.Fields, FieldDrift{
			Path:    rd.text(f.op.Path),
			Applied: rd.at(secret, f.op.Path, f.op.Value),
			Live:    rd.at(secret, f.op.Path, f.live),
			restore: f.op,
		})
	}
	return d
}

// patchMetaOf tells the walker which lists merge by key (containers by
// name) for built-in kinds; nil for custom resources, whose lists are atomic.
func patchMetaOf(obj *unstructured.Unstructured) strategicpatch.LookupPatchMeta {
	typed, ok := typedObject(obj)
	if !ok {
		return nil
	}
	pm, err := strategicpatch.NewPatchMetaFromStruct(typed)
	if err != nil {
		return nil
	}
	return pm
}

type found struct {
	op   patchOp
	live any
}

// walker collects differences between an applied tree and a live one.
// Paths index lists as the live object does, so that they patch it.
type walker struct {
	found []found
}

func (w *walker) differ(path string, applied, live any, present bool) {
	op := "replace"
	if !present {
		op = "add"
	}
	w.found = append(w.found, found{op: patchOp{Op: op, Path: path, Value: applied}, live: live})
}

func (w *walker) compareMap(path string, applied, live map[string]any, pm strategicpatch.LookupPatchMeta) {
	keys := make([]string, 0, len(applied))
	for k := range applied {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if unset(applied[k]) {
			continue
		}
		p := path + "/" + escapeToken(k)
		lv, present := live[k]
		if !present {
			w.differ(p, applied[k], nil, false)
			continue
		}
		if list, ok := applied[k].([]any); ok {
			elem, strategy := sliceMeta(pm, k)
			w.compareList(p, list, lv, elem, strategy)
			continue
		}
		w.compareValue(p, applied[k], lv, structMeta(pm, k))
	}
}

// compareValue compares a map or a scalar; lists nested in lists are atomic.
func (w *walker) compareValue(path string, applied, live any, pm strategicpatch.LookupPatchMeta) {
	switch a := applied.(type) {
	case map[string]any:
		if l, ok := live.(map[string]any); ok {
			w.compareMap(path, a, l, pm)
			return
		}
	case []any:
		w.compareList(path, a, live, nil, strategicpatch.PatchMeta{})
		return
	default:
		if sameScalar(a, live) {
			return
		}
	}
	w.differ(path, applied, live, true)
}

func (w *walker) compareList(path string, applied []any, liveValue any, elem strategicpatch.LookupPatchMeta, strategy strategicpatch.PatchMeta) {
	live, ok := liveValue.([]any)
	if !ok {
		w.differ(path, applied, liveValue, true)
		return
	}
	merge := false
	for _, s := range strategy.GetPatchStrategies() {
		merge = merge || s == "merge"
	}
	switch key := strategy.GetPatchMergeKey(); {
	case merge && key != "" && keyed(applied, key):
		w.compareKeyed(path, applied, live, key, elem)
	case merge && key == "":
		w.compareSet(path, applied, live)
	case len(applied) != len(live):
		w.differ(path, applied, live, true)
	default:
		for i, a := range applied {
			if !unset(a) {
				w.compareValue(path+"/"+strconv.Itoa(i), a, live[i], elem)
			}
		}
	}
}

// compareKeyed matches elements by merge key, as a strategic merge does:
// elements another tool added are not drift, a removed one is.
func (w *walker) compareKeyed(path string, applied, live []any, key string, elem strategicpatch.LookupPatchMeta) {
	for _, a := range applied {
		am, ok := a.(map[string]any)
		if !ok {
			continue
		}
		i := indexByKey(live, key, am[key])
		if i < 0 {
			w.differ(path+"/-", am, nil, false)
			continue
		}
		w.compareMap(path+"/"+strconv.Itoa(i), am, live[i].(map[string]any), elem)
	}
}

// compareSet treats a merging list of scalars (finalizers) as a set.
func (w *walker) compareSet(path string, applied, live []any) {
	for _, a := range applied {
		if !unset(a) && !containsScalar(live, a) {
			w.differ(path+"/-", a, nil, false)
		}
	}
}

func keyed(list []any, key string) bool {
	for _, e := range list {
		if m, ok := e.(map[string]any); e != nil && (!ok || m[key] == nil) {
			return false
		}
	}
	return true
}

func indexByKey(list []any, key string, value any) int {
	for i, e := range list {
		if m, ok := e.(map[string]any); ok && sameScalar(m[key], value) {
			return i
		}
	}
	return -1
}

func containsScalar(list []any, v any) bool {
	for _, e := range list {
		if sameScalar(e, v) {
			return true
		}
	}
	return false
}

func structMeta(pm strategicpatch.LookupPatchMeta, key string) strategicpatch.LookupPatchMeta {
	if pm == nil {
		return nil
	}
	sub, _, err := pm.LookupPatchMetadataForStruct(key)
	if err != nil {
		return nil
	}
	return sub
}

func sliceMeta(pm strategicpatch.LookupPatchMeta, key string) (strategicpatch.LookupPatchMeta, strategicpatch.PatchMeta) {
	if pm == nil {
		return nil, strategicpatch.PatchMeta{}
	}
	elem, strategy, err := pm.LookupPatchMetadataForSlice(key)
	if err != nil {
		return nil, strategicpatch.PatchMeta{}
	}
	return elem, strategy
}

// unset is a value that sets no field: null, {} or [] (the server stores
// them as nothing).
func unset(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(v) == 0
	case []any:
		return len(v) == 0
	}
	return false
}

// sameScalar compares JSON scalars, numbers by value (1 and 1.0 are equal).
func sameScalar(a, b any) bool {
	af, aNum := number(a)
	bf, bNum := number(b)
	if aNum && bNum {
		if ai, ok := a.(int64); ok {
			if bi, ok := b.(int64); ok {
				return ai == bi
			}
		}
		return af == bf
	}
	switch a.(type) {
	case map[string]any, []any:
		return false
	}
	return a == b
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}
