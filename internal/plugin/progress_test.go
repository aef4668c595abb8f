package plugin

import (
	"errors"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "captain.io/captain/api/v1alpha1"
)

func TestObserve(t *testing.T) {
	cond := func(t string, s metav1.ConditionStatus, gen int64, reason, msg string) metav1.Condition {
		return metav1.Condition{Type: t, Status: s, ObservedGeneration: gen, Reason: reason, Message: msg}
	}
	hr := func(phase v1.HelmRequestPhase, observed int64, conds ...metav1.Condition) *v1.HelmRequest {
		return &v1.HelmRequest{Status: v1.HelmRequestStatus{Phase: phase, ObservedGeneration: observed, Conditions: conds}}
	}
	for _, tc := range []struct {
		name string
		hr   *v1.HelmRequest
		want Progress
	}{
		{
			name: "not looked at yet",
			hr:   hr("", 0),
			want: Progress{Line: "Pending: waiting for Captain to handle generation 2"},
		},
		{
			name: "ready for an older generation says nothing about this one",
			hr:   hr(v1.PhaseSynced, 1, cond(v1.ReadyCondition, metav1.ConditionTrue, 1, "Succeeded", "deployed")),
			want: Progress{Line: "Pending: waiting for Captain to handle generation 2"},
		},
		{
			name: "ready",
			hr:   hr(v1.PhaseSynced, 2, cond(v1.ReadyCondition, metav1.ConditionTrue, 2, "Succeeded", "release a/b is deployed")),
			want: Progress{Done: true, Line: "Synced: release a/b is deployed"},
		},
		{
			name: "retrying",
			hr: hr(v1.PhaseFailed, 1,
				cond(v1.ReadyCondition, metav1.ConditionFalse, 2, "NamespaceMissing", "create it"),
				cond(v1.ReconcilingCondition, metav1.ConditionTrue, 2, "NamespaceMissing", "create it")),
			want: Progress{Line: "Failed: NamespaceMissing: create it"},
		},
		{
			name: "not ready, for a reason",
			hr:   hr(v1.PhaseFailed, 1, cond(v1.ReadyCondition, metav1.ConditionFalse, 2, "DependenciesNotReady", "waiting for db")),
			want: Progress{Line: "Failed: DependenciesNotReady: waiting for db"},
		},
		{
			name: "stalled",
			hr: hr(v1.PhaseFailed, 2,
				cond(v1.ReadyCondition, metav1.ConditionFalse, 2, "RenderFailed", "bad template"),
				cond(v1.StalledCondition, metav1.ConditionTrue, 2, "RenderFailed", "bad template")),
			want: Progress{Stalled: errors.New("RenderFailed: bad template"), Line: "Failed: RenderFailed: bad template"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			got := Observe(tc.hr, 2)
			g.Expect(got.Done).To(Equal(tc.want.Done))
			g.Expect(got.Line).To(Equal(tc.want.Line))
			if tc.want.Stalled == nil {
				g.Expect(got.Stalled).NotTo(HaveOccurred())
			} else {
				g.Expect(got.Stalled).To(MatchError(tc.want.Stalled.Error()))
			}
		})
	}
}

func TestObserveRepo(t *testing.T) {
	g := NewWithT(t)
	repo := &v1.ChartRepo{Status: v1.ChartRepoStatus{Phase: v1.RepoSynced, ObservedGeneration: 1, Conditions: []metav1.Condition{
		{Type: v1.ReadyCondition, Status: metav1.ConditionTrue, ObservedGeneration: 1, Message: "3 charts"},
	}}}
	g.Expect(ObserveRepo(repo, 1)).To(Equal(Progress{Done: true, Line: "Synced: 3 charts"}))
	g.Expect(ObserveRepo(&v1.ChartRepo{}, 1)).To(Equal(Progress{Line: "Pending: waiting for Captain to handle generation 1"}))
}
