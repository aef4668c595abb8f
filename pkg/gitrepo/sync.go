package gitrepo

import (
	"context"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Source is a Git repository's charts as a ChartRepo names them.
type Source struct {
	URL         string
	Ref         Ref
	Path        string // folder of the charts; "" for the root and charts/
	Credentials Credentials
}

// Sync resolves src's ref to a commit and returns that commit's charts.
// prev is the snapshot of the last sync of the same ChartRepo, if any: when
// the ref still points where it did, prev itself is returned, and nothing
// was fetched or loaded (for a pinned commit, not even the remote asked).
// Errors are *Error, naming the field at fault.
func (rs *Repos) Sync(ctx context.Context, src Source, prev *Snapshot) (*Snapshot, error) {
	remote, err := ParseURL(src.URL)
	if err != nil {
		return nil, err
	}
	path, err := cleanPath(src.Path)
	if err != nil {
		return nil, err
	}
	if prev.pins(src.Ref.Commit, path) {
		return prev, nil
	}
	s, done, err := rs.open(remote, src.Credentials)
	if err != nil {
		return nil, err
	}
	defer done()
	commit, tip, err := s.checkout(ctx, src.Ref, path, prev)
	if err != nil {
		return nil, err
	}
	if commit == nil {
		return prev, nil
	}
	return take(commit, tip, path, remote.URL, prev)
}

// checkout finds the commit ref names, and what the ref pointed at; a nil
// commit means prev is still current.
func (s *session) checkout(ctx context.Context, ref Ref, path string, prev *Snapshot) (*object.Commit, plumbing.Hash, error) {
	if ref.Commit != "" {
		c, err := s.pinned(ctx, ref.Commit)
		if err != nil {
			return nil, plumbing.ZeroHash, err
		}
		return c, c.Hash, nil
	}
	refs, err := s.refs(ctx)
	if err != nil {
		return nil, plumbing.ZeroHash, err
	}
	t, err := resolve(refs, ref)
	if err != nil || prev.at(t.hash, path) {
		return nil, t.hash, err
	}
	c, err := s.commitOf(ctx, t)
	return c, t.hash, err
}
