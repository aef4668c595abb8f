package chartrepo_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"captain.io/captain/internal/manager"
	"captain.io/captain/internal/manager/managertest"
	"captain.io/captain/internal/testenv"
)

const maxIndexSize = 64 << 10

var (
	controlPlane *testenv.ControlPlane
	running      *managertest.Manager
)

func TestMain(m *testing.M) {
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
	running, err = managertest.Start(cp.Config, manager.Options{
		Namespace: "default", RequeueInterval: time.Hour, Concurrency: 4,
		// Test indexes are a few KiB; TestRepoFaultsKeepLastGoodCharts serves a larger one.
		MaxIndexSize: maxIndexSize,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	if err := running.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "manager:", err)
	}
	return code
}
