package gitrepo

import (
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	. "github.com/onsi/gomega"
)

func TestResolve(t *testing.T) {
	hash := func(c byte) plumbing.Hash {
		var h plumbing.Hash
		for i := range h {
			h[i] = c
		}
		return h
	}
	ref := func(name string, c byte) *plumbing.Reference {
		return plumbing.NewHashReference(plumbing.ReferenceName(name), hash(c))
	}
	refs := []*plumbing.Reference{
		plumbing.NewSymbolicReference(plumbing.HEAD, "refs/heads/main"),
		ref("refs/heads/main", 1), ref("refs/heads/release-1", 2),
		ref("refs/tags/v1.0.0", 3), ref("refs/tags/v1.2.0", 4), ref("refs/tags/1.2.0", 5),
		ref("refs/tags/v2.0.0-rc.1", 6), ref("refs/tags/latest", 7),
	}
	cases := []struct {
		name   string
		refs   []*plumbing.Reference
		ref    Ref
		want   string // reference name
		hash   byte
		reason string
		field  string
	}{
		{name: "default follows HEAD", ref: Ref{}, want: "refs/heads/main", hash: 1},
		{name: "default without symref", refs: []*plumbing.Reference{ref("HEAD", 9), ref("refs/heads/main", 9)}, want: "HEAD", hash: 9},
		{name: "no HEAD", refs: []*plumbing.Reference{ref("refs/heads/main", 1)}, reason: ReasonRefNotFound, field: "spec.git.ref"},
		{name: "HEAD to a missing branch", refs: []*plumbing.Reference{plumbing.NewSymbolicReference(plumbing.HEAD, "refs/heads/gone")}, reason: ReasonRefNotFound, field: "spec.git.ref"},
		{name: "branch", ref: Ref{Branch: "release-1"}, want: "refs/heads/release-1", hash: 2},
		{name: "missing branch", ref: Ref{Branch: "nope"}, reason: ReasonRefNotFound, field: "spec.git.ref.branch"},
		{name: "tag", ref: Ref{Tag: "latest"}, want: "refs/tags/latest", hash: 7},
		{name: "a branch is not a tag", ref: Ref{Tag: "main"}, reason: ReasonRefNotFound, field: "spec.git.ref.tag"},
		{name: "semver highest match", ref: Ref{SemVer: ">=1.0.0 <2"}, want: "refs/tags/1.2.0", hash: 5},
		{name: "semver tilde", ref: Ref{SemVer: "~1.0"}, want: "refs/tags/v1.0.0", hash: 3},
		{name: "semver skips prereleases", ref: Ref{SemVer: ">=1"}, want: "refs/tags/1.2.0", hash: 5},
		{name: "semver prerelease asked for", ref: Ref{SemVer: ">=2.0.0-0"}, want: "refs/tags/v2.0.0-rc.1", hash: 6},
		{name: "semver no match", ref: Ref{SemVer: "^3"}, reason: ReasonRefNotFound, field: "spec.git.ref.semver"},
		{name: "semver invalid", ref: Ref{SemVer: "not a range"}, reason: ReasonInvalidRef, field: "spec.git.ref.semver"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			list := tc.refs
			if list == nil {
				list = refs
			}
			got, err := resolve(list, tc.ref)
			if tc.reason != "" {
				var e *Error
				g.Expect(err).To(BeAssignableToTypeOf(e))
				e = err.(*Error)
				g.Expect(e.Reason).To(Equal(tc.reason))
				g.Expect(e.Field).To(Equal(tc.field))
				g.Expect(e.Error()).To(HavePrefix(tc.field + ": "))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got.name).To(Equal(plumbing.ReferenceName(tc.want)))
			g.Expect(got.hash).To(Equal(hash(tc.hash)))
		})
	}
}

// A pinned commit is matched by prefix, and never fetched again.
func TestSnapshotPins(t *testing.T) {
	g := NewWithT(t)
	s := &Snapshot{Commit: "0123456789abcdef0123456789abcdef01234567", path: "charts"}
	g.Expect(s.pins("0123456", "charts")).To(BeTrue())
	g.Expect(s.pins("0123456789ABCDEF0123456789abcdef01234567", "charts")).To(BeTrue())
	g.Expect(s.pins("0123457", "charts")).To(BeFalse())
	g.Expect(s.pins("0123456", "")).To(BeFalse(), "another path")
	g.Expect(s.pins("", "charts")).To(BeFalse(), "not pinned")
	g.Expect((*Snapshot)(nil).pins("0123456", "charts")).To(BeFalse())
}
