package gitrepo

import (
	"fmt"
	"testing"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	. "github.com/onsi/gomega"
	"golang.org/x/crypto/ssh"

	"captain.io/captain/internal/testenv/gitserver"
	"captain.io/captain/pkg/chartrepo"
)

// Each protocol takes its own credentials: basic auth or a bearer token
// over HTTP, a key over SSH with host keys always checked, none for git://
// and file://.
func TestAuthSelection(t *testing.T) {
	key, _ := gitserver.NewKey(t)
	knownHosts := []byte("[127.0.0.1]:2222 " + authorizedKey(t) + "\n")
	basic := Credentials{HTTP: chartrepo.Credentials{Username: "u", Password: "p"}}
	token := Credentials{HTTP: chartrepo.Credentials{Token: "t"}}
	sshCreds := Credentials{Identity: key, KnownHosts: knownHosts}
	cases := []struct {
		name  string
		url   string
		creds Credentials
		want  any
		err   string
	}{
		{"https basic auth", "https://git.example/c", basic, &githttp.BasicAuth{Username: "u", Password: "p"}, ""},
		{"https token", "https://git.example/c", token, &githttp.TokenAuth{Token: "t"}, ""},
		{"https anonymous", "https://git.example/c", Credentials{}, nil, ""},
		{"https ignores SSH keys", "https://git.example/c", sshCreds, nil, ""},
		{"ssh key", "ssh://deploy@127.0.0.1:2222/c", sshCreds, &gitssh.PublicKeys{}, ""},
		{"ssh without key", "ssh://git@127.0.0.1:2222/c", Credentials{KnownHosts: knownHosts}, nil, "needs a Secret with the keys identity"},
		{"ssh without known_hosts", "ssh://git@127.0.0.1:2222/c", Credentials{Identity: key}, nil, "has no key known_hosts: the host key of 127.0.0.1:2222 is always verified"},
		{"ssh ignores a password", "git@git.example:c", Credentials{HTTP: basic.HTTP}, nil, "needs a Secret"},
		{"git:// takes none", "git://git.example/c", basic, nil, ""},
		{"file:// takes none", "file:///srv/c", basic, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			r, err := ParseURL(tc.url)
			g.Expect(err).NotTo(HaveOccurred())
			auth, err := tc.creds.auth(r)
			if tc.err != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.err)))
				g.Expect(err.(*Error).Field).To(Equal("spec.secretRef"))
				g.Expect(err.(*Error).Reason).To(Equal(ReasonInvalidSecret))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			if tc.want == nil {
				g.Expect(auth).To(BeNil())
				return
			}
			g.Expect(auth).To(BeAssignableToTypeOf(tc.want))
			if pk, ok := auth.(*gitssh.PublicKeys); ok {
				g.Expect(pk.User).To(Equal("deploy"))
				g.Expect(pk.HostKeyCallback).NotTo(BeNil(), "host keys are always checked")
				g.Expect(pk.HostKeyAlgorithms).To(Equal([]string{ssh.KeyAlgoED25519}))
			} else {
				g.Expect(auth).To(Equal(tc.want))
			}
		})
	}
}

func TestCredentialsFromSecret(t *testing.T) {
	key, _ := gitserver.NewKey(t)
	cases := []struct {
		name string
		data map[string][]byte
		err  string
	}{
		{"ssh", map[string][]byte{"identity": key, "known_hosts": []byte("git.example " + authorizedKey(t))}, ""},
		{"https", map[string][]byte{"username": []byte("u"), "password": []byte("p"), "ca.crt": nil}, ""},
		{"identity not a key", map[string][]byte{"identity": []byte("not a key")}, "key identity is not an unencrypted private key"},
		{"known_hosts not parsable", map[string][]byte{"known_hosts": []byte("git.example not-a-key-type AAAA")}, "key known_hosts"},
		{"half a basic auth pair", map[string][]byte{"username": []byte("u")}, "has key username but no password"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			c, err := CredentialsFromSecret("repo-auth", tc.data)
			if tc.err != "" {
				g.Expect(err).To(MatchError(And(ContainSubstring("secret repo-auth"), ContainSubstring(tc.err))))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(fmt.Sprint(c)).NotTo(ContainSubstring("PRIVATE KEY"))
			g.Expect(fmt.Sprintf("%#v", c)).NotTo(ContainSubstring(`"p"`))
		})
	}
}

// authorizedKey is a public key in authorized_keys form, without newline.
func authorizedKey(t *testing.T) string {
	_, pub := gitserver.NewKey(t)
	b := ssh.MarshalAuthorizedKey(pub)
	return string(b[:len(b)-1])
}
