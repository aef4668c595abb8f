package chartrepo

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/internal/testenv/testcharts"
)

// countingParses makes f count the indexes it parses.
func countingParses(f *Fetcher) *atomic.Int32 {
	var n atomic.Int32
	parse := f.parseIndex
	f.parseIndex = func(data []byte, digest string) (*Index, error) {
		n.Add(1)
		return parse(data, digest)
	}
	return &n
}

func TestFetchIndexEveryChart(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t)
	ix, err := NewFetcher(FetcherOptions{}).FetchIndex(t.Context(), srv.URL(), Credentials{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ix.Digest).To(Equal(sha256Digest(served(t, srv.URL()+"/index.yaml"))))

	folders, err := testcharts.Folders(testcharts.Dir(t))
	g.Expect(err).NotTo(HaveOccurred())
	for _, folder := range folders {
		md := testcharts.Load(t, filepath.Base(folder)).Metadata
		c, ok := ix.Chart(md.Name)
		g.Expect(ok).To(BeTrue(), md.Name)
		v, ok := c.Version(md.Version)
		g.Expect(ok).To(BeTrue(), md.Name+" "+md.Version)
		g.Expect(v.Description).To(Equal(md.Description))
		g.Expect(v.AppVersion).To(Equal(md.AppVersion))
		g.Expect(v.URLs).To(Equal([]string{archiveURL(srv, md.Name, md.Version)}))
		g.Expect("sha256:" + v.Digest).To(Equal(sha256Digest(served(t, v.URLs[0]))))
	}
	versioned, _ := ix.Chart("versioned")
	g.Expect(versioned.VersionStrings()).To(Equal([]string{"2.0.0-beta.1", "1.3.0", "1.2.4", "1.2.3"}))
	latest, err := ResolveVersion(versioned.VersionStrings(), "~1.2")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(latest).To(Equal("1.2.4"))
}

// TestFetchIndexNotModified checks the conditional GET: an unchanged index
// costs a 304 and no parse, and a published version shows in the next fetch.
func TestFetchIndexNotModified(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "versioned-1.2.3")))
	var rec recorder
	srv.SetFault(rec.fault)
	f := NewFetcher(FetcherOptions{})
	parses := countingParses(f)

	first, err := f.FetchIndex(t.Context(), srv.URL(), Credentials{})
	g.Expect(err).NotTo(HaveOccurred())
	second, err := f.FetchIndex(t.Context(), srv.URL()+"/", Credentials{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(second).To(BeIdenticalTo(first))
	g.Expect(parses.Load()).To(BeEquivalentTo(1))
	reqs := rec.all()
	g.Expect(reqs).To(HaveLen(2))
	g.Expect(reqs[0].status).To(Equal(http.StatusOK))
	g.Expect(reqs[1].header.Get("If-None-Match")).NotTo(BeEmpty())
	g.Expect(reqs[1].status).To(Equal(http.StatusNotModified))

	_, err = srv.Publish(testcharts.Path(t, "versioned-1.2.4"))
	g.Expect(err).NotTo(HaveOccurred())
	third, err := f.FetchIndex(t.Context(), srv.URL(), Credentials{})
	g.Expect(err).NotTo(HaveOccurred())
	versioned, _ := third.Chart("versioned")
	g.Expect(versioned.VersionStrings()).To(Equal([]string{"1.2.4", "1.2.3"}))
	g.Expect(parses.Load()).To(BeEquivalentTo(2))
	g.Expect(rec.all()[2].status).To(Equal(http.StatusOK))
}

// TestFetchIndexCachesByDigest checks that an index is parsed once even
// from a server that does not answer conditional requests.
func TestFetchIndexCachesByDigest(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "plain")))
	srv.SetFault(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		r.Header.Del("If-None-Match")
		r.Header.Del("If-Modified-Since")
		next.ServeHTTP(w, r)
	})
	f := NewFetcher(FetcherOptions{})
	parses := countingParses(f)
	first, err := f.FetchIndex(t.Context(), srv.URL(), Credentials{})
	g.Expect(err).NotTo(HaveOccurred())
	second, err := f.FetchIndex(t.Context(), srv.URL(), Credentials{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(second).To(BeIdenticalTo(first))
	g.Expect(parses.Load()).To(BeEquivalentTo(1))
}

func TestFetchIndexAuth(t *testing.T) {
	// Every secret holds "pa55" or "t0ken", which no error may show.
	const user, pass, token = "alice", "s3cret-pa55", "t0ken-value"
	cases := []struct {
		name    string
		opt     httprepo.Option
		creds   Credentials
		wantErr string
	}{
		{"basic", httprepo.WithBasicAuth(user, pass), Credentials{Username: user, Password: pass}, ""},
		{"basic, wrong password", httprepo.WithBasicAuth(user, pass), Credentials{Username: user, Password: "wr0ng-pa55"},
			"fetching chart repository index at URL/index.yaml: 401 Unauthorized (credentials missing or wrong)"},
		{"basic, none", httprepo.WithBasicAuth(user, pass), Credentials{}, "401 Unauthorized"},
		{"bearer", httprepo.WithBearerToken(token), Credentials{Token: token}, ""},
		{"bearer, wrong token", httprepo.WithBearerToken(token), Credentials{Token: "wr0ng-t0ken"}, "401 Unauthorized"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			srv := httprepo.New(t, tc.opt, httprepo.WithCharts(testcharts.Path(t, "plain")))
			ix, err := NewFetcher(FetcherOptions{}).FetchIndex(t.Context(), srv.URL(), tc.creds)
			if tc.wantErr == "" {
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(chartNames(ix)).To(Equal([]string{"plain"}))
				return
			}
			g.Expect(err).To(MatchError(ContainSubstring(strings.ReplaceAll(tc.wantErr, "URL", srv.URL()))))
			g.Expect(err.Error()).NotTo(Or(ContainSubstring("pa55"), ContainSubstring("t0ken")))
		})
	}
}

func TestFetchIndexTLS(t *testing.T) {
	for _, tc := range tlsCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ix, err := NewFetcher(FetcherOptions{}).FetchIndex(t.Context(), tc.srv.URL(), tc.creds)
			if tc.wantErr == "" {
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(chartNames(ix)).To(Equal([]string{"plain"}))
				return
			}
			g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
		})
	}
}

func TestFetchIndexFailures(t *testing.T) {
	root := func(srv *httprepo.Server) string { return srv.URL() }
	cases := []struct {
		name    string
		opts    FetcherOptions
		fault   httprepo.Fault
		repo    func(*httprepo.Server) string
		wantErr string
	}{
		{name: "no index there", repo: func(srv *httprepo.Server) string { return srv.URL() + "/charts" },
			wantErr: "fetching chart repository index at $REPO/charts/index.yaml: 404 Not Found (is $REPO/charts a chart repository?)"},
		{name: "server error", fault: httprepo.Status(http.StatusInternalServerError), repo: root,
			wantErr: "fetching chart repository index at $REPO/index.yaml: 500 Internal Server Error"},
		{name: "forbidden", fault: httprepo.Status(http.StatusForbidden), repo: root,
			wantErr: "403 Forbidden (the credentials do not grant access)"},
		{name: "timeout", opts: FetcherOptions{Timeout: 100 * time.Millisecond}, fault: httprepo.Delay(time.Hour), repo: root,
			wantErr: "chart repository index at $REPO/index.yaml is unreachable: timed out after 100ms"},
		{name: "truncated", fault: httprepo.Truncate(10), repo: root,
			wantErr: "reading chart repository index at $REPO/index.yaml: unexpected EOF"},
		{name: "too large", opts: FetcherOptions{MaxIndexSize: 100}, repo: root,
			wantErr: "chart repository index at $REPO/index.yaml is larger than 100 bytes"},
		{name: "too large, length not announced", opts: FetcherOptions{MaxIndexSize: 100},
			fault: func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
				w.(http.Flusher).Flush() // before any body: chunked, without Content-Length
				_, _ = w.Write([]byte("apiVersion: v1\n" + strings.Repeat("#", 100)))
			}, repo: root,
			wantErr: "chart repository index at $REPO/index.yaml is larger than 100 bytes"},
		{name: "not YAML", fault: serve([]byte("<html><body>Welcome</body></html>\n")), repo: root,
			wantErr: "$REPO/index.yaml: not a valid chart repository index: yaml: unmarshal errors"},
		{name: "no apiVersion", fault: serve([]byte("entries: {}\n")), repo: root,
			wantErr: "$REPO/index.yaml: not a valid chart repository index: apiVersion is missing"},
		{name: "not http", repo: func(srv *httprepo.Server) string { return "oci://alice:s3cret@example.com/charts" },
			wantErr: "chart repository URL oci://example.com/charts is not http or https"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "plain")))
			srv.SetFault(tc.fault)
			_, err := NewFetcher(tc.opts).FetchIndex(t.Context(), tc.repo(srv), Credentials{})
			g.Expect(err).To(MatchError(ContainSubstring(strings.ReplaceAll(tc.wantErr, "$REPO", srv.URL()))))
		})
	}
}

func TestFetchIndexUnreachableHidesUserInfo(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithCharts())
	srv.Close()
	withUser := strings.Replace(srv.URL(), "://", "://alice:s3cret@", 1)
	_, err := NewFetcher(FetcherOptions{}).FetchIndex(t.Context(), withUser, Credentials{})
	g.Expect(err).To(MatchError(ContainSubstring("chart repository index at " + srv.URL() + "/index.yaml is unreachable")))
	g.Expect(err.Error()).NotTo(ContainSubstring("s3cret"))
}

func TestResolveRef(t *testing.T) {
	cases := []struct{ base, ref, want string }{
		{"https://h.example/charts", "index.yaml", "https://h.example/charts/index.yaml"},
		{"https://h.example/charts/", "index.yaml", "https://h.example/charts/index.yaml"},
		{"https://h.example", "index.yaml", "https://h.example/index.yaml"},
		{"https://h.example/charts?token=x", "index.yaml", "https://h.example/charts/index.yaml?token=x"},
		{"https://h.example/charts", "app-1.0.0.tgz", "https://h.example/charts/app-1.0.0.tgz"},
		{"https://h.example/charts", "sub/app-1.0.0.tgz", "https://h.example/charts/sub/app-1.0.0.tgz"},
		{"https://h.example/charts", "/other/app-1.0.0.tgz", "https://h.example/other/app-1.0.0.tgz"},
		{"https://u:p@h.example/charts", "app-1.0.0.tgz", "https://u:p@h.example/charts/app-1.0.0.tgz"},
		{"https://h.example/charts", "https://cdn.example/app-1.0.0.tgz", "https://cdn.example/app-1.0.0.tgz"},
	}
	for _, tc := range cases {
		base, err := url.Parse(tc.base)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := url.Parse(tc.ref)
		if err != nil {
			t.Fatal(err)
		}
		NewWithT(t).Expect(resolveRef(base, ref).String()).To(Equal(tc.want), tc.base+" + "+tc.ref)
	}
}

// fetchVersion fetches the index of srv and then one chart version.
func fetchVersion(t *testing.T, f *Fetcher, srv *httprepo.Server, name, version string, creds Credentials) (*ChartVersion, *Chart, error) {
	t.Helper()
	ix, err := f.FetchIndex(t.Context(), srv.URL(), creds)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := ix.Chart(name)
	if !ok {
		t.Fatalf("no chart %s", name)
	}
	v, ok := c.Version(version)
	if !ok {
		t.Fatalf("no version %s of %s", version, name)
	}
	ch, err := f.FetchChartVersion(t.Context(), srv.URL(), v, creds)
	return v, ch, err
}

func TestFetchChartVersion(t *testing.T) {
	creds := Credentials{Username: "alice", Password: "s3cret"}
	for _, relative := range []bool{false, true} {
		t.Run(map[bool]string{false: "absolute URLs", true: "relative URLs"}[relative], func(t *testing.T) {
			g := NewWithT(t)
			opts := []httprepo.Option{httprepo.WithBasicAuth("alice", "s3cret"), httprepo.WithCharts(testcharts.Path(t, "plain"))}
			if relative {
				opts = append(opts, httprepo.WithRelativeURLs())
			}
			srv := httprepo.New(t, opts...)
			v, ch, err := fetchVersion(t, NewFetcher(FetcherOptions{}), srv, "plain", "0.1.0", creds)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(v.URLs[0]).To(HavePrefix(map[bool]string{false: "http://", true: "plain-"}[relative]))
			g.Expect(ch.Chart.Metadata.Name).To(Equal("plain"))
			g.Expect(ch.Version).To(Equal("0.1.0"))
			g.Expect(ch.Digest).To(Equal("sha256:" + v.Digest))
			g.Expect(ch.Source).To(Equal(archiveURL(srv, "plain", "0.1.0")))
		})
	}
}

// TestFetchChartVersionCachedByDigest checks that a chart the index gives
// the digest of is downloaded once: later fetches make no request at all.
func TestFetchChartVersionCachedByDigest(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "plain")))
	var rec recorder
	srv.SetFault(rec.fault)
	f := NewFetcher(FetcherOptions{})
	v, first, err := fetchVersion(t, f, srv, "plain", "0.1.0", Credentials{})
	g.Expect(err).NotTo(HaveOccurred())
	before := len(rec.all())
	second, err := f.FetchChartVersion(t.Context(), srv.URL(), v, Credentials{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(second.Chart).To(BeIdenticalTo(first.Chart))
	g.Expect(second.Source).To(Equal(first.Source))
	g.Expect(rec.all()).To(HaveLen(before), "no request")
	g.Expect(f.Stats()).To(Equal(CacheStats{Hits: 1, Misses: 1}))
}

func TestFetchChartVersionDigestMismatch(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "plain")))
	tampered := tarGz(t, file{"plain/Chart.yaml", "apiVersion: v2\nname: plain\nversion: 0.1.0\n"})
	f := NewFetcher(FetcherOptions{})
	ix, err := f.FetchIndex(t.Context(), srv.URL(), Credentials{})
	g.Expect(err).NotTo(HaveOccurred())
	srv.SetFault(httprepo.ForPath("/plain-0.1.0.tgz", serve(tampered)))
	plain, _ := ix.Chart("plain")
	_, err = f.FetchChartVersion(t.Context(), srv.URL(), &plain.Versions[0], Credentials{})
	g.Expect(err).To(MatchError(ContainSubstring(
		"chart archive at " + archiveURL(srv, "plain", "0.1.0") + ": digest mismatch: the index lists sha256:" + plain.Versions[0].Digest +
			", the archive is " + sha256Digest(tampered))))
}

// TestFetchChartVersionCredentialsStayOnTheirHost serves a chart version
// from another host, which must not see the repository's credentials.
func TestFetchChartVersionCredentialsStayOnTheirHost(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithBasicAuth("alice", "s3cret"), httprepo.WithCharts(testcharts.Path(t, "plain")))
	creds := Credentials{Username: "alice", Password: "s3cret"}
	f := NewFetcher(FetcherOptions{})
	ix, err := f.FetchIndex(t.Context(), srv.URL(), creds)
	g.Expect(err).NotTo(HaveOccurred())
	plain, _ := ix.Chart("plain")
	archive, err := http.NewRequest(http.MethodGet, plain.Versions[0].URLs[0], nil)
	g.Expect(err).NotTo(HaveOccurred())
	archive.SetBasicAuth("alice", "s3cret")
	resp, err := http.DefaultClient.Do(archive)
	g.Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	g.Expect(err).NotTo(HaveOccurred())

	seen := make(chan http.Header, 1)
	cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Clone()
		_, _ = w.Write(data)
	}))
	defer cdn.Close()
	v := plain.Versions[0]
	v.URLs = []string{cdn.URL + "/plain-0.1.0.tgz"}
	ch, err := f.FetchChartVersion(t.Context(), srv.URL(), &v, creds)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ch.Source).To(Equal(cdn.URL + "/plain-0.1.0.tgz"))
	var h http.Header
	g.Expect(seen).To(Receive(&h))
	g.Expect(h.Get("Authorization")).To(BeEmpty())
}

func TestFetchChartVersionRefuses(t *testing.T) {
	cases := []struct {
		name    string
		version ChartVersion
		wantErr string
	}{
		{"no URL", ChartVersion{Version: "1.0.0"}, "chart version 1.0.0 in the index of https://h.example/charts lists no URL"},
		{"odd digest", ChartVersion{Version: "1.0.0", URLs: []string{"a.tgz"}, Digest: "md5:abc"},
			`chart version 1.0.0 in the index of https://h.example/charts: digest "md5:abc" is not a sha256 digest`},
		{"not http", ChartVersion{Version: "1.0.0", URLs: []string{"ftp://h.example/a.tgz"}},
			"chart URL ftp://h.example/a.tgz is not http or https"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewFetcher(FetcherOptions{}).FetchChartVersion(t.Context(), "https://u:p@h.example/charts", &tc.version, Credentials{})
			NewWithT(t).Expect(err).To(MatchError(tc.wantErr))
		})
	}
}
