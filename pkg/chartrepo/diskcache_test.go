package chartrepo

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"captain.io/captain/internal/testenv/httprepo"
	"captain.io/captain/internal/testenv/testcharts"
)

func noGate() {}

// logBook collects what a Fetcher logs.
type logBook struct {
	mu    sync.Mutex
	lines []string
}

func (b *logBook) logf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, fmt.Sprintf(format, args...))
}

func (b *logBook) all() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.lines...)
}

// cacheFile is where a Fetcher with CacheDir dir keeps the archive of digest.
func cacheFile(dir, digest string) string {
	return filepath.Join(dir, strings.TrimPrefix(digest, "sha256:")+".tgz")
}

func mustFetch(g Gomega, t *testing.T, src servedChart, f *Fetcher) *Chart {
	ch, err := src.fetch(t.Context(), f)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return ch
}

// TestDiskCacheOutlivesTheFetcher fetches a chart, then fetches it again
// with a new Fetcher over the same folder, as a restarted controller would.
func TestDiskCacheOutlivesTheFetcher(t *testing.T) {
	cases := []struct {
		name      string
		serve     chartServer
		downloads int32 // in all
	}{
		{"FetchChartVersion: the index gives the digest", serveVersion, 1},
		{"FetchOCI: the manifest gives the digest", serveOCI, 1},
		{"FetchURL: the digest is known only after download", serveURL, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			src := tc.serve(t, noGate)
			dir := t.TempDir()
			first := mustFetch(g, t, src, NewFetcher(FetcherOptions{CacheDir: dir}))
			kept, err := os.ReadFile(cacheFile(dir, first.Digest))
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(sha256Digest(kept)).To(Equal(first.Digest))

			second := mustFetch(g, t, src, NewFetcher(FetcherOptions{CacheDir: dir}))
			g.Expect(second.Digest).To(Equal(first.Digest))
			g.Expect(second.Chart.Metadata.Name).To(Equal("plain"))
			g.Expect(src.downloads.Load()).To(Equal(tc.downloads))
		})
	}
}

// TestDiskCacheDistrustsCorruptArchives damages the kept archive: the next
// Fetcher deletes it, says so, and downloads the chart again.
func TestDiskCacheDistrustsCorruptArchives(t *testing.T) {
	cases := []struct {
		name    string
		corrupt func([]byte) []byte
	}{
		{"a byte changed", func(data []byte) []byte {
			data[len(data)/2] ^= 0xff
			return data
		}},
		{"truncated", func(data []byte) []byte { return data[:len(data)/2] }},
		{"empty", func([]byte) []byte { return nil }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			src := serveVersion(t, noGate)
			dir := t.TempDir()
			first := mustFetch(g, t, src, NewFetcher(FetcherOptions{CacheDir: dir}))
			path := cacheFile(dir, first.Digest)
			data, err := os.ReadFile(path)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(os.WriteFile(path, tc.corrupt(bytes.Clone(data)), 0o644)).To(Succeed())

			var book logBook
			second := mustFetch(g, t, src, NewFetcher(FetcherOptions{CacheDir: dir, Logf: book.logf}))
			g.Expect(second.Digest).To(Equal(first.Digest))
			g.Expect(src.downloads.Load()).To(BeEquivalentTo(2), "downloaded again")
			g.Expect(book.all()).To(ContainElement(ContainSubstring(path + " holds an archive of digest sha256:")))
			kept, err := os.ReadFile(path)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(sha256Digest(kept)).To(Equal(first.Digest), "kept again, intact")
		})
	}
}

// TestDiskCacheEvictsLeastRecentlyUsed keeps archives a and b within a
// budget that fits any two of a, b and c, uses a again, one way or another,
// and fetches c: b goes.
func TestDiskCacheEvictsLeastRecentlyUsed(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithCharts(
		testcharts.Path(t, "versioned-1.2.3"), testcharts.Path(t, "versioned-1.2.4"), testcharts.Path(t, "versioned-1.3.0")))
	var downloads atomic.Int32
	srv.SetFault(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		next.ServeHTTP(&countingWriter{ResponseWriter: w, ok: &downloads}, r)
	})
	ix, err := NewFetcher(FetcherOptions{}).FetchIndex(t.Context(), srv.URL(), Credentials{})
	g.Expect(err).NotTo(HaveOccurred())
	versioned, _ := ix.Chart("versioned")
	a, _ := versioned.Version("1.2.3")
	b, _ := versioned.Version("1.2.4")
	c, _ := versioned.Version("1.3.0")
	var budget int64
	for _, v := range []*ChartVersion{a, b, c} {
		budget += int64(len(served(t, v.URLs[0])))
	}
	budget--
	fetch := func(g Gomega, f *Fetcher, v *ChartVersion) {
		_, err := f.FetchChartVersion(t.Context(), srv.URL(), v, Credentials{})
		g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	}

	cases := []struct {
		name string
		// keep fetches a and b into dir, then uses a again, and returns
		// the Fetcher to fetch c with.
		keep func(g Gomega, dir string) *Fetcher
	}{
		{"a used from memory", func(g Gomega, dir string) *Fetcher {
			f := NewFetcher(FetcherOptions{CacheDir: dir, MaxCacheBytes: budget})
			fetch(g, f, a)
			fetch(g, f, b)
			fetch(g, f, a)
			return f
		}},
		{"a used from disk after a restart", func(g Gomega, dir string) *Fetcher {
			f := NewFetcher(FetcherOptions{CacheDir: dir, MaxCacheBytes: budget})
			fetch(g, f, a)
			fetch(g, f, b)
			restarted := NewFetcher(FetcherOptions{CacheDir: dir, MaxCacheBytes: budget})
			fetch(g, restarted, a)
			return restarted
		}},
		{"a used last before a restart", func(g Gomega, dir string) *Fetcher {
			f := NewFetcher(FetcherOptions{CacheDir: dir, MaxCacheBytes: budget})
			fetch(g, f, b)
			fetch(g, f, a)
			// The files' times, which order the next scan, are set to leave
			// no doubt about which came first.
			now := time.Now()
			g.Expect(os.Chtimes(cacheFile(dir, "sha256:"+b.Digest), now, now.Add(-time.Hour))).To(Succeed())
			g.Expect(os.Chtimes(cacheFile(dir, "sha256:"+a.Digest), now, now)).To(Succeed())
			return NewFetcher(FetcherOptions{CacheDir: dir, MaxCacheBytes: budget})
		}},
		{"a used from disk before a restart", func(g Gomega, dir string) *Fetcher {
			f := NewFetcher(FetcherOptions{CacheDir: dir, MaxCacheBytes: budget})
			fetch(g, f, a)
			fetch(g, f, b)
			// a is the older file until its use.
			now := time.Now()
			g.Expect(os.Chtimes(cacheFile(dir, "sha256:"+a.Digest), now, now.Add(-2*time.Hour))).To(Succeed())
			g.Expect(os.Chtimes(cacheFile(dir, "sha256:"+b.Digest), now, now.Add(-time.Hour))).To(Succeed())
			fetch(g, NewFetcher(FetcherOptions{CacheDir: dir, MaxCacheBytes: budget}), a)
			return NewFetcher(FetcherOptions{CacheDir: dir, MaxCacheBytes: budget})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			dir := t.TempDir()
			fetch(g, tc.keep(g, dir), c)
			g.Expect(cacheFile(dir, "sha256:"+a.Digest)).To(BeARegularFile())
			g.Expect(cacheFile(dir, "sha256:"+b.Digest)).NotTo(BeAnExistingFile())
			g.Expect(cacheFile(dir, "sha256:"+c.Digest)).To(BeARegularFile())

			before := downloads.Load()
			restarted := NewFetcher(FetcherOptions{CacheDir: dir, MaxCacheBytes: budget})
			fetch(g, restarted, a)
			fetch(g, restarted, c)
			g.Expect(downloads.Load()).To(Equal(before), "a and c come from disk")
		})
	}
}

// TestDiskCacheSkipsArchivesLargerThanTheBudget fetches a chart larger than
// the whole budget, which is not kept, and would not fit.
func TestDiskCacheSkipsArchivesLargerThanTheBudget(t *testing.T) {
	g := NewWithT(t)
	src := serveVersion(t, noGate)
	dir := t.TempDir()
	mustFetch(g, t, src, NewFetcher(FetcherOptions{CacheDir: dir, MaxCacheBytes: 100}))
	g.Expect(os.ReadDir(dir)).To(BeEmpty())
}

// TestDiskCacheNotWritable fetches through a cache folder that cannot be
// written: the fetch succeeds and the log says why nothing was kept.
func TestDiskCacheNotWritable(t *testing.T) {
	cases := []struct {
		name string
		dir  func(t *testing.T) string
	}{
		{"a file in the way", func(t *testing.T) string {
			file := filepath.Join(t.TempDir(), "file")
			if err := os.WriteFile(file, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(file, "cache")
		}},
		{"a read-only folder", func(t *testing.T) string {
			if os.Geteuid() == 0 {
				t.Skip("root writes to read-only folders")
			}
			dir := t.TempDir()
			if err := os.Chmod(dir, 0o555); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
			return dir
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			src := serveVersion(t, noGate)
			var book logBook
			ch := mustFetch(g, t, src, NewFetcher(FetcherOptions{CacheDir: tc.dir(t), Logf: book.logf}))
			g.Expect(ch.Chart.Metadata.Name).To(Equal("plain"))
			g.Expect(book.all()).To(ContainElement(HavePrefix("chart cache: ")))
		})
	}
}

// TestDiskCacheScan leaves alone the files that are not its own, and deletes
// the partial archives a crash left.
func TestDiskCacheScan(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	partial, notes := filepath.Join(dir, tempPrefix+"123"), filepath.Join(dir, "notes.txt")
	g.Expect(os.WriteFile(partial, []byte("half an archive"), 0o644)).To(Succeed())
	g.Expect(os.WriteFile(notes, []byte("not an archive"), 0o644)).To(Succeed())
	NewFetcher(FetcherOptions{CacheDir: dir})
	g.Expect(partial).NotTo(BeAnExistingFile())
	g.Expect(notes).To(BeARegularFile())
}
