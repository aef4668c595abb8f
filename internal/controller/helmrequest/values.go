package helmrequest

import (
	"context"
	"errors"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/values"
)

// composeBase reads the layers every target shares: chart defaults <
// valuesFrom < values. References are read from the HelmRequest's own
// namespace only.
func (r *Reconciler) composeBase(ctx context.Context, s *scope) error {
	base, err := r.valueSources().Base(ctx, s.hr, s.chart.Chart.Values)
	if err != nil {
		return valuesError(err)
	}
	s.base = base
	return nil
}

// composeFor layers the overlays matching t's labels on the base, in order.
func (r *Reconciler) composeFor(ctx context.Context, s *scope, t *target) error {
	result, err := r.valueSources().WithOverlays(ctx, s.hr, s.base, t.labels)
	if err != nil {
		return valuesError(err)
	}
	t.values = result
	return nil
}

func (r *Reconciler) valueSources() values.Sources { return values.Sources{Reader: r.APIReader} }

// valuesError turns a values failure into the Released condition's: only an
// unavailable source is retried for its own sake; the rest wait for the
// user, or for the watched ConfigMap or Secret to change.
func valuesError(err error) error {
	var se *values.SourceError
	if !errors.As(err, &se) {
		return retrying(v1.ReleasedCondition, values.ReasonSourceUnavailable, err)
	}
	if se.Retry() {
		return retrying(v1.ReleasedCondition, se.Reason, se)
	}
	return stalled(v1.ReleasedCondition, se.Reason, se)
}
