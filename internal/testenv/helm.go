package testenv

import (
	"os"
	"path/filepath"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// HelmConfig is an action.Configuration for namespace ns built the way the
// helm CLI builds one, from a kubeconfig file: releases it makes are what a
// user of the helm CLI would have, independent of Captain's factory.
func (cp *ControlPlane) HelmConfig(t testing.TB, ns string) *action.Configuration {
	t.Helper()
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, cp.KubeConfig(), 0o600); err != nil {
		t.Fatal(err)
	}
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig, flags.Namespace = &kubeconfig, &ns
	cfg := &action.Configuration{}
	if err := cfg.Init(flags, ns, "secret", func(string, ...any) {}); err != nil {
		t.Fatal(err)
	}
	return cfg
}
