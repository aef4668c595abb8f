package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/yaml"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/scheme"
)

// Output formats.
const (
	formatTable = "table"
	formatYAML  = "yaml"
	formatJSON  = "json"
	formatName  = "name"
)

// outputFlag is -o, with the formats a command supports.
type outputFlag struct {
	format  string
	allowed []string
}

func addOutputFlag(cmd *cobra.Command, def string, allowed ...string) *outputFlag {
	o := &outputFlag{allowed: allowed}
	cmd.Flags().StringVarP(&o.format, "output", "o", def, "Output format: "+strings.Join(allowed, "|"))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(allowed, cobra.ShellCompDirectiveNoFileComp))
	return o
}

// check refuses a format the command does not have.
func (o *outputFlag) check() error {
	if !slices.Contains(o.allowed, o.format) {
		return usagef("--output %q is not one of %s", o.format, strings.Join(o.allowed, ", "))
	}
	return nil
}

// printObjects writes objects as YAML, JSON or names, the way kubectl get
// does: one object alone, several in a v1 List.
func printObjects(w io.Writer, format string, objs ...client.Object) error {
	if format == formatName {
		for _, o := range objs {
			gvk, err := gvkOf(o)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "%s.%s/%s\n", strings.ToLower(gvk.Kind), gvk.Group, o.GetName())
		}
		return nil
	}
	items := make([]any, len(objs))
	for i, o := range objs {
		m, err := manifest(o)
		if err != nil {
			return err
		}
		items[i] = m
	}
	var doc any = map[string]any{"apiVersion": "v1", "kind": "List", "items": items}
	if len(items) == 1 {
		doc = items[0]
	}
	return printDocument(w, format, doc)
}

// objects points at each item of a list, for printObjects.
func objects[T any, P interface {
	*T
	client.Object
}](items []T) []client.Object {
	objs := make([]client.Object, len(items))
	for i := range items {
		objs[i] = P(&items[i])
	}
	return objs
}

// printDocument writes any value as YAML or JSON.
func printDocument(w io.Writer, format string, doc any) error {
	var b []byte
	var err error
	if format == formatJSON {
		b, err = json.MarshalIndent(doc, "", "    ")
		b = append(b, '\n')
	} else {
		b, err = yaml.Marshal(doc)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// manifest is obj as a map with its apiVersion and kind, without the
// managed fields, which only the API server reads, and without the empty
// fields of an object not yet created.
func manifest(obj client.Object) (map[string]any, error) {
	gvk, err := gvkOf(obj)
	if err != nil {
		return nil, err
	}
	obj = obj.DeepCopyObject().(client.Object)
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	obj.SetManagedFields(nil)
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if meta, _ := m["metadata"].(map[string]any); meta["creationTimestamp"] == nil {
		delete(meta, "creationTimestamp")
	}
	if status, ok := m["status"].(map[string]any); ok && len(status) == 0 {
		delete(m, "status")
	}
	return m, nil
}

// kinds is the scheme of the built-in kinds and Captain's.
var kinds = sync.OnceValues(scheme.New)

func gvkOf(obj client.Object) (schema.GroupVersionKind, error) {
	s, err := kinds()
	if err != nil {
		return schema.GroupVersionKind{}, err
	}
	return apiutil.GVKForObject(obj, s)
}

// desired is what a manifest of hr kept in Git holds: its name, labels,
// annotations and spec. What the API server and Captain wrote (uid,
// resourceVersion, finalizers, status) would only get in the way there.
func desired(hr *v1.HelmRequest) *v1.HelmRequest {
	return &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{
			Name: hr.Name, Namespace: hr.Namespace,
			Labels: hr.Labels, Annotations: hr.Annotations,
		},
		Spec: *hr.Spec.DeepCopy(),
	}
}

// newTable writes aligned columns as kubectl does.
func newTable(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 6, 4, 3, ' ', 0) }

// row writes one table row; empty cells read as "-".
func row(w io.Writer, cells ...string) {
	for i, c := range cells {
		if c == "" {
			cells[i] = "-"
		}
	}
	fmt.Fprintln(w, strings.Join(cells, "\t"))
}

// age is how long ago t was, as kubectl shows it ("5m", "2d3h").
func age(now time.Time, t metav1.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}
