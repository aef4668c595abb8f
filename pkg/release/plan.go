package release

import (
	helmrelease "helm.sh/helm/v3/pkg/release"
)

// Action is the next step towards a request's desired state.
type Action string

// Actions, in the order a release can need them.
const (
	// ActionRefuse: the release belongs to someone else.
	ActionRefuse Action = "Refuse"
	// ActionUnlock: a dead operation left the release pending.
	ActionUnlock Action = "Unlock"
	// ActionAdopt: spec.adopt takes over a deployed release someone else
	// made; made from the requested chart and values, it needs no upgrade.
	ActionAdopt Action = "Adopt"
	// ActionInstall: there is no release.
	ActionInstall Action = "Install"
	// ActionUpgrade: the release differs from the request, or failed.
	ActionUpgrade Action = "Upgrade"
	// ActionNone: the release is deployed from the requested state.
	ActionNone Action = "None"
)

// NextAction picks what to do about a release in state st for the request
// req. Operations on one release are serialised by its owner's reconcile, so
// a pending release seen here was left by a process that died.
func NextAction(st *State, req *Request) Action {
	if !st.Exists() {
		return ActionInstall
	}
	latest := st.Latest()
	switch {
	case st.Owner() == req.Owner:
	case !req.Options.Adopt:
		return ActionRefuse
	case latest.Status == helmrelease.StatusDeployed:
		return ActionAdopt
	}
	switch {
	case latest.Status.IsPending():
		return ActionUnlock
	case latest.Status == helmrelease.StatusUninstalled:
		// Records kept by `helm uninstall --keep-history`: install anew.
		return ActionInstall
	case st.UpToDate(req.Digest):
		return ActionNone
	default:
		return ActionUpgrade
	}
}
