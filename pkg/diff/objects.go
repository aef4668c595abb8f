package diff

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// ObjectRef identifies an object. Helm matches objects across revisions by
// group, kind, namespace and name; Version only says how to read it.
type ObjectRef struct {
	Group     string `json:"group,omitempty"`
	Version   string `json:"version,omitempty"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// String reads like "Deployment.apps ns/name".
func (r ObjectRef) String() string {
	kind := r.Kind
	if r.Group != "" {
		kind += "." + r.Group
	}
	if r.Namespace == "" {
		return kind + " " + r.Name
	}
	return kind + " " + r.Namespace + "/" + r.Name
}

// key is the identity Helm matches on.
func (r ObjectRef) key() ObjectRef {
	r.Version = ""
	return r
}

func (r ObjectRef) groupVersionKind() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: r.Group, Version: r.Version, Kind: r.Kind}
}

func refOf(u *unstructured.Unstructured) ObjectRef {
	gvk := u.GroupVersionKind()
	return ObjectRef{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind, Namespace: u.GetNamespace(), Name: u.GetName()}
}

// Helm's annotations and label.
const (
	hookAnnotation           = "helm.sh/hook"
	resourcePolicyAnnotation = "helm.sh/resource-policy"
	releaseNameAnnotation    = "meta.helm.sh/release-name"
	releaseNSAnnotation      = "meta.helm.sh/release-namespace"
	managedByLabel           = "app.kubernetes.io/managed-by"
)

// parseManifest reads a release manifest as Helm's kube client builds it:
// every YAML document an object, lists flattened. Hooks are left out: they
// are not part of a release's objects.
func parseManifest(manifest string) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(manifest), 4096)
	var objs []*unstructured.Unstructured
	for {
		var doc runtime.RawExtension
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading manifest: %w", err)
		}
		raw := bytes.TrimSpace(doc.Raw)
		if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(raw); err != nil {
			return nil, fmt.Errorf("reading manifest: %w", err)
		}
		items, err := flatten(u)
		if err != nil {
			return nil, err
		}
		objs = append(objs, items...)
	}
}

func flatten(u *unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	if !u.IsList() {
		if _, hook := u.GetAnnotations()[hookAnnotation]; hook {
			return nil, nil
		}
		return []*unstructured.Unstructured{u}, nil
	}
	var items []*unstructured.Unstructured
	err := u.EachListItem(func(o runtime.Object) error {
		more, err := flatten(o.(*unstructured.Unstructured))
		items = append(items, more...)
		return err
	})
	return items, err
}

// withHelmMetadata returns obj as Helm sends it: labelled managed-by Helm
// and annotated with the release it belongs to (action's setMetadataVisitor).
func withHelmMetadata(obj *unstructured.Unstructured, release, namespace string) *unstructured.Unstructured {
	out := obj.DeepCopy()
	labels := out.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[managedByLabel] = "Helm"
	out.SetLabels(labels)
	annotations := out.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[releaseNameAnnotation] = release
	annotations[releaseNSAnnotation] = namespace
	out.SetAnnotations(annotations)
	return out
}

// ownedBy says why Helm would refuse to adopt obj into the release, or nil
// when obj already carries the release's ownership metadata.
func ownedBy(obj *unstructured.Unstructured, release, namespace string) error {
	var errs []error
	require := func(where string, m map[string]string, key, want string) {
		if got, ok := m[key]; !ok {
			errs = append(errs, fmt.Errorf("missing %s %s", where, key))
		} else if got != want {
			errs = append(errs, fmt.Errorf("%s %s is %q, not %q", where, key, got, want))
		}
	}
	require("label", obj.GetLabels(), managedByLabel, "Helm")
	require("annotation", obj.GetAnnotations(), releaseNameAnnotation, release)
	require("annotation", obj.GetAnnotations(), releaseNSAnnotation, namespace)
	if len(errs) > 0 {
		return fmt.Errorf("exists and cannot be imported into release %s/%s: %w", namespace, release, errors.Join(errs...))
	}
	return nil
}

func kept(obj *unstructured.Unstructured) bool {
	return obj.GetAnnotations()[resourcePolicyAnnotation] == "keep"
}
