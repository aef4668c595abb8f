package helmrequest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/log"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/values"
	"captain.io/captain/pkg/diff"
	"captain.io/captain/pkg/release"
)

// DefaultDriftCheckInterval is how often drift is checked when the
// Reconciler's DriftCheckInterval is not set.
const DefaultDriftCheckInterval = 5 * time.Minute

// driftMode is the HelmRequest's drift detection mode, Disabled by default.
func driftMode(hr *v1.HelmRequest) v1.DriftMode {
	if d := hr.Spec.DriftDetection; d != nil && d.Mode != "" {
		return d.Mode
	}
	return v1.DriftDisabled
}

func (r *Reconciler) driftCheckInterval() time.Duration {
	if r.DriftCheckInterval > 0 {
		return r.DriftCheckInterval
	}
	return DefaultDriftCheckInterval
}

// requeueAfter is when a synced HelmRequest is looked at again: at the next
// drift check when drift detection is on and that comes first.
func (r *Reconciler) requeueAfter(hr *v1.HelmRequest) time.Duration {
	drift := r.driftCheckInterval()
	if driftMode(hr) != v1.DriftDisabled && (r.RequeueInterval == 0 || drift < r.RequeueInterval) {
		return drift
	}
	return r.RequeueInterval
}

// checkDrift compares the release in target t, found up to date, with its
// live objects when a check is due there, and in Correct mode puts drifted
// objects back. The time and outcome of the check are kept in memory; t's
// status entry changes only when the counts of drifted objects and fields
// do, so an undrifted release costs reads and never a write.
func (r *Reconciler) checkDrift(ctx context.Context, s *scope, t *target, req *release.Request, st *release.State) {
	if driftMode(s.hr) == v1.DriftDisabled {
		return
	}
	key := driftKey{hr: s.hr.UID, cluster: t.name}
	prev, seen := r.drift.get(key)
	if seen && prev.generation == s.hr.Generation && time.Since(prev.at) < r.driftCheckInterval() {
		// Checked within the interval, for this spec.
		return
	}
	out := driftOutcome{at: time.Now(), generation: s.hr.Generation}
	report, err := r.detectDrift(ctx, s.hr, t, req, st, prev.found)
	out.record(report, err)
	if driftMode(s.hr) == v1.DriftWarn {
		r.announceDrift(s.hr, t, prev.found, out.found)
	}
	if report != nil {
		recordDriftSummary(t.status, report.DriftSummary())
	}
	r.drift.put(key, out)
	t.driftChecked = true
	logDriftCheck(ctx, t, out)
}

// detectDrift reports the drift in t; in Correct mode, the drift left after
// correcting what it found (announced unless the last check found the same).
func (r *Reconciler) detectDrift(ctx context.Context, hr *v1.HelmRequest, t *target, req *release.Request, st *release.State, lastFound string) (*diff.Report, error) {
	check, err := r.newDriftCheck(hr, t, req, st)
	if err != nil {
		return nil, fmt.Errorf("checking drift: %w", err)
	}
	report, err := check.differ.Drift(ctx, check.input)
	if err != nil {
		return nil, fmt.Errorf("checking drift: %w", err)
	}
	if driftMode(hr) != v1.DriftCorrect || report.DriftSummary().Objects == 0 {
		return report, nil
	}
	r.announceDrift(hr, t, lastFound, describeDrift(report))
	return r.correctDrift(ctx, hr, t, check, report)
}

// driftCheck compares one release in one cluster with its live objects.
type driftCheck struct {
	differ *diff.Differ
	input  diff.Input
}

// newDriftCheck prepares a check of the deployed revision against the
// objects in t, read through the release engine's clients (and identity:
// spec.serviceAccountName is impersonated here too), whose discovery cache
// it shares.
func (r *Reconciler) newDriftCheck(hr *v1.HelmRequest, t *target, req *release.Request, st *release.State) (*driftCheck, error) {
	manifest, _, err := r.Releases.DeployedManifest(req.Target, st)
	if err != nil {
		return nil, err
	}
	dyn, mapper, err := r.Releases.Clients(req.Target, req.Namespace)
	if err != nil {
		return nil, err
	}
	return &driftCheck{differ: diff.NewForClients(dyn, mapper), input: driftInput(hr, t.values, manifest, r.DigestKey)}, nil
}

// driftInput compares the live objects with the deployed manifest: drift is
// live against last applied, so it is passed as both manifests.
func driftInput(hr *v1.HelmRequest, vals values.Result, manifest string, key []byte) diff.Input {
	in := diff.Input{
		ReleaseName:  hr.ReleaseName(),
		Namespace:    hr.ReleaseNamespace(),
		LastApplied:  manifest,
		Desired:      manifest,
		SecretValues: vals.SecretStrings(),
		RedactionKey: key,
	}
	if d := hr.Spec.DriftDetection; d != nil {
		in.Ignore = d.Ignore
	}
	return in
}

// correctDrift puts the drifted objects back and checks again, so that what
// is reported is what remains: nothing, unless an object changed again
// meanwhile or the API server refused a correction.
func (r *Reconciler) correctDrift(ctx context.Context, hr *v1.HelmRequest, t *target, check *driftCheck, report *diff.Report) (*diff.Report, error) {
	corrected, err := check.differ.Correct(ctx, report)
	if len(corrected) > 0 {
		r.Recorder.Eventf(hr, nil, "Normal", "DriftCorrected", "CorrectDrift", "release %s/%s in cluster %s: restored %s",
			hr.ReleaseNamespace(), hr.ReleaseName(), t.name, listRefs(corrected))
	}
	if err != nil {
		r.Recorder.Eventf(hr, nil, "Warning", "DriftCorrectionFailed", "CorrectDrift", "release %s/%s in cluster %s: %s",
			hr.ReleaseNamespace(), hr.ReleaseName(), t.name, err)
	}
	after, rerr := check.differ.Drift(ctx, check.input)
	if rerr != nil {
		return nil, errors.Join(err, fmt.Errorf("checking drift after correcting it: %w", rerr))
	}
	return after, err
}

// announceDrift sends a DriftDetected event when the drift found differs
// from what the last check found.
func (r *Reconciler) announceDrift(hr *v1.HelmRequest, t *target, before, found string) {
	if found == "" || found == before {
		return
	}
	r.Recorder.Eventf(hr, nil, "Warning", "DriftDetected", "DetectDrift", "release %s/%s in cluster %s: %s",
		hr.ReleaseNamespace(), hr.ReleaseName(), t.name, found)
}

// recordDriftSummary updates the status entry's counts when they changed;
// CheckedTime is when these counts were first found.
func recordDriftSummary(cs *v1.ClusterReleaseStatus, sum v1.DriftSummary) {
	if cs.Drift != nil && cs.Drift.Objects == sum.Objects && cs.Drift.Fields == sum.Fields {
		return
	}
	sum.CheckedTime = now()
	cs.Drift = &sum
}

func logDriftCheck(ctx context.Context, t *target, out driftOutcome) {
	l := log.FromContext(ctx).WithValues("cluster", t.name)
	if out.failure != "" {
		l.Info("drift not fully checked or corrected", "problem", out.failure)
	}
	l.V(1).Info("checked drift", "objects", out.summary.Objects, "fields", out.summary.Fields, "took", time.Since(out.at).String())
}
