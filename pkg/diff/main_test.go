package diff

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"captain.io/captain/internal/testenv"
)

var (
	// controlPlane is one kube-apiserver for the package; every test works
	// in namespaces of its own.
	controlPlane *testenv.ControlPlane
	// kubeconfig is a file for the Helm SDK, which the tests drive the way
	// the helm CLI does.
	kubeconfig string
	differ     *Differ
)

func TestMain(m *testing.M) {
	// A fuzz worker runs one fuzz target, which needs no cluster: each
	// worker process would start (and, when killed, leak) one.
	if flag.Parse(); flag.Lookup("test.fuzzworker").Value.String() == "true" {
		os.Exit(m.Run())
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	cp, err := testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cp.Stop()
	controlPlane = cp
	dir, err := os.MkdirTemp("", "diff-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, cp.KubeConfig(), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if differ, err = New(cp.Config); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
