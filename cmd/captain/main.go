// Command captain is Captain's controller manager: it keeps the Helm releases
// that HelmRequest objects describe installed and in shape.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"captain.io/captain/internal/manager"
)

func main() {
	if err := run(ctrl.SetupSignalHandler(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "captain:", err)
		os.Exit(1)
	}
}

// run parses the flags and runs the manager until ctx ends.
func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("captain", flag.ContinueOnError)
	var f flags
	f.bind(fs)
	zapOpts := zap.Options{}
	zapOpts.BindFlags(fs)
	bindLogFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	cfg, err := f.complete()
	if err != nil {
		return err
	}
	mgr, err := manager.New(ctx, cfg, f.Options)
	if err != nil {
		return err
	}
	ctrl.Log.WithName("setup").Info("starting manager", "namespace", f.Namespace, "leaderElection", f.LeaderElection)
	return mgr.Start(ctx)
}
