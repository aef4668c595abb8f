package release

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	helmrelease "helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// ObjectRef identifies an object a release rendered.
type ObjectRef struct {
	Group     string `json:"group,omitempty"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// String is the compact form kept in status: namespace_name_group_kind.
func (r ObjectRef) String() string {
	return r.Namespace + "_" + r.Name + "_" + r.Group + "_" + r.Kind
}

// ParseObjectRef reads the form String writes. Only the name may hold '_'
// (RBAC names may): a namespace is a DNS label, a group a DNS subdomain and
// a kind a DNS-1035 label, whatever its case.
func ParseObjectRef(s string) (ObjectRef, error) {
	namespace, rest, _ := strings.Cut(s, "_")
	parts := strings.Split(rest, "_")
	n := len(parts)
	if n < 3 || parts[n-1] == "" {
		return ObjectRef{}, fmt.Errorf("%q is not an inventory entry (namespace_name_group_kind)", s)
	}
	name := strings.Join(parts[:n-2], "_")
	if name == "" {
		return ObjectRef{}, fmt.Errorf("%q is not an inventory entry (namespace_name_group_kind)", s)
	}
	return ObjectRef{Namespace: namespace, Name: name, Group: parts[n-2], Kind: parts[n-1]}, nil
}

// Keep is the annotation (with value "keep") that exempts an object from pruning.
const (
	resourcePolicyAnnotation = "helm.sh/resource-policy"
	releaseNameAnnotation    = "meta.helm.sh/release-name"
	releaseNSAnnotation      = "meta.helm.sh/release-namespace"
)

// manifestRefs lists the objects of a manifest as Helm's kube client builds
// them: each document decoded as unstructured, lists (documents with items)
// flattened. Objects without a namespace get the release namespace only if
// their kind is namespaced, which the mapper tells; kinds it does not know
// keep an empty namespace.
func manifestRefs(manifest, namespace string, mapper meta.RESTMapper) []ObjectRef {
	var refs []ObjectRef
	for _, doc := range releaseutil.SplitManifests(manifest) {
		data, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			continue
		}
		obj, _, err := unstructured.UnstructuredJSONScheme.Decode(data, nil, nil)
		if err != nil {
			continue
		}
		refs = appendRefs(refs, obj, namespace, mapper)
	}
	return refs
}

// appendRefs adds obj, or the items of a list (lists among them), to refs.
func appendRefs(refs []ObjectRef, obj runtime.Object, namespace string, mapper meta.RESTMapper) []ObjectRef {
	if list, ok := obj.(*unstructured.UnstructuredList); ok {
		for i := range list.Items {
			item := &list.Items[i]
			if item.IsList() {
				if nested, err := item.ToList(); err == nil {
					refs = appendRefs(refs, nested, namespace, mapper)
				}
				continue
			}
			refs = appendRefs(refs, item, namespace, mapper)
		}
		return refs
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok || u.GetKind() == "" || u.GetName() == "" {
		return refs
	}
	gv, err := schema.ParseGroupVersion(u.GetAPIVersion())
	if err != nil {
		return refs
	}
	ref := ObjectRef{Group: gv.Group, Kind: u.GetKind(), Namespace: u.GetNamespace(), Name: u.GetName()}
	if ref.Namespace == "" && namespaced(mapper, gv.WithKind(ref.Kind)) {
		ref.Namespace = namespace
	}
	return append(refs, ref)
}

func namespaced(mapper meta.RESTMapper, gvk schema.GroupVersionKind) bool {
	m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	return err == nil && m.Scope.Name() == meta.RESTScopeNameNamespace
}

// refSet is a set of object references.
type refSet map[ObjectRef]struct{}

func (s refSet) add(refs ...ObjectRef) {
	for _, r := range refs {
		s[r] = struct{}{}
	}
}

func (s refSet) sorted() []ObjectRef {
	out := make([]ObjectRef, 0, len(s))
	for r := range s {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// historyRefs is every object any recorded revision rendered, plus the
// caller's inventory.
func historyRefs(history []*helmrelease.Release, inventory []ObjectRef, namespace string, mapper meta.RESTMapper) refSet {
	all := refSet{}
	all.add(inventory...)
	for _, r := range history {
		all.add(manifestRefs(r.Manifest, namespace, mapper)...)
	}
	return all
}

// prune deletes the candidates that the release still owns (Helm's
// release annotations name it) and that are not marked keep. Objects that
// are gone, or whose kind is gone, are skipped.
func (cc *clusterClients) prune(ctx context.Context, candidates []ObjectRef, release, namespace string) ([]ObjectRef, error) {
	var pruned []ObjectRef
	var errs []error
	for _, ref := range candidates {
		deleted, err := cc.pruneOne(ctx, ref, release, namespace)
		if err != nil {
			errs = append(errs, err)
		}
		if deleted {
			pruned = append(pruned, ref)
		}
	}
	return pruned, errors.Join(errs...)
}

func (cc *clusterClients) pruneOne(ctx context.Context, ref ObjectRef, release, namespace string) (bool, error) {
	mapping, err := cc.mapper.RESTMapping(schema.GroupKind{Group: ref.Group, Kind: ref.Kind})
	if meta.IsNoMatchError(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("pruning %s: %w", ref, err)
	}
	res := cc.metadata.Resource(mapping.Resource).Namespace(ref.Namespace)
	obj, err := res.Get(ctx, ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("pruning %s: %w", ref, err)
	}
	a := obj.GetAnnotations()
	if a[releaseNameAnnotation] != release || a[releaseNSAnnotation] != namespace || a[resourcePolicyAnnotation] == "keep" {
		return false, nil
	}
	propagation := metav1.DeletePropagationBackground
	err = res.Delete(ctx, ref.Name, metav1.DeleteOptions{
		PropagationPolicy: &propagation,
		// Delete exactly the object inspected, not a successor of the same name.
		Preconditions: &metav1.Preconditions{UID: &obj.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return false, fmt.Errorf("pruning %s: %w", ref, err)
	}
	return true, nil
}
