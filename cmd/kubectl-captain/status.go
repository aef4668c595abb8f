package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/plugin"
	"captain.io/captain/pkg/release"
)

// resourceHealth is one object of a release and how it is doing.
type resourceHealth struct {
	Ref     release.ObjectRef
	Health  plugin.Health
	Message string
}

func (a *app) statusCommand() *cobra.Command {
	var output *outputFlag
	cmd := &cobra.Command{
		Use:               "status NAME",
		Short:             "Show a HelmRequest's conditions, clusters, the health of its release's objects, and notes",
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
			if output.format != formatTable {
				return printObjects(cmd.OutOrStdout(), output.format, hr)
			}
			resources, err := a.resourceHealth(cmd.Context(), hr)
			if err != nil {
				return err
			}
			printStatus(cmd.OutOrStdout(), hr, resources, a.now())
			return nil
		},
	}
	output = addOutputFlag(cmd, formatTable, formatTable, formatYAML, formatJSON)
	return cmd
}

// resourceHealth reads every object of the release in the local cluster,
// as the inventory in status lists them.
func (a *app) resourceHealth(ctx context.Context, hr *v1.HelmRequest) ([]resourceHealth, error) {
	var inventory []string
	for _, c := range hr.Status.Clusters {
		if c.Name == v1.LocalCluster {
			inventory = c.Inventory
		}
	}
	if len(inventory) == 0 || localOnly(hr) != nil {
		return nil, nil
	}
	kube, err := a.client()
	if err != nil {
		return nil, err
	}
	out := make([]resourceHealth, 0, len(inventory))
	for _, entry := range inventory {
		ref, err := release.ParseObjectRef(entry)
		if err != nil {
			continue
		}
		h := resourceHealth{Ref: ref}
		h.Health, h.Message = objectHealth(ctx, kube, ref)
		out = append(out, h)
	}
	return out, nil
}

// objectHealth reads one object and judges it. An object the plugin cannot
// read is reported, not fatal: the rest of the status is still worth seeing.
func objectHealth(ctx context.Context, kube client.Client, ref release.ObjectRef) (plugin.Health, string) {
	mapping, err := kube.RESTMapper().RESTMapping(schema.GroupKind{Group: ref.Group, Kind: ref.Kind})
	if err != nil {
		return plugin.Missing, "kind not served by the cluster"
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(mapping.GroupVersionKind)
	err = kube.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, u)
	switch {
	case apierrors.IsNotFound(err):
		return plugin.Missing, "not found"
	case err != nil:
		return "Unknown", oneLine(err.Error())
	}
	return plugin.ObjectHealth(u)
}

// printStatus writes a HelmRequest's status for humans.
func printStatus(w io.Writer, hr *v1.HelmRequest, resources []resourceHealth, now time.Time) {
	t := newTable(w)
	field := func(name, value string) {
		if value == "" {
			value = "-"
		}
		fmt.Fprintf(t, "%s:\t%s\n", name, value)
	}
	field("HelmRequest", hr.Namespace+"/"+hr.Name)
	field("Chart", plugin.Describe(&hr.Spec))
	field("Version", versionLine(hr))
	field("Release", hr.ReleaseNamespace()+"/"+hr.ReleaseName())
	field("Targets", targets(&hr.Spec))
	field("Phase", string(hr.Status.Phase))
	field("Ready", readyStatus(hr.Status.Conditions))
	field("Age", age(now, hr.CreationTimestamp))
	t.Flush()

	fmt.Fprintln(w, "\nConditions:")
	t = newTable(w)
	row(t, "TYPE", "STATUS", "REASON", "AGE", "MESSAGE")
	for _, c := range hr.Status.Conditions {
		row(t, c.Type, string(c.Status), c.Reason, age(now, c.LastTransitionTime), oneLine(c.Message))
	}
	t.Flush()

	fmt.Fprintln(w, "\nClusters:")
	t = newTable(w)
	row(t, "NAME", "PHASE", "REVISION", "VERSION", "DRIFT", "APPLIED", "MESSAGE")
	for _, c := range hr.Status.Clusters {
		applied := ""
		if c.LastAppliedTime != nil {
			applied = age(now, *c.LastAppliedTime)
		}
		row(t, c.Name, string(c.Phase), revision(c.Revision), c.Version, drift(c.Drift), applied, oneLine(c.Message))
	}
	t.Flush()

	if localOnly(hr) != nil {
		fmt.Fprintln(w, "\nResources: the plugin shows the objects of releases in the local cluster only, for now")
	} else {
		printResources(w, resources)
	}
	if hr.Status.Notes != "" {
		fmt.Fprintln(w, "\nNotes:")
		for _, line := range strings.Split(strings.TrimRight(hr.Status.Notes, "\n"), "\n") {
			fmt.Fprintln(w, strings.TrimRight("  "+line, " "))
		}
	}
}

func printResources(w io.Writer, resources []resourceHealth) {
	fmt.Fprintf(w, "\nResources in cluster %s:\n", v1.LocalCluster)
	t := newTable(w)
	row(t, "KIND", "NAME", "HEALTH", "MESSAGE")
	for _, r := range resources {
		kind := r.Ref.Kind
		if r.Ref.Group != "" {
			kind += "." + r.Ref.Group
		}
		name := r.Ref.Name
		if r.Ref.Namespace != "" {
			name = r.Ref.Namespace + "/" + name
		}
		row(t, kind, name, string(r.Health), oneLine(r.Message))
	}
	t.Flush()
}

// versionLine is the resolved version, with the spec's range when it is
// not the same.
func versionLine(hr *v1.HelmRequest) string {
	switch resolved, asked := hr.Status.Version, hr.Spec.Version; {
	case resolved == "":
		return asked
	case asked == "" || asked == resolved:
		return resolved
	default:
		return resolved + " (spec.version " + asked + ")"
	}
}

func plural(n int, noun string) string {
	if n != 1 {
		noun += "s"
	}
	return strconv.Itoa(n) + " " + noun
}

func revision(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func drift(d *v1.DriftSummary) string {
	if d == nil {
		return ""
	}
	return plural(d.Objects, "object") + ", " + plural(d.Fields, "field")
}
