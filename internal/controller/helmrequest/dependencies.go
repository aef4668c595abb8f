package helmrequest

import (
	"context"
	"fmt"
	"strings"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
)

// checkDependencies requires every HelmRequest in spec.dependencies (same
// namespace) to exist and form no cycle; whether each is deployed is checked
// per target cluster (dependenciesIn). A change to a dependency requeues its
// dependents (see the dependencies index), so waiting costs nothing.
func (r *Reconciler) checkDependencies(ctx context.Context, s *scope) error {
	deps := s.hr.Spec.Dependencies
	if len(deps) == 0 {
		s.removeCondition(v1.DependenciesReadyCondition)
		return nil
	}
	if cycle, err := r.findCycle(ctx, s.hr); err != nil {
		return retrying(v1.DependenciesReadyCondition, "DependencyError", err)
	} else if cycle != "" {
		return stalled(v1.DependenciesReadyCondition, "DependencyCycle",
			fmt.Errorf("spec.dependencies forms a cycle: %s", cycle))
	}
	var missing []string
	for _, name := range deps {
		err := r.Client.Get(ctx, ctrl.ObjectKey{Namespace: s.hr.Namespace, Name: name}, &v1.HelmRequest{})
		if ctrl.IgnoreNotFound(err) != nil {
			return retrying(v1.DependenciesReadyCondition, "DependencyError", err)
		}
		if err != nil {
			missing = append(missing, name+" (not found)")
		}
	}
	if len(missing) > 0 {
		return retrying(v1.DependenciesReadyCondition, "DependencyNotReady",
			fmt.Errorf("spec.dependencies: waiting for HelmRequest %s", strings.Join(missing, ", ")))
	}
	return nil
}

func isReady(hr *v1.HelmRequest) bool {
	c := apimeta.FindStatusCondition(hr.Status.Conditions, v1.ReadyCondition)
	return c != nil && c.Status == metav1.ConditionTrue && hr.Status.ObservedGeneration == hr.Generation
}

// findCycle walks the dependency graph from hr and returns a cycle through
// hr as "a -> b -> a", or "".
func (r *Reconciler) findCycle(ctx context.Context, hr *v1.HelmRequest) (string, error) {
	path := []string{hr.Name}
	visited := map[string]bool{}
	var walk func(deps []string) (bool, error)
	walk = func(deps []string) (bool, error) {
		for _, name := range deps {
			if name == hr.Name {
				path = append(path, name)
				return true, nil
			}
			if visited[name] {
				continue
			}
			visited[name] = true
			dep := &v1.HelmRequest{}
			err := r.Client.Get(ctx, ctrl.ObjectKey{Namespace: hr.Namespace, Name: name}, dep)
			if err != nil {
				if ctrl.IgnoreNotFound(err) != nil {
					return false, err
				}
				continue
			}
			path = append(path, name)
			found, err := walk(dep.Spec.Dependencies)
			if found || err != nil {
				return found, err
			}
			path = path[:len(path)-1]
		}
		return false, nil
	}
	found, err := walk(hr.Spec.Dependencies)
	if !found {
		return "", err
	}
	return strings.Join(path, " -> "), nil
}
