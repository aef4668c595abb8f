package diff

import (
	"fmt"
	"strconv"
	"strings"

	"captain.io/captain/api/v1alpha1"
)

// ignoreRules are the user's DriftIgnoreRules.
type ignoreRules []v1alpha1.DriftIgnoreRule

func compileIgnore(rules []v1alpha1.DriftIgnoreRule) (ignoreRules, error) {
	for i, r := range rules {
		for j, p := range r.Paths {
			if !strings.HasPrefix(p, "/") {
				return nil, fmt.Errorf("driftDetection.ignore[%d].paths[%d]: %q is not a JSON pointer (it must start with /)", i, j, p)
			}
		}
	}
	return ignoreRules(rules), nil
}

// paths are the JSON pointers ignored on the object. A selector field left
// empty matches any value.
func (rules ignoreRules) paths(ref ObjectRef) []string {
	var out []string
	for _, r := range rules {
		if t := r.Target; t != nil && !(matches(t.Group, ref.Group) && matches(t.Kind, ref.Kind) &&
			matches(t.Namespace, ref.Namespace) && matches(t.Name, ref.Name)) {
			continue
		}
		out = append(out, r.Paths...)
	}
	return out
}

func matches(want, got string) bool { return want == "" || want == got }

var (
	unescaper = strings.NewReplacer("~1", "/", "~0", "~")
	escaper   = strings.NewReplacer("~", "~0", "/", "~1")
)

// splitPointer returns the unescaped tokens of an RFC 6901 JSON pointer.
func splitPointer(p string) []string {
	tokens := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, t := range tokens {
		tokens[i] = unescaper.Replace(t)
	}
	return tokens
}

func escapeToken(t string) string { return escaper.Replace(t) }

// unsetPointer removes what p points at from obj, so that it is never
// compared. A list element becomes nil rather than going, so that the other
// elements keep their indices.
func unsetPointer(obj map[string]any, p string) {
	tokens := splitPointer(p)
	var node any = obj
	for i, t := range tokens {
		last := i == len(tokens)-1
		switch n := node.(type) {
		case map[string]any:
			if last {
				delete(n, t)
				return
			}
			node = n[t]
		case []any:
			idx, err := strconv.Atoi(t)
			if err != nil || idx < 0 || idx >= len(n) {
				return
			}
			if last {
				n[idx] = nil
				return
			}
			node = n[idx]
		default:
			return
		}
	}
}
