package diff

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/kube"
	helmrelease "helm.sh/helm/v3/pkg/release"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// helm drives the Helm SDK directly, as the helm CLI does: the tests compare
// predictions with what Helm really does, independently of Captain's
// release engine.
type helm struct {
	cfg       *action.Configuration
	namespace string
	// force sets upgrade.force on upgrades.
	force bool
}

func newHelm(t testing.TB, ns string) *helm {
	t.Helper()
	cache := filepath.Join(os.TempDir(), "diff-test-kube-cache")
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig = &kubeconfig
	flags.Namespace = &ns
	flags.CacheDir = &cache
	cfg := &action.Configuration{}
	if err := cfg.Init(flags, ns, "secret", func(string, ...any) {}); err != nil {
		t.Fatal(err)
	}
	return &helm{cfg: cfg, namespace: ns}
}

// render is the manifest an install (first) or upgrade would apply, from a
// dry run: what the controller passes as the desired manifest.
func (h *helm) render(t testing.TB, name string, ch *chart.Chart, values map[string]any, first bool) string {
	t.Helper()
	return h.run(t, name, ch, values, first, true).Manifest
}

// apply installs (first) or upgrades the release for real.
func (h *helm) apply(t testing.TB, name string, ch *chart.Chart, values map[string]any, first bool) *helmrelease.Release {
	t.Helper()
	return h.run(t, name, ch, values, first, false)
}

func (h *helm) run(t testing.TB, name string, ch *chart.Chart, values map[string]any, first, dryRun bool) *helmrelease.Release {
	t.Helper()
	var rel *helmrelease.Release
	var err error
	if first {
		act := action.NewInstall(h.cfg)
		act.Namespace, act.ReleaseName, act.DryRun = h.namespace, name, dryRun
		// CRDs are applied beforehand (applyCRDs), as Captain does.
		act.SkipCRDs = true
		rel, err = act.Run(ch, values)
	} else {
		act := action.NewUpgrade(h.cfg)
		act.Namespace, act.DryRun, act.ResetValues, act.Force = h.namespace, dryRun, true, h.force
		act.SkipCRDs = true
		rel, err = act.Run(name, ch, values)
	}
	if err != nil {
		t.Fatalf("helm (dry run %t) %s: %v", dryRun, name, err)
	}
	return rel
}

// applyCRDs creates the chart's crds/ and waits until they are served, as
// Captain does before an install or upgrade, so that the custom resources
// can be predicted.
func (h *helm) applyCRDs(t testing.TB, ch *chart.Chart) {
	t.Helper()
	var created kube.ResourceList
	for _, crd := range ch.CRDObjects() {
		res, err := h.cfg.KubeClient.Build(bytes.NewReader(crd.File.Data), false)
		if err != nil {
			t.Fatal(err)
		}
		for _, info := range res {
			if err := info.Get(); err == nil {
				continue
			} else if !apierrors.IsNotFound(err) {
				t.Fatal(err)
			}
			created = append(created, info)
		}
	}
	if len(created) == 0 {
		return
	}
	if _, err := h.cfg.KubeClient.Create(created); err != nil {
		t.Fatal(err)
	}
	if err := h.cfg.KubeClient.Wait(created, time.Minute); err != nil {
		t.Fatal(err)
	}
}

var ctx = context.Background()
