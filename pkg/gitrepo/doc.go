// Package gitrepo serves Helm charts straight from Git repositories: it
// resolves a ref (branch, tag, semver range over tags, commit, or the
// remote's default branch) to a commit, fetches that commit shallowly into a
// cache, loads every chart folder of the commit with Helm's loader, and
// hands out the result as the same compact index the HTTP and OCI
// repositories of package chartrepo produce, so that callers treat every
// kind of repository alike.
//
// It speaks https://, http://, ssh:// and scp-style (git@host:org/repo),
// git:// and file:// URLs through go-git; it never runs the git binary.
package gitrepo
