package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// showPlugin builds kubectl-captain and shows what a user of it sees: the
// HelmRequests, then the plan of a change to one of them, not applied.
func showPlugin(ctx context.Context, root, dir, kubeconfig string) error {
	step("building kubectl-captain")
	plugin := filepath.Join(dir, "kubectl-captain")
	build := exec.CommandContext(ctx, "go", "build", "-o", plugin, "./cmd/kubectl-captain")
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building kubectl-captain: %w", err)
	}
	for _, args := range [][]string{
		{"list", "-A"},
		{"diff", "web", "-n", "default", "--set", "replicaCount=3", "--set", "config.greeting=bonjour"},
	} {
		fmt.Printf("\n$ kubectl captain %s\n", strings.Join(args, " "))
		run := exec.CommandContext(ctx, plugin, append(args, "--kubeconfig", kubeconfig)...)
		run.Stdout, run.Stderr = os.Stdout, os.Stderr
		if err := run.Run(); err != nil {
			return fmt.Errorf("kubectl captain %s: %w", strings.Join(args, " "), err)
		}
	}
	return nil
}
