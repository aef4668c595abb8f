// Package chartrepo reads chart repositories (HTTP index, OCI registry, Git),
// caches indexes and charts, and resolves semver constraints to versions.
package chartrepo
