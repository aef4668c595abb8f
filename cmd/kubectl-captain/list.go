package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/plugin"
)

// scopeFlags are -A and -l of the listing commands.
type scopeFlags struct {
	allNamespaces bool
	selector      string
}

func (f *scopeFlags) add(cmd *cobra.Command) {
	cmd.Flags().BoolVarP(&f.allNamespaces, "all-namespaces", "A", false, "List in every namespace")
	cmd.Flags().StringVarP(&f.selector, "selector", "l", "", "Only objects with these labels (a=b,c!=d)")
}

// options are the list options the flags ask for.
func (a *app) listOptions(f *scopeFlags) ([]client.ListOption, error) {
	var opts []client.ListOption
	if !f.allNamespaces {
		ns, err := a.namespace()
		if err != nil {
			return nil, err
		}
		opts = append(opts, client.InNamespace(ns))
	}
	if f.selector != "" {
		sel, err := metav1.ParseToLabelSelector(f.selector)
		if err != nil {
			return nil, usagef("--selector: %v", err)
		}
		s, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			return nil, usagef("--selector: %v", err)
		}
		opts = append(opts, client.MatchingLabelsSelector{Selector: s})
	}
	return opts, nil
}

// listScoped fills list with the objects -A and -l ask for; kind names them
// in the error.
func (a *app) listScoped(ctx context.Context, scope *scopeFlags, list client.ObjectList, kind string) error {
	opts, err := a.listOptions(scope)
	if err != nil {
		return err
	}
	kube, err := a.client()
	if err != nil {
		return err
	}
	if err := kube.List(ctx, list, opts...); err != nil {
		return fmt.Errorf("listing %s: %w", kind, err)
	}
	return nil
}

func (a *app) listCommand() *cobra.Command {
	var scope scopeFlags
	var output *outputFlag
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List HelmRequests with their chart, version, clusters, phase and readiness",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := output.check(); err != nil {
				return err
			}
			list := &v1.HelmRequestList{}
			if err := a.listScoped(cmd.Context(), &scope, list, "HelmRequests"); err != nil {
				return err
			}
			if output.format != formatTable {
				return printObjects(cmd.OutOrStdout(), output.format, objects(list.Items)...)
			}
			printList(cmd.OutOrStdout(), list.Items, scope.allNamespaces, a.now())
			return nil
		},
	}
	scope.add(cmd)
	output = addOutputFlag(cmd, formatTable, formatTable, formatYAML, formatJSON, formatName)
	return cmd
}

// printList writes the HelmRequest table; with all, each row says its
// namespace.
func printList(w io.Writer, items []v1.HelmRequest, all bool, now time.Time) {
	if len(items) == 0 {
		io.WriteString(w, "No HelmRequests found.\n")
		return
	}
	t := newTable(w)
	header := []string{"NAME", "CHART", "VERSION", "CLUSTERS", "PHASE", "READY", "AGE"}
	if all {
		header = append([]string{"NAMESPACE"}, header...)
	}
	row(t, header...)
	for i := range items {
		hr := &items[i]
		cells := []string{hr.Name, plugin.Describe(&hr.Spec), listedVersion(hr), clusters(hr),
			string(hr.Status.Phase), readyStatus(hr.Status.Conditions), age(now, hr.CreationTimestamp)}
		if all {
			cells = append([]string{hr.Namespace}, cells...)
		}
		row(t, cells...)
	}
	t.Flush()
}

// listedVersion is the resolved version, or what the spec asks for until
// Captain resolved one.
func listedVersion(hr *v1.HelmRequest) string {
	if hr.Status.Version != "" {
		return hr.Status.Version
	}
	return hr.Spec.Version
}

// clusters names the clusters the release is in, or those the spec targets
// until Captain reported any.
func clusters(hr *v1.HelmRequest) string {
	if len(hr.Status.Clusters) > 0 {
		names := make([]string, len(hr.Status.Clusters))
		for i, c := range hr.Status.Clusters {
			names[i] = c.Name
		}
		return strings.Join(names, ",")
	}
	return targets(&hr.Spec)
}

// targets says which clusters a spec targets.
func targets(s *v1.HelmRequestSpec) string {
	switch {
	case s.InstallToAllClusters:
		return "<all>"
	case s.ClusterSelector != nil:
		return "<" + metav1.FormatLabelSelector(s.ClusterSelector) + ">"
	case s.ClusterName != "":
		return s.ClusterName
	}
	return v1.LocalCluster
}

func readyStatus(conds []metav1.Condition) string {
	if c := apimeta.FindStatusCondition(conds, v1.ReadyCondition); c != nil {
		return string(c.Status)
	}
	return ""
}
