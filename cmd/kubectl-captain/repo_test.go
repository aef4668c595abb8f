package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "captain.io/captain/api/v1alpha1"
	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/internal/testenv/testcharts"
)

// A private repository over TLS is added with credentials from stdin (kept
// in a Secret the ChartRepo owns, never printed), searched, installed from
// as repo/chart, synced on request and removed with its Secret.
func TestRepoAddSearchInstallRemove(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	c := startCluster(t)
	ctx := context.Background()
	const password = "s3cret-Pa55"
	srv := httprepo.New(t, httprepo.WithTLS(), httprepo.WithBasicAuth("captain", password), httprepo.WithCharts(
		testcharts.Path(t, "versioned-1.2.3"), testcharts.Path(t, "versioned-1.3.0"), testcharts.Path(t, "plain")))
	ca := filepath.Join(t.TempDir(), "ca.pem")
	g.Expect(os.WriteFile(ca, srv.CAPEM(), 0o600)).To(Succeed())
	ns := c.cp.NewNamespace(t)
	run := func(stdin string, args ...string) result { return c.plugin(t, stdin, append(args, "-n", ns)...) }

	r := run(password+"\n", "repo", "add", "stable", srv.URL(), "--username", "captain", "--password-stdin", "--ca-file", ca, "--wait", "--timeout", waitTimeout)
	out := ok(g, r)
	g.Expect(out).To(ContainSubstring("ChartRepo " + ns + "/stable created (http " + srv.URL() + ")\n"))
	g.Expect(out).To(MatchRegexp(`(?m)^Synced: 2 charts from index `))
	g.Expect(r.out + r.err).NotTo(ContainSubstring(password))
	repo := &v1.ChartRepo{}
	g.Expect(c.cp.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "stable"}, repo)).To(Succeed())
	g.Expect(repo.Spec.SecretRef).To(Equal(&v1.LocalObjectReference{Name: "stable-credentials"}))
	secret := &corev1.Secret{}
	g.Expect(c.cp.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "stable-credentials"}, secret)).To(Succeed())
	g.Expect(secret.Data).To(Equal(map[string][]byte{"username": []byte("captain"), "password": []byte(password), "ca.crt": srv.CAPEM()}))
	g.Expect(secret.OwnerReferences).To(ConsistOf(HaveField("UID", repo.UID)))

	out = ok(g, run("", "repo", "list"))
	g.Expect(out).To(MatchRegexp(`(?m)^stable\s+http\s+` + regexp.QuoteMeta(srv.URL()) + `\s+2\s+Synced\s+True\s+\S+$`))

	out = ok(g, run("", "search", "versions"))
	g.Expect(out).To(MatchRegexp(`(?m)^NAME\s+CHART VERSION\s+APP VERSION\s+DESCRIPTION$`))
	g.Expect(out).To(MatchRegexp(`(?m)^stable/versioned\s+1\.3\.0\s+1\.3\.0\s+One of several versions of the same chart, for semver resolution\.$`))
	g.Expect(out).NotTo(ContainSubstring("stable/plain"))
	out = ok(g, run("", "search", "--versions"))
	g.Expect(out).To(MatchRegexp(`(?m)^stable/plain\s+0\.1\.0\s+1\.0\s+`))
	g.Expect(out).To(MatchRegexp(`(?m)^stable/versioned\s+1\.3\.0\s+[^\n]*\nstable/versioned\s+1\.2\.3\s+`))
	g.Expect(ok(g, run("", "search", "nothing-like-it"))).To(Equal("No charts found.\n"))

	out = ok(g, run("", "install", "app", "stable/versioned", "--version", "~1.2", "--wait", "--timeout", waitTimeout))
	g.Expect(out).To(ContainSubstring("Captain installs stable/versioned ~1.2 as release " + ns + "/app\n"))
	g.Expect(out).To(ContainSubstring("Synced: release " + ns + "/app is deployed with chart version 1.2.3\n"))

	before := time.Now().Add(-time.Second)
	g.Expect(ok(g, run("", "repo", "update"))).To(Equal("ChartRepo " + ns + "/stable: sync requested\n"))
	g.Expect(c.cp.Client.Get(ctx, client.ObjectKeyFromObject(repo), repo)).To(Succeed())
	requested, err := time.Parse(time.RFC3339Nano, repo.Annotations[SyncRequestedAnnotation])
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(requested).To(BeTemporally(">", before))

	r = run("", "repo", "remove", "stable")
	g.Expect(ok(g, r)).To(Equal("ChartRepo " + ns + "/stable removed\n"))
	g.Expect(r.err).To(Equal("warning: HelmRequests app install charts of ChartRepo " + ns + "/stable; they cannot be upgraded until it is back\n"))
	g.Expect(apierrors.IsNotFound(c.cp.Client.Get(ctx, client.ObjectKeyFromObject(repo), repo))).To(BeTrue())
	g.Expect(apierrors.IsNotFound(c.cp.Client.Get(ctx, client.ObjectKeyFromObject(secret), secret))).To(BeTrue(), "the credentials go with the repo")
}
