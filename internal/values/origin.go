package values

import (
	"fmt"
	"strings"

	v1 "captain.io/captain/api/v1alpha1"
)

// Kind is where a layer's values come from.
type Kind string

// Layer kinds.
const (
	KindChartDefaults Kind = "ChartDefaults"
	KindConfigMap     Kind = "ConfigMap"
	KindSecret        Kind = "Secret"
	KindValues        Kind = "Values"
)

// defaultKey is the key read when a ValuesKeyRef names none; the API server
// defaults it too, but objects built in code skip that.
const defaultKey = "values.yaml"

// Origin identifies a layer for humans, in provenance and error messages.
type Origin struct {
	Kind Kind
	// Overlay names the overlay the layer belongs to; empty for the
	// HelmRequest's own valuesFrom and values.
	Overlay string
	// Index is the position in valuesFrom (ConfigMap and Secret kinds).
	Index int
	// Name is the ConfigMap or Secret.
	Name string
	// Key is the key of the ConfigMap or Secret holding the YAML.
	Key string
}

// RefOrigin is the Origin of entry index of a valuesFrom list; overlay is
// empty for spec.valuesFrom. The API allows exactly one of the two refs; if
// code sets both anyway, the Secret wins so that its values stay redacted.
func RefOrigin(overlay string, index int, ref v1.ValuesReference) Origin {
	o := Origin{Kind: KindConfigMap, Overlay: overlay, Index: index}
	keyRef := ref.ConfigMapKeyRef
	if ref.SecretKeyRef != nil {
		o.Kind, keyRef = KindSecret, ref.SecretKeyRef
	}
	if keyRef != nil {
		o.Name, o.Key = keyRef.Name, keyRef.Key
	}
	if o.Key == "" {
		o.Key = defaultKey
	}
	return o
}

// Secret reports whether the layer's values come from a Secret and must be
// redacted.
func (o Origin) Secret() bool { return o.Kind == KindSecret }

// String names the layer, e.g. "valuesFrom[0] configmap/web-values key
// values.yaml" or "overlay prod values".
func (o Origin) String() string {
	var s string
	switch o.Kind {
	case KindChartDefaults:
		return "chart defaults"
	case KindValues:
		s = "values"
	default:
		s = fmt.Sprintf("valuesFrom[%d] %s/%s key %s", o.Index, strings.ToLower(string(o.Kind)), o.Name, o.Key)
	}
	if o.Overlay != "" {
		return "overlay " + o.Overlay + " " + s
	}
	return s
}
