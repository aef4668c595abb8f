package cluster

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "captain.io/captain/api/v1alpha1"
)

// SetupWithManager registers the reconciler. A change to a kubeconfig
// Secret in namespace (the controller's) re-probes the Clusters using it.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, namespace string, opts controller.Options) error {
	inNamespace := predicate.NewPredicateFuncs(func(o client.Object) bool { return o.GetNamespace() == namespace })
	return ctrl.NewControllerManagedBy(mgr).
		Named("cluster").
		WithOptions(opts).
		For(&v1.Cluster{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}))).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.usersOf), builder.WithPredicates(inNamespace)).
		Complete(r)
}

// usersOf maps a Secret to the Clusters whose kubeconfig it holds.
func (r *Reconciler) usersOf(ctx context.Context, o client.Object) []reconcile.Request {
	var list v1.ClusterList
	if err := r.Client.List(ctx, &list); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for _, c := range list.Items {
		if c.Spec.KubeconfigSecretRef.Name == o.GetName() {
			reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Name: c.Name}})
		}
	}
	return reqs
}
