package v1alpha1

// LocalObjectReference names an object in the referrer's own namespace.
type LocalObjectReference struct {
	// Name of the object.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// Condition types shared by Captain's kinds. Ready, Reconciling and Stalled follow
// kstatus; the others are domain conditions that Ready summarises.
const (
	// ReadyCondition is True when the object's desired state is fully realised.
	ReadyCondition = "Ready"
	// ReconcilingCondition is True while Captain is working towards the desired state.
	ReconcilingCondition = "Reconciling"
	// StalledCondition is True when progress needs a change from the user.
	StalledCondition = "Stalled"
)

// EnvironmentLabel is the label on Cluster objects that overlays match with
// spec.overlays[].environment.
const EnvironmentLabel = "captain.io/environment"

// RepoLabel is the label on Chart objects naming the ChartRepo they came from.
const RepoLabel = "captain.io/repo"
