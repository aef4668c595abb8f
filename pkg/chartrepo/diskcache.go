package chartrepo

import (
	"container/list"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// diskCache keeps chart archives in a folder as <sha256 hex>.tgz, so that a
// restarted controller does not download again the charts it had. It holds
// at most max bytes and deletes the least recently used archives first.
//
// Its errors never fail a fetch, since a download can always stand in for
// it: they are reported through logf. Nothing read from it is trusted: an
// archive whose bytes no longer have their digest is deleted.
//
// A nil *diskCache keeps nothing.
type diskCache struct {
	dir  string
	max  int64
	logf func(format string, args ...any)

	// mu guards the index below and every change to the folder's archive
	// names, so that the index and the folder agree; reads go unlocked.
	mu    sync.Mutex
	total int64
	order *list.List               // of *diskEntry, most recently used first
	items map[string]*list.Element // by digest
}

type diskEntry struct {
	digest string
	size   int64
}

// tempPrefix starts the names of archives being written; a crash may leave
// some behind, never a partial file under a digest's name.
const tempPrefix = ".partial-"

const sha256Prefix = "sha256:"

// newDiskCache indexes the archives that dir holds from an earlier run, and
// is nil if dir is empty.
func newDiskCache(dir string, max int64, logf func(string, ...any)) *diskCache {
	if dir == "" {
		return nil
	}
	c := &diskCache{dir: dir, max: max, logf: logf, order: list.New(), items: map[string]*list.Element{}}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		logf("chart cache: %v", err)
		return c
	}
	c.scan()
	return c
}

// archiveFile is an archive found by scan.
type archiveFile struct {
	digest string
	size   int64
	used   time.Time
}

// scan indexes the archives in the folder, in the order of their last use
// (their mtime, which get and put update), deletes the partial files a crash
// left, and deletes what is over the budget.
func (c *diskCache) scan() {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		c.logf("chart cache: %v", err)
		return
	}
	var files []archiveFile
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			c.removeFile(filepath.Join(c.dir, e.Name()))
			continue
		}
		if f, ok := archiveFileOf(e); ok {
			files = append(files, f)
		}
	}
	slices.SortFunc(files, func(a, b archiveFile) int { return a.used.Compare(b.used) })
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range files {
		c.add(f.digest, f.size)
	}
	c.evict()
}

// archiveFileOf describes e if it is an archive of the cache; other files
// are not the cache's to count or delete.
func archiveFileOf(e fs.DirEntry) (archiveFile, bool) {
	hexSum, ok := strings.CutSuffix(e.Name(), ".tgz")
	if !ok || !isSHA256Hex(hexSum) || !e.Type().IsRegular() {
		return archiveFile{}, false
	}
	info, err := e.Info()
	if err != nil { // deleted meanwhile
		return archiveFile{}, false
	}
	return archiveFile{digest: sha256Prefix + hexSum, size: info.Size(), used: info.ModTime()}, true
}

// get returns the archive kept under digest, if its bytes still have that
// digest; one that does not is deleted.
func (c *diskCache) get(digest string) ([]byte, bool) {
	if c == nil || !c.markUsed(digest) {
		return nil, false
	}
	path := c.path(digest)
	data, err := os.ReadFile(path)
	if err != nil {
		c.logf("chart cache: %v", err)
		c.drop(digest)
		return nil, false
	}
	if got := digestOf(data); got != digest {
		c.logf("chart cache: %s holds an archive of digest %s, not %s: deleted", path, got, digest)
		c.drop(digest)
		return nil, false
	}
	c.touch(path)
	return data, true
}

// put keeps data, whose digest the caller computed, unless data is larger
// than the whole budget or digest is not sha256 (a file's name must be the
// digest that reading it checks).
func (c *diskCache) put(digest string, data []byte) {
	if c == nil || int64(len(data)) > c.max || !isSHA256Hex(strings.TrimPrefix(digest, sha256Prefix)) {
		return
	}
	if c.markUsed(digest) {
		c.touch(c.path(digest))
		return
	}
	tmp, err := c.writeTemp(data)
	if err != nil {
		c.logf("chart cache: keeping %s: %v", digest, err)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := os.Rename(tmp, c.path(digest)); err != nil {
		c.logf("chart cache: keeping %s: %v", digest, err)
		c.removeFile(tmp)
		return
	}
	c.add(digest, int64(len(data)))
	c.evict()
}

// writeTemp writes data to a new temporary file in the folder, so that
// renaming it into place is atomic.
func (c *diskCache) writeTemp(data []byte) (string, error) {
	f, err := os.CreateTemp(c.dir, tempPrefix+"*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		c.removeFile(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// markUsed moves digest to the front of the eviction order, and says whether
// it is kept.
func (c *diskCache) markUsed(digest string) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[digest]
	if ok {
		c.order.MoveToFront(e)
	}
	return ok
}

// touch records a use in the file's mtime, which orders the next run's scan.
func (c *diskCache) touch(path string) {
	now := time.Now()
	if err := os.Chtimes(path, now, now); err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.logf("chart cache: %v", err)
	}
}

// drop forgets digest and deletes its file.
func (c *diskCache) drop(digest string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[digest]; ok {
		c.forget(e)
	}
}

// add indexes digest as the most recently used; c.mu must be held.
func (c *diskCache) add(digest string, size int64) {
	if e, ok := c.items[digest]; ok { // a concurrent put of the same archive
		c.order.MoveToFront(e)
		return
	}
	c.items[digest] = c.order.PushFront(&diskEntry{digest: digest, size: size})
	c.total += size
}

// evict deletes the least recently used archives until the rest fit in the
// budget; c.mu must be held.
func (c *diskCache) evict() {
	for c.total > c.max && c.order.Len() > 0 {
		c.forget(c.order.Back())
	}
}

// forget removes e from the index and its file from the folder; c.mu must be
// held.
func (c *diskCache) forget(e *list.Element) {
	entry := c.order.Remove(e).(*diskEntry)
	delete(c.items, entry.digest)
	c.total -= entry.size
	c.removeFile(c.path(entry.digest))
}

func (c *diskCache) removeFile(path string) {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.logf("chart cache: %v", err)
	}
}

// path is where the archive of digest, a checked sha256 digest, is kept.
func (c *diskCache) path(digest string) string {
	return filepath.Join(c.dir, strings.TrimPrefix(digest, sha256Prefix)+".tgz")
}

// isSHA256Hex says whether s is a sha256 sum in lowercase hex, as digestOf
// writes it: the only names the cache makes or reads.
func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}
