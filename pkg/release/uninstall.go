package release

import (
	"context"
	"fmt"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/storage/driver"
)

// Uninstall removes a release and, unlike Helm (which deletes only the last
// manifest), every object any of its revisions created. A release owned by
// someone else is refused; keepResources leaves everything in place.
func (f *Factory) Uninstall(ctx context.Context, req *Request) (*Outcome, error) {
	st, err := f.Observe(ctx, req.Target, req.Name, req.Namespace)
	if err != nil || !st.Exists() {
		return &Outcome{}, err
	}
	if !req.Options.Adopt && st.Owner() != req.Owner {
		return nil, &NotOwnedError{Release: req.Name, Namespace: req.Namespace, Owner: st.Owner()}
	}
	if req.Options.KeepResources {
		return &Outcome{}, nil
	}
	cfg, cc, err := f.configuration(req.Target, req.Namespace)
	if err != nil {
		return nil, err
	}
	history, err := cfg.Releases.History(req.Name)
	if err != nil && err != driver.ErrReleaseNotFound {
		return nil, fmt.Errorf("reading the history of release %s/%s: %w", req.Namespace, req.Name, err)
	}
	known := historyRefs(history, req.Inventory, req.Namespace, cc.mapper)

	act := action.NewUninstall(cfg)
	act.Timeout, act.Wait = req.Options.Timeout, req.Options.Wait
	act.IgnoreNotFound = true
	act.Description = fmt.Sprintf("Uninstall by Captain for HelmRequest %s", req.Owner)
	if _, err := act.Run(req.Name); err != nil {
		return &Outcome{Inventory: known.sorted()}, fmt.Errorf("uninstalling release %s/%s: %w", req.Namespace, req.Name, err)
	}
	f.manifests.forget(req.Target.Config, req.Namespace, req.Name)
	pruned, err := cc.prune(ctx, known.sorted(), req.Name, req.Namespace)
	out := &Outcome{Pruned: pruned}
	if err != nil {
		out.Inventory = known.sorted()
		return out, fmt.Errorf("release %s/%s uninstalled, but deleting leftovers failed: %w", req.Namespace, req.Name, err)
	}
	return out, nil
}
