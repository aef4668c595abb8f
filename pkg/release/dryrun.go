package release

import (
	"context"
	"fmt"

	"helm.sh/helm/v3/pkg/action"
)

// Rendered is what a request would make: the manifest and notes of the
// revision Helm would record.
type Rendered struct {
	Manifest string
	Notes    string
}

// Render renders req as its next install or upgrade would, asking the
// cluster what it needs to (capabilities, lookup) but changing nothing: the
// desired side of a three-way diff. The manifest leaves out crds/ and hooks,
// as Helm's own does.
func (f *Factory) Render(ctx context.Context, req *Request) (*Rendered, error) {
	cfg, _, err := f.configuration(req.Target, req.Namespace)
	if err != nil {
		return nil, err
	}
	st, err := f.Observe(ctx, req.Target, req.Name, req.Namespace)
	if err != nil {
		return nil, err
	}
	act := action.NewInstall(cfg)
	act.ReleaseName, act.Namespace = req.Name, req.Namespace
	act.DryRun, act.DryRunOption = true, "server"
	// Templates see .Release.IsUpgrade as the upgrade will show it.
	act.IsUpgrade = st.Deployed() != nil
	act.SkipCRDs = true
	ch, err := installable(req)
	if err != nil {
		return nil, fmt.Errorf("release %s/%s: chart %s: %w", req.Namespace, req.Name, req.Chart.Name(), err)
	}
	rel, err := act.RunWithContext(ctx, ch, req.Values)
	if err != nil {
		return nil, fmt.Errorf("rendering release %s/%s: %w", req.Namespace, req.Name, err)
	}
	return &Rendered{Manifest: rel.Manifest, Notes: rel.Info.Notes}, nil
}
