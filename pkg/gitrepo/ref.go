package gitrepo

import (
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/go-git/go-git/v5/plumbing"
)

// Ref selects the commit to serve; at most one field is set. None means
// the remote's default branch (its HEAD).
type Ref struct {
	Branch string
	Tag    string
	SemVer string // a constraint over tags; the highest matching tag wins
	Commit string // a full or abbreviated SHA
}

// target is a ref resolved against the remote's refs.
type target struct {
	name plumbing.ReferenceName // what to fetch
	hash plumbing.Hash          // a commit, or an annotated tag object
}

// resolve finds ref among refs, the remote's references as listed by
// ls-remote (peeled tags left out). A commit ref is not resolved here: its
// hash is known, or only a fetch can expand it.
func resolve(refs []*plumbing.Reference, ref Ref) (target, error) {
	byName := map[plumbing.ReferenceName]*plumbing.Reference{}
	for _, r := range refs {
		byName[r.Name()] = r
	}
	switch {
	case ref.Branch != "":
		return lookup(byName, plumbing.NewBranchReferenceName(ref.Branch), "spec.git.ref.branch", "branch")
	case ref.Tag != "":
		return lookup(byName, plumbing.NewTagReferenceName(ref.Tag), "spec.git.ref.tag", "tag")
	case ref.SemVer != "":
		return highestTag(refs, ref.SemVer)
	}
	return defaultBranch(byName)
}

func lookup(byName map[plumbing.ReferenceName]*plumbing.Reference, name plumbing.ReferenceName, field, what string) (target, error) {
	r, ok := byName[name]
	if !ok || r.Type() != plumbing.HashReference {
		return target{}, fail(ReasonRefNotFound, field, "the remote has no %s %q", what, name.Short())
	}
	return target{name: name, hash: r.Hash()}, nil
}

// defaultBranch is what HEAD points at. A server that does not say which
// branch that is (no symref capability) lists HEAD with a hash, which is
// fetched as is.
func defaultBranch(byName map[plumbing.ReferenceName]*plumbing.Reference) (target, error) {
	head, ok := byName[plumbing.HEAD]
	if !ok {
		return target{}, fail(ReasonRefNotFound, "spec.git.ref", "the remote has no default branch (HEAD): set spec.git.ref")
	}
	if head.Type() == plumbing.HashReference {
		return target{name: plumbing.HEAD, hash: head.Hash()}, nil
	}
	return lookup(byName, head.Target(), "spec.git.ref", "default branch")
}

// highestTag is the tag of the highest version that meets constraint; tags
// that are not semver ("v" prefix allowed) are not candidates.
func highestTag(refs []*plumbing.Reference, constraint string) (target, error) {
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return target{}, fail(ReasonInvalidRef, "spec.git.ref.semver", "%q is not a semver constraint: %w", constraint, err)
	}
	var best *semver.Version
	var found *plumbing.Reference
	for _, r := range sortedTags(refs) {
		v, err := semver.NewVersion(r.Name().Short())
		if err != nil || !c.Check(v) {
			continue
		}
		if best == nil || v.GreaterThan(best) {
			best, found = v, r
		}
	}
	if found == nil {
		return target{}, fail(ReasonRefNotFound, "spec.git.ref.semver", "no tag of the remote meets %q", constraint)
	}
	return target{name: found.Name(), hash: found.Hash()}, nil
}

// sortedTags are the tag refs by name, so that of two tags of one version
// ("1.0.0", "v1.0.0") the choice does not depend on listing order.
func sortedTags(refs []*plumbing.Reference) []*plumbing.Reference {
	var tags []*plumbing.Reference
	for _, r := range refs {
		if r.Name().IsTag() && r.Type() == plumbing.HashReference {
			tags = append(tags, r)
		}
	}
	slices.SortFunc(tags, func(a, b *plumbing.Reference) int { return strings.Compare(a.Name().String(), b.Name().String()) })
	return tags
}
