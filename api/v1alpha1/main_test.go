package v1alpha1_test

import (
	"fmt"
	"os"
	"testing"

	"captain.io/captain/internal/testenv"
)

// controlPlane is shared by this package's tests: CRDs are installed once.
var controlPlane *testenv.ControlPlane

func TestMain(m *testing.M) {
	cp, err := testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	controlPlane = cp
	code := m.Run()
	if err := cp.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}
