package release

import (
	"fmt"
	"sync"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/kube"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Target is a cluster Captain acts on, and whom it acts as.
type Target struct {
	// Cluster names the cluster: "" is the local cluster.
	Cluster string
	// Config reaches the cluster's API server.
	Config *rest.Config
	// ServiceAccount, when set, is impersonated in the release namespace for
	// every change (and every read of release records).
	ServiceAccount string
}

// Factory is the one door to the Helm SDK: it builds action.Configurations
// whose clients, discovery cache, REST mapper and capabilities are shared per
// (cluster, identity), because the SDK otherwise rediscovers the API on every
// operation — the main cost of running many releases.
type Factory struct {
	mu      sync.Mutex
	clients map[clientKey]*clusterClients
	// manifests are the deployed revisions' manifests, for drift checks.
	manifests manifestCache
	// records, when set, answers for the local cluster's release records.
	records RecordCache
}

// NewFactory returns an empty factory.
func NewFactory() *Factory {
	return &Factory{clients: map[clientKey]*clusterClients{}}
}

// clientKey identifies clients by the config they were built from (a new
// config for a cluster means new credentials) and the identity they act as.
type clientKey struct {
	config      *rest.Config
	impersonate string
}

// Forget drops the clients built from config, which went out of use (a
// Cluster was deleted or its kubeconfig replaced).
func (f *Factory) Forget(config *rest.Config) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := range f.clients {
		if k.config == config {
			delete(f.clients, k)
		}
	}
	f.manifests.forget(config, "", "")
}

// Clients returns the dynamic client and REST mapper releases in namespace
// use in t (as t.ServiceAccount, when set), so that readers of a release's
// objects such as pkg/diff share their discovery cache instead of building
// their own.
func (f *Factory) Clients(t Target, namespace string) (dynamic.Interface, meta.ResettableRESTMapper, error) {
	cc, err := f.clusterClients(t, namespace)
	if err != nil {
		return nil, nil, err
	}
	return cc.dynamic, cc.mapper, nil
}

// configuration returns an action.Configuration for one release namespace.
func (f *Factory) configuration(t Target, namespace string) (*action.Configuration, *clusterClients, error) {
	cc, err := f.clusterClients(t, namespace)
	if err != nil {
		return nil, nil, err
	}
	caps, err := cc.capabilities()
	if err != nil {
		return nil, nil, fmt.Errorf("reading the capabilities of cluster %s: %w", clusterName(t.Cluster), err)
	}
	getter := cc.getter(namespace)
	kc := kube.New(getter)
	kc.Factory = &fastValidation{Factory: kc.Factory, cc: cc}
	kc.Namespace = namespace
	store := storage.Init(driver.NewSecrets(cc.clientset.CoreV1().Secrets(namespace)))
	return &action.Configuration{
		RESTClientGetter: getter,
		Releases:         store,
		KubeClient:       kc,
		Capabilities:     caps,
		Log:              func(string, ...any) {},
	}, cc, nil
}

func (f *Factory) clusterClients(t Target, namespace string) (*clusterClients, error) {
	impersonate := ""
	if t.ServiceAccount != "" {
		impersonate = "system:serviceaccount:" + namespace + ":" + t.ServiceAccount
	}
	key := clientKey{config: t.Config, impersonate: impersonate}
	f.mu.Lock()
	defer f.mu.Unlock()
	if cc, ok := f.clients[key]; ok {
		return cc, nil
	}
	cc, err := newClusterClients(t.Config, impersonate)
	if err != nil {
		return nil, fmt.Errorf("building clients for cluster %s: %w", clusterName(t.Cluster), err)
	}
	f.clients[key] = cc
	return cc, nil
}

// clusterClients are the clients of one cluster and identity.
type clusterClients struct {
	config    *rest.Config
	clientset kubernetes.Interface
	metadata  metadata.Interface
	dynamic   dynamic.Interface
	discovery discovery.CachedDiscoveryInterface
	mapper    *restmapper.DeferredDiscoveryRESTMapper

	mu   sync.Mutex
	caps *chartutil.Capabilities

	validation fieldValidation
}

func newClusterClients(base *rest.Config, impersonate string) (*clusterClients, error) {
	cfg := rest.CopyConfig(base)
	// The SDK issues many small requests per operation; client-side
	// throttling at client-go's defaults (5 QPS) would dominate.
	cfg.QPS, cfg.Burst = 50, 300
	if impersonate != "" {
		cfg.Impersonate = rest.ImpersonationConfig{UserName: impersonate}
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	md, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dc := memory.NewMemCacheClient(cs.Discovery())
	return &clusterClients{
		config:    cfg,
		clientset: cs,
		metadata:  md,
		dynamic:   dyn,
		discovery: dc,
		mapper:    restmapper.NewDeferredDiscoveryRESTMapper(dc),
	}, nil
}

// capabilities are computed once per cluster; invalidateCapabilities drops
// them when the cluster's APIs change (CRDs installed by a chart).
func (cc *clusterClients) capabilities() (*chartutil.Capabilities, error) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.caps != nil {
		return cc.caps, nil
	}
	v, err := cc.discovery.ServerVersion()
	if err != nil {
		return nil, err
	}
	versions, err := action.GetVersionSet(cc.discovery)
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return nil, err
	}
	cc.caps = &chartutil.Capabilities{
		APIVersions: versions,
		KubeVersion: chartutil.KubeVersion{Version: v.GitVersion, Major: v.Major, Minor: v.Minor},
		HelmVersion: chartutil.DefaultCapabilities.HelmVersion,
	}
	return cc.caps, nil
}

func (cc *clusterClients) invalidateCapabilities() {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.caps = nil
	cc.discovery.Invalidate()
	cc.mapper.Reset()
}

// getter adapts the shared clients to the SDK's RESTClientGetter.
func (cc *clusterClients) getter(namespace string) *restGetter {
	return &restGetter{cc: cc, namespace: namespace}
}

type restGetter struct {
	cc        *clusterClients
	namespace string
}

// ToRESTConfig returns a copy: cli-runtime sets the group version and API
// path on the config it gets, and concurrent operations sharing one would
// send requests to each other's paths.
func (g *restGetter) ToRESTConfig() (*rest.Config, error) { return rest.CopyConfig(g.cc.config), nil }

func (g *restGetter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	return g.cc.discovery, nil
}

func (g *restGetter) ToRESTMapper() (meta.RESTMapper, error) { return g.cc.mapper, nil }

// ToRawKubeConfigLoader only serves the SDK's question "which namespace".
func (g *restGetter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	cfg := clientcmdapi.NewConfig()
	cfg.Contexts["captain"] = &clientcmdapi.Context{Namespace: g.namespace}
	cfg.CurrentContext = "captain"
	return clientcmd.NewDefaultClientConfig(*cfg, &clientcmd.ConfigOverrides{})
}

func clusterName(c string) string {
	if c == "" {
		return "local"
	}
	return fmt.Sprintf("%q", c)
}
