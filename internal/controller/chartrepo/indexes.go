package chartrepo

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	helmrepo "captain.io/captain/pkg/chartrepo"
	"captain.io/captain/pkg/gitrepo"
)

// Reasons of sync errors, used as condition reasons by both controllers.
const (
	ReasonSecretUnavailable = "SecretUnavailable"
	ReasonInvalidSecret     = "InvalidSecret"
	ReasonIndexUnavailable  = "IndexUnavailable"
)

// Error is a failure to reach or read a ChartRepo, with the condition
// reason that says which.
type Error struct {
	Reason string
	Err    error
	// stalled says that only a change of the ChartRepo, its Secret or its
	// repository's content can fix it, not a retry.
	stalled bool
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Indexes keeps the newest index of every ChartRepo this process synced, so
// that HelmRequests resolve chart versions from memory rather than by asking
// the repository on every reconcile. Of a Git ChartRepo it keeps the loaded
// charts too: they are served from memory.
type Indexes struct {
	fetcher *helmrepo.Fetcher
	git     *gitrepo.Repos
	// reader reads Secrets directly: they are not cached.
	reader client.Reader

	// SyncOnUse makes Index sync an index older than its repository's
	// interval. A manager that runs no ChartRepo controller (a shard) needs
	// it: nothing else would ever sync its indexes again.
	SyncOnUse bool

	mu       sync.RWMutex
	byRepo   map[types.NamespacedName]*helmrepo.Index
	syncedAt map[types.NamespacedName]time.Time
	commits  map[types.NamespacedName]*gitrepo.Snapshot
}

// NewIndexes returns an empty set of indexes. What a Git sync fetches is
// kept in memory for the length of the sync.
func NewIndexes(fetcher *helmrepo.Fetcher, reader client.Reader) *Indexes {
	return NewIndexesWithCache(fetcher, reader, "")
}

// NewIndexesWithCache is NewIndexes caching Git repositories in the folder
// git of chartCacheDir (the Fetcher's), so that a new commit or a restart
// fetches only what changed; an empty chartCacheDir caches nothing.
func NewIndexesWithCache(fetcher *helmrepo.Fetcher, reader client.Reader, chartCacheDir string) *Indexes {
	gitDir := ""
	if chartCacheDir != "" {
		gitDir = filepath.Join(chartCacheDir, "git")
	}
	return &Indexes{
		fetcher: fetcher, git: gitrepo.NewRepos(gitDir), reader: reader,
		byRepo: map[types.NamespacedName]*helmrepo.Index{}, commits: map[types.NamespacedName]*gitrepo.Snapshot{},
		syncedAt: map[types.NamespacedName]time.Time{},
	}
}

// Sync fetches repo's index — one conditional request when it did not
// change, one ls-remote for Git — and keeps it.
func (ix *Indexes) Sync(ctx context.Context, repo *v1.ChartRepo) (*helmrepo.Index, error) {
	index, _, err := ix.sync(ctx, repo)
	return index, err
}

// sync is Sync, and for Git the snapshot the index is of.
func (ix *Indexes) sync(ctx context.Context, repo *v1.ChartRepo) (*helmrepo.Index, *gitrepo.Snapshot, error) {
	if repo.Spec.Type == v1.RepoGit {
		snap, err := ix.syncGit(ctx, repo)
		if err != nil {
			return nil, nil, err
		}
		return snap.Index, snap, nil
	}
	creds, err := ix.Credentials(ctx, repo)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel, timeout := withTimeout(ctx, repo)
	defer cancel()
	var index *helmrepo.Index
	if repo.Spec.Type == v1.RepoOCI {
		index, err = ix.fetcher.ListOCI(ctx, repo.Spec.URL, creds)
	} else {
		index, err = ix.fetcher.FetchIndex(ctx, repo.Spec.URL, creds)
	}
	if err != nil {
		return nil, nil, &Error{Reason: ReasonIndexUnavailable, Err: fmt.Errorf("spec.url: %w", timedOut(ctx, timeout, err))}
	}
	ix.keep(client.ObjectKeyFromObject(repo), index, nil)
	return index, nil, nil
}

// syncGit resolves a Git ChartRepo's ref and loads the charts of a new
// commit; an unchanged commit returns the snapshot kept.
func (ix *Indexes) syncGit(ctx context.Context, repo *v1.ChartRepo) (*gitrepo.Snapshot, error) {
	src, err := ix.gitSource(ctx, repo)
	if err != nil {
		return nil, err
	}
	ctx, cancel, timeout := withTimeout(ctx, repo)
	defer cancel()
	key := client.ObjectKeyFromObject(repo)
	snap, err := ix.git.Sync(ctx, src, ix.snapshot(key))
	if err != nil {
		return nil, gitError(timedOut(ctx, timeout, err))
	}
	ix.keep(key, snap.Index, snap)
	return snap, nil
}

func (ix *Indexes) gitSource(ctx context.Context, repo *v1.ChartRepo) (gitrepo.Source, error) {
	creds, err := ix.gitCredentials(ctx, repo)
	src := gitrepo.Source{URL: repo.Spec.URL, Credentials: creds}
	if g := repo.Spec.Git; g != nil {
		src.Path = g.Path
		if r := g.Ref; r != nil {
			src.Ref = gitrepo.Ref{Branch: r.Branch, Tag: r.Tag, SemVer: r.SemVer, Commit: r.Commit}
		}
	}
	return src, err
}

// gitCredentials is Credentials for Git: SSH keys too.
func (ix *Indexes) gitCredentials(ctx context.Context, repo *v1.ChartRepo) (gitrepo.Credentials, error) {
	var creds gitrepo.Credentials
	name, data, err := ix.secretData(ctx, repo)
	if err != nil {
		return creds, err
	}
	if data != nil {
		if creds, err = gitrepo.CredentialsFromSecret(name, data); err != nil {
			return creds, &Error{Reason: ReasonInvalidSecret, Err: fmt.Errorf("spec.secretRef: %w", err), stalled: true}
		}
	}
	creds.HTTP.InsecureSkipTLSVerify = repo.Spec.InsecureSkipTLSVerify
	return creds, nil
}

// gitError keeps the reason and the field a Git failure names.
func gitError(err error) error {
	var ge *gitrepo.Error
	if errors.As(err, &ge) {
		return &Error{Reason: ge.Reason, Err: err, stalled: ge.NeedsUser()}
	}
	return &Error{Reason: ReasonIndexUnavailable, Err: fmt.Errorf("spec.url: %w", err)}
}

// withTimeout bounds a sync by spec.timeout, if set.
func withTimeout(ctx context.Context, repo *v1.ChartRepo) (context.Context, context.CancelFunc, time.Duration) {
	if repo.Spec.Timeout == nil || repo.Spec.Timeout.Duration <= 0 {
		return ctx, func() {}, 0
	}
	ctx, cancel := context.WithTimeout(ctx, repo.Spec.Timeout.Duration)
	return ctx, cancel, repo.Spec.Timeout.Duration
}

// timedOut says that err came of spec.timeout, when it did.
func timedOut(ctx context.Context, timeout time.Duration, err error) error {
	if timeout > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("timed out after %s (spec.timeout): %w", timeout, err)
	}
	return err
}

// keep records the index of repo, and its snapshot for Git (nil otherwise:
// the type may have changed).
func (ix *Indexes) keep(key types.NamespacedName, index *helmrepo.Index, snap *gitrepo.Snapshot) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.byRepo[key], ix.syncedAt[key] = index, time.Now()
	if snap != nil {
		ix.commits[key] = snap
	} else {
		delete(ix.commits, key)
	}
}

func (ix *Indexes) snapshot(key types.NamespacedName) *gitrepo.Snapshot {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.commits[key]
}

// Index returns repo's index as last synced, syncing it first when this
// process has none yet (after a restart, before the ChartRepo's first sync).
func (ix *Indexes) Index(ctx context.Context, repo *v1.ChartRepo) (*helmrepo.Index, error) {
	key := client.ObjectKeyFromObject(repo)
	ix.mu.RLock()
	index, ok := ix.byRepo[key]
	syncedAt := ix.syncedAt[key]
	ix.mu.RUnlock()
	if ok && (!ix.SyncOnUse || time.Since(syncedAt) < interval(repo)) {
		return index, nil
	}
	fresh, err := ix.Sync(ctx, repo)
	if err != nil && ok {
		// The last good index serves while the repository is away, as in
		// a manager whose ChartRepo controller keeps it.
		return index, nil
	}
	return fresh, err
}

// Forget drops the index of a deleted ChartRepo.
func (ix *Indexes) Forget(key types.NamespacedName) {
	ix.mu.Lock()
	delete(ix.byRepo, key)
	delete(ix.syncedAt, key)
	delete(ix.commits, key)
	ix.mu.Unlock()
}

// Credentials reads the credentials repo's spec asks for, from its own
// namespace.
func (ix *Indexes) Credentials(ctx context.Context, repo *v1.ChartRepo) (helmrepo.Credentials, error) {
	creds := helmrepo.Credentials{}
	name, data, err := ix.secretData(ctx, repo)
	if err != nil {
		return creds, err
	}
	if data != nil {
		if creds, err = helmrepo.CredentialsFromSecret(name, data); err != nil {
			return creds, &Error{Reason: ReasonInvalidSecret, Err: fmt.Errorf("spec.secretRef: %w", err), stalled: true}
		}
	}
	creds.InsecureSkipTLSVerify = repo.Spec.InsecureSkipTLSVerify
	creds.PlainHTTP = repo.Spec.PlainHTTP
	return creds, nil
}

// secretData reads the Secret spec.secretRef names, from repo's namespace;
// nil data without one.
func (ix *Indexes) secretData(ctx context.Context, repo *v1.ChartRepo) (string, map[string][]byte, error) {
	ref := repo.Spec.SecretRef
	if ref == nil {
		return "", nil, nil
	}
	secret := &corev1.Secret{}
	if err := ix.reader.Get(ctx, client.ObjectKey{Namespace: repo.Namespace, Name: ref.Name}, secret); err != nil {
		return "", nil, &Error{Reason: ReasonSecretUnavailable,
			Err: fmt.Errorf("spec.secretRef: reading Secret %s/%s: %w", repo.Namespace, ref.Name, err)}
	}
	if secret.Data == nil {
		return ref.Name, map[string][]byte{}, nil
	}
	return ref.Name, secret.Data, nil
}

// FetchChart returns one version of a chart listed in repo's index: for
// Git, from the snapshot in memory; else downloaded.
func (ix *Indexes) FetchChart(ctx context.Context, repo *v1.ChartRepo, chart string, v *helmrepo.ChartVersion) (*helmrepo.Chart, error) {
	if repo.Spec.Type == v1.RepoGit {
		return ix.gitChart(ctx, repo, chart, v.Version)
	}
	creds, err := ix.Credentials(ctx, repo)
	if err != nil {
		return nil, err
	}
	if repo.Spec.Type == v1.RepoOCI {
		return ix.fetcher.FetchOCI(ctx, repo.Spec.URL+"/"+chart, v.Version, creds)
	}
	return ix.fetcher.FetchChartVersion(ctx, repo.Spec.URL, v, creds)
}

// gitChart is a chart of the snapshot of a Git ChartRepo, synced first if
// this process has none (the index may be an HTTP one, of before a change
// of spec.type).
func (ix *Indexes) gitChart(ctx context.Context, repo *v1.ChartRepo, chart, version string) (*helmrepo.Chart, error) {
	snap := ix.snapshot(client.ObjectKeyFromObject(repo))
	if snap == nil {
		var err error
		if snap, err = ix.syncGit(ctx, repo); err != nil {
			return nil, err
		}
	}
	ch, ok := snap.Chart(chart, version)
	if !ok {
		// The ChartRepo moved on since the version was resolved.
		return nil, fmt.Errorf("commit %s of %s has no chart %s version %s", snap.Commit, repo.Spec.URL, chart, version)
	}
	return ch, nil
}

// interval is how often repo is synced.
func interval(repo *v1.ChartRepo) time.Duration {
	if repo.Spec.Interval != nil && repo.Spec.Interval.Duration > 0 {
		return repo.Spec.Interval.Duration
	}
	return 10 * time.Minute
}
