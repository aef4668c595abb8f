package gitrepo_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	. "github.com/onsi/gomega"

	"captain.io/captain/internal/testenv/gitserver"
	"captain.io/captain/internal/testenv/testcharts"
	"captain.io/captain/pkg/chartrepo"
	"captain.io/captain/pkg/gitrepo"
)

// Every protocol serves the same charts, cached on disk or in memory, and
// a second sync of an unchanged ref returns the snapshot it was given.
func TestSyncOverEveryProtocol(t *testing.T) {
	root, repo := newRepo(t, "charts/versioned", "versioned-1.2.3", "charts/withdeps", "withdeps")
	httpSrv := gitserver.ServeHTTP(t, root, gitserver.WithBasicAuth("captain", "s3cret"))
	tlsSrv := gitserver.ServeHTTP(t, root, gitserver.WithTLS())
	daemon := gitserver.ServeDaemon(t, root)
	key, pub := gitserver.NewKey(t)
	sshSrv := gitserver.ServeSSH(t, root, pub)
	cases := map[string]gitrepo.Source{
		"http basic auth": {URL: httpSrv.URL("charts"), Credentials: gitrepo.Credentials{HTTP: chartrepo.Credentials{Username: "captain", Password: "s3cret"}}},
		"https ca.crt":    {URL: tlsSrv.URL("charts"), Credentials: gitrepo.Credentials{HTTP: chartrepo.Credentials{CACert: tlsSrv.CAPEM()}}},
		"https insecure":  {URL: tlsSrv.URL("charts"), Credentials: gitrepo.Credentials{HTTP: chartrepo.Credentials{InsecureSkipTLSVerify: true}}},
		"git daemon":      {URL: daemon.URL("charts")},
		"ssh":             {URL: sshSrv.URL("charts"), Credentials: gitrepo.Credentials{Identity: key, KnownHosts: sshSrv.KnownHosts()}},
		"file":            {URL: repo.FileURL()},
	}
	head := repo.Git(t, "rev-parse", "HEAD")
	for name, src := range cases {
		for cache, dir := range map[string]string{"memory": "", "disk": t.TempDir()} {
			t.Run(name+" "+cache, func(t *testing.T) {
				g := NewWithT(t)
				rs := gitrepo.NewRepos(dir)
				snap := mustSync(t, rs, src, nil)
				g.Expect(snap.Commit).To(Equal(head))
				g.Expect(snap.Message).To(Equal("first"))
				g.Expect(snap.Errors).To(BeEmpty())
				g.Expect(versions(snap, "versioned")).To(Equal([]string{"1.2.3"}))
				g.Expect(versions(snap, "withdeps")).To(Equal([]string{"0.1.0"}))
				ch, ok := snap.Chart("withdeps", "0.1.0")
				g.Expect(ok).To(BeTrue())
				g.Expect(ch.Chart.Dependencies()).To(HaveLen(2), "vendored subcharts are loaded")
				g.Expect(ch.Digest).To(HavePrefix("sha256:"))
				g.Expect(ch.Source).To(And(ContainSubstring(src.URL), ContainSubstring(head), ContainSubstring("charts/withdeps")))
				g.Expect(mustSync(t, rs, src, snap)).To(BeIdenticalTo(snap), "an unchanged ref is not loaded again")
			})
		}
	}
}

// New commits are followed: a version bump, a change of a template under
// the same version (new digest), and a commit that leaves a chart alone
// (same chart, same digest, not loaded again). An unchanged ref costs one
// listing and no fetch, even for a new process with the same cache.
func TestSyncFollowsCommits(t *testing.T) {
	g := NewWithT(t)
	root, repo := newRepo(t, "charts/versioned", "versioned-1.2.3", "charts/plain", "plain")
	srv := gitserver.ServeHTTP(t, root)
	src := gitrepo.Source{URL: srv.URL("charts")}
	dir := t.TempDir()
	rs := gitrepo.NewRepos(dir)

	first := mustSync(t, rs, src, nil)
	fetches := srv.Fetches()
	g.Expect(mustSync(t, rs, src, first)).To(BeIdenticalTo(first))
	g.Expect(srv.Fetches()).To(Equal(fetches), "an unchanged commit is not fetched")

	repo.CopyChart(t, testcharts.Path(t, "versioned-1.2.4"), "charts/versioned")
	bump := repo.Commit(t, "versioned 1.2.4\n\nmore words")
	second := mustSync(t, rs, src, first)
	g.Expect(second.Commit).To(Equal(bump))
	g.Expect(second.Message).To(Equal("versioned 1.2.4"))
	g.Expect(versions(second, "versioned")).To(Equal([]string{"1.2.4"}))
	g.Expect(second.Index.Digest).NotTo(Equal(first.Index.Digest))
	plain1, _ := first.Chart("plain", "0.1.0")
	plain2, _ := second.Chart("plain", "0.1.0")
	g.Expect(plain2).To(BeIdenticalTo(plain1), "an unchanged chart keeps its chart, digest and source")

	repo.WriteFile(t, "charts/versioned/templates/extra.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-extra\n")
	tweak := repo.Commit(t, "a template, same version")
	third := mustSync(t, rs, src, second)
	g.Expect(versions(third, "versioned")).To(Equal([]string{"1.2.4"}))
	v2, _ := second.Chart("versioned", "1.2.4")
	v3, _ := third.Chart("versioned", "1.2.4")
	g.Expect(v3.Digest).NotTo(Equal(v2.Digest), "same version, new content, new digest")
	g.Expect(v3.Source).To(ContainSubstring(tweak))
	g.Expect(third.Index.Digest).NotTo(Equal(second.Index.Digest))

	fetches = srv.Fetches()
	restarted := mustSync(t, gitrepo.NewRepos(dir), src, nil)
	g.Expect(restarted.Commit).To(Equal(tweak))
	g.Expect(srv.Fetches()).To(Equal(fetches), "a restart finds the commit in the cache")
	v4, _ := restarted.Chart("versioned", "1.2.4")
	g.Expect(v4.Digest).To(Equal(v3.Digest), "the digest depends on the files only")
}

// Refs: the default branch, a branch, lightweight and annotated tags, a
// semver range over tags, and a commit (full or abbreviated) — fetched by
// SHA where the server allows it (HTTP here) and by a deep search where it
// does not (git daemon here). One disk cache serves them all in turn.
func TestSyncRefs(t *testing.T) {
	root, repo := newRepo(t, "charts/versioned", "versioned-1.2.3")
	c1 := repo.Git(t, "rev-parse", "HEAD")
	repo.Git(t, "tag", "v1.2.3")
	repo.CopyChart(t, testcharts.Path(t, "versioned-1.3.0"), "charts/versioned")
	c2 := repo.Commit(t, "1.3.0")
	repo.Git(t, "tag", "--annotate", "--message", "release 1.3.0", "v1.3.0")
	repo.Git(t, "switch", "--quiet", "--create", "release-1.2", c1)
	repo.CopyChart(t, testcharts.Path(t, "versioned-1.2.4"), "charts/versioned")
	c3 := repo.Commit(t, "1.2.4")
	repo.Git(t, "tag", "1.2.4")
	repo.Git(t, "switch", "--quiet", "main")
	httpSrv := gitserver.ServeHTTP(t, root)
	daemon := gitserver.ServeDaemon(t, root)

	cases := []struct {
		name    string
		ref     gitrepo.Ref
		commit  string
		version string
	}{
		{"default branch", gitrepo.Ref{}, c2, "1.3.0"},
		{"branch", gitrepo.Ref{Branch: "release-1.2"}, c3, "1.2.4"},
		{"lightweight tag", gitrepo.Ref{Tag: "v1.2.3"}, c1, "1.2.3"},
		{"annotated tag", gitrepo.Ref{Tag: "v1.3.0"}, c2, "1.3.0"},
		{"semver", gitrepo.Ref{SemVer: "~1.2"}, c3, "1.2.4"},
		{"semver, v prefix", gitrepo.Ref{SemVer: ">=1.3"}, c2, "1.3.0"},
		{"commit", gitrepo.Ref{Commit: c1}, c1, "1.2.3"},
		{"abbreviated commit", gitrepo.Ref{Commit: c3[:8]}, c3, "1.2.4"},
	}
	servers := []struct {
		name, url  string
		sha1InWant bool
	}{
		{"http", httpSrv.URL("charts"), true},
		{"git daemon", daemon.URL("charts"), false},
		{"file", repo.FileURL(), false},
	}
	for _, server := range servers {
		repo.Git(t, "config", "uploadpack.allowReachableSHA1InWant", strconv.FormatBool(server.sha1InWant))
		rs := gitrepo.NewRepos(t.TempDir())
		for _, tc := range cases {
			url := server.url
			t.Run(server.name+" "+tc.name, func(t *testing.T) {
				g := NewWithT(t)
				src, rs := gitrepo.Source{URL: url, Ref: tc.ref}, rs
				if tc.ref.Commit != "" {
					// A commit another case fetched would be found in the cache.
					rs = gitrepo.NewRepos(t.TempDir())
				}
				snap := mustSync(t, rs, src, nil)
				g.Expect(snap.Commit).To(Equal(tc.commit))
				g.Expect(versions(snap, "versioned")).To(Equal([]string{tc.version}))
				g.Expect(mustSync(t, rs, src, snap)).To(BeIdenticalTo(snap))
			})
		}
	}
}

// Concurrent syncs of one URL share its disk cache safely.
func TestConcurrentSyncs(t *testing.T) {
	root, repo := newRepo(t, "charts/versioned", "versioned-1.2.3")
	srv := gitserver.ServeHTTP(t, root)
	rs := gitrepo.NewRepos(t.TempDir())
	head := repo.Git(t, "rev-parse", "HEAD")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			snap, err := rs.Sync(context.Background(), gitrepo.Source{URL: srv.URL("charts")}, nil)
			if err == nil && snap.Commit != head {
				err = fmt.Errorf("synced %s, not %s", snap.Commit, head)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		NewWithT(t).Expect(err).NotTo(HaveOccurred())
	}
}

// A cache folder that no longer opens, or has lost objects, is made anew.
func TestBrokenCacheIsRebuilt(t *testing.T) {
	g := NewWithT(t)
	root, repo := newRepo(t, "charts/versioned", "versioned-1.2.3")
	srv := gitserver.ServeHTTP(t, root)
	src := gitrepo.Source{URL: srv.URL("charts")}
	dir := t.TempDir()
	mustSync(t, gitrepo.NewRepos(dir), src, nil)
	caches, err := os.ReadDir(dir)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(caches).To(HaveLen(1))
	cache := filepath.Join(dir, caches[0].Name())

	g.Expect(os.WriteFile(filepath.Join(cache, "config"), []byte("[not git"), 0o644)).To(Succeed())
	g.Expect(mustSync(t, gitrepo.NewRepos(dir), src, nil).Commit).To(Equal(repo.Git(t, "rev-parse", "HEAD")))

	g.Expect(os.RemoveAll(filepath.Join(cache, "objects"))).To(Succeed())
	g.Expect(os.MkdirAll(filepath.Join(cache, "objects"), 0o755)).To(Succeed())
	repo.WriteFile(t, "charts/versioned/README.md", "new\n")
	head := repo.Commit(t, "readme")
	g.Expect(mustSync(t, gitrepo.NewRepos(dir), src, nil).Commit).To(Equal(head))
}
