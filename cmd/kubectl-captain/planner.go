package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	repoctl "captain.io/captain/internal/controller/chartrepo"
	"captain.io/captain/internal/controller/helmrequest"
	"captain.io/captain/internal/values"
	"captain.io/captain/pkg/chartrepo"
	"captain.io/captain/pkg/diff"
	"captain.io/captain/pkg/release"
)

// planner computes what Captain would do to a HelmRequest's release in the
// local cluster, the way Captain does it: the same chart resolution, values
// layering and render, with the user's own credentials.
type planner struct {
	kube     client.Reader
	config   *rest.Config
	charts   helmrequest.ChartResolver
	releases *release.Factory
	differ   *diff.Differ
	// key keys the hashes that stand for secret values, for this run only.
	key []byte
}

func (a *app) newPlanner(captainNamespace string) (*planner, error) {
	kube, err := a.client()
	if err != nil {
		return nil, err
	}
	cfg, err := a.restConfig()
	if err != nil {
		return nil, err
	}
	differ, err := diff.New(cfg)
	if err != nil {
		return nil, kubeconfigError(err)
	}
	fetcher := chartrepo.NewFetcher(chartrepo.FetcherOptions{Timeout: 2 * time.Minute})
	charts := &helmrequest.Resolver{
		Sources: &helmrequest.SourceResolver{Fetcher: fetcher, Reader: kube},
		Repos:   &helmrequest.RepoResolver{Client: kube, Indexes: repoctl.NewIndexes(fetcher, kube), ControllerNamespace: captainNamespace},
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &planner{kube: kube, config: cfg, charts: charts, releases: release.NewFactory(), differ: differ, key: key}, nil
}

// plan is the three-way diff of the upgrade Captain would make for hr.
func (p *planner) plan(ctx context.Context, w io.Writer, hr *v1.HelmRequest) (*diff.Report, error) {
	ch, err := p.charts.Resolve(ctx, hr)
	if err != nil {
		return nil, named(hr, err)
	}
	vals, err := values.Sources{Reader: p.kube}.Compose(ctx, hr, ch.Chart.Values, nil)
	if err != nil {
		return nil, named(hr, err)
	}
	if n := len(hr.Spec.Overlays); n > 0 {
		fmt.Fprintf(w, "warning: %d overlays are not applied: which ones match depends on the labels the manager gives the local cluster\n", n)
	}
	req := &release.Request{Target: release.Target{Config: p.config}, Name: hr.ReleaseName(), Namespace: hr.ReleaseNamespace(),
		Chart: ch.Chart, Values: vals.UserValues()}
	rendered, err := p.releases.Render(ctx, req)
	if err != nil {
		return nil, named(hr, err)
	}
	applied, err := p.deployedManifest(ctx, hr)
	if err != nil {
		return nil, err
	}
	in := p.input(hr, vals, applied)
	in.Desired = rendered.Manifest
	in.Inventory = inventoryOf(hr)
	in.Force = hr.Spec.Upgrade != nil && hr.Spec.Upgrade.Force
	report, err := p.differ.Diff(ctx, in)
	return report, named(hr, err)
}

// drift compares the live objects with the deployed revision.
func (p *planner) drift(ctx context.Context, hr *v1.HelmRequest) (*diff.Report, error) {
	applied, err := p.deployedManifest(ctx, hr)
	if err != nil {
		return nil, err
	}
	if applied == "" {
		return nil, fmt.Errorf("release %s/%s has no deployed revision: there is nothing to drift from", hr.ReleaseNamespace(), hr.ReleaseName())
	}
	// Secret values are masked in drift too; the chart's defaults are not
	// needed to know which values came from Secrets.
	vals, err := values.Sources{Reader: p.kube}.Compose(ctx, hr, nil, nil)
	if err != nil {
		return nil, named(hr, err)
	}
	in := p.input(hr, vals, applied)
	in.Desired = applied
	report, err := p.differ.Drift(ctx, in)
	return report, named(hr, err)
}

func (p *planner) input(hr *v1.HelmRequest, vals values.Result, lastApplied string) diff.Input {
	in := diff.Input{ReleaseName: hr.ReleaseName(), Namespace: hr.ReleaseNamespace(), LastApplied: lastApplied,
		SecretValues: vals.SecretStrings(), RedactionKey: p.key}
	if d := hr.Spec.DriftDetection; d != nil {
		in.Ignore = d.Ignore
	}
	return in
}

// deployedManifest is the manifest of the release's deployed revision; ""
// before the first install.
func (p *planner) deployedManifest(ctx context.Context, hr *v1.HelmRequest) (string, error) {
	target := release.Target{Config: p.config}
	st, err := p.releases.Observe(ctx, target, hr.ReleaseName(), hr.ReleaseNamespace())
	if err != nil {
		return "", err
	}
	manifest, _, err := p.releases.DeployedManifest(target, st)
	if err != nil && st.Deployed() != nil {
		return "", err
	}
	return manifest, nil
}

// inventoryOf is what Captain recorded the release in the local cluster may
// own beyond its deployed revision: objects a failed revision created.
func inventoryOf(hr *v1.HelmRequest) []diff.ObjectRef {
	var out []diff.ObjectRef
	for _, cs := range hr.Status.Clusters {
		if cs.Name != v1.LocalCluster {
			continue
		}
		for _, e := range cs.Inventory {
			if r, err := release.ParseObjectRef(e); err == nil {
				out = append(out, diff.ObjectRef{Group: r.Group, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name})
			}
		}
	}
	return out
}
