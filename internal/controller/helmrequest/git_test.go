package helmrequest_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	helmrelease "helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv/gitserver"
	"captain.io/captain/internal/testenv/testcharts"
)

// gitEnv is a Git repository of charts served over one protocol, a
// ChartRepo "git" of it and a HelmRequest "app" of git/versioned, in a
// namespace of their own.
type gitEnv struct {
	ns   string
	root *gitserver.Root
	repo *gitserver.Repo
	cr   *v1.ChartRepo
	hr   *v1.HelmRequest
	ssh  *gitserver.SSHServer
	// secret is the ChartRepo's credentials, nil for none.
	secret *corev1.Secret
}

const gitPassword = "git-s3cret"

// newGitEnv serves charts/versioned 1.2.3 over protocol (http with basic
// auth, git, ssh or file), and waits for the HelmRequest to be Ready.
func newGitEnv(t *testing.T, protocol string) *gitEnv {
	t.Helper()
	g := NewWithT(t)
	e := &gitEnv{ns: controlPlane.NewNamespace(t), root: gitserver.NewRoot(t)}
	e.repo = e.root.NewRepo(t, "charts")
	e.repo.CopyChart(t, testcharts.Path(t, "versioned-1.2.3"), "charts/versioned")
	e.repo.Commit(t, "versioned 1.2.3")
	url := e.repo.FileURL()
	switch protocol {
	case "http":
		url = gitserver.ServeHTTP(t, e.root, gitserver.WithBasicAuth("captain", gitPassword)).URL("charts")
		e.secret = e.newSecret(map[string][]byte{"username": []byte("captain"), "password": []byte(gitPassword)})
	case "git":
		url = gitserver.ServeDaemon(t, e.root).URL("charts")
	case "ssh":
		key, pub := gitserver.NewKey(t)
		e.ssh = gitserver.ServeSSH(t, e.root, pub)
		url = e.ssh.URL("charts")
		e.secret = e.newSecret(map[string][]byte{"identity": key, "known_hosts": e.ssh.KnownHosts()})
	}
	e.cr = &v1.ChartRepo{
		ObjectMeta: metav1.ObjectMeta{Name: "git", Namespace: e.ns},
		Spec:       v1.ChartRepoSpec{Type: v1.RepoGit, URL: url, Interval: &metav1.Duration{Duration: time.Second}},
	}
	ctx := context.Background()
	if e.secret != nil {
		g.Expect(controlPlane.Client.Create(ctx, e.secret)).To(Succeed())
		e.cr.Spec.SecretRef = &v1.LocalObjectReference{Name: e.secret.Name}
	}
	g.Expect(controlPlane.Client.Create(ctx, e.cr)).To(Succeed())
	// Deleted before the server stops: a ChartRepo left behind would go on
	// syncing (envtest never deletes namespaces).
	t.Cleanup(func() { _ = controlPlane.Client.Delete(ctx, e.cr) })
	e.hr = &v1.HelmRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: e.ns},
		Spec:       v1.HelmRequestSpec{Chart: "git/versioned"},
	}
	create(t, e.hr)
	eventuallyReady(t, e.hr)
	return e
}

func (e *gitEnv) newSecret(data map[string][]byte) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "git-auth", Namespace: e.ns}, Data: data}
}

// eventually waits for the release to be at revision, of version, from
// commit.
func (e *gitEnv) eventually(t *testing.T, revision int, version, commit string) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		got := get(g, e.hr)
		g.Expect(got.Status.Version).To(Equal(version))
		g.Expect(condition(got, v1.ReadyCondition).Status).To(Equal(metav1.ConditionTrue))
		g.Expect(condition(got, v1.ChartResolvedCondition).Message).To(ContainSubstring("at commit " + commit))
		st := releaseState(g, e.ns, "app")
		g.Expect(st.Latest().Number).To(Equal(revision))
		g.Expect(st.Latest().Status).To(Equal(helmrelease.StatusDeployed))
	}, timeout, interval).Should(Succeed())
}

func (e *gitEnv) configMap(g Gomega) map[string]string {
	var cm corev1.ConfigMap
	g.Expect(controlPlane.Client.Get(context.Background(), client.ObjectKey{Namespace: e.ns, Name: "app"}, &cm)).To(Succeed())
	return cm.Data
}

// A HelmRequest of a Git ChartRepo's chart installs it, and upgrades by
// itself on a commit that bumps the chart's version, and on one that only
// changes a template under the same version.
func TestGitChartRepoUpgrades(t *testing.T) {
	for _, protocol := range []string{"http", "git", "file"} {
		t.Run(protocol, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			e := newGitEnv(t, protocol)
			e.eventually(t, 1, "1.2.3", e.repo.Git(t, "rev-parse", "HEAD"))
			g.Eventually(func(g Gomega) []v1.ChartVersion {
				var ch v1.Chart
				g.Expect(controlPlane.Client.Get(context.Background(), client.ObjectKey{Namespace: e.ns, Name: "versioned.git"}, &ch)).To(Succeed())
				return ch.Spec.Versions
			}, timeout, interval).Should(ConsistOf(HaveField("Version", "1.2.3")))

			e.repo.CopyChart(t, testcharts.Path(t, "versioned-1.2.4"), "charts/versioned")
			bump := e.repo.Commit(t, "versioned 1.2.4")
			e.eventually(t, 2, "1.2.4", bump)
			g.Expect(e.configMap(g)).To(HaveKeyWithValue("chartVersion", "1.2.4"))

			e.repo.WriteFile(t, "charts/versioned/templates/configmap.yaml",
				"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  chartVersion: {{ .Chart.Version | quote }}\n  note: same version, new template\n")
			tweak := e.repo.Commit(t, "a template only")
			e.eventually(t, 3, "1.2.4", tweak)
			g.Expect(e.configMap(g)).To(HaveKeyWithValue("note", "same version, new template"))
		})
	}
}

// A Git ChartRepo fault — the remote, the credentials, the host key, the
// ref, the path, a chart of a new commit — shows on the ChartRepo with a
// reason and the field at fault, and a Warning event; the Chart objects and
// the running release stay as they were, and fixing it heals the ChartRepo.
func TestGitRepoFaultsKeepTheRelease(t *testing.T) {
	cases := []struct {
		name, protocol, reason, message string
		breakIt, fix                    func(t *testing.T, g Gomega, e *gitEnv)
	}{
		{name: "unreachable remote", protocol: "http", reason: "RemoteUnavailable", message: "spec.url: http://127.0.0.1:1/charts is unreachable",
			breakIt: func(_ *testing.T, g Gomega, e *gitEnv) {
				e.setSpec(g, func(s *v1.ChartRepoSpec) { s.URL = "http://127.0.0.1:1/charts" })
			},
			fix: func(_ *testing.T, g Gomega, e *gitEnv) {
				e.setSpec(g, func(s *v1.ChartRepoSpec) { s.URL = e.cr.Spec.URL })
			}},
		{name: "bad credentials", protocol: "http", reason: "AuthenticationFailed", message: "spec.secretRef: ",
			breakIt: func(_ *testing.T, g Gomega, e *gitEnv) { e.setSecret(g, "password", []byte("wrong")) },
			fix:     func(_ *testing.T, g Gomega, e *gitEnv) { e.setSecret(g, "password", []byte(gitPassword)) }},
		{name: "unknown host key", protocol: "ssh", reason: "UnknownHostKey", message: "spec.secretRef: the host key of",
			breakIt: func(t *testing.T, g Gomega, e *gitEnv) {
				_, other := gitserver.NewKey(t)
				e.setSecret(g, "known_hosts", gitserver.KnownHostsLine("127.0.0.1:22", other))
			},
			fix: func(_ *testing.T, g Gomega, e *gitEnv) { e.setSecret(g, "known_hosts", e.ssh.KnownHosts()) }},
		{name: "missing ref", protocol: "git", reason: "RefNotFound", message: `spec.git.ref.branch: the remote has no branch "nope"`,
			breakIt: func(_ *testing.T, g Gomega, e *gitEnv) {
				e.setSpec(g, func(s *v1.ChartRepoSpec) { s.Git = &v1.GitSpec{Ref: &v1.GitRef{Branch: "nope"}} })
			},
			fix: func(_ *testing.T, g Gomega, e *gitEnv) { e.setSpec(g, func(s *v1.ChartRepoSpec) { s.Git = nil }) }},
		{name: "path with no charts", protocol: "file", reason: "NoCharts", message: "spec.git.path: folder docs of commit",
			breakIt: func(t *testing.T, g Gomega, e *gitEnv) {
				e.repo.WriteFile(t, "docs/README.md", "no chart here\n")
				e.repo.Commit(t, "docs")
				e.setSpec(g, func(s *v1.ChartRepoSpec) { s.Git = &v1.GitSpec{Path: "docs"} })
			},
			fix: func(_ *testing.T, g Gomega, e *gitEnv) { e.setSpec(g, func(s *v1.ChartRepoSpec) { s.Git = nil }) }},
		{name: "invalid Chart.yaml", protocol: "git", reason: "InvalidChart", message: "spec.git.path: chart folder charts/versioned: not a valid chart",
			breakIt: func(t *testing.T, _ Gomega, e *gitEnv) {
				e.repo.WriteFile(t, "charts/versioned/Chart.yaml", "apiVersion: v2\nname: versioned\nversion: [1.2.4\n")
				e.repo.Commit(t, "broken Chart.yaml")
			},
			fix: func(t *testing.T, _ Gomega, e *gitEnv) { e.repo.Git(t, "revert", "--no-edit", "HEAD") }},
		{name: "failing dependency", protocol: "http", reason: "DependencyNotVendored", message: "spec.git.path: chart folder charts/versioned: dependency missing not vendored in charts/",
			breakIt: func(t *testing.T, _ Gomega, e *gitEnv) {
				e.repo.WriteFile(t, "charts/versioned/Chart.yaml",
					"apiVersion: v2\nname: versioned\nversion: 1.2.4\ndependencies:\n  - name: missing\n    version: 1.0.0\n    repository: https://charts.example\n")
				e.repo.Commit(t, "a dependency not vendored")
			},
			fix: func(t *testing.T, _ Gomega, e *gitEnv) { e.repo.Git(t, "revert", "--no-edit", "HEAD") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			e := newGitEnv(t, tc.protocol)
			tc.breakIt(t, g, e)
			g.Eventually(func(g Gomega) {
				ready := apimeta.FindStatusCondition(e.getRepo(g).Status.Conditions, v1.ReadyCondition)
				g.Expect(ready).NotTo(BeNil())
				g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
				g.Expect(ready.Reason).To(Equal(tc.reason))
				g.Expect(ready.Message).To(ContainSubstring(tc.message))
				g.Expect(ready.Message).NotTo(ContainSubstring(gitPassword))
				g.Expect(warnings(g, e.ns, "git")).To(ContainElement(HaveField("Reason", tc.reason)))
			}, timeout, interval).Should(Succeed())
			g.Consistently(func(g Gomega) {
				var ch v1.Chart
				g.Expect(controlPlane.Client.Get(context.Background(), client.ObjectKey{Namespace: e.ns, Name: "versioned.git"}, &ch)).To(Succeed())
				g.Expect(ch.Spec.Versions).To(ConsistOf(HaveField("Version", "1.2.3")), "the last good Chart stays")
				g.Expect(condition(get(g, e.hr), v1.ReadyCondition).Status).To(Equal(metav1.ConditionTrue))
				st := releaseState(g, e.ns, "app")
				g.Expect(st.Latest().Number).To(Equal(1), "the running release stays")
				g.Expect(st.Latest().Status).To(Equal(helmrelease.StatusDeployed))
			}, "2s", "200ms").Should(Succeed())

			tc.fix(t, g, e)
			g.Eventually(func(g Gomega) {
				g.Expect(apimeta.IsStatusConditionTrue(e.getRepo(g).Status.Conditions, v1.ReadyCondition)).To(BeTrue())
			}, timeout, interval).Should(Succeed())
		})
	}
}

func (e *gitEnv) getRepo(g Gomega) *v1.ChartRepo {
	var cr v1.ChartRepo
	g.Expect(controlPlane.Client.Get(context.Background(), client.ObjectKeyFromObject(e.cr), &cr)).To(Succeed())
	return &cr
}

func (e *gitEnv) setSpec(g Gomega, change func(*v1.ChartRepoSpec)) {
	g.Eventually(func() error {
		cr := e.getRepo(g)
		change(&cr.Spec)
		return controlPlane.Client.Update(context.Background(), cr)
	}, timeout, interval).Should(Succeed())
}

func (e *gitEnv) setSecret(g Gomega, key string, value []byte) {
	var s corev1.Secret
	g.Expect(controlPlane.Client.Get(context.Background(), client.ObjectKeyFromObject(e.secret), &s)).To(Succeed())
	s.Data[key] = value
	g.Expect(controlPlane.Client.Update(context.Background(), &s)).To(Succeed())
}
