// Package values composes a release's values from layers and records which
// layer set each value.
//
// Layers are applied lowest precedence first: the chart's defaults, each
// spec.valuesFrom entry in order, spec.values, then each matching overlay in
// order (its own valuesFrom in order, then its values).
//
// The merge follows Helm exactly, so that what Captain shows is what Helm
// renders: user layers are merged the way `helm install -f a.yaml -f b.yaml`
// merges its files (maps merge recursively; lists, scalars and null replace),
// and the result is coalesced over the chart defaults the way Helm does it, a
// null deleting the key it lands on. [Result.UserValues] is what Captain hands
// to Helm (nulls kept, since Helm needs them to delete chart defaults);
// [Result.Effective] is what the templates see, with nulls gone.
//
// Values from a Secret never leave this package in the clear unless asked for
// with [Result.Effective] or [Result.UserValues]: [Result.Redacted] is the view
// for status, events, logs and diffs.
//
// The package is pure logic: fetching ConfigMaps and Secrets, and choosing
// which overlays match a cluster, is the caller's job.
package values
