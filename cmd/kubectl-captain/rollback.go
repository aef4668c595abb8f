package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/plugin"
)

type rollbackFlags struct {
	toRevision int
	keepValues bool
	writeFlags
}

func (a *app) rollbackCommand() *cobra.Command {
	f := &rollbackFlags{}
	cmd := &cobra.Command{
		Use:   "rollback NAME",
		Short: "Write an earlier revision's chart version and values back into a HelmRequest",
		Long: "Roll back declaratively: the chart version and values of a Helm revision of the\n" +
			"release are written back into the HelmRequest's spec, which stays the source of\n" +
			"truth, and Captain upgrades the release to them (a new revision, as helm rollback\n" +
			"makes). The default is the newest revision before the current one that was deployed.",
		Example: "  kubectl captain rollback web\n" +
			"  kubectl captain rollback web --to-revision 3 --wait",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeHelmRequests,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.rollback(cmd, f, args[0])
		},
	}
	cmd.Flags().IntVar(&f.toRevision, "to-revision", 0, "Revision to roll back to (kubectl captain history lists them)")
	cmd.Flags().BoolVar(&f.keepValues, "keep-values", false, "Roll back the chart version only and keep the HelmRequest's values")
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "Print the HelmRequest as the rollback would write it")
	f.wait.add(cmd, "Captain reports the HelmRequest Ready", "How long --wait waits")
	f.output = addOutputFlag(cmd, formatTable, formatTable, formatYAML, formatJSON, formatName)
	return cmd
}

func (a *app) rollback(cmd *cobra.Command, f *rollbackFlags, name string) error {
	if err := f.checkOutput(cmd); err != nil {
		return err
	}
	if f.toRevision < 0 {
		return usagef("--to-revision must be a revision number")
	}
	hr, key, err := a.readHelmRequest(cmd.Context(), name)
	if err != nil {
		return err
	}
	history, err := a.history(hr)
	if err != nil {
		return err
	}
	target, current, err := plugin.RollbackTarget(history, f.toRevision)
	if err != nil {
		return fmt.Errorf("HelmRequest %s: %w", key, err)
	}
	hr, err = a.updateHelmRequest(cmd.Context(), key, f.dryRun, func(hr *v1.HelmRequest) (bool, error) {
		if err := plugin.RollbackSpec(&hr.Spec, target, current, f.keepValues); err != nil {
			return false, fmt.Errorf("HelmRequest %s: %w", key, err)
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	return a.showWritten(cmd, &f.writeFlags, key, hr, func(out io.Writer) {
		what := "chart version"
		if !f.keepValues {
			what += " and values"
		}
		fmt.Fprintf(out, "HelmRequest %s: %s of revision %d written back (%s %s); Captain upgrades release %s/%s to them\n",
			key, what, target.Version, target.Chart.Metadata.Name, target.Chart.Metadata.Version, hr.ReleaseNamespace(), hr.ReleaseName())
	})
}
