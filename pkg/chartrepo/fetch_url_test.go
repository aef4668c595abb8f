package chartrepo

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v3/pkg/chart"

	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/internal/testenv/testcharts"
)

func TestFetchURLEveryChart(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t)
	folders, err := testcharts.Folders(testcharts.Dir(t))
	g.Expect(err).NotTo(HaveOccurred())
	f := NewFetcher(FetcherOptions{})
	for _, folder := range folders {
		md := testcharts.Load(t, filepath.Base(folder)).Metadata
		url := archiveURL(srv, md.Name, md.Version)
		ch, err := f.FetchURL(t.Context(), url, Credentials{})
		g.Expect(err).NotTo(HaveOccurred(), url)
		g.Expect(ch.Chart.Metadata.Name).To(Equal(md.Name))
		g.Expect(ch.Version).To(Equal(md.Version))
		g.Expect(ch.Digest).To(Equal(sha256Digest(served(t, url))))
		g.Expect(ch.Source).To(Equal(url))
	}
}

func TestFetchURLAuth(t *testing.T) {
	// Every secret holds "pa55" or "t0ken", which no error may show.
	const user, pass, token = "alice", "s3cret-pa55", "t0ken-value"
	cases := []struct {
		name    string
		opt     httprepo.Option
		creds   Credentials
		wantErr string
	}{
		{"basic", httprepo.WithBasicAuth(user, pass), Credentials{Username: user, Password: pass}, ""},
		{"basic, wrong password", httprepo.WithBasicAuth(user, pass), Credentials{Username: user, Password: "wr0ng-pa55"}, "401 Unauthorized"},
		{"basic, none", httprepo.WithBasicAuth(user, pass), Credentials{}, "401 Unauthorized"},
		{"bearer", httprepo.WithBearerToken(token), Credentials{Token: token}, ""},
		{"bearer, wrong token", httprepo.WithBearerToken(token), Credentials{Token: "wr0ng-t0ken"}, "401 Unauthorized"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			srv := httprepo.New(t, tc.opt, httprepo.WithCharts(testcharts.Path(t, "plain")))
			url := archiveURL(srv, "plain", "0.1.0")
			ch, err := NewFetcher(FetcherOptions{}).FetchURL(t.Context(), url, tc.creds)
			if tc.wantErr == "" {
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(ch.Version).To(Equal("0.1.0"))
				return
			}
			g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
			g.Expect(err.Error()).To(ContainSubstring(url))
			g.Expect(err.Error()).NotTo(Or(ContainSubstring("pa55"), ContainSubstring("t0ken")))
		})
	}
}

// tlsCase is a way to reach a TLS server and the error it ends in, "" for
// none.
type tlsCase struct {
	name    string
	srv     *httprepo.Server
	creds   Credentials
	wantErr string
}

// tlsCases reach a TLS server and one that requires a client certificate,
// each serving the plain chart, with and without what they need.
func tlsCases(t *testing.T) []tlsCase {
	tlsSrv := httprepo.New(t, httprepo.WithTLS(), httprepo.WithCharts(testcharts.Path(t, "plain")))
	mtlsSrv := httprepo.New(t, httprepo.WithClientCertRequired(), httprepo.WithCharts(testcharts.Path(t, "plain")))
	cert, key := mtlsSrv.ClientCert()
	return []tlsCase{
		{"CA", tlsSrv, Credentials{CACert: tlsSrv.CAPEM()}, ""},
		{"no CA", tlsSrv, Credentials{}, "x509: certificate signed by unknown authority"},
		{"no CA, verification skipped", tlsSrv, Credentials{InsecureSkipTLSVerify: true}, ""},
		{"client cert", mtlsSrv, Credentials{CACert: mtlsSrv.CAPEM(), ClientCert: cert, ClientKey: key}, ""},
		{"client cert missing", mtlsSrv, Credentials{CACert: mtlsSrv.CAPEM()}, "certificate required"},
	}
}

func TestFetchURLTLS(t *testing.T) {
	for _, tc := range tlsCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			url := archiveURL(tc.srv, "plain", "0.1.0")
			ch, err := NewFetcher(FetcherOptions{}).FetchURL(t.Context(), url, tc.creds)
			if tc.wantErr == "" {
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(ch.Digest).To(HavePrefix("sha256:"))
				return
			}
			g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
		})
	}
}

func TestFetchURLFailures(t *testing.T) {
	plain := func(t *testing.T, srv *httprepo.Server) string { return archiveURL(srv, "plain", "0.1.0") }
	cases := []struct {
		name    string
		opts    FetcherOptions
		fault   httprepo.Fault
		url     func(*testing.T, *httprepo.Server) string
		wantErr string
	}{
		{name: "server error", fault: httprepo.Status(http.StatusInternalServerError), url: plain,
			wantErr: "fetching chart archive at URL: 500 Internal Server Error"},
		{name: "forbidden", fault: httprepo.Status(http.StatusForbidden), url: plain,
			wantErr: "403 Forbidden (the credentials do not grant access)"},
		{name: "no such archive", url: func(_ *testing.T, srv *httprepo.Server) string { return archiveURL(srv, "plain", "9.9.9") },
			wantErr: "404 Not Found"},
		{name: "timeout", opts: FetcherOptions{Timeout: 100 * time.Millisecond}, fault: httprepo.Delay(time.Hour), url: plain,
			wantErr: "chart archive at URL is unreachable: timed out after 100ms"},
		{name: "truncated", fault: httprepo.Truncate(100), url: plain,
			wantErr: "reading chart archive at URL: unexpected EOF"},
		{name: "too large", opts: FetcherOptions{MaxChartSize: 100}, url: plain,
			wantErr: "chart archive at URL is larger than 100 bytes"},
		{name: "too large, length not announced", opts: FetcherOptions{MaxChartSize: 100},
			fault: func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
				w.(http.Flusher).Flush() // before any body: chunked, without Content-Length
				_, _ = w.Write(make([]byte, 101))
			}, url: plain,
			wantErr: "chart archive at URL is larger than 100 bytes"},
		{name: "not a chart", url: func(_ *testing.T, srv *httprepo.Server) string { return srv.URL() + "/index.yaml" },
			wantErr: "URL is not a valid chart archive: gzip: invalid header"},
		{name: "path traversal", url: plain,
			fault: serve(tarGz(t,
				file{"evil/Chart.yaml", "apiVersion: v2\nname: evil\nversion: 0.1.0\n"},
				file{"evil/templates/../../../etc/cron.d/evil", "boom"})),
			wantErr: "URL is not a valid chart archive: chart illegally references parent directory"},
		{name: "invalid metadata", url: plain,
			fault:   serve(tarGz(t, file{"nover/Chart.yaml", "apiVersion: v2\nname: nover\n"})),
			wantErr: "URL is not a valid chart archive: validation: chart.metadata.version is required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "plain")))
			srv.SetFault(tc.fault)
			url := tc.url(t, srv)
			_, err := NewFetcher(tc.opts).FetchURL(t.Context(), url, Credentials{})
			g.Expect(err).To(MatchError(ContainSubstring(strings.ReplaceAll(tc.wantErr, "URL", url))))
		})
	}
}

func TestFetchURLUnreachableHidesUserInfo(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithCharts())
	srv.Close()
	withUser := strings.Replace(srv.URL(), "://", "://alice:s3cret@", 1) + "/plain-0.1.0.tgz"
	_, err := NewFetcher(FetcherOptions{}).FetchURL(t.Context(), withUser, Credentials{})
	g.Expect(err).To(MatchError(ContainSubstring("chart archive at " + srv.URL() + "/plain-0.1.0.tgz is unreachable")))
	g.Expect(err.Error()).To(ContainSubstring("connection refused"))
	g.Expect(err.Error()).NotTo(ContainSubstring("s3cret"))
}

func TestFetchURLRefusesOtherSchemes(t *testing.T) {
	_, err := NewFetcher(FetcherOptions{}).FetchURL(t.Context(), "ftp://alice:s3cret@example.com/plain-0.1.0.tgz", Credentials{})
	NewWithT(t).Expect(err).To(MatchError("chart URL ftp://example.com/plain-0.1.0.tgz is not http or https"))
}

func TestFetchURLCallerCancels(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "plain")))
	srv.SetFault(httprepo.Delay(time.Hour))
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := NewFetcher(FetcherOptions{}).FetchURL(ctx, archiveURL(srv, "plain", "0.1.0"), Credentials{})
	g.Expect(err).To(MatchError(context.DeadlineExceeded))
	g.Expect(err.Error()).NotTo(ContainSubstring("timed out after"), "the Fetcher's own timeout did not run out")
}

// TestFetchURLNotModified checks the conditional GET: the second fetch asks
// whether the archive changed and, told it did not, returns the cached chart.
// The repository's file server sends Last-Modified; an ETag set in front of
// it makes it answer If-None-Match too.
func TestFetchURLNotModified(t *testing.T) {
	cases := []struct{ name, header, etag string }{
		{name: "Last-Modified", header: "If-Modified-Since"},
		{name: "ETag", header: "If-None-Match", etag: `"v1"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "plain")))
			var rec recorder
			srv.SetFault(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
				if tc.etag != "" {
					w.Header().Set("ETag", tc.etag)
				}
				rec.fault(w, r, next)
			})
			url := archiveURL(srv, "plain", "0.1.0")
			f := NewFetcher(FetcherOptions{})

			first, err := f.FetchURL(t.Context(), url, Credentials{})
			g.Expect(err).NotTo(HaveOccurred())
			second, err := f.FetchURL(t.Context(), url, Credentials{})
			g.Expect(err).NotTo(HaveOccurred())

			g.Expect(second.Chart).To(BeIdenticalTo(first.Chart))
			g.Expect(second.Digest).To(Equal(first.Digest))
			reqs := rec.all()
			g.Expect(reqs).To(HaveLen(2))
			g.Expect(reqs[0].status).To(Equal(http.StatusOK))
			g.Expect(reqs[0].header.Get(tc.header)).To(BeEmpty())
			g.Expect(reqs[1].header.Get(tc.header)).NotTo(BeEmpty())
			if tc.etag != "" {
				g.Expect(reqs[1].header.Get(tc.header)).To(Equal(tc.etag))
			}
			g.Expect(reqs[1].status).To(Equal(http.StatusNotModified))
		})
	}
}

// TestFetchURLNotModifiedStillAuthenticates keeps a 304 from handing a cached
// chart to a caller whose credentials the repository refuses.
func TestFetchURLNotModifiedStillAuthenticates(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithBasicAuth("alice", "s3cret"), httprepo.WithCharts(testcharts.Path(t, "plain")))
	url := archiveURL(srv, "plain", "0.1.0")
	f := NewFetcher(FetcherOptions{})
	_, err := f.FetchURL(t.Context(), url, Credentials{Username: "alice", Password: "s3cret"})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = f.FetchURL(t.Context(), url, Credentials{Username: "alice", Password: "nope"})
	g.Expect(err).To(MatchError(ContainSubstring("401 Unauthorized")))
}

// TestFetchURLCachesByDigest checks that the same archive is loaded once,
// even from a server that does not answer conditional requests.
func TestFetchURLCachesByDigest(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "plain")))
	srv.SetFault(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		r.Header.Del("If-Modified-Since")
		next.ServeHTTP(w, r)
	})
	url := archiveURL(srv, "plain", "0.1.0")
	f := NewFetcher(FetcherOptions{})

	const callers = 8
	charts := make([]*Chart, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { charts[i], errs[i] = f.FetchURL(t.Context(), url, Credentials{}) })
	}
	wg.Wait()
	for i := range callers {
		g.Expect(errs[i]).NotTo(HaveOccurred())
		g.Expect(charts[i].Chart).To(BeIdenticalTo(charts[0].Chart))
	}
}

func TestFetchURLCacheIsBounded(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "plain"), testcharts.Path(t, "hooks")))
	plain, hooks := archiveURL(srv, "plain", "0.1.0"), archiveURL(srv, "hooks", "0.1.0")
	f := NewFetcher(FetcherOptions{CacheSize: 1})
	fetch := func(url string) *chart.Chart {
		ch, err := f.FetchURL(t.Context(), url, Credentials{})
		g.Expect(err).NotTo(HaveOccurred())
		return ch.Chart
	}
	first := fetch(plain)
	g.Expect(fetch(plain)).To(BeIdenticalTo(first))
	fetch(hooks)
	again := fetch(plain)
	g.Expect(again).NotTo(BeIdenticalTo(first), "hooks evicted plain")
	g.Expect(again.Metadata.Name).To(Equal("plain"))
}

// TestCredentialsStayOnTheirHost follows a redirect to another server, which
// must not see the credentials, and one on the same server, which must.
func TestCredentialsStayOnTheirHost(t *testing.T) {
	g := NewWithT(t)
	elsewhere := make(chan http.Header, 1)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere <- r.Header.Clone()
		http.NotFound(w, r)
	}))
	defer other.Close()
	srv := httprepo.New(t, httprepo.WithBasicAuth("alice", "s3cret"), httprepo.WithCharts(testcharts.Path(t, "plain")))
	srv.SetFault(httprepo.ForPath("/moved.tgz", func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		http.Redirect(w, r, "/plain-0.1.0.tgz", http.StatusFound)
	}))
	creds := Credentials{Username: "alice", Password: "s3cret"}
	f := NewFetcher(FetcherOptions{})

	ch, err := f.FetchURL(t.Context(), srv.URL()+"/moved.tgz", creds)
	g.Expect(err).NotTo(HaveOccurred(), "same-host redirect keeps credentials")
	g.Expect(ch.Version).To(Equal("0.1.0"))

	srv.SetFault(httprepo.ForPath("/moved.tgz", func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		http.Redirect(w, r, other.URL+"/plain-0.1.0.tgz", http.StatusFound)
	}))
	_, err = f.FetchURL(t.Context(), srv.URL()+"/moved.tgz", creds)
	g.Expect(err).To(MatchError(ContainSubstring("404 Not Found")))
	var h http.Header
	g.Expect(elsewhere).To(Receive(&h))
	g.Expect(h.Get("Authorization")).To(BeEmpty())
}

// Fetches with the same credentials share connections, index and archives
// alike; other credentials get a client, and connections, of their own.
func TestFetchesShareConnectionsByCredentials(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "plain")))
	var mu sync.Mutex
	conns := map[string][]string{} // token -> client addresses, in order
	srv.SetFault(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		mu.Lock()
		token := r.Header.Get("Authorization")
		conns[token] = append(conns[token], r.RemoteAddr)
		mu.Unlock()
		next.ServeHTTP(w, r)
	})
	f := NewFetcher(FetcherOptions{})
	for _, token := range []string{"one", "two"} {
		creds := Credentials{Token: token}
		for range 3 {
			_, err := f.FetchIndex(t.Context(), srv.URL(), creds)
			g.Expect(err).NotTo(HaveOccurred())
			_, err = f.FetchURL(t.Context(), archiveURL(srv, "plain", "0.1.0"), creds)
			g.Expect(err).NotTo(HaveOccurred())
		}
	}
	g.Expect(conns).To(HaveLen(2))
	one, two := conns["Bearer one"], conns["Bearer two"]
	g.Expect(one).To(HaveLen(6))
	g.Expect(one).To(HaveEach(one[0]), "one connection for one set of credentials")
	g.Expect(two).To(HaveEach(two[0]))
	g.Expect(two[0]).NotTo(Equal(one[0]), "other credentials, another connection")
}
