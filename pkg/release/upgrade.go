package release

import (
	"context"
	"fmt"

	"helm.sh/helm/v3/pkg/action"
	helmrelease "helm.sh/helm/v3/pkg/release"
)

// upgrade makes a new revision, rolls back if asked to when it fails, and
// prunes the objects earlier revisions (failed ones included) created that
// the new revision no longer renders — which Helm itself leaks.
func (f *Factory) upgrade(ctx context.Context, req *Request) (*Outcome, error) {
	cfg, cc, history, err := f.history(req)
	if err != nil {
		return nil, err
	}
	// Read before the upgrade: Helm prunes history beyond maxHistory when it
	// records the new revision.
	known := historyRefs(history, req.Inventory, req.Namespace, cc.mapper)
	if err := cc.applyCRDs(cfg, req); err != nil {
		return nil, err
	}

	act := action.NewUpgrade(cfg)
	act.Namespace = req.Namespace
	act.Timeout, act.Wait, act.WaitForJobs = req.Options.Timeout, req.Options.Wait, req.Options.Wait
	act.Force, act.MaxHistory = req.Options.Force, req.Options.MaxHistory
	act.SkipCRDs = true
	// The request carries every value; never let Helm reuse old ones.
	act.ResetValues = true
	act.Labels = recordLabels(req.Owner, req.Digest)
	act.Description = fmt.Sprintf("Upgrade by Captain for HelmRequest %s", req.Owner)
	watch := &renderWatch{}
	act.PostRenderer = watch

	ch, err := installable(req)
	if err != nil {
		return nil, fmt.Errorf("release %s/%s: chart %s: %w", req.Namespace, req.Name, req.Chart.Name(), err)
	}
	rel, err := act.RunWithContext(ctx, req.Name, ch, req.Values)
	if watch.failedRendering(err) {
		// No revision was made, so there is nothing to roll back: the
		// deployed revision runs untouched.
		return nil, renderError(req, err)
	}
	if err != nil {
		if rel != nil {
			known.add(manifestRefs(rel.Manifest, req.Namespace, cc.mapper)...)
		}
		out := &Outcome{Release: rel, Inventory: known.sorted()}
		err = fmt.Errorf("upgrading release %s/%s: %w", req.Namespace, req.Name, err)
		if req.Options.RollbackOnFailure {
			return f.rollbackAfter(cfg, req, history, out, err)
		}
		return out, err
	}

	out, err := cc.pruneOrphans(ctx, req, rel, known)
	if err != nil {
		return out, fmt.Errorf("release %s/%s upgraded, but pruning orphans failed: %w", req.Namespace, req.Name, err)
	}
	return out, nil
}

// history is the configuration for req's release and its records.
func (f *Factory) history(req *Request) (*action.Configuration, *clusterClients, []*helmrelease.Release, error) {
	cfg, cc, err := f.configuration(req.Target, req.Namespace)
	if err != nil {
		return nil, nil, nil, err
	}
	history, err := cfg.Releases.History(req.Name)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("reading the history of release %s/%s: %w", req.Namespace, req.Name, err)
	}
	return cfg, cc, history, nil
}

// pruneOrphans deletes the objects known lists that rel no longer renders.
// The outcome's inventory is rel's objects, plus the orphans it could not
// delete: the next upgrade or settle tries again.
func (cc *clusterClients) pruneOrphans(ctx context.Context, req *Request, rel *helmrelease.Release, known refSet) (*Outcome, error) {
	desired := refSet{}
	desired.add(manifestRefs(rel.Manifest, req.Namespace, cc.mapper)...)
	var orphans []ObjectRef
	for ref := range known {
		if _, ok := desired[ref]; !ok {
			orphans = append(orphans, ref)
		}
	}
	out := &Outcome{Release: rel, Inventory: desired.sorted()}
	pruned, err := cc.prune(ctx, orphans, req.Name, req.Namespace)
	out.Pruned = pruned
	if err != nil {
		desired.add(orphans...)
		out.Inventory = desired.sorted()
	}
	return out, err
}

// rollbackAfter rolls a failed upgrade back to the newest deployed revision
// recorded before it (else the newest superseded one), if there is one.
func (f *Factory) rollbackAfter(cfg *action.Configuration, req *Request, history []*helmrelease.Release, out *Outcome, upgradeErr error) (*Outcome, error) {
	// With none deployed, the newest superseded revision was the last good
	// one: a process killed during a rollback leaves the revision it rolled
	// back to superseded and its own one pending (failed, once unlocked).
	target, superseded := 0, 0
	for _, r := range history {
		switch r.Info.Status {
		case helmrelease.StatusDeployed:
			target = max(target, r.Version)
		case helmrelease.StatusSuperseded:
			superseded = max(superseded, r.Version)
		}
	}
	if target == 0 {
		target = superseded
	}
	if target == 0 {
		return out, fmt.Errorf("%w; no deployed revision to roll back to", upgradeErr)
	}
	rb := action.NewRollback(cfg)
	rb.Version = target
	rb.Timeout, rb.Wait, rb.WaitForJobs = req.Options.Timeout, req.Options.Wait, req.Options.Wait
	rb.Force, rb.MaxHistory = req.Options.Force, req.Options.MaxHistory
	if err := rb.Run(req.Name); err != nil {
		return out, fmt.Errorf("%w; rolling back to revision %d failed too: %v", upgradeErr, target, err)
	}
	out.RolledBack = true
	if last, err := cfg.Releases.Last(req.Name); err == nil {
		out.Release = last
	}
	return out, fmt.Errorf("%w; rolled back to revision %d", upgradeErr, target)
}
