package plugin

import (
	"fmt"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "captain.io/captain/api/v1alpha1"
)

// Progress is what one look at an object says about a wait for a generation
// of it to be Ready.
type Progress struct {
	// Done is true when the generation is Ready.
	Done bool
	// Stalled is set when waiting longer will not help: Captain needs a
	// change from the user.
	Stalled error
	// Line says where things stand, for a progress display.
	Line string
}

// Observe judges a HelmRequest against the generation a wait is for.
func Observe(hr *v1.HelmRequest, generation int64) Progress {
	phase := string(hr.Status.Phase)
	if phase == "" {
		phase = string(v1.PhasePending)
	}
	return observe(hr.Status.Conditions, hr.Status.ObservedGeneration, phase, generation)
}

// ObserveRepo judges a ChartRepo against the generation a wait is for.
func ObserveRepo(repo *v1.ChartRepo, generation int64) Progress {
	phase := string(repo.Status.Phase)
	if phase == "" {
		phase = string(v1.RepoPending)
	}
	return observe(repo.Status.Conditions, repo.Status.ObservedGeneration, phase, generation)
}

// observe reads Captain's kstatus conditions. Conditions older than the
// generation describe an earlier spec and say nothing about this one.
func observe(conditions []metav1.Condition, observed int64, phase string, generation int64) Progress {
	current := func(t string) *metav1.Condition {
		c := apimeta.FindStatusCondition(conditions, t)
		if c == nil || c.ObservedGeneration < generation {
			return nil
		}
		return c
	}
	ready, stalled := current(v1.ReadyCondition), current(v1.StalledCondition)
	switch {
	case ready != nil && ready.Status == metav1.ConditionTrue && observed >= generation:
		return Progress{Done: true, Line: fmt.Sprintf("%s: %s", phase, ready.Message)}
	case stalled != nil && stalled.Status == metav1.ConditionTrue:
		return Progress{
			Stalled: fmt.Errorf("%s: %s", stalled.Reason, stalled.Message),
			Line:    fmt.Sprintf("%s: %s: %s", phase, stalled.Reason, stalled.Message),
		}
	}
	if c := current(v1.ReconcilingCondition); c != nil && c.Status == metav1.ConditionTrue {
		return Progress{Line: fmt.Sprintf("%s: %s: %s", phase, c.Reason, c.Message)}
	}
	if ready != nil && ready.Status == metav1.ConditionFalse {
		return Progress{Line: fmt.Sprintf("%s: %s: %s", phase, ready.Reason, ready.Message)}
	}
	return Progress{Line: fmt.Sprintf("Pending: waiting for Captain to handle generation %d", generation)}
}
