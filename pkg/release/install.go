package release

import (
	"context"
	"fmt"

	"helm.sh/helm/v3/pkg/action"
)

// install makes the first revision of a release.
func (f *Factory) install(ctx context.Context, req *Request) (*Outcome, error) {
	cfg, cc, err := f.configuration(req.Target, req.Namespace)
	if err != nil {
		return nil, err
	}
	if err := cc.applyCRDs(cfg, req); err != nil {
		return nil, err
	}
	act := action.NewInstall(cfg)
	act.ReleaseName, act.Namespace = req.Name, req.Namespace
	act.CreateNamespace = req.Options.CreateNamespace
	act.Timeout, act.Wait, act.WaitForJobs = req.Options.Timeout, req.Options.Wait, req.Options.Wait
	// Captain applies crds/ itself, by the request's CRD policy.
	act.SkipCRDs = true
	// A name whose records are all uninstalled can be reused.
	act.Replace = true
	act.Labels = recordLabels(req.Owner, req.Digest)
	act.Description = fmt.Sprintf("Install by Captain for HelmRequest %s", req.Owner)
	cfg.Releases.MaxHistory = req.Options.MaxHistory
	watch := &renderWatch{}
	act.PostRenderer = watch

	ch, err := installable(req)
	if err != nil {
		return nil, fmt.Errorf("release %s/%s: chart %s: %w", req.Namespace, req.Name, req.Chart.Name(), err)
	}
	rel, err := act.RunWithContext(ctx, ch, req.Values)
	if watch.failedRendering(err) {
		// Helm returns the release it meant to make, but never stored it.
		return nil, renderError(req, err)
	}
	out := &Outcome{Release: rel, Inventory: req.Inventory}
	if rel != nil {
		refs := refSet{}
		refs.add(manifestRefs(rel.Manifest, req.Namespace, cc.mapper)...)
		if err != nil {
			// A failed install may have created part of the manifest.
			refs.add(req.Inventory...)
		}
		out.Inventory = refs.sorted()
	}
	if err != nil {
		return out, fmt.Errorf("installing release %s/%s: %w", req.Namespace, req.Name, err)
	}
	return out, nil
}
