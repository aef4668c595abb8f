package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"

	v1 "captain.io/captain/api/v1alpha1"
)

// revisionSummary is what history shows of a revision: never its values,
// which may hold what came from Secrets.
type revisionSummary struct {
	Revision    int       `json:"revision"`
	Updated     time.Time `json:"updated"`
	Status      string    `json:"status"`
	Chart       string    `json:"chart"`
	AppVersion  string    `json:"appVersion"`
	Description string    `json:"description"`
}

func (a *app) historyCommand() *cobra.Command {
	var output *outputFlag
	cmd := &cobra.Command{
		Use:               "history NAME",
		Short:             "List the Helm revisions of a HelmRequest's release",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeHelmRequests,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := output.check(); err != nil {
				return err
			}
			hr, _, err := a.readHelmRequest(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			history, err := a.history(hr)
			if err != nil {
				return err
			}
			revisions := summarize(history)
			if output.format != formatTable {
				return printDocument(cmd.OutOrStdout(), output.format, revisions)
			}
			printHistory(cmd.OutOrStdout(), revisions)
			return nil
		},
	}
	output = addOutputFlag(cmd, formatTable, formatTable, formatYAML, formatJSON)
	return cmd
}

// history reads the release's revisions in the local cluster.
func (a *app) history(hr *v1.HelmRequest) ([]*release.Release, error) {
	if err := localOnly(hr); err != nil {
		return nil, err
	}
	store, err := a.releases(hr.ReleaseNamespace())
	if err != nil {
		return nil, err
	}
	history, err := store.History(hr.ReleaseName())
	switch {
	case errors.Is(err, driver.ErrReleaseNotFound):
		return nil, fmt.Errorf("release %s/%s has no revisions: Captain has not installed it yet (kubectl captain status %s says why)", hr.ReleaseNamespace(), hr.ReleaseName(), hr.Name)
	case err != nil:
		return nil, fmt.Errorf("reading the history of release %s/%s: %w", hr.ReleaseNamespace(), hr.ReleaseName(), err)
	}
	return history, nil
}

// summarize orders a release's revisions, oldest first, as helm history.
func summarize(history []*release.Release) []revisionSummary {
	out := make([]revisionSummary, len(history))
	for i, r := range history {
		s := revisionSummary{Revision: r.Version}
		if r.Info != nil {
			s.Updated, s.Status, s.Description = r.Info.LastDeployed.Time.UTC(), r.Info.Status.String(), r.Info.Description
		}
		if r.Chart != nil && r.Chart.Metadata != nil {
			s.Chart, s.AppVersion = r.Chart.Metadata.Name+"-"+r.Chart.Metadata.Version, r.Chart.Metadata.AppVersion
		}
		out[i] = s
	}
	slices.SortFunc(out, func(a, b revisionSummary) int { return a.Revision - b.Revision })
	return out
}

// printHistory writes the revisions table. Times are absolute and in UTC,
// so that a revision can be matched with events and logs.
func printHistory(w io.Writer, revisions []revisionSummary) {
	t := newTable(w)
	row(t, "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "DESCRIPTION")
	for _, r := range revisions {
		row(t, strconv.Itoa(r.Revision), r.Updated.Format(time.RFC3339), r.Status, r.Chart, r.AppVersion, oneLine(r.Description))
	}
	t.Flush()
}
