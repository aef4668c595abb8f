package release_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v3/pkg/action"
	helmrelease "helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"captain.io/captain/internal/testenv/testcharts"
	"captain.io/captain/pkg/release"
)

// Adopting a release made from the requested chart and values writes the
// owner and digest onto its record: no new revision, no object changed.
// One made from other values is adopted by an upgrade.
func TestAdoptTakesOverWithoutARevision(t *testing.T) {
	ctx := context.Background()
	vals := map[string]any{"config": map[string]any{"greeting": "hi"}, "replicaCount": 2}
	cases := []struct {
		name          string
		requested     map[string]any
		wantActions   []release.Action
		wantRevisions int
	}{
		{"same chart and values", vals, []release.Action{release.ActionAdopt}, 1},
		{"other values", map[string]any{"replicaCount": 3}, []release.Action{release.ActionAdopt, release.ActionUpgrade}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := controlPlane.NewNamespace(t)
			ch := testcharts.Load(t, "plain")
			install := action.NewInstall(helmConfig(t, ns))
			install.ReleaseName, install.Namespace = "app", ns
			_, err := install.Run(ch, vals)
			g.Expect(err).NotTo(HaveOccurred())
			cm := &corev1.ConfigMap{}
			g.Expect(controlPlane.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "app"}, cm)).To(Succeed())

			req := request(t, ns, testcharts.Load(t, "plain"), tc.requested, "d1")
			req.Options.Adopt = true
			applied, err := factory.Apply(ctx, req)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(applied.Actions).To(Equal(tc.wantActions))

			history := helmHistory(t, ns, "app")
			g.Expect(history).To(HaveLen(tc.wantRevisions))
			latest := history[len(history)-1]
			g.Expect(latest.Info.Status).To(Equal(helmrelease.StatusDeployed))
			g.Expect(latest.Labels).To(HaveKeyWithValue(release.OwnerNameLabel, "app"))
			g.Expect(latest.Labels).To(HaveKeyWithValue(release.DigestLabel, "d1"))
			after := &corev1.ConfigMap{}
			g.Expect(controlPlane.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "app"}, after)).To(Succeed())
			if tc.wantRevisions == 1 {
				g.Expect(after.ResourceVersion).To(Equal(cm.ResourceVersion), "adoption changes no object")
			}

			req.Options.Adopt = false
			applied, err = factory.Apply(ctx, req)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(applied.Actions).To(BeEmpty(), "the adopted release is up to date")
		})
	}
}

// Render shows what the next operation would make and changes nothing.
func TestRenderChangesNothing(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := controlPlane.NewNamespace(t)
	ch := testcharts.Load(t, "plain")

	rendered, err := factory.Render(ctx, request(t, ns, ch, map[string]any{"config": map[string]any{"greeting": "before"}}, "d1"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rendered.Manifest).To(ContainSubstring(`greeting: "before"`))
	g.Expect(configMapExists(t, ns, "app")).To(BeFalse(), "a render installs nothing")

	_, err = factory.Apply(ctx, request(t, ns, ch, map[string]any{"config": map[string]any{"greeting": "before"}}, "d1"))
	g.Expect(err).NotTo(HaveOccurred())
	rendered, err = factory.Render(ctx, request(t, ns, ch, map[string]any{"config": map[string]any{"greeting": "after"}}, "d2"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rendered.Manifest).To(ContainSubstring(`greeting: "after"`))
	g.Expect(helmHistory(t, ns, "app")).To(HaveLen(1), "a render records no revision")
}
