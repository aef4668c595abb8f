package release

import (
	"fmt"
	"sync"

	helmrelease "helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
)

// DeployedManifest returns the manifest of the deployed revision st names
// (st is what Observe returned) and that revision's number. The drift check
// asks for it every interval for every release, and decoding a record (the
// gzipped chart comes with it) is the costly part, so each record is decoded
// once: a revision's manifest never changes after it is recorded.
func (f *Factory) DeployedManifest(t Target, st *State) (manifest string, revision int, err error) {
	rev := st.Deployed()
	if rev == nil {
		return "", 0, fmt.Errorf("release %s/%s has no deployed revision", st.Namespace, st.Name)
	}
	key := manifestKey{config: t.Config, serviceAccount: t.ServiceAccount, namespace: st.Namespace, name: st.Name}
	if m, ok := f.manifests.get(key, rev.UID); ok {
		return m, rev.Number, nil
	}
	cc, err := f.clusterClients(t, st.Namespace)
	if err != nil {
		return "", 0, err
	}
	rel, err := storage.Init(driver.NewSecrets(cc.clientset.CoreV1().Secrets(st.Namespace))).Get(st.Name, rev.Number)
	if err != nil {
		return "", 0, fmt.Errorf("reading revision %d of release %s/%s: %w", rev.Number, st.Namespace, st.Name, err)
	}
	f.manifests.put(key, rev.UID, rel.Manifest)
	return rel.Manifest, rev.Number, nil
}

// Deployed is the newest deployed revision, or nil.
func (s *State) Deployed() *Revision {
	for i := len(s.Revisions) - 1; i >= 0; i-- {
		if s.Revisions[i].Status == helmrelease.StatusDeployed {
			return &s.Revisions[i]
		}
	}
	return nil
}

// manifestCache holds one manifest per release: its deployed revision's,
// known by the record's UID rather than its number, because a release
// uninstalled and installed again numbers its revisions from 1 again.
type manifestCache struct {
	mu      sync.Mutex
	entries map[manifestKey]cachedManifest
}

// manifestKey is a release as one identity reads it: records are read as
// the impersonated account, so another identity does not share its reads.
type manifestKey struct {
	config          *rest.Config
	serviceAccount  string
	namespace, name string
}

type cachedManifest struct {
	uid      types.UID
	manifest string
}

func (c *manifestCache) get(k manifestKey, uid types.UID) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	return e.manifest, ok && e.uid == uid
}

func (c *manifestCache) put(k manifestKey, uid types.UID, manifest string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[manifestKey]cachedManifest{}
	}
	c.entries[k] = cachedManifest{uid: uid, manifest: manifest}
}

// forget drops the manifests of uninstalled releases (name set) or of every
// release read through config (name empty).
func (c *manifestCache) forget(config *rest.Config, namespace, name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.entries {
		if k.config == config && (name == "" || k.namespace == namespace && k.name == name) {
			delete(c.entries, k)
		}
	}
}
