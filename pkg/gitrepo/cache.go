package gitrepo

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/storage/memory"
)

// Repos fetches Git repositories and loads their charts. It is safe for
// concurrent use.
type Repos struct {
	// dir holds one bare repository per remote URL, so that a new commit or
	// a restart fetches only what changed. Empty keeps what a sync fetches
	// in memory for that sync only: nothing grows between syncs.
	dir string

	mu    sync.Mutex
	locks map[string]*sync.Mutex // by cache folder
}

// NewRepos returns Repos that cache fetched objects in dir, or in memory
// when dir is empty. Anything in dir may be deleted at any time, between
// syncs: it is fetched again.
func NewRepos(dir string) *Repos {
	return &Repos{dir: dir, locks: map[string]*sync.Mutex{}}
}

// cacheDir is the folder of url's cache, named by a hash: a URL may hold
// any character.
func (rs *Repos) cacheDir(url string) string {
	sum := sha256.Sum256([]byte(url))
	return filepath.Join(rs.dir, hex.EncodeToString(sum[:16]))
}

// lock keeps other syncs of the same URL out of its cache folder: go-git's
// storage is not safe for concurrent writers.
func (rs *Repos) lock(dir string) func() {
	rs.mu.Lock()
	l, ok := rs.locks[dir]
	if !ok {
		l = &sync.Mutex{}
		rs.locks[dir] = l
	}
	rs.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// inMemory is an empty repository that lives as long as the sync.
func inMemory() *git.Repository {
	repo, err := git.Init(memory.NewStorage(), nil)
	if err != nil {
		// Initialising memory storage cannot fail.
		panic(err)
	}
	return repo
}

// openCache opens the bare repository in dir, making it if need be. One
// that does not open (a crash mid-write, a newer layout) is made anew.
func openCache(dir string) (*git.Repository, error) {
	if repo, err := git.PlainOpen(dir); err == nil {
		return repo, nil
	}
	return initCache(dir)
}

// initCache makes an empty bare repository in dir, removing what was there.
func initCache(dir string) (*git.Repository, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	return git.PlainInit(dir, true)
}
