package main

import (
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
)

// completeNamespaces completes -n with the cluster's namespaces. Cobra's own
// completion command (bash, zsh, fish, powershell) does the rest; NAME
// arguments complete through each command's ValidArgsFunction.
func (a *app) completeNamespaces(root *cobra.Command) {
	_ = root.RegisterFlagCompletionFunc("namespace", func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		kube, err := a.client()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		list := &corev1.NamespaceList{}
		if kube.List(cmd.Context(), list) != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names := make([]string, len(list.Items))
		for i, ns := range list.Items {
			names[i] = ns.Name
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	})
}
