package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/manager"
	"captain.io/captain/internal/manager/managertest"
	"captain.io/captain/internal/testenv"
)

// runAsPlugin makes the test binary run main() instead of the tests, so
// that tests run the plugin as a process, as kubectl does.
const runAsPlugin = "CAPTAIN_TEST_RUN_PLUGIN"

// waitTimeout bounds the plugin's --wait in tests: generous, since other
// tests share the machine; a wait that works ends long before.
const waitTimeout = "3m"

func TestMain(m *testing.M) {
	if os.Getenv(runAsPlugin) == "1" {
		main()
		return
	}
	code := m.Run()
	if err := stopCluster(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

// cluster is a real control plane with Captain's manager running in this
// process, shared by the tests that need one; each works in namespaces of
// its own.
type cluster struct {
	cp         *testenv.ControlPlane
	mgr        *managertest.Manager
	kubeconfig string
}

var shared struct {
	once sync.Once
	c    *cluster
	err  error
}

// startCluster starts the shared cluster on first use, so that tests which
// need none (golden tables, migrate) run without one.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	shared.once.Do(func() { shared.c, shared.err = newCluster() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.c
}

func newCluster() (*cluster, error) {
	cp, err := testenv.Start()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "kubectl-captain-test")
	if err != nil {
		return nil, errors.Join(err, cp.Stop())
	}
	c := &cluster{cp: cp, kubeconfig: filepath.Join(dir, "kubeconfig")}
	if err := os.WriteFile(c.kubeconfig, cp.KubeConfig(), 0o600); err != nil {
		return nil, errors.Join(err, cp.Stop())
	}
	c.mgr, err = managertest.Start(cp.Config, manager.Options{Namespace: "default", RequeueInterval: time.Hour, Concurrency: 4})
	if err != nil {
		return nil, errors.Join(err, cp.Stop())
	}
	return c, nil
}

func stopCluster() error {
	c := shared.c
	if c == nil {
		return nil
	}
	return errors.Join(c.mgr.Stop(), c.cp.Stop(), os.RemoveAll(filepath.Dir(c.kubeconfig)))
}

// result is what one run of the plugin printed and its exit code.
type result struct {
	out, err string
	code     int
}

func (r result) String() string {
	return fmt.Sprintf("exit code %d\nstdout:\n%s\nstderr:\n%s", r.code, r.out, r.err)
}

// plugin runs kubectl-captain against the cluster with args, stdin fed
// from in.
func (c *cluster) plugin(t *testing.T, in string, args ...string) result {
	t.Helper()
	return runPlugin(t, in, append(args, "--kubeconfig="+c.kubeconfig)...)
}

// runPlugin runs kubectl-captain, this test binary in disguise, as a
// process of its own.
func runPlugin(t *testing.T, in string, args ...string) result {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), runAsPlugin+"=1")
	var out, errOut bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(in), &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	r := result{out: out.String(), err: errOut.String(), code: cmd.ProcessState.ExitCode()}
	t.Logf("kubectl captain %s\n%s", strings.Join(args, " "), r)
	return r
}

// ok expects a run to have succeeded and returns its stdout.
func ok(g Gomega, r result) string {
	g.ExpectWithOffset(1, r.code).To(Equal(exitOK), r.String())
	return r.out
}

func (c *cluster) helmRequest(g Gomega, ns, name string) *v1.HelmRequest {
	hr := &v1.HelmRequest{}
	g.ExpectWithOffset(1, c.cp.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, hr)).To(Succeed())
	return hr
}
