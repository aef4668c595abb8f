package release

import (
	"testing"

	. "github.com/onsi/gomega"
	helmrelease "helm.sh/helm/v3/pkg/release"
)

func TestNextAction(t *testing.T) {
	me := Owner{Namespace: "apps", Name: "web"}
	other := Owner{Namespace: "apps", Name: "other"}
	rev := func(n int, s helmrelease.Status, o Owner, digest string) Revision {
		return Revision{Number: n, Status: s, Owner: o, Digest: digest}
	}
	cases := []struct {
		name  string
		revs  []Revision
		adopt bool
		want  Action
	}{
		{"no release", nil, false, ActionInstall},
		{"deployed from the same digest", []Revision{rev(1, helmrelease.StatusDeployed, me, "d1")}, false, ActionNone},
		{"deployed from another digest", []Revision{rev(1, helmrelease.StatusDeployed, me, "d0")}, false, ActionUpgrade},
		{"latest failed", []Revision{rev(1, helmrelease.StatusDeployed, me, "d0"), rev(2, helmrelease.StatusFailed, me, "d1")}, false, ActionUpgrade},
		{"pending and nobody working on it", []Revision{rev(1, helmrelease.StatusPendingUpgrade, me, "d1")}, false, ActionUnlock},
		{"pending install", []Revision{rev(1, helmrelease.StatusPendingInstall, me, "d1")}, false, ActionUnlock},
		{"made with the helm CLI", []Revision{rev(1, helmrelease.StatusDeployed, Owner{}, "")}, false, ActionRefuse},
		{"owned by another HelmRequest", []Revision{rev(1, helmrelease.StatusDeployed, other, "d1")}, false, ActionRefuse},
		{"adopting a helm CLI release", []Revision{rev(1, helmrelease.StatusDeployed, Owner{}, "")}, true, ActionAdopt},
		{"adopting another HelmRequest's release", []Revision{rev(1, helmrelease.StatusDeployed, other, "d1")}, true, ActionAdopt},
		{"adopting a failed release", []Revision{rev(1, helmrelease.StatusFailed, Owner{}, "")}, true, ActionUpgrade},
		{"adopting a pending release", []Revision{rev(1, helmrelease.StatusPendingInstall, Owner{}, "")}, true, ActionUnlock},
		{"adopt set on a release already owned", []Revision{rev(1, helmrelease.StatusDeployed, me, "d1")}, true, ActionNone},
		{"uninstalled with kept history", []Revision{rev(1, helmrelease.StatusUninstalled, me, "d1")}, false, ActionInstall},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := &State{Name: "web", Namespace: "apps", Revisions: tc.revs}
			req := &Request{Owner: me, Digest: "d1", Options: Options{Adopt: tc.adopt}}
			NewWithT(t).Expect(NextAction(st, req)).To(Equal(tc.want))
		})
	}
}
