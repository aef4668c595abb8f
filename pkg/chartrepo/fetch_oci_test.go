package chartrepo

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"captain.io/captain/internal/testenv/ociregistry"
	"captain.io/captain/internal/testenv/testcharts"
)

// The test registry speaks plain HTTP, which FetchOCI needs to be told.
var plainHTTP = Credentials{PlainHTTP: true}

func versionedRegistry(t *testing.T, opts ...ociregistry.Option) *ociregistry.Registry {
	folders := []string{}
	for _, v := range []string{"1.2.3", "1.2.4", "1.3.0", "2.0.0-beta.1"} {
		folders = append(folders, testcharts.Path(t, "versioned-"+v))
	}
	return ociregistry.New(t, append(opts, ociregistry.WithCharts(folders...))...)
}

func TestFetchOCIResolvesConstraints(t *testing.T) {
	reg := versionedRegistry(t)
	repo := reg.RepoURL() + "/versioned"
	cases := []struct{ constraint, want string }{
		{"~1.2", "1.2.4"},
		{"", "1.3.0"},
		{"1.2.3", "1.2.3"},
		{">=2.0.0-0", "2.0.0-beta.1"},
	}
	f := NewFetcher(FetcherOptions{})
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%q", tc.constraint), func(t *testing.T) {
			g := NewWithT(t)
			ch, err := f.FetchOCI(t.Context(), repo, tc.constraint, plainHTTP)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(ch.Version).To(Equal(tc.want))
			g.Expect(ch.Chart.Metadata.Name).To(Equal("versioned"))
			g.Expect(ch.Source).To(Equal(reg.Ref("versioned", tc.want)))
			g.Expect(ch.Digest).To(Equal(layerDigest(g, t, reg, tc.want)))
		})
	}
}

// layerDigest is the digest of a version's chart layer, as Helm's own client pulls it.
func layerDigest(g Gomega, t *testing.T, reg *ociregistry.Registry, version string) string {
	user, pass := reg.Credentials()
	client, err := ociregistry.NewClient(t, user, pass)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	res, err := client.Pull(reg.Ref("versioned", version))
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return res.Chart.Digest
}

func TestFetchOCIFailures(t *testing.T) {
	reg := versionedRegistry(t)
	repo := reg.RepoURL() + "/versioned"
	cases := []struct {
		name, repo, constraint string
		opts                   FetcherOptions
		creds                  Credentials
		wantErr                string
	}{
		{name: "no match", repo: repo, constraint: "~3", creds: plainHTTP,
			wantErr: repo + `: no version satisfies "~3" among 4 versions`},
		{name: "bad constraint", repo: repo, constraint: "one", creds: plainHTTP,
			wantErr: `spec.version "one" is not a version or semver constraint`},
		{name: "plain HTTP not allowed", repo: repo, creds: Credentials{},
			wantErr: "http: server gave HTTP response to HTTPS client"},
		{name: "no such chart", repo: reg.RepoURL() + "/nothing", creds: plainHTTP,
			wantErr: "listing tags"},
		{name: "too large", repo: repo, opts: FetcherOptions{MaxChartSize: 100}, creds: plainHTTP,
			wantErr: "chart archive at " + reg.Ref("versioned", "1.3.0") + " is larger than 100 bytes"},
		{name: "not oci", repo: "https://example.com/charts/app",
			wantErr: `OCI repository "https://example.com/charts/app" does not start with oci://`},
		{name: "with a tag", repo: repo + ":1.2.3",
			wantErr: "names a tag or digest; give the version as the chart version instead"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			_, err := NewFetcher(tc.opts).FetchOCI(t.Context(), tc.repo, tc.constraint, tc.creds)
			g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
		})
	}
}

func TestFetchOCIAuth(t *testing.T) {
	const user, pass = "alice", "s3cret-pa55"
	reg := versionedRegistry(t, ociregistry.WithBasicAuth(user, pass))
	repo := reg.RepoURL() + "/versioned"
	cases := []struct {
		name     string
		user     string
		password string
		wantErr  string
	}{
		{"right", user, pass, ""},
		{"wrong password", user, "wr0ng-pa55", "401"},
		{"none", "", "", "basic credential not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			creds := Credentials{Username: tc.user, Password: tc.password, PlainHTTP: true}
			ch, err := NewFetcher(FetcherOptions{}).FetchOCI(t.Context(), repo, "~1.2", creds)
			if tc.wantErr == "" {
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(ch.Version).To(Equal("1.2.4"))
				return
			}
			g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
			g.Expect(err.Error()).NotTo(ContainSubstring("pa55"))
		})
	}
}

// TestFetchOCIDownloadsOnce fetches an unchanged version twice: the second
// time, only the tags and the manifest are read, and the chart is the same.
func TestFetchOCIDownloadsOnce(t *testing.T) {
	g := NewWithT(t)
	reg := versionedRegistry(t)
	var blobs atomic.Int32
	host := proxy(t, reg, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if strings.Contains(r.URL.Path, "/blobs/") {
			blobs.Add(1)
		}
		next.ServeHTTP(w, r)
	})
	repo := "oci://" + host + "/charts/versioned"
	f := NewFetcher(FetcherOptions{})

	first, err := f.FetchOCI(t.Context(), repo, "~1.2", plainHTTP)
	g.Expect(err).NotTo(HaveOccurred())
	downloaded := blobs.Load()
	g.Expect(downloaded).To(BeNumerically(">", 0))

	second, err := f.FetchOCI(t.Context(), repo, "~1.2", plainHTTP)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(blobs.Load()).To(Equal(downloaded), "no blob fetched the second time")
	g.Expect(second.Chart).To(BeIdenticalTo(first.Chart))
	g.Expect(second.Digest).To(Equal(first.Digest))
}

// TestFetchOCITimeout stalls the chart download, which Helm's client makes
// without a context: the Fetcher's timeout must still end it.
func TestFetchOCITimeout(t *testing.T) {
	g := NewWithT(t)
	reg := versionedRegistry(t)
	host := proxy(t, reg, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if strings.Contains(r.URL.Path, "/blobs/") {
			<-r.Context().Done()
			return
		}
		next.ServeHTTP(w, r)
	})
	start := time.Now()
	_, err := NewFetcher(FetcherOptions{Timeout: 200 * time.Millisecond}).
		FetchOCI(t.Context(), "oci://"+host+"/charts/versioned", "", plainHTTP)
	g.Expect(err).To(MatchError(ContainSubstring("pulling " + "oci://" + host + "/charts/versioned:1.3.0")))
	g.Expect(err).To(MatchError(ContainSubstring("context deadline exceeded")))
	g.Expect(time.Since(start)).To(BeNumerically("<", 5*time.Second))
}

// proxy serves reg through a reverse proxy whose requests pass through
// front, and returns the proxy's host:port.
func proxy(t *testing.T, reg *ociregistry.Registry, front func(http.ResponseWriter, *http.Request, http.Handler)) string {
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: reg.Host()})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { front(w, r, rp) }))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}
