// Package diff compares a release's last-applied, desired and live objects:
// the three-way plan of a change, drift, and redaction of secret values.
//
// A Differ (one per cluster; it caches discovery) answers three questions:
//
//   - Diff: what will an upgrade from the last-applied manifest to the
//     desired one do to each object (create, update, delete, unchanged), and
//     what will the object look like? It computes the patch Helm's upgrade
//     sends and has the API server apply it in a dry run.
//   - Drift: which fields the chart set differ in the cluster, and which
//     managed objects were deleted?
//   - Correct: put drifted fields back and re-create deleted objects,
//     touching nothing the chart did not set.
//
// Everything exported in a Report is redacted: Secret data and values that
// came from Secrets show as hashes. See docs/design/diff.md.
package diff
