package main

import (
	"github.com/spf13/cobra"

	"captain.io/captain/internal/plugin"
	"captain.io/captain/pkg/diff"
)

// formatText is the diff for people.
const formatText = "text"

type diffFlags struct {
	specFlags
	reuseValues, resetValues bool
	detectDrift              bool
	captainNamespace         string
}

func (a *app) diffCommand() *cobra.Command {
	f := &diffFlags{}
	cmd := &cobra.Command{
		Use:   "diff NAME [CHART]",
		Short: "Show what a change to a HelmRequest would do to its release, without making it",
		Long: "Show the three-way plan of a change: for each object of the release, what the\n" +
			"upgrade would create, update or delete (the API server predicts the result in a\n" +
			"dry run) and how the live object drifted from the deployed revision. The flags\n" +
			"are upgrade's; without any, the plan is for the HelmRequest as it is.\n" +
			"--detect-drift shows only how the live objects drifted. Values from Secrets and\n" +
			"Secret data are redacted. The local cluster's release only.",
		Example: "  kubectl captain diff web --set replicaCount=3\n" +
			"  kubectl captain diff web --version 1.5.0 -f values.yaml\n" +
			"  kubectl captain diff web --detect-drift",
		Args:              cobra.RangeArgs(1, 2),
		ValidArgsFunction: a.completeHelmRequests,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.diff(cmd, f, args)
		},
	}
	f.addChanges(cmd)
	fs := cmd.Flags()
	fs.BoolVar(&f.reuseValues, "reuse-values", true, "Lay new values over the HelmRequest's values")
	fs.BoolVar(&f.resetValues, "reset-values", false, "Replace the HelmRequest's values with the new ones")
	fs.BoolVar(&f.detectDrift, "detect-drift", false, "Show how the live objects drifted from the deployed revision, and nothing else")
	fs.StringVar(&f.captainNamespace, "captain-namespace", "captain-system", "Namespace Captain runs in, whose ChartRepos every namespace may use")
	f.output = addOutputFlag(cmd, formatText, formatText, formatJSON)
	return cmd
}

func (a *app) diff(cmd *cobra.Command, f *diffFlags, args []string) error {
	if err := f.output.check(); err != nil {
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
	if f.detectDrift && (ref != nil || f.changesSpec(cmd)) {
		return usagef("--detect-drift compares the cluster with the deployed revision: it takes no changes")
	}
	hr, _, err := a.readHelmRequest(cmd.Context(), args[0])
	if err != nil {
		return err
	}
	proposed := hr.DeepCopy()
	if err := f.apply(cmd, &proposed.Spec, ref, f.resetValues || !f.reuseValues); err != nil {
		return err
	}
	if err := localOnly(proposed); err != nil {
		return err
	}
	p, err := a.newPlanner(f.captainNamespace)
	if err != nil {
		return err
	}
	var report *diff.Report
	if f.detectDrift {
		report, err = p.drift(cmd.Context(), hr)
	} else {
		report, err = p.plan(cmd.Context(), cmd.ErrOrStderr(), proposed)
	}
	if err != nil {
		return err
	}
	if f.output.format == formatJSON {
		out, err := report.JSON()
		if err != nil {
			return err
		}
		_, err = cmd.OutOrStdout().Write(out)
		return err
	}
	return report.WriteText(cmd.OutOrStdout(), diff.TextOptions{})
}

// changesSpec tells whether any flag that changes the spec was given.
func (f *diffFlags) changesSpec(cmd *cobra.Command) bool {
	for _, name := range []string{"version", "values", "set", "set-string", "create-namespace", "cluster", "all-clusters",
		"cluster-selector", "source-secret", "insecure-skip-tls-verify", "plain-http", "reset-values"} {
		if cmd.Flags().Changed(name) {
			return true
		}
	}
	return false
}
