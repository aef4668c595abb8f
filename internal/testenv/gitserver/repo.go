// Package gitserver serves real Git repositories on loopback for tests:
// smart HTTP (git http-backend behind net/http/cgi, optionally with basic
// auth or TLS), git:// (git daemon, one process per connection), SSH (an
// in-process x/crypto/ssh server running git-upload-pack, with key auth
// and a host key for known_hosts), and file:// paths. Repositories are
// made and changed with the machine's git binary, which commits
// atomically, so that a server never sees half a commit.
package gitserver

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Root is a folder of repositories; servers serve each by its name.
type Root struct {
	Dir string
}

// NewRoot makes an empty root, removed when the test ends.
func NewRoot(tb testing.TB) *Root {
	tb.Helper()
	requireGit(tb)
	return &Root{Dir: tb.TempDir()}
}

// Repo is a repository of a Root, with a work tree to commit from.
type Repo struct {
	Name string
	Dir  string
}

// NewRepo makes an empty repository called name, whose default branch is
// main.
func (r *Root) NewRepo(tb testing.TB, name string) *Repo {
	tb.Helper()
	repo := &Repo{Name: name, Dir: filepath.Join(r.Dir, name)}
	run(tb, r.Dir, "init", "--quiet", "--initial-branch=main", name)
	return repo
}

// FileURL is the repository's file:// URL.
func (r *Repo) FileURL() string { return "file://" + r.Dir }

// Git runs git in the repository and returns its trimmed output.
func (r *Repo) Git(tb testing.TB, args ...string) string {
	tb.Helper()
	return run(tb, r.Dir, args...)
}

// CopyChart copies the folder src (a chart of testdata/charts, say) to dest
// inside the work tree, replacing what dest held; dest "." copies into the
// root, which must not hold the same files.
func (r *Repo) CopyChart(tb testing.TB, src, dest string) {
	tb.Helper()
	target := filepath.Join(r.Dir, filepath.FromSlash(dest))
	if target != r.Dir {
		if err := os.RemoveAll(target); err != nil {
			tb.Fatal(err)
		}
	}
	if err := os.CopyFS(target, os.DirFS(src)); err != nil {
		tb.Fatalf("gitserver: copying %s: %v", src, err)
	}
}

// WriteFile writes one file of the work tree, folders made as needed.
func (r *Repo) WriteFile(tb testing.TB, name, content string) {
	tb.Helper()
	p := filepath.Join(r.Dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// Remove removes a file or folder of the work tree.
func (r *Repo) Remove(tb testing.TB, name string) {
	tb.Helper()
	if err := os.RemoveAll(filepath.Join(r.Dir, filepath.FromSlash(name))); err != nil {
		tb.Fatal(err)
	}
}

// Commit commits the whole work tree on the current branch and returns the
// commit's SHA.
func (r *Repo) Commit(tb testing.TB, message string) string {
	tb.Helper()
	r.Git(tb, "add", "--all")
	r.Git(tb, "commit", "--quiet", "--allow-empty", "--message", message)
	return r.Git(tb, "rev-parse", "HEAD")
}

// run runs git in dir with no user or system configuration, so that the
// machine's settings (hooks, signing, default branch) do not leak in.
func run(tb testing.TB, dir string, args ...string) string {
	tb.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("gitserver: git %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

func gitEnv() []string {
	return append(os.Environ(),
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Captain Test", "GIT_AUTHOR_EMAIL=test@captain.io",
		"GIT_COMMITTER_NAME=Captain Test", "GIT_COMMITTER_EMAIL=test@captain.io",
	)
}

var (
	execPathOnce sync.Once
	execPath     string
	execPathErr  error
)

// requireGit fails the test when the git binary is missing.
func requireGit(tb testing.TB) {
	tb.Helper()
	if _, err := gitExecPath(); err != nil {
		tb.Fatalf("gitserver: these tests need the git binary (apt-get install git): %v", err)
	}
}

// gitExecPath is the folder of git's helper programs (git-http-backend,
// git-upload-pack).
func gitExecPath() (string, error) {
	execPathOnce.Do(func() {
		var out []byte
		out, execPathErr = exec.Command("git", "--exec-path").Output()
		execPath = strings.TrimSpace(string(out))
	})
	return execPath, execPathErr
}
