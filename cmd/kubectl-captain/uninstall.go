package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
)

type uninstallFlags struct {
	keepResources bool
	wait          waitFlags
}

func (a *app) uninstallCommand() *cobra.Command {
	f := &uninstallFlags{}
	cmd := &cobra.Command{
		Use:     "uninstall NAME",
		Aliases: []string{"delete"},
		Short:   "Delete a HelmRequest; Captain uninstalls its release",
		Example: "  kubectl captain uninstall web --wait\n" +
			"  kubectl captain uninstall web --keep-resources",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeHelmRequests,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.uninstall(cmd, f, args[0])
		},
	}
	cmd.Flags().BoolVar(&f.keepResources, "keep-resources", false, "Leave the release's objects in the cluster (sets spec.uninstall.keepResources first)")
	f.wait.add(cmd, "Captain has uninstalled the release and the HelmRequest is gone", "How long --wait waits")
	return cmd
}

func (a *app) uninstall(cmd *cobra.Command, f *uninstallFlags, name string) error {
	hr, key, err := a.readHelmRequest(cmd.Context(), name)
	if err != nil {
		return err
	}
	kube, err := a.client()
	if err != nil {
		return err
	}
	if f.keepResources {
		// Captain reads keepResources from the object being deleted, so it
		// must be set before the delete, not with it.
		patch := client.MergeFrom(hr.DeepCopy())
		hr.Spec.Uninstall = &v1.UninstallSpec{KeepResources: true}
		if err := kube.Patch(cmd.Context(), hr, patch); err != nil {
			return refused(key, err)
		}
	}
	if err := kube.Delete(cmd.Context(), hr, client.Preconditions{UID: &hr.UID}); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting HelmRequest %s: %w", key, err)
	}
	out := cmd.OutOrStdout()
	if f.keepResources {
		fmt.Fprintf(out, "HelmRequest %s deleted: Captain lets go of release %s/%s and keeps its objects\n", key, hr.ReleaseNamespace(), hr.ReleaseName())
	} else {
		fmt.Fprintf(out, "HelmRequest %s deleted: Captain uninstalls release %s/%s\n", key, hr.ReleaseNamespace(), hr.ReleaseName())
	}
	if !f.wait.wait {
		return nil
	}
	return a.waitGone(cmd.Context(), out, key, f.wait.timeout)
}
