package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// controllerManager is a kube-controller-manager process talking to one
// control plane.
type controllerManager struct {
	cmd    *exec.Cmd
	dir    string
	output *bytes.Buffer
	done   chan error
}

func startControllerManager(env *envtest.Environment, assets string) (*controllerManager, error) {
	bin := filepath.Join(assets, "kube-controller-manager")
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("kube-controller-manager not found in %s: run `make testbin` first", assets)
	}
	user, err := env.AddUser(envtest.User{Name: "kube-controller-manager", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return nil, fmt.Errorf("adding a user for kube-controller-manager: %w", err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "captain-kcm-")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		return nil, err
	}
	kcm := &controllerManager{dir: dir, output: &bytes.Buffer{}, done: make(chan error, 1)}
	kcm.cmd = exec.Command(bin,
		"--kubeconfig="+path,
		"--leader-elect=false",
		// Port 0 turns the HTTPS endpoint off, so several can run at once.
		"--secure-port=0",
		// Token Secrets need a signing key the test API server does not share;
		// tests request tokens through the TokenRequest API instead.
		"--controllers=*,-serviceaccount-token",
	)
	kcm.cmd.Stdout = kcm.output
	kcm.cmd.Stderr = kcm.output
	if err := kcm.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting kube-controller-manager: %w", err)
	}
	go func() { kcm.done <- kcm.cmd.Wait() }()
	select {
	case err := <-kcm.done:
		return nil, fmt.Errorf("kube-controller-manager exited at start: %v\n%s", err, kcm.output.String())
	case <-time.After(500 * time.Millisecond):
	}
	return kcm, nil
}

func (kcm *controllerManager) stop() error {
	defer os.RemoveAll(kcm.dir)
	_ = kcm.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-kcm.done:
	case <-time.After(10 * time.Second):
		_ = kcm.cmd.Process.Kill()
		<-kcm.done
	}
	return nil
}
