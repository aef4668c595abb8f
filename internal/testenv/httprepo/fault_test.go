package httprepo_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/internal/testenv/testcharts"
)

func TestFaults(t *testing.T) {
	cases := []struct {
		name    string
		fault   httprepo.Fault
		wantErr string // from downloading index.yaml, then plain's archive
	}{
		{"status on every path", httprepo.Status(http.StatusInternalServerError), "500 Internal Server Error"},
		{"status on the index only", httprepo.ForPath("/index.yaml", httprepo.Status(http.StatusBadGateway)), "502 Bad Gateway"},
		{"truncated", httprepo.Truncate(10), "unexpected EOF"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "plain")))
			entry := newEntry(t, srv, client{})
			cv := mustGet(g, mustIndex(g, t, entry), "plain", "0.1.0")

			srv.SetFault(tc.fault)
			_, err := downloadIndex(t, entry)
			g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))

			srv.SetFault(nil)
			pullAndCheck(g, entry, cv)
		})
	}
}

func TestForPathServesOtherPaths(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "plain")))
	entry := newEntry(t, srv, client{})
	cv := mustGet(g, mustIndex(g, t, entry), "plain", "0.1.0")
	srv.SetFault(httprepo.ForPath("/index.yaml", httprepo.Status(http.StatusInternalServerError)))
	pullAndCheck(g, entry, cv)
}

func TestDelay(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithCharts())
	srv.SetFault(httprepo.Delay(time.Hour))
	c := &http.Client{Timeout: 100 * time.Millisecond}
	_, err := c.Get(srv.URL() + "/index.yaml")
	g.Expect(err).To(MatchError(ContainSubstring("Client.Timeout exceeded")))

	srv.SetFault(httprepo.Delay(10 * time.Millisecond))
	resp, err := c.Get(srv.URL() + "/index.yaml")
	g.Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK))
}

// TestFaultCanObserve shows a Fault that only counts requests, before authentication.
func TestFaultCanObserve(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithCharts(), httprepo.WithBasicAuth("alice", "s3cret"))
	var seen atomic.Int32
	srv.SetFault(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		seen.Add(1)
		next.ServeHTTP(w, r)
	})
	_, err := downloadIndex(t, newEntry(t, srv, client{}))
	g.Expect(err).To(MatchError(ContainSubstring("401")))
	g.Expect(seen.Load()).To(BeEquivalentTo(1))
}

// TestCloseDoesNotWaitForDelayedRequests keeps a stuck client from stalling test cleanup.
func TestCloseDoesNotWaitForDelayedRequests(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithCharts())
	arrived := make(chan struct{})
	srv.SetFault(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		close(arrived)
		httprepo.Delay(time.Hour)(w, r, next)
	})
	done := make(chan error, 1)
	go func() {
		resp, err := http.Get(srv.URL() + "/index.yaml")
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	g.Eventually(arrived).Should(BeClosed())
	start := time.Now()
	srv.Close()
	g.Expect(time.Since(start)).To(BeNumerically("<", 5*time.Second))
	g.Eventually(done).Should(Receive(HaveOccurred()))
}
