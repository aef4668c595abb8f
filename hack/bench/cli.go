package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// helmVersion is the Helm CLI the harness builds into bin/helm, the same
// version as the SDK in go.mod.
const helmVersion = "v3.22.0"

// ensureHelm builds bin/helm with `go install` unless it is there already
// at helmVersion.
func ensureHelm(root string) (string, error) {
	bin := filepath.Join(root, "bin", "helm")
	if builtVersion(bin) == helmVersion {
		return bin, nil
	}
	logf("building %s (helm %s; a few minutes on a cold module cache)", bin, helmVersion)
	cmd := exec.Command("go", "install", "helm.sh/helm/v3/cmd/helm@"+helmVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+filepath.Join(root, "bin"))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building the helm CLI: %w", err)
	}
	return bin, nil
}

// builtVersion is the version of helm.sh/helm/v3 a Go binary was built
// from ("" if unknown): `helm version` of a `go install` build does not say.
func builtVersion(bin string) string {
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "mod" && f[1] == "helm.sh/helm/v3" {
			return f[2]
		}
	}
	return ""
}

// runCLI is what a user would otherwise script: `helm upgrade --install`
// once per release, one after the other, each a new process that reads the
// kubeconfig, discovers the API (cached on disk after the first run, as on
// a user's machine), downloads the chart archive and installs it.
func runCLI(ctx context.Context, helm string, e *env, repo *chartServer, n int) (*modeResult, error) {
	home := filepath.Join(e.dir, "helm-home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return nil, err
	}
	environ := append(os.Environ(),
		"HOME="+home,
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
		"KUBECONFIG="+e.proxy.Kubeconfig,
	)
	if _, err := e.proxy.Reset(); err != nil {
		return nil, err
	}
	idle, err := e.controlPlaneIdle(ctx, controlPlaneIdleWindow)
	if err != nil {
		return nil, err
	}
	cpCPU, cpStart := e.controlPlaneCPU(), time.Now()
	m := &modeResult{Mode: modeCLI, N: n}
	start := time.Now()
	for i := range n {
		name, ns := e.release(i)
		cmd := exec.CommandContext(ctx, helm, "upgrade", "--install", name, repo.ChartURL,
			"--namespace", ns, "--create-namespace", "--kubeconfig", e.proxy.Kubeconfig)
		cmd.Env = environ
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if cmd.ProcessState != nil {
			m.ToolCPU += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss<<10 > m.PeakRSS {
				m.PeakRSS = ru.Maxrss << 10
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			m.Failed++
			if len(m.FailureExamples) < 5 {
				m.FailureExamples = append(m.FailureExamples, fmt.Sprintf("%s/%s: %v: %s", ns, name, err, strings.TrimSpace(out.String())))
			}
		}
	}
	m.Wall = time.Since(start)
	stats, err := e.proxy.settle(time.Second, 30*time.Second)
	if err != nil {
		return nil, err
	}
	m.Writes = stats
	m.ControlPlaneCPU, m.ControlPlaneWindow, m.ControlPlaneIdle = e.controlPlaneCPU()-cpCPU, time.Since(cpStart), idle
	m.Revisions, err = checkRevisions(ctx, e, n)
	return m, err
}
