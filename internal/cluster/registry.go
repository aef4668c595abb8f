// Package cluster turns Cluster objects into connections to their API
// servers: it reads each kubeconfig from a Secret in the controller's
// namespace (and nowhere else), refuses kubeconfigs that would weaken TLS or
// run programs, and keeps one REST config per Cluster until its Secret
// changes.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
)

// Reasons a Cluster cannot be reached, used as condition reasons.
const (
	ReasonSecretMissing     = "KubeconfigSecretMissing"
	ReasonKubeconfigInvalid = "KubeconfigInvalid"
	ReasonUnreachable       = "Unreachable"
)

// Error says why a Cluster cannot be used, with a condition reason.
type Error struct {
	Reason string
	Err    error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Registry holds the REST config of every Cluster it was asked about.
type Registry struct {
	reader client.Reader
	// namespace is the controller's: kubeconfig Secrets are read here only,
	// so a tenant cannot point a Cluster at credentials of their own making.
	namespace string
	// forget is told when a config is replaced or dropped, so clients built
	// on it can go too.
	forget func(*rest.Config)

	// MaxAge, when set, makes Config check a Secret read longer ago than
	// that again. A manager that probes Clusters refreshes them itself; a
	// shard, which does not, would otherwise keep a rotated kubeconfig.
	MaxAge time.Duration

	mu      sync.Mutex
	entries map[string]entry
}

type entry struct {
	secretVersion string
	config        *rest.Config
	readAt        time.Time
}

// NewRegistry returns an empty registry reading Secrets with reader from
// namespace; forget (may be nil) hears of configs that went out of use.
func NewRegistry(reader client.Reader, namespace string, forget func(*rest.Config)) *Registry {
	return &Registry{reader: reader, namespace: namespace, forget: forget, entries: map[string]entry{}}
}

// Config returns the Cluster's REST config, loading it if this registry has
// none yet. The config is the same pointer until Refresh sees a new Secret.
func (r *Registry) Config(ctx context.Context, c *v1.Cluster) (*rest.Config, error) {
	r.mu.Lock()
	e, ok := r.entries[c.Name]
	r.mu.Unlock()
	if ok && (r.MaxAge <= 0 || time.Since(e.readAt) < r.MaxAge) {
		return e.config, nil
	}
	return r.Refresh(ctx, c)
}

// Refresh re-reads the Cluster's kubeconfig Secret and rebuilds the config
// when the Secret changed.
func (r *Registry) Refresh(ctx context.Context, c *v1.Cluster) (*rest.Config, error) {
	ref := c.Spec.KubeconfigSecretRef
	secret := &corev1.Secret{}
	err := r.reader.Get(ctx, client.ObjectKey{Namespace: r.namespace, Name: ref.Name}, secret)
	if apierrors.IsNotFound(err) {
		r.Forget(c.Name)
		return nil, &Error{Reason: ReasonSecretMissing, Err: fmt.Errorf(
			"spec.kubeconfigSecretRef: Secret %s/%s not found (kubeconfigs are read from the controller's namespace only)", r.namespace, ref.Name)}
	}
	if err != nil {
		return nil, fmt.Errorf("spec.kubeconfigSecretRef: reading Secret %s/%s: %w", r.namespace, ref.Name, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.entries[c.Name]; ok && e.secretVersion == secret.ResourceVersion {
		e.readAt = time.Now()
		r.entries[c.Name] = e
		return e.config, nil
	}
	cfg, err := restConfig(secret, keyOf(ref))
	if err != nil {
		r.dropLocked(c.Name)
		return nil, &Error{Reason: ReasonKubeconfigInvalid, Err: fmt.Errorf("spec.kubeconfigSecretRef: Secret %s/%s: %w", r.namespace, ref.Name, err)}
	}
	r.dropLocked(c.Name)
	r.entries[c.Name] = entry{secretVersion: secret.ResourceVersion, config: cfg, readAt: time.Now()}
	return cfg, nil
}

// Forget drops a Cluster's config (the Cluster or its Secret went away).
func (r *Registry) Forget(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dropLocked(name)
}

func (r *Registry) dropLocked(name string) {
	if e, ok := r.entries[name]; ok {
		delete(r.entries, name)
		if r.forget != nil {
			r.forget(e.config)
		}
	}
}

func keyOf(ref v1.SecretKeyReference) string {
	if ref.Key == "" {
		return "value"
	}
	return ref.Key
}

// restConfig builds a config from the kubeconfig under key, refusing what
// would weaken TLS or run a program inside the controller.
func restConfig(secret *corev1.Secret, key string) (*rest.Config, error) {
	data, ok := secret.Data[key]
	if !ok {
		return nil, fmt.Errorf("no key %q", key)
	}
	kc, err := clientcmd.Load(data)
	if err != nil {
		return nil, fmt.Errorf("key %q is not a kubeconfig: %w", key, err)
	}
	if err := checkSafe(kc); err != nil {
		return nil, err
	}
	cfg, err := clientcmd.NewDefaultClientConfig(*kc, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", key, err)
	}
	return cfg, nil
}

// checkSafe refuses kubeconfigs that turn TLS verification off, run
// credential plugins, or name files (which would be read from the
// controller's own file system: its service account token, for one).
func checkSafe(kc *clientcmdapi.Config) error {
	for _, c := range kc.Clusters {
		switch {
		case c.InsecureSkipTLSVerify:
			return errors.New("the kubeconfig turns TLS verification off (insecure-skip-tls-verify); give its CA instead")
		case c.CertificateAuthority != "":
			return errors.New("the kubeconfig names files (certificate-authority); embed the data instead")
		}
	}
	for _, u := range kc.AuthInfos {
		switch {
		case u.Exec != nil || u.AuthProvider != nil:
			return errors.New("the kubeconfig runs a credential plugin (exec or auth-provider), which Captain does not run; use a token or client certificate")
		case u.TokenFile != "" || u.ClientCertificate != "" || u.ClientKey != "":
			return errors.New("the kubeconfig names files (tokenFile, client-certificate or client-key); embed the data instead")
		}
	}
	return nil
}
