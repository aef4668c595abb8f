package values

// SecretStrings are the strings in the effective values that came from
// Secrets, which diffs mask wherever they occur.
func (r Result) SecretStrings() []string {
	effective := r.Effective()
	var out []string
	for _, leaf := range r.Provenance() {
		if leaf.Origin.Secret() {
			out = appendStrings(out, At(effective, leaf.Path))
		}
	}
	return out
}

// At is the value at path in m, or nil.
func At(m map[string]any, path Path) any {
	var v any = m
	for _, k := range path {
		node, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = node[k]
	}
	return v
}

// appendStrings adds the strings in v, a leaf: a scalar or a list.
func appendStrings(out []string, v any) []string {
	switch v := v.(type) {
	case string:
		return append(out, v)
	case []any:
		for _, e := range v {
			out = appendStrings(out, e)
		}
	case map[string]any:
		for _, e := range v {
			out = appendStrings(out, e)
		}
	}
	return out
}
