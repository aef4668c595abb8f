package helmrequest

import (
	"slices"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/pkg/diff"
)

// describeDrift names each drifted object with its paths, within bounds.
func TestDescribeDrift(t *testing.T) {
	ref := func(kind, name string) diff.ObjectRef {
		return diff.ObjectRef{Kind: kind, Namespace: "apps", Name: name}
	}
	fields := func(paths ...string) *diff.Drift {
		d := &diff.Drift{}
		for _, p := range paths {
			d.Fields = append(d.Fields, diff.FieldDrift{Path: p})
		}
		return d
	}
	many := make([]diff.ObjectDiff, 7)
	for i := range many {
		many[i] = diff.ObjectDiff{Ref: ref("ConfigMap", string(rune('a'+i))), Drift: fields("/data/x")}
	}
	cases := []struct {
		name    string
		objects []diff.ObjectDiff
		want    string
	}{
		{"no drift", []diff.ObjectDiff{{Ref: ref("ConfigMap", "web")}}, ""},
		{"fields and a deleted object", []diff.ObjectDiff{
			{Ref: ref("ConfigMap", "web"), Drift: fields("/data/greeting")},
			{Ref: ref("Secret", "web")},
			{Ref: ref("Service", "web"), Drift: &diff.Drift{Missing: true}},
		}, "2 objects drifted (1 field): ConfigMap apps/web (/data/greeting), Service apps/web (deleted)"},
		{"many fields", []diff.ObjectDiff{{Ref: ref("ConfigMap", "web"), Drift: fields("/data/a", "/data/b", "/data/c", "/data/d", "/data/e")}},
			"1 object drifted (5 fields): ConfigMap apps/web (/data/a, /data/b, /data/c and 2 more fields)"},
		{"many objects", many,
			"7 objects drifted (7 fields): ConfigMap apps/a (/data/x), ConfigMap apps/b (/data/x), ConfigMap apps/c (/data/x), ConfigMap apps/d (/data/x), ConfigMap apps/e (/data/x) and 2 more objects"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			NewWithT(t).Expect(describeDrift(&diff.Report{Objects: tc.objects})).To(Equal(tc.want))
		})
	}
}

// The Drifted condition sums up every target cluster's last check, and
// changes only in a reconcile that checked drift somewhere.
func TestSettleDrift(t *testing.T) {
	const found = "1 object drifted (1 field): ConfigMap apps/web (/data/greeting)"
	clean := driftOutcome{}
	drifted := driftOutcome{found: found, summary: v1.DriftSummary{Objects: 1, Fields: 1}}
	failed := driftOutcome{failure: "checking drift: connection refused"}
	previous := &metav1.Condition{Type: v1.DriftedCondition, Status: metav1.ConditionTrue, Reason: "DriftDetected", Message: "earlier"}
	cases := []struct {
		name    string
		mode    v1.DriftMode
		targets []string
		// last are the clusters' last checks; checked those made in this
		// reconcile.
		last    map[string]driftOutcome
		checked []string
		want    *metav1.Condition
	}{
		{name: "one cluster, drifted", mode: v1.DriftWarn, targets: []string{v1.LocalCluster},
			last: map[string]driftOutcome{v1.LocalCluster: drifted}, checked: []string{v1.LocalCluster},
			want: &metav1.Condition{Status: metav1.ConditionTrue, Reason: "DriftDetected", Message: found}},
		{name: "one of two clusters drifted", mode: v1.DriftCorrect, targets: []string{"prod", "staging"},
			last: map[string]driftOutcome{"prod": drifted, "staging": clean}, checked: []string{"staging"},
			want: &metav1.Condition{Status: metav1.ConditionTrue, Reason: "DriftDetected", Message: "cluster prod: " + found}},
		{name: "drift and a failed check", mode: v1.DriftWarn, targets: []string{"prod", "staging"},
			last: map[string]driftOutcome{"prod": drifted, "staging": failed}, checked: []string{"prod", "staging"},
			want: &metav1.Condition{Status: metav1.ConditionTrue, Reason: "DriftDetected",
				Message: "cluster prod: " + found + "; cluster staging: checking drift: connection refused"}},
		{name: "clean everywhere", mode: v1.DriftWarn, targets: []string{"prod", "staging"},
			last: map[string]driftOutcome{"prod": clean, "staging": clean}, checked: []string{"prod"},
			want: &metav1.Condition{Status: metav1.ConditionFalse, Reason: "NoDrift", Message: "the live objects are as the release applied them"}},
		{name: "clean but not checked everywhere", mode: v1.DriftWarn, targets: []string{"prod", "staging"},
			last: map[string]driftOutcome{"prod": clean, "staging": failed}, checked: []string{"prod"},
			want: &metav1.Condition{Status: metav1.ConditionUnknown, Reason: "DriftCheckFailed", Message: "cluster staging: checking drift: connection refused"}},
		{name: "no check in this reconcile", mode: v1.DriftWarn, targets: []string{v1.LocalCluster},
			last: map[string]driftOutcome{v1.LocalCluster: clean},
			want: previous},
		{name: "disabled", mode: v1.DriftDisabled, targets: []string{v1.LocalCluster},
			last: map[string]driftOutcome{v1.LocalCluster: drifted}, checked: []string{v1.LocalCluster}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			hr := &v1.HelmRequest{ObjectMeta: metav1.ObjectMeta{UID: "uid"}}
			hr.Spec.DriftDetection = &v1.DriftDetectionSpec{Mode: tc.mode}
			hr.Status.Conditions = []metav1.Condition{*previous}
			s := newScope(hr)
			r := &Reconciler{}
			for _, name := range tc.targets {
				tg := &target{name: name, status: s.clusterStatus(name)}
				tg.status.Drift = &v1.DriftSummary{Objects: 1}
				tg.driftChecked = slices.Contains(tc.checked, name)
				s.targets = append(s.targets, tg)
				r.drift.put(driftKey{hr: hr.UID, cluster: name}, tc.last[name])
			}
			r.settleDrift(s)
			got := apimeta.FindStatusCondition(hr.Status.Conditions, v1.DriftedCondition)
			if tc.want == nil {
				g.Expect(got).To(BeNil())
				g.Expect(hr.Status.Clusters).To(HaveEach(HaveField("Drift", BeNil())))
				_, remembered := r.drift.get(driftKey{hr: hr.UID, cluster: v1.LocalCluster})
				g.Expect(remembered).To(BeFalse())
				return
			}
			g.Expect(got).NotTo(BeNil())
			g.Expect(*got).To(And(HaveField("Status", tc.want.Status), HaveField("Reason", tc.want.Reason), HaveField("Message", tc.want.Message)))
		})
	}
}

// Long drift messages are cut on a character boundary.
func TestBoundMessage(t *testing.T) {
	g := NewWithT(t)
	long := strings.Repeat("é", maxDriftMessageLen)
	cut := boundMessage(long)
	g.Expect(len(cut)).To(BeNumerically("<=", maxDriftMessageLen))
	g.Expect(cut).To(HaveSuffix("é…"))
	g.Expect(boundMessage("short")).To(Equal("short"))
}
