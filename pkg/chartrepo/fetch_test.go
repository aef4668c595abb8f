package chartrepo

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	. "github.com/onsi/gomega"

	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/internal/testenv/ociregistry"
	"captain.io/captain/internal/testenv/testcharts"
)

// servedChart is the chart plain 0.1.0 on a real server, fetched one way.
type servedChart struct {
	fetch func(context.Context, *Fetcher) (*Chart, error)
	// downloads counts the archive's downloads: requests answered with it
	// (200), not those answered 304 Not Modified.
	downloads *atomic.Int32
}

// chartServer starts a server that calls gate before serving the archive.
type chartServer func(t *testing.T, gate func()) servedChart

// chartServers are the ways to fetch a chart, by the Fetcher method used.
var chartServers = []struct {
	name  string
	serve chartServer
}{
	{"FetchChartVersion", serveVersion},
	{"FetchURL", serveURL},
	{"FetchOCI", serveOCI},
}

func serveVersion(t *testing.T, gate func()) servedChart {
	srv, downloads := countedRepo(t, gate)
	v := plainVersion(t, srv)
	return servedChart{
		fetch: func(ctx context.Context, f *Fetcher) (*Chart, error) {
			return f.FetchChartVersion(ctx, srv.URL(), v, Credentials{})
		},
		downloads: downloads,
	}
}

func serveURL(t *testing.T, gate func()) servedChart {
	srv, downloads := countedRepo(t, gate)
	url := archiveURL(srv, "plain", "0.1.0")
	return servedChart{
		fetch: func(ctx context.Context, f *Fetcher) (*Chart, error) {
			return f.FetchURL(ctx, url, Credentials{})
		},
		downloads: downloads,
	}
}

func serveOCI(t *testing.T, gate func()) servedChart {
	reg := ociregistry.New(t, ociregistry.WithCharts())
	pushed, err := reg.Push(testcharts.Path(t, "plain"))
	if err != nil {
		t.Fatal(err)
	}
	var downloads atomic.Int32
	host := proxy(t, reg, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/blobs/"+pushed.Chart.Digest) {
			gate()
			downloads.Add(1)
		}
		next.ServeHTTP(w, r)
	})
	return servedChart{
		fetch: func(ctx context.Context, f *Fetcher) (*Chart, error) {
			return f.FetchOCI(ctx, "oci://"+host+"/charts/plain", "0.1.0", plainHTTP)
		},
		downloads: &downloads,
	}
}

// countedRepo serves plain 0.1.0 and counts its archive's downloads.
func countedRepo(t *testing.T, gate func()) (*httprepo.Server, *atomic.Int32) {
	srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "plain")))
	var downloads atomic.Int32
	srv.SetFault(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if !strings.HasSuffix(r.URL.Path, ".tgz") {
			next.ServeHTTP(w, r)
			return
		}
		gate()
		next.ServeHTTP(&countingWriter{ResponseWriter: w, ok: &downloads}, r)
	})
	return srv, &downloads
}

// countingWriter counts the responses it sends with status 200, before
// their body: by the time a client has read the body, it is counted.
type countingWriter struct {
	http.ResponseWriter
	ok          *atomic.Int32
	wroteHeader bool
}

func (w *countingWriter) WriteHeader(code int) {
	if !w.wroteHeader && code == http.StatusOK {
		w.ok.Add(1)
	}
	w.wroteHeader = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *countingWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// plainVersion is plain 0.1.0 as the index of srv lists it.
func plainVersion(t *testing.T, srv *httprepo.Server) *ChartVersion {
	t.Helper()
	ix, err := NewFetcher(FetcherOptions{}).FetchIndex(t.Context(), srv.URL(), Credentials{})
	if err != nil {
		t.Fatal(err)
	}
	plain, ok := ix.Chart("plain")
	if !ok {
		t.Fatal("no chart plain in the index")
	}
	v, ok := plain.Version("0.1.0")
	if !ok {
		t.Fatal("no plain 0.1.0 in the index")
	}
	return v
}

// TestConcurrentFetchesDownloadOnce holds the archive back until every
// caller has started, so that the callers overlap: without a shared
// download, each would download the archive.
func TestConcurrentFetchesDownloadOnce(t *testing.T) {
	const callers = 100
	for _, tc := range chartServers {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			var started sync.WaitGroup
			started.Add(callers)
			src := tc.serve(t, started.Wait)
			f := NewFetcher(FetcherOptions{})

			charts := make([]*Chart, callers)
			errs := make([]error, callers)
			var done sync.WaitGroup
			for i := range callers {
				done.Go(func() {
					started.Done()
					charts[i], errs[i] = src.fetch(t.Context(), f)
				})
			}
			done.Wait()
			for i := range callers {
				g.Expect(errs[i]).NotTo(HaveOccurred())
				g.Expect(charts[i].Chart).To(BeIdenticalTo(charts[0].Chart))
			}
			g.Expect(src.downloads.Load()).To(BeEquivalentTo(1))
		})
	}
}

// TestSharedFetchOutlivesItsFirstCaller cancels the caller that started a
// download: the download goes on, for the callers that joined it or come
// later.
func TestSharedFetchOutlivesItsFirstCaller(t *testing.T) {
	g := NewWithT(t)
	var requests atomic.Int32
	arrived, release := make(chan struct{}, 2), make(chan struct{})
	src := serveVersion(t, func() {
		requests.Add(1)
		arrived <- struct{}{}
		<-release
	})
	f := NewFetcher(FetcherOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	first := make(chan error, 1)
	go func() {
		_, err := src.fetch(ctx, f)
		first <- err
	}()
	<-arrived // the download is under way
	cancel()
	g.Expect(<-first).To(MatchError(context.Canceled))

	close(release)
	ch, err := src.fetch(t.Context(), f)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ch.Chart.Metadata.Name).To(Equal("plain"))
	g.Expect(requests.Load()).To(BeEquivalentTo(1), "the cancelled caller's download served the next caller")
}

// TestSharedFetchKeepsCredentialsApart fetches one URL concurrently with
// right and wrong credentials: each caller gets its own outcome.
func TestSharedFetchKeepsCredentialsApart(t *testing.T) {
	const callers = 20
	right, wrong := Credentials{Username: "alice", Password: "s3cret"}, Credentials{Username: "alice", Password: "nope"}
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithBasicAuth("alice", "s3cret"), httprepo.WithCharts(testcharts.Path(t, "plain")))
	var started sync.WaitGroup
	started.Add(callers)
	srv.SetFault(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		started.Wait()
		next.ServeHTTP(w, r)
	})
	url := archiveURL(srv, "plain", "0.1.0")
	f := NewFetcher(FetcherOptions{})

	errs := make([]error, callers)
	var done sync.WaitGroup
	for i := range callers {
		creds := right
		if i%2 == 1 {
			creds = wrong
		}
		done.Go(func() {
			started.Done()
			_, errs[i] = f.FetchURL(t.Context(), url, creds)
		})
	}
	done.Wait()
	for i, err := range errs {
		if i%2 == 1 {
			g.Expect(err).To(MatchError(ContainSubstring("401 Unauthorized")), "wrong credentials")
		} else {
			g.Expect(err).NotTo(HaveOccurred(), "right credentials")
		}
	}
}
