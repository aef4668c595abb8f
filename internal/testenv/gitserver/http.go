package gitserver

import (
	"crypto/subtle"
	"encoding/pem"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// HTTPServer serves a Root over Git's smart HTTP protocol on 127.0.0.1.
type HTTPServer struct {
	srv     *httptest.Server
	fetches atomic.Int64
}

// HTTPOption configures an HTTPServer.
type HTTPOption func(*httpOptions)

type httpOptions struct {
	user, password string
	tls            bool
}

// WithBasicAuth requires these credentials on every request.
func WithBasicAuth(user, password string) HTTPOption {
	return func(o *httpOptions) { o.user, o.password = user, password }
}

// WithTLS serves HTTPS with a certificate that CAPEM trusts.
func WithTLS() HTTPOption {
	return func(o *httpOptions) { o.tls = true }
}

// ServeHTTP serves root until the test ends.
func ServeHTTP(tb testing.TB, root *Root, opts ...HTTPOption) *HTTPServer {
	tb.Helper()
	var o httpOptions
	for _, opt := range opts {
		opt(&o)
	}
	dir, err := gitExecPath()
	if err != nil {
		tb.Fatalf("gitserver: %v", err)
	}
	s := &HTTPServer{}
	backend := &cgi.Handler{
		Path:       filepath.Join(dir, "git-http-backend"),
		Env:        append(gitEnv(), "GIT_PROJECT_ROOT="+root.Dir, "GIT_HTTP_EXPORT_ALL=1"),
		InheritEnv: []string{"PATH"},
	}
	handler := s.count(authorize(o, backend))
	if o.tls {
		s.srv = httptest.NewTLSServer(handler)
	} else {
		s.srv = httptest.NewServer(handler)
	}
	tb.Cleanup(s.srv.Close)
	return s
}

// URL is the URL of the repository called name.
func (s *HTTPServer) URL(name string) string { return s.srv.URL + "/" + name }

// CAPEM is the PEM certificate that verifies the server with WithTLS.
func (s *HTTPServer) CAPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}

// Fetches counts the fetches served (upload-pack requests; a mere listing
// of refs is not one).
func (s *HTTPServer) Fetches() int64 { return s.fetches.Load() }

func (s *HTTPServer) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-upload-pack") {
			s.fetches.Add(1)
		}
		next.ServeHTTP(w, r)
	})
}

func authorize(o httpOptions, next http.Handler) http.Handler {
	if o.user == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, password, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(user+"\x00"+password), []byte(o.user+"\x00"+o.password)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
