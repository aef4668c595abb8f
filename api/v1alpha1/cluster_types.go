package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ClusterSpec says how to reach a member cluster.
type ClusterSpec struct {
	// KubeconfigSecretRef points at a Secret in the controller's namespace
	// holding a kubeconfig. Cluster API's <name>-kubeconfig Secret with key
	// "value" works as-is.
	KubeconfigSecretRef SecretKeyReference `json:"kubeconfigSecretRef"`

	// Suspend stops probing the cluster and reconciling releases in it.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// SecretKeyReference selects a key of a Secret in the controller's namespace.
type SecretKeyReference struct {
	// Name of the Secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// Key holding the kubeconfig.
	// +optional
	// +kubebuilder:default=value
	// +kubebuilder:validation:MaxLength=253
	Key string `json:"key,omitempty"`
}

// ClusterStatus is what the last probe found.
type ClusterStatus struct {
	// ObservedGeneration is the last generation fully handled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready (reachable and authenticated).
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// KubernetesVersion is the version the cluster's API server reports.
	// +optional
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`

	// LastProbeTime is when the cluster was last probed.
	// +optional
	LastProbeTime *metav1.Time `json:"lastProbeTime,omitempty"`
}

// Cluster is a member cluster Captain can install releases into. Its labels
// (e.g. captain.io/environment) are what HelmRequests select and overlay on.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,categories=captain
// +kubebuilder:printcolumn:name="Environment",type=string,JSONPath=`.metadata.labels.captain\.io/environment`
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.status.kubernetesVersion`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name != 'local'",message="metadata.name \"local\" is reserved for the cluster Captain runs in"
type Cluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec   ClusterSpec   `json:"spec"`
	Status ClusterStatus `json:"status,omitempty"`
}

// ClusterList is a list of Clusters.
// +kubebuilder:object:root=true
type ClusterList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Cluster `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Cluster{}, &ClusterList{})
}
