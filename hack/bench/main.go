// Command bench is Captain's scale benchmark (issue 10). On a fresh local
// control plane per run (kube-apiserver and etcd, internal/testenv) and a
// chart repository on loopback serving testdata/charts/small (7 objects), it
// measures side by side:
//
//   - convergence: N HelmRequests from creation to all Ready with Captain
//     (bin/captain, a separate process), against the same installs done by
//     the Helm SDK in a Go loop at the same concurrency (the floor) and by
//     `helm upgrade --install` from the Helm CLI, one after the other;
//   - idle at scale: N synced HelmRequests: memory, CPU per no-op reconcile
//     in a full resync, API writes in that resync and after a restart;
//   - how Captain's cost grows with N.
//
// Every tool reaches the API server through a counting proxy (a child
// process) that counts its writes. The results go to -out as markdown and to
// stdout.
//
//	go run ./hack/bench [-sizes 100,300] [-growth 100,200,500,1000] [-idle 1000] [-out docs/benchmarks-scale.md]
//
// It needs the control plane binaries in bin/k8s (make testbin) and builds
// bin/captain, and bin/helm if it is missing.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap/zapcore"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"captain.io/captain/internal/testenv"
)

type config struct {
	sizes             []int
	growth            []int
	idle              int
	modes             map[mode]bool
	concurrency       int
	namespaces        int
	requeueInterval   time.Duration
	quietWindow       time.Duration
	controllerManager bool
	sdkValidation     bool
	out               string
	keep              bool
	note              string
	cpuProfile        string
}

func main() {
	if len(os.Args) > 1 {
		var err error
		switch os.Args[1] {
		case "_proxy":
			err = proxyMain(os.Args[2:])
		case "_sdk":
			err = sdkMain(os.Args[2:])
		default:
			err = run(os.Args[1:])
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(nil); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var cfg config
	var sizes, growth, modes string
	fs.StringVar(&sizes, "sizes", "100,300", "N for the side-by-side convergence runs (Captain, Helm SDK loop, Helm CLI); empty skips them")
	fs.StringVar(&growth, "growth", "100,200,500,1000", "N for Captain alone, to see how cost grows; a size also in -sizes is measured once")
	fs.IntVar(&cfg.idle, "idle", 1000, "N synced HelmRequests for the idle measurements, on the Captain run of that size; 0 skips them")
	fs.StringVar(&modes, "modes", "captain,sdk,cli", "which tools to run in the side-by-side runs")
	fs.IntVar(&cfg.concurrency, "concurrency", 10, "Captain's --concurrency and the SDK loop's installs at once")
	fs.IntVar(&cfg.namespaces, "namespaces", 10, "namespaces the releases are spread over")
	fs.DurationVar(&cfg.requeueInterval, "requeue-interval", 30*time.Second, "Captain's --requeue-interval after the restart in the idle measurements: the full resync comes this long after")
	fs.DurationVar(&cfg.quietWindow, "quiet-window", 10*time.Second, "how long idle Captain's background cost is measured with nothing to do")
	fs.BoolVar(&cfg.controllerManager, "kcm", false, "also run kube-controller-manager (Deployments get ReplicaSets and Pending Pods, which cost API server CPU in every mode)")
	fs.BoolVar(&cfg.sdkValidation, "sdk-openapi-validation", false, "the SDK loop lets Helm check each manifest's kind against the server's OpenAPI document, as the SDK and the CLI do by default (several times the CPU of an install; Captain keeps the check but remembers its answer per group version); off, the loop is the floor")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of Captain during the idle full resync to this file (go tool pprof)")
	fs.BoolVar(&cfg.keep, "keep", false, "keep each run's folder (kubeconfigs, Captain's logs) and print where it is")
	fs.StringVar(&cfg.note, "note", "", "a remark for the report's setup table, such as what else ran on the machine")
	fs.StringVar(&cfg.out, "out", "docs/benchmarks-scale.md", "markdown file the results are written to, relative to the module root; empty writes only to stdout")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	var err error
	if cfg.sizes, err = parseSizes(sizes); err != nil {
		return cfg, fmt.Errorf("-sizes: %w", err)
	}
	if cfg.growth, err = parseSizes(growth); err != nil {
		return cfg, fmt.Errorf("-growth: %w", err)
	}
	cfg.modes = map[mode]bool{}
	for _, m := range strings.Split(modes, ",") {
		switch mode(strings.TrimSpace(m)) {
		case modeCaptain, modeSDK, modeCLI:
			cfg.modes[mode(strings.TrimSpace(m))] = true
		case "":
		default:
			return cfg, fmt.Errorf("-modes: unknown mode %q (captain, sdk, cli)", m)
		}
	}
	if cfg.concurrency < 1 || cfg.namespaces < 1 {
		return cfg, fmt.Errorf("-concurrency and -namespaces must be at least 1")
	}
	return cfg, nil
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

func run(args []string) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	// envtest and the HelmRequest watch log through controller-runtime:
	// errors only.
	ctrllog.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, err := testenv.ModuleRoot()
	if err != nil {
		return err
	}
	began := time.Now()
	rep := &report{
		Command:   commandLine(args),
		Started:   began,
		Machine:   describeMachine(runtime.NumCPU()),
		LoadStart: loadAverage(),
		Versions:  versions(root),
		Config:    cfg,
	}

	// Captain runs: every size of -sizes, -growth and -idle, each once.
	captainSizes := slices.Clone(cfg.growth)
	if cfg.modes[modeCaptain] {
		captainSizes = append(captainSizes, cfg.sizes...)
	}
	if cfg.idle > 0 {
		captainSizes = append(captainSizes, cfg.idle)
	}
	slices.Sort(captainSizes)
	captainSizes = slices.Compact(captainSizes)

	var captainBin, helmBin string
	if len(captainSizes) > 0 {
		if captainBin, err = buildCaptain(root); err != nil {
			return err
		}
	}
	if cfg.modes[modeCLI] && len(cfg.sizes) > 0 {
		if helmBin, err = ensureHelm(root); err != nil {
			return err
		}
		rep.Versions.HelmCLI = builtVersion(helmBin) + " (`bin/helm`, built with `go install helm.sh/helm/v3/cmd/helm@" + helmVersion + "`)"
	}
	chartDir, err := os.MkdirTemp("", "captain-bench-charts-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(chartDir)
	repo, err := serveChart(root, chartDir)
	if err != nil {
		return err
	}
	defer repo.Close()
	rep.ChartObjects = repo.Objects

	// withEnv runs f on a fresh control plane.
	withEnv := func(what string, f func(e *env) error) error {
		logf("%s: starting a fresh control plane", what)
		e, err := startEnv(ctx, cfg)
		if err != nil {
			return err
		}
		defer e.stop()
		if rep.Versions.KubeAPIServer == "" {
			rep.Versions.KubeAPIServer = e.serverVersion()
		}
		logf("%s: running", what)
		return f(e)
	}
	record := func(m *modeResult) {
		rep.Runs = append(rep.Runs, m)
		logf("%s", m.summary())
	}
	runCaptainSize := func(n int) error {
		return withEnv(fmt.Sprintf("captain N=%d", n), func(e *env) error {
			m, id, err := runCaptain(ctx, cfg, captainBin, e, repo, n, n == cfg.idle)
			if err != nil {
				return err
			}
			record(m)
			if id != nil {
				rep.Idle = id
				logf("%s", id.summary())
			}
			return nil
		})
	}

	done := map[int]bool{}
	for _, n := range cfg.sizes {
		if cfg.modes[modeSDK] {
			if err := withEnv(fmt.Sprintf("helm SDK loop N=%d", n), func(e *env) error {
				m, err := runSDK(ctx, cfg, e, repo, n)
				if err == nil {
					record(m)
				}
				return err
			}); err != nil {
				return err
			}
		}
		if cfg.modes[modeCaptain] {
			if err := runCaptainSize(n); err != nil {
				return err
			}
			done[n] = true
		}
		if cfg.modes[modeCLI] {
			if err := withEnv(fmt.Sprintf("helm CLI N=%d", n), func(e *env) error {
				m, err := runCLI(ctx, helmBin, e, repo, n)
				if err == nil {
					record(m)
				}
				return err
			}); err != nil {
				return err
			}
		}
	}
	for _, n := range captainSizes {
		if done[n] {
			continue
		}
		if err := runCaptainSize(n); err != nil {
			return err
		}
	}

	rep.Duration = time.Since(began)
	rep.LoadEnd = loadAverage()
	out := rep.markdown()
	fmt.Print(out)
	if cfg.out != "" {
		path := cfg.out
		if !filepath.IsAbs(path) {
			path = filepath.Join(root, path)
		}
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			return err
		}
		logf("wrote %s", path)
	}
	failed := 0
	for _, m := range rep.Runs {
		failed += m.failures()
	}
	if failed > 0 {
		return fmt.Errorf("%d installs failed or left a release at another revision than 1; see the report", failed)
	}
	return nil
}

// commandLine is how to run this again.
func commandLine(args []string) string {
	parts := []string{"go run ./hack/bench"}
	for _, a := range args {
		if strings.ContainsAny(a, " '\"") {
			a = strconv.Quote(a)
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

func commandOutput(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
