// Package v1alpha1 holds Captain's API types: HelmRequest, ChartRepo, Chart and
// Cluster in the captain.io group.
// +kubebuilder:object:generate=true
// +groupName=captain.io
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of Captain's API.
	GroupVersion = schema.GroupVersion{Group: "captain.io", Version: "v1alpha1"}

	// SchemeBuilder registers Captain's types with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds Captain's types to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
