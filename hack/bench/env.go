package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/releaseutil"
	"helm.sh/helm/v3/pkg/repo"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"

	"captain.io/captain/internal/testenv"
	"captain.io/captain/internal/testenv/testcharts"
)

// chartName and chartVersion are the chart every mode installs:
// testdata/charts/small.
const (
	chartName    = "small"
	chartVersion = "0.1.0"
)

// chartServer is a static HTTP chart repository on loopback serving the
// small chart: index.yaml and the packaged archive, as `helm repo index`
// makes them (hack/demo serves testdata/charts the same way; httprepo needs
// a testing.TB). It counts the requests it answers.
type chartServer struct {
	URL      string
	ChartURL string // the archive
	Objects  int    // objects the chart renders
	srv      *http.Server
	index    atomic.Int64
	archive  atomic.Int64
}

func serveChart(root, dir string) (*chartServer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	archive, ch, err := testcharts.Package(filepath.Join(root, "testdata", "charts", chartName), dir)
	if err != nil {
		return nil, err
	}
	if ch.Metadata.Version != chartVersion {
		return nil, fmt.Errorf("chart %s is version %s, the harness expects %s", chartName, ch.Metadata.Version, chartVersion)
	}
	objects, err := countObjects(ch)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &chartServer{URL: "http://" + l.Addr().String(), Objects: objects}
	s.ChartURL = s.URL + "/" + filepath.Base(archive)
	index, err := repo.IndexDirectory(dir, s.URL)
	if err != nil {
		return nil, fmt.Errorf("indexing the chart: %w", err)
	}
	index.SortEntries()
	if err := index.WriteFile(filepath.Join(dir, "index.yaml"), 0o644); err != nil {
		return nil, err
	}
	files := http.FileServer(http.Dir(dir))
	s.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/index.yaml") {
				s.index.Add(1)
			} else {
				s.archive.Add(1)
			}
			files.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		if err := s.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "bench: chart repository:", err)
		}
	}()
	return s, nil
}

// requests returns how many index and archive requests the server answered.
func (s *chartServer) requests() (index, archive int64) { return s.index.Load(), s.archive.Load() }

func (s *chartServer) Close() { _ = s.srv.Close() }

// countObjects renders the chart as `helm template` does and counts the
// objects: what one install creates besides Helm's release record.
func countObjects(ch *chart.Chart) (int, error) {
	install := action.NewInstall(&action.Configuration{Log: func(string, ...any) {}})
	install.DryRun, install.ClientOnly = true, true
	install.ReleaseName, install.Namespace = "count", "default"
	rel, err := install.Run(ch, nil)
	if err != nil {
		return 0, fmt.Errorf("rendering chart %s: %w", chartName, err)
	}
	n := 0
	for _, doc := range releaseutil.SplitManifests(rel.Manifest) {
		if strings.Contains(doc, "kind:") {
			n++
		}
	}
	return n, nil
}

// env is one fresh control plane with the counting proxy in front of it
// and the namespaces the releases go to.
type env struct {
	cp              *testenv.ControlPlane
	dir             string
	adminKubeconfig string
	proxy           *countingProxy
	namespaces      []string
	controlPlane    []int // kube-apiserver and etcd (and kube-controller-manager)
	keep            bool
}

func startEnv(ctx context.Context, cfg config) (*env, error) {
	dir, err := os.MkdirTemp("", "captain-bench-")
	if err != nil {
		return nil, err
	}
	var opts []testenv.Option
	if cfg.controllerManager {
		opts = append(opts, testenv.WithControllerManager())
	}
	cp, err := testenv.Start(opts...)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	e := &env{cp: cp, dir: dir, keep: cfg.keep, adminKubeconfig: filepath.Join(dir, "admin.kubeconfig")}
	if err := os.WriteFile(e.adminKubeconfig, cp.KubeConfig(), 0o600); err != nil {
		e.stop()
		return nil, err
	}
	e.controlPlane = childrenNamed("kube-apiserver", "etcd", "kube-controller-manager")
	if len(e.controlPlane) < 2 {
		e.stop()
		return nil, fmt.Errorf("found %d control plane processes among this process's children, want kube-apiserver and etcd", len(e.controlPlane))
	}
	if e.proxy, err = startProxy(e.adminKubeconfig, dir); err != nil {
		e.stop()
		return nil, err
	}
	for i := range cfg.namespaces {
		ns := fmt.Sprintf("bench-%02d", i)
		if err := cp.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			e.stop()
			return nil, err
		}
		e.namespaces = append(e.namespaces, ns)
	}
	return e, nil
}

// controlPlaneCPU is the CPU time of kube-apiserver and etcd (and
// kube-controller-manager) so far.
func (e *env) controlPlaneCPU() time.Duration { return cpuOfAll(e.controlPlane) }

// controlPlaneIdle measures what kube-apiserver and etcd spend per second
// with nothing asked of them, over d.
func (e *env) controlPlaneIdle(ctx context.Context, d time.Duration) (float64, error) {
	c0, t0 := e.controlPlaneCPU(), time.Now()
	if err := sleep(ctx, d); err != nil {
		return 0, err
	}
	return rate(e.controlPlaneCPU()-c0, time.Since(t0)), nil
}

func (e *env) stop() {
	if e.proxy != nil {
		e.proxy.Stop()
	}
	if err := e.cp.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "bench: stopping the control plane:", err)
	}
	if e.keep {
		logf("kept %s", e.dir)
		return
	}
	_ = os.RemoveAll(e.dir)
}

// release names release i and its namespace, the same in every mode.
func (e *env) release(i int) (name, namespace string) {
	return fmt.Sprintf("app-%04d", i), e.namespaces[i%len(e.namespaces)]
}

// serverVersion is the API server's version.
func (e *env) serverVersion() string {
	dc, err := discovery.NewDiscoveryClientForConfig(e.cp.Config)
	if err != nil {
		return "?"
	}
	v, err := dc.ServerVersion()
	if err != nil {
		return "?"
	}
	return v.GitVersion
}
