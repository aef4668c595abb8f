package diff

import (
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"captain.io/captain/api/v1alpha1"
)

// Input is one release in one cluster, as the controller knows it.
type Input struct {
	// ReleaseName and Namespace name the Helm release. Objects without a
	// namespace in the manifests are in Namespace, as Helm places them.
	ReleaseName string
	Namespace   string
	// LastApplied is the manifest of the deployed revision ("" before the
	// first install).
	LastApplied string
	// Desired is the manifest of the new render. Drift ignores it.
	Desired string
	// Inventory lists further objects the release may own (those a failed
	// revision created); the ones Desired does not render are pruned.
	Inventory []ObjectRef
	// Force predicts an upgrade with upgrade.force: objects are replaced, not
	// patched.
	Force bool
	// Ignore lists fields that are never drift.
	Ignore []v1alpha1.DriftIgnoreRule
	// SecretValues are values that came from Secrets (valuesFrom); they are
	// masked wherever they appear in the output.
	SecretValues []string
	// RedactionKey, when set, keys the hashes that stand in for secret
	// values (HMAC-SHA256), so that short secrets cannot be guessed from them.
	RedactionKey []byte
}

// Action is what an upgrade will do to an object.
type Action string

// Actions.
const (
	ActionCreate    Action = "Create"
	ActionUpdate    Action = "Update"
	ActionDelete    Action = "Delete"
	ActionUnchanged Action = "Unchanged"
)

// Report is the outcome of Diff or Drift. Everything exported in it is
// redacted, so it can be printed, logged or stored as it is; what Correct
// needs is not exported, so only a report the Differ made can be corrected.
type Report struct {
	Objects []ObjectDiff `json:"objects"`

	// The release, for Correct.
	releaseName, namespace string
	rd                     *redactor
}

// ObjectDiff is one object of the release.
type ObjectDiff struct {
	Ref ObjectRef `json:"ref"`
	// Action is what the upgrade will do; empty in a drift-only report.
	Action Action `json:"action,omitempty"`
	// Diff is a unified diff of YAML from the live object to the predicted
	// one (server-managed metadata and status left out).
	Diff string `json:"diff,omitempty"`
	// Drift is how the live object departs from what was last applied; nil
	// when it does not.
	Drift *Drift `json:"drift,omitempty"`
	// Error says why the object could not be read or predicted. A refused dry
	// run means the upgrade would be refused the same way.
	Error string `json:"error,omitempty"`

	mapping *meta.RESTMapping
	// applied is the object of the last-applied manifest, live as read,
	// predicted as the dry run returned it. Raw: never exported.
	applied, live, predicted *unstructured.Unstructured
}

// Drift of one object.
type Drift struct {
	// Missing is true when the object was deleted.
	Missing bool         `json:"missing,omitempty"`
	Fields  []FieldDrift `json:"fields,omitempty"`
}

// FieldDrift is one managed field whose live value differs from the
// applied one.
type FieldDrift struct {
	// Path is a JSON pointer into the live object; "-" stands for an element
	// missing from a list.
	Path string `json:"path"`
	// Applied is the value the chart set, redacted.
	Applied any `json:"applied"`
	// Live is the value in the cluster, redacted; nil when the field is gone.
	Live any `json:"live,omitempty"`

	restore patchOp
}

// Summary counts a report's objects.
type Summary struct {
	Create, Update, Delete, Unchanged int
	// DriftedObjects counts objects with drift, missing ones included;
	// DriftedFields the fields that drifted.
	DriftedObjects, DriftedFields int
	Errors                        int
}

// Summary counts the objects by action, drift and error.
func (r *Report) Summary() Summary {
	var s Summary
	for i := range r.Objects {
		o := &r.Objects[i]
		switch o.Action {
		case ActionCreate:
			s.Create++
		case ActionUpdate:
			s.Update++
		case ActionDelete:
			s.Delete++
		case ActionUnchanged:
			s.Unchanged++
		}
		if o.Drift != nil {
			s.DriftedObjects++
			s.DriftedFields += len(o.Drift.Fields)
		}
		if o.Error != "" {
			s.Errors++
		}
	}
	return s
}

// DriftSummary is the report's drift in the form HelmRequest status keeps;
// the caller sets CheckedTime.
func (r *Report) DriftSummary() v1alpha1.DriftSummary {
	s := r.Summary()
	return v1alpha1.DriftSummary{Objects: s.DriftedObjects, Fields: s.DriftedFields}
}

// Err joins the per-object errors, or is nil.
func (r *Report) Err() error {
	var errs []error
	for _, o := range r.Objects {
		if o.Error != "" {
			errs = append(errs, fmt.Errorf("%s: %s", o.Ref, o.Error))
		}
	}
	return errors.Join(errs...)
}
