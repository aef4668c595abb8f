package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ChartRepoType is the kind of chart repository.
// +kubebuilder:validation:Enum=http;oci;git
type ChartRepoType string

// Chart repository types.
const (
	RepoHTTP ChartRepoType = "http"
	RepoOCI  ChartRepoType = "oci"
	RepoGit  ChartRepoType = "git"
)

// ChartRepoSpec locates a chart repository and says how often to sync it.
// +kubebuilder:validation:XValidation:rule="self.type != 'oci' || self.url.startsWith('oci://')",message="spec.url must be an oci:// reference when spec.type is oci"
// +kubebuilder:validation:XValidation:rule="self.type != 'http' || self.url.startsWith('http://') || self.url.startsWith('https://')",message="spec.url must be an http:// or https:// URL when spec.type is http"
// +kubebuilder:validation:XValidation:rule="self.type != 'git' || (self.url.contains('://') ? self.url.matches('^(https?|ssh|git|file)://') : self.url.matches('^[^/]+:'))",message="spec.url must be an https://, http://, ssh://, git:// or file:// URL, or user@host:path, when spec.type is git"
// +kubebuilder:validation:XValidation:rule="self.type == 'git' || !has(self.git)",message="spec.git is only valid when spec.type is git"
// +kubebuilder:validation:XValidation:rule="self.type == 'oci' || !has(self.plainHTTP) || !self.plainHTTP",message="spec.plainHTTP is only valid when spec.type is oci"
type ChartRepoSpec struct {
	// Type of the repository: an HTTP index (http), an OCI registry (oci) or a
	// Git repository of chart folders (git).
	// +optional
	// +kubebuilder:default=http
	Type ChartRepoType `json:"type,omitempty"`

	// URL of the repository. For Git: https://, http://, ssh://, git://,
	// file:// (a path on the controller's file system) or scp-style
	// user@host:path.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	URL string `json:"url"`

	// SecretRef names a Secret in this namespace with `username`/`password` or
	// `token`, and optionally `ca.crt`, `tls.crt`/`tls.key`; for Git over SSH
	// `identity` and `known_hosts`.
	// +optional
	SecretRef *LocalObjectReference `json:"secretRef,omitempty"`

	// InsecureSkipTLSVerify turns off TLS verification. Explicit opt-in only.
	// +optional
	InsecureSkipTLSVerify bool `json:"insecureSkipTLSVerify,omitempty"`

	// PlainHTTP talks to an OCI registry without TLS. Explicit opt-in only.
	// +optional
	PlainHTTP bool `json:"plainHTTP,omitempty"`

	// Interval between syncs.
	// +optional
	// +kubebuilder:default="10m"
	Interval *metav1.Duration `json:"interval,omitempty"`

	// Timeout of one sync.
	// +optional
	// +kubebuilder:default="60s"
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// Suspend stops syncing; Chart objects stay as they are.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// Git selects the ref and folder of a git repository.
	// +optional
	Git *GitSpec `json:"git,omitempty"`
}

// GitSpec selects what to read from a Git repository.
type GitSpec struct {
	// Ref to check out; default the remote's default branch.
	// +optional
	Ref *GitRef `json:"ref,omitempty"`

	// Path of the folder holding chart folders; default the repository root
	// and charts/.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Path string `json:"path,omitempty"`
}

// GitRef is one of a branch, a tag, a semver range over tags, or a commit.
// +kubebuilder:validation:XValidation:rule="[has(self.branch), has(self.tag), has(self.semver), has(self.commit)].filter(x, x).size() <= 1",message="spec.git.ref takes only one of branch, tag, semver or commit"
type GitRef struct {
	// Branch to follow.
	// +optional
	// +kubebuilder:validation:MaxLength=255
	Branch string `json:"branch,omitempty"`
	// Tag to check out.
	// +optional
	// +kubebuilder:validation:MaxLength=255
	Tag string `json:"tag,omitempty"`
	// SemVer is a constraint over tags; the highest matching tag is used.
	// +optional
	// +kubebuilder:validation:MaxLength=255
	SemVer string `json:"semver,omitempty"`
	// Commit SHA to check out.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9a-f]{7,64}$`
	Commit string `json:"commit,omitempty"`
}

// ChartRepoPhase summarises a ChartRepo for humans.
// +kubebuilder:validation:Enum=Pending;Synced;Failed
type ChartRepoPhase string

// ChartRepo phases.
const (
	RepoPending ChartRepoPhase = "Pending"
	RepoSynced  ChartRepoPhase = "Synced"
	RepoFailed  ChartRepoPhase = "Failed"
)

// ChartRepoStatus is what the last sync found.
type ChartRepoStatus struct {
	// Phase summarises the repository.
	// +optional
	Phase ChartRepoPhase `json:"phase,omitempty"`

	// ObservedGeneration is the last generation fully handled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready, Reconciling, Stalled.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// LastSyncTime is when the repository was last synced successfully.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`

	// IndexDigest is the digest of the index last synced (http, oci).
	// +optional
	IndexDigest string `json:"indexDigest,omitempty"`

	// Commit is the commit last synced (git).
	// +optional
	Commit string `json:"commit,omitempty"`

	// CommitMessage is the first line of that commit's message (git).
	// +optional
	CommitMessage string `json:"commitMessage,omitempty"`

	// ChartCount is the number of charts in the repository.
	// +optional
	ChartCount int `json:"chartCount,omitempty"`

	// ChartErrors lists charts that could not be loaded (git), or whose
	// versions were trimmed to keep their Chart object small.
	// +optional
	// +kubebuilder:validation:MaxItems=100
	ChartErrors []ChartError `json:"chartErrors,omitempty"`
}

// ChartError is a problem with one chart of a repository.
type ChartError struct {
	// Chart is the chart's name or folder.
	Chart string `json:"chart"`
	// Message says what is wrong.
	Message string `json:"message"`
}

// ChartRepo is a chart repository whose charts HelmRequests can name as
// <repo>/<chart> and that Captain lists as Chart objects.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=chartrepos,shortName=ctr,categories=captain
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.type`
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.spec.url`
// +kubebuilder:printcolumn:name="Charts",type=integer,JSONPath=`.status.chartCount`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="!self.metadata.name.contains('.')",message="metadata.name of a ChartRepo must not contain dots (Chart objects are named <chart>.<repo>)"
type ChartRepo struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec   ChartRepoSpec   `json:"spec"`
	Status ChartRepoStatus `json:"status,omitempty"`
}

// ChartRepoList is a list of ChartRepos.
// +kubebuilder:object:root=true
type ChartRepoList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ChartRepo `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ChartRepo{}, &ChartRepoList{})
}
