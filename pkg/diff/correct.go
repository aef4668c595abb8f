package diff

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// fieldManager names Captain in managedFields for the corrections it makes.
const fieldManager = "captain"

// CorrectionPatch is a JSON Patch (RFC 6902) that puts the object's drifted
// fields back to their applied values and touches nothing else; it first
// tests the resourceVersion, so it applies only to the object that was
// compared. It holds the values in clear: never print it. Nil when the
// object has no field drift (a missing one is re-created, not patched).
func (o *ObjectDiff) CorrectionPatch() ([]byte, error) {
	if o.Drift == nil || o.Drift.Missing || len(o.Drift.Fields) == 0 {
		return nil, nil
	}
	ops := []patchOp{{Op: "test", Path: "/metadata/resourceVersion", Value: o.live.GetResourceVersion()}}
	for _, f := range o.Drift.Fields {
		ops = append(ops, f.restore)
	}
	return json.Marshal(ops)
}

// Correct restores every drifted object of the report: it patches drifted
// fields back (custom resources included, which Helm's own upgrade never
// does) and re-creates deleted objects as the release applied them. It
// returns the objects it changed. An object changed again since the report
// was made is left alone (its patch fails its resourceVersion test, an
// error here) for the next report to see.
func (d *Differ) Correct(ctx context.Context, r *Report) ([]ObjectRef, error) {
	var done []ObjectRef
	var errs []error
	for i := range r.Objects {
		o := &r.Objects[i]
		if o.Drift == nil {
			continue
		}
		if err := d.correct(ctx, o, r.releaseName, r.namespace); err != nil {
			errs = append(errs, fmt.Errorf("correcting drift of %s: %s", o.Ref, r.rd.text(err.Error())))
			continue
		}
		done = append(done, o.Ref)
	}
	return done, errors.Join(errs...)
}

func (d *Differ) correct(ctx context.Context, o *ObjectDiff, releaseName, namespace string) error {
	if o.mapping == nil || o.applied == nil {
		return errors.New("the report was not made by Diff or Drift")
	}
	res := d.resource(o.mapping, o.Ref.Namespace)
	if o.Drift.Missing {
		obj := withHelmMetadata(o.applied, releaseName, namespace)
		_, err := res.Create(ctx, obj, metav1.CreateOptions{FieldManager: fieldManager})
		return err
	}
	patch, err := o.CorrectionPatch()
	if err != nil {
		return err
	}
	_, err = res.Patch(ctx, o.Ref.Name, types.JSONPatchType, patch, metav1.PatchOptions{FieldManager: fieldManager})
	return err
}
