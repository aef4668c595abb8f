package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/equality"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/plugin"
)

type upgradeFlags struct {
	specFlags
	reuseValues, resetValues bool
}

func (a *app) upgradeCommand() *cobra.Command {
	f := &upgradeFlags{}
	cmd := &cobra.Command{
		Use:   "upgrade NAME [CHART]",
		Short: "Change a HelmRequest's chart, version or values; Captain upgrades the release",
		Long: "Change the HelmRequest NAME. CHART, if given, replaces its chart (repo/name, an\n" +
			"http(s) URL or an oci:// reference). New values are laid over the HelmRequest's\n" +
			"values (--reuse-values, the default) or replace them (--reset-values).",
		Example: "  kubectl captain upgrade web --version 1.5.0 --set replicaCount=3 --wait\n" +
			"  kubectl captain upgrade web https://charts.example/nginx-1.5.0.tgz\n" +
			"  kubectl captain upgrade web --reset-values -f values.yaml",
		Args:              cobra.RangeArgs(1, 2),
		ValidArgsFunction: a.completeHelmRequests,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.upgrade(cmd, f, args)
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&f.reuseValues, "reuse-values", true, "Lay new values over the HelmRequest's values")
	cmd.Flags().BoolVar(&f.resetValues, "reset-values", false, "Replace the HelmRequest's values with the new ones (none: the chart's defaults)")
	return cmd
}

func (a *app) upgrade(cmd *cobra.Command, f *upgradeFlags, args []string) error {
	if err := f.checkOutput(cmd); err != nil {
		return err
	}
	if f.resetValues && cmd.Flags().Changed("reuse-values") && f.reuseValues {
		return usagef("--reuse-values and --reset-values contradict each other")
	}
	var ref *plugin.ChartRef
	if len(args) == 2 {
		r, err := plugin.ParseChartRef(args[1])
		if err != nil {
			return usageError{err}
		}
		ref = &r
	}
	key, err := a.helmRequestKey(args[0])
	if err != nil {
		return err
	}
	changed := false
	// Each try starts from the newest copy, so values are laid over what is
	// there now, not over what another writer replaced.
	hr, err := a.updateHelmRequest(cmd.Context(), key, f.dryRun, func(hr *v1.HelmRequest) (bool, error) {
		before := hr.Spec.DeepCopy()
		var chart *plugin.ChartRef
		if ref != nil {
			chart = &plugin.ChartRef{Chart: ref.Chart, Source: ref.Source.DeepCopy(), Tag: ref.Tag}
		}
		if err := f.apply(cmd, &hr.Spec, chart, f.resetValues || !f.reuseValues); err != nil {
			return false, err
		}
		changed = !equality.Semantic.DeepEqual(before, &hr.Spec)
		return changed, nil
	})
	if err != nil {
		return err
	}
	return a.showWritten(cmd, &f.writeFlags, key, hr, func(out io.Writer) {
		if changed {
			fmt.Fprintf(out, "HelmRequest %s changed: Captain upgrades release %s/%s to %s\n",
				key, hr.ReleaseNamespace(), hr.ReleaseName(), chartAndVersion(&hr.Spec))
		} else {
			fmt.Fprintf(out, "HelmRequest %s unchanged\n", key)
		}
	})
}
