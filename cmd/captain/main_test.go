package main

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"captain.io/captain/internal/testenv"
)

// The manager starts against a real API server and serves its probes and
// metrics; cancelling its context stops it cleanly.
func TestManagerServesProbesAndMetrics(t *testing.T) {
	g := NewWithT(t)
	cp := testenv.StartForTest(t)
	kubeconfig := writeKubeconfig(t, cp.KubeConfig())
	metricsAddr, probeAddr := freeAddr(t), freeAddr(t)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{
			"--kubeconfig=" + kubeconfig,
			"--namespace=default",
			"--metrics-bind-address=" + metricsAddr,
			"--health-probe-bind-address=" + probeAddr,
		})
	}()

	for _, url := range []string{"http://" + probeAddr + "/healthz", "http://" + probeAddr + "/readyz", "http://" + metricsAddr + "/metrics"} {
		g.Eventually(func() (int, error) {
			resp, err := http.Get(url)
			if err != nil {
				return 0, err
			}
			defer resp.Body.Close()
			return resp.StatusCode, nil
		}, 20*time.Second, 100*time.Millisecond).Should(Equal(http.StatusOK), url)
	}

	cancel()
	g.Eventually(done, 20*time.Second).Should(Receive(BeNil()))
}

// A bad flag is an error, not a crash.
func TestManagerRejectsUnknownFlags(t *testing.T) {
	g := NewWithT(t)
	err := run(context.Background(), []string{"--no-such-flag"})
	g.Expect(err).To(MatchError(ContainSubstring("no-such-flag")))
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
