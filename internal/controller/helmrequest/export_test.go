package helmrequest

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/values"
	"captain.io/captain/pkg/chartrepo"
)

// ValuesFor composes the values hr gets in a cluster with clusterLabels,
// exactly as a reconcile does, for tests of provenance.
func ValuesFor(ctx context.Context, reader client.Reader, hr *v1.HelmRequest, ch *chartrepo.Chart, clusterLabels map[string]string) (values.Result, error) {
	r := &Reconciler{APIReader: reader}
	s := newScope(hr)
	s.chart = ch
	if err := r.composeBase(ctx, s); err != nil {
		return values.Result{}, err
	}
	t := &target{labels: clusterLabels}
	err := r.composeFor(ctx, s, t)
	return t.values, err
}
