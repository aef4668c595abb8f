package gitserver_test

import (
	"testing"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"github.com/go-git/go-git/v5/storage/memory"
	. "github.com/onsi/gomega"
	"golang.org/x/crypto/ssh"

	"captain.io/captain/internal/testenv/gitserver"
)

// Every server serves the same repository: a clone sees the commit made.
func TestServers(t *testing.T) {
	root := gitserver.NewRoot(t)
	repo := root.NewRepo(t, "charts")
	repo.WriteFile(t, "README.md", "hello\n")
	head := repo.Commit(t, "first")
	httpSrv := gitserver.ServeHTTP(t, root, gitserver.WithBasicAuth("captain", "s3cret"))
	tlsSrv := gitserver.ServeHTTP(t, root, gitserver.WithTLS())
	daemon := gitserver.ServeDaemon(t, root)
	priv, pub := gitserver.NewKey(t)
	sshSrv := gitserver.ServeSSH(t, root, pub)
	signer, err := ssh.ParsePrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	sshAuth := &gitssh.PublicKeys{User: "git", Signer: signer, HostKeyCallbackHelper: gitssh.HostKeyCallbackHelper{
		HostKeyCallback: ssh.FixedHostKey(sshSrv.HostKey()),
	}}
	cases := []struct {
		name string
		url  string
		opts git.CloneOptions
	}{
		{"http with basic auth", httpSrv.URL("charts"), git.CloneOptions{Auth: &githttp.BasicAuth{Username: "captain", Password: "s3cret"}}},
		{"https", tlsSrv.URL("charts"), git.CloneOptions{CABundle: tlsSrv.CAPEM()}},
		{"git daemon", daemon.URL("charts"), git.CloneOptions{}},
		{"ssh", sshSrv.URL("charts"), git.CloneOptions{Auth: sshAuth}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			tc.opts.URL = tc.url
			clone, err := git.Clone(memory.NewStorage(), nil, &tc.opts)
			g.Expect(err).NotTo(HaveOccurred())
			ref, err := clone.Head()
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(ref.Hash()).To(Equal(plumbing.NewHash(head)))
		})
	}
	g := NewWithT(t)
	g.Expect(httpSrv.Fetches()).To(Equal(int64(1)))
	g.Expect(gitserver.KnownHostsLine(sshSrv.Addr(), sshSrv.HostKey())).To(Equal(sshSrv.KnownHosts()))
}

// The servers refuse what they should: HTTP without credentials, SSH with
// another key.
func TestServersRefuse(t *testing.T) {
	g := NewWithT(t)
	root := gitserver.NewRoot(t)
	repo := root.NewRepo(t, "charts")
	repo.Commit(t, "empty")
	httpSrv := gitserver.ServeHTTP(t, root, gitserver.WithBasicAuth("captain", "s3cret"))
	_, pub := gitserver.NewKey(t)
	other, _ := gitserver.NewKey(t)
	sshSrv := gitserver.ServeSSH(t, root, pub)

	_, err := list(httpSrv.URL("charts"), nil)
	g.Expect(err).To(MatchError(transport.ErrAuthenticationRequired))

	signer, err := ssh.ParsePrivateKey(other)
	g.Expect(err).NotTo(HaveOccurred())
	_, err = list(sshSrv.URL("charts"), &gitssh.PublicKeys{User: "git", Signer: signer, HostKeyCallbackHelper: gitssh.HostKeyCallbackHelper{
		HostKeyCallback: ssh.FixedHostKey(sshSrv.HostKey()),
	}})
	g.Expect(err).To(MatchError(ContainSubstring("unable to authenticate")))
}

func list(url string, auth transport.AuthMethod) ([]*plumbing.Reference, error) {
	remote := git.NewRemote(memory.NewStorage(), &config.RemoteConfig{Name: "origin", URLs: []string{url}})
	return remote.List(&git.ListOptions{Auth: auth})
}
