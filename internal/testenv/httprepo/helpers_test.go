package httprepo_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/getter"
	"helm.sh/helm/v3/pkg/repo"

	"captain.io/captain/internal/testenv/httprepo"
)

// client says how a test reaches the repository: which credentials and TLS files it has.
type client struct {
	username, password string
	withCA             bool
	withClientCert     bool
}

// newEntry is the Helm repository entry a user would write for srv, TLS files included.
func newEntry(t *testing.T, srv *httprepo.Server, c client) *repo.Entry {
	e := &repo.Entry{Name: "test", URL: srv.URL(), Username: c.username, Password: c.password}
	if c.withCA {
		e.CAFile = writeFile(t, "ca.crt", srv.CAPEM())
	}
	if c.withClientCert {
		cert, key := srv.ClientCert()
		e.CertFile = writeFile(t, "tls.crt", cert)
		e.KeyFile = writeFile(t, "tls.key", key)
	}
	return e
}

// downloadIndex fetches index.yaml the way `helm repo add` does.
func downloadIndex(t *testing.T, e *repo.Entry) (*repo.IndexFile, error) {
	r, err := repo.NewChartRepository(e, getter.Getters())
	if err != nil {
		return nil, err
	}
	r.CachePath = t.TempDir()
	path, err := r.DownloadIndexFile()
	if err != nil {
		return nil, err
	}
	return repo.LoadIndexFile(path)
}

func mustIndex(g Gomega, t *testing.T, e *repo.Entry) *repo.IndexFile {
	index, err := downloadIndex(t, e)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return index
}

// get downloads a chart version's archive with the entry's credentials and TLS files.
func get(e *repo.Entry, cv *repo.ChartVersion) ([]byte, error) {
	u, err := repo.ResolveReferenceURL(e.URL, cv.URLs[0])
	if err != nil {
		return nil, err
	}
	hg, err := getter.NewHTTPGetter(
		getter.WithURL(e.URL),
		getter.WithBasicAuth(e.Username, e.Password),
		getter.WithTLSClientConfig(e.CertFile, e.KeyFile, e.CAFile),
	)
	if err != nil {
		return nil, err
	}
	buf, err := hg.Get(u)
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// pullAndCheck downloads a chart version and checks it against its index entry.
func pullAndCheck(g Gomega, e *repo.Entry, cv *repo.ChartVersion) {
	data, err := get(e, cv)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "downloading %s %s", cv.Name, cv.Version)
	sum := sha256.Sum256(data)
	g.ExpectWithOffset(1, hex.EncodeToString(sum[:])).To(Equal(cv.Digest), "digest of %s %s", cv.Name, cv.Version)
	ch, err := loader.LoadArchive(bytes.NewReader(data))
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	g.ExpectWithOffset(1, ch.Metadata.Name).To(Equal(cv.Name))
	g.ExpectWithOffset(1, ch.Metadata.Version).To(Equal(cv.Version))
}

func mustGet(g Gomega, index *repo.IndexFile, name, version string) *repo.ChartVersion {
	cv, err := index.Get(name, version)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return cv
}

func versions(index *repo.IndexFile, name string) []string {
	var vs []string
	for _, cv := range index.Entries[name] {
		vs = append(vs, cv.Version)
	}
	return vs
}

func versionCount(index *repo.IndexFile) int {
	n := 0
	for _, cvs := range index.Entries {
		n += len(cvs)
	}
	return n
}

func writeFile(t *testing.T, name string, data []byte) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func basic(user, pass string) []httprepo.Option {
	return []httprepo.Option{httprepo.WithBasicAuth(user, pass)}
}

func bearer(token string) []httprepo.Option {
	return []httprepo.Option{httprepo.WithBearerToken(token)}
}

func setBasic(user, pass string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(user, pass) }
}

func setBearer(token string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}
