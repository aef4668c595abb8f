package values

import (
	"fmt"
	"math"
	"regexp"
	"strconv"

	"sigs.k8s.io/yaml"
)

// Limits on one layer. Layers come from tenants (ConfigMaps, Secrets, the
// HelmRequest itself), so no layer may exhaust the controller's memory or time.
const (
	// MaxLayerBytes bounds the YAML a layer is parsed from. Parsing is where
	// size costs most: sigs.k8s.io/yaml decodes twice (YAML, then JSON), and a
	// dense 5 MiB document took seconds and ~800 MB of allocations. 1 MiB is
	// what Kubernetes allows in a ConfigMap or Secret, so no valuesFrom layer
	// a user can create is refused.
	MaxLayerBytes = 1 << 20
	// MaxDepth bounds nesting; real charts stay under 15 levels.
	MaxDepth = 64
	// MaxNodes bounds the values in a layer once aliases are expanded. The
	// YAML library refuses "billion laughs" documents (excessive aliasing),
	// but its ratio check still lets a few KiB fan out to hundreds of
	// thousands of values, each of which costs memory here and in Helm.
	MaxNodes = 1 << 18
)

// lineRef finds the position in a YAML library error.
var lineRef = regexp.MustCompile(`line \d+`)

// Layer is one source of values, with the Origin that names it.
type Layer struct {
	origin Origin
	values map[string]any
}

// ParseLayer reads a layer from YAML (or JSON). An empty document is an empty
// layer, as in Helm; a document whose top level is not a map is an error.
func ParseLayer(origin Origin, data []byte) (Layer, error) {
	if len(data) > MaxLayerBytes {
		return Layer{}, fmt.Errorf("%s: %d bytes is over the limit of %d bytes per values layer", origin, len(data), MaxLayerBytes)
	}
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Layer{}, yamlError(origin, err)
	}
	switch v := doc.(type) {
	case nil:
		return Layer{origin: origin, values: map[string]any{}}, nil
	case map[string]any:
		if err := checkLayer(origin, v); err != nil {
			return Layer{}, err
		}
		return Layer{origin: origin, values: v}, nil
	default:
		return Layer{}, fmt.Errorf("%s: the top level is %s, but values must be a map of keys", origin, describe(v))
	}
}

// NewLayer makes a layer from values already decoded, such as a chart's
// defaults (chart.Values). They must be JSON-compatible (nil, bool, float64,
// string, []any, map[string]any) and within the limits; NewLayer copies them.
func NewLayer(origin Origin, values map[string]any) (Layer, error) {
	if err := checkLayer(origin, values); err != nil {
		return Layer{}, err
	}
	return Layer{origin: origin, values: deepCopy(values).(map[string]any)}, nil
}

// Origin names the layer.
func (l Layer) Origin() Origin { return l.origin }

// Secret reports whether the layer came from a Secret.
func (l Layer) Secret() bool { return l.origin.Secret() }

// yamlError reports a parse error. The YAML library may quote the document
// (a key it cannot convert, for one), so for a Secret only the line is kept.
func yamlError(origin Origin, err error) error {
	if !origin.Secret() {
		return fmt.Errorf("%s: not valid YAML: %w", origin, err)
	}
	where := ""
	if line := lineRef.FindString(err.Error()); line != "" {
		where = " at " + line
	}
	return fmt.Errorf("%s: not valid YAML%s (details withheld: they could quote the Secret)", origin, where)
}

func checkLayer(origin Origin, values map[string]any) error {
	nodes := 0
	for k, v := range values {
		if err := check(v, Path{k}, &nodes); err != nil {
			return fmt.Errorf("%s: %w", origin, err)
		}
	}
	return nil
}

// check verifies that v, found at path, is JSON-compatible and that the
// layer stays within MaxDepth and MaxNodes, counting v into *nodes.
func check(v any, path Path, nodes *int) error {
	if *nodes++; *nodes > MaxNodes {
		return fmt.Errorf("more than %d values (aliases expanded), the limit per layer", MaxNodes)
	}
	if len(path) > MaxDepth {
		return fmt.Errorf("nested more than %d levels deep at %s", MaxDepth, path)
	}
	switch v := v.(type) {
	case nil, bool, string:
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s: %v is not a finite number", path, v)
		}
	case []any:
		for i, e := range v {
			if err := check(e, append(path, strconv.Itoa(i)), nodes); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, e := range v {
			if err := check(e, append(path, k), nodes); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("%s: unsupported type %T (values must be as decoded from JSON)", path, v)
	}
	return nil
}

// describe names the JSON type of a top-level value that is not a map.
func describe(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	default:
		return "a number"
	}
}

// deepCopy copies the maps and lists of a JSON-compatible value.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = deepCopy(e)
		}
		return l
	default:
		return v
	}
}
