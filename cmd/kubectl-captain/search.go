package main

import (
	"io"

	"github.com/spf13/cobra"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/plugin"
)

func (a *app) searchCommand() *cobra.Command {
	var scope scopeFlags
	var o plugin.SearchOptions
	var output *outputFlag
	cmd := &cobra.Command{
		Use:   "search [KEYWORD]",
		Short: "Search the charts of the ChartRepos by name, description and keywords",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := output.check(); err != nil {
				return err
			}
			if len(args) == 1 {
				o.Keyword = args[0]
			}
			charts := &v1.ChartList{}
			if err := a.listScoped(cmd.Context(), &scope, charts, "Charts"); err != nil {
				return err
			}
			found := plugin.SearchCharts(charts.Items, o)
			if output.format != formatTable {
				return printDocument(cmd.OutOrStdout(), output.format, found)
			}
			printSearch(cmd.OutOrStdout(), found, scope.allNamespaces)
			return nil
		},
	}
	scope.add(cmd)
	cmd.Flags().BoolVar(&o.Devel, "devel", false, "Include prerelease versions")
	cmd.Flags().BoolVar(&o.AllVersions, "versions", false, "List every version, not only the latest")
	output = addOutputFlag(cmd, formatTable, formatTable, formatYAML, formatJSON)
	return cmd
}

func printSearch(w io.Writer, found []plugin.ChartMatch, all bool) {
	if len(found) == 0 {
		io.WriteString(w, "No charts found.\n")
		return
	}
	t := newTable(w)
	header := []string{"NAME", "CHART VERSION", "APP VERSION", "DESCRIPTION"}
	if all {
		header = append([]string{"NAMESPACE"}, header...)
	}
	row(t, header...)
	for _, m := range found {
		cells := []string{m.Name, m.Version.Version, m.Version.AppVersion, oneLine(m.Version.Description)}
		if all {
			cells = append([]string{m.Namespace}, cells...)
		}
		row(t, cells...)
	}
	t.Flush()
}
