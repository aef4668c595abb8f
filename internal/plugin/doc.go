// Package plugin holds the logic of the kubectl captain plugin that stands on
// its own: reading the CHART argument and the values flags, planning a
// declarative rollback, judging the health of a release's objects, and
// following a HelmRequest towards Ready. The command wiring is in
// cmd/kubectl-captain; nothing here talks to an API server.
package plugin
