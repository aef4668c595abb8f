package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/values"
)

// leafOrigin is one leaf of the values and the layer that set it.
type leafOrigin struct {
	Path   string `json:"path"`
	Value  any    `json:"value"`
	Origin string `json:"origin"`
}

func (a *app) valuesCommand() *cobra.Command {
	var showOrigin bool
	var cluster string
	var output *outputFlag
	cmd := &cobra.Command{
		Use:   "values NAME",
		Short: "Show a HelmRequest's effective values, with the layer each comes from; Secret values redacted",
		Long: "Show the values the chart's templates see: the chart's defaults (from the deployed\n" +
			"revision) < valuesFrom < values. Values that come from a Secret are shown as\n" +
			values.RedactedMarker + ". --show-origin names the layer that set each value.",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeHelmRequests,
		RunE: func(cmd *cobra.Command, args []string) error {
			if showOrigin && !cmd.Flags().Changed("output") {
				output.format = formatTable
			}
			if err := output.check(); err != nil {
				return err
			}
			if output.format == formatTable && !showOrigin {
				return usagef("-o table needs --show-origin")
			}
			hr, _, err := a.readHelmRequest(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			result, err := a.composeValues(cmd.Context(), cmd.ErrOrStderr(), hr, cluster)
			if err != nil {
				return err
			}
			if !showOrigin {
				return printDocument(cmd.OutOrStdout(), output.format, result.Redacted())
			}
			leaves := origins(result)
			if output.format != formatTable {
				return printDocument(cmd.OutOrStdout(), output.format, leaves)
			}
			printOrigins(cmd.OutOrStdout(), leaves)
			return nil
		},
	}
	cmd.Flags().BoolVar(&showOrigin, "show-origin", false, "Name the layer that set each value")
	cmd.Flags().StringVar(&cluster, "cluster", "", "The values for this registered Cluster, with the overlays its labels match")
	output = addOutputFlag(cmd, formatYAML, formatYAML, formatJSON, formatTable)
	return cmd
}

// composeValues layers the values as Captain does: for a registered
// cluster with that Cluster's labels (chart defaults are left out: the
// plugin cannot read that cluster's release), for the local cluster with
// the chart defaults of the deployed revision. It warns on w about what it
// cannot know or what does not match the deployed revision.
func (a *app) composeValues(ctx context.Context, w io.Writer, hr *v1.HelmRequest, cluster string) (values.Result, error) {
	kube, err := a.client()
	if err != nil {
		return values.Result{}, err
	}
	sources := values.Sources{Reader: kube}
	if cluster != "" {
		c := &v1.Cluster{}
		if err := kube.Get(ctx, client.ObjectKey{Name: cluster}, c); err != nil {
			return values.Result{}, fmt.Errorf("reading Cluster %s: %w", cluster, err)
		}
		fmt.Fprintln(w, "warning: the chart's defaults are not shown: the plugin does not read other clusters' releases")
		result, err := sources.Compose(ctx, hr, nil, c.Labels)
		return result, named(hr, err)
	}
	if err := localOnly(hr); err != nil {
		return values.Result{}, fmt.Errorf("%w; give --cluster", err)
	}
	deployed, err := a.deployed(hr)
	if err != nil {
		return values.Result{}, err
	}
	var defaults map[string]any
	if deployed == nil {
		fmt.Fprintln(w, "warning: no revision is deployed yet, so the chart's defaults are not shown")
	} else {
		defaults = deployed.Chart.Values
	}
	result, err := sources.Compose(ctx, hr, defaults, nil)
	if err != nil {
		return result, named(hr, err)
	}
	if n := len(hr.Spec.Overlays); n > 0 {
		fmt.Fprintf(w, "warning: %d overlays are not applied: which ones match depends on the labels the manager gives the local cluster\n", n)
	}
	if deployed != nil && !sameValues(result.UserValues(), deployed.Config) {
		fmt.Fprintf(w, "warning: revision %d, deployed now, was made from other values (Captain has not applied these yet, or an overlay applies)\n", deployed.Version)
	}
	return result, nil
}

// named names the HelmRequest in a composition error.
func named(hr *v1.HelmRequest, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("HelmRequest %s/%s: %w", hr.Namespace, hr.Name, err)
}

// deployed is the release's deployed revision in the local cluster, or nil.
func (a *app) deployed(hr *v1.HelmRequest) (*release.Release, error) {
	store, err := a.releases(hr.ReleaseNamespace())
	if err != nil {
		return nil, err
	}
	rel, err := store.Deployed(hr.ReleaseName())
	switch {
	case errors.Is(err, driver.ErrNoDeployedReleases), errors.Is(err, driver.ErrReleaseNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading release %s/%s: %w", hr.ReleaseNamespace(), hr.ReleaseName(), err)
	}
	return rel, nil
}

// sameValues tells whether two sets of user values are the same to Helm.
func sameValues(a, b map[string]any) bool {
	canonical := func(m map[string]any) []byte {
		if m == nil {
			m = map[string]any{}
		}
		out, _ := json.Marshal(m) // json sorts map keys
		return out
	}
	return bytes.Equal(canonical(a), canonical(b))
}

// origins lists each leaf with its redacted value and its layer.
func origins(r values.Result) []leafOrigin {
	redacted := r.Redacted()
	leaves := r.Provenance()
	out := make([]leafOrigin, len(leaves))
	for i, l := range leaves {
		out[i] = leafOrigin{Path: l.Path.String(), Value: values.At(redacted, l.Path), Origin: l.Origin.String()}
	}
	return out
}

// printOrigins writes the PATH VALUE ORIGIN table.
func printOrigins(w io.Writer, leaves []leafOrigin) {
	t := newTable(w)
	row(t, "PATH", "VALUE", "ORIGIN")
	for _, l := range leaves {
		// Strings as they are, the rest (and the empty string) as JSON.
		value, ok := l.Value.(string)
		if !ok || value == "" {
			b, _ := json.Marshal(l.Value)
			value = string(b)
		}
		row(t, l.Path, value, l.Origin)
	}
	t.Flush()
}
