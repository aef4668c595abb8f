package helmrequest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/values"
	"captain.io/captain/pkg/chartrepo"
)

// scope is what one reconcile knows and decides; phases fill it in order.
type scope struct {
	hr       *v1.HelmRequest
	original *v1.HelmRequest

	chart *chartrepo.Chart
	// base are the values layers every target shares.
	base    []values.Layer
	targets []*target
}

func newScope(hr *v1.HelmRequest) *scope {
	return &scope{hr: hr, original: hr.DeepCopy()}
}

func (s *scope) statusChanged() bool {
	return !equality.Semantic.DeepEqual(s.original.Status, s.hr.Status)
}

// phaseError is a failure of one phase: the condition it sets False, the
// reason, and whether it needs the user (Stalled) or only time (retry).
type phaseError struct {
	condition, reason string
	stalled           bool
	err               error
}

func (e *phaseError) Error() string { return e.err.Error() }
func (e *phaseError) Unwrap() error { return e.err }

func stalled(condition, reason string, err error) error {
	return &phaseError{condition: condition, reason: reason, stalled: true, err: err}
}

func retrying(condition, reason string, err error) error {
	return &phaseError{condition: condition, reason: reason, err: err}
}

// setCondition sets a condition for the current generation; the transition
// time moves only when the status does, so repeating it writes nothing.
func (s *scope) setCondition(t string, status metav1.ConditionStatus, reason, msg string) {
	apimeta.SetStatusCondition(&s.hr.Status.Conditions, metav1.Condition{
		Type: t, Status: status, Reason: reason, Message: msg, ObservedGeneration: s.hr.Generation,
	})
}

func (s *scope) removeCondition(t string) { apimeta.RemoveStatusCondition(&s.hr.Status.Conditions, t) }

// failed records a phase's failure and asks for a retry with backoff.
func (s *scope) failed(r *Reconciler, err error) (reconcile.Result, error) {
	var pe *phaseError
	if !errors.As(err, &pe) {
		pe = &phaseError{condition: v1.ReleasedCondition, reason: "ReconcileError", err: err}
	}
	msg := err.Error()
	s.setCondition(pe.condition, metav1.ConditionFalse, pe.reason, msg)
	s.setCondition(v1.ReadyCondition, metav1.ConditionFalse, pe.reason, msg)
	if pe.stalled {
		s.setCondition(v1.StalledCondition, metav1.ConditionTrue, pe.reason, msg)
		s.removeCondition(v1.ReconcilingCondition)
		s.hr.Status.ObservedGeneration = s.hr.Generation
	} else {
		s.setCondition(v1.ReconcilingCondition, metav1.ConditionTrue, pe.reason, msg)
		s.removeCondition(v1.StalledCondition)
	}
	s.hr.Status.Phase = v1.PhaseFailed
	if s.statusChanged() {
		r.Recorder.Eventf(s.hr, nil, "Warning", pe.reason, "Reconcile", "%s", msg)
	}
	if pe.stalled {
		// What fixes a stall is mostly watched (the spec, values sources,
		// dependencies); a slow recheck catches the rest. No fast retry:
		// one that ran before the cache saw this status would act on what
		// the status was meant to stop (a rolled-back upgrade, tried again).
		return reconcile.Result{RequeueAfter: stalledRecheck}, nil
	}
	return reconcile.Result{}, err
}

// stalledRecheck is how soon a stalled HelmRequest is looked at again
// without an event.
const stalledRecheck = 15 * time.Second

// succeeded summarises a reconcile in which every phase and target passed.
func (s *scope) succeeded() {
	if len(s.hr.Spec.Dependencies) > 0 {
		s.setCondition(v1.DependenciesReadyCondition, metav1.ConditionTrue, "Succeeded", "all dependencies are deployed in every target cluster")
	}
	s.setCondition(v1.ReleasedCondition, metav1.ConditionTrue, "Succeeded", releasedMessage(s))
	s.setCondition(v1.ReadyCondition, metav1.ConditionTrue, "Succeeded", readyMessage(s.hr))
	s.removeCondition(v1.ReconcilingCondition)
	s.removeCondition(v1.StalledCondition)
	s.hr.Status.Phase = v1.PhaseSynced
	s.hr.Status.ObservedGeneration = s.hr.Generation
	s.hr.Status.LastSpecHash = s.specHash()
}

func releasedMessage(s *scope) string {
	name := s.hr.ReleaseNamespace() + "/" + s.hr.ReleaseName()
	switch len(s.targets) {
	case 0:
		return "no registered cluster is targeted: nothing is installed"
	case 1:
		return fmt.Sprintf("revision %d of release %s is deployed", s.targets[0].status.Revision, name)
	}
	return fmt.Sprintf("release %s is deployed in %d clusters", name, len(s.targets))
}

func readyMessage(hr *v1.HelmRequest) string {
	return "release " + hr.ReleaseNamespace() + "/" + hr.ReleaseName() + " is deployed with chart version " + hr.Status.Version
}

// specHash sums up the targets' desired-state digests.
func (s *scope) specHash() string {
	if len(s.targets) == 1 {
		return s.targets[0].digest
	}
	h := sha256.New()
	for _, t := range s.targets {
		fmt.Fprintf(h, "%s=%s\n", t.name, t.digest)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// clusterStatus returns the status entry of a cluster, adding it if missing.
func (s *scope) clusterStatus(name string) *v1.ClusterReleaseStatus {
	for i := range s.hr.Status.Clusters {
		if s.hr.Status.Clusters[i].Name == name {
			return &s.hr.Status.Clusters[i]
		}
	}
	s.hr.Status.Clusters = append(s.hr.Status.Clusters, v1.ClusterReleaseStatus{Name: name})
	return &s.hr.Status.Clusters[len(s.hr.Status.Clusters)-1]
}

func now() *metav1.Time {
	t := metav1.NewTime(time.Now().Truncate(time.Second))
	return &t
}
