package ociregistry_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/registry"

	"captain.io/captain/internal/testenv/ociregistry"
	"captain.io/captain/internal/testenv/testcharts"
)

func TestPullEveryChart(t *testing.T) {
	cases := []struct {
		name string
		opts []ociregistry.Option
	}{
		{name: "anonymous"},
		{name: "basic auth", opts: []ociregistry.Option{ociregistry.WithBasicAuth("alice", "s3cret")}},
	}
	folders, err := testcharts.Folders(testcharts.Dir(t))
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			reg := ociregistry.New(t, tc.opts...)
			user, pass := reg.Credentials()
			client, err := ociregistry.NewClient(t, user, pass)
			g.Expect(err).NotTo(HaveOccurred())
			for _, f := range folders {
				md := testcharts.Load(t, filepath.Base(f)).Metadata
				res, err := client.Pull(reg.Ref(md.Name, md.Version))
				g.Expect(err).NotTo(HaveOccurred(), "pulling %s %s", md.Name, md.Version)
				g.Expect(res.Chart.Meta.Name).To(Equal(md.Name))
				g.Expect(res.Chart.Meta.Version).To(Equal(md.Version))
				ch, err := loader.LoadArchive(bytes.NewReader(res.Chart.Data))
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(ch.Metadata.Name).To(Equal(md.Name))
				g.Expect(ch.Metadata.Version).To(Equal(md.Version))
			}
			// Unlike Pull, Tags wants no oci:// scheme.
			g.Expect(client.Tags(reg.Host() + "/charts/versioned")).To(Equal([]string{"2.0.0-beta.1", "1.3.0", "1.2.4", "1.2.3"}))
		})
	}
}

func TestWrongCredentialsAreRefused(t *testing.T) {
	reg := ociregistry.New(t, ociregistry.WithBasicAuth("alice", "s3cret"), ociregistry.WithCharts(testcharts.Path(t, "plain")))
	cases := []struct {
		name, username, password string
		wantErr                  string
	}{
		// ORAS gives up on the 401 challenge when it has no credentials to answer it with.
		{"no credentials", "", "", "basic credential not found"},
		{"wrong password", "alice", "nope", "401"},
		{"wrong user", "bob", "s3cret", "401"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			client, err := ociregistry.NewClient(t, tc.username, tc.password)
			g.Expect(err).NotTo(HaveOccurred())
			_, err = client.Pull(reg.Ref("plain", "0.1.0"))
			g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
		})
	}
}

func TestUnauthenticatedAPIRequestGets401(t *testing.T) {
	g := NewWithT(t)
	reg := ociregistry.New(t, ociregistry.WithBasicAuth("alice", "s3cret"), ociregistry.WithCharts())
	resp, err := http.Get("http://" + reg.Host() + "/v2/")
	g.Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusUnauthorized))
	g.Expect(resp.Header.Get("WWW-Authenticate")).To(HavePrefix("Basic"))
}

func TestPushAtRuntime(t *testing.T) {
	g := NewWithT(t)
	reg := ociregistry.New(t, ociregistry.WithCharts())
	client, err := ociregistry.NewClient(t, "", "")
	g.Expect(err).NotTo(HaveOccurred())
	_, err = client.Pull(reg.Ref("versioned", "1.2.3"))
	g.Expect(err).To(MatchError(ContainSubstring("not found")))

	pushed, err := reg.Push(testcharts.Path(t, "versioned-1.2.3"))
	g.Expect(err).NotTo(HaveOccurred())
	res, err := client.Pull(reg.Ref("versioned", "1.2.3"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Manifest.Digest).To(Equal(pushed.Manifest.Digest))
	g.Expect(reg.RepoURL()).To(Equal(registry.OCIScheme + "://" + reg.Host() + "/charts"))
}

// TestQuiet checks that a registry at work, refusals included, prints nothing on stdout or
// stderr.
func TestQuiet(t *testing.T) {
	g := NewWithT(t)
	out := capture(t, func() {
		reg := ociregistry.New(t, ociregistry.WithBasicAuth("alice", "s3cret"), ociregistry.WithCharts(testcharts.Path(t, "plain")))
		client, err := ociregistry.NewClient(t, "alice", "nope")
		g.Expect(err).NotTo(HaveOccurred())
		_, err = client.Pull(reg.Ref("plain", "0.1.0"))
		g.Expect(err).To(HaveOccurred())
		_, err = client.Pull(reg.Ref("plain", "9.9.9"))
		g.Expect(err).To(HaveOccurred())
		reg.Close()
	})
	g.Expect(out).To(BeEmpty())
}

// capture returns what f writes to stdout and stderr.
func capture(t *testing.T, f func()) string {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = w, w
	func() {
		defer func() { os.Stdout, os.Stderr = stdout, stderr }()
		f()
	}()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
