package release

import (
	"time"

	"helm.sh/helm/v3/pkg/chart"
	helmrelease "helm.sh/helm/v3/pkg/release"
)

// CRDPolicy says what happens to the CRDs in a chart's crds/ folder.
type CRDPolicy string

// CRD policies.
const (
	CRDsSkip          CRDPolicy = "Skip"
	CRDsCreate        CRDPolicy = "Create"
	CRDsCreateReplace CRDPolicy = "CreateReplace"
)

// Request is a release as it should be in one target.
type Request struct {
	Target    Target
	Name      string
	Namespace string
	Chart     *chart.Chart
	// Values are the user-supplied values; Helm coalesces chart defaults.
	Values map[string]any
	Owner  Owner
	// Digest identifies the desired state (chart digest, values, options);
	// it is recorded on the revision so that an unchanged state is a no-op.
	Digest string
	// Inventory lists objects earlier revisions created that the release
	// history may no longer show (see Outcome.Inventory).
	Inventory []ObjectRef
	Options   Options
}

// Options tune an operation.
type Options struct {
	Timeout           time.Duration
	Wait              bool
	MaxHistory        int
	CRDs              CRDPolicy
	Force             bool
	RollbackOnFailure bool
	CreateNamespace   bool
	// Adopt takes over a release some other owner (or nobody) made.
	Adopt bool
	// KeepResources makes Uninstall forget the release but leave its objects.
	KeepResources bool
}

// Outcome is what an operation left behind.
type Outcome struct {
	// Release is the newest revision, when there is one.
	Release *helmrelease.Release
	// RolledBack is true when a failed upgrade was rolled back.
	RolledBack bool
	// Inventory is every object the release may own: the objects of the
	// deployed revision after a successful operation, or that plus every
	// object a failed revision may have created. Callers persist it and pass
	// it back in the next Request so that orphans survive history pruning.
	Inventory []ObjectRef
	// Pruned lists the orphans deleted after a successful upgrade.
	Pruned []ObjectRef
}
