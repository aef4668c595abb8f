package diff

import (
	"reflect"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Allocated stands, in a predicted object, for a value the server will
// allocate: a dry run only returns a placeholder for it (10.0.0.0 for a new
// Service's cluster IP) or a value the real request will not get.
const Allocated = "<allocated>"

// markAllocated replaces the allocated values of a predicted Service (cluster
// IPs, node ports) with Allocated, unless the chart set them or the live
// object already has them (an update keeps what was allocated).
func markAllocated(predicted, desired, live *unstructured.Unstructured) {
	if gvk := predicted.GroupVersionKind(); gvk.Group != "" || gvk.Kind != "Service" {
		return
	}
	spec, _ := predicted.Object["spec"].(map[string]any)
	want, _ := desired.Object["spec"].(map[string]any)
	var had map[string]any
	if live != nil {
		had, _ = live.Object["spec"].(map[string]any)
	}
	for _, f := range []string{"clusterIP", "clusterIPs", "healthCheckNodePort"} {
		markField(spec, want, had, f)
	}
	ports, _ := spec["ports"].([]any)
	for i, p := range ports {
		port, _ := p.(map[string]any)
		markField(port, element(want["ports"], i), matchingPort(had["ports"], port), "nodePort")
	}
}

func markField(predicted, desired, live map[string]any, field string) {
	v, ok := predicted[field]
	if !ok || desired[field] != nil || reflect.DeepEqual(live[field], v) {
		return
	}
	if list, ok := v.([]any); ok {
		marked := make([]any, len(list))
		for i := range list {
			marked[i] = Allocated
		}
		predicted[field] = marked
		return
	}
	predicted[field] = Allocated
}

func element(list any, i int) map[string]any {
	l, _ := list.([]any)
	if i >= len(l) {
		return nil
	}
	m, _ := l[i].(map[string]any)
	return m
}

// matchingPort finds the live port a predicted one updates: same port
// number and protocol.
func matchingPort(live any, port map[string]any) map[string]any {
	ports, _ := live.([]any)
	for _, p := range ports {
		m, _ := p.(map[string]any)
		if sameScalar(m["port"], port["port"]) && sameScalar(m["protocol"], port["protocol"]) {
			return m
		}
	}
	return nil
}
