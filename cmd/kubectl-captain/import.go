package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/spf13/cobra"
	helmrelease "helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/plugin"
	"captain.io/captain/internal/values"
	"captain.io/captain/pkg/release"
)

type importFlags struct {
	writeFlags
	name             string
	releaseNamespace string
	allowUpgrade     bool
	captainNamespace string
	source           specFlags
}

func (a *app) importCommand() *cobra.Command {
	f := &importFlags{}
	cmd := &cobra.Command{
		Use:   "import RELEASE [CHART]",
		Short: "Adopt a Helm release made with the helm CLI into a new HelmRequest, changing nothing",
		Long: "Create a HelmRequest for the deployed Helm release RELEASE, with the chart, version\n" +
			"and values it was made from and spec.adopt set: Captain takes the release over\n" +
			"without a new revision and without touching an object. CHART is where the chart\n" +
			"comes from (repo/name, an http(s) URL or an oci:// reference); without it, the\n" +
			"ChartRepo whose Chart objects list the release's chart and version. The chart is\n" +
			"compared with the one the release was made from first: when they differ, import\n" +
			"stops, unless --allow-upgrade lets Captain upgrade the release to it.",
		Example: "  kubectl captain import web -n apps\n" +
			"  kubectl captain import web stable/nginx --name web-frontend --wait\n" +
			"  kubectl captain import web https://charts.example/nginx-1.4.2.tgz --dry-run -o yaml",
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.importRelease(cmd, f, args)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.name, "name", "", "Name of the HelmRequest (default RELEASE)")
	fs.StringVar(&f.releaseNamespace, "release-namespace", "", "Namespace of the release (default the HelmRequest's)")
	fs.BoolVar(&f.allowUpgrade, "allow-upgrade", false, "Import even when CHART differs from the release's chart: Captain upgrades the release")
	fs.StringVar(&f.captainNamespace, "captain-namespace", "captain-system", "Namespace Captain runs in, whose ChartRepos every namespace may use")
	fs.StringVar(&f.source.sourceSecret, "source-secret", "", "Secret in the namespace with credentials for an http(s) or oci:// chart")
	fs.BoolVar(&f.source.insecure, "insecure-skip-tls-verify", false, "Do not verify the TLS certificate of an http(s) or oci:// chart's server")
	fs.BoolVar(&f.source.plainHTTP, "plain-http", false, "Reach an oci:// registry over plain HTTP")
	fs.BoolVar(&f.dryRun, "dry-run", false, "Print the HelmRequest instead of writing it (with -o yaml: a manifest for GitOps)")
	f.wait.add(cmd, "Captain reports the HelmRequest Ready", "How long --wait waits")
	f.output = addOutputFlag(cmd, formatTable, formatTable, formatYAML, formatJSON, formatName)
	return cmd
}

func (a *app) importRelease(cmd *cobra.Command, f *importFlags, args []string) error {
	if err := f.checkOutput(cmd); err != nil {
		return err
	}
	name := args[0]
	if f.name != "" {
		name = f.name
	}
	key, err := a.helmRequestKey(name)
	if err != nil {
		return err
	}
	ns := key.Namespace
	if f.releaseNamespace != "" {
		ns = f.releaseNamespace
	}
	rel, err := a.importable(args[0], ns)
	if err != nil {
		return err
	}
	ref, err := a.importSource(cmd.Context(), args, rel, f.captainNamespace)
	if err != nil {
		return err
	}
	hr, err := importedRequest(key, args[0], ns, rel, ref)
	if err != nil {
		return err
	}
	if err := f.source.sourceOptions(cmd.Flags().Changed).ApplyTo(&hr.Spec); err != nil {
		return usageError{err}
	}
	if err := a.checkImport(cmd.Context(), hr, rel, f); err != nil {
		return err
	}
	if f.dryRun {
		return printObjects(cmd.OutOrStdout(), f.output.format, hr)
	}
	kube, err := a.client()
	if err != nil {
		return err
	}
	if err := kube.Create(cmd.Context(), hr); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("HelmRequest %s already exists; give the new one another name with --name", key)
		}
		return refused(key, err)
	}
	return a.showWritten(cmd, &f.writeFlags, key, hr, func(out io.Writer) {
		fmt.Fprintf(out, "HelmRequest %s created: Captain adopts release %s/%s (revision %d, %s)\n",
			key, ns, rel.Name, rel.Version, chartAndVersion(&hr.Spec))
	})
}

// importable is the deployed revision of a release no HelmRequest owns.
func (a *app) importable(name, ns string) (*helmrelease.Release, error) {
	store, err := a.releases(ns)
	if err != nil {
		return nil, err
	}
	rel, err := store.Deployed(name)
	switch {
	case errors.Is(err, driver.ErrReleaseNotFound), errors.Is(err, driver.ErrNoDeployedReleases):
		return nil, fmt.Errorf("release %s/%s has no deployed revision (helm list -n %s shows the releases there are)", ns, name, ns)
	case err != nil:
		return nil, fmt.Errorf("reading release %s/%s: %w", ns, name, err)
	}
	if owner := rel.Labels[release.OwnerNameLabel]; owner != "" {
		return nil, fmt.Errorf("release %s/%s belongs to HelmRequest %s/%s already", ns, name, rel.Labels[release.OwnerNamespaceLabel], owner)
	}
	return rel, nil
}

// importSource is CHART, or the ChartRepo chart that lists the release's
// chart and version.
func (a *app) importSource(ctx context.Context, args []string, rel *helmrelease.Release, captainNamespace string) (plugin.ChartRef, error) {
	if len(args) == 2 {
		ref, err := plugin.ParseChartRef(args[1])
		if err != nil {
			return ref, usageError{err}
		}
		return ref, nil
	}
	kube, err := a.client()
	if err != nil {
		return plugin.ChartRef{}, err
	}
	chart, version := rel.Chart.Metadata.Name, rel.Chart.Metadata.Version
	var found []string
	for _, ns := range []string{rel.Namespace, captainNamespace} {
		charts := &v1.ChartList{}
		if err := kube.List(ctx, charts, client.InNamespace(ns)); err != nil {
			return plugin.ChartRef{}, fmt.Errorf("listing the Charts of namespace %s: %w", ns, err)
		}
		for _, c := range charts.Items {
			if c.Spec.Name == chart && slices.ContainsFunc(c.Spec.Versions, func(v v1.ChartVersion) bool { return v.Version == version }) {
				found = append(found, c.Spec.Repo+"/"+chart)
			}
		}
	}
	switch len(found) {
	case 0:
		return plugin.ChartRef{}, fmt.Errorf("no ChartRepo lists chart %s version %s; give CHART (repo/name, an http(s) URL or an oci:// reference)", chart, version)
	case 1:
		return plugin.ParseChartRef(found[0])
	}
	return plugin.ChartRef{}, fmt.Errorf("ChartRepos %v all list chart %s version %s; give CHART to say which", found, chart, version)
}

// importedRequest is the HelmRequest that describes rel as it is.
func importedRequest(key client.ObjectKey, release, ns string, rel *helmrelease.Release, ref plugin.ChartRef) (*v1.HelmRequest, error) {
	hr := &v1.HelmRequest{ObjectMeta: metav1.ObjectMeta{Name: key.Name, Namespace: key.Namespace}}
	ref.ApplyTo(&hr.Spec)
	if hr.Spec.Source == nil || hr.Spec.Source.HTTP == nil {
		// A URL names its version; a repository or registry is pinned to
		// the one deployed.
		hr.Spec.Version = rel.Chart.Metadata.Version
	}
	if release != key.Name {
		hr.Spec.ReleaseName = release
	}
	if ns != key.Namespace {
		hr.Spec.Namespace = ns
	}
	hr.Spec.Adopt = true
	if len(rel.Config) > 0 {
		vals, err := plugin.SetValues(nil, rel.Config, true)
		if err != nil {
			return nil, fmt.Errorf("values of release %s/%s: %w", ns, release, err)
		}
		hr.Spec.Values = vals
	}
	return hr, nil
}

// checkImport makes sure Captain will take the release over as it is: the
// chart the HelmRequest resolves to is the one the release was made from.
func (a *app) checkImport(ctx context.Context, hr *v1.HelmRequest, rel *helmrelease.Release, f *importFlags) error {
	p, err := a.newPlanner(f.captainNamespace)
	if err != nil {
		return err
	}
	ch, err := p.charts.Resolve(ctx, hr)
	if err != nil {
		return named(hr, err)
	}
	vals, err := values.Sources{Reader: p.kube}.Compose(ctx, hr, ch.Chart.Values, nil)
	if err != nil {
		return named(hr, err)
	}
	if release.MadeFrom(rel, ch.Chart, vals.UserValues()) || f.allowUpgrade {
		return nil
	}
	return fmt.Errorf("chart %s %s from %s differs from the chart release %s/%s was made from (templates, default values or schema): "+
		"Captain would upgrade the release; give the CHART it was installed from, or --allow-upgrade",
		ch.Chart.Name(), ch.Version, ch.Source, rel.Namespace, rel.Name)
}
