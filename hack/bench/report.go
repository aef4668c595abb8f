package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

type mode string

const (
	modeCaptain mode = "captain"
	modeSDK     mode = "sdk"
	modeCLI     mode = "cli"
)

func (m mode) label() string {
	switch m {
	case modeCaptain:
		return "(a) Captain"
	case modeSDK:
		return "(b) Helm SDK loop (floor)"
	case modeCLI:
		return "(c) helm CLI, sequential"
	}
	return string(m)
}

// modeResult is one tool installing N releases.
type modeResult struct {
	Mode            mode
	N               int
	Wall            time.Duration // first create / install until the last is Ready / installed
	Failed          int           // installs that failed (Captain: HelmRequests that ever reported Stalled or phase Failed)
	FailureExamples []string
	Writes          proxyStats    // the tool's API requests, counted by the proxy
	ToolCPU         time.Duration // the tool's process(es)
	ControlPlaneCPU time.Duration // kube-apiserver and etcd in the same window
	// ControlPlaneWindow is that window, ControlPlaneIdle what the control
	// plane spends per second with nothing asked of it, measured just before.
	ControlPlaneWindow time.Duration
	ControlPlaneIdle   float64
	ProxyCPU           time.Duration // the counting proxy (Captain runs)
	PeakRSS            int64         // Captain: VmHWM; SDK: maxrss; CLI: the largest maxrss of one process
	RSS                int64         // Captain: VmRSS once quiet
	Revisions          revisionCheck // release records after the run
	// Captain only.
	IndexRequests, ArchiveRequests int64
	StatusRevisionOK               bool
}

func (m *modeResult) perRelease(d time.Duration) time.Duration {
	return d / time.Duration(m.N)
}

// controlPlaneNet is the control plane's CPU in the window less what it
// would have spent idle: the work the tool asked of it.
func (m *modeResult) controlPlaneNet() time.Duration {
	return max(m.ControlPlaneCPU-time.Duration(m.ControlPlaneIdle*float64(m.ControlPlaneWindow)), 0)
}

func (m *modeResult) writesPerRelease() float64 {
	return float64(m.Writes.totalWrites()) / float64(m.N)
}

// failures counts failed installs, and releases that do not have exactly
// revision 1.
func (m *modeResult) failures() int {
	bad := m.N - m.Revisions.OnlyV1
	if m.Failed > bad {
		return m.Failed
	}
	return bad
}

func (m *modeResult) summary() string {
	return fmt.Sprintf("%s N=%d: %s, %.1f writes/release, %s CPU/release (control plane %s), peak RSS %s, %d failed",
		m.Mode.label(), m.N, seconds(m.Wall), m.writesPerRelease(), ms(m.perRelease(m.ToolCPU)),
		ms(m.perRelease(m.controlPlaneNet())), mib(m.PeakRSS), m.failures())
}

func (id *idleResult) summary() string {
	return fmt.Sprintf("idle N=%d: RSS %s (HWM %s); resync %.0f reconciles, %s CPU each, %d writes; restart %d writes",
		id.N, mib(id.AfterResync.RSS), mib(id.AfterResync.HWM), id.ResyncReconciles,
		ms(id.resyncCPUPerReconcile()), id.ResyncWrites.totalWrites(), id.RestartWrites.totalWrites())
}

func rate(cpu, window time.Duration) float64 {
	if window <= 0 {
		return 0
	}
	return float64(cpu) / float64(window)
}

// backgroundRate is the CPU the process spends per second with nothing to
// do: the restarted process's, in the gap before the resync, else the
// first process's in the quiet window.
func (id *idleResult) backgroundRate() (float64, string) {
	if id.Gap > 0 {
		return rate(id.GapCPU, id.Gap), fmt.Sprintf("the restarted process, %s before the resync", seconds(id.Gap))
	}
	return rate(id.QuietCPU, id.QuietWindow), fmt.Sprintf("the installing process, %s quiet window", seconds(id.QuietWindow))
}

func (id *idleResult) resyncCPUPerReconcile() time.Duration {
	if id.ResyncReconciles == 0 {
		return 0
	}
	return time.Duration(float64(id.ResyncCPU) / id.ResyncReconciles)
}

// resyncNetCPUPerReconcile takes out the background cost over the window.
func (id *idleResult) resyncNetCPUPerReconcile() time.Duration {
	if id.ResyncReconciles == 0 {
		return 0
	}
	bg, _ := id.backgroundRate()
	net := float64(id.ResyncCPU) - bg*float64(id.ResyncWindow) - float64(id.ScrapeCPU)*float64(id.ResyncScrapes)
	return time.Duration(math.Max(net, 0) / id.ResyncReconciles)
}

type versionInfo struct {
	Go, HelmSDK, ControllerRuntime, ClientGo string
	KubeAPIServer, Etcd, HelmCLI             string
	Commit                                   string
}

func versions(root string) versionInfo {
	v := versionInfo{Go: runtime.Version(), HelmCLI: "-"}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			switch d.Path {
			case "helm.sh/helm/v3":
				v.HelmSDK = d.Version
			case "sigs.k8s.io/controller-runtime":
				v.ControllerRuntime = d.Version
			case "k8s.io/client-go":
				v.ClientGo = d.Version
			}
		}
	}
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		assets = filepath.Join(root, "bin", "k8s")
	}
	if out := commandOutput(filepath.Join(assets, "etcd"), "--version"); out != "?" {
		v.Etcd = strings.TrimPrefix(strings.SplitN(out, "\n", 2)[0], "etcd Version: ")
	}
	cmd := exec.Command("git", "rev-parse", "--short", "HEAD")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		v.Commit = strings.TrimSpace(string(out))
		st := exec.Command("git", "status", "--porcelain", "--untracked-files=no")
		st.Dir = root
		if out, err := st.Output(); err == nil && len(strings.TrimSpace(string(out))) > 0 {
			v.Commit += " (with uncommitted changes)"
		}
	}
	return v
}

type report struct {
	Command      string
	Started      time.Time
	Duration     time.Duration
	Machine      machine
	LoadStart    string
	LoadEnd      string
	Versions     versionInfo
	Config       config
	ChartObjects int
	Runs         []*modeResult
	Idle         *idleResult
}

func (r *report) find(m mode, n int) *modeResult {
	for _, run := range r.Runs {
		if run.Mode == m && run.N == n {
			return run
		}
	}
	return nil
}

// controlPlaneIdleWindow is how long the control plane's idle CPU is
// measured before each run.
const controlPlaneIdleWindow = 2 * time.Second

// Targets of issue 10.
const (
	targetRatio         = 1.3
	targetWrites        = 8.0
	targetRSS           = 200 << 20
	targetReconcileCPU  = time.Millisecond
	targetIdleWrites    = 0
	minWritesPerInstall = 2 // Helm's release record: created pending-install, updated to deployed
)

func (r *report) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	c := r.Config

	p("# Scale benchmark\n\n")
	p("<!-- Generated by hack/bench (`%s`); do not edit by hand, run it again. -->\n\n", r.Command)
	p("How Captain's cost grows with the number of releases, measured on a real local control plane (kube-apiserver and etcd from `bin/k8s`, a fresh one for every run) with the chart `testdata/charts/small` (%d objects: ServiceAccount, ConfigMap, Secret, Service, Deployment, Role, RoleBinding; no hooks, no wait) served by an HTTP chart repository on loopback. Issue 10 asked for it; `hack/bench/` is the harness and says in its comments how each number is taken.\n\n", r.ChartObjects)

	p("## Setup\n\n")
	p("| | |\n|---|---|\n")
	p("| command | `%s` |\n", r.Command)
	if c.note != "" {
		p("| note | %s |\n", c.note)
	}
	p("| date | %s, %s for the whole run |\n", r.Started.UTC().Format("2006-01-02 15:04 MST"), r.Duration.Round(time.Second))
	p("| machine | %d CPUs (%s), %s memory, Linux %s |\n", r.Machine.CPUs, r.Machine.CPUModel, gib(r.Machine.Memory), r.Machine.Kernel)
	p("| load average (1, 5, 15 min) | %s at the start, %s at the end |\n", r.LoadStart, r.LoadEnd)
	p("| Go | %s |\n", r.Versions.Go)
	p("| Helm SDK | %s (controller-runtime %s, client-go %s) |\n", r.Versions.HelmSDK, r.Versions.ControllerRuntime, r.Versions.ClientGo)
	p("| Helm CLI | %s |\n", r.Versions.HelmCLI)
	p("| Kubernetes | kube-apiserver %s, etcd %s%s |\n", r.Versions.KubeAPIServer, r.Versions.Etcd, ifStr(c.controllerManager, ", kube-controller-manager", ", no kube-controller-manager (Deployments stay as created)"))
	p("| Captain | %s, `bin/captain --concurrency=%d`, %d namespaces |\n", r.Versions.Commit, c.concurrency, c.namespaces)
	p("\n")

	r.convergence(p)
	r.growth(p)
	r.idle(p)
	r.method(p)
	return b.String()
}

func (r *report) convergence(p func(string, ...any)) {
	c := r.Config
	if len(c.sizes) == 0 || len(c.modes) == 0 {
		return
	}
	p("## Convergence, side by side\n\n")
	p("N releases from creation until all are Ready (Captain), all `Install.Run` calls returned (SDK loop), or the last `helm upgrade --install` exited (CLI). Concurrency %d for Captain and the SDK loop; the CLI runs one release at a time. × floor is wall time over the SDK loop's, from the same run.\n\n", c.concurrency)
	p("| N | tool | wall | × floor | releases/s | API writes/release | tool CPU/release | API server + etcd CPU/release | peak RSS | failed installs |\n")
	p("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, n := range c.sizes {
		floor := r.find(modeSDK, n)
		for _, m := range []mode{modeCaptain, modeSDK, modeCLI} {
			run := r.find(m, n)
			if run == nil {
				continue
			}
			ratio := "-"
			if floor != nil {
				ratio = fmt.Sprintf("%.2f×", run.Wall.Seconds()/floor.Wall.Seconds())
			}
			rss := mib(run.PeakRSS)
			if m == modeCLI {
				rss += " per process"
			}
			p("| %d | %s | %s | %s | %.1f | %.2f | %s | %s | %s | %d |\n", n, m.label(), seconds(run.Wall), ratio,
				float64(n)/run.Wall.Seconds(), run.writesPerRelease(), ms(run.perRelease(run.ToolCPU)),
				ms(run.perRelease(run.controlPlaneNet())), rss, run.failures())
		}
	}
	p("\n")

	// Targets.
	if c.modes[modeCaptain] {
		p("Captain against the targets of issue 10:\n\n")
		for _, n := range c.sizes {
			a, fl := r.find(modeCaptain, n), r.find(modeSDK, n)
			if a == nil {
				continue
			}
			if fl != nil {
				ratio := a.Wall.Seconds() / fl.Wall.Seconds()
				p("- N=%d: %.2f× the floor (target ≤ %.1f×) %s\n", n, ratio, targetRatio, mark(ratio <= targetRatio))
			}
			w := a.writesPerRelease()
			p("- N=%d: %.2f API writes per release (target ≤ %.0f) %s; the chart's %d objects and Helm's %d release-record writes are %d of them, which no tool avoids, so Captain adds %.2f of its own\n",
				n, w, targetWrites, mark(w <= targetWrites), r.ChartObjects, minWritesPerInstall, r.ChartObjects+minWritesPerInstall, w-float64(r.ChartObjects+minWritesPerInstall))
			p("- N=%d: %d failed installs (target 0) %s; %d of %d releases have exactly one release record, revision 1, deployed%s\n",
				n, a.failures(), mark(a.failures() == 0), a.Revisions.OnlyV1, n, examples(a.FailureExamples, a.Revisions.Bad))
		}
		p("\n")
	}

	// Write breakdown at the largest size.
	n := c.sizes[len(c.sizes)-1]
	var runs []*modeResult
	for _, m := range []mode{modeCaptain, modeSDK, modeCLI} {
		if run := r.find(m, n); run != nil {
			runs = append(runs, run)
		}
	}
	if len(runs) == 0 {
		return
	}
	keys := map[string]int{}
	for _, run := range runs {
		for k, v := range run.Writes.Writes {
			keys[k] += v
		}
	}
	p("API requests per release at N=%d, as the proxy saw them (writes by method and resource; a rejected write is counted, and listed with its status code):\n\n", n)
	p("| request |")
	for _, run := range runs {
		p(" %s |", run.Mode.label())
	}
	p("\n|---|%s\n", strings.Repeat("---|", len(runs)))
	for _, k := range sortedKeys(keys) {
		p("| %s |", k)
		for _, run := range runs {
			p(" %s |", perRel(run.Writes.Writes[k], n))
		}
		p("\n")
	}
	p("| **all writes** |")
	for _, run := range runs {
		p(" **%s** |", perRel(run.Writes.totalWrites(), n))
	}
	p("\n| rejected writes |")
	for _, run := range runs {
		p(" %s |", rejected(run.Writes.Rejected, n))
	}
	p("\n| reads (GET, LIST) |")
	for _, run := range runs {
		p(" %s |", perRel(run.Writes.Reads, n))
	}
	p("\n\n")
}

func (r *report) growth(p func(string, ...any)) {
	var runs []*modeResult
	for _, run := range r.Runs {
		if run.Mode == modeCaptain {
			runs = append(runs, run)
		}
	}
	if len(runs) == 0 {
		return
	}
	slices.SortFunc(runs, func(a, b *modeResult) int { return a.N - b.N })
	p("## How Captain's cost grows\n\n")
	p("Every Captain run of this invocation, each on a fresh control plane. \"per release\" columns divide by N; a cost that grows linearly with N keeps them flat.\n\n")
	p("| N | wall | releases/s | wall/release | API writes/release | Captain CPU/release | API server + etcd CPU/release | RSS once quiet | peak RSS (VmHWM) | chart downloads | failed installs |\n")
	p("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, run := range runs {
		p("| %d | %s | %.1f | %s | %.2f | %s | %s | %s | %s | %d | %d |\n", run.N, seconds(run.Wall), float64(run.N)/run.Wall.Seconds(),
			ms(run.perRelease(run.Wall)), run.writesPerRelease(), ms(run.perRelease(run.ToolCPU)),
			ms(run.perRelease(run.controlPlaneNet())), mib(run.RSS), mib(run.PeakRSS), run.ArchiveRequests, run.failures())
	}
	p("\n")
	if len(runs) > 1 {
		first, last := runs[0], runs[len(runs)-1]
		growth := func(f func(*modeResult) float64) string {
			return fmt.Sprintf("%+.0f%%", 100*(f(last)/f(first)-1))
		}
		p("From N=%d to N=%d (%.0f× the releases): wall time per release %s, Captain CPU per release %s, API server + etcd CPU per release %s, writes per release %s; RSS once quiet grew from %s to %s (%s per extra release).\n\n",
			first.N, last.N, float64(last.N)/float64(first.N),
			growth(func(m *modeResult) float64 { return m.Wall.Seconds() / float64(m.N) }),
			growth(func(m *modeResult) float64 { return float64(m.ToolCPU) / float64(m.N) }),
			growth(func(m *modeResult) float64 { return float64(m.controlPlaneNet()) / float64(m.N) }),
			growth(func(m *modeResult) float64 { return m.writesPerRelease() }),
			mib(first.RSS), mib(last.RSS), kib((last.RSS-first.RSS)/int64(max(last.N-first.N, 1))))
	}
}

func (r *report) idle(p func(string, ...any)) {
	id := r.Idle
	if id == nil {
		return
	}
	p("## Idle at scale: %d synced HelmRequests\n\n", id.N)
	p("After the Captain run of N=%d has installed them: a quiet window of %s with nothing to do; then a restart (SIGTERM, a new process with `--requeue-interval=%s`) until the new process has reconciled all %d; then one full resync, which `--requeue-interval` forces %s after each HelmRequest's reconcile in the restart.\n\n",
		id.N, id.QuietWindow.Round(time.Second), id.RequeueInterval, id.N, id.RequeueInterval)
	p("| measure | result | target |\n|---|---|---|\n")
	p("| RSS of the restarted process after the full resync (VmRSS; VmHWM) | %s; %s | ≤ 200 MiB %s |\n", mib(id.AfterResync.RSS), mib(id.AfterResync.HWM), mark(id.AfterResync.RSS <= targetRSS))
	p("| RSS of the process that installed them, once quiet (VmRSS; VmHWM) | %s; %s | |\n", mib(id.AfterInstall.RSS), mib(id.AfterInstall.HWM))
	p("| CPU per no-op reconcile in the full resync (%.0f reconciles in a window of %s) | %s | ≤ 1 ms %s |\n", id.ResyncReconciles, seconds(id.ResyncWindow), ms(id.resyncCPUPerReconcile()), mark(id.resyncCPUPerReconcile() <= targetReconcileCPU))
	bg, bgWhere := id.backgroundRate()
	p("| the same, less the background CPU over the window and the harness's %d reads of the metrics endpoint (%s each) | %s | |\n", id.ResyncScrapes, ms(id.ScrapeCPU), ms(id.resyncNetCPUPerReconcile()))
	p("| background CPU with nothing to do (%s) | %.1f ms/s | |\n", bgWhere, bg*1000)
	p("| the installing process with nothing to do (%s quiet window): CPU; reconciles; writes | %.1f ms/s; %.0f; %d | |\n", seconds(id.QuietWindow), rate(id.QuietCPU, id.QuietWindow)*1000, id.QuietReconciles, id.QuietWrites.totalWrites())
	p("| API writes during the full resync | %d%s | 0 %s |\n", id.ResyncWrites.totalWrites(), breakdown(id.ResyncWrites), mark(id.ResyncWrites.totalWrites() == targetIdleWrites))
	p("| reconcile errors in the full resync | %.0f | |\n", id.ResyncErrors)
	p("| chart repository requests during the full resync (index; archives) | %d; %d | |\n", id.ResyncIndex, id.ResyncArchive)
	p("| API writes after the restart, until all %d were reconciled | %d%s | 0 %s |\n", id.N, id.RestartWrites.totalWrites(), breakdown(id.RestartWrites), mark(id.RestartWrites.totalWrites() == targetIdleWrites))
	p("| restart: process start until %d reconciled; its CPU from start (per HelmRequest) | %s; %s (%s) | |\n", id.N, seconds(id.RestartWall), seconds(id.RestartCPU), ms(time.Duration(float64(id.RestartCPU)/float64(id.N))))
	p("| reconciles and errors in the restart | %.0f; %.0f | |\n", id.RestartReconciles, id.RestartErrors)
	p("\n")
}

func (r *report) method(p func(string, ...any)) {
	p("## How each number is taken\n\n")
	p(`- **Fresh control plane per run**: every tool and size gets its own kube-apiserver and etcd (`+"`internal/testenv`"+`), %d namespaces `+"`bench-NN`"+`, release i named `+"`app-NNNN`"+` in namespace i mod %d, so runs do not see each other's objects.
- **Counting proxy**: each tool reaches the API server through a reverse proxy (a child process, `+"`bench _proxy`"+`) that counts its requests: writes are POST, PUT, PATCH and DELETE (events included, rejected ones included), by resource. The harness's own requests (creating HelmRequests, watching them) go around it. Every tool pays the same extra hop; the proxy's CPU is in nobody's column.
- **Wall time**: (a) from the first HelmRequest create (4 at a time, as `+"`kubectl apply`"+` of a folder would) until a watch has seen every HelmRequest Ready for its generation, the ChartRepo being synced beforehand; (b) from the start of the SDK process (chart download and discovery included) until the last install returned; (c) from the first `+"`helm`"+` process until the last exited.
- **(a) Captain**: `+"`bin/captain`"+` built from this tree, `+"`--namespace=default --concurrency=%d --requeue-interval=1h`"+` (no periodic resync during the installs), a ChartRepo `+"`bench`"+` (type http, interval 1h) and N HelmRequests `+"`spec.chart: bench/small`, `spec.version: 0.1.0`"+`. A failed install is a HelmRequest that ever reported Stalled=True or phase Failed; afterwards every release must have exactly one release record (revision 1, deployed) and every HelmRequest status revision 1.
- **(b) Helm SDK loop, the floor**: `+"`action.NewInstall`"+` at concurrency %d in a Go process of its own (`+"`bench _sdk`"+`): chart downloaded and loaded once; one set of cluster clients shared by all installs (clientset, memory-cached discovery, deferred REST mapper, QPS 50 and burst 300 as Captain has); capabilities computed once; a new `+"`action.Configuration`"+` and `+"`kube.Client`"+` per install, as Helm's CLI has per command and Captain per operation; Secret storage; OpenAPI validation %s; no wait.
- **(c) Helm CLI**: `+"`bin/helm upgrade --install app-NNNN <chart archive URL> --namespace bench-NN --create-namespace`"+`, one after the other, with a HOME of its own for the run (discovery cached on disk after the first call, as on a user's machine). `+"`--create-namespace`"+` costs a POST per release that the API server rejects with 409, as the namespaces exist.
- **CPU per release**: (a) Captain's utime+stime from `+"`/proc/<pid>/stat`"+` over the run, from before the first create until the proxy has seen no write for a second (events after the Ready status count); (b) the SDK process's rusage; (c) the sum of the helm processes' rusage. API server + etcd CPU is theirs from `+"`/proc`"+` over the same window, less what they spend idle (measured over 2 s just before each run: %s), so the total cost of a release is the two added; for Captain it includes serving the harness's creates of the HelmRequests and its watch on them, which a user's `+"`kubectl apply`"+` and a dashboard would cost too.
- **Memory**: Captain's VmRSS (now) and VmHWM (peak) from `+"`/proc/<pid>/status`"+`; the SDK process's and each helm process's maxrss from rusage (the peak).
- **CPU per no-op reconcile**: Captain's CPU over the resync window divided by the growth of `+"`controller_runtime_reconcile_total{controller=\"helmrequest\"}`"+` (all results) on its metrics endpoint over the same window. Reading the endpoint costs Captain CPU too, so the harness reads it only when the restart is done, just before the resync is due (`+"`--requeue-interval`"+` after the restart's first reconcile), and then every 500 ms until the counter has grown by N: the window runs from just before the resync until then. The gap between the restart and the resync, with nothing to do, gives the background rate that the second line takes out, with the CPU of the harness's reads of the endpoint in the window (one read's cost is measured on the first process: 50 reads in a row).
- **Why a short `+"`--requeue-interval`"+` and not an informer restart**: a resync through `+"`--requeue-interval`"+` is exactly what a synced HelmRequest costs periodically in production (the default is 10 minutes), and it runs through the same code path as every other reconcile. An informer resync would only enqueue the same reconciles from a different trigger, and restarting informers is what the restart measurement covers anyway (a new process lists everything, fills its caches and reconciles every HelmRequest).
`, r.Config.namespaces, r.Config.namespaces, r.Config.concurrency, r.Config.concurrency, ifStr(r.Config.sdkValidation, "on (the SDK's default: every install downloads and parses the OpenAPI document of each of the chart's API groups to learn that the server validates fields itself; Captain asks once per group version)", "off (`DisableOpenAPIValidation`: with it on, the SDK's default, every install downloads and parses the OpenAPI document of each of the chart's API groups to learn that the server validates fields itself, several times the CPU of the install; Captain asks once per group version, so the floor leaves it out)"), r.idleRates())
	p("\n")
}

// idleRates lists the control plane's idle CPU before each run.
func (r *report) idleRates() string {
	var parts []string
	for _, m := range r.Runs {
		parts = append(parts, fmt.Sprintf("%.0f", m.ControlPlaneIdle*1000))
	}
	if len(parts) == 0 {
		return "none measured"
	}
	return strings.Join(parts, ", ") + " ms/s in the order of the runs"
}

func mark(ok bool) string {
	if ok {
		return "✅"
	}
	return "❌"
}

func ifStr(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	if v < 10 {
		return fmt.Sprintf("%.2f ms", v)
	}
	return fmt.Sprintf("%.0f ms", v)
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func kib(b int64) string { return fmt.Sprintf("%.0f KiB", float64(b)/(1<<10)) }

func gib(b int64) string { return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30)) }

func perRel(count, n int) string {
	if count == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(count)/float64(n))
}

func rejected(m map[string]int, n int) string {
	if len(m) == 0 {
		return "-"
	}
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s: %s", k, perRel(m[k], n)))
	}
	return strings.Join(parts, "; ")
}

// breakdown lists writes by request, for a count that should be zero.
func breakdown(s proxyStats) string {
	if s.totalWrites() == 0 {
		return ""
	}
	var parts []string
	for _, k := range sortedKeys(s.Writes) {
		parts = append(parts, fmt.Sprintf("%d × %s", s.Writes[k], k))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func examples(lists ...[]string) string {
	var all []string
	for _, l := range lists {
		all = append(all, l...)
	}
	if len(all) == 0 {
		return ""
	}
	if len(all) > 5 {
		all = all[:5]
	}
	return " (e.g. " + strings.Join(all, "; ") + ")"
}
