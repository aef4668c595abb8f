package gitrepo_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"

	"captain.io/captain/internal/testenv/gitserver"
	"captain.io/captain/pkg/chartrepo"
	"captain.io/captain/pkg/gitrepo"
)

// A sync that cannot be done fails with the reason and the ChartRepo field
// at fault, and says why without leaking a secret.
func TestSyncFaults(t *testing.T) {
	root, repo := newRepo(t, "charts/versioned", "versioned-1.2.3")
	repo.WriteFile(t, "docs/README.md", "no charts here\n")
	repo.Commit(t, "docs")
	authSrv := gitserver.ServeHTTP(t, root, gitserver.WithBasicAuth("captain", "s3cret"))
	tlsSrv := gitserver.ServeHTTP(t, root, gitserver.WithTLS())
	key, pub := gitserver.NewKey(t)
	sshSrv := gitserver.ServeSSH(t, root, pub)
	otherSSH := gitserver.ServeSSH(t, root, pub)
	otherKey, _ := gitserver.NewKey(t)
	sshCreds := gitrepo.Credentials{Identity: key, KnownHosts: sshSrv.KnownHosts()}
	basic := func(password string) gitrepo.Credentials {
		return gitrepo.Credentials{HTTP: chartrepo.Credentials{Username: "captain", Password: password}}
	}
	// The other server's key, listed for this server's address.
	mismatch := gitserver.KnownHostsLine(sshSrv.Addr(), otherSSH.HostKey())

	cases := []struct {
		name, reason, field, message string
		src                          gitrepo.Source
	}{
		{"unreachable remote", gitrepo.ReasonUnreachable, "spec.url", "is unreachable",
			gitrepo.Source{URL: "http://127.0.0.1:1/charts"}},
		{"no such repository", gitrepo.ReasonUnreachable, "spec.url", "no repository",
			gitrepo.Source{URL: authSrv.URL("nope"), Credentials: basic("s3cret")}},
		{"no credentials", gitrepo.ReasonAuthFailed, "spec.secretRef", "refused the credentials",
			gitrepo.Source{URL: authSrv.URL("charts")}},
		{"bad password", gitrepo.ReasonAuthFailed, "spec.secretRef", "refused the credentials",
			gitrepo.Source{URL: authSrv.URL("charts"), Credentials: basic("wrong")}},
		{"untrusted certificate", gitrepo.ReasonUnreachable, "spec.url", "certificate",
			gitrepo.Source{URL: tlsSrv.URL("charts")}},
		{"unknown SSH key", gitrepo.ReasonAuthFailed, "spec.secretRef", "refused the credentials",
			gitrepo.Source{URL: sshSrv.URL("charts"), Credentials: gitrepo.Credentials{Identity: otherKey, KnownHosts: sshSrv.KnownHosts()}}},
		{"unknown host key", gitrepo.ReasonUnknownHostKey, "spec.secretRef", "is not in known_hosts",
			gitrepo.Source{URL: sshSrv.URL("charts"), Credentials: gitrepo.Credentials{Identity: key, KnownHosts: otherSSH.KnownHosts()}}},
		{"host key mismatch", gitrepo.ReasonUnknownHostKey, "spec.secretRef", "does not match known_hosts",
			gitrepo.Source{URL: sshSrv.URL("charts"), Credentials: gitrepo.Credentials{Identity: key, KnownHosts: mismatch}}},
		{"no known_hosts", gitrepo.ReasonInvalidSecret, "spec.secretRef", "always verified",
			gitrepo.Source{URL: sshSrv.URL("charts"), Credentials: gitrepo.Credentials{Identity: key}}},
		{"missing branch", gitrepo.ReasonRefNotFound, "spec.git.ref.branch", `no branch "nope"`,
			gitrepo.Source{URL: sshSrv.URL("charts"), Credentials: sshCreds, Ref: gitrepo.Ref{Branch: "nope"}}},
		{"missing tag", gitrepo.ReasonRefNotFound, "spec.git.ref.tag", `no tag "v9"`,
			gitrepo.Source{URL: repo.FileURL(), Ref: gitrepo.Ref{Tag: "v9"}}},
		{"missing commit", gitrepo.ReasonRefNotFound, "spec.git.ref.commit", "no commit 0123456",
			gitrepo.Source{URL: authSrv.URL("charts"), Credentials: basic("s3cret"), Ref: gitrepo.Ref{Commit: "0123456"}}},
		{"bad semver", gitrepo.ReasonInvalidRef, "spec.git.ref.semver", "not a semver constraint",
			gitrepo.Source{URL: repo.FileURL(), Ref: gitrepo.Ref{SemVer: "one"}}},
		{"missing path", gitrepo.ReasonPathNotFound, "spec.git.path", "has no folder nope",
			gitrepo.Source{URL: repo.FileURL(), Path: "nope"}},
		{"path without charts", gitrepo.ReasonNoCharts, "spec.git.path", "folder docs of commit",
			gitrepo.Source{URL: repo.FileURL(), Path: "/docs/"}},
		{"path out of the repository", gitrepo.ReasonInvalidPath, "spec.git.path", "inside the repository",
			gitrepo.Source{URL: repo.FileURL(), Path: "charts/../.."}},
		{"not a repository", gitrepo.ReasonUnreachable, "spec.url", "no Git repository",
			gitrepo.Source{URL: "file://" + t.TempDir()}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			_, err := gitrepo.NewRepos(t.TempDir()).Sync(context.Background(), tc.src, nil)
			e := failure(g, err)
			g.Expect(e.Reason).To(Equal(tc.reason), "%v", err)
			g.Expect(e.Field).To(Equal(tc.field))
			g.Expect(err.Error()).To(And(HavePrefix(tc.field+": "), ContainSubstring(tc.message)))
			g.Expect(err.Error()).NotTo(ContainSubstring("s3cret"))
		})
	}
}
