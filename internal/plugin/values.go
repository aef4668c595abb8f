package plugin

import (
	"encoding/json"
	"fmt"

	"helm.sh/helm/v3/pkg/cli/values"
	"helm.sh/helm/v3/pkg/getter"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	layers "captain.io/captain/internal/values"
)

// ValueFlags are -f/--values, --set and --set-string, read the way Helm reads
// them: files merged in order, then --set, then --set-string on top.
type ValueFlags = values.Options

// ReadValues reads the values the flags give. Files are local paths (or -
// for stdin): the plugin fetches nothing over the network.
func ReadValues(flags *ValueFlags) (map[string]any, error) {
	vals, err := flags.MergeValues(getter.Providers{})
	if err != nil {
		return nil, err
	}
	// --set makes int64s; a round trip through JSON gives the float64s the
	// values package (and the API server) work with.
	b, err := json.Marshal(vals)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	return out, json.Unmarshal(b, &out)
}

// SetValues is the spec.values an install or upgrade writes: add over the
// current ones the way Helm merges -f files (maps merge, anything else
// replaces, null stays to delete a chart default), or add alone when reset.
// No values at all is nil, so that spec.values is left out.
func SetValues(current *apiextensionsv1.JSON, add map[string]any, reset bool) (*apiextensionsv1.JSON, error) {
	origin := layers.Origin{Kind: layers.KindValues}
	var stack []layers.Layer
	if current != nil && !reset {
		l, err := layers.ParseLayer(origin, current.Raw)
		if err != nil {
			return nil, fmt.Errorf("spec.values: %w", err)
		}
		stack = append(stack, l)
	}
	l, err := layers.NewLayer(origin, add)
	if err != nil {
		return nil, err
	}
	merged, err := layers.Merge(append(stack, l)...)
	if err != nil {
		return nil, err
	}
	return ValuesJSON(merged.UserValues())
}

// ValuesJSON encodes values for spec.values; none is nil.
func ValuesJSON(vals map[string]any) (*apiextensionsv1.JSON, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(vals)
	if err != nil {
		return nil, err
	}
	return &apiextensionsv1.JSON{Raw: b}, nil
}
