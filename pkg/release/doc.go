// Package release is the only package that calls the Helm SDK's actions:
// install, upgrade, rollback, uninstall, unlock of stuck releases, the
// inventory of every object a release created, and orphan pruning.
package release
