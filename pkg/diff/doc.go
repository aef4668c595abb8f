// Package diff compares a release's last-applied, desired and live objects:
// the three-way plan of a change, drift, and redaction of secret values.
package diff
