// Package testenv starts real Kubernetes control planes for tests: a
// kube-apiserver and etcd built from the Go module proxy (make testbin), with
// Captain's CRDs installed, and optionally a kube-controller-manager so that
// Deployments get ReplicaSets and Pods.
package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	captainscheme "captain.io/captain/internal/scheme"
)

// ControlPlane is a running kube-apiserver + etcd with Captain's CRDs.
type ControlPlane struct {
	// Config reaches the API server as a cluster admin.
	Config *rest.Config
	// Client is a controller-runtime client with Captain's types registered.
	Client client.Client
	// Scheme holds the built-in and Captain's types.
	Scheme *runtime.Scheme

	env *envtest.Environment
	kcm *controllerManager
}

type options struct {
	controllerManager bool
	crds              bool
}

// Option configures a control plane.
type Option func(*options)

// WithControllerManager also runs kube-controller-manager, so workloads get
// ReplicaSets and Pods (which stay Pending: there is no scheduler or kubelet).
func WithControllerManager() Option { return func(o *options) { o.controllerManager = true } }

// WithoutCRDs starts the control plane without Captain's CRDs.
func WithoutCRDs() Option { return func(o *options) { o.crds = false } }

// Start starts a control plane. Stop it with Stop.
func Start(opts ...Option) (*ControlPlane, error) {
	o := options{crds: true}
	for _, opt := range opts {
		opt(&o)
	}
	root, err := ModuleRoot()
	if err != nil {
		return nil, err
	}
	assets, err := binaryAssets(root)
	if err != nil {
		return nil, err
	}
	scheme, err := captainscheme.New()
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		Scheme:                scheme,
	}
	// envtest's /24 holds 253 Services: the benchmarks install more.
	env.ControlPlane.GetAPIServer().Configure().Set("service-cluster-ip-range", "10.0.0.0/16")
	if o.crds {
		env.CRDDirectoryPaths = []string{filepath.Join(root, "config", "crd", "bases")}
		env.ErrorIfCRDPathMissing = true
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting kube-apiserver and etcd from %s: %w", assets, err)
	}
	cp := &ControlPlane{Config: cfg, Scheme: scheme, env: env}
	if cp.Client, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		return nil, errors.Join(err, cp.Stop())
	}
	if o.controllerManager {
		if cp.kcm, err = startControllerManager(env, assets); err != nil {
			return nil, errors.Join(err, cp.Stop())
		}
	}
	return cp, nil
}

// StartForTest starts a control plane that stops when the test ends.
func StartForTest(t testing.TB, opts ...Option) *ControlPlane {
	t.Helper()
	cp, err := Start(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cp.Stop(); err != nil {
			t.Errorf("stopping control plane: %v", err)
		}
	})
	return cp
}

// Stop stops the control plane's processes and removes their data.
func (cp *ControlPlane) Stop() error {
	var errs []error
	if cp.kcm != nil {
		errs = append(errs, cp.kcm.stop())
	}
	errs = append(errs, cp.env.Stop())
	return errors.Join(errs...)
}

// NewNamespace creates a namespace with a generated name, so that tests
// sharing a control plane do not see each other's objects.
func (cp *ControlPlane) NewNamespace(t testing.TB) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-"}}
	if err := cp.Client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// KubeConfig returns a kubeconfig file's bytes for a cluster admin.
func (cp *ControlPlane) KubeConfig() []byte { return cp.env.KubeConfig }

// binaryAssets is KUBEBUILDER_ASSETS if set, else bin/k8s in the module root.
func binaryAssets(root string) (string, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		dir = filepath.Join(root, "bin", "k8s")
	}
	for _, name := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return "", fmt.Errorf("control plane binary %s not found in %s: run `make testbin` first", name, dir)
		}
	}
	return dir, nil
}

// ModuleRoot is the directory holding Captain's go.mod, found by walking up
// from the working directory (go test runs in the package directory).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}
