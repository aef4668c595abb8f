package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// The counting proxy sits between the tool under test and kube-apiserver
// and counts the requests the tool makes. It runs as a child process of its
// own (this binary, `bench _proxy`), so that its CPU time is in no tool's
// account; each mode talks to the API server through it, so each pays the
// same extra hop.
//
// internal/testenv's WriteProxy counts writes too, but needs a testing.TB
// and lives in the test process.

const statsPath = "/_bench/stats"

// proxyStats are the requests counted since the last reset.
type proxyStats struct {
	// Writes counts POST, PUT, PATCH and DELETE by "METHOD resource"
	// (resource/subresource, e.g. "PATCH helmrequests/status").
	Writes map[string]int `json:"writes"`
	// Rejected counts writes the API server answered with an error status,
	// by "METHOD resource CODE" (a 409 on an optimistic-concurrency update or
	// on creating a namespace that exists).
	Rejected map[string]int `json:"rejected"`
	// Reads counts GETs other than watches; Watches counts watch requests.
	Reads   int `json:"reads"`
	Watches int `json:"watches"`
}

func (s proxyStats) totalWrites() int {
	n := 0
	for _, c := range s.Writes {
		n += c
	}
	return n
}

// proxyMain is `bench _proxy -kubeconfig <admin kubeconfig>`: it serves
// on 127.0.0.1 and prints its URL on the first line of stdout.
func proxyMain(args []string) error {
	fs := flag.NewFlagSet("_proxy", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "admin kubeconfig of the API server")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return err
	}
	target, err := url.Parse(cfg.Host)
	if err != nil {
		return err
	}
	transport, err := rest.TransportFor(cfg)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	var (
		mu    sync.Mutex
		stats = newProxyStats()
	)
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = target.Host
		},
		Transport:     transport,
		FlushInterval: -1, // watches stream
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, context.Canceled) {
				return
			}
			http.Error(w, fmt.Sprintf("bench proxy: %v", err), http.StatusBadGateway)
		},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+statsPath, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		_ = json.NewEncoder(w).Encode(stats)
	})
	mux.HandleFunc("POST "+statsPath, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		_ = json.NewEncoder(w).Encode(stats)
		stats = newProxyStats()
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case isWrite(r.Method):
			key := r.Method + " " + resourceOf(r.URL.Path)
			rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
			rp.ServeHTTP(rec, r)
			mu.Lock()
			stats.Writes[key]++
			if rec.code >= 400 {
				stats.Rejected[fmt.Sprintf("%s %d", key, rec.code)]++
			}
			mu.Unlock()
			return
		case r.URL.Query().Get("watch") == "true" || r.URL.Query().Get("watch") == "1":
			mu.Lock()
			stats.Watches++
			mu.Unlock()
		default:
			mu.Lock()
			stats.Reads++
			mu.Unlock()
		}
		rp.ServeHTTP(w, r)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Println("http://" + l.Addr().String())
	// The parent closes our stdin when it is done with us (or dies).
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		_ = srv.Close()
	}()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func newProxyStats() proxyStats {
	return proxyStats{Writes: map[string]int{}, Rejected: map[string]int{}}
}

func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// resourceOf names the resource of an API path: "secrets",
// "helmrequests/status", "namespaces", "events".
func resourceOf(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	var rest []string
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		rest = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		rest = parts[3:]
	default:
		return path
	}
	if len(rest) >= 3 && rest[0] == "namespaces" {
		rest = rest[2:]
	}
	if len(rest) == 0 {
		return path
	}
	res := rest[0]
	if len(rest) >= 3 {
		res += "/" + rest[2]
	}
	return res
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// countingProxy is the parent's handle on a running proxy process.
type countingProxy struct {
	URL        string
	Kubeconfig string // a kubeconfig that reaches the API server through the proxy
	cmd        *exec.Cmd
	stdin      io.Closer
}

// startProxy starts `<this binary> _proxy` for the API server that
// adminKubeconfig reaches, and writes a kubeconfig for it into dir.
func startProxy(adminKubeconfig, dir string) (*countingProxy, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "_proxy", "-kubeconfig", adminKubeconfig)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &countingProxy{cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		p.Stop()
		return nil, fmt.Errorf("starting the counting proxy: %w", err)
	}
	p.URL = strings.TrimSpace(line)
	go func() { _, _ = io.Copy(io.Discard, stdout) }()

	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["bench"] = &clientcmdapi.Cluster{Server: p.URL}
	cfg.AuthInfos["bench"] = &clientcmdapi.AuthInfo{}
	cfg.Contexts["bench"] = &clientcmdapi.Context{Cluster: "bench", AuthInfo: "bench", Namespace: "default"}
	cfg.CurrentContext = "bench"
	p.Kubeconfig = filepath.Join(dir, "proxy.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, p.Kubeconfig); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

// Stats returns the counts since the last Reset.
func (p *countingProxy) Stats() (proxyStats, error) { return p.stats(http.MethodGet) }

// Reset returns the counts and starts counting afresh.
func (p *countingProxy) Reset() (proxyStats, error) { return p.stats(http.MethodPost) }

func (p *countingProxy) stats(method string) (proxyStats, error) {
	req, err := http.NewRequest(method, p.URL+statsPath, nil)
	if err != nil {
		return proxyStats{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return proxyStats{}, err
	}
	defer resp.Body.Close()
	var s proxyStats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return proxyStats{}, err
	}
	return s, nil
}

// CPU is the proxy process's CPU time so far.
func (p *countingProxy) CPU() time.Duration { return cpuOf(p.cmd.Process.Pid) }

// Stop ends the proxy.
func (p *countingProxy) Stop() {
	_ = p.stdin.Close()
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// settle waits until the proxy has counted no new write for quiet (events
// go out after the status that made a release Ready), at most limit.
func (p *countingProxy) settle(quiet, limit time.Duration) (proxyStats, error) {
	deadline := time.Now().Add(limit)
	last, err := p.Stats()
	if err != nil {
		return last, err
	}
	lastChange := time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		s, err := p.Stats()
		if err != nil {
			return s, err
		}
		if s.totalWrites() != last.totalWrites() {
			last, lastChange = s, time.Now()
			continue
		}
		if time.Since(lastChange) >= quiet {
			return s, nil
		}
	}
	return last, nil
}

// sortedKeys lists a count map's keys, largest count first.
func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}
