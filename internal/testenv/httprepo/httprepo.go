// Package httprepo serves a real Helm HTTP chart repository (index.yaml plus .tgz archives) on
// loopback for tests. By default it packages every chart folder in testdata/charts; it can
// require basic auth or a bearer token, speak TLS with a CA made at runtime (optionally
// requiring client certificates), change its content while running, and misbehave on demand.
package httprepo

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"helm.sh/helm/v3/pkg/repo"
)

// Server is a chart repository served over HTTP(S) on 127.0.0.1.
type Server struct {
	opts    options
	srv     *httptest.Server
	pki     *pki
	handler http.Handler
	docroot string // chart archives, served as is
	staging string // where archives are built before they are renamed into docroot
	fault   atomic.Pointer[Fault]

	mu        sync.Mutex // serializes changes to index and docroot
	index     *repo.IndexFile
	indexSnap atomic.Pointer[indexSnapshot]
}

// New packages the charts, starts the repository and stops it when the test ends.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := &Server{docroot: tb.TempDir(), staging: tb.TempDir()}
	for _, o := range opts {
		o(&s.opts)
	}
	folders, err := s.opts.charts.Resolve(tb)
	if err != nil {
		tb.Fatalf("httprepo: %v", err)
	}
	if err := s.start(); err != nil {
		tb.Fatalf("httprepo: %v", err)
	}
	tb.Cleanup(s.Close)
	if err := s.build(folders); err != nil {
		tb.Fatalf("httprepo: %v", err)
	}
	return s
}

// URL is the repository's base URL, such as https://127.0.0.1:41234 (no trailing slash).
func (s *Server) URL() string { return s.srv.URL }

// CAPEM is the PEM certificate of the CA that signed the server and client certificates, or
// nil without TLS.
func (s *Server) CAPEM() []byte {
	if s.pki == nil {
		return nil
	}
	return s.pki.caPEM
}

// ClientCert is a PEM certificate and key, signed by the CA, that the server accepts as a
// client certificate; nil without TLS.
func (s *Server) ClientCert() (certPEM, keyPEM []byte) {
	if s.pki == nil {
		return nil, nil
	}
	return s.pki.clientCertPEM, s.pki.clientKeyPEM
}

// SetFault puts f in front of every request (authentication included) until it is replaced;
// nil restores normal service.
func (s *Server) SetFault(f Fault) {
	if f == nil {
		s.fault.Store(nil)
		return
	}
	s.fault.Store(&f)
}

// Close drops open connections, so that delayed requests do not hold it up, and stops the
// server. It is safe to call more than once.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

func (s *Server) start() error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /"+indexFile, s.serveIndex)
	mux.Handle("GET /", http.FileServer(http.Dir(s.docroot)))
	s.handler = s.authenticate(mux)
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	if !s.opts.tls {
		s.srv.Start()
		return nil
	}
	p, err := newPKI()
	if err != nil {
		return fmt.Errorf("making TLS certificates: %w", err)
	}
	s.pki = p
	s.srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{p.serverCert},
		ClientCAs:    p.pool,
		ClientAuth:   tls.VerifyClientCertIfGiven,
		MinVersion:   tls.VersionTLS12,
	}
	if s.opts.requireClientCert {
		s.srv.TLS.ClientAuth = tls.RequireAndVerifyClientCert
	}
	s.srv.StartTLS()
	return nil
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if f := s.fault.Load(); f != nil {
		(*f)(w, r, s.handler)
		return
	}
	s.handler.ServeHTTP(w, r)
}
