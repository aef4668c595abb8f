package helmrequest

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// RecordCache answers release.Factory's reads of the local cluster's release
// records from the manager's cache: the metadata watch on Secrets that the
// controller keeps for valuesFrom (SetupWithManager) holds them too, so a
// periodic resync of a synced release costs no API request.
type RecordCache struct {
	Reader client.Reader
}

// ReleaseRecords lists the metadata of the Secrets Helm keeps release
// name's records in.
func (c RecordCache) ReleaseRecords(ctx context.Context, namespace, name string) ([]metav1.Object, error) {
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("SecretList"))
	err := c.Reader.List(ctx, list, client.InNamespace(namespace),
		client.MatchingLabels{"owner": "helm", "name": name}, client.UnsafeDisableDeepCopy)
	if err != nil {
		return nil, err
	}
	records := make([]metav1.Object, len(list.Items))
	for i := range list.Items {
		records[i] = &list.Items[i]
	}
	return records, nil
}
