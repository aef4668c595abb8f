package diff

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"captain.io/captain/internal/testenv/testcharts"
)

// step is one install or upgrade of a release.
type step struct {
	chart  string
	values map[string]any
	// edit changes live objects first, as a person or another tool would.
	edit func(t *testing.T, ns string)
	// force is upgrade.force: replace instead of patch.
	force bool
	want  Summary
}

// TestPredictionMatchesUpgrade predicts every install and upgrade with Diff
// and then runs it with the Helm SDK: every predicted object must equal the
// object read back, and every predicted deletion must have happened. It
// covers every installable test chart (library is not installable, failing
// never renders).
func TestPredictionMatchesUpgrade(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []step
	}{{
		name: "plain, values changed",
		steps: []step{
			{chart: "plain", want: Summary{Create: 3}},
			{chart: "plain", values: map[string]any{
				"replicaCount": 3, "image": map[string]any{"tag": "2.0"}, "service": map[string]any{"port": 8080},
				"config": map[string]any{"farewell": "bye"},
			}, want: Summary{Update: 3}},
			{chart: "plain", values: map[string]any{"replicaCount": 3}, want: Summary{Update: 3}},
		},
	}, {
		name: "plain, same values",
		steps: []step{
			{chart: "plain", want: Summary{Create: 3}},
			{chart: "plain", want: Summary{Unchanged: 3}},
		},
	}, {
		name: "plain, live edits: three-way merge reverts the managed ones",
		steps: []step{
			{chart: "plain", want: Summary{Create: 3}},
			{chart: "plain", values: map[string]any{"image": map[string]any{"tag": "1.1"}}, edit: func(t *testing.T, ns string) {
				patch(t, ns, "Deployment", "apps/v1", "rel", types.MergePatchType,
					`{"metadata":{"annotations":{"other-tool":"was here"}},"spec":{"replicas":5}}`)
				patch(t, ns, "ConfigMap", "v1", "rel", types.MergePatchType, `{"data":{"greeting":"edited","added":"by hand"}}`)
			}, want: Summary{Update: 2, Unchanged: 1, DriftedObjects: 2, DriftedFields: 2}},
		},
	}, {
		name: "plain, upgrade.force replaces, live edits and all",
		steps: []step{
			{chart: "plain", want: Summary{Create: 3}},
			{chart: "plain", force: true, values: map[string]any{"service": map[string]any{"port": 8080}}, edit: func(t *testing.T, ns string) {
				patch(t, ns, "Deployment", "apps/v1", "rel", types.MergePatchType,
					`{"metadata":{"annotations":{"other-tool":"was here"}},"spec":{"replicas":5}}`)
			}, want: Summary{Update: 2, Unchanged: 1, DriftedObjects: 1, DriftedFields: 1}},
		},
	}, {
		name: "withdeps, subchart disabled",
		steps: []step{
			{chart: "withdeps", want: Summary{Create: 2}},
			{chart: "withdeps", values: map[string]any{"message": "changed", "sub": map[string]any{"enabled": false}},
				want: Summary{Update: 1, Delete: 1}},
		},
	}, {
		name: "withcrd, custom resource merge-patched: live edits survive",
		steps: []step{
			{chart: "withcrd", want: Summary{Create: 1}},
			{chart: "withcrd", values: map[string]any{"size": 5}, edit: func(t *testing.T, ns string) {
				patch(t, ns, "Widget", "test.captain.io/v1", "rel", types.MergePatchType, `{"spec":{"color":"green"}}`)
			}, want: Summary{Update: 1, DriftedObjects: 1, DriftedFields: 1}},
			{chart: "withcrd", values: map[string]any{"size": 5, "color": "red"}, want: Summary{Update: 1, DriftedObjects: 1, DriftedFields: 1}},
		},
	}, {
		name: "hooks are not release objects",
		steps: []step{
			{chart: "hooks", want: Summary{Create: 1}},
			{chart: "hooks", values: map[string]any{"message": "changed"}, want: Summary{Update: 1}},
		},
	}, {
		name: "removal 1.0.0 to 2.0.0",
		steps: []step{
			{chart: "removal-1.0.0", want: Summary{Create: 3}},
			{chart: "removal-2.0.0", want: Summary{Update: 1, Delete: 1, Unchanged: 1}},
		},
	}, {
		name: "orphans, objects added then dropped",
		steps: []step{
			{chart: "orphans", want: Summary{Create: 2}},
			{chart: "orphans", values: map[string]any{"extra": true, "kept": true}, want: Summary{Create: 2, Unchanged: 2}},
			{chart: "orphans", want: Summary{Delete: 1, Unchanged: 3}},
		},
	}, {
		name: "versioned 1.2.3 to 1.2.4 to 1.3.0 to 2.0.0-beta.1",
		steps: []step{
			{chart: "versioned-1.2.3", want: Summary{Create: 1}},
			{chart: "versioned-1.2.4", want: Summary{Update: 1}},
			{chart: "versioned-1.3.0", want: Summary{Update: 1}},
			{chart: "versioned-2.0.0-beta.1", want: Summary{Update: 1}},
		},
	}, {
		name: "schema, values changed",
		steps: []step{
			{chart: "schema", values: map[string]any{"replicaCount": 2, "name": "one"}, want: Summary{Create: 1}},
			{chart: "schema", values: map[string]any{"replicaCount": 3, "name": "two"}, want: Summary{Update: 1}},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			ns := controlPlane.NewNamespace(t)
			h := newHelm(t, ns)
			lastApplied := ""
			for i, s := range tc.steps {
				first := i == 0
				ch := testcharts.Load(t, s.chart)
				h.applyCRDs(t, ch)
				if s.edit != nil {
					s.edit(t, ns)
				}
				in := Input{ReleaseName: "rel", Namespace: ns, LastApplied: lastApplied, Force: s.force, Desired: h.render(t, "rel", ch, s.values, first)}
				report, err := differ.Diff(ctx, in)
				g := NewWithT(t)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(report.Err()).NotTo(HaveOccurred())
				g.Expect(report.Summary()).To(Equal(s.want), "step %d (%s)", i, s.chart)

				h.force = s.force
				lastApplied = h.apply(t, "rel", ch, s.values, first).Manifest
				for _, o := range report.Objects {
					expectPredicted(t, &o)
				}
			}
		})
	}
}

// expectPredicted reads the object back after the upgrade and compares it
// with the prediction.
func expectPredicted(t *testing.T, o *ObjectDiff) {
	t.Helper()
	live, err := differ.get(ctx, o.mapping, o.Ref)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case o.Action == ActionDelete:
		if live != nil {
			t.Errorf("%s: predicted deleted, still there", o.Ref)
		}
	case o.predicted == nil:
		// A managed object already gone: nothing was predicted.
		if live != nil {
			t.Errorf("%s: predicted absent, is there", o.Ref)
		}
	case live == nil:
		t.Errorf("%s: predicted %s, is gone", o.Ref, o.Action)
	default:
		if d := cmp.Diff(serverless(o.predicted), serverless(live), allocatedMatchesAny); d != "" {
			t.Errorf("%s (%s): prediction differs from the upgrade's result (-predicted +actual):\n%s", o.Ref, o.Action, d)
		}
	}
}

// serverless drops the metadata the server changes on every write
// (resourceVersion, managedFields, generation, ...). Status stays: with no
// controllers running, only the API server writes it, and it must match too.
func serverless(obj *unstructured.Unstructured) map[string]any {
	out := runtime.DeepCopyJSON(obj.Object)
	dropServerMetadata(out)
	return out
}

// allocatedMatchesAny lets a value the prediction leaves to the server
// (Allocated) match whatever the server allocated.
var allocatedMatchesAny = cmp.FilterValues(func(a, b any) bool {
	return a == Allocated || b == Allocated
}, cmp.Comparer(func(a, b any) bool { return true }))
