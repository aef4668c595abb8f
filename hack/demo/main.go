// Command demo runs Captain end to end on an embedded local control plane:
// kube-apiserver, etcd and kube-controller-manager (the test binaries), a
// chart repository serving testdata/charts on loopback, and Captain's
// manager. It applies config/samples, prints progress as objects become
// Ready, and stays up until interrupted; with DEMO_EXIT=1 it exits once
// everything is Ready (0) or after a timeout (1).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"captain.io/captain/internal/manager"
	"captain.io/captain/internal/testenv"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, err := testenv.ModuleRoot()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "captain-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	step("starting a local control plane (kube-apiserver, etcd, kube-controller-manager)")
	cp, err := testenv.Start(testenv.WithControllerManager())
	if err != nil {
		return err
	}
	defer cp.Stop()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, cp.KubeConfig(), 0o600); err != nil {
		return err
	}

	step("starting a member cluster for the multi-cluster samples (kube-apiserver, etcd)")
	member, err := testenv.Start(testenv.WithoutCRDs())
	if err != nil {
		return err
	}
	defer member.Stop()

	repo, err := serveCharts(filepath.Join(root, "testdata", "charts"), filepath.Join(dir, "charts"))
	if err != nil {
		return err
	}
	defer repo.Close()
	step("serving testdata/charts at " + repo.URL)

	logPath := filepath.Join(dir, "captain.log")
	if err := startCaptain(ctx, cp, logPath); err != nil {
		return err
	}
	step("Captain is running (log: " + logPath + ")")

	if err := registerMember(ctx, cp.Client, member); err != nil {
		return err
	}
	objs, err := applySamples(ctx, cp.Client, filepath.Join(root, "config", "samples"), repo.URL)
	if err != nil {
		return err
	}
	if err := watchReady(ctx, cp.Client, objs); err != nil {
		return err
	}
	if err := showPlugin(ctx, root, dir, kubeconfig); err != nil {
		return err
	}
	fmt.Printf("\nPoint kubectl at the demo cluster:\n  export KUBECONFIG=%s\n  kubectl get helmrequests,chartrepos,charts -A\n", kubeconfig)
	fmt.Printf("  %s/kubectl-captain status web   # the plugin built for the demo\n", dir)
	if os.Getenv("DEMO_EXIT") == "1" {
		return nil
	}
	fmt.Println("\nThe demo runs until Ctrl-C.")
	<-ctx.Done()
	return nil
}

func step(msg string) { fmt.Printf("[%s] %s\n", time.Now().Format("15:04:05"), msg) }

// startCaptain runs Captain's manager in this process, logging to a file so
// that the demo's own output stays readable.
func startCaptain(ctx context.Context, cp *testenv.ControlPlane, logPath string) error {
	f, err := os.Create(logPath)
	if err != nil {
		return err
	}
	ctrl.SetLogger(zap.New(zap.WriteTo(f)))
	mgr, err := manager.New(ctx, cp.Config, manager.Options{
		Namespace: "default", MetricsAddr: "0", ProbeAddr: "0",
		RequeueInterval: 10 * time.Minute, Concurrency: 4,
		LocalClusterLabels: map[string]string{"captain.io/environment": "dev"},
	})
	if err != nil {
		return err
	}
	go func() {
		if err := mgr.Start(ctx); err != nil {
			ctrl.Log.Error(err, "manager stopped")
		}
	}()
	return nil
}
