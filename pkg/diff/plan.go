package diff

import (
	"context"
	"reflect"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Diff reports, for every object of the release, what an upgrade from
// in.LastApplied to in.Desired will do to it (predicted by the API server
// in a dry run) and how the live object has drifted from what was applied.
// Problems with single objects are reported in them (Report.Err joins them);
// the error is for unreadable manifests and ignore rules.
func (d *Differ) Diff(ctx context.Context, in Input) (*Report, error) {
	return d.run(ctx, &in, true)
}

// Drift reports how the live objects of the release have drifted from
// in.LastApplied. It reads every object and writes nothing, not even in a
// dry run; in.Desired and in.Inventory are not used.
func (d *Differ) Drift(ctx context.Context, in Input) (*Report, error) {
	return d.run(ctx, &in, false)
}

func (d *Differ) run(ctx context.Context, in *Input, plan bool) (*Report, error) {
	ignore, err := compileIgnore(in.Ignore)
	if err != nil {
		return nil, err
	}
	entries, err := d.entries(in, plan)
	if err != nil {
		return nil, err
	}
	d.listLive(ctx, entries)
	rd := newRedactor(in.RedactionKey, in.SecretValues)
	objs := make([]*ObjectDiff, len(entries))
	parallel(len(entries), func(i int) {
		objs[i] = d.object(ctx, entries[i], in, plan, ignore, rd)
	})
	report := &Report{Objects: []ObjectDiff{}, releaseName: in.ReleaseName, namespace: in.Namespace, rd: rd}
	for _, o := range objs {
		if o != nil {
			report.Objects = append(report.Objects, *o)
		}
	}
	sort.SliceStable(report.Objects, func(i, j int) bool {
		return report.Objects[i].Ref.String() < report.Objects[j].Ref.String()
	})
	return report, nil
}

// object diffs one entry; nil when it is none of the release's business (an
// inventoried object that is gone or that another release owns). Drift is
// reported even when the prediction failed.
func (d *Differ) object(ctx context.Context, e *entry, in *Input, plan bool, ignore ignoreRules, rd *redactor) *ObjectDiff {
	od := &ObjectDiff{Ref: e.ref, mapping: e.mapping, applied: e.applied, live: e.live}
	err := e.err
	if err == nil && !e.read {
		od.live, err = d.get(ctx, e.mapping, e.ref)
	}
	if err != nil {
		od.Error = rd.text(err.Error())
		return od
	}
	if plan {
		relevant, err := d.plan(ctx, od, e, in)
		switch {
		case !relevant:
			return nil
		case err != nil:
			od.Error = rd.text(err.Error())
		default:
			od.Diff = rd.unified(od)
		}
	}
	if e.applied != nil {
		od.Drift = driftOf(e.applied, od.live, e.mapping, ignore.paths(e.ref), rd)
	}
	return od
}

// plan sets the action and the predicted object. It tells whether the
// object belongs in the report at all.
func (d *Differ) plan(ctx context.Context, od *ObjectDiff, e *entry, in *Input) (bool, error) {
	switch {
	case e.desired != nil:
		if e.applied == nil && od.live != nil {
			// Helm adopts an existing object only if it already names the release.
			if err := ownedBy(od.live, in.ReleaseName, in.Namespace); err != nil {
				return true, err
			}
		}
		predicted, err := d.predict(ctx, e, od.live, in.Force)
		if err != nil {
			return true, err
		}
		od.predicted = predicted
		od.Action = change(od.live, predicted)
	case od.live == nil:
		// Already gone: nothing to delete. A managed object is still
		// reported, as missing.
		od.Action = ActionUnchanged
		return e.applied != nil, nil
	case e.applied == nil && !claimedBy(od.live, in.ReleaseName, in.Namespace):
		// Captain prunes inventoried objects only while they name the release.
		return false, nil
	case kept(od.live):
		od.Action, od.predicted = ActionUnchanged, od.live
	default:
		od.Action = ActionDelete
	}
	return true, nil
}

// change compares what the server returned with what is there, leaving out
// what every write changes (resourceVersion, managedFields, generation).
func change(live, predicted *unstructured.Unstructured) Action {
	if live == nil {
		return ActionCreate
	}
	if reflect.DeepEqual(forDisplay(live), forDisplay(predicted)) {
		return ActionUnchanged
	}
	return ActionUpdate
}

// claimedBy tells whether obj's release annotations name the release.
func claimedBy(obj *unstructured.Unstructured, release, namespace string) bool {
	a := obj.GetAnnotations()
	return a[releaseNameAnnotation] == release && a[releaseNSAnnotation] == namespace
}
