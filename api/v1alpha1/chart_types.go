package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ChartSpec lists a chart's versions, newest first. Captain writes it from the
// ChartRepo's index; users only read it.
type ChartSpec struct {
	// Name of the chart in its repository.
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// Repo is the ChartRepo the chart came from.
	// +kubebuilder:validation:MaxLength=253
	Repo string `json:"repo"`

	// TotalVersions is how many versions the repository has. When it is more
	// than len(versions), the oldest were left out to keep the object small;
	// the newest versions carry every field, older ones only the essentials.
	// +optional
	TotalVersions int `json:"totalVersions,omitempty"`

	// Versions of the chart, newest first.
	// +optional
	// +kubebuilder:validation:MaxItems=5000
	Versions []ChartVersion `json:"versions,omitempty"`
}

// ChartVersion is one version of a chart, trimmed to what a marketplace shows.
type ChartVersion struct {
	// Version is the chart's semver version.
	Version string `json:"version"`
	// AppVersion is the version of the application the chart deploys.
	// +optional
	AppVersion string `json:"appVersion,omitempty"`
	// Description of the chart.
	// +optional
	Description string `json:"description,omitempty"`
	// Icon URL.
	// +optional
	Icon string `json:"icon,omitempty"`
	// Keywords for search.
	// +optional
	Keywords []string `json:"keywords,omitempty"`
	// Created is when the version was packaged.
	// +optional
	Created *metav1.Time `json:"created,omitempty"`
	// Digest of the chart archive.
	// +optional
	Digest string `json:"digest,omitempty"`
	// URLs the archive can be downloaded from.
	// +optional
	URLs []string `json:"urls,omitempty"`
	// Deprecated marks a version its authors no longer support.
	// +optional
	Deprecated bool `json:"deprecated,omitempty"`
}

// Chart is one chart of a ChartRepo with its versions, named <chart>.<repo>
// and owned by the ChartRepo.
// +kubebuilder:object:root=true
// +kubebuilder:resource:categories=captain
// +kubebuilder:printcolumn:name="Chart",type=string,JSONPath=`.spec.name`
// +kubebuilder:printcolumn:name="Repo",type=string,JSONPath=`.spec.repo`
// +kubebuilder:printcolumn:name="Latest",type=string,JSONPath=`.spec.versions[0].version`
// +kubebuilder:printcolumn:name="App Version",type=string,JSONPath=`.spec.versions[0].appVersion`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Chart struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec ChartSpec `json:"spec"`
}

// ChartList is a list of Charts.
// +kubebuilder:object:root=true
type ChartList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Chart `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Chart{}, &ChartList{})
}
