package chartrepo_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/manager/managertest"
	"captain.io/captain/internal/testenv/gitserver"
	"captain.io/captain/internal/testenv/testcharts"
)

func newGitRepo(ns, url string) *v1.ChartRepo {
	repo := newRepo(ns, url)
	repo.Spec.Type = v1.RepoGit
	return repo
}

// createRepo creates cr, and deletes it when the test ends, before its Git
// server stops: namespaces are never deleted by envtest, and a ChartRepo
// left behind would go on syncing and failing.
func createRepo(t *testing.T, cr *v1.ChartRepo) {
	t.Helper()
	ctx := context.Background()
	NewWithT(t).Expect(controlPlane.Client.Create(ctx, cr)).To(Succeed())
	t.Cleanup(func() { _ = controlPlane.Client.Delete(ctx, cr) })
}

// A Git ChartRepo mirrors the charts of its branch's commit over every
// protocol: Chart objects, the commit and its message in the status; an
// unchanged commit writes nothing; a new commit is followed.
func TestGitRepoMirrorsCommits(t *testing.T) {
	root := gitserver.NewRoot(t)
	repo := root.NewRepo(t, "charts")
	repo.CopyChart(t, testcharts.Path(t, "versioned-1.2.3"), "charts/versioned")
	repo.CopyChart(t, testcharts.Path(t, "plain"), "plain")
	head := repo.Commit(t, "two charts\n\nThe body is not shown.")
	httpSrv := gitserver.ServeHTTP(t, root, gitserver.WithBasicAuth("captain", "s3cret"))
	daemon := gitserver.ServeDaemon(t, root)
	key, pub := gitserver.NewKey(t)
	sshSrv := gitserver.ServeSSH(t, root, pub)
	cases := []struct {
		name   string
		url    string
		secret map[string][]byte
	}{
		{"http", httpSrv.URL("charts"), map[string][]byte{"username": []byte("captain"), "password": []byte("s3cret")}},
		{"git", daemon.URL("charts"), nil},
		{"ssh", sshSrv.URL("charts"), map[string][]byte{"identity": key, "known_hosts": sshSrv.KnownHosts()}},
		{"file", repo.FileURL(), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := context.Background()
			ns := controlPlane.NewNamespace(t)
			cr := newGitRepo(ns, tc.url)
			if tc.secret != nil {
				secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "git-auth", Namespace: ns}, Data: tc.secret}
				g.Expect(controlPlane.Client.Create(ctx, secret)).To(Succeed())
				cr.Spec.SecretRef = &v1.LocalObjectReference{Name: "git-auth"}
			}
			createRepo(t, cr)
			got := eventuallySynced(t, cr)
			g.Expect(got.Status.Commit).To(Equal(head))
			g.Expect(got.Status.CommitMessage).To(Equal("two charts"))
			g.Expect(got.Status.ChartCount).To(Equal(2))
			g.Expect(got.Status.ChartErrors).To(BeEmpty())
			g.Expect(got.Status.IndexDigest).To(HavePrefix("sha256:"))
			all := charts(g, ns)
			g.Expect(all).To(HaveKey("plain.charts"))
			g.Expect(versions(all["versioned.charts"])).To(Equal([]string{"1.2.3"}))
			g.Expect(all["versioned.charts"].Spec.Versions[0].Digest).NotTo(BeEmpty())
		})
	}
}

// Syncs of an unchanged commit write nothing; a new commit moves the
// status and the Chart objects.
func TestGitRepoFollowsCommits(t *testing.T) {
	g := NewWithT(t)
	root := gitserver.NewRoot(t)
	repo := root.NewRepo(t, "charts")
	repo.CopyChart(t, testcharts.Path(t, "versioned-1.2.3"), "charts/versioned")
	repo.Commit(t, "1.2.3")
	daemon := gitserver.ServeDaemon(t, root)
	ns := controlPlane.NewNamespace(t)
	cr := newGitRepo(ns, daemon.URL("charts"))
	createRepo(t, cr)
	eventuallySynced(t, cr)

	writes, before := running.WritesIn(ns), managertest.Reconciles("chartrepo")
	g.Eventually(func() float64 { return managertest.Reconciles("chartrepo") }, timeout, interval).Should(BeNumerically(">=", before+2))
	g.Expect(running.WritesIn(ns)-writes).To(BeZero(), "writes to namespace %s", ns)

	repo.CopyChart(t, testcharts.Path(t, "versioned-1.3.0"), "charts/versioned")
	head := repo.Commit(t, "1.3.0")
	g.Eventually(func(g Gomega) {
		got := getRepo(g, cr)
		g.Expect(got.Status.Commit).To(Equal(head))
		g.Expect(got.Status.CommitMessage).To(Equal("1.3.0"))
		g.Expect(versions(charts(g, ns)["versioned.charts"])).To(Equal([]string{"1.3.0"}))
	}, timeout, interval).Should(Succeed())
}

// The API refuses a URL that no Git transport takes.
func TestGitRepoURLIsValidated(t *testing.T) {
	g := NewWithT(t)
	cr := newGitRepo(controlPlane.NewNamespace(t), "oci://registry.example/charts")
	cr.Spec.Interval = &metav1.Duration{Duration: time.Minute}
	err := controlPlane.Client.Create(context.Background(), cr)
	g.Expect(err).To(MatchError(ContainSubstring("spec.url must be an https://, http://, ssh://, git:// or file:// URL, or user@host:path, when spec.type is git")))
	cr.Spec.URL = "git@git.example:org/charts.git"
	cr.Spec.Suspend = true
	createRepo(t, cr)
}

// A commit with a chart folder that does not load lists it in
// status.chartErrors and fails Ready with its reason, while the other
// charts are served; the next good commit clears it.
func TestGitRepoChartErrors(t *testing.T) {
	g := NewWithT(t)
	root := gitserver.NewRoot(t)
	repo := root.NewRepo(t, "charts")
	repo.CopyChart(t, testcharts.Path(t, "plain"), "charts/plain")
	repo.Commit(t, "plain")
	ns := controlPlane.NewNamespace(t)
	cr := newGitRepo(ns, repo.FileURL())
	createRepo(t, cr)
	eventuallySynced(t, cr)

	repo.CopyChart(t, testcharts.Path(t, "versioned-1.2.3"), "charts/versioned")
	repo.WriteFile(t, "charts/broken/Chart.yaml", "apiVersion: v2\nname: broken\n")
	bad := repo.Commit(t, "a good chart and a broken one")
	g.Eventually(func(g Gomega) {
		got := getRepo(g, cr)
		g.Expect(got.Status.Commit).To(Equal(bad))
		g.Expect(got.Status.ChartCount).To(Equal(2))
		g.Expect(got.Status.ChartErrors).To(ConsistOf(v1.ChartError{
			Chart: "charts/broken", Message: "not a valid chart: validation: chart.metadata.version is required"}))
		g.Expect(got.Status.Phase).To(Equal(v1.RepoFailed))
		for _, c := range []string{v1.ReadyCondition, v1.StalledCondition} {
			cond := apimeta.FindStatusCondition(got.Status.Conditions, c)
			g.Expect(cond).NotTo(BeNil())
			g.Expect(cond.Reason).To(Equal("InvalidChart"))
			g.Expect(cond.Message).To(ContainSubstring("spec.git.path: chart folder charts/broken: not a valid chart"))
		}
		g.Expect(charts(g, ns)).To(HaveKey("versioned.charts"))
	}, timeout, interval).Should(Succeed())

	repo.Remove(t, "charts/broken")
	repo.Commit(t, "fixed")
	got := eventuallySynced(t, cr)
	g.Expect(got.Status.ChartErrors).To(BeEmpty())
	g.Expect(apimeta.FindStatusCondition(got.Status.Conditions, v1.StalledCondition)).To(BeNil())
}
