package helmrequest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	ctrl "sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/metrics"
	"captain.io/captain/pkg/release"
)

// releaseAll runs every target independently and in parallel: one
// unreachable or failing cluster never holds up the others.
func (r *Reconciler) releaseAll(ctx context.Context, s *scope) {
	var wg sync.WaitGroup
	for _, t := range s.targets {
		if t.err != nil {
			t.status.Phase, t.status.Message = v1.PhaseFailed, t.err.Error()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if t.err = r.releaseIn(ctx, s, t); t.err != nil {
				t.status.Phase, t.status.Message = v1.PhaseFailed, t.err.Error()
			}
		}()
	}
	wg.Wait()
	recordNotes(s)
}

// recordNotes keeps the notes of the first target that made a revision in
// this reconcile, so status.notes follows the newest install or upgrade.
func recordNotes(s *scope) {
	for _, t := range s.targets {
		if t.notes != "" {
			s.hr.Status.Notes = t.notes
			return
		}
	}
}

// releaseIn brings one target to the desired state once its dependencies
// are Ready there.
func (r *Reconciler) releaseIn(ctx context.Context, s *scope, t *target) error {
	if err := r.dependenciesIn(ctx, s.hr, t.name); err != nil {
		return err
	}
	if err := r.composeFor(ctx, s, t); err != nil {
		return err
	}
	done, err := r.limits.acquire(ctx, t.name)
	if err != nil {
		return retrying(v1.ReleasedCondition, "Interrupted", err)
	}
	defer done()
	return r.applyRelease(ctx, s, t)
}

// dependenciesIn requires every dependency to be deployed in cluster.
func (r *Reconciler) dependenciesIn(ctx context.Context, hr *v1.HelmRequest, cluster string) error {
	for _, name := range hr.Spec.Dependencies {
		dep := &v1.HelmRequest{}
		if err := r.Client.Get(ctx, ctrl.ObjectKey{Namespace: hr.Namespace, Name: name}, dep); err != nil {
			return retrying(v1.DependenciesReadyCondition, "DependencyError", err)
		}
		if !deployedIn(dep, cluster) {
			return retrying(v1.DependenciesReadyCondition, "DependencyNotReady",
				fmt.Errorf("spec.dependencies: waiting for HelmRequest %s (not Ready in cluster %s)", name, cluster))
		}
	}
	return nil
}

func deployedIn(hr *v1.HelmRequest, cluster string) bool {
	if hr.Status.ObservedGeneration != hr.Generation {
		return false
	}
	for _, c := range hr.Status.Clusters {
		if c.Name == cluster {
			return c.Phase == v1.PhaseSynced
		}
	}
	return false
}

// targetsFailed sums up the failed targets as one phase error: a single
// target's error as it is; several, listed by cluster. It is stalled only
// when every failure needs the user.
func (s *scope) targetsFailed() error {
	var failed []*target
	for _, t := range s.targets {
		if t.err != nil {
			failed = append(failed, t)
		}
	}
	switch {
	case len(failed) == 0:
		return nil
	case len(s.targets) == 1:
		return failed[0].err
	}
	sum := &phaseError{condition: v1.ReleasedCondition, reason: "PartialSynced", stalled: true}
	if len(failed) == len(s.targets) {
		sum.reason = reasonOf(failed[0].err)
	}
	var msgs []string
	for _, t := range failed {
		var pe *phaseError
		if !errors.As(t.err, &pe) || !pe.stalled {
			sum.stalled = false
		}
		msgs = append(msgs, fmt.Sprintf("cluster %s: %v", t.name, t.err))
	}
	sum.err = fmt.Errorf("%d of %d clusters failed: %s", len(failed), len(s.targets), strings.Join(msgs, "; "))
	return sum
}

func reasonOf(err error) string {
	var pe *phaseError
	if errors.As(err, &pe) {
		return pe.reason
	}
	return "ReconcileError"
}

// settlePhase says PartialSynced when some targets are deployed and others
// failed.
func (s *scope) settlePhase() {
	synced := 0
	for _, t := range s.targets {
		if t.err == nil {
			synced++
			s.hr.Status.Version = t.status.Version
		}
	}
	if synced > 0 && synced < len(s.targets) {
		s.hr.Status.Phase = v1.PhasePartialSynced
	}
}

// departTargets uninstalls the release from clusters that left the target
// set, and drops their status entries. A cluster whose Cluster object is
// gone is forgotten with it; one that cannot be reached is kept and retried.
func (r *Reconciler) departTargets(ctx context.Context, s *scope) error {
	current := map[string]bool{}
	for _, t := range s.targets {
		current[t.name] = true
	}
	var kept []v1.ClusterReleaseStatus
	var errs []error
	for _, cs := range s.hr.Status.Clusters {
		if current[cs.Name] {
			kept = append(kept, cs)
			continue
		}
		if err := r.uninstallFrom(ctx, s.hr, cs); err != nil {
			cs.Phase, cs.Message = v1.PhaseUninstalling, err.Error()
			kept = append(kept, cs)
			errs = append(errs, fmt.Errorf("cluster %s: %w", cs.Name, err))
		}
	}
	s.hr.Status.Clusters = kept
	// Entries moved: point the targets at their entries again.
	for _, t := range s.targets {
		t.status = s.clusterStatus(t.name)
	}
	if len(errs) > 0 {
		return retrying(v1.ReleasedCondition, "UninstallFailed", fmt.Errorf("uninstalling from clusters no longer targeted: %w", errors.Join(errs...)))
	}
	return nil
}

// uninstallFrom uninstalls the release from one cluster of the status.
func (r *Reconciler) uninstallFrom(ctx context.Context, hr *v1.HelmRequest, cs v1.ClusterReleaseStatus) error {
	t := &target{name: cs.Name, status: &cs, config: r.LocalConfig}
	if cs.Name != v1.LocalCluster && cs.Revision == 0 && len(cs.Inventory) == 0 {
		// Nothing was ever installed there (the cluster was never usable).
		return nil
	}
	if cs.Name != v1.LocalCluster {
		c := &v1.Cluster{}
		err := r.Client.Get(ctx, ctrl.ObjectKey{Name: cs.Name}, c)
		if ctrl.IgnoreNotFound(err) != nil {
			return err
		}
		if err != nil {
			// The Cluster was deregistered: its releases go with it.
			return nil
		}
		if t.config, err = r.Clusters.Config(ctx, c); err != nil {
			return err
		}
	}
	req := r.releaseRequest(hr, t)
	req.Options.KeepResources = hr.Spec.Uninstall != nil && hr.Spec.Uninstall.KeepResources
	start := time.Now()
	_, err := r.Releases.Uninstall(ctx, req)
	metrics.ObserveHelm("uninstall", outcome(err), start)
	var notOwned *release.NotOwnedError
	if errors.As(err, &notOwned) {
		// Someone else's release there now: not ours to remove.
		return nil
	}
	if err == nil {
		r.Recorder.Eventf(hr, nil, "Normal", "Uninstalled", "Uninstall", "uninstalled release %s/%s from cluster %s", req.Namespace, req.Name, cs.Name)
	}
	return err
}
