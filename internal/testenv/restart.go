package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// StoppedAPIServer is a control plane's kube-apiserver stopped by
// StopAPIServer, while etcd (and kube-controller-manager, if any) run on.
type StoppedAPIServer struct {
	cp   *ControlPlane
	args []string
}

// StopAPIServer stops the control plane's kube-apiserver as an operator
// restarting it would: SIGTERM, then SIGKILL if it has not exited after
// grace (0 kills it at once, as a crash would). It stops listening at
// SIGTERM, so clients see connection refused from then until Start; with
// clients connected it can take over 20 s to exit on its own. The control
// plane must have been started with StartForTest, so that it stops after
// the test's own cleanups.
func (cp *ControlPlane) StopAPIServer(t testing.TB, grace time.Duration) *StoppedAPIServer {
	t.Helper()
	pid, args, err := cp.findAPIServer()
	if err != nil {
		t.Fatal(err)
	}
	if err := terminate(pid, grace); err != nil {
		t.Fatal(err)
	}
	return &StoppedAPIServer{cp: cp, args: args}
}

// Start runs kube-apiserver again with the command line it had: the same
// address, certificates (so kubeconfigs keep working) and etcd. It returns
// once the server is ready; the server stops when the test ends.
func (s *StoppedAPIServer) Start(t testing.TB) {
	t.Helper()
	out := &SyncBuffer{}
	cmd := exec.Command(s.args[0], s.args[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	// Like envtest: out of the test's process group, away from its signals.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting kube-apiserver again: %v", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	if err := s.cp.waitReady(done, time.Minute); err != nil {
		t.Fatalf("kube-apiserver started again: %v\n%s", err, out.String())
	}
}

// waitReady polls /readyz until it answers 200, the process exits or the
// timeout passes.
func (cp *ControlPlane) waitReady(exited <-chan struct{}, timeout time.Duration) error {
	hc, err := rest.HTTPClientFor(cp.Config)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	last := errors.New("no answer")
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(cp.Config.Host, "/")+"/readyz", nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("/readyz: %s: %s", resp.Status, body)
		}
		last = err
		select {
		case <-exited:
			return fmt.Errorf("it exited before it was ready (%v)", last)
		case <-ctx.Done():
			return fmt.Errorf("not ready after %s: %v", timeout, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// findAPIServer finds the control plane's kube-apiserver process by its
// --cert-dir, which is this control plane's own temporary folder, and
// returns its PID and command line. envtest keeps the process to itself.
func (cp *ControlPlane) findAPIServer() (int, []string, error) {
	certDir := cp.env.ControlPlane.APIServer.CertDir
	if certDir == "" {
		return 0, nil, errors.New("the control plane's kube-apiserver has no cert dir: is it running?")
	}
	procs, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		return 0, nil, err
	}
	for _, path := range procs {
		raw, err := os.ReadFile(path)
		if err != nil || len(raw) == 0 {
			continue // gone meanwhile, or a zombie
		}
		args := strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00")
		if filepath.Base(args[0]) != "kube-apiserver" || !hasArg(args, "--cert-dir="+certDir) {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		if err != nil {
			continue
		}
		return pid, args, nil
	}
	return 0, nil, fmt.Errorf("no kube-apiserver process with --cert-dir=%s (Linux /proc is needed)", certDir)
}

func hasArg(args []string, want string) bool {
	for _, a := range args {
		if a == want {
			return true
		}
	}
	return false
}

// terminate sends SIGTERM to pid (or SIGKILL if grace is 0), then SIGKILL
// after grace, and waits until the process is gone. Its parent (envtest, or
// Start) reaps it.
func terminate(pid int, grace time.Duration) error {
	sig := syscall.SIGTERM
	if grace <= 0 {
		sig = syscall.SIGKILL
	}
	if err := syscall.Kill(pid, sig); err != nil {
		return fmt.Errorf("stopping kube-apiserver (pid %d): %w", pid, err)
	}
	deadline := time.Now().Add(grace)
	killed := false
	for {
		if !alive(pid) {
			return nil
		}
		if !killed && time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			killed = true
		}
		if time.Now().After(deadline.Add(10 * time.Second)) {
			return fmt.Errorf("kube-apiserver (pid %d) did not exit", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive is true while pid runs; a zombie (exited, not yet reaped) is not.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses: "pid (comm) S ...".
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] != 'Z' && stat[i+2] != 'X'
}
