// Package helmrequest holds the HelmRequest reconciler. It only orchestrates:
// the release package decides and runs Helm operations, the values package
// layers values, and a ChartResolver finds charts.
package helmrequest

import (
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/cluster"
	"captain.io/captain/pkg/release"
)

// statusPatchTimeout bounds the status patch that ends a reconcile.
const statusPatchTimeout = 5 * time.Second

// Finalizer makes deleting a HelmRequest uninstall its release first.
const Finalizer = "captain.io/release"

// Reconciler keeps the release a HelmRequest describes installed.
type Reconciler struct {
	// Client reads HelmRequests from the cache and writes them.
	Client ctrl.Client
	// APIReader reads ConfigMaps and Secrets directly: they are not cached.
	APIReader ctrl.Reader
	Recorder  events.EventRecorder
	Releases  *release.Factory
	Charts    ChartResolver
	// ControllerNamespace is Captain's own namespace, whose ChartRepos every
	// namespace may use.
	ControllerNamespace string
	// LocalConfig reaches the cluster Captain runs in.
	LocalConfig *rest.Config
	// LocalClusterLabels are the local cluster's labels, which overlays match.
	LocalClusterLabels map[string]string
	// DigestKey keys the desired-state digest (an HMAC), so the digests in
	// status and on release records reveal nothing about secret values.
	DigestKey []byte
	// Clusters connects to registered member clusters.
	Clusters *cluster.Registry
	// limits bounds the releases applied at once per cluster.
	limits clusterLimits
	// RequeueInterval re-checks synced releases (new chart versions, drift).
	RequeueInterval time.Duration
	// DriftCheckInterval is how often releases with drift detection on are
	// compared with their live objects; 0 means DefaultDriftCheckInterval.
	DriftCheckInterval time.Duration
	// drift remembers the last drift check of each release and cluster.
	drift driftChecks
	// Draining, when set, ends a while after the manager was told to stop:
	// until then a reconcile under way goes on, so that its Helm operations
	// finish and their outcome is recorded rather than cut short.
	Draining context.Context
}

// Reconcile runs the phases in order and records the outcome once, in a
// single status patch that is skipped when nothing changed.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	ctx, done := r.outliveStop(ctx)
	defer done()
	hr := &v1.HelmRequest{}
	if err := r.Client.Get(ctx, req.NamespacedName, hr); err != nil {
		return reconcile.Result{}, ctrl.IgnoreNotFound(err)
	}
	if !hr.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, r.finalize(ctx, hr)
	}
	if !controllerutil.ContainsFinalizer(hr, Finalizer) {
		// Finalizer first, so no release is ever made that deletion misses.
		patch := ctrl.MergeFrom(hr.DeepCopy())
		controllerutil.AddFinalizer(hr, Finalizer)
		if err := r.Client.Patch(ctx, hr, patch); err != nil {
			return reconcile.Result{}, err
		}
	}
	if hr.Spec.Suspend {
		return reconcile.Result{}, nil
	}

	s := newScope(hr)
	result, err := r.reconcilePhases(ctx, s)
	// The outcome of an operation cut short by a stop is still recorded.
	statusCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), statusPatchTimeout)
	defer cancel()
	perr := r.patchStatus(statusCtx, s)
	if apierrors.IsConflict(perr) {
		// This pass worked from a stale copy (the cache had not seen our own
		// last write yet): run again on a fresh one rather than clobber it.
		return reconcile.Result{Requeue: true}, nil
	}
	return result, errors.Join(err, perr)
}

// outliveStop detaches ctx from the manager's stop, tying it to Draining
// instead: an interrupted install or upgrade leaves a release failed or
// pending, which costs the next leader an unlock and a retry.
func (r *Reconciler) outliveStop(ctx context.Context) (context.Context, func()) {
	if r.Draining == nil {
		return ctx, func() {}
	}
	detached, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(r.Draining, cancel)
	return detached, func() { stop(); cancel() }
}

func (r *Reconciler) reconcilePhases(ctx context.Context, s *scope) (reconcile.Result, error) {
	for _, phase := range []func(context.Context, *scope) error{
		r.checkDependencies,
		r.resolveChart,
		r.composeBase,
		r.resolveTargets,
	} {
		if err := phase(ctx, s); err != nil {
			return s.failed(r, err)
		}
	}
	r.releaseAll(ctx, s)
	r.settleDrift(s)
	departErr := r.departTargets(ctx, s)
	if err := errors.Join(s.targetsFailed(), departErr); err != nil {
		if departErr != nil && s.targetsFailed() == nil {
			err = departErr
		}
		result, ferr := s.failed(r, err)
		s.settlePhase()
		return result, ferr
	}
	s.settlePhase()
	s.succeeded()
	return reconcile.Result{RequeueAfter: r.requeueAfter(s.hr)}, nil
}

// patchStatus writes the status when, and only when, it changed.
func (r *Reconciler) patchStatus(ctx context.Context, s *scope) error {
	if !s.statusChanged() {
		return nil
	}
	patch := ctrl.MergeFromWithOptions(s.original, ctrl.MergeFromWithOptimisticLock{})
	err := r.Client.Status().Patch(ctx, s.hr, patch)
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case apierrors.IsConflict(err):
		return err
	case err != nil:
		return fmt.Errorf("recording the status of HelmRequest %s/%s: %w", s.hr.Namespace, s.hr.Name, err)
	}
	return nil
}

// finalize uninstalls the release from every cluster it was installed in,
// then lets the HelmRequest go. A cluster that cannot be reached keeps the
// finalizer (and is retried) unless its Cluster object was deleted.
func (r *Reconciler) finalize(ctx context.Context, hr *v1.HelmRequest) error {
	if !controllerutil.ContainsFinalizer(hr, Finalizer) {
		return nil
	}
	clusters := hr.Status.Clusters
	if len(clusters) == 0 {
		// Never recorded anywhere: the local cluster may still hold a
		// release made before its status was written.
		clusters = []v1.ClusterReleaseStatus{{Name: v1.LocalCluster}}
	}
	s := newScope(hr)
	var left []v1.ClusterReleaseStatus
	var errs []error
	for _, cs := range clusters {
		if err := r.uninstallFrom(ctx, hr, cs); err != nil {
			cs.Phase, cs.Message = v1.PhaseUninstalling, err.Error()
			left = append(left, cs)
			errs = append(errs, fmt.Errorf("cluster %s: %w", cs.Name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		r.Recorder.Eventf(hr, nil, "Warning", "UninstallFailed", "Uninstall", "%s", err)
		// The status says what deletion waits for: the clusters left.
		s.hr.Status.Clusters = left
		msg := "uninstalling: " + err.Error()
		s.setCondition(v1.ReadyCondition, metav1.ConditionFalse, "UninstallFailed", msg)
		s.setCondition(v1.ReconcilingCondition, metav1.ConditionTrue, "UninstallFailed", msg)
		s.hr.Status.Phase = v1.PhaseUninstalling
		return errors.Join(err, r.patchStatus(ctx, s))
	}
	log.FromContext(ctx).Info("released the HelmRequest")
	r.drift.forget(hr.UID)
	patch := ctrl.MergeFrom(hr.DeepCopy())
	controllerutil.RemoveFinalizer(hr, Finalizer)
	return ctrl.IgnoreNotFound(r.Client.Patch(ctx, hr, patch))
}
