package helmrequest_test

import (
	"bytes"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"captain.io/captain/internal/manager"
	"captain.io/captain/internal/manager/managertest"
	"captain.io/captain/internal/testenv"
)

var (
	controlPlane *testenv.ControlPlane
	// managerWrites counts the manager's write requests to the API server.
	managerWrites *atomic.Int64
	// countWrites makes a client's writes count in managerWrites too.
	countWrites = managertest.CountWrites
	// managerLogs holds everything the manager logged, debug level included.
	managerLogs = &logBuffer{}
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// kube-controller-manager gives workloads their Pods, so waits are real.
	cp, err := testenv.Start(testenv.WithControllerManager())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cp.Stop()
	controlPlane = cp
	mgr, err := managertest.Start(cp.Config, manager.Options{
		Namespace: "default", RequeueInterval: time.Hour, Concurrency: 4, ClusterProbeInterval: time.Second,
		DriftCheckInterval: time.Second,
	}, managertest.WithLogs(managerLogs))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	managerWrites = mgr.Writes
	code := m.Run()
	if err := mgr.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "manager:", err)
	}
	return code
}

// reconciles is how many HelmRequest reconciles have finished.
func reconciles() float64 { return managertest.Reconciles("helmrequest") }

// logBuffer collects log lines written concurrently.
type logBuffer struct {
	testenv.SyncBuffer
}

// count is how many lines hold every one of parts.
func (b *logBuffer) count(parts ...string) int {
	n := 0
	for line := range bytes.Lines([]byte(b.String())) {
		if containsAll(line, parts) {
			n++
		}
	}
	return n
}

func containsAll(line []byte, parts []string) bool {
	for _, p := range parts {
		if !bytes.Contains(line, []byte(p)) {
			return false
		}
	}
	return true
}
