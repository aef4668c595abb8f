package release

import (
	"context"
	"fmt"

	helmrelease "helm.sh/helm/v3/pkg/release"
)

// Settle finishes an operation whose outcome the caller never recorded: a
// process that died after Helm recorded the deployed revision, before the
// orphans were pruned and the outcome kept (or a caller that lost its
// record). It prunes what any revision or the caller's inventory lists and
// the deployed revision no longer renders, and returns the deployed
// revision's inventory. It decodes the release history, so callers use it
// only when their record of the release is stale.
func (f *Factory) Settle(ctx context.Context, req *Request) (*Outcome, error) {
	_, cc, history, err := f.history(req)
	if err != nil {
		return nil, err
	}
	var deployed *helmrelease.Release
	for _, r := range history {
		if r.Info.Status == helmrelease.StatusDeployed && (deployed == nil || r.Version > deployed.Version) {
			deployed = r
		}
	}
	if deployed == nil {
		return nil, fmt.Errorf("release %s/%s has no deployed revision", req.Namespace, req.Name)
	}
	known := historyRefs(history, req.Inventory, req.Namespace, cc.mapper)
	out, err := cc.pruneOrphans(ctx, req, deployed, known)
	if err != nil {
		return out, fmt.Errorf("release %s/%s: pruning orphans failed: %w", req.Namespace, req.Name, err)
	}
	return out, nil
}
