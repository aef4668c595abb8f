package values

import (
	"context"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
)

// Reasons a HelmRequest's values cannot be composed.
const (
	ReasonSourceMissing     = "ValuesSourceMissing"
	ReasonSourceUnavailable = "ValuesSourceUnavailable"
	ReasonInvalid           = "ValuesInvalid"
)

// SourceError says why values could not be read or parsed, naming the spec
// field. Only an unavailable source is worth retrying as it is; the others
// need the user (or a watched object to change).
type SourceError struct {
	Reason string
	Err    error
}

func (e *SourceError) Error() string { return e.Err.Error() }
func (e *SourceError) Unwrap() error { return e.Err }

// Retry tells whether time alone can fix the error.
func (e *SourceError) Retry() bool { return e.Reason == ReasonSourceUnavailable }

// Sources reads the layers a HelmRequest names — valuesFrom ConfigMaps and
// Secrets in its own namespace, inline values — the same way for the
// controller and the plugin.
type Sources struct {
	Reader client.Reader
}

// Compose layers chart defaults < valuesFrom < values < the overlays that
// match a cluster with clusterLabels, in order.
func (s Sources) Compose(ctx context.Context, hr *v1.HelmRequest, defaults map[string]any, clusterLabels map[string]string) (Result, error) {
	base, err := s.Base(ctx, hr, defaults)
	if err != nil {
		return Result{}, err
	}
	return s.WithOverlays(ctx, hr, base, clusterLabels)
}

// Base is the layers every cluster shares: chart defaults, valuesFrom and
// values.
func (s Sources) Base(ctx context.Context, hr *v1.HelmRequest, defaults map[string]any) ([]Layer, error) {
	chartDefaults, err := NewLayer(Origin{Kind: KindChartDefaults}, defaults)
	if err != nil {
		return nil, &SourceError{Reason: ReasonInvalid, Err: fmt.Errorf("chart defaults: %w", err)}
	}
	layers, err := s.Layers(ctx, hr.Namespace, "", hr.Spec.ValuesFrom, hr.Spec.Values)
	if err != nil {
		return nil, err
	}
	return append([]Layer{chartDefaults}, layers...), nil
}

// WithOverlays merges base with the overlays matching clusterLabels.
func (s Sources) WithOverlays(ctx context.Context, hr *v1.HelmRequest, base []Layer, clusterLabels map[string]string) (Result, error) {
	all := append([]Layer(nil), base...)
	for _, o := range hr.Spec.Overlays {
		if !OverlayMatches(o, clusterLabels) {
			continue
		}
		layers, err := s.Layers(ctx, hr.Namespace, o.Name, o.ValuesFrom, o.Values)
		if err != nil {
			return Result{}, err
		}
		all = append(all, layers...)
	}
	result, err := Merge(all...)
	if err != nil {
		return Result{}, &SourceError{Reason: ReasonInvalid, Err: err}
	}
	return result, nil
}

// OverlayMatches applies an overlay to a cluster by the cluster's labels.
func OverlayMatches(o v1.Overlay, clusterLabels map[string]string) bool {
	if o.Environment != "" && clusterLabels[v1.EnvironmentLabel] != o.Environment {
		return false
	}
	if o.ClusterSelector == nil {
		return true
	}
	sel, err := metav1.LabelSelectorAsSelector(o.ClusterSelector)
	return err == nil && sel.Matches(labels.Set(clusterLabels))
}

// Layers reads one level's valuesFrom entries and inline values; overlay is
// empty for the HelmRequest's own.
func (s Sources) Layers(ctx context.Context, ns, overlay string, refs []v1.ValuesReference, inline *apiextensionsv1.JSON) ([]Layer, error) {
	var out []Layer
	for i, ref := range refs {
		layer, ok, err := s.refLayer(ctx, ns, overlay, i, ref)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, layer)
		}
	}
	if inline == nil {
		return out, nil
	}
	origin := Origin{Kind: KindValues, Overlay: overlay}
	layer, err := ParseLayer(origin, inline.Raw)
	if err != nil {
		return nil, &SourceError{Reason: ReasonInvalid, Err: layerError(valuesField(overlay), origin, err)}
	}
	return append(out, layer), nil
}

func valuesField(overlay string) string {
	if overlay == "" {
		return "spec.values"
	}
	return fmt.Sprintf("spec.overlays[%s].values", overlay)
}

// refLayer reads one valuesFrom entry. A missing object or key is an error
// unless the entry is optional, in which case the layer is skipped.
func (s Sources) refLayer(ctx context.Context, ns, overlay string, i int, ref v1.ValuesReference) (Layer, bool, error) {
	origin := RefOrigin(overlay, i, ref)
	field := fmt.Sprintf("spec.valuesFrom[%d]", i)
	if overlay != "" {
		field = fmt.Sprintf("spec.overlays[%s].valuesFrom[%d]", overlay, i)
	}
	keyRef, kind := ref.ConfigMapKeyRef, "ConfigMap"
	if ref.SecretKeyRef != nil {
		keyRef, kind = ref.SecretKeyRef, "Secret"
	}
	data, err := s.read(ctx, kind, client.ObjectKey{Namespace: ns, Name: keyRef.Name})
	switch {
	case apierrors.IsNotFound(err) && keyRef.Optional:
		return Layer{}, false, nil
	case apierrors.IsNotFound(err):
		return Layer{}, false, &SourceError{Reason: ReasonSourceMissing, Err: fmt.Errorf("%s: %s %s/%s not found", field, kind, ns, keyRef.Name)}
	case err != nil:
		return Layer{}, false, &SourceError{Reason: ReasonSourceUnavailable, Err: fmt.Errorf("%s: reading %s %s/%s: %w", field, kind, ns, keyRef.Name, err)}
	}
	raw, ok := data[origin.Key]
	if !ok && keyRef.Optional {
		return Layer{}, false, nil
	}
	if !ok {
		return Layer{}, false, &SourceError{Reason: ReasonSourceMissing, Err: fmt.Errorf("%s: %s %s/%s has no key %q", field, kind, ns, keyRef.Name, origin.Key)}
	}
	layer, err := ParseLayer(origin, raw)
	if err != nil {
		where := fmt.Sprintf("%s: %s %s/%s key %q", field, kind, ns, keyRef.Name, origin.Key)
		return Layer{}, false, &SourceError{Reason: ReasonInvalid, Err: layerError(where, origin, err)}
	}
	return layer, true, nil
}

// read returns the data of a ConfigMap (text and binary) or a Secret.
func (s Sources) read(ctx context.Context, kind string, key client.ObjectKey) (map[string][]byte, error) {
	if kind == "Secret" {
		secret := &corev1.Secret{}
		err := s.Reader.Get(ctx, key, secret)
		return secret.Data, err
	}
	cm := &corev1.ConfigMap{}
	if err := s.Reader.Get(ctx, key, cm); err != nil {
		return nil, err
	}
	data := map[string][]byte{}
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return data, nil
}

// layerError words a ParseLayer error for the field it concerns: ParseLayer
// names the layer by its origin, which where says better (with the spec
// field and the namespace), so the origin is not repeated.
func layerError(where string, origin Origin, err error) error {
	return errors.New(where + ": " + strings.TrimPrefix(err.Error(), origin.String()+": "))
}
