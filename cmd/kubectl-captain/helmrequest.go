package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
)

// helmRequestKey names a HelmRequest in the namespace of -n.
func (a *app) helmRequestKey(name string) (client.ObjectKey, error) {
	ns, err := a.namespace()
	return client.ObjectKey{Namespace: ns, Name: name}, err
}

// readHelmRequest reads the HelmRequest NAME in the namespace of -n, and
// returns its key too, for messages and writes.
func (a *app) readHelmRequest(ctx context.Context, name string) (*v1.HelmRequest, client.ObjectKey, error) {
	key, err := a.helmRequestKey(name)
	if err != nil {
		return nil, key, err
	}
	hr, err := a.getHelmRequest(ctx, key)
	return hr, key, err
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

// updateHelmRequest lets change change the HelmRequest at key and writes it,
// unless change says there is nothing to write or this is a dry run. Each
// try after a conflict starts from the newest copy, so change works on what
// is there now, not on what another writer replaced.
func (a *app) updateHelmRequest(ctx context.Context, key client.ObjectKey, dryRun bool, change func(*v1.HelmRequest) (write bool, err error)) (*v1.HelmRequest, error) {
	kube, err := a.client()
	if err != nil {
		return nil, err
	}
	var hr *v1.HelmRequest
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var err error
		if hr, err = a.getHelmRequest(ctx, key); err != nil {
			return err
		}
		write, err := change(hr)
		if err != nil || !write || dryRun {
			return err
		}
		if err := kube.Update(ctx, hr); err != nil {
			return refused(key, err)
		}
		return nil
	})
	return hr, err
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

// writeFlags are --dry-run, --wait, --timeout and -o of the commands that
// write a HelmRequest.
type writeFlags struct {
	dryRun bool
	wait   waitFlags
	output *outputFlag
}

// checkOutput makes YAML the default of a dry run, whose output is a
// manifest, and refuses a format the command does not have.
func (f *writeFlags) checkOutput(cmd *cobra.Command) error {
	if f.dryRun && !cmd.Flags().Changed("output") {
		f.output.format = formatYAML
	}
	return f.output.check()
}

// showWritten shows the HelmRequest a command wrote, or with --dry-run
// would write, then waits for it with --wait. The table format is the line
// say writes; a dry run prints only what a manifest kept in Git holds.
func (a *app) showWritten(cmd *cobra.Command, f *writeFlags, key client.ObjectKey, hr *v1.HelmRequest, say func(io.Writer)) error {
	out := cmd.OutOrStdout()
	if f.dryRun || f.output.format != formatTable {
		shown := hr
		if f.dryRun {
			shown = desired(hr)
		}
		if err := printObjects(out, f.output.format, shown); err != nil || f.dryRun {
			return err
		}
	} else {
		say(out)
	}
	if !f.wait.wait {
		return nil
	}
	return a.waitReady(cmd.Context(), progressOut(cmd, f.output.format), key, hr.Generation, f.wait.timeout)
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
