package chartrepo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	helmrepo "captain.io/captain/pkg/chartrepo"
)

// Reasons of sync errors, used as condition reasons by both controllers.
const (
	ReasonSecretUnavailable = "SecretUnavailable"
	ReasonInvalidSecret     = "InvalidSecret"
	ReasonIndexUnavailable  = "IndexUnavailable"
	ReasonUnsupported       = "Unsupported"
)

// Error is a failure to reach or read a ChartRepo, with the condition
// reason that says which.
type Error struct {
	Reason string
	Err    error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Indexes keeps the newest index of every ChartRepo this process synced, so
// that HelmRequests resolve chart versions from memory rather than by asking
// the repository on every reconcile.
type Indexes struct {
	fetcher *helmrepo.Fetcher
	// reader reads Secrets directly: they are not cached.
	reader client.Reader

	mu     sync.RWMutex
	byRepo map[types.NamespacedName]*helmrepo.Index
}

// NewIndexes returns an empty set of indexes.
func NewIndexes(fetcher *helmrepo.Fetcher, reader client.Reader) *Indexes {
	return &Indexes{fetcher: fetcher, reader: reader, byRepo: map[types.NamespacedName]*helmrepo.Index{}}
}

// Sync fetches repo's index — one conditional request when it did not
// change — and keeps it.
func (ix *Indexes) Sync(ctx context.Context, repo *v1.ChartRepo) (*helmrepo.Index, error) {
	creds, err := ix.Credentials(ctx, repo)
	if err != nil {
		return nil, err
	}
	timeout := time.Duration(0)
	if repo.Spec.Timeout != nil && repo.Spec.Timeout.Duration > 0 {
		timeout = repo.Spec.Timeout.Duration
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var index *helmrepo.Index
	switch repo.Spec.Type {
	case v1.RepoGit:
		return nil, &Error{Reason: ReasonUnsupported, Err: errors.New("spec.type git: Git repositories are not supported yet")}
	case v1.RepoOCI:
		index, err = ix.fetcher.ListOCI(ctx, repo.Spec.URL, creds)
	default:
		index, err = ix.fetcher.FetchIndex(ctx, repo.Spec.URL, creds)
	}
	if err != nil && timeout > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("timed out after %s (spec.timeout): %w", timeout, err)
	}
	if err != nil {
		return nil, &Error{Reason: ReasonIndexUnavailable, Err: fmt.Errorf("spec.url: %w", err)}
	}
	ix.mu.Lock()
	ix.byRepo[client.ObjectKeyFromObject(repo)] = index
	ix.mu.Unlock()
	return index, nil
}

// Index returns repo's index as last synced, syncing it first when this
// process has none yet (after a restart, before the ChartRepo's first sync).
func (ix *Indexes) Index(ctx context.Context, repo *v1.ChartRepo) (*helmrepo.Index, error) {
	ix.mu.RLock()
	index, ok := ix.byRepo[client.ObjectKeyFromObject(repo)]
	ix.mu.RUnlock()
	if ok {
		return index, nil
	}
	return ix.Sync(ctx, repo)
}

// Forget drops the index of a deleted ChartRepo.
func (ix *Indexes) Forget(key types.NamespacedName) {
	ix.mu.Lock()
	delete(ix.byRepo, key)
	ix.mu.Unlock()
}

// Credentials reads the credentials repo's spec asks for, from its own
// namespace.
func (ix *Indexes) Credentials(ctx context.Context, repo *v1.ChartRepo) (helmrepo.Credentials, error) {
	creds := helmrepo.Credentials{}
	if ref := repo.Spec.SecretRef; ref != nil {
		secret := &corev1.Secret{}
		if err := ix.reader.Get(ctx, client.ObjectKey{Namespace: repo.Namespace, Name: ref.Name}, secret); err != nil {
			return creds, &Error{Reason: ReasonSecretUnavailable,
				Err: fmt.Errorf("spec.secretRef: reading Secret %s/%s: %w", repo.Namespace, ref.Name, err)}
		}
		var err error
		if creds, err = helmrepo.CredentialsFromSecret(ref.Name, secret.Data); err != nil {
			return creds, &Error{Reason: ReasonInvalidSecret, Err: fmt.Errorf("spec.secretRef: %w", err)}
		}
	}
	creds.InsecureSkipTLSVerify = repo.Spec.InsecureSkipTLSVerify
	creds.PlainHTTP = repo.Spec.PlainHTTP
	return creds, nil
}

// FetchChart downloads one version of a chart listed in repo's index.
func (ix *Indexes) FetchChart(ctx context.Context, repo *v1.ChartRepo, chart string, v *helmrepo.ChartVersion) (*helmrepo.Chart, error) {
	creds, err := ix.Credentials(ctx, repo)
	if err != nil {
		return nil, err
	}
	if repo.Spec.Type == v1.RepoOCI {
		return ix.fetcher.FetchOCI(ctx, repo.Spec.URL+"/"+chart, v.Version, creds)
	}
	return ix.fetcher.FetchChartVersion(ctx, repo.Spec.URL, v, creds)
}

// interval is how often repo is synced.
func interval(repo *v1.ChartRepo) time.Duration {
	if repo.Spec.Interval != nil && repo.Spec.Interval.Duration > 0 {
		return repo.Spec.Interval.Duration
	}
	return 10 * time.Minute
}
