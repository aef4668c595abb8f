package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// HelmRequestSpec says which chart, which version and which values Captain keeps
// installed, and in which clusters.
// +kubebuilder:validation:XValidation:rule="has(oldSelf.releaseName) == has(self.releaseName) && (!has(self.releaseName) || self.releaseName == oldSelf.releaseName)",message="spec.releaseName cannot change: the old release would be left behind; delete this HelmRequest (which uninstalls it) and create a new one",fieldPath=".releaseName"
// +kubebuilder:validation:XValidation:rule="has(oldSelf.__namespace__) == has(self.__namespace__) && (!has(self.__namespace__) || self.__namespace__ == oldSelf.__namespace__)",message="spec.namespace cannot change: the old release would be left behind; delete this HelmRequest (which uninstalls it) and create a new one",fieldPath=".namespace"
// +kubebuilder:validation:XValidation:rule="has(self.chart) != has(self.source)",message="exactly one of spec.chart (repo/name) or spec.source must be set"
// +kubebuilder:validation:XValidation:rule="[has(self.clusterName) && size(self.clusterName) > 0, has(self.installToAllClusters) && self.installToAllClusters, has(self.clusterSelector)].filter(x, x).size() <= 1",message="spec.clusterName, spec.installToAllClusters and spec.clusterSelector are mutually exclusive"
type HelmRequestSpec struct {
	// Chart is `<repo>/<chart>`: a ChartRepo in this namespace (else in the
	// controller's namespace) and a chart in it. Mutually exclusive with source.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[A-Za-z0-9][-A-Za-z0-9_.]*$')",message="spec.chart must be of the form <repo>/<chart>, e.g. stable/nginx"
	Chart string `json:"chart,omitempty"`

	// Source locates a chart outside any ChartRepo. Mutually exclusive with chart.
	// +optional
	Source *ChartSource `json:"source,omitempty"`

	// Version is an exact chart version or a semver constraint (">=1.2 <2", "~1.4").
	// Empty means the latest stable version.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Version string `json:"version,omitempty"`

	// ReleaseName is the Helm release name. Defaults to the object's name.
	// +optional
	// +kubebuilder:validation:MaxLength=53
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	ReleaseName string `json:"releaseName,omitempty"`

	// Namespace is the release's namespace in each target cluster. Defaults to
	// the object's namespace.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Namespace string `json:"namespace,omitempty"`

	// CreateNamespace creates the release namespace when it does not exist.
	// +optional
	CreateNamespace bool `json:"createNamespace,omitempty"`

	// Values are the release's values, layered over valuesFrom.
	// +optional
	Values *apiextensionsv1.JSON `json:"values,omitempty"`

	// ValuesFrom are ConfigMap or Secret keys in this namespace holding values
	// YAML, layered in order over the chart's defaults. A change to one of them
	// upgrades the release.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	ValuesFrom []ValuesReference `json:"valuesFrom,omitempty"`

	// Overlays are values applied in order over values for the target clusters
	// they match.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=32
	Overlays []Overlay `json:"overlays,omitempty"`

	// ClusterName targets one registered Cluster; empty means the local cluster.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	ClusterName string `json:"clusterName,omitempty"`

	// InstallToAllClusters targets every registered Cluster.
	// +optional
	InstallToAllClusters bool `json:"installToAllClusters,omitempty"`

	// ClusterSelector targets the registered Clusters whose labels match.
	// +optional
	ClusterSelector *metav1.LabelSelector `json:"clusterSelector,omitempty"`

	// Dependencies are HelmRequests in this namespace that must be Ready first.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=253
	Dependencies []string `json:"dependencies,omitempty"`

	// Suspend stops reconciling; the release is left as it is.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// Timeout bounds each Helm operation (and the wait for readiness).
	// +optional
	// +kubebuilder:default="5m"
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// Wait makes Ready require the release's workloads to be ready, not only the
	// Helm operation to have succeeded.
	// +optional
	Wait bool `json:"wait,omitempty"`

	// MaxHistory is the number of Helm revisions kept per release; 0 keeps all.
	// +optional
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=0
	MaxHistory *int `json:"maxHistory,omitempty"`

	// CRDs says what happens to the CRDs in the chart's crds/ folder: Skip them,
	// Create them when missing (Helm's behaviour), or CreateReplace them on
	// every install and upgrade.
	// +optional
	// +kubebuilder:default=Create
	CRDs CRDPolicy `json:"crds,omitempty"`

	// Upgrade tunes upgrades.
	// +optional
	Upgrade *UpgradeSpec `json:"upgrade,omitempty"`

	// DriftDetection reports, and optionally corrects, live changes to the
	// release's objects.
	// +optional
	DriftDetection *DriftDetectionSpec `json:"driftDetection,omitempty"`

	// Uninstall tunes what deleting the HelmRequest does.
	// +optional
	Uninstall *UninstallSpec `json:"uninstall,omitempty"`

	// ServiceAccountName is impersonated, in the release namespace, for every
	// change the release makes.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// Adopt lets Captain take over an existing release of the same name that no
	// HelmRequest owns (made with the helm CLI) or that another HelmRequest owns.
	// Without it such a release is never touched.
	// +optional
	Adopt bool `json:"adopt,omitempty"`
}

// ChartSource locates a chart by URL instead of through a ChartRepo.
// +kubebuilder:validation:XValidation:rule="has(self.http) != has(self.oci)",message="exactly one of spec.source.http or spec.source.oci must be set"
type ChartSource struct {
	// HTTP is a chart archive (.tgz) at an http(s) URL.
	// +optional
	HTTP *HTTPChartSource `json:"http,omitempty"`

	// OCI is a chart in an OCI registry; spec.version selects the tag.
	// +optional
	OCI *OCIChartSource `json:"oci,omitempty"`
}

// HTTPChartSource is a chart archive at a URL.
type HTTPChartSource struct {
	// URL of the chart archive.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.startsWith('http://') || self.startsWith('https://')",message="spec.source.http.url must be an http:// or https:// URL"
	URL string `json:"url"`

	// SecretRef names a Secret in this namespace with `username`/`password`,
	// or `token`, and optionally `ca.crt`, `tls.crt`/`tls.key`.
	// +optional
	SecretRef *LocalObjectReference `json:"secretRef,omitempty"`

	// InsecureSkipTLSVerify turns off TLS verification. Explicit opt-in only.
	// +optional
	InsecureSkipTLSVerify bool `json:"insecureSkipTLSVerify,omitempty"`
}

// OCIChartSource is a chart repository in an OCI registry.
type OCIChartSource struct {
	// Repo is the chart's repository, e.g. oci://registry.example/charts/nginx.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.startsWith('oci://')",message="spec.source.oci.repo must be an oci:// reference"
	Repo string `json:"repo"`

	// SecretRef names a Secret in this namespace with `username`/`password`,
	// or `token`, and optionally `ca.crt`, `tls.crt`/`tls.key`.
	// +optional
	SecretRef *LocalObjectReference `json:"secretRef,omitempty"`

	// InsecureSkipTLSVerify turns off TLS verification. Explicit opt-in only.
	// +optional
	InsecureSkipTLSVerify bool `json:"insecureSkipTLSVerify,omitempty"`

	// PlainHTTP talks to the registry without TLS. Explicit opt-in only.
	// +optional
	PlainHTTP bool `json:"plainHTTP,omitempty"`
}

// ValuesReference points at values YAML in a ConfigMap or a Secret.
// +kubebuilder:validation:XValidation:rule="has(self.configMapKeyRef) != has(self.secretKeyRef)",message="exactly one of configMapKeyRef or secretKeyRef must be set"
type ValuesReference struct {
	// ConfigMapKeyRef selects a key of a ConfigMap in this namespace.
	// +optional
	ConfigMapKeyRef *ValuesKeyRef `json:"configMapKeyRef,omitempty"`

	// SecretKeyRef selects a key of a Secret in this namespace. Values from it
	// are never shown in status, events, logs or diffs.
	// +optional
	SecretKeyRef *ValuesKeyRef `json:"secretKeyRef,omitempty"`
}

// ValuesKeyRef selects a key of a ConfigMap or Secret.
type ValuesKeyRef struct {
	// Name of the ConfigMap or Secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// Key holding the values YAML.
	// +optional
	// +kubebuilder:default="values.yaml"
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key,omitempty"`

	// Optional tolerates a missing object or key.
	// +optional
	Optional bool `json:"optional,omitempty"`
}

// Overlay is a layer of values for the target clusters it matches.
// +kubebuilder:validation:XValidation:rule="has(self.environment) || has(self.clusterSelector)",message="an overlay needs environment or clusterSelector"
type Overlay struct {
	// Name identifies the overlay in provenance and status.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Name string `json:"name"`

	// Environment matches clusters whose captain.io/environment label equals it.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Environment string `json:"environment,omitempty"`

	// ClusterSelector matches clusters by labels. With environment, both must match.
	// +optional
	ClusterSelector *metav1.LabelSelector `json:"clusterSelector,omitempty"`

	// Values layered over the HelmRequest's values.
	// +optional
	Values *apiextensionsv1.JSON `json:"values,omitempty"`

	// ValuesFrom layered, in order, before this overlay's values.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	ValuesFrom []ValuesReference `json:"valuesFrom,omitempty"`
}

// CRDPolicy says what happens to the CRDs in a chart's crds/ folder.
// +kubebuilder:validation:Enum=Skip;Create;CreateReplace
type CRDPolicy string

// CRD policies.
const (
	CRDsSkip          CRDPolicy = "Skip"
	CRDsCreate        CRDPolicy = "Create"
	CRDsCreateReplace CRDPolicy = "CreateReplace"
)

// UpgradeSpec tunes upgrades.
type UpgradeSpec struct {
	// Force replaces objects that cannot be patched (delete and recreate).
	// +optional
	Force bool `json:"force,omitempty"`

	// RollbackOnFailure rolls back to the last deployed revision when an
	// upgrade fails.
	// +optional
	RollbackOnFailure bool `json:"rollbackOnFailure,omitempty"`
}

// DriftMode says what Captain does about live changes to a release's objects.
// +kubebuilder:validation:Enum=Disabled;Warn;Correct
type DriftMode string

// Drift modes.
const (
	DriftDisabled DriftMode = "Disabled"
	DriftWarn     DriftMode = "Warn"
	DriftCorrect  DriftMode = "Correct"
)

// DriftDetectionSpec configures drift detection.
type DriftDetectionSpec struct {
	// Mode: Disabled, Warn (report in the Drifted condition) or Correct (report,
	// then restore the managed fields).
	// +optional
	// +kubebuilder:default=Disabled
	Mode DriftMode `json:"mode,omitempty"`

	// Ignore lists fields that are never drift.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	Ignore []DriftIgnoreRule `json:"ignore,omitempty"`
}

// DriftIgnoreRule ignores JSON pointer paths on the objects it targets.
type DriftIgnoreRule struct {
	// Paths are JSON pointers (RFC 6901), e.g. /spec/replicas.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=1024
	// +kubebuilder:validation:items:Pattern=`^/`
	Paths []string `json:"paths"`

	// Target selects objects; empty matches every object of the release.
	// +optional
	Target *ObjectSelector `json:"target,omitempty"`
}

// ObjectSelector selects objects of a release by kind and name.
type ObjectSelector struct {
	// Group of the object's API version; empty matches any group.
	// +optional
	Group string `json:"group,omitempty"`
	// Kind of the object.
	// +optional
	Kind string `json:"kind,omitempty"`
	// Name of the object.
	// +optional
	Name string `json:"name,omitempty"`
	// Namespace of the object.
	// +optional
	Namespace string `json:"namespace,omitempty"`
}

// UninstallSpec tunes uninstalls.
type UninstallSpec struct {
	// KeepResources deletes the HelmRequest without uninstalling its releases.
	// +optional
	KeepResources bool `json:"keepResources,omitempty"`
}

// HelmRequestPhase summarises a HelmRequest for humans.
// +kubebuilder:validation:Enum=Pending;Synced;PartialSynced;Failed;Uninstalling
type HelmRequestPhase string

// HelmRequest phases.
const (
	PhasePending       HelmRequestPhase = "Pending"
	PhaseSynced        HelmRequestPhase = "Synced"
	PhasePartialSynced HelmRequestPhase = "PartialSynced"
	PhaseFailed        HelmRequestPhase = "Failed"
	PhaseUninstalling  HelmRequestPhase = "Uninstalling"
)

// Domain condition types of a HelmRequest, summarised by Ready.
const (
	ChartResolvedCondition     = "ChartResolved"
	DependenciesReadyCondition = "DependenciesReady"
	ReleasedCondition          = "Released"
	DriftedCondition           = "Drifted"
)

// HelmRequestStatus is what Captain observed and did.
type HelmRequestStatus struct {
	// Phase summarises the HelmRequest.
	// +optional
	Phase HelmRequestPhase `json:"phase,omitempty"`

	// ObservedGeneration is the last generation fully handled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready, Reconciling, Stalled, ChartResolved,
	// DependenciesReady, Released, Drifted.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// Version is the resolved chart version.
	// +optional
	Version string `json:"version,omitempty"`

	// LastSpecHash is the digest of the last fully applied desired state.
	// +optional
	LastSpecHash string `json:"lastSpecHash,omitempty"`

	// Clusters holds one entry per target cluster.
	// +optional
	// +listType=map
	// +listMapKey=name
	Clusters []ClusterReleaseStatus `json:"clusters,omitempty"`

	// Notes are the chart's rendered NOTES.txt.
	// +optional
	Notes string `json:"notes,omitempty"`
}

// ClusterReleaseStatus is the state of the release in one target cluster.
type ClusterReleaseStatus struct {
	// Name of the Cluster; "local" is the cluster Captain runs in.
	Name string `json:"name"`

	// Phase of the release in this cluster.
	// +optional
	Phase HelmRequestPhase `json:"phase,omitempty"`

	// Revision is the deployed Helm revision.
	// +optional
	Revision int `json:"revision,omitempty"`

	// Version is the deployed chart version.
	// +optional
	Version string `json:"version,omitempty"`

	// Digest is the desired-state digest last applied in this cluster.
	// +optional
	Digest string `json:"digest,omitempty"`

	// FailedDigest is a desired-state digest whose upgrade failed and was
	// rolled back. Captain does not try it again until the desired state or
	// the HelmRequest's spec changes, so a failing upgrade does not pile up
	// failed and rollback revisions.
	// +optional
	FailedDigest string `json:"failedDigest,omitempty"`

	// Message says why the release is not synced, if it is not.
	// +optional
	Message string `json:"message,omitempty"`

	// Drift summarises live changes, when drift detection is on.
	// +optional
	Drift *DriftSummary `json:"drift,omitempty"`

	// LastAppliedTime is when Captain last changed the release.
	// +optional
	LastAppliedTime *metav1.Time `json:"lastAppliedTime,omitempty"`

	// Inventory lists every object the release may own, as
	// namespace_name_group_kind: the deployed revision's objects, plus those a
	// failed revision may have created, until an upgrade prunes them.
	// +optional
	Inventory []string `json:"inventory,omitempty"`
}

// LocalCluster is the status name of the cluster Captain runs in.
const LocalCluster = "local"

// DriftSummary counts drifted objects and fields.
type DriftSummary struct {
	// Objects that differ from what was applied (missing ones included).
	Objects int `json:"objects"`
	// Fields that differ.
	Fields int `json:"fields"`
	// CheckedTime is when these counts were first found: a check that finds
	// the same counts writes nothing, so that idle releases cost no writes.
	// +optional
	CheckedTime *metav1.Time `json:"checkedTime,omitempty"`
}

// HelmRequest keeps a Helm release installed, with the given chart, version and
// values, in one or many clusters.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=hr,categories=captain
// +kubebuilder:printcolumn:name="Chart",type=string,JSONPath=`.spec.chart`
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.status.version`
// +kubebuilder:printcolumn:name="Namespace",type=string,JSONPath=`.spec.namespace`
// +kubebuilder:printcolumn:name="Clusters",type=string,JSONPath=`.status.clusters[*].name`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="has(self.spec.releaseName) || self.metadata.name.size() <= 53",message="spec.releaseName is required when metadata.name is longer than 53 characters (a Helm release name is at most 53)",fieldPath=".spec.releaseName"
// +kubebuilder:validation:XValidation:rule="has(self.spec.releaseName) || self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="spec.releaseName is required when metadata.name is not a DNS label (a Helm release name must be one)",fieldPath=".spec.releaseName"
type HelmRequest struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec   HelmRequestSpec   `json:"spec"`
	Status HelmRequestStatus `json:"status,omitempty"`
}

// HelmRequestList is a list of HelmRequests.
// +kubebuilder:object:root=true
type HelmRequestList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []HelmRequest `json:"items"`
}

func init() {
	SchemeBuilder.Register(&HelmRequest{}, &HelmRequestList{})
}

// ReleaseName is the Helm release name: spec.releaseName, else the object's name.
func (hr *HelmRequest) ReleaseName() string {
	if hr.Spec.ReleaseName != "" {
		return hr.Spec.ReleaseName
	}
	return hr.Name
}

// ReleaseNamespace is the release namespace: spec.namespace, else the object's.
func (hr *HelmRequest) ReleaseNamespace() string {
	if hr.Spec.Namespace != "" {
		return hr.Spec.Namespace
	}
	return hr.Namespace
}
