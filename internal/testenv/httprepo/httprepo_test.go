package httprepo_test

import (
	"net/http"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"

	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/internal/testenv/testcharts"
)

func TestPullEveryChart(t *testing.T) {
	cases := []struct {
		name   string
		opts   []httprepo.Option
		client client
	}{
		{name: "plain"},
		{name: "relative URLs", opts: []httprepo.Option{httprepo.WithRelativeURLs()}},
		{
			name:   "basic auth",
			opts:   []httprepo.Option{httprepo.WithBasicAuth("alice", "s3cret")},
			client: client{username: "alice", password: "s3cret"},
		},
		{
			name:   "TLS with CA",
			opts:   []httprepo.Option{httprepo.WithTLS()},
			client: client{withCA: true},
		},
		{
			name:   "TLS with CA and basic auth",
			opts:   []httprepo.Option{httprepo.WithTLS(), httprepo.WithBasicAuth("alice", "s3cret")},
			client: client{username: "alice", password: "s3cret", withCA: true},
		},
		{
			name:   "mTLS",
			opts:   []httprepo.Option{httprepo.WithClientCertRequired()},
			client: client{withCA: true, withClientCert: true},
		},
	}
	folders, err := testcharts.Folders(testcharts.Dir(t))
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			srv := httprepo.New(t, tc.opts...)
			entry := newEntry(t, srv, tc.client)
			index, err := downloadIndex(t, entry)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(versionCount(index)).To(Equal(len(folders)))
			for _, f := range folders {
				md := testcharts.Load(t, filepath.Base(f)).Metadata
				cv, err := index.Get(md.Name, md.Version)
				g.Expect(err).NotTo(HaveOccurred(), "%s %s not in index", md.Name, md.Version)
				pullAndCheck(g, entry, cv)
			}
		})
	}
}

func TestWrongCredentialsAreRefused(t *testing.T) {
	const user, pass, token = "alice", "s3cret", "t0ken"
	cases := []struct {
		name string
		opts []httprepo.Option
		auth func(*http.Request)
		want int
	}{
		{"no credentials", basic(user, pass), func(*http.Request) {}, http.StatusUnauthorized},
		{"wrong password", basic(user, pass), setBasic(user, "nope"), http.StatusUnauthorized},
		{"wrong user", basic(user, pass), setBasic("bob", pass), http.StatusUnauthorized},
		{"token where basic is wanted", basic(user, pass), setBearer(token), http.StatusUnauthorized},
		{"right basic", basic(user, pass), setBasic(user, pass), http.StatusOK},
		{"no token", bearer(token), func(*http.Request) {}, http.StatusUnauthorized},
		{"wrong token", bearer(token), setBearer("nope"), http.StatusUnauthorized},
		{"basic where a token is wanted", bearer(token), setBasic(user, pass), http.StatusUnauthorized},
		{"right token", bearer(token), setBearer(token), http.StatusOK},
		{"either: basic", append(basic(user, pass), bearer(token)...), setBasic(user, pass), http.StatusOK},
		{"either: token", append(basic(user, pass), bearer(token)...), setBearer(token), http.StatusOK},
		{"either: neither", append(basic(user, pass), bearer(token)...), setBearer("nope"), http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			srv := httprepo.New(t, append(tc.opts, httprepo.WithCharts())...)
			req, err := http.NewRequest(http.MethodGet, srv.URL()+"/index.yaml", nil)
			g.Expect(err).NotTo(HaveOccurred())
			tc.auth(req)
			resp, err := http.DefaultClient.Do(req)
			g.Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			g.Expect(resp.StatusCode).To(Equal(tc.want))
			if tc.want == http.StatusUnauthorized {
				g.Expect(resp.Header.Values("WWW-Authenticate")).NotTo(BeEmpty())
			}
		})
	}
}

func TestHelmSeesWrongCredentials(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithBasicAuth("alice", "s3cret"), httprepo.WithCharts())
	_, err := downloadIndex(t, newEntry(t, srv, client{username: "alice", password: "nope"}))
	g.Expect(err).To(MatchError(ContainSubstring("401")))
}

func TestTLSFailures(t *testing.T) {
	cases := []struct {
		name    string
		opts    []httprepo.Option
		client  client
		wantErr string
	}{
		{"no CA", []httprepo.Option{httprepo.WithTLS()}, client{}, "certificate signed by unknown authority"},
		{"no client certificate", []httprepo.Option{httprepo.WithClientCertRequired()}, client{withCA: true}, "certificate required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			srv := httprepo.New(t, append(tc.opts, httprepo.WithCharts())...)
			_, err := downloadIndex(t, newEntry(t, srv, tc.client))
			g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
		})
	}
}

func TestTLSRejectsAnotherServersCA(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithTLS(), httprepo.WithCharts())
	other := httprepo.New(t, httprepo.WithTLS(), httprepo.WithCharts())
	entry := newEntry(t, srv, client{})
	entry.CAFile = writeFile(t, "other-ca.crt", other.CAPEM())
	_, err := downloadIndex(t, entry)
	g.Expect(err).To(MatchError(ContainSubstring("certificate signed by unknown authority")))
}

func TestPublishAndRemove(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "versioned-1.2.3")))
	entry := newEntry(t, srv, client{})
	before := mustIndex(g, t, entry)
	g.Expect(versions(before, "versioned")).To(ConsistOf("1.2.3"))

	cv, err := srv.Publish(testcharts.Path(t, "versioned-1.2.4"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cv.Version).To(Equal("1.2.4"))
	after := mustIndex(g, t, entry)
	g.Expect(versions(after, "versioned")).To(Equal([]string{"1.2.4", "1.2.3"}), "newest first")
	old, err := after.Get("versioned", "1.2.3")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(old.Created).To(BeTemporally("==", mustGet(g, before, "versioned", "1.2.3").Created))
	pullAndCheck(g, entry, cv)

	g.Expect(srv.Remove("versioned", "1.2.3")).To(Succeed())
	g.Expect(versions(mustIndex(g, t, entry), "versioned")).To(ConsistOf("1.2.4"))
	g.Expect(get(entry, old)).Error().To(MatchError(ContainSubstring("404")))
	g.Expect(srv.Remove("versioned", "1.2.3")).To(MatchError(ContainSubstring("not in the repository")))
}

// TestRepublishReplaces checks that publishing a version again replaces it rather than
// listing it twice.
func TestRepublishReplaces(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "plain")))
	entry := newEntry(t, srv, client{})
	cv, err := srv.Publish(testcharts.Path(t, "plain"))
	g.Expect(err).NotTo(HaveOccurred())
	index := mustIndex(g, t, entry)
	g.Expect(versions(index, "plain")).To(HaveLen(1))
	g.Expect(mustGet(g, index, "plain", "0.1.0").Digest).To(Equal(cv.Digest))
	pullAndCheck(g, entry, cv)
}

func TestIndexAnswersConditionalRequests(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithCharts(testcharts.Path(t, "versioned-1.2.3")))
	etag := func(ifNoneMatch string, wantStatus int) string {
		req, err := http.NewRequest(http.MethodGet, srv.URL()+"/index.yaml", nil)
		g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
		if ifNoneMatch != "" {
			req.Header.Set("If-None-Match", ifNoneMatch)
		}
		resp, err := http.DefaultClient.Do(req)
		g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
		resp.Body.Close()
		g.ExpectWithOffset(1, resp.StatusCode).To(Equal(wantStatus))
		return resp.Header.Get("ETag")
	}
	first := etag("", http.StatusOK)
	g.Expect(first).NotTo(BeEmpty())
	etag(first, http.StatusNotModified)

	_, err := srv.Publish(testcharts.Path(t, "versioned-1.2.4"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(etag(first, http.StatusOK)).NotTo(Equal(first))
}
