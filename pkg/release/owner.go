package release

import (
	"errors"
	"fmt"
	"strings"
)

// Labels Captain stores on every Helm release record it writes. Helm keeps
// them on the storage Secret, where a metadata-only read finds them.
const (
	OwnerNameLabel      = "captain.io/owner-name"
	OwnerNamespaceLabel = "captain.io/owner-namespace"
	// DigestLabel holds (a prefix of) the desired-state digest the revision
	// was made from, so that "nothing changed" needs no decoding of records.
	DigestLabel = "captain.io/digest"
)

// Owner is the HelmRequest a release belongs to.
type Owner struct {
	Namespace, Name string
}

func (o Owner) String() string { return o.Namespace + "/" + o.Name }

// IsZero is true for releases no HelmRequest owns (made with the helm CLI).
func (o Owner) IsZero() bool { return o == Owner{} }

func ownerFromLabels(l map[string]string) Owner {
	return Owner{Namespace: l[OwnerNamespaceLabel], Name: l[OwnerNameLabel]}
}

func recordLabels(o Owner, digest string) map[string]string {
	return map[string]string{
		OwnerNamespaceLabel: o.Namespace,
		OwnerNameLabel:      o.Name,
		DigestLabel:         digestLabelValue(digest),
	}
}

// digestLabelValue fits a digest into a label value: no algorithm prefix
// (":" is not allowed) and at most 63 characters.
func digestLabelValue(d string) string {
	if i := strings.IndexByte(d, ':'); i >= 0 {
		d = d[i+1:]
	}
	if len(d) > 63 {
		return d[:63]
	}
	return d
}

// ErrNotOwned is returned when a release exists that the requesting
// HelmRequest does not own and may not adopt.
var ErrNotOwned = errors.New("release is not owned by this HelmRequest")

// NotOwnedError says who owns a release Captain may not touch.
type NotOwnedError struct {
	Release, Namespace string
	Owner              Owner
}

func (e *NotOwnedError) Error() string {
	if e.Owner.IsZero() {
		return fmt.Sprintf("release %s/%s exists and was not made by Captain (e.g. by the helm CLI); set spec.adopt to take it over", e.Namespace, e.Release)
	}
	return fmt.Sprintf("release %s/%s belongs to HelmRequest %s; set spec.adopt to take it over", e.Namespace, e.Release, e.Owner)
}

func (e *NotOwnedError) Unwrap() error { return ErrNotOwned }
