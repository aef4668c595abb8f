package diff

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// listThreshold is how many objects of one kind in one namespace make one
// list cheaper than a get for each.
const listThreshold = 3

// helmSelector selects what Helm applied: Helm labels every object it
// installs or upgrades managed-by Helm (its release records are not).
const helmSelector = managedByLabel + "=Helm"

type listKey struct {
	resource  schema.GroupVersionResource
	namespace string
}

// listLive reads the objects of kinds the release has several of in a
// namespace with one list of Helm-managed objects per kind and namespace.
// Objects a list does not return (deleted, or relabelled by someone) and
// kinds that failed to list are left to be read one by one.
func (d *Differ) listLive(ctx context.Context, entries []*entry) {
	groups := map[listKey][]*entry{}
	for _, e := range entries {
		if e.err == nil {
			k := listKey{e.mapping.Resource, e.ref.Namespace}
			groups[k] = append(groups[k], e)
		}
	}
	var lists [][]*entry
	for _, g := range groups {
		if len(g) >= listThreshold {
			lists = append(lists, g)
		}
	}
	parallel(len(lists), func(i int) { d.listGroup(ctx, lists[i]) })
}

func (d *Differ) listGroup(ctx context.Context, group []*entry) {
	first := group[0]
	list, err := d.resource(first.mapping, first.ref.Namespace).List(ctx, metav1.ListOptions{LabelSelector: helmSelector})
	if err != nil {
		return
	}
	byName := make(map[string]*unstructured.Unstructured, len(list.Items))
	for i := range list.Items {
		byName[list.Items[i].GetName()] = &list.Items[i]
	}
	for _, e := range group {
		if obj, ok := byName[e.ref.Name]; ok {
			e.live, e.read = obj, true
		}
	}
}
