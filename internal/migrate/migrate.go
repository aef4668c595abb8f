// Package migrate converts Alauda Captain's manifests (group app.alauda.io:
// HelmRequest v1alpha1/v1beta1/v1, ChartRepo v1alpha1/v1beta1/v1) to
// captain.io/v1alpha1, and says what it could not carry over.
//
// captain.io kept Alauda Captain's field names where it has the field, so
// most of a HelmRequest ports as it is. What does not port is reported as a
// Note: a field dropped on purpose (it meant nothing, or captain.io does it
// another way) is a warning; a field whose loss would make the object do
// something else than it did (fewer target clusters, an unreadable Secret)
// is fatal, and the object is not converted.
package migrate

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	v1 "captain.io/captain/api/v1alpha1"
)

// Group is Alauda Captain's API group.
const Group = "app.alauda.io"

// Note is something the conversion could not carry over as it was.
type Note struct {
	// Object names the input object, e.g. "HelmRequest default/web".
	Object string
	// Field is the input field concerned, e.g. "spec.targetClusters".
	Field   string
	Message string
	// Fatal notes keep the object from being converted.
	Fatal bool
}

func (n Note) String() string {
	return fmt.Sprintf("%s: %s: %s", n.Object, n.Field, n.Message)
}

// Result is a converted manifest.
type Result struct {
	// Objects are the converted objects and every other object of the input
	// as it was, in input order. Objects with fatal notes are left out.
	Objects []map[string]any
	Notes   []Note
}

// Fatal tells whether some object could not be converted.
func (r Result) Fatal() bool {
	return slices.ContainsFunc(r.Notes, func(n Note) bool { return n.Fatal })
}

// Convert reads a YAML (or JSON) stream of manifests and converts the
// Alauda Captain objects in it. Lists (kind: List) are flattened.
func Convert(r io.Reader) (Result, error) {
	docs := utilyaml.NewYAMLReader(bufio.NewReader(r))
	var res Result
	for i := 1; ; i++ {
		doc, err := docs.Read()
		if errors.Is(err, io.EOF) {
			return res, nil
		}
		if err != nil {
			return Result{}, fmt.Errorf("document %d: %w", i, err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var obj map[string]any
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			return Result{}, fmt.Errorf("document %d: %w", i, err)
		}
		if obj != nil {
			res.add(obj)
		}
	}
}

// add converts obj (each item of a List) and records the outcome.
func (r *Result) add(obj map[string]any) {
	if obj["kind"] == "List" {
		items, _ := obj["items"].([]any)
		for _, item := range items {
			if m, ok := item.(map[string]any); ok {
				r.add(m)
			}
		}
		return
	}
	apiVersion, _ := obj["apiVersion"].(string)
	if !strings.HasPrefix(apiVersion, Group+"/") {
		r.Objects = append(r.Objects, obj)
		return
	}
	c := &converter{name: objectName(obj)}
	var out any
	switch obj["kind"] {
	case "HelmRequest":
		out = c.helmRequest(obj)
	case "ChartRepo":
		out = c.chartRepo(obj)
	case "Chart":
		c.warn("kind", "left out: Captain makes Chart objects from each ChartRepo's index")
	case "Release":
		c.warn("kind", "left out: releases are kept by Helm in Secrets, where Captain finds them")
	default:
		c.fatal("kind", "captain.io has no equivalent")
	}
	r.Notes = append(r.Notes, c.notes...)
	if out == nil || c.failed() {
		return
	}
	converted, err := toMap(out)
	if err != nil {
		r.Notes = append(r.Notes, Note{Object: c.name, Field: "(object)", Message: err.Error(), Fatal: true})
		return
	}
	r.Objects = append(r.Objects, converted)
}

// toMap encodes a converted object the way a manifest says it: no status,
// no empty creationTimestamp.
func toMap(obj any) (map[string]any, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	delete(m, "status")
	if meta, ok := m["metadata"].(map[string]any); ok {
		delete(meta, "creationTimestamp")
	}
	return m, nil
}

func objectName(obj map[string]any) string {
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	if ns, _ := meta["namespace"].(string); ns != "" {
		name = ns + "/" + name
	}
	return fmt.Sprintf("%v %s", obj["kind"], name)
}

// converter collects the notes about one object.
type converter struct {
	name  string
	notes []Note
}

func (c *converter) warn(field, msg string, args ...any) {
	c.notes = append(c.notes, Note{Object: c.name, Field: field, Message: fmt.Sprintf(msg, args...)})
}

func (c *converter) fatal(field, msg string, args ...any) {
	c.notes = append(c.notes, Note{Object: c.name, Field: field, Message: fmt.Sprintf(msg, args...), Fatal: true})
}

func (c *converter) failed() bool {
	return slices.ContainsFunc(c.notes, func(n Note) bool { return n.Fatal })
}

// decode reads a field into a typed value, noting a field of the wrong shape.
func (c *converter) decode(field string, in, out any) bool {
	b, err := yaml.Marshal(in)
	if err == nil {
		err = yaml.UnmarshalStrict(b, out)
	}
	if err != nil {
		c.fatal(field, "cannot be read: %v", err)
		return false
	}
	return true
}

// sortedKeys ranges over a map in a fixed order, so notes come out the same
// every time.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// groupVersion is what converted objects are.
var groupVersion = v1.GroupVersion.String()
