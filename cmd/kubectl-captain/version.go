package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Labels by which the plugin finds Captain's Deployment and its version,
// the recommended app.kubernetes.io ones.
const (
	nameLabel    = "app.kubernetes.io/name"
	versionLabel = "app.kubernetes.io/version"
)

func (a *app) versionCommand() *cobra.Command {
	var clientOnly bool
	var captainNamespace string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the plugin's version and that of Captain in the cluster",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "kubectl-captain %s\n", version)
			if clientOnly {
				return nil
			}
			controller, err := a.controllerVersion(cmd.Context(), captainNamespace)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "controller %s\n", controller)
			return nil
		},
	}
	cmd.Flags().BoolVar(&clientOnly, "client", false, "Print the plugin's version only; do not reach the cluster")
	cmd.Flags().StringVar(&captainNamespace, "captain-namespace", "captain-system", "Namespace Captain runs in")
	return cmd
}

// controllerVersion finds the Deployment labelled app.kubernetes.io/name=
// captain and reads its version label, else its image's tag.
func (a *app) controllerVersion(ctx context.Context, namespace string) (string, error) {
	kube, err := a.client()
	if err != nil {
		return "", err
	}
	list := &appsv1.DeploymentList{}
	if err := kube.List(ctx, list, client.InNamespace(namespace), client.MatchingLabels{nameLabel: "captain"}); err != nil {
		return "", fmt.Errorf("looking for Captain in namespace %s: %w", namespace, err)
	}
	if len(list.Items) == 0 {
		return fmt.Sprintf("not found (no Deployment labelled %s=captain in namespace %s; see --captain-namespace)", nameLabel, namespace), nil
	}
	d := list.Items[0]
	v := d.Labels[versionLabel]
	if containers := d.Spec.Template.Spec.Containers; v == "" && len(containers) > 0 {
		image := containers[0].Image
		if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
			v = image[i+1:]
		}
	}
	if v == "" {
		v = "unknown"
	}
	return fmt.Sprintf("%s (Deployment %s/%s)", v, d.Namespace, d.Name), nil
}
