package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/plugin"
)

type installFlags struct {
	specFlags
	releaseName      string
	releaseNamespace string
}

func (a *app) installCommand() *cobra.Command {
	f := &installFlags{}
	cmd := &cobra.Command{
		Use:   "install NAME CHART",
		Short: "Create a HelmRequest; Captain installs the chart",
		Long: "Create a HelmRequest named NAME. CHART is repo/name (a chart of a ChartRepo),\n" +
			"an http(s)://…/chart.tgz URL, or an oci://registry/path/chart reference.",
		Example: "  kubectl captain install web stable/nginx --version '~1.4' --set replicaCount=2 --wait\n" +
			"  kubectl captain install web https://charts.example/nginx-1.4.2.tgz -f values.yaml\n" +
			"  kubectl captain install web oci://registry.example/charts/nginx --version 1.4.2\n" +
			"  kubectl captain install web stable/nginx --dry-run -o yaml > web.yaml",
		Args:              cobra.ExactArgs(2),
		ValidArgsFunction: a.completeCharts,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.install(cmd, f, args[0], args[1])
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&f.releaseName, "release-name", "", "Helm release name (default NAME); it cannot change later")
	cmd.Flags().StringVar(&f.releaseNamespace, "release-namespace", "", "Namespace of the release (default the HelmRequest's); it cannot change later")
	return cmd
}

func (a *app) install(cmd *cobra.Command, f *installFlags, name, chart string) error {
	if err := f.checkOutput(cmd); err != nil {
		return err
	}
	ref, err := plugin.ParseChartRef(chart)
	if err != nil {
		return usageError{err}
	}
	key, err := a.helmRequestKey(name)
	if err != nil {
		return err
	}
	hr := &v1.HelmRequest{ObjectMeta: metav1.ObjectMeta{Name: key.Name, Namespace: key.Namespace}}
	hr.Spec.ReleaseName, hr.Spec.Namespace = f.releaseName, f.releaseNamespace
	if err := f.apply(cmd, &hr.Spec, &ref, true); err != nil {
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
			return fmt.Errorf("HelmRequest %s already exists; change it with kubectl captain upgrade %s -n %s", key, key.Name, key.Namespace)
		}
		return refused(key, err)
	}
	return a.showWritten(cmd, &f.writeFlags, key, hr, func(out io.Writer) {
		fmt.Fprintf(out, "HelmRequest %s created: Captain installs %s as release %s/%s\n",
			key, chartAndVersion(&hr.Spec), hr.ReleaseNamespace(), hr.ReleaseName())
	})
}

// chartAndVersion says which chart a spec installs, for messages.
func chartAndVersion(spec *v1.HelmRequestSpec) string {
	s := plugin.Describe(spec)
	if spec.Version != "" {
		s += " " + spec.Version
	}
	return s
}

// completeCharts completes CHART with the repo/name of the Chart objects in
// the namespace.
func (a *app) completeCharts(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) != 1 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ns, err := a.namespace()
	kube, kerr := a.client()
	if err != nil || kerr != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	charts := &v1.ChartList{}
	if kube.List(cmd.Context(), charts, client.InNamespace(ns)) != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	names := make([]string, len(charts.Items))
	for i, c := range charts.Items {
		names[i] = c.Spec.Repo + "/" + c.Spec.Name
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}
