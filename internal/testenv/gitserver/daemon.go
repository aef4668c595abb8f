package gitserver

import (
	"errors"
	"net"
	"os/exec"
	"sync"
	"testing"
)

// Daemon serves a Root over git:// on 127.0.0.1. Each connection gets its
// own `git daemon --inetd`, so the port is the test's own listener: no
// race for a free port.
type Daemon struct {
	ln   net.Listener
	root *Root
	wg   sync.WaitGroup
}

// ServeDaemon serves root until the test ends.
func ServeDaemon(tb testing.TB, root *Root) *Daemon {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("gitserver: %v", err)
	}
	d := &Daemon{ln: ln, root: root}
	d.wg.Add(1)
	go d.accept()
	tb.Cleanup(func() {
		_ = ln.Close()
		d.wg.Wait()
	})
	return d
}

// URL is the git:// URL of the repository called name.
func (d *Daemon) URL(name string) string { return "git://" + d.ln.Addr().String() + "/" + name }

func (d *Daemon) accept() {
	defer d.wg.Done()
	for {
		conn, err := d.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		d.wg.Add(1)
		go d.serve(conn.(*net.TCPConn))
	}
}

func (d *Daemon) serve(conn *net.TCPConn) {
	defer d.wg.Done()
	defer conn.Close()
	// The daemon talks on its stdin and stdout: hand it the socket itself.
	f, err := conn.File()
	if err != nil {
		return
	}
	defer f.Close()
	cmd := exec.Command("git", "daemon", "--inetd", "--export-all", "--informative-errors",
		"--init-timeout=10", "--timeout=10", "--base-path="+d.root.Dir)
	cmd.Env = gitEnv()
	cmd.Stdin, cmd.Stdout = f, f
	_ = cmd.Run()
}
