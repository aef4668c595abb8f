package diff

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// lastAppliedAnnotation is kubectl's copy of the whole object: on a Secret
// it holds the data in clear.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// redactor keeps secret values out of everything a report shows. A secret
// value is replaced by a short hash of it: equal values show equal markers,
// so a change still shows as a change.
type redactor struct {
	key []byte
	// replacer masks the secret-sourced values; nil when there are none.
	replacer *strings.Replacer
}

func newRedactor(key []byte, secretValues []string) *redactor {
	r := &redactor{key: key}
	values := make([]string, 0, len(secretValues))
	for _, v := range secretValues {
		if v != "" {
			values = append(values, v)
		}
	}
	if len(values) == 0 {
		return r
	}
	// Longest first: where one value contains another, the whole is masked.
	sort.SliceStable(values, func(i, j int) bool { return len(values[i]) > len(values[j]) })
	pairs := make([]string, 0, 2*len(values))
	for _, v := range values {
		pairs = append(pairs, v, r.marker([]byte(v)))
	}
	r.replacer = strings.NewReplacer(pairs...)
	return r
}

// marker stands in for a secret value: the first 4 bytes of its SHA-256, or
// of its HMAC-SHA256 when a key is set.
func (r *redactor) marker(value []byte) string {
	if len(r.key) == 0 {
		sum := sha256.Sum256(value)
		return fmt.Sprintf("<redacted sha256:%x>", sum[:4])
	}
	mac := hmac.New(sha256.New, r.key)
	mac.Write(value)
	return fmt.Sprintf("<redacted hmac-sha256:%x>", mac.Sum(nil)[:4])
}

// text masks the secret-sourced values in s.
func (r *redactor) text(s string) string {
	if r == nil || r.replacer == nil {
		return s
	}
	return r.replacer.Replace(s)
}

// tree is a copy of v with every string and map key masked.
func (r *redactor) tree(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[r.text(k)] = r.tree(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = r.tree(e)
		}
		return out
	case string:
		return r.text(v)
	}
	return v
}

// object is a copy of obj fit to show: masked, and for a Secret with every
// value of data and stringData, and kubectl's last-applied copy, replaced
// by markers.
func (r *redactor) object(secret bool, obj map[string]any) map[string]any {
	out := r.tree(obj).(map[string]any)
	if !secret {
		return out
	}
	// The copy's keys are masked too: a secret value may be, or contain, a
	// field name such as "data", so each field is looked up by its masked name.
	for _, field := range []string{"data", "stringData"} {
		raw, _ := obj[field].(map[string]any)
		shown, _ := out[r.text(field)].(map[string]any)
		for k, v := range raw {
			if shown != nil {
				shown[r.text(k)] = r.secretMarker(field == "data", v)
			}
		}
	}
	raw, _ := obj["metadata"].(map[string]any)
	rawAnn, _ := raw["annotations"].(map[string]any)
	v, ok := rawAnn[lastAppliedAnnotation]
	if !ok {
		return out
	}
	md, _ := out[r.text("metadata")].(map[string]any)
	ann, _ := md[r.text("annotations")].(map[string]any)
	if ann != nil {
		ann[r.text(lastAppliedAnnotation)] = r.secretMarker(false, v)
	}
	return out
}

// secretMarker hashes a Secret's value; data is hashed decoded, so that data
// and stringData holding the same value show the same marker.
func (r *redactor) secretMarker(base64Encoded bool, v any) string {
	s, ok := v.(string)
	if !ok {
		b, _ := json.Marshal(v)
		return r.marker(b)
	}
	if base64Encoded {
		if b, err := base64.StdEncoding.DecodeString(s); err == nil {
			return r.marker(b)
		}
	}
	return r.marker([]byte(s))
}

// at redacts a value found at path in an object: it is set at that path in
// an otherwise empty object, which is redacted as a whole.
func (r *redactor) at(secret bool, path string, v any) any {
	if v == nil || !secret {
		return r.tree(v)
	}
	tokens := splitPointer(path)
	root := map[string]any{}
	node := root
	for _, t := range tokens[:len(tokens)-1] {
		child := map[string]any{}
		node[t] = child
		node = child
	}
	node[tokens[len(tokens)-1]] = v
	var out any = r.object(true, root)
	for _, t := range tokens {
		out = out.(map[string]any)[r.text(t)]
	}
	return out
}
