package main

import (
	"context"
	"regexp"
	"testing"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v3/pkg/action"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/internal/testenv/testcharts"
)

// import adopts a release made with the Helm SDK, as the helm CLI makes
// them: Captain takes it over with no new revision and no object changed,
// and a diff right after shows nothing to do. A chart other than the one
// the release was made from is refused before anything is written.
func TestImportAdoptsWithoutARevision(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	c := startCluster(t)
	repo := httprepo.New(t)
	ns := c.cp.NewNamespace(t)
	ctx := context.Background()
	run := func(args ...string) string { return ok(g, c.plugin(t, "", append(args, "-n", ns)...)) }

	install := action.NewInstall(c.cp.HelmConfig(t, ns))
	install.ReleaseName, install.Namespace = "legacy", ns
	_, err := install.Run(testcharts.Load(t, "versioned-1.2.3"), map[string]any{"extra": "kept"})
	g.Expect(err).NotTo(HaveOccurred())
	before := &corev1.ConfigMap{}
	g.Expect(c.cp.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "legacy"}, before)).To(Succeed())

	r := c.plugin(t, "", "import", "legacy", repo.URL()+"/versioned-1.2.4.tgz", "-n", ns)
	g.Expect(r.code).To(Equal(exitFailure), r.String())
	g.Expect(r.err).To(ContainSubstring("differs from the chart release " + ns + "/legacy was made from"))
	g.Expect(run("list")).NotTo(ContainSubstring("legacy"), "a refused import writes nothing")

	url := repo.URL() + "/versioned-1.2.3.tgz"
	out := run("import", "legacy", url, "--wait", "--timeout", waitTimeout)
	g.Expect(out).To(ContainSubstring("HelmRequest " + ns + "/legacy created: Captain adopts release " + ns + "/legacy (revision 1, " + url + ")\n"))
	g.Expect(out).To(ContainSubstring("Synced: release " + ns + "/legacy is deployed with chart version 1.2.3\n"))

	hr := c.helmRequest(g, ns, "legacy")
	g.Expect(hr.Spec.Adopt).To(BeTrue())
	g.Expect(hr.Spec.Source.HTTP.URL).To(Equal(url))
	g.Expect(specValues(g, hr)).To(Equal(map[string]any{"extra": "kept"}))
	out = run("history", "legacy")
	g.Expect(out).To(MatchRegexp(`(?m)^1\s+\S+\s+deployed\s+versioned-1\.2\.3\s+1\.2\.3\s+Install complete$`))
	g.Expect(out).NotTo(MatchRegexp(`(?m)^2\s`), "adoption makes no revision")
	after := &corev1.ConfigMap{}
	g.Expect(c.cp.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "legacy"}, after)).To(Succeed())
	g.Expect(after.ResourceVersion).To(Equal(before.ResourceVersion), "adoption changes no object")

	out = run("diff", "legacy")
	g.Expect(out).To(Equal("0 to create, 0 to update, 0 to delete, 1 unchanged; drift in 0 objects (0 fields)\n"))

	r = c.plugin(t, "", "import", "legacy", url, "--name", "again", "-n", ns)
	g.Expect(r.code).To(Equal(exitFailure), r.String())
	g.Expect(r.err).To(MatchRegexp(`release ` + regexp.QuoteMeta(ns) + `/legacy belongs to HelmRequest ` + regexp.QuoteMeta(ns) + `/legacy already`))
}
