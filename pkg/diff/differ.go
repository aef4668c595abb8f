package diff

import (
	"context"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// workers bounds the requests one Diff has in flight: enough to hide round
// trips, few enough not to crowd a shared API server.
const workers = 8

// Differ diffs releases in one cluster. Build one per cluster and identity
// and keep it: it caches discovery. It is safe for concurrent use.
type Differ struct {
	dynamic dynamic.Interface
	mapper  meta.ResettableRESTMapper
}

// New builds a Differ with its own clients and discovery cache. A config
// left at client-go's default rate limit (5 QPS) is raised, as Captain's
// release clients are: a diff makes a request per object.
func New(cfg *rest.Config) (*Differ, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.QPS == 0 && cfg.RateLimiter == nil {
		cfg.QPS, cfg.Burst = 50, 300
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	return NewForClients(dyn, mapper), nil
}

// NewForClients builds a Differ on clients the caller already has, such as
// the release engine's per-cluster dynamic client and REST mapper.
func NewForClients(dyn dynamic.Interface, mapper meta.ResettableRESTMapper) *Differ {
	return &Differ{dynamic: dyn, mapper: mapper}
}

// mappings resolves kinds for one diff. A kind the cached discovery does
// not know resets the cache once (a chart may have just added its CRD).
type mappings struct {
	mapper meta.ResettableRESTMapper
	cache  map[schema.GroupVersionKind]mappingResult
	reset  bool
}

type mappingResult struct {
	mapping *meta.RESTMapping
	err     error
}

func (d *Differ) mappings() *mappings {
	return &mappings{mapper: d.mapper, cache: map[schema.GroupVersionKind]mappingResult{}}
}

func (m *mappings) get(gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	if r, ok := m.cache[gvk]; ok {
		return r.mapping, r.err
	}
	mapping, err := m.lookup(gvk)
	if meta.IsNoMatchError(err) && !m.reset {
		m.reset = true
		m.mapper.Reset()
		mapping, err = m.lookup(gvk)
	}
	m.cache[gvk] = mappingResult{mapping, err}
	return mapping, err
}

func (m *mappings) lookup(gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	if gvk.Version == "" {
		return m.mapper.RESTMapping(gvk.GroupKind())
	}
	return m.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
}

func (d *Differ) resource(m *meta.RESTMapping, namespace string) dynamic.ResourceInterface {
	if m.Scope.Name() == meta.RESTScopeNameRoot {
		return d.dynamic.Resource(m.Resource)
	}
	return d.dynamic.Resource(m.Resource).Namespace(namespace)
}

// get reads the live object; nil when there is none.
func (d *Differ) get(ctx context.Context, m *meta.RESTMapping, ref ObjectRef) (*unstructured.Unstructured, error) {
	obj, err := d.resource(m, ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return obj, err
}

// parallel runs fn for 0..n-1 on at most workers goroutines.
func parallel(n int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(n, workers) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
