package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"captain.io/captain/internal/migrate"
)

func (a *app) migrateCommand() *cobra.Command {
	var file string
	var output *outputFlag
	cmd := &cobra.Command{
		Use:   "migrate -f FILE",
		Short: "Convert Alauda Captain (app.alauda.io) HelmRequests and ChartRepos to captain.io/v1alpha1",
		Long: "Convert the app.alauda.io HelmRequests and ChartRepos of FILE (- for stdin) to\n" +
			"captain.io/v1alpha1 and print them; other objects are printed as they are. Fields\n" +
			"that do not carry over are reported on stderr. If an object cannot be converted\n" +
			"without changing what it does, nothing is printed and the exit code is 1.",
		Example: "  kubectl get helmrequests.app.alauda.io -A -o yaml | kubectl captain migrate -f - | kubectl apply -f -",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := output.check(); err != nil {
				return err
			}
			return migrateFile(cmd, file, output.format)
		},
	}
	cmd.Flags().StringVarP(&file, "filename", "f", "", "Manifest file to convert (- for stdin)")
	_ = cmd.MarkFlagRequired("filename")
	output = addOutputFlag(cmd, formatYAML, formatYAML, formatJSON)
	return cmd
}

func migrateFile(cmd *cobra.Command, file, format string) error {
	in := cmd.InOrStdin()
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return usageError{err}
		}
		defer f.Close()
		in = f
	}
	res, err := migrate.Convert(in)
	if err != nil {
		return fmt.Errorf("reading %s: %w", file, err)
	}
	fatal := 0
	for _, n := range res.Notes {
		level := "warning"
		if n.Fatal {
			level, fatal = "error", fatal+1
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s\n", level, n)
	}
	if fatal > 0 {
		return fmt.Errorf("%d problems above keep objects from converting as they are; nothing was printed", fatal)
	}
	return printManifests(cmd.OutOrStdout(), format, res.Objects)
}

// printManifests writes objects as a YAML stream, or as a JSON v1 List.
func printManifests(w io.Writer, format string, objs []map[string]any) error {
	if format == formatJSON {
		items := make([]any, len(objs))
		for i, o := range objs {
			items[i] = o
		}
		return printDocument(w, format, map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	}
	var errs []error
	for i, o := range objs {
		b, err := yaml.Marshal(o)
		errs = append(errs, err)
		if i > 0 {
			io.WriteString(w, "---\n")
		}
		_, err = w.Write(b)
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
