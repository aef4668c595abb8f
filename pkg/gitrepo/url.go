package gitrepo

import (
	"net"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

// Protocol is how a remote is reached.
type Protocol string

// Protocols of a Remote.
const (
	HTTP Protocol = "http" // https:// and http://
	SSH  Protocol = "ssh"  // ssh:// and scp-style user@host:path
	Git  Protocol = "git"  // git://, unauthenticated
	File Protocol = "file" // file://, read in place
)

// Remote is a parsed spec.url.
type Remote struct {
	URL      string // as the user wrote it
	Protocol Protocol
	endpoint *transport.Endpoint
}

// ParseURL parses a remote URL. It refuses other schemes, a bare path
// (which go-git would take for a local repository: it must be spelled
// file://), and a password in the URL, which belongs in spec.secretRef
// and would otherwise end up in status messages.
func ParseURL(raw string) (*Remote, error) {
	ep, err := transport.NewEndpoint(raw)
	if err != nil {
		return nil, fail(ReasonInvalidURL, "spec.url", "%q is not a Git URL: %w", raw, err)
	}
	r := &Remote{URL: raw, endpoint: ep}
	switch {
	case ep.Protocol == "https" || ep.Protocol == "http":
		r.Protocol = HTTP
	case ep.Protocol == "ssh":
		r.Protocol = SSH
	case ep.Protocol == "git":
		r.Protocol = Git
	case ep.Protocol == "file" && strings.HasPrefix(raw, "file://"):
		r.Protocol = File
	default:
		return nil, fail(ReasonInvalidURL, "spec.url", "%q: a Git URL starts with https://, http://, ssh://, git:// or file://, or is user@host:path", raw)
	}
	if ep.Password != "" {
		return nil, fail(ReasonInvalidURL, "spec.url", "the URL holds a password: put credentials in the Secret spec.secretRef names")
	}
	if r.Protocol == File && ep.Host != "" {
		return nil, fail(ReasonInvalidURL, "spec.url", "%q: a file:// URL names a local path (file:///path), not a host", raw)
	}
	return r, nil
}

// sshUser is the user an SSH URL names, "git" by convention when none.
func (r *Remote) sshUser() string {
	if r.endpoint.User != "" {
		return r.endpoint.User
	}
	return "git"
}

// hostPort is the SSH server's address as known_hosts looks it up.
func (r *Remote) hostPort() string {
	port := r.endpoint.Port
	if port == 0 {
		port = 22
	}
	return net.JoinHostPort(strings.Trim(r.endpoint.Host, "[]"), strconv.Itoa(port))
}

// path is the local path of a file:// remote.
func (r *Remote) path() string { return r.endpoint.Path }
