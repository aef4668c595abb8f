package diff

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// entry is one object of the release: what the deployed revision applied,
// what the new render wants, and whether only the inventory knows it.
type entry struct {
	ref     ObjectRef
	mapping *meta.RESTMapping
	// applied is the last-applied object, desired the new one as Helm sends
	// it (with its ownership metadata); either may be nil.
	applied, desired *unstructured.Unstructured
	err              error
	// live is the object in the cluster, once read is set.
	live *unstructured.Unstructured
	read bool
}

// entries pairs up the objects of the last-applied manifest, of the desired
// one (when planning) and of the inventory, in that order of first sight.
func (d *Differ) entries(in *Input, plan bool) ([]*entry, error) {
	applied, err := parseManifest(in.LastApplied)
	if err != nil {
		return nil, fmt.Errorf("last-applied manifest of release %s/%s: %w", in.Namespace, in.ReleaseName, err)
	}
	var desired []*unstructured.Unstructured
	if plan {
		if desired, err = parseManifest(in.Desired); err != nil {
			return nil, fmt.Errorf("desired manifest of release %s/%s: %w", in.Namespace, in.ReleaseName, err)
		}
	}
	b := entryBuilder{mappings: d.mappings(), namespace: in.Namespace, byKey: map[ObjectRef]*entry{}}
	for _, u := range applied {
		b.at(b.place(u)).applied = u
	}
	for _, u := range desired {
		b.at(b.place(u)).desired = withHelmMetadata(u, in.ReleaseName, in.Namespace)
	}
	if plan {
		for _, ref := range in.Inventory {
			b.at(ref)
		}
	}
	for _, e := range b.order {
		e.resolve(b.mappings)
	}
	return b.order, nil
}

type entryBuilder struct {
	mappings  *mappings
	namespace string
	byKey     map[ObjectRef]*entry
	order     []*entry
}

// place puts an object without a namespace in the release namespace if its
// kind is namespaced (Helm's DefaultNamespace), and returns its reference.
func (b *entryBuilder) place(u *unstructured.Unstructured) ObjectRef {
	ref := refOf(u)
	m, err := b.mappings.get(ref.groupVersionKind())
	if err != nil {
		return ref
	}
	if m.Scope.Name() == meta.RESTScopeNameRoot {
		ref.Namespace = ""
	} else if ref.Namespace == "" {
		ref.Namespace = b.namespace
		u.SetNamespace(b.namespace)
	}
	return ref
}

func (b *entryBuilder) at(ref ObjectRef) *entry {
	if e, ok := b.byKey[ref.key()]; ok {
		return e
	}
	e := &entry{ref: ref}
	b.byKey[ref.key()] = e
	b.order = append(b.order, e)
	return e
}

// resolve picks the version to read the object at: the desired one, as
// Helm reads it during the upgrade, else the applied one, else the
// inventory's (the preferred version when it has none).
func (e *entry) resolve(m *mappings) {
	switch {
	case e.desired != nil:
		e.ref.Version = e.desired.GroupVersionKind().Version
	case e.applied != nil:
		e.ref.Version = e.applied.GroupVersionKind().Version
	}
	e.mapping, e.err = m.get(e.ref.groupVersionKind())
	if e.err == nil {
		e.ref.Version = e.mapping.GroupVersionKind.Version
	}
}
