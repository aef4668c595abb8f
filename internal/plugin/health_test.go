package plugin

import (
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

func TestObjectHealth(t *testing.T) {
	for _, tc := range []struct {
		name   string
		object string
		health Health
		msg    string
	}{
		{"configmap exists", "apiVersion: v1\nkind: ConfigMap", Current, ""},
		{"deployment never observed", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {generation: 1}\nspec: {replicas: 2}\nstatus: {}", InProgress, "not observed by its controller yet"},
		{"deployment behind its generation", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {generation: 3}\nstatus: {observedGeneration: 2}", InProgress, "generation 3 not observed by its controller yet"},
		{"deployment rolling", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {generation: 1}\nspec: {replicas: 3}\nstatus: {observedGeneration: 1, availableReplicas: 2}", InProgress, "2/3 replicas available"},
		{"deployment available, replicas defaulted", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {generation: 1}\nstatus: {observedGeneration: 1, availableReplicas: 1}", Current, "1/1 replicas available"},
		{"deployment past its deadline", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {generation: 1}\nstatus: {observedGeneration: 1, conditions: [{type: Progressing, status: \"False\", message: ReplicaSet web has timed out progressing.}]}", Failed, "ReplicaSet web has timed out progressing."},
		{"statefulset ready", "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {generation: 1}\nspec: {replicas: 2}\nstatus: {observedGeneration: 1, availableReplicas: 2}", Current, "2/2 replicas available"},
		{"daemonset rolling", "apiVersion: apps/v1\nkind: DaemonSet\nstatus: {desiredNumberScheduled: 3, numberAvailable: 1}", InProgress, "1/3 pods available"},
		{"job complete", "apiVersion: batch/v1\nkind: Job\nstatus: {conditions: [{type: Complete, status: \"True\"}]}", Current, "complete"},
		{"job failed", "apiVersion: batch/v1\nkind: Job\nstatus: {conditions: [{type: Failed, status: \"True\", message: BackoffLimitExceeded}]}", Failed, "BackoffLimitExceeded"},
		{"job running", "apiVersion: batch/v1\nkind: Job\nstatus: {active: 1}", InProgress, "running"},
		{"pod pending", "apiVersion: v1\nkind: Pod", InProgress, "Pending"},
		{"pod ready", "apiVersion: v1\nkind: Pod\nstatus: {phase: Running, conditions: [{type: Ready, status: \"True\"}]}", Current, "running and ready"},
		{"pod not ready", "apiVersion: v1\nkind: Pod\nstatus: {phase: Running}", InProgress, "running, not ready"},
		{"pvc bound", "apiVersion: v1\nkind: PersistentVolumeClaim\nstatus: {phase: Bound}", Current, "Bound"},
		{"load balancer waiting", "apiVersion: v1\nkind: Service\nspec: {type: LoadBalancer}", InProgress, "waiting for a load balancer"},
		{"cluster IP service", "apiVersion: v1\nkind: Service\nspec: {type: ClusterIP}", Current, ""},
		{"custom resource not ready", "apiVersion: example.com/v1\nkind: Widget\nstatus: {conditions: [{type: Ready, status: \"False\", message: warming up}]}", InProgress, "warming up"},
		{"custom resource stalled", "apiVersion: example.com/v1\nkind: Widget\nstatus: {conditions: [{type: Stalled, status: \"True\", message: bad spec}]}", Failed, "bad spec"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			// Decoded as the client decodes objects: integers stay int64.
			j, err := yaml.YAMLToJSON([]byte(tc.object))
			g.Expect(err).NotTo(HaveOccurred())
			u := &unstructured.Unstructured{}
			g.Expect(u.UnmarshalJSON(j)).To(Succeed())
			health, msg := ObjectHealth(u)
			g.Expect(health).To(Equal(tc.health))
			g.Expect(msg).To(Equal(tc.msg))
		})
	}
}
