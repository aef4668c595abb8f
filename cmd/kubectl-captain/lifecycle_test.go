package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv/httprepo"
)

// A chart from an http(s) URL goes through its whole life with the plugin
// alone: install, status, upgrade, history, values, rollback, list,
// uninstall. Each step is checked in what the plugin prints and in what it
// wrote.
func TestLifecycleFromURL(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	c := startCluster(t)
	repo := httprepo.New(t)
	ns := c.cp.NewNamespace(t)
	url := func(chart string) string { return repo.URL() + "/" + chart + ".tgz" }
	run := func(args ...string) string { return ok(g, c.plugin(t, "", append(args, "-n", ns)...)) }

	out := run("install", "app", url("versioned-1.2.3"), "--set", "greeting=hello", "--wait", "--timeout", waitTimeout)
	g.Expect(out).To(ContainSubstring("HelmRequest " + ns + "/app created: Captain installs " + url("versioned-1.2.3") + " as release " + ns + "/app\n"))
	g.Expect(out).To(ContainSubstring("Synced: release " + ns + "/app is deployed with chart version 1.2.3\n"))

	out = run("status", "app")
	g.Expect(out).To(MatchRegexp(`(?m)^Phase:\s+Synced$`))
	g.Expect(out).To(MatchRegexp(`(?m)^Ready:\s+True$`))
	g.Expect(out).To(MatchRegexp(`(?m)^Ready\s+True\s+Succeeded\s+\S+\s+release ` + ns + `/app is deployed with chart version 1.2.3$`))
	g.Expect(out).To(MatchRegexp(`(?m)^local\s+Synced\s+1\s+1\.2\.3\s+-\s+\S+\s+-$`))
	g.Expect(out).To(MatchRegexp(`(?m)^ConfigMap\s+` + ns + `/app\s+Current\s+-$`))

	out = run("upgrade", "app", url("versioned-1.2.4"), "--set", "extra=1", "--wait", "--timeout", waitTimeout)
	g.Expect(out).To(ContainSubstring("HelmRequest " + ns + "/app changed: Captain upgrades release " + ns + "/app to " + url("versioned-1.2.4")))
	g.Expect(out).To(ContainSubstring("Synced: release " + ns + "/app is deployed with chart version 1.2.4\n"))
	g.Expect(specValues(g, c.helmRequest(g, ns, "app"))).To(Equal(map[string]any{"greeting": "hello", "extra": 1.0}), "--reuse-values is the default")

	out = run("diff", "app", url("versioned-1.2.3"))
	g.Expect(out).To(ContainSubstring("ConfigMap " + ns + "/app: update\n"))
	g.Expect(out).To(ContainSubstring("-  chartVersion: 1.2.4\n+  chartVersion: 1.2.3\n"))
	g.Expect(out).To(HaveSuffix("0 to create, 1 to update, 0 to delete, 0 unchanged; drift in 0 objects (0 fields)\n"))
	editConfigMap(g, c, ns, "app", "chartVersion", "edited by hand")
	out = run("diff", "app", "--detect-drift")
	g.Expect(out).To(MatchRegexp(`chartVersion: applied "1\.2\.4", live "edited by hand"`))
	g.Expect(out).To(HaveSuffix("drift in 1 objects (1 fields)\n"))

	out = run("upgrade", "app", "--set", "extra=2", "--dry-run")
	manifest := yamlMap(g, out)
	g.Expect(manifest).To(HaveKeyWithValue("metadata", map[string]any{"name": "app", "namespace": ns}), "a manifest for Git, without what the server wrote")
	g.Expect(manifest).NotTo(HaveKey("status"))
	g.Expect(manifest["spec"]).To(HaveKeyWithValue("values", map[string]any{"greeting": "hello", "extra": 2.0}))
	g.Expect(specValues(g, c.helmRequest(g, ns, "app"))).To(HaveKeyWithValue("extra", 1.0), "a dry run writes nothing")

	out = run("history", "app")
	g.Expect(out).To(MatchRegexp(`(?m)^1\s+\S+\s+superseded\s+versioned-1\.2\.3\s+1\.2\.3\s+Install by Captain for HelmRequest ` + ns + `/app$`))
	g.Expect(out).To(MatchRegexp(`(?m)^2\s+\S+\s+deployed\s+versioned-1\.2\.4\s+1\.2\.4\s+Upgrade by Captain for HelmRequest ` + ns + `/app$`))

	out = run("values", "app")
	g.Expect(yamlMap(g, out)).To(Equal(map[string]any{"greeting": "hello", "extra": 1.0}))

	out = run("rollback", "app", "--wait", "--timeout", waitTimeout)
	g.Expect(out).To(ContainSubstring("HelmRequest " + ns + "/app: chart version and values of revision 1 written back (versioned 1.2.3)"))
	g.Expect(out).To(ContainSubstring("Synced: release " + ns + "/app is deployed with chart version 1.2.3\n"))
	hr := c.helmRequest(g, ns, "app")
	g.Expect(hr.Spec.Source.HTTP.URL).To(Equal(url("versioned-1.2.3")))
	g.Expect(specValues(g, hr)).To(Equal(map[string]any{"greeting": "hello"}))
	out = run("history", "app")
	g.Expect(out).To(MatchRegexp(`(?m)^2\s+\S+\s+superseded\s+versioned-1\.2\.4\s`))
	g.Expect(out).To(MatchRegexp(`(?m)^3\s+\S+\s+deployed\s+versioned-1\.2\.3\s+1\.2\.3\s+Upgrade by Captain for HelmRequest ` + ns + `/app$`))

	out = run("list")
	g.Expect(out).To(MatchRegexp(`(?m)^NAME\s+CHART\s+VERSION\s+CLUSTERS\s+PHASE\s+READY\s+AGE$`))
	g.Expect(out).To(MatchRegexp(`(?m)^app\s+` + regexp.QuoteMeta(url("versioned-1.2.3")) + `\s+1\.2\.3\s+local\s+Synced\s+True\s+\S+$`))
	// The word being completed comes last.
	completion := ok(g, runPlugin(t, "", "__complete", "status", "-n", ns, "--kubeconfig="+c.kubeconfig, ""))
	g.Expect(completion).To(HavePrefix("app\n"), "shell completion offers HelmRequest names")

	out = run("uninstall", "app", "--wait", "--timeout", waitTimeout)
	g.Expect(out).To(ContainSubstring("HelmRequest " + ns + "/app deleted: Captain uninstalls release " + ns + "/app\n"))
	err := c.cp.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "app"}, &corev1.ConfigMap{})
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "the release's ConfigMap is gone: %v", err)
	err = c.cp.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "app"}, &v1.HelmRequest{})
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "the HelmRequest is gone: %v", err)
}

// A HelmRequest Captain cannot make (a chart that never renders) ends
// --wait at once with exit code 1 and Captain's reason.
func TestWaitReportsStalledHelmRequest(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	c := startCluster(t)
	repo := httprepo.New(t)
	ns := c.cp.NewNamespace(t)

	r := c.plugin(t, "", "install", "broken", repo.URL()+"/failing-0.1.0.tgz", "-n", ns, "--wait", "--timeout", waitTimeout)
	g.Expect(r.code).To(Equal(exitFailure), r.String())
	g.Expect(r.out).To(MatchRegexp(`(?m)^Failed: RenderFailed: .*this chart always fails to render`))
	g.Expect(r.err).To(MatchRegexp(`^error: HelmRequest ` + ns + `/broken: RenderFailed: .*this chart always fails to render.* \(fix its spec and Captain tries again\)\n$`))
}

// install --dry-run -o yaml prints a manifest, writes nothing, and the API
// server accepts the manifest as it is: the GitOps path.
func TestDryRunPrintsAnAcceptedManifest(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	c := startCluster(t)
	ns := c.cp.NewNamespace(t)
	ctx := context.Background()

	out := ok(g, c.plugin(t, "", "install", "web", "stable/plain", "--version", "~0.1", "-n", ns,
		"--set", "replicaCount=2", "--release-namespace", "apps", "--create-namespace", "--cluster-selector", "env=prod", "--dry-run", "-o", "yaml"))
	hr := &v1.HelmRequest{}
	g.Expect(yaml.UnmarshalStrict([]byte(out), hr)).To(Succeed(), out)
	g.Expect(hr.Spec.Chart).To(Equal("stable/plain"))
	g.Expect(hr.Spec.Version).To(Equal("~0.1"))
	g.Expect(hr.Spec.Namespace).To(Equal("apps"))
	g.Expect(hr.Spec.ClusterSelector.MatchLabels).To(Equal(map[string]string{"env": "prod"}))
	g.Expect(specValues(g, hr)).To(Equal(map[string]any{"replicaCount": 2.0}))
	g.Expect(c.cp.Client.Create(ctx, hr, client.DryRunAll)).To(Succeed())
	err := c.cp.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, &v1.HelmRequest{})
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "a dry run writes nothing: %v", err)
}

// Errors are one line naming the object and what to do, exit code 1;
// command lines the plugin cannot act on exit with 2.
func TestErrorsAndExitCodes(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	ns := c.cp.NewNamespace(t)
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"status", "nosuch"}, exitFailure, "error: HelmRequest " + ns + "/nosuch not found (kubectl captain list -n " + ns + " shows those there are)\n"},
		{[]string{"rollback", "nosuch"}, exitFailure, "error: HelmRequest " + ns + "/nosuch not found (kubectl captain list -n " + ns + " shows those there are)\n"},
		{[]string{"repo", "update", "nosuch"}, exitFailure, "error: ChartRepo " + ns + "/nosuch not found (kubectl captain repo list -n " + ns + " shows those there are)\n"},
		{[]string{"install", "web"}, exitUsage, "error: accepts 2 arg(s), received 1\nRun 'kubectl captain install --help' for usage.\n"},
		{[]string{"install", "web", "nginx"}, exitUsage, "error: CHART \"nginx\" is not repo/name (a ChartRepo and a chart in it), an http(s)://…/chart.tgz URL or an oci:// reference\nRun 'kubectl captain install --help' for usage.\n"},
		{[]string{"install", "web", "https://charts.example/web-1.0.0.tgz", "--version", "1.0.0"}, exitUsage, "error: --version cannot be used with an http(s) chart URL: the URL names the version\nRun 'kubectl captain install --help' for usage.\n"},
		{[]string{"upgrade", "web", "--reuse-values", "--reset-values"}, exitUsage, "error: --reuse-values and --reset-values contradict each other\nRun 'kubectl captain upgrade --help' for usage.\n"},
		{[]string{"list", "-o", "wide"}, exitUsage, "error: --output \"wide\" is not one of table, yaml, json, name\nRun 'kubectl captain list --help' for usage.\n"},
		{[]string{"nosuch"}, exitUsage, "error: unknown command \"nosuch\" for \"kubectl captain\"\nRun 'kubectl captain --help' for usage.\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			g := NewWithT(t)
			r := c.plugin(t, "", append(tc.args, "-n", ns)...)
			g.Expect(r.code).To(Equal(tc.code), r.String())
			g.Expect(r.err).To(Equal(tc.err))
			g.Expect(r.out).To(BeEmpty())
		})
	}
}

func editConfigMap(g Gomega, c *cluster, ns, name, key, value string) {
	cm := &corev1.ConfigMap{}
	g.ExpectWithOffset(1, c.cp.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, cm)).To(Succeed())
	cm.Data[key] = value
	g.ExpectWithOffset(1, c.cp.Client.Update(context.Background(), cm)).To(Succeed())
}

func specValues(g Gomega, hr *v1.HelmRequest) map[string]any {
	vals := map[string]any{}
	if hr.Spec.Values != nil {
		g.ExpectWithOffset(1, json.Unmarshal(hr.Spec.Values.Raw, &vals)).To(Succeed())
	}
	return vals
}

func yamlMap(g Gomega, s string) map[string]any {
	m := map[string]any{}
	g.ExpectWithOffset(1, yaml.Unmarshal([]byte(s), &m)).To(Succeed(), s)
	return m
}
