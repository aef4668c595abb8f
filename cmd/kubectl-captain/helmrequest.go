package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
)

// helmRequestKey names a HelmRequest in the namespace of -n.
func (a *app) helmRequestKey(name string) (client.ObjectKey, error) {
	ns, err := a.namespace()
	return client.ObjectKey{Namespace: ns, Name: name}, err
}

// getHelmRequest reads a HelmRequest, saying how to find the right one
// when it is not there.
func (a *app) getHelmRequest(ctx context.Context, key client.ObjectKey) (*v1.HelmRequest, error) {
	kube, err := a.client()
	if err != nil {
		return nil, err
	}
	hr := &v1.HelmRequest{}
	err = kube.Get(ctx, key, hr)
	switch {
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("HelmRequest %s not found (kubectl captain list -n %s shows those there are)", key, key.Namespace)
	case err != nil:
		return nil, fmt.Errorf("reading HelmRequest %s: %w", key, err)
	}
	return hr, nil
}

// localOnly refuses HelmRequests whose releases live in other clusters:
// for now the plugin reads release records only in the cluster it talks to.
func localOnly(hr *v1.HelmRequest) error {
	if hr.Spec.ClusterName != "" || hr.Spec.InstallToAllClusters || hr.Spec.ClusterSelector != nil {
		return fmt.Errorf("HelmRequest %s/%s targets other clusters than the local one, whose releases the plugin cannot read yet", hr.Namespace, hr.Name)
	}
	return nil
}

// refused words an API server's refusal to write a HelmRequest: its
// validation names the field and says what is wrong.
func refused(key client.ObjectKey, err error) error {
	switch {
	case apierrors.IsInvalid(err):
		return fmt.Errorf("the API server refused HelmRequest %s: %w", key, err)
	case apierrors.IsConflict(err):
		return fmt.Errorf("HelmRequest %s changed while being written; run the command again: %w", key, err)
	}
	return fmt.Errorf("writing HelmRequest %s: %w", key, err)
}

// progressOut is where --wait shows progress: stdout, unless stdout holds a
// manifest.
func progressOut(cmd *cobra.Command, format string) io.Writer {
	if format == formatTable {
		return cmd.OutOrStdout()
	}
	return cmd.ErrOrStderr()
}

// completeHelmRequests completes the NAME argument.
func (a *app) completeHelmRequests(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ns, err := a.namespace()
	kube, kerr := a.client()
	if err != nil || kerr != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	list := &v1.HelmRequestList{}
	if kube.List(cmd.Context(), list, client.InNamespace(ns)) != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	names := make([]string, len(list.Items))
	for i, hr := range list.Items {
		names[i] = hr.Name
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}
