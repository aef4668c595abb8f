package gitrepo

import (
	"fmt"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"

	"captain.io/captain/pkg/chartrepo"
)

// Keys of a Secret for Git over SSH; the HTTPS keys are chartrepo's.
const (
	keyIdentity   = "identity"
	keyKnownHosts = "known_hosts"
)

// Credentials authenticate to a Git remote. Their values never appear in
// errors or logs.
type Credentials struct {
	// HTTP holds username/password or token, ca.crt, tls.crt/tls.key and
	// the TLS opt-out, for https:// remotes.
	HTTP chartrepo.Credentials
	// Identity is an unencrypted private key (PEM or OpenSSH), for SSH.
	Identity []byte
	// KnownHosts are the host keys SSH servers are checked against.
	KnownHosts []byte
}

// CredentialsFromSecret reads the keys of the Secret secretName: those of
// chartrepo.CredentialsFromSecret, plus identity and known_hosts. It
// refuses what does not parse, naming the Secret and the key.
func CredentialsFromSecret(secretName string, data map[string][]byte) (Credentials, error) {
	httpCreds, err := chartrepo.CredentialsFromSecret(secretName, data)
	if err != nil {
		return Credentials{}, err
	}
	c := Credentials{HTTP: httpCreds, Identity: data[keyIdentity], KnownHosts: data[keyKnownHosts]}
	if len(c.Identity) > 0 {
		if _, err := ssh.ParsePrivateKey(c.Identity); err != nil {
			// x/crypto's errors name the problem, never the key.
			return Credentials{}, fmt.Errorf("secret %s: key %s is not an unencrypted private key: %w", secretName, keyIdentity, err)
		}
	}
	if len(c.KnownHosts) > 0 {
		if _, err := knownHostsCallback(c.KnownHosts); err != nil {
			return Credentials{}, fmt.Errorf("secret %s: key %s: %w", secretName, keyKnownHosts, err)
		}
	}
	return c, nil
}

// String describes c without its secrets.
func (c Credentials) String() string {
	return fmt.Sprintf("Credentials{HTTP:%s Identity:%s KnownHosts:%d bytes}", c.HTTP, isSet(len(c.Identity) > 0), len(c.KnownHosts))
}

// GoString is String, for %#v.
func (c Credentials) GoString() string { return c.String() }

func isSet(ok bool) string {
	if ok {
		return "<set>"
	}
	return "<unset>"
}

// auth picks the credentials r's protocol takes: basic auth or a bearer
// token over HTTP, the identity over SSH, none for git:// and file://.
func (c Credentials) auth(r *Remote) (transport.AuthMethod, error) {
	switch r.Protocol {
	case HTTP:
		switch {
		case c.HTTP.Username != "":
			return &githttp.BasicAuth{Username: c.HTTP.Username, Password: c.HTTP.Password}, nil
		case c.HTTP.Token != "":
			return &githttp.TokenAuth{Token: c.HTTP.Token}, nil
		}
	case SSH:
		return c.sshAuth(r)
	}
	return nil, nil
}

// sshAuth authenticates with the identity, and verifies the server's host
// key against known_hosts, always: there is no opt-out.
func (c Credentials) sshAuth(r *Remote) (transport.AuthMethod, error) {
	if len(c.Identity) == 0 {
		return nil, fail(ReasonInvalidSecret, "spec.secretRef",
			"an SSH URL needs a Secret with the keys %s (a private key) and %s", keyIdentity, keyKnownHosts)
	}
	if len(c.KnownHosts) == 0 {
		return nil, fail(ReasonInvalidSecret, "spec.secretRef",
			"the Secret has no key %s: the host key of %s is always verified", keyKnownHosts, r.hostPort())
	}
	signer, err := ssh.ParsePrivateKey(c.Identity)
	if err != nil {
		return nil, fail(ReasonInvalidSecret, "spec.secretRef", "key %s is not an unencrypted private key: %w", keyIdentity, err)
	}
	cb, err := knownHostsCallback(c.KnownHosts)
	if err != nil {
		return nil, fail(ReasonInvalidSecret, "spec.secretRef", "key %s: %w", keyKnownHosts, err)
	}
	return &gitssh.PublicKeys{User: r.sshUser(), Signer: signer, HostKeyCallbackHelper: gitssh.HostKeyCallbackHelper{
		HostKeyCallback:   cb,
		HostKeyAlgorithms: hostKeyAlgorithms(cb, r.hostPort()),
	}}, nil
}
