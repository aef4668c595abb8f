package gitserver

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHServer serves a Root over SSH on 127.0.0.1: it accepts one client key
// and runs git-upload-pack for `git-upload-pack '<repo>'` commands; it
// serves no shell and accepts no pushes.
type SSHServer struct {
	ln         net.Listener
	root       *Root
	config     *ssh.ServerConfig
	hostKey    ssh.PublicKey
	uploadPack string
	wg         sync.WaitGroup
}

// NewKey makes an ed25519 key pair: the private key as OpenSSH PEM, as a
// Secret's identity holds it, and the public key.
func NewKey(tb testing.TB) ([]byte, ssh.PublicKey) {
	tb.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		tb.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(block), sshPub
}

// ServeSSH serves root to the holder of the private key of client until
// the test ends. Its host key is made afresh: KnownHosts lists it.
func ServeSSH(tb testing.TB, root *Root, client ssh.PublicKey) *SSHServer {
	tb.Helper()
	dir, err := gitExecPath()
	if err != nil {
		tb.Fatalf("gitserver: %v", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		tb.Fatal(err)
	}
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
		if bytes.Equal(key.Marshal(), client.Marshal()) {
			return &ssh.Permissions{}, nil
		}
		return nil, errors.New("unknown key")
	}}
	cfg.AddHostKey(signer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("gitserver: %v", err)
	}
	s := &SSHServer{ln: ln, root: root, config: cfg, hostKey: signer.PublicKey(), uploadPack: filepath.Join(dir, "git-upload-pack")}
	s.wg.Add(1)
	go s.accept()
	tb.Cleanup(func() {
		_ = ln.Close()
		s.wg.Wait()
	})
	return s
}

// URL is the ssh:// URL of the repository called name.
func (s *SSHServer) URL(name string) string { return "ssh://git@" + s.Addr() + "/" + name }

// KnownHosts is a known_hosts line for the server.
func (s *SSHServer) KnownHosts() []byte { return KnownHostsLine(s.Addr(), s.hostKey) }

// Addr is the server's host:port.
func (s *SSHServer) Addr() string { return s.ln.Addr().String() }

// HostKey is the server's public host key.
func (s *SSHServer) HostKey() ssh.PublicKey { return s.hostKey }

// KnownHostsLine is a known_hosts line saying that the server at hostPort
// has key.
func KnownHostsLine(hostPort string, key ssh.PublicKey) []byte {
	return []byte(knownhosts.Line([]string{knownhosts.Normalize(hostPort)}, key) + "\n")
}

func (s *SSHServer) accept() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		s.wg.Add(1)
		go s.serve(conn)
	}
}

func (s *SSHServer) serve(conn net.Conn) {
	defer s.wg.Done()
	defer conn.Close()
	_, chans, reqs, err := ssh.NewServerConn(conn, s.config)
	if err != nil {
		return
	}
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "sessions only")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			continue
		}
		s.wg.Add(1)
		go s.session(ch, chReqs)
	}
}

// session runs the one exec request of a session; env requests (such as
// GIT_PROTOCOL) are declined.
func (s *SSHServer) session(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer s.wg.Done()
	defer ch.Close()
	for req := range reqs {
		if req.Type != "exec" {
			_ = req.Reply(false, nil)
			continue
		}
		repo, err := s.repoOf(req.Payload)
		_ = req.Reply(err == nil, nil)
		if err != nil {
			fmt.Fprintln(ch.Stderr(), err)
			exit(ch, 1)
			return
		}
		exit(ch, s.uploadPackTo(ch, repo))
		return
	}
}

// repoOf is the repository folder of the command `git-upload-pack '<path>'`.
func (s *SSHServer) repoOf(payload []byte) (string, error) {
	var msg struct{ Command string }
	if err := ssh.Unmarshal(payload, &msg); err != nil {
		return "", err
	}
	name, ok := strings.CutPrefix(msg.Command, "git-upload-pack ")
	if !ok {
		return "", fmt.Errorf("only git-upload-pack is served, not %q", msg.Command)
	}
	name = path.Clean("/" + strings.Trim(name, "'\""))
	return filepath.Join(s.root.Dir, filepath.FromSlash(name)), nil
}

func (s *SSHServer) uploadPackTo(ch ssh.Channel, repo string) int {
	cmd := exec.Command(s.uploadPack, repo)
	cmd.Env = gitEnv()
	cmd.Stdout, cmd.Stderr = ch, ch.Stderr()
	// Not cmd.Stdin = ch: Wait would then wait for the client to close its
	// side, which it does only after reading the exit status.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 1
	}
	go func() { _, _ = io.Copy(stdin, ch) }()
	var exitErr *exec.ExitError
	if err := cmd.Run(); errors.As(err, &exitErr) {
		return exitErr.ExitCode()
	} else if err != nil {
		return 1
	}
	return 0
}

func exit(ch ssh.Channel, code int) {
	status := make([]byte, 4)
	binary.BigEndian.PutUint32(status, uint32(code))
	_, _ = ch.SendRequest("exit-status", false, status)
}
