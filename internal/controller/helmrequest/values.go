package helmrequest

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/values"
)

// composeBase reads the layers every target shares: chart defaults <
// valuesFrom < values. References are read from the HelmRequest's own
// namespace only.
func (r *Reconciler) composeBase(ctx context.Context, s *scope) error {
	defaults, err := values.NewLayer(values.Origin{Kind: values.KindChartDefaults}, s.chart.Chart.Values)
	if err != nil {
		return stalled(v1.ReleasedCondition, "ValuesInvalid", fmt.Errorf("chart defaults: %w", err))
	}
	layers, err := r.layers(ctx, s.hr.Namespace, "", s.hr.Spec.ValuesFrom, s.hr.Spec.Values)
	if err != nil {
		return err
	}
	s.base = append([]values.Layer{defaults}, layers...)
	return nil
}

// composeFor layers the overlays matching t's labels on the base, in order.
func (r *Reconciler) composeFor(ctx context.Context, s *scope, t *target) error {
	all := append([]values.Layer(nil), s.base...)
	for _, o := range s.hr.Spec.Overlays {
		if !overlayMatches(o, t.labels) {
			continue
		}
		layers, err := r.layers(ctx, s.hr.Namespace, o.Name, o.ValuesFrom, o.Values)
		if err != nil {
			return err
		}
		all = append(all, layers...)
	}
	result, err := values.Merge(all...)
	if err != nil {
		return stalled(v1.ReleasedCondition, "ValuesInvalid", err)
	}
	t.values = result
	return nil
}

// layers reads one level's valuesFrom entries and inline values.
func (r *Reconciler) layers(ctx context.Context, ns, overlay string, refs []v1.ValuesReference, inline *apiextensionsv1.JSON) ([]values.Layer, error) {
	var out []values.Layer
	for i, ref := range refs {
		layer, ok, err := r.refLayer(ctx, ns, overlay, i, ref)
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
	origin := values.Origin{Kind: values.KindValues, Overlay: overlay}
	layer, err := values.ParseLayer(origin, inline.Raw)
	if err != nil {
		return nil, stalled(v1.ReleasedCondition, "ValuesInvalid", layerError(valuesField(overlay), origin, err))
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
func (r *Reconciler) refLayer(ctx context.Context, ns, overlay string, i int, ref v1.ValuesReference) (values.Layer, bool, error) {
	origin := values.RefOrigin(overlay, i, ref)
	field := fmt.Sprintf("spec.valuesFrom[%d]", i)
	if overlay != "" {
		field = fmt.Sprintf("spec.overlays[%s].valuesFrom[%d]", overlay, i)
	}
	keyRef := ref.ConfigMapKeyRef
	var data map[string][]byte
	var err error
	if ref.SecretKeyRef != nil {
		keyRef = ref.SecretKeyRef
		secret := &corev1.Secret{}
		err = r.APIReader.Get(ctx, ctrl.ObjectKey{Namespace: ns, Name: keyRef.Name}, secret)
		data = secret.Data
	} else {
		cm := &corev1.ConfigMap{}
		err = r.APIReader.Get(ctx, ctrl.ObjectKey{Namespace: ns, Name: keyRef.Name}, cm)
		data = map[string][]byte{}
		for k, v := range cm.Data {
			data[k] = []byte(v)
		}
		for k, v := range cm.BinaryData {
			data[k] = v
		}
	}
	kind := "ConfigMap"
	if ref.SecretKeyRef != nil {
		kind = "Secret"
	}
	switch {
	case apierrors.IsNotFound(err) && keyRef.Optional:
		return values.Layer{}, false, nil
	case apierrors.IsNotFound(err):
		return values.Layer{}, false, stalled(v1.ReleasedCondition, "ValuesSourceMissing",
			fmt.Errorf("%s: %s %s/%s not found", field, kind, ns, keyRef.Name))
	case err != nil:
		return values.Layer{}, false, retrying(v1.ReleasedCondition, "ValuesSourceUnavailable",
			fmt.Errorf("%s: reading %s %s/%s: %w", field, kind, ns, keyRef.Name, err))
	}
	raw, ok := data[origin.Key]
	if !ok && keyRef.Optional {
		return values.Layer{}, false, nil
	}
	if !ok {
		return values.Layer{}, false, stalled(v1.ReleasedCondition, "ValuesSourceMissing",
			fmt.Errorf("%s: %s %s/%s has no key %q", field, kind, ns, keyRef.Name, origin.Key))
	}
	layer, err := values.ParseLayer(origin, raw)
	if err != nil {
		where := fmt.Sprintf("%s: %s %s/%s key %q", field, kind, ns, keyRef.Name, origin.Key)
		return values.Layer{}, false, stalled(v1.ReleasedCondition, "ValuesInvalid", layerError(where, origin, err))
	}
	return layer, true, nil
}

// layerError words a values.ParseLayer error for the field it concerns:
// ParseLayer names the layer by its origin, which where says better (with
// the spec field and the namespace), so the origin is not repeated.
func layerError(where string, origin values.Origin, err error) error {
	return fmt.Errorf("%s: %s", where, strings.TrimPrefix(err.Error(), origin.String()+": "))
}

// overlayMatches applies an overlay to a cluster by the cluster's labels.
func overlayMatches(o v1.Overlay, clusterLabels map[string]string) bool {
	if o.Environment != "" && clusterLabels[v1.EnvironmentLabel] != o.Environment {
		return false
	}
	if o.ClusterSelector == nil {
		return true
	}
	sel, err := metav1.LabelSelectorAsSelector(o.ClusterSelector)
	return err == nil && sel.Matches(labels.Set(clusterLabels))
}
