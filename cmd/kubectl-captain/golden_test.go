package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/plugin"
	"captain.io/captain/pkg/release"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// expectGolden compares got with testdata/name, or rewrites the file with
// -update.
func expectGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to write it)", err)
	}
	NewWithT(t).Expect(got).To(Equal(string(want)), "golden file %s; -update rewrites it", path)
}

// now is the fixed clock of the golden tables; fixtures are dated from it.
var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

func agoPtr(d time.Duration) *metav1.Time { t := ago(d); return &t }

func condition(t string, status metav1.ConditionStatus, reason, msg string, since time.Duration) metav1.Condition {
	return metav1.Condition{Type: t, Status: status, Reason: reason, Message: msg, LastTransitionTime: ago(since)}
}

// fixtures are HelmRequests in the states a table must show: synced, failed
// in a named cluster, and just created with a selector.
func fixtures() []v1.HelmRequest {
	return []v1.HelmRequest{
		{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", CreationTimestamp: ago(49 * time.Hour)},
			Spec:       v1.HelmRequestSpec{Chart: "stable/nginx", Version: "~1.4", Namespace: "web"},
			Status: v1.HelmRequestStatus{
				Phase:   v1.PhaseSynced,
				Version: "1.4.2",
				Conditions: []metav1.Condition{
					condition(v1.ReadyCondition, metav1.ConditionTrue, "Succeeded", "release web/web is deployed with chart version 1.4.2", 3*time.Hour),
				},
				Clusters: []v1.ClusterReleaseStatus{{Name: v1.LocalCluster, Phase: v1.PhaseSynced, Revision: 4, Version: "1.4.2", LastAppliedTime: agoPtr(3 * time.Hour)}},
			},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "shop", CreationTimestamp: ago(90 * time.Minute)},
			Spec: v1.HelmRequestSpec{
				Source:      &v1.ChartSource{OCI: &v1.OCIChartSource{Repo: "oci://registry.example/charts/postgres"}},
				Version:     "15.2.0",
				ClusterName: "eu-1",
			},
			Status: v1.HelmRequestStatus{
				Phase: v1.PhaseFailed,
				Conditions: []metav1.Condition{
					condition(v1.ReadyCondition, metav1.ConditionFalse, "RenderFailed", "release shop/db: chart postgres did not render", 80*time.Minute),
				},
				Clusters: []v1.ClusterReleaseStatus{{Name: "eu-1", Phase: v1.PhaseFailed, Message: "chart postgres did not render"}},
			},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "cache", Namespace: "ops", CreationTimestamp: ago(5 * time.Second)},
			Spec: v1.HelmRequestSpec{
				Source:          &v1.ChartSource{HTTP: &v1.HTTPChartSource{URL: "https://charts.example/redis-7.0.1.tgz"}},
				ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}},
			},
		},
	}
}

func TestListGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		all    bool
	}{
		{"list.golden", false},
		{"list-all-namespaces.golden", true},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			var out bytes.Buffer
			printList(&out, fixtures(), tc.all, now)
			expectGolden(t, tc.golden, out.String())
		})
	}
}

// The status of a HelmRequest whose upgrade failed and was rolled back,
// with drift, its objects' health and the chart's notes.
func TestStatusGolden(t *testing.T) {
	hr := &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", CreationTimestamp: ago(49 * time.Hour)},
		Spec: v1.HelmRequestSpec{
			Chart: "stable/nginx", Version: "~1.4", Namespace: "web",
			Values: &apiextensionsv1.JSON{Raw: []byte(`{"replicaCount":3}`)},
		},
		Status: v1.HelmRequestStatus{
			Phase:   v1.PhaseFailed,
			Version: "1.4.2",
			Conditions: []metav1.Condition{
				condition(v1.ChartResolvedCondition, metav1.ConditionTrue, "Succeeded", "chart nginx version 1.4.3 from ChartRepo shop/stable", 10*time.Minute),
				condition(v1.ReleasedCondition, metav1.ConditionFalse, "UpgradeRolledBack", "upgrade to revision 5 failed:\ntimed out waiting for the condition; rolled back to revision 4", 9*time.Minute),
				condition(v1.ReadyCondition, metav1.ConditionFalse, "UpgradeRolledBack", "upgrade to revision 5 failed: timed out waiting for the condition; rolled back to revision 4", 9*time.Minute),
				condition(v1.StalledCondition, metav1.ConditionTrue, "UpgradeRolledBack", "upgrade to revision 5 failed: timed out waiting for the condition; rolled back to revision 4", 9*time.Minute),
			},
			Clusters: []v1.ClusterReleaseStatus{{
				Name: v1.LocalCluster, Phase: v1.PhaseFailed, Revision: 6, Version: "1.4.2",
				Message:         "upgrade to revision 5 failed: timed out waiting for the condition",
				Drift:           &v1.DriftSummary{Objects: 1, Fields: 2},
				LastAppliedTime: agoPtr(9 * time.Minute),
			}},
			Notes: "Visit http://web.example to see the shop.\n\nAdmin: http://web.example/admin\n",
		},
	}
	resources := []resourceHealth{
		{Ref: release.ObjectRef{Kind: "ConfigMap", Namespace: "web", Name: "web"}, Health: plugin.Current},
		{Ref: release.ObjectRef{Group: "apps", Kind: "Deployment", Namespace: "web", Name: "web"}, Health: plugin.InProgress, Message: "2/3 replicas available"},
		{Ref: release.ObjectRef{Kind: "Service", Namespace: "web", Name: "web-admin"}, Health: plugin.Missing, Message: "not found"},
		{Ref: release.ObjectRef{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "web-reader"}, Health: plugin.Current},
	}
	var out bytes.Buffer
	printStatus(&out, hr, resources, now)
	expectGolden(t, "status.golden", out.String())
}

func TestHistoryGolden(t *testing.T) {
	at := func(d time.Duration) time.Time { return now.Add(-d) }
	revisions := []revisionSummary{
		{Revision: 1, Updated: at(49 * time.Hour), Status: "superseded", Chart: "nginx-1.4.0", AppVersion: "1.25.0", Description: "Install by Captain for HelmRequest shop/web"},
		{Revision: 2, Updated: at(30 * time.Hour), Status: "superseded", Chart: "nginx-1.4.2", AppVersion: "1.25.3", Description: "Upgrade by Captain for HelmRequest shop/web"},
		{Revision: 3, Updated: at(10 * time.Minute), Status: "failed", Chart: "nginx-1.4.3", AppVersion: "1.25.4", Description: "Upgrade \"web\" failed: timed out waiting for the condition"},
		{Revision: 4, Updated: at(9 * time.Minute), Status: "deployed", Chart: "nginx-1.4.2", AppVersion: "1.25.3", Description: "Rollback to 2"},
	}
	var out bytes.Buffer
	printHistory(&out, revisions)
	expectGolden(t, "history.golden", out.String())
}

func TestRepoListGolden(t *testing.T) {
	repos := []v1.ChartRepo{
		{
			ObjectMeta: metav1.ObjectMeta{Name: "stable", Namespace: "shop", CreationTimestamp: ago(26 * time.Hour)},
			Spec:       v1.ChartRepoSpec{Type: v1.RepoHTTP, URL: "https://charts.example"},
			Status: v1.ChartRepoStatus{Phase: v1.RepoSynced, ChartCount: 42, Conditions: []metav1.Condition{
				condition(v1.ReadyCondition, metav1.ConditionTrue, "Succeeded", "42 charts", time.Hour),
			}},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "registry", Namespace: "shop", CreationTimestamp: ago(2 * time.Minute)},
			Spec:       v1.ChartRepoSpec{Type: v1.RepoOCI, URL: "oci://registry.example/charts"},
		},
	}
	var out bytes.Buffer
	printRepos(&out, repos, false, now)
	expectGolden(t, "repo-list.golden", out.String())
}
