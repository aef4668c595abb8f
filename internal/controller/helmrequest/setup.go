package helmrequest

import (
	"context"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "captain.io/captain/api/v1alpha1"
)

// Field indexes that let a change find the HelmRequests it concerns without
// listing them all.
const (
	// valuesRefIndex holds "ConfigMap/<name>" and "Secret/<name>" for every
	// valuesFrom entry, overlays included.
	valuesRefIndex = "captain.io/values-ref"
	// dependencyIndex holds the names in spec.dependencies.
	dependencyIndex = "captain.io/dependency"
	// chartRepoIndex holds the ChartRepo name of spec.chart.
	chartRepoIndex = "captain.io/chart-repo"
	// clusterIndex holds the clusters a HelmRequest targets (clustersOf).
	clusterIndex = "captain.io/cluster"
	anyCluster   = "*"
)

// SetupWithManager registers the reconciler and its watches.
func (r *Reconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager, opts controller.Options) error {
	indexer := mgr.GetFieldIndexer()
	if err := indexer.IndexField(ctx, &v1.HelmRequest{}, valuesRefIndex, valuesRefs); err != nil {
		return err
	}
	if err := indexer.IndexField(ctx, &v1.HelmRequest{}, dependencyIndex, func(o client.Object) []string {
		return o.(*v1.HelmRequest).Spec.Dependencies
	}); err != nil {
		return err
	}
	if err := indexer.IndexField(ctx, &v1.HelmRequest{}, chartRepoIndex, chartRepoOf); err != nil {
		return err
	}
	if err := indexer.IndexField(ctx, &v1.HelmRequest{}, clusterIndex, clustersOf); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("helmrequest").
		WithOptions(opts).
		For(&v1.HelmRequest{}, builder.WithPredicates(specChanged())).
		Watches(&v1.HelmRequest{}, handler.EnqueueRequestsFromMapFunc(r.dependents), builder.WithPredicates(readinessChanged())).
		// Metadata only: Helm's release Secrets are large, and values are read
		// directly when needed.
		Watches(&v1.ChartRepo{}, handler.EnqueueRequestsFromMapFunc(r.chartRepoUsers), builder.WithPredicates(indexChanged())).
		Watches(&v1.Cluster{}, handler.EnqueueRequestsFromMapFunc(r.clusterUsers)).
		WatchesMetadata(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(r.referrers("ConfigMap"))).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.referrers("Secret"))).
		Complete(r)
}

func valuesRefs(o client.Object) []string {
	hr := o.(*v1.HelmRequest)
	var keys []string
	add := func(refs []v1.ValuesReference) {
		for _, ref := range refs {
			if ref.ConfigMapKeyRef != nil {
				keys = append(keys, "ConfigMap/"+ref.ConfigMapKeyRef.Name)
			}
			if ref.SecretKeyRef != nil {
				keys = append(keys, "Secret/"+ref.SecretKeyRef.Name)
			}
		}
	}
	add(hr.Spec.ValuesFrom)
	for _, o := range hr.Spec.Overlays {
		add(o.ValuesFrom)
	}
	return keys
}

// referrers maps a ConfigMap or Secret to the HelmRequests of its namespace
// that read it.
func (r *Reconciler) referrers(kind string) handler.MapFunc {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		return r.requestsFor(ctx, o.GetNamespace(), client.MatchingFields{valuesRefIndex: kind + "/" + o.GetName()})
	}
}

// dependents maps a HelmRequest to those that depend on it.
func (r *Reconciler) dependents(ctx context.Context, o client.Object) []reconcile.Request {
	return r.requestsFor(ctx, o.GetNamespace(), client.MatchingFields{dependencyIndex: o.GetName()})
}

func chartRepoOf(o client.Object) []string {
	repo, _, ok := strings.Cut(o.(*v1.HelmRequest).Spec.Chart, "/")
	if !ok {
		return nil
	}
	return []string{repo}
}

// chartRepoUsers maps a ChartRepo to the HelmRequests that may resolve
// through it: those of its namespace, or of every namespace when it is in
// the controller's namespace (a HelmRequest whose own namespace has a
// ChartRepo of that name is woken for nothing, which is harmless).
func (r *Reconciler) chartRepoUsers(ctx context.Context, o client.Object) []reconcile.Request {
	ns := o.GetNamespace()
	if ns == r.ControllerNamespace {
		ns = ""
	}
	return r.requestsFor(ctx, ns, client.MatchingFields{chartRepoIndex: o.GetName()})
}

func (r *Reconciler) requestsFor(ctx context.Context, ns string, match client.MatchingFields) []reconcile.Request {
	var list v1.HelmRequestList
	if err := r.Client.List(ctx, &list, client.InNamespace(ns), match); err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, len(list.Items))
	for i, hr := range list.Items {
		reqs[i] = reconcile.Request{NamespacedName: types.NamespacedName{Namespace: hr.Namespace, Name: hr.Name}}
	}
	return reqs
}

// specChanged passes what the reconciler must act on: spec (generation),
// annotations and deletion — not its own status writes, nor the finalizer
// it adds at the start of the reconcile that goes on to do the work (a
// second pass from a cache that has not seen that work yet would only
// conflict).
func specChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, n := e.ObjectOld, e.ObjectNew
		return o.GetGeneration() != n.GetGeneration() ||
			!equality.Semantic.DeepEqual(o.GetAnnotations(), n.GetAnnotations()) ||
			!o.GetDeletionTimestamp().Equal(n.GetDeletionTimestamp())
	}}
}

// indexChanged passes ChartRepo events that can change what a HelmRequest
// resolves to: a new index, or the repository coming or going.
func indexChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return e.ObjectOld.(*v1.ChartRepo).Status.IndexDigest != e.ObjectNew.(*v1.ChartRepo).Status.IndexDigest
	}}
}

// readinessChanged passes HelmRequest updates that can unblock dependents.
func readinessChanged() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc: func(event.CreateEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, n := e.ObjectOld.(*v1.HelmRequest), e.ObjectNew.(*v1.HelmRequest)
			return isReady(o) != isReady(n) || !equality.Semantic.DeepEqual(clusterPhases(o), clusterPhases(n))
		},
	}
}

// clusterPhases are a HelmRequest's phases per cluster: dependents wait for
// their dependencies cluster by cluster.
func clusterPhases(hr *v1.HelmRequest) map[string]v1.HelmRequestPhase {
	out := map[string]v1.HelmRequestPhase{}
	for _, c := range hr.Status.Clusters {
		out[c.Name] = c.Phase
	}
	return out
}

// clusterUsers maps a Cluster to the HelmRequests that may target it: those
// naming it, and every one that selects clusters by label or takes them all.
func (r *Reconciler) clusterUsers(ctx context.Context, o client.Object) []reconcile.Request {
	named := r.requestsFor(ctx, "", client.MatchingFields{clusterIndex: o.GetName()})
	return append(named, r.requestsFor(ctx, "", client.MatchingFields{clusterIndex: anyCluster})...)
}

// clustersOf is the Cluster a HelmRequest names, or anyCluster when it
// selects clusters by label or takes them all.
func clustersOf(o client.Object) []string {
	spec := o.(*v1.HelmRequest).Spec
	switch {
	case spec.ClusterName != "":
		return []string{spec.ClusterName}
	case spec.InstallToAllClusters, spec.ClusterSelector != nil:
		return []string{anyCluster}
	}
	return nil
}
