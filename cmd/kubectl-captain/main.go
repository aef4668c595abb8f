// Command kubectl-captain is the kubectl plugin for Captain: it writes
// HelmRequest and ChartRepo objects and reads their status. It never
// installs a release itself; Captain does, from what the plugin writes.
package main

import (
	"io"
	"os"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit code.
func run(args []string, in io.Reader, out, errOut io.Writer) int {
	// controller-runtime's client logs through this logger; the plugin
	// reports errors itself.
	ctrllog.SetLogger(logr.Discard())
	a := newApp(time.Now)
	root := a.command()
	root.SetArgs(args)
	root.SetIn(in)
	root.SetOut(out)
	root.SetErr(errOut)
	cmd, err := root.ExecuteC()
	return a.report(errOut, cmd, err)
}
