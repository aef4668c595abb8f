// Package chartrepo holds the ChartRepo reconciler: it syncs each
// repository's index on an interval, keeps it in memory for HelmRequests,
// and mirrors it into one Chart object per chart for marketplaces.
package chartrepo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/metrics"
	helmrepo "captain.io/captain/pkg/chartrepo"
)

// Reconciler syncs ChartRepos.
type Reconciler struct {
	// Client reads ChartRepos from the cache and writes ChartRepos and Charts.
	Client client.Client
	// APIReader lists Charts directly: they can be many and large, so they
	// are not cached.
	APIReader client.Reader
	Recorder  events.EventRecorder
	Indexes   *Indexes
}

// Reconcile syncs one ChartRepo. An index whose digest the status already
// records makes no write at all: no Chart is touched and the status stays.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	repo := &v1.ChartRepo{}
	if err := r.Client.Get(ctx, req.NamespacedName, repo); err != nil {
		if apierrors.IsNotFound(err) {
			// Its Charts go with it: they are owned by it.
			r.Indexes.Forget(req.NamespacedName)
		}
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if repo.Spec.Suspend {
		return reconcile.Result{}, nil
	}
	original := repo.DeepCopy()
	start := time.Now()
	index, err := r.Indexes.Sync(ctx, repo)
	metrics.ObserveRepoSync(start, err)
	if err == nil && (index.Digest != repo.Status.IndexDigest || repo.Status.ObservedGeneration != repo.Generation) {
		err = r.syncCharts(ctx, repo, index)
	}
	if err != nil {
		r.failed(repo, err)
	} else {
		r.synced(repo, index)
	}
	if perr := r.patchStatus(ctx, original, repo); perr != nil {
		return reconcile.Result{}, errors.Join(err, perr)
	}
	if err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{RequeueAfter: interval(repo)}, nil
}

// syncCharts makes the repo's Chart objects match its index: creates,
// updates what changed, deletes charts that left the index.
func (r *Reconciler) syncCharts(ctx context.Context, repo *v1.ChartRepo, index *helmrepo.Index) error {
	existing := &v1.ChartList{}
	if err := r.APIReader.List(ctx, existing, client.InNamespace(repo.Namespace), client.MatchingLabels{v1.RepoLabel: repo.Name}); err != nil {
		return fmt.Errorf("listing the Charts of ChartRepo %s/%s: %w", repo.Namespace, repo.Name, err)
	}
	byName := map[string]*v1.Chart{}
	for i := range existing.Items {
		byName[existing.Items[i].Name] = &existing.Items[i]
	}
	repo.Status.ChartErrors = nil
	var errs []error
	for i := range index.Charts {
		desired, err := chartObject(repo, &index.Charts[i])
		if err != nil {
			repo.Status.ChartErrors = append(repo.Status.ChartErrors, v1.ChartError{Chart: index.Charts[i].Name, Message: err.Error()})
			continue
		}
		errs = append(errs, r.applyChart(ctx, repo, desired, byName[desired.Name]))
		delete(byName, desired.Name)
	}
	for _, gone := range byName {
		errs = append(errs, client.IgnoreNotFound(r.Client.Delete(ctx, gone)))
	}
	return errors.Join(errs...)
}

// applyChart creates desired or updates current to it, when they differ.
func (r *Reconciler) applyChart(ctx context.Context, repo *v1.ChartRepo, desired, current *v1.Chart) error {
	if current == nil {
		if err := controllerutil.SetControllerReference(repo, desired, r.Client.Scheme()); err != nil {
			return err
		}
		return r.Client.Create(ctx, desired)
	}
	if equality.Semantic.DeepEqual(current.Spec, desired.Spec) && current.Labels[v1.RepoLabel] == repo.Name {
		return nil
	}
	current.Spec = desired.Spec
	if current.Labels == nil {
		current.Labels = map[string]string{}
	}
	current.Labels[v1.RepoLabel] = repo.Name
	return r.Client.Update(ctx, current)
}

func (r *Reconciler) synced(repo *v1.ChartRepo, index *helmrepo.Index) {
	st := &repo.Status
	if st.IndexDigest != index.Digest || st.ObservedGeneration != repo.Generation {
		now := metav1.Now()
		st.LastSyncTime = &now
		if st.IndexDigest != "" && st.IndexDigest != index.Digest {
			r.Recorder.Eventf(repo, nil, "Normal", "IndexChanged", "Sync", "index changed: %d charts", len(index.Charts))
		}
	}
	st.IndexDigest, st.ChartCount = index.Digest, len(index.Charts)-len(st.ChartErrors)
	st.Phase, st.ObservedGeneration = v1.RepoSynced, repo.Generation
	msg := fmt.Sprintf("%d charts from index %s", st.ChartCount, index.Digest)
	setCondition(repo, v1.ReadyCondition, metav1.ConditionTrue, "Succeeded", msg)
	apimeta.RemoveStatusCondition(&st.Conditions, v1.ReconcilingCondition)
	apimeta.RemoveStatusCondition(&st.Conditions, v1.StalledCondition)
}

// failed records a failed sync. The last good Charts and index stay.
func (r *Reconciler) failed(repo *v1.ChartRepo, err error) {
	reason := "SyncFailed"
	var e *Error
	if errors.As(err, &e) {
		reason = e.Reason
	}
	msg := fmt.Sprintf("ChartRepo %s/%s: %v", repo.Namespace, repo.Name, err)
	before := apimeta.FindStatusCondition(repo.Status.Conditions, v1.ReadyCondition)
	setCondition(repo, v1.ReadyCondition, metav1.ConditionFalse, reason, msg)
	if reason == ReasonUnsupported || reason == ReasonInvalidSecret {
		setCondition(repo, v1.StalledCondition, metav1.ConditionTrue, reason, msg)
		apimeta.RemoveStatusCondition(&repo.Status.Conditions, v1.ReconcilingCondition)
	} else {
		setCondition(repo, v1.ReconcilingCondition, metav1.ConditionTrue, reason, msg)
		apimeta.RemoveStatusCondition(&repo.Status.Conditions, v1.StalledCondition)
	}
	repo.Status.Phase = v1.RepoFailed
	if before == nil || before.Message != msg {
		r.Recorder.Eventf(repo, nil, "Warning", reason, "Sync", "%s", msg)
	}
}

func setCondition(repo *v1.ChartRepo, t string, status metav1.ConditionStatus, reason, msg string) {
	apimeta.SetStatusCondition(&repo.Status.Conditions, metav1.Condition{
		Type: t, Status: status, Reason: reason, Message: msg, ObservedGeneration: repo.Generation,
	})
}

// patchStatus writes the status when, and only when, it changed.
func (r *Reconciler) patchStatus(ctx context.Context, original, repo *v1.ChartRepo) error {
	if equality.Semantic.DeepEqual(original.Status, repo.Status) {
		return nil
	}
	err := r.Client.Status().Patch(ctx, repo, client.MergeFromWithOptions(original, client.MergeFromWithOptimisticLock{}))
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("recording the status of ChartRepo %s/%s: %w", repo.Namespace, repo.Name, err)
	}
	return nil
}
