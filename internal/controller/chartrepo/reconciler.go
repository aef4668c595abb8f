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
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/metrics"
	helmrepo "captain.io/captain/pkg/chartrepo"
	"captain.io/captain/pkg/gitrepo"
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
	index, snap, err := r.Indexes.sync(ctx, repo)
	metrics.ObserveRepoSync(start, err)
	if err == nil && (index.Digest != repo.Status.IndexDigest || repo.Status.ObservedGeneration != repo.Generation) {
		err = r.syncCharts(ctx, repo, index, loadErrors(snap))
	}
	if err != nil {
		r.failed(repo, err)
	} else {
		r.synced(repo, index, snap)
	}
	if perr := r.patchStatus(ctx, original, repo); perr != nil {
		return reconcile.Result{}, errors.Join(err, perr)
	}
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Reason == ReasonIndexUnavailable {
			// An unreachable repository is retried sooner the more recent the
			// outage, but never later than the interval: the queue's own
			// exponential backoff would reach minutes after a few intervals
			// of outage, and miss the repository coming back.
			log.FromContext(ctx).Error(err, "ChartRepo sync failed")
			return reconcile.Result{RequeueAfter: retryAfter(repo)}, nil
		}
		return reconcile.Result{}, err
	}
	return reconcile.Result{RequeueAfter: interval(repo)}, nil
}

// retryAfter is how long after a failed sync the next one is tried: as long
// as the repo has been failing (at least a second), at most its interval.
func retryAfter(repo *v1.ChartRepo) time.Duration {
	failingFor := time.Duration(0)
	if c := apimeta.FindStatusCondition(repo.Status.Conditions, v1.ReadyCondition); c != nil && c.Status == metav1.ConditionFalse {
		failingFor = time.Since(c.LastTransitionTime.Time)
	}
	return min(max(failingFor, time.Second), interval(repo))
}

// syncCharts makes the repo's Chart objects match its index: creates,
// updates what changed, deletes charts that left the index. The status
// lists loadErrors (of Git chart folders) and the charts that cannot have
// an object, and counts the charts that have one.
func (r *Reconciler) syncCharts(ctx context.Context, repo *v1.ChartRepo, index *helmrepo.Index, loadErrors []v1.ChartError) error {
	existing := &v1.ChartList{}
	if err := r.APIReader.List(ctx, existing, client.InNamespace(repo.Namespace), client.MatchingLabels{v1.RepoLabel: repo.Name}); err != nil {
		return fmt.Errorf("listing the Charts of ChartRepo %s/%s: %w", repo.Namespace, repo.Name, err)
	}
	byName := map[string]*v1.Chart{}
	for i := range existing.Items {
		byName[existing.Items[i].Name] = &existing.Items[i]
	}
	chartErrors, count := loadErrors, 0
	var errs []error
	for i := range index.Charts {
		desired, err := chartObject(repo, &index.Charts[i])
		if err != nil {
			chartErrors = append(chartErrors, v1.ChartError{Chart: index.Charts[i].Name, Message: err.Error()})
			continue
		}
		count++
		errs = append(errs, r.applyChart(ctx, repo, desired, byName[desired.Name]))
		delete(byName, desired.Name)
	}
	for _, gone := range byName {
		errs = append(errs, client.IgnoreNotFound(r.Client.Delete(ctx, gone)))
	}
	repo.Status.ChartErrors = chartErrors[:min(len(chartErrors), maxChartErrors)]
	repo.Status.ChartCount = count
	return errors.Join(errs...)
}

// maxChartErrors is the CRD's maxItems for status.chartErrors.
const maxChartErrors = 100

// loadErrors are the chart folders of a Git snapshot that did not load.
func loadErrors(snap *gitrepo.Snapshot) []v1.ChartError {
	if snap == nil {
		return nil
	}
	out := make([]v1.ChartError, 0, len(snap.Errors))
	for _, e := range snap.Errors {
		out = append(out, v1.ChartError{Chart: folderName(e.Folder), Message: e.Message})
	}
	return out
}

func folderName(folder string) string {
	if folder == "" {
		return "/"
	}
	return folder
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

func (r *Reconciler) synced(repo *v1.ChartRepo, index *helmrepo.Index, snap *gitrepo.Snapshot) {
	st := &repo.Status
	if st.IndexDigest != index.Digest || st.ObservedGeneration != repo.Generation {
		now := metav1.Now()
		st.LastSyncTime = &now
		if st.IndexDigest != "" && st.IndexDigest != index.Digest {
			r.Recorder.Eventf(repo, nil, "Normal", "IndexChanged", "Sync", "index changed: %d charts", len(index.Charts))
		}
	}
	st.IndexDigest = index.Digest
	st.Phase, st.ObservedGeneration = v1.RepoSynced, repo.Generation
	msg := fmt.Sprintf("%d charts from index %s", st.ChartCount, index.Digest)
	st.Commit, st.CommitMessage = "", ""
	if snap != nil {
		st.Commit, st.CommitMessage = snap.Commit, snap.Message
		msg = fmt.Sprintf("%d charts from commit %s", st.ChartCount, snap.Commit)
		if len(snap.Errors) > 0 {
			r.failed(repo, chartsFailed(snap, msg))
			return
		}
	}
	setCondition(repo, v1.ReadyCondition, metav1.ConditionTrue, "Succeeded", msg)
	apimeta.RemoveStatusCondition(&st.Conditions, v1.ReconcilingCondition)
	apimeta.RemoveStatusCondition(&st.Conditions, v1.StalledCondition)
}

// chartsFailed reports the chart folders of a Git commit that did not load,
// under the reason of the first: the other charts are served, and so are
// the failed ones as of their last good commit, but the repository needs a
// fix.
func chartsFailed(snap *gitrepo.Snapshot, served string) error {
	first := snap.Errors[0]
	return &Error{Reason: first.Reason, stalled: true, Err: fmt.Errorf("spec.git.path: chart folder %s: %s (%d chart folder(s) failed to load, see status.chartErrors; %s)",
		folderName(first.Folder), first.Message, len(snap.Errors), served)}
}

// failed records a failed sync. The last good Charts and index stay.
func (r *Reconciler) failed(repo *v1.ChartRepo, err error) {
	reason := "SyncFailed"
	var e *Error
	if errors.As(err, &e) {
		reason = e.Reason
	}
	msg := fmt.Sprintf("ChartRepo %s/%s: %v", repo.Namespace, repo.Name, err)
	// A copy: setCondition changes the condition in place.
	var before string
	if c := apimeta.FindStatusCondition(repo.Status.Conditions, v1.ReadyCondition); c != nil {
		before = c.Message
	}
	setCondition(repo, v1.ReadyCondition, metav1.ConditionFalse, reason, msg)
	if e != nil && e.stalled {
		setCondition(repo, v1.StalledCondition, metav1.ConditionTrue, reason, msg)
		apimeta.RemoveStatusCondition(&repo.Status.Conditions, v1.ReconcilingCondition)
	} else {
		setCondition(repo, v1.ReconcilingCondition, metav1.ConditionTrue, reason, msg)
		apimeta.RemoveStatusCondition(&repo.Status.Conditions, v1.StalledCondition)
	}
	repo.Status.Phase = v1.RepoFailed
	if before != msg {
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
