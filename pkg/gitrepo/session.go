package gitrepo

import (
	"context"
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage"
	"github.com/go-git/go-git/v5/storage/memory"
)

// session is one sync's link to a remote, and the repository its objects
// are read from: the cache, memory, or a file:// repository itself.
type session struct {
	remote *Remote
	creds  Credentials
	auth   transport.AuthMethod
	repo   *git.Repository
	dir    string // the cache folder; "" when not caching on disk
}

// open starts a session; the caller calls the returned func when done
// reading objects.
func (rs *Repos) open(r *Remote, creds Credentials) (*session, func(), error) {
	auth, err := creds.auth(r)
	if err != nil {
		return nil, nil, err
	}
	s := &session{remote: r, creds: creds, auth: auth}
	switch {
	case r.Protocol == File:
		// A local repository is read in place: a copy would only double it.
		if s.repo, err = git.PlainOpen(r.path()); err != nil {
			return nil, nil, fail(ReasonUnreachable, "spec.url", "no Git repository at %s: %w", r.path(), err)
		}
		return s, func() {}, nil
	case rs.dir == "":
		s.repo = inMemory()
		return s, func() {}, nil
	}
	s.dir = rs.cacheDir(r.URL)
	unlock := rs.lock(s.dir)
	if s.repo, err = openCache(s.dir); err != nil {
		unlock()
		return nil, nil, s.cacheError(err)
	}
	return s, unlock, nil
}

func (s *session) cacheError(err error) error {
	return fail(ReasonCacheUnavailable, "spec.url", "caching %s in %s: %w", s.remote.URL, s.dir, err)
}

// refs lists the remote's references, as ls-remote does.
func (s *session) refs(ctx context.Context) ([]*plumbing.Reference, error) {
	if s.remote.Protocol == File {
		iter, err := s.repo.References()
		if err != nil {
			return nil, fail(ReasonUnreachable, "spec.url", "listing the references of %s: %w", s.remote.URL, err)
		}
		var refs []*plumbing.Reference
		err = iter.ForEach(func(r *plumbing.Reference) error { refs = append(refs, r); return nil })
		return refs, err
	}
	refs, err := s.gitRemote(memory.NewStorage()).ListContext(ctx, &git.ListOptions{
		Auth: s.auth, PeelingOption: git.IgnorePeeled, CABundle: s.creds.HTTP.CACert,
		InsecureSkipTLS: s.creds.HTTP.InsecureSkipTLSVerify, ClientCert: s.creds.HTTP.ClientCert, ClientKey: s.creds.HTTP.ClientKey,
	})
	if err != nil {
		return nil, remoteError(s.remote.URL, err)
	}
	return refs, nil
}

// gitRemote is the remote, fetching into st.
func (s *session) gitRemote(st storage.Storer) *git.Remote {
	return git.NewRemote(st, &config.RemoteConfig{Name: git.DefaultRemoteName, URLs: []string{s.remote.URL}})
}

// fetch fetches specs into the session's repository, depth commits deep (0:
// all history), tags only when asked for.
func (s *session) fetch(ctx context.Context, depth int, specs ...config.RefSpec) error {
	err := s.gitRemote(s.repo.Storer).FetchContext(ctx, &git.FetchOptions{
		RefSpecs: specs, Depth: depth, Auth: s.auth, Tags: git.NoTags, Force: true, CABundle: s.creds.HTTP.CACert,
		InsecureSkipTLS: s.creds.HTTP.InsecureSkipTLSVerify, ClientCert: s.creds.HTTP.ClientCert, ClientKey: s.creds.HTTP.ClientKey,
	})
	if errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil
	}
	return err
}

// commitOf is the commit t points at, fetched first unless the repository
// has it: an unchanged ref costs the ls-remote only, even after a restart.
func (s *session) commitOf(ctx context.Context, t target) (*object.Commit, error) {
	if s.repo.Storer.HasEncodedObject(t.hash) != nil {
		if err := s.fetchRef(ctx, t.name); err != nil {
			return nil, err
		}
		if s.repo.Storer.HasEncodedObject(t.hash) != nil {
			return nil, fail(ReasonUnreachable, "spec.url", "%s moved while it was fetched from %s; it is fetched again on the next sync", t.name.Short(), s.remote.URL)
		}
	}
	return s.peel(t.hash)
}

// fetchRef fetches the tip of name, one commit deep. Should the cache
// refuse the fetch (go-git's shallow bookkeeping can get confused), it
// is made anew and the fetch tried once more.
func (s *session) fetchRef(ctx context.Context, name plumbing.ReferenceName) error {
	spec := config.RefSpec(fmt.Sprintf("+%s:refs/captain/%s", name, name))
	err := s.fetch(ctx, 1, spec)
	if err != nil && s.dir != "" && ctx.Err() == nil {
		if s.repo, err = initCache(s.dir); err != nil {
			return s.cacheError(err)
		}
		err = s.fetch(ctx, 1, spec)
	}
	if err != nil {
		return remoteError(s.remote.URL, err)
	}
	return nil
}

// peel is the commit of hash, a commit or an annotated tag.
func (s *session) peel(hash plumbing.Hash) (*object.Commit, error) {
	obj, err := s.repo.Storer.EncodedObject(plumbing.AnyObject, hash)
	if err != nil {
		return nil, s.cacheError(err)
	}
	if obj.Type() == plumbing.TagObject {
		tag, err := object.DecodeTag(s.repo.Storer, obj)
		if err != nil {
			return nil, s.cacheError(err)
		}
		return tag.Commit()
	}
	return object.DecodeCommit(s.repo.Storer, obj)
}

// pinned is the commit sha names, full or abbreviated. A full SHA is
// fetched alone where the server allows it; otherwise, or for an
// abbreviated one, branches and tags are fetched in full, into memory, and
// searched: a deep fetch must not mix with the shallow cache. A pinned
// commit is fetched at most once per process: it never changes.
func (s *session) pinned(ctx context.Context, sha string) (*object.Commit, error) {
	if c, ok := s.lookup(sha); ok || s.remote.Protocol == File {
		return c, s.notFound(ok, sha)
	}
	if plumbing.IsHash(sha) && s.fetch(ctx, 1, config.RefSpec(sha+":refs/captain/commits/"+sha)) == nil {
		if c, ok := s.lookup(sha); ok {
			return c, nil
		}
	}
	// The server refused the SHA (not allowed in a want, or unknown to it).
	s.repo = inMemory()
	if err := s.fetch(ctx, 0, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"); err != nil {
		return nil, remoteError(s.remote.URL, err)
	}
	c, ok := s.lookup(sha)
	return c, s.notFound(ok, sha)
}

func (s *session) lookup(sha string) (*object.Commit, bool) {
	h, err := s.repo.ResolveRevision(plumbing.Revision(sha))
	if err != nil {
		return nil, false
	}
	c, err := s.repo.CommitObject(*h)
	return c, err == nil
}

func (s *session) notFound(found bool, sha string) error {
	if found {
		return nil
	}
	return fail(ReasonRefNotFound, "spec.git.ref.commit", "no commit %s in the branches and tags of %s", sha, s.remote.URL)
}
