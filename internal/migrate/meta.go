package migrate

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Alauda Captain's finalizers, over its versions. captain.io adds its own.
var alaudaFinalizers = map[string]bool{"captain.alauda.io": true, "captain.cpaas.io": true}

// lastApplied describes the Alauda object; kept, it would make kubectl apply
// compute patches against the wrong kind.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// objectMeta keeps what names and labels the object. What the API server
// wrote (uid, resourceVersion, timestamps, managedFields) belongs to the old
// object and is dropped.
func (c *converter) objectMeta(obj map[string]any) metav1.ObjectMeta {
	var in metav1.ObjectMeta
	m, ok := obj["metadata"]
	if !ok {
		c.fatal("metadata", "missing")
		return in
	}
	// Read leniently: old objects carry fields (clusterName, ...) that
	// ObjectMeta no longer has, and none of them is kept anyway.
	if b, err := yaml.Marshal(m); err != nil || yaml.Unmarshal(b, &in) != nil {
		c.fatal("metadata", "cannot be read")
		return in
	}
	out := metav1.ObjectMeta{
		Name: in.Name, GenerateName: in.GenerateName, Namespace: in.Namespace,
		Labels: in.Labels, Annotations: in.Annotations,
	}
	if _, ok := out.Annotations[lastApplied]; ok {
		delete(out.Annotations, lastApplied)
		if len(out.Annotations) == 0 {
			out.Annotations = nil
		}
	}
	for _, f := range in.Finalizers {
		if !alaudaFinalizers[f] {
			c.warn("metadata.finalizers", "%s dropped: no controller of captain.io objects removes it", f)
		}
	}
	if len(in.OwnerReferences) > 0 {
		// An owner's uid does not carry over to a new object, and garbage
		// collection deletes objects whose owners it cannot find.
		c.warn("metadata.ownerReferences", "dropped: they name owners by uid, which a new object cannot keep; set them again if needed")
	}
	return out
}
