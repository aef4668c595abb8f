package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// WriteProxy is a plain-HTTP reverse proxy in front of a control plane's API
// server that sees each request a client makes. It counts the client's
// writes (POST, PUT, PATCH, DELETE) that a filter selects and can stop the
// client at an exact write: before that write is forwarded it calls a
// function (a test SIGKILLs the client there) and from then on refuses every
// request, so the API server holds exactly the writes made before it.
//
// The proxy acts as a cluster admin towards the API server, whatever the
// client: clients reach it through KubeConfig, without credentials.
// Impersonation headers pass through.
type WriteProxy struct {
	url string
	srv *http.Server

	mu      sync.Mutex
	match   func(*http.Request) bool
	writes  []string
	stopAt  int
	stop    func(write string)
	stopped bool
}

// IsWrite tells whether r changes state on the API server.
func IsWrite(r *http.Request) bool {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// NewWriteProxy starts a proxy to cp's API server that stops when the test
// ends. Until Count is called it counts every write.
func (cp *ControlPlane) NewWriteProxy(t testing.TB) *WriteProxy {
	t.Helper()
	target, err := url.Parse(cp.Config.Host)
	if err != nil {
		t.Fatal(err)
	}
	transport, err := rest.TransportFor(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &WriteProxy{url: "http://" + l.Addr().String(), match: func(*http.Request) bool { return true }}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = target.Host
		},
		Transport: transport,
		// Watches stream: pass each event on as it comes.
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, context.Canceled) {
				return
			}
			http.Error(w, fmt.Sprintf("write proxy: %v", err), http.StatusBadGateway)
		},
	}
	p.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !p.admit(r) {
				http.Error(w, "write proxy: client stopped", http.StatusServiceUnavailable)
				return
			}
			rp.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = p.srv.Serve(l) }()
	t.Cleanup(func() { _ = p.srv.Close() })
	return p
}

// URL is where the proxy listens (http://127.0.0.1:<port>).
func (p *WriteProxy) URL() string { return p.url }

// KubeConfig returns a kubeconfig file's bytes that reach the API server
// through the proxy.
func (p *WriteProxy) KubeConfig() []byte {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["proxy"] = &clientcmdapi.Cluster{Server: p.url}
	cfg.AuthInfos["proxy"] = &clientcmdapi.AuthInfo{}
	cfg.Contexts["proxy"] = &clientcmdapi.Context{Cluster: "proxy", AuthInfo: "proxy"}
	cfg.CurrentContext = "proxy"
	out, err := clientcmd.Write(*cfg)
	if err != nil {
		panic(err) // a fixed, valid config
	}
	return out
}

// Count starts counting afresh, only the writes match selects (nil: every
// write), and cancels StopAt and a stop: requests flow again.
func (p *WriteProxy) Count(match func(*http.Request) bool) {
	if match == nil {
		match = func(*http.Request) bool { return true }
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.match, p.writes, p.stopAt, p.stop, p.stopped = match, nil, 0, nil, false
}

// Writes lists the counted writes since Count, as "METHOD path", in the
// order they reached the proxy (the one StopAt held back included).
func (p *WriteProxy) Writes() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.writes...)
}

// StopAt makes the nth counted write since Count (n ≥ 1) the last one the
// client sends: it is not forwarded, stop is called with it (synchronously,
// while the write waits, so stop must not call the proxy), and every later
// request is refused with 503 until Count is called again. A count already
// past n stops at the next write.
func (p *WriteProxy) StopAt(n int, stop func(write string)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopAt, p.stop = n, stop
}

// Stopped tells whether StopAt's write was reached.
func (p *WriteProxy) Stopped() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stopped
}

// admit counts r and says whether to forward it.
func (p *WriteProxy) admit(r *http.Request) bool {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return false
	}
	if !IsWrite(r) || !p.match(r) {
		p.mu.Unlock()
		return true
	}
	write := r.Method + " " + r.URL.Path
	p.writes = append(p.writes, write)
	if p.stop == nil || len(p.writes) < p.stopAt {
		p.mu.Unlock()
		return true
	}
	// Hold the lock while stopping: no other request gets through meanwhile.
	defer p.mu.Unlock()
	p.stopped = true
	p.stop(write)
	return false
}
