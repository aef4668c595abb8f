package plugin

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Health is how one of a release's objects is doing, in the words of
// kstatus: Current (as asked), InProgress, Failed, or Missing.
type Health string

// Health values.
const (
	Current    Health = "Current"
	InProgress Health = "InProgress"
	Failed     Health = "Failed"
	Missing    Health = "Missing"
)

// ObjectHealth judges an object by its status. Kinds without a status that
// says more are Current once they exist.
func ObjectHealth(u *unstructured.Unstructured) (Health, string) {
	if observed, ok, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration"); ok && observed < u.GetGeneration() {
		return InProgress, fmt.Sprintf("generation %d not observed by its controller yet", u.GetGeneration())
	}
	switch u.GroupVersionKind().GroupKind().String() {
	case "Deployment.apps", "ReplicaSet.apps", "StatefulSet.apps":
		return replicasHealth(u)
	case "DaemonSet.apps":
		return daemonSetHealth(u)
	case "Job.batch":
		return jobHealth(u)
	case "Pod":
		return podHealth(u)
	case "PersistentVolumeClaim":
		return phaseHealth(u, "Bound")
	case "Service":
		return serviceHealth(u)
	}
	return conditionsHealth(u)
}

// replicasHealth compares available replicas with those asked for. A
// workload no controller has looked at has no observedGeneration.
func replicasHealth(u *unstructured.Unstructured) (Health, string) {
	if _, ok, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration"); !ok {
		return InProgress, "not observed by its controller yet"
	}
	if h, msg := conditionHealth(u, "Progressing", "False", Failed); h != "" {
		return h, msg
	}
	want, ok, _ := unstructured.NestedInt64(u.Object, "spec", "replicas")
	if !ok {
		want = 1
	}
	have, _, _ := unstructured.NestedInt64(u.Object, "status", "availableReplicas")
	return availableHealth(have, want, "replicas")
}

func daemonSetHealth(u *unstructured.Unstructured) (Health, string) {
	have, _, _ := unstructured.NestedInt64(u.Object, "status", "numberAvailable")
	want, _, _ := unstructured.NestedInt64(u.Object, "status", "desiredNumberScheduled")
	return availableHealth(have, want, "pods")
}

// availableHealth is InProgress until as many things are available as are
// wanted, Current from then on.
func availableHealth(have, want int64, things string) (Health, string) {
	msg := fmt.Sprintf("%d/%d %s available", have, want, things)
	if have < want {
		return InProgress, msg
	}
	return Current, msg
}

func jobHealth(u *unstructured.Unstructured) (Health, string) {
	if h, msg := conditionHealth(u, "Failed", "True", Failed); h != "" {
		return h, msg
	}
	if h, _ := conditionHealth(u, "Complete", "True", Current); h != "" {
		return h, "complete"
	}
	return InProgress, "running"
}

func podHealth(u *unstructured.Unstructured) (Health, string) {
	phase, _, _ := unstructured.NestedString(u.Object, "status", "phase")
	switch phase {
	case "Succeeded":
		return Current, "succeeded"
	case "Failed":
		return Failed, "failed"
	case "Running":
		if h, _ := conditionHealth(u, "Ready", "True", Current); h != "" {
			return Current, "running and ready"
		}
		return InProgress, "running, not ready"
	}
	if phase == "" {
		phase = "Pending"
	}
	return InProgress, phase
}

func phaseHealth(u *unstructured.Unstructured, done string) (Health, string) {
	phase, _, _ := unstructured.NestedString(u.Object, "status", "phase")
	if phase == done {
		return Current, phase
	}
	return InProgress, phase
}

func serviceHealth(u *unstructured.Unstructured) (Health, string) {
	if t, _, _ := unstructured.NestedString(u.Object, "spec", "type"); t != "LoadBalancer" {
		return Current, ""
	}
	ingress, _, _ := unstructured.NestedSlice(u.Object, "status", "loadBalancer", "ingress")
	if len(ingress) == 0 {
		return InProgress, "waiting for a load balancer"
	}
	return Current, ""
}

// conditionsHealth reads the kstatus conditions other kinds (Captain's
// own among them) carry: Stalled, then Ready.
func conditionsHealth(u *unstructured.Unstructured) (Health, string) {
	if h, msg := conditionHealth(u, "Stalled", "True", Failed); h != "" {
		return h, msg
	}
	if h, msg := conditionHealth(u, "Ready", "False", InProgress); h != "" {
		return h, msg
	}
	return Current, ""
}

// conditionHealth returns h and the condition's message when the object has
// condition t with status s; "" otherwise.
func conditionHealth(u *unstructured.Unstructured, t, s string, h Health) (Health, string) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if ok && m["type"] == t && m["status"] == s {
			msg, _ := m["message"].(string)
			return h, msg
		}
	}
	return "", ""
}
