package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/kube"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// The floor: the same installs done with the Helm SDK directly, in a Go loop
// at the same concurrency, in a process of its own (`bench _sdk`) so that
// its CPU time and peak RSS are its own. It is what an embedder that does
// everything right pays, and nothing else: no watch, no status, no events.
//
//   - The chart is downloaded and loaded once.
//   - One set of cluster clients is shared by every install: a clientset, a
//     memory-cached discovery client and a deferred REST mapper, with QPS 50
//     and burst 300 (Captain's settings).
//   - Capabilities (server version, API versions) are computed once; an
//     action.Configuration left to compute them invalidates the discovery
//     cache on every run.
//   - Each install gets its own action.Configuration and kube.Client (as
//     Helm's CLI builds one per command, and as Captain does per
//     operation), over the shared clients; releases are stored as Secrets.

type sdkResult struct {
	Wall   time.Duration `json:"wall"`
	Failed int           `json:"failed"`
	Errors []string      `json:"errors,omitempty"`
}

// sdkMain is `bench _sdk`: it installs -n releases and prints an sdkResult.
func sdkMain(args []string) error {
	fs := flag.NewFlagSet("_sdk", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig")
	chartURL := fs.String("chart-url", "", "URL of the chart archive")
	n := fs.Int("n", 10, "releases")
	namespaces := fs.String("namespaces", "", "comma-separated namespaces; release i goes to namespace i mod len")
	concurrency := fs.Int("concurrency", 10, "installs at once")
	validate := fs.Bool("openapi-validation", true, "let Helm validate manifests against the server's OpenAPI schema (the SDK's default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	nss := strings.Split(*namespaces, ",")
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = 50, 300

	start := time.Now()
	ch, err := fetchChart(*chartURL)
	if err != nil {
		return err
	}
	cl, err := newSDKClients(cfg)
	if err != nil {
		return err
	}
	jobs := make(chan int)
	var (
		mu  sync.Mutex
		res sdkResult
		wg  sync.WaitGroup
	)
	for range *concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				name, ns := fmt.Sprintf("app-%04d", i), nss[i%len(nss)]
				if err := cl.install(ch, name, ns, *validate); err != nil {
					mu.Lock()
					res.Failed++
					if len(res.Errors) < 5 {
						res.Errors = append(res.Errors, fmt.Sprintf("%s/%s: %v", ns, name, err))
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range *n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	res.Wall = time.Since(start)
	return json.NewEncoder(os.Stdout).Encode(res)
}

func fetchChart(url string) (*chart.Chart, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return loader.LoadArchive(resp.Body)
}

type sdkClients struct {
	config    *rest.Config
	clientset kubernetes.Interface
	discovery discovery.CachedDiscoveryInterface
	mapper    meta.RESTMapper
	caps      *chartutil.Capabilities
}

func newSDKClients(cfg *rest.Config) (*sdkClients, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dc := memory.NewMemCacheClient(cs.Discovery())
	v, err := dc.ServerVersion()
	if err != nil {
		return nil, err
	}
	versions, err := action.GetVersionSet(dc)
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return nil, err
	}
	return &sdkClients{
		config:    cfg,
		clientset: cs,
		discovery: dc,
		mapper:    restmapper.NewDeferredDiscoveryRESTMapper(dc),
		caps: &chartutil.Capabilities{
			APIVersions: versions,
			KubeVersion: chartutil.KubeVersion{Version: v.GitVersion, Major: v.Major, Minor: v.Minor},
			HelmVersion: chartutil.DefaultCapabilities.HelmVersion,
		},
	}, nil
}

func (c *sdkClients) install(ch *chart.Chart, name, namespace string, validate bool) error {
	getter := &sdkGetter{c: c, namespace: namespace}
	kc := kube.New(getter)
	kc.Namespace = namespace
	kc.Log = func(string, ...any) {}
	d := driver.NewSecrets(c.clientset.CoreV1().Secrets(namespace))
	d.Log = kc.Log
	cfg := &action.Configuration{
		RESTClientGetter: getter,
		Releases:         storage.Init(d),
		KubeClient:       kc,
		Capabilities:     c.caps,
		Log:              kc.Log,
	}
	install := action.NewInstall(cfg)
	install.ReleaseName, install.Namespace = name, namespace
	install.Timeout = 5 * time.Minute
	install.DisableOpenAPIValidation = !validate
	_, err := install.RunWithContext(context.Background(), ch, nil)
	return err
}

// sdkGetter is the SDK's RESTClientGetter over the shared clients.
type sdkGetter struct {
	c         *sdkClients
	namespace string
}

// ToRESTConfig returns a copy: cli-runtime sets the group version and API
// path on the config it gets.
func (g *sdkGetter) ToRESTConfig() (*rest.Config, error) { return rest.CopyConfig(g.c.config), nil }

func (g *sdkGetter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	return g.c.discovery, nil
}

func (g *sdkGetter) ToRESTMapper() (meta.RESTMapper, error) { return g.c.mapper, nil }

func (g *sdkGetter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	cfg := clientcmdapi.NewConfig()
	cfg.Contexts["bench"] = &clientcmdapi.Context{Namespace: g.namespace}
	cfg.CurrentContext = "bench"
	return clientcmd.NewDefaultClientConfig(*cfg, &clientcmd.ConfigOverrides{})
}

// runSDK runs the floor for n releases in a fresh environment.
func runSDK(ctx context.Context, cfg config, e *env, repo *chartServer, n int) (*modeResult, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	if _, err := e.proxy.Reset(); err != nil {
		return nil, err
	}
	idle, err := e.controlPlaneIdle(ctx, controlPlaneIdleWindow)
	if err != nil {
		return nil, err
	}
	cpCPU, cpStart := e.controlPlaneCPU(), time.Now()
	var stdout bytes.Buffer
	cmd := exec.CommandContext(ctx, self, "_sdk",
		"-kubeconfig", e.proxy.Kubeconfig,
		"-chart-url", repo.ChartURL,
		"-n", fmt.Sprint(n),
		"-namespaces", strings.Join(e.namespaces, ","),
		"-concurrency", fmt.Sprint(cfg.concurrency),
		fmt.Sprintf("-openapi-validation=%t", cfg.sdkValidation))
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("helm SDK loop: %w", err)
	}
	var res sdkResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("helm SDK loop printed %q: %w", stdout.String(), err)
	}
	stats, err := e.proxy.settle(time.Second, 30*time.Second)
	if err != nil {
		return nil, err
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	m := &modeResult{
		Mode:               modeSDK,
		N:                  n,
		Wall:               res.Wall,
		Failed:             res.Failed,
		FailureExamples:    res.Errors,
		Writes:             stats,
		ToolCPU:            cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(),
		ControlPlaneCPU:    e.controlPlaneCPU() - cpCPU,
		ControlPlaneWindow: time.Since(cpStart),
		ControlPlaneIdle:   idle,
		PeakRSS:            ru.Maxrss << 10,
	}
	m.Revisions, err = checkRevisions(ctx, e, n)
	return m, err
}
