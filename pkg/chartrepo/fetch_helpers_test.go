package chartrepo

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"captain.io/captain/internal/testenv/httprepo"
)

// archiveURL is where httprepo serves a chart version.
func archiveURL(srv *httprepo.Server, name, version string) string {
	return fmt.Sprintf("%s/%s-%s.tgz", srv.URL(), name, version)
}

// served downloads url with plain net/http, as a reference for what FetchURL should see.
func served(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func sha256Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// serve is a Fault that answers every request with data, as a repository
// holding a hand-made archive would.
func serve(data []byte) httprepo.Fault {
	return func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		_, _ = w.Write(data)
	}
}

// file is one entry of a hand-made archive.
type file struct{ name, body string }

// tarGz makes a chart archive with exactly these entries, names unchecked.
func tarGz(t *testing.T, files ...file) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// recorder is a Fault that serves normally and records each request's
// headers and the status it was answered with.
type recorder struct {
	mu       sync.Mutex
	requests []recorded
}

type recorded struct {
	header http.Header
	status int
}

func (rec *recorder) fault(w http.ResponseWriter, r *http.Request, next http.Handler) {
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	next.ServeHTTP(sw, r)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.requests = append(rec.requests, recorded{header: r.Header.Clone(), status: sw.status})
}

func (rec *recorder) all() []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]recorded(nil), rec.requests...)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
