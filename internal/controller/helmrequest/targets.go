package helmrequest

import (
	"context"
	"fmt"
	"sort"
	"sync"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/values"
)

// perClusterLimit bounds the releases applied at once in one cluster, so a
// burst of work on one cluster neither starves the others nor floods its
// API server. It matches --concurrency's default: with one cluster, every
// reconcile worker can have its release in flight (a lower limit left
// workers waiting while the CPU idled between API round trips).
const perClusterLimit = 10

// target is one cluster the release goes to, and what this reconcile found
// and did there.
type target struct {
	name   string // v1.LocalCluster or a Cluster's name
	config *rest.Config
	labels map[string]string
	// status is the target's entry in status.clusters.
	status *v1.ClusterReleaseStatus
	values values.Result
	digest string
	err    error
	// driftChecked is set when this reconcile checked drift here.
	driftChecked bool
	// notes are the NOTES.txt of a revision this reconcile made here,
	// secret values masked.
	notes string
}

// resolveTargets computes the clusters the HelmRequest targets: the local
// cluster unless spec.clusterName, spec.installToAllClusters or
// spec.clusterSelector says otherwise. A Cluster that cannot be used is
// still a target, failed with the reason.
func (r *Reconciler) resolveTargets(ctx context.Context, s *scope) error {
	clusters, err := r.targetClusters(ctx, s.hr)
	if err != nil {
		return err
	}
	var targets []*target
	if clusters == nil {
		targets = []*target{{name: v1.LocalCluster, config: r.LocalConfig, labels: r.LocalClusterLabels}}
	}
	for i := range clusters {
		targets = append(targets, r.clusterTarget(ctx, &clusters[i]))
	}
	// Entries are added before any is handed out: appending moves them.
	for _, t := range targets {
		s.clusterStatus(t.name)
	}
	for _, t := range targets {
		t.status = s.clusterStatus(t.name)
	}
	s.targets = targets
	return nil
}

// targetClusters lists the targeted Cluster objects; nil means the local
// cluster.
func (r *Reconciler) targetClusters(ctx context.Context, hr *v1.HelmRequest) ([]v1.Cluster, error) {
	spec := hr.Spec
	switch {
	case spec.ClusterName != "":
		c := v1.Cluster{}
		err := r.Client.Get(ctx, ctrl.ObjectKey{Name: spec.ClusterName}, &c)
		if ctrl.IgnoreNotFound(err) != nil {
			return nil, retrying(v1.ReleasedCondition, "ClusterUnavailable", err)
		}
		if err != nil {
			// A missing Cluster is a failed target, so status says so.
			c.Name = spec.ClusterName
		}
		return []v1.Cluster{c}, nil
	case spec.InstallToAllClusters, spec.ClusterSelector != nil:
		list := &v1.ClusterList{}
		opts := []ctrl.ListOption{}
		if spec.ClusterSelector != nil {
			sel, err := metav1.LabelSelectorAsSelector(spec.ClusterSelector)
			if err != nil {
				return nil, stalled(v1.ReleasedCondition, "InvalidClusterSelector", fmt.Errorf("spec.clusterSelector: %w", err))
			}
			opts = append(opts, ctrl.MatchingLabelsSelector{Selector: sel})
		}
		if err := r.Client.List(ctx, list, opts...); err != nil {
			return nil, retrying(v1.ReleasedCondition, "ClusterUnavailable", err)
		}
		sort.Slice(list.Items, func(i, j int) bool { return list.Items[i].Name < list.Items[j].Name })
		if list.Items == nil {
			list.Items = []v1.Cluster{}
		}
		return list.Items, nil
	}
	return nil, nil
}

// clusterTarget turns a Cluster into a target, failed when the Cluster is
// missing, not Ready, or its kubeconfig cannot be used.
func (r *Reconciler) clusterTarget(ctx context.Context, c *v1.Cluster) *target {
	t := &target{name: c.Name, labels: c.Labels}
	ready := apimeta.FindStatusCondition(c.Status.Conditions, v1.ReadyCondition)
	switch {
	case c.UID == "":
		t.err = retrying(v1.ReleasedCondition, "ClusterNotFound", fmt.Errorf("Cluster %s not found", c.Name))
	case ready == nil:
		t.err = retrying(v1.ReleasedCondition, "ClusterNotReady", fmt.Errorf("Cluster %s has not been probed yet", c.Name))
	case ready.Status != metav1.ConditionTrue:
		t.err = retrying(v1.ReleasedCondition, "ClusterNotReady", fmt.Errorf("Cluster %s is not Ready: %s", c.Name, ready.Message))
	default:
		cfg, err := r.Clusters.Config(ctx, c)
		if err != nil {
			t.err = retrying(v1.ReleasedCondition, "ClusterNotReady", fmt.Errorf("Cluster %s: %w", c.Name, err))
		}
		t.config = cfg
	}
	return t
}

// clusterLimits hands out per-cluster slots.
type clusterLimits struct {
	mu    sync.Mutex
	slots map[string]chan struct{}
}

func (l *clusterLimits) acquire(ctx context.Context, cluster string) (release func(), err error) {
	l.mu.Lock()
	if l.slots == nil {
		l.slots = map[string]chan struct{}{}
	}
	ch, ok := l.slots[cluster]
	if !ok {
		ch = make(chan struct{}, perClusterLimit)
		l.slots[cluster] = ch
	}
	l.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
