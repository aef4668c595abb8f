package diff

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	"captain.io/captain/internal/testenv/testcharts"
)

// TestPlanRefusalsAndInventory covers what an upgrade refuses (reported on the
// object, as the upgrade would fail on it) and the pruning of inventoried
// objects.
func TestPlanRefusalsAndInventory(t *testing.T) {
	for _, tc := range []struct {
		name string
		// setup prepares the namespace and returns the diff's input.
		setup func(t *testing.T, ns string) Input
		// want is per object its action, or "error: " and what the error
		// must mention.
		want map[string]string
	}{{
		name: "an immutable field change is refused by the dry run",
		setup: func(t *testing.T, ns string) Input {
			h := newHelm(t, ns)
			ch := testcharts.Load(t, "orphans")
			last := h.apply(t, "rel", ch, nil, true).Manifest
			return Input{ReleaseName: "rel", Namespace: ns, LastApplied: last,
				Desired: h.render(t, "rel", ch, map[string]any{"selector": "b", "extra": true}, false)}
		},
		want: map[string]string{
			"ConfigMap rel-base":  "Update",
			"ConfigMap rel-extra": "Create",
			"Deployment.apps rel": "error: field is immutable",
		},
	}, {
		name: "unknown kinds and objects Helm will not adopt",
		setup: func(t *testing.T, ns string) Input {
			install(t, ns, "someone-else", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: taken}")
			return Input{ReleaseName: "rel", Namespace: ns, Desired: `
apiVersion: nope.example/v1
kind: Gadget
metadata: {name: g}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: taken}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: mine}
`}
		},
		want: map[string]string{
			"Gadget.nope.example g": "error: no matches for kind",
			"ConfigMap taken":       `error: annotation meta.helm.sh/release-name is "someone-else", not "rel"`,
			"ConfigMap mine":        "Create",
		},
	}, {
		name: "objects a failed revision created are pruned, others' are not",
		setup: func(t *testing.T, ns string) Input {
			h := newHelm(t, ns)
			ch := testcharts.Load(t, "orphans")
			last := h.apply(t, "rel", ch, nil, true).Manifest
			install(t, ns, "rel", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: rel-extra}")
			install(t, ns, "other", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}")
			return Input{ReleaseName: "rel", Namespace: ns, LastApplied: last, Desired: h.render(t, "rel", ch, nil, false),
				Inventory: []ObjectRef{
					{Kind: "ConfigMap", Namespace: ns, Name: "rel-extra"},
					{Kind: "ConfigMap", Namespace: ns, Name: "other"},
					{Kind: "ConfigMap", Namespace: ns, Name: "gone"},
				}}
		},
		want: map[string]string{
			"ConfigMap rel-base":  "Unchanged",
			"ConfigMap rel-extra": "Delete",
			"Deployment.apps rel": "Unchanged",
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := controlPlane.NewNamespace(t)
			report, err := differ.Diff(ctx, tc.setup(t, ns))
			g.Expect(err).NotTo(HaveOccurred())
			got := map[string]string{}
			for _, o := range report.Objects {
				name := o.Ref.Kind + " " + o.Ref.Name
				if o.Ref.Group != "" {
					name = o.Ref.Kind + "." + o.Ref.Group + " " + o.Ref.Name
				}
				got[name] = string(o.Action)
				if o.Error != "" {
					got[name] = "error: " + o.Error
				}
			}
			g.Expect(got).To(HaveLen(len(tc.want)))
			for object, want := range tc.want {
				match := Equal(want)
				if msg, isErr := strings.CutPrefix(want, "error: "); isErr {
					match = And(HavePrefix("error: "), ContainSubstring(msg))
				}
				g.Expect(got).To(HaveKeyWithValue(object, match))
			}
		})
	}
}
