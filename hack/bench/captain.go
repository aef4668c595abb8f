package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
)

// repoName is the ChartRepo the HelmRequests name: spec.chart bench/small.
// It is in Captain's own namespace ("default"), which HelmRequests in any
// namespace fall back to.
const repoName = "bench"

// buildCaptain builds bin/captain from the working tree.
func buildCaptain(root string) (string, error) {
	bin := filepath.Join(root, "bin", "captain")
	logf("building %s", bin)
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/captain")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building captain: %w", err)
	}
	return bin, nil
}

// captainProc is one running Captain process.
type captainProc struct {
	cmd     *exec.Cmd
	pid     int
	metrics string
	// pprof is the base URL of its pprof endpoints, when it serves them.
	pprof   string
	done    chan struct{}
	started time.Time
}

// startCaptain runs bin/captain against the proxy as the README's
// deployment does, with the metrics endpoint on a free loopback port.
func startCaptain(bin string, e *env, cfg config, requeue time.Duration, logName string, extra ...string) (*captainProc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(e.dir, logName))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin,
		"--kubeconfig="+e.proxy.Kubeconfig,
		"--namespace=default",
		"--metrics-bind-address="+addr,
		"--health-probe-bind-address=0",
		fmt.Sprintf("--concurrency=%d", cfg.concurrency),
		"--requeue-interval="+requeue.String(),
	)
	cmd.Args = append(cmd.Args, extra...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, err
	}
	c := &captainProc{cmd: cmd, pid: cmd.Process.Pid, metrics: "http://" + addr + "/metrics", done: make(chan struct{}), started: time.Now()}
	go func() {
		_ = cmd.Wait()
		_ = logFile.Close()
		close(c.done)
	}()
	deadline := time.Now().Add(time.Minute)
	for {
		if _, _, err := c.reconciles(); err == nil {
			return c, nil
		}
		select {
		case <-c.done:
			return nil, fmt.Errorf("captain exited at start: %s; see %s", cmd.ProcessState, logFile.Name())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("captain's metrics endpoint did not answer within a minute; see %s", logFile.Name())
		}
	}
}

// sleep waits for d, or until ctx ends (the harness was interrupted).
func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// reconciles reads controller_runtime_reconcile_total{controller="helmrequest"}
// from the metrics endpoint: all results, and those with result="error".
func (c *captainProc) reconciles() (total, failed float64, err error) {
	resp, err := http.Get(c.metrics)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("GET %s: %s", c.metrics, resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "controller_runtime_reconcile_total{") || !strings.Contains(line, `controller="helmrequest"`) {
			continue
		}
		v, perr := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if perr != nil {
			continue
		}
		total += v
		if strings.Contains(line, `result="error"`) {
			failed += v
		}
	}
	return total, failed, sc.Err()
}

func (c *captainProc) cpu() time.Duration { return cpuOf(c.pid) }

func (c *captainProc) memory() memUsage {
	m, _ := memoryOf(c.pid)
	return m
}

// stop sends SIGTERM, as a rolling restart does, and waits for the exit.
func (c *captainProc) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(time.Minute):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// tracker follows every HelmRequest through a watch (an informer), so that
// the harness sees each becoming Ready without listing them over and over,
// and remembers any that ever reported a failure.
type tracker struct {
	mu       sync.Mutex
	want     int
	ready    map[string]bool
	revision map[string]int
	failures map[string]string
	readyAt  time.Time
	allReady chan struct{}
	stop     context.CancelFunc
}

func startTracker(ctx context.Context, e *env, want int) (*tracker, error) {
	ctx, cancel := context.WithCancel(ctx)
	t := &tracker{want: want, ready: map[string]bool{}, revision: map[string]int{}, failures: map[string]string{},
		allReady: make(chan struct{}), stop: cancel}
	c, err := cache.New(e.cp.Config, cache.Options{Scheme: e.cp.Scheme})
	if err != nil {
		cancel()
		return nil, err
	}
	inf, err := c.GetInformer(ctx, &v1.HelmRequest{})
	if err != nil {
		cancel()
		return nil, err
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    t.observe,
		UpdateFunc: func(_, obj any) { t.observe(obj) },
	}); err != nil {
		cancel()
		return nil, err
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		cancel()
		return nil, errors.New("the HelmRequest watch did not sync")
	}
	return t, nil
}

func (t *tracker) observe(obj any) {
	hr, ok := obj.(*v1.HelmRequest)
	if !ok {
		return
	}
	key := hr.Namespace + "/" + hr.Name
	ready := hr.Status.ObservedGeneration == hr.Generation && apimeta.IsStatusConditionTrue(hr.Status.Conditions, v1.ReadyCondition)
	t.mu.Lock()
	defer t.mu.Unlock()
	if stalled := apimeta.FindStatusCondition(hr.Status.Conditions, v1.StalledCondition); stalled != nil && stalled.Status == metav1.ConditionTrue {
		t.failures[key] = "Stalled: " + stalled.Message
	}
	if hr.Status.Phase == v1.PhaseFailed {
		t.failures[key] = "phase Failed"
	}
	for _, cl := range hr.Status.Clusters {
		if cl.Name == v1.LocalCluster && cl.Revision > 0 {
			t.revision[key] = cl.Revision
		}
	}
	if !ready || t.ready[key] {
		return
	}
	t.ready[key] = true
	if len(t.ready) == t.want {
		t.readyAt = time.Now()
		close(t.allReady)
	}
}

func (t *tracker) counts() (ready, failed int, notRevision1 []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for key, rev := range t.revision {
		if rev != 1 {
			notRevision1 = append(notRevision1, fmt.Sprintf("%s at revision %d", key, rev))
		}
	}
	return len(t.ready), len(t.failures), notRevision1
}

func (t *tracker) failureExamples() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for key, msg := range t.failures {
		out = append(out, key+": "+msg)
		if len(out) == 5 {
			break
		}
	}
	return out
}

// runCaptain measures Captain converging n HelmRequests in a fresh
// environment and, with idle, what n synced HelmRequests then cost.
func runCaptain(ctx context.Context, cfg config, bin string, e *env, repo *chartServer, n int, idle bool) (*modeResult, *idleResult, error) {
	tr, err := startTracker(ctx, e, n)
	if err != nil {
		return nil, nil, err
	}
	defer tr.stop()
	// A long interval: no periodic resync may mix with the installs.
	p1, err := startCaptain(bin, e, cfg, time.Hour, "captain-1.log")
	if err != nil {
		return nil, nil, err
	}
	defer p1.stop()
	if err := createRepo(ctx, e, repo); err != nil {
		return nil, nil, err
	}
	// Start from a quiet process: ChartRepo synced, its writes done.
	if _, err := e.proxy.settle(time.Second, 30*time.Second); err != nil {
		return nil, nil, err
	}
	if _, err := e.proxy.Reset(); err != nil {
		return nil, nil, err
	}
	cpIdle, err := e.controlPlaneIdle(ctx, controlPlaneIdleWindow)
	if err != nil {
		return nil, nil, err
	}
	cpu0, cp0, proxy0, cpStart := p1.cpu(), e.controlPlaneCPU(), e.proxy.CPU(), time.Now()
	idx0, arc0 := repo.requests()

	start := time.Now()
	if err := createRequests(ctx, e, n); err != nil {
		return nil, nil, err
	}
	timeout := 2*time.Minute + time.Duration(n)*500*time.Millisecond
	select {
	case <-tr.allReady:
	case <-time.After(timeout - time.Since(start)):
		ready, failed, _ := tr.counts()
		return nil, nil, fmt.Errorf("captain: %d of %d HelmRequests Ready after %s (%d reported a failure: %v)", ready, n, timeout, failed, tr.failureExamples())
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	wall := tr.readyAt.Sub(start)
	// Events go out after the status that made a HelmRequest Ready: count
	// them with the installs.
	stats, err := e.proxy.settle(time.Second, 30*time.Second)
	if err != nil {
		return nil, nil, err
	}
	idx1, arc1 := repo.requests()
	_, failed, notV1 := tr.counts()
	mem := p1.memory()
	m := &modeResult{
		Mode:               modeCaptain,
		N:                  n,
		Wall:               wall,
		Failed:             failed,
		FailureExamples:    append(tr.failureExamples(), notV1...),
		Writes:             stats,
		ToolCPU:            p1.cpu() - cpu0,
		ControlPlaneCPU:    e.controlPlaneCPU() - cp0,
		ControlPlaneWindow: time.Since(cpStart),
		ControlPlaneIdle:   cpIdle,
		ProxyCPU:           e.proxy.CPU() - proxy0,
		PeakRSS:            mem.HWM,
		RSS:                mem.RSS,
		IndexRequests:      idx1 - idx0,
		ArchiveRequests:    arc1 - arc0,
		StatusRevisionOK:   len(notV1) == 0,
	}
	if m.Revisions, err = checkRevisions(ctx, e, n); err != nil {
		return nil, nil, err
	}
	if !idle {
		return m, nil, nil
	}
	id, err := measureIdle(ctx, cfg, bin, e, repo, p1, n)
	return m, id, err
}

// idleResult is what n synced HelmRequests cost.
type idleResult struct {
	N int
	// Quiet: the converged process with nothing to do, over a window.
	QuietWindow     time.Duration
	QuietCPU        time.Duration
	QuietReconciles float64
	QuietWrites     proxyStats
	AfterInstall    memUsage      // the process that installed them, once quiet
	ScrapeCPU       time.Duration // Captain's CPU per read of its metrics endpoint
	// Restart: a new process until it has reconciled all n.
	RestartWall       time.Duration
	RestartCPU        time.Duration // from process start: startup, caches, n reconciles
	RestartReconciles float64
	RestartErrors     float64
	RestartWrites     proxyStats
	// Resync: the restarted process, from the end of the restart until it
	// has reconciled every HelmRequest once more (--requeue-interval).
	RequeueInterval time.Duration
	// Gap: the restarted process with nothing to do, between the restart
	// and the resync (0 if the restart took too long to leave a gap).
	Gap    time.Duration
	GapCPU time.Duration
	// The resync window: from just before the resync was due (or the end
	// of the restart, without a gap) until the counter had grown by N.
	ResyncWindow     time.Duration
	ResyncCPU        time.Duration
	ResyncReconciles float64
	ResyncErrors     float64
	ResyncScrapes    int // reads of the metrics endpoint in the window
	ResyncWrites     proxyStats
	ResyncIndex      int64 // chart repository requests in the window
	ResyncArchive    int64
	AfterResync      memUsage
}

func measureIdle(ctx context.Context, cfg config, bin string, e *env, repo *chartServer, p1 *captainProc, n int) (*idleResult, error) {
	id := &idleResult{N: n, RequeueInterval: cfg.requeueInterval}

	// 1. Quiet: nothing to do; what does the process cost per second?
	logf("idle: quiet window of %s", cfg.quietWindow)
	if _, err := e.proxy.Reset(); err != nil {
		return nil, err
	}
	r0, _, err := p1.reconciles()
	if err != nil {
		return nil, err
	}
	c0, t0 := p1.cpu(), time.Now()
	if err := sleep(ctx, cfg.quietWindow); err != nil {
		return nil, err
	}
	r1, _, err := p1.reconciles()
	if err != nil {
		return nil, err
	}
	id.QuietCPU, id.QuietWindow, id.QuietReconciles = p1.cpu()-c0, time.Since(t0), r1-r0
	if id.QuietWrites, err = e.proxy.Stats(); err != nil {
		return nil, err
	}
	// What one read of the metrics endpoint costs Captain: the harness
	// reads it a few times in the resync window.
	const scrapes = 50
	c0 = p1.cpu()
	for range scrapes {
		if _, _, err := p1.reconciles(); err != nil {
			return nil, err
		}
	}
	id.ScrapeCPU = (p1.cpu() - c0) / scrapes
	id.AfterInstall = p1.memory()

	// 2. Restart: a new process (SIGTERM, then start) that reconciles every
	// HelmRequest once. The new one resyncs every --requeue-interval.
	logf("idle: restarting captain with --requeue-interval=%s", cfg.requeueInterval)
	p1.stop()
	if _, err := e.proxy.Reset(); err != nil {
		return nil, err
	}
	var profiling []string
	pprofAddr := ""
	if cfg.cpuProfile != "" {
		if pprofAddr, err = freeAddr(); err != nil {
			return nil, err
		}
		profiling = []string{"--pprof-bind-address=" + pprofAddr}
	}
	p2, err := startCaptain(bin, e, cfg, cfg.requeueInterval, "captain-2.log", profiling...)
	if err != nil {
		return nil, err
	}
	defer p2.stop()
	deadline := time.Now().Add(5*time.Minute + time.Duration(n)*100*time.Millisecond)
	var firstDone time.Time // when the first reconcile was seen done
	for {
		total, failed, err := p2.reconciles()
		if err != nil {
			return nil, err
		}
		if total > 0 && firstDone.IsZero() {
			firstDone = time.Now()
		}
		if total >= float64(n) {
			id.RestartWall, id.RestartCPU = time.Since(p2.started), p2.cpu()
			id.RestartReconciles, id.RestartErrors = total, failed
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("restarted captain reconciled %.0f of %d HelmRequests in %s", total, n, time.Since(p2.started))
		}
		if err := sleep(ctx, 250*time.Millisecond); err != nil {
			return nil, err
		}
	}
	// Writes a restart causes come with its reconciles; wait a moment for
	// stragglers (a status or an event), well before the next resync.
	if err := sleep(ctx, 2*time.Second); err != nil {
		return nil, err
	}
	if id.RestartWrites, err = e.proxy.Reset(); err != nil {
		return nil, err
	}

	// 3. Forced full resync: every HelmRequest comes round again one
	// --requeue-interval after its reconcile above. Scraping the metrics
	// endpoint costs Captain CPU too, so the harness does not poll it until
	// just before the resync is due. Until then the process has nothing to
	// do: that gap measures its background cost.
	logf("idle: waiting for a full resync of %d HelmRequests", n)
	r0, rf0, err := p2.reconciles()
	if err != nil {
		return nil, err
	}
	c0, t0 = p2.cpu(), time.Now()
	idx0, arc0 := repo.requests()
	due := firstDone.Add(cfg.requeueInterval - 1500*time.Millisecond)
	if gap := time.Until(due); gap >= 3*time.Second {
		if err := sleep(ctx, gap); err != nil {
			return nil, err
		}
		r1, _, err := p2.reconciles()
		if err != nil {
			return nil, err
		}
		if r1 == r0 {
			id.GapCPU, id.Gap = p2.cpu()-c0, time.Since(t0)
			c0, t0 = p2.cpu(), time.Now()
		}
	}
	profiled := make(chan error, 1)
	if pprofAddr != "" {
		go func() { profiled <- saveProfile(ctx, pprofAddr, cfg.cpuProfile, cfg.requeueInterval/2) }()
	} else {
		profiled <- nil
	}
	deadline = time.Now().Add(3*cfg.requeueInterval + 2*time.Minute)
	for {
		total, failed, err := p2.reconciles()
		if err != nil {
			return nil, err
		}
		id.ResyncScrapes++
		if total-r0 >= float64(n) {
			id.ResyncCPU, id.ResyncWindow = p2.cpu()-c0, time.Since(t0)
			id.ResyncReconciles, id.ResyncErrors = total-r0, failed-rf0
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("captain resynced %.0f of %d HelmRequests in %s", total-r0, n, time.Since(t0))
		}
		if err := sleep(ctx, 500*time.Millisecond); err != nil {
			return nil, err
		}
	}
	if err := <-profiled; err != nil {
		return nil, err
	}
	idx1, arc1 := repo.requests()
	id.ResyncIndex, id.ResyncArchive = idx1-idx0, arc1-arc0
	if err := sleep(ctx, 2*time.Second); err != nil {
		return nil, err
	}
	if id.ResyncWrites, err = e.proxy.Stats(); err != nil {
		return nil, err
	}
	id.AfterResync = p2.memory()
	return id, nil
}

// createRepo creates the ChartRepo and waits until it has synced.
func createRepo(ctx context.Context, e *env, repo *chartServer) error {
	cr := &v1.ChartRepo{
		ObjectMeta: metav1.ObjectMeta{Name: repoName, Namespace: "default"},
		Spec: v1.ChartRepoSpec{
			Type:     v1.RepoHTTP,
			URL:      repo.URL,
			Interval: &metav1.Duration{Duration: time.Hour},
		},
	}
	if err := e.cp.Client.Create(ctx, cr); err != nil {
		return err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if err := e.cp.Client.Get(ctx, client.ObjectKeyFromObject(cr), cr); err != nil {
			return err
		}
		if cr.Status.ObservedGeneration == cr.Generation && apimeta.IsStatusConditionTrue(cr.Status.Conditions, v1.ReadyCondition) {
			return nil
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
	return fmt.Errorf("ChartRepo %s not Ready after 2 minutes: %v", repoName, cr.Status.Conditions)
}

// createRequests creates n HelmRequests of bench/small, a few at a time,
// as `kubectl apply -f` of a folder would (the harness's own client, not
// counted by the proxy).
func createRequests(ctx context.Context, e *env, n int) error {
	const workers = 4
	jobs := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				name, ns := e.release(i)
				hr := &v1.HelmRequest{
					ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
					Spec:       v1.HelmRequestSpec{Chart: repoName + "/" + chartName, Version: chartVersion},
				}
				if err := e.cp.Client.Create(ctx, hr); err != nil {
					errs <- fmt.Errorf("creating HelmRequest %s/%s: %w", ns, name, err)
					return
				}
			}
		}()
	}
	var err error
feed:
	for i := range n {
		select {
		case jobs <- i:
		case err = <-errs:
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err != nil {
		return err
	}
	select {
	case err = <-errs:
	default:
	}
	return err
}

// revisionCheck says whether every release has exactly one release record,
// revision 1, deployed.
type revisionCheck struct {
	Releases int      // releases with a record
	OnlyV1   int      // of those, with exactly the one record v1, deployed
	Bad      []string // examples of the others
}

func (r revisionCheck) ok(n int) bool { return r.Releases == n && r.OnlyV1 == n }

func checkRevisions(ctx context.Context, e *env, n int) (revisionCheck, error) {
	type rec struct{ versions, deployedV1 int }
	records := map[string]*rec{}
	for _, ns := range e.namespaces {
		list := &metav1.PartialObjectMetadataList{}
		list.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("SecretList"))
		if err := e.cp.Client.List(ctx, list, client.InNamespace(ns), client.MatchingLabels{"owner": "helm"}); err != nil {
			return revisionCheck{}, err
		}
		for _, s := range list.Items {
			key := ns + "/" + s.Labels["name"]
			r := records[key]
			if r == nil {
				r = &rec{}
				records[key] = r
			}
			r.versions++
			if s.Labels["version"] == "1" && s.Labels["status"] == "deployed" {
				r.deployedV1++
			}
		}
	}
	var out revisionCheck
	for i := range n {
		name, ns := e.release(i)
		r := records[ns+"/"+name]
		if r == nil {
			if len(out.Bad) < 5 {
				out.Bad = append(out.Bad, ns+"/"+name+": no release record")
			}
			continue
		}
		out.Releases++
		if r.versions == 1 && r.deployedV1 == 1 {
			out.OnlyV1++
		} else if len(out.Bad) < 5 {
			out.Bad = append(out.Bad, fmt.Sprintf("%s/%s: %d records", ns, name, r.versions))
		}
	}
	return out, nil
}

// saveProfile writes a CPU profile of the given length from Captain's pprof
// endpoint at addr to file.
func saveProfile(ctx context.Context, addr, file string, length time.Duration) error {
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, max(1, int(length.Seconds())))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("profiling captain: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profiling captain: %s", resp.Status)
	}
	out, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, resp.Body); err != nil {
		_ = out.Close()
		return err
	}
	logf("idle: wrote a CPU profile of the resync (%s) to %s", length, file)
	return out.Close()
}
