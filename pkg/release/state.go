package release

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	helmrelease "helm.sh/helm/v3/pkg/release"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// Revision is what the labels of one release record say, read without
// decoding the record (which holds the whole chart).
type Revision struct {
	Number int
	// UID is the record's: a release installed again after an uninstall
	// numbers its revisions from 1 again, but its records are new.
	UID    types.UID
	Status helmrelease.Status
	Owner  Owner
	Digest string
}

// State is the release's history as its records' labels tell it.
type State struct {
	Name, Namespace string
	// Revisions, oldest first; empty when the release does not exist.
	Revisions []Revision
}

// Exists is true when the release has at least one record.
func (s *State) Exists() bool { return len(s.Revisions) > 0 }

// Latest is the newest revision, or nil.
func (s *State) Latest() *Revision {
	if len(s.Revisions) == 0 {
		return nil
	}
	return &s.Revisions[len(s.Revisions)-1]
}

// Owner is who owns the release: the owner of its newest revision.
func (s *State) Owner() Owner {
	if l := s.Latest(); l != nil {
		return l.Owner
	}
	return Owner{}
}

// UpToDate is true when the newest revision is deployed and was made from
// the given desired-state digest: nothing to do.
func (s *State) UpToDate(digest string) bool {
	l := s.Latest()
	return l != nil && l.Status == helmrelease.StatusDeployed && l.Digest == digestLabelValue(digest)
}

// Observe reads the release's state with one metadata-only list: no record
// is decoded, so it costs the same however large the chart and history are.
func (f *Factory) Observe(ctx context.Context, t Target, name, namespace string) (*State, error) {
	cc, err := f.clusterClients(t, namespace)
	if err != nil {
		return nil, err
	}
	selector := labels.SelectorFromSet(labels.Set{"owner": "helm", "name": name}).String()
	list, err := cc.metadata.Resource(schema.GroupVersionResource{Version: "v1", Resource: "secrets"}).
		Namespace(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, fmt.Errorf("reading the records of release %s/%s: %w", namespace, name, err)
	}
	items := make([]metav1.Object, len(list.Items))
	for i := range list.Items {
		items[i] = &list.Items[i]
	}
	return stateFrom(name, namespace, items), nil
}

// stateFrom reads a release's state from the labels of its records.
func stateFrom(name, namespace string, records []metav1.Object) *State {
	st := &State{Name: name, Namespace: namespace}
	for _, item := range records {
		l := item.GetLabels()
		n, err := strconv.Atoi(l["version"])
		if err != nil {
			continue
		}
		st.Revisions = append(st.Revisions, Revision{
			Number: n,
			UID:    item.GetUID(),
			Status: helmrelease.Status(l["status"]),
			Owner:  ownerFromLabels(l),
			Digest: l[DigestLabel],
		})
	}
	sort.Slice(st.Revisions, func(i, j int) bool { return st.Revisions[i].Number < st.Revisions[j].Number })
	return st
}

// RecordCache lists the release records of the local cluster from a cache
// that a watch keeps: the metadata of the Secrets labelled owner=helm and
// name=<release> in namespace.
type RecordCache interface {
	ReleaseRecords(ctx context.Context, namespace, name string) ([]metav1.Object, error)
}

// UseRecordCache lets Apply tell a release that needs nothing from a cache
// of its records instead of listing them from the API server: the cost of
// a periodic resync of a synced release. Call it before the first Apply.
func (f *Factory) UseRecordCache(c RecordCache) { f.records = c }

// cachedState is the release's state as the record cache has it, when the
// cache may be used for req: the local cluster, read with the manager's own
// identity (an impersonated read stays a live one).
func (f *Factory) cachedState(ctx context.Context, req *Request) (*State, bool) {
	if f.records == nil || req.Target.Cluster != "" || req.Target.ServiceAccount != "" {
		return nil, false
	}
	records, err := f.records.ReleaseRecords(ctx, req.Namespace, req.Name)
	if err != nil {
		return nil, false
	}
	return stateFrom(req.Name, req.Namespace, records), true
}
