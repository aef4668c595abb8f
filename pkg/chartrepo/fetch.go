package chartrepo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
)

// Defaults of FetcherOptions.
const (
	DefaultFetchTimeout = 60 * time.Second
	DefaultMaxChartSize = 20 << 20
	DefaultCacheSize    = 64
	DefaultMaxIndexSize = 100 << 20
	// DefaultMaxIndexCharts is far above real repositories (hundreds of
	// charts) and far below what would flood the API server with Chart
	// objects.
	DefaultMaxIndexCharts = 10_000
	// DefaultIndexCacheSize is small because a parsed index of a large
	// repository takes tens of megabytes.
	DefaultIndexCacheSize = 16
	DefaultMaxCacheBytes  = 1 << 30
)

// Chart is a loaded chart and where it came from.
type Chart struct {
	// Chart is shared by every caller that fetched the same archive: treat it
	// as read-only. Helm's install and upgrade actions change a chart's
	// dependencies in place (disabled subcharts are dropped), so give them a
	// copy.
	Chart   *chart.Chart
	Version string // the chart's version
	Digest  string // "sha256:<hex>" of the archive
	Source  string // URL (without credentials) or OCI reference with tag
}

// FetcherOptions tune a Fetcher; zero values mean the defaults.
type FetcherOptions struct {
	// Timeout bounds one fetch, from the first request to the last byte.
	Timeout time.Duration
	// MaxChartSize is the largest chart archive, in bytes, that is downloaded.
	MaxChartSize int64
	// CacheSize is how many loaded charts are kept in memory.
	CacheSize int
	// MaxIndexSize is the largest repository index, in bytes, that is
	// downloaded.
	MaxIndexSize int64
	// MaxIndexCharts is the most charts an index may list; each is a Chart
	// object.
	MaxIndexCharts int
	// IndexCacheSize is how many parsed repository indexes are kept in memory.
	IndexCacheSize int
	// CacheDir is the folder where chart archives are kept by digest, so
	// that they outlive the process; empty keeps them in memory only.
	CacheDir string
	// MaxCacheBytes bounds the archives kept in CacheDir; the least recently
	// used go first, and a chart larger than that is not kept.
	MaxCacheBytes int64
	// Logf reports the errors of the archives kept in CacheDir, which never
	// fail a fetch; nil means the standard logger.
	Logf func(format string, args ...any)
}

// Fetcher downloads charts. It is safe for concurrent use. It caches loaded
// charts by archive digest, in memory and, if asked, on disk, and concurrent
// fetches of the same chart share one download, so that the same chart for
// many HelmRequests is downloaded and loaded once.
type Fetcher struct {
	timeout time.Duration
	maxSize int64
	charts  *lru[string, *chart.Chart] // by archive digest
	disk    *diskCache                 // nil without FetcherOptions.CacheDir
	logf    func(format string, args ...any)
	flights singleflight.Group // by flight.key
	// validators are the ETag/Last-Modified of each chart URL's last download.
	validators *lru[string, validator]

	maxIndexSize int64
	indexes      *lru[string, *Index] // by index digest
	// indexValidators are the ETag/Last-Modified of each index URL's last
	// download.
	indexValidators *lru[string, validator]
	parseIndex      func(data []byte, digest string) (*Index, error) // replaced by tests to count parses

	// clients are the HTTP clients in use, by credentials.
	clients *lru[string, *http.Client]

	hits, misses atomic.Uint64
}

// CacheStats counts chart fetches served from the cache (memory, disk, or a
// 304 for a cached chart) and those that downloaded an archive.
type CacheStats struct {
	Hits, Misses uint64
}

// Stats returns the cache counters since the Fetcher was made.
func (f *Fetcher) Stats() CacheStats {
	return CacheStats{Hits: f.hits.Load(), Misses: f.misses.Load()}
}

// NewFetcher returns a Fetcher with opts, defaults filled in.
func NewFetcher(opts FetcherOptions) *Fetcher {
	f := &Fetcher{timeout: opts.Timeout, maxSize: opts.MaxChartSize}
	if f.timeout <= 0 {
		f.timeout = DefaultFetchTimeout
	}
	if f.maxSize <= 0 {
		f.maxSize = DefaultMaxChartSize
	}
	size := opts.CacheSize
	if size <= 0 {
		size = DefaultCacheSize
	}
	f.charts = newLRU[string, *chart.Chart](size)
	f.clients = newLRU[string, *http.Client](clientCacheSize)
	// A validator is worth keeping only while its chart is cached.
	f.validators = newLRU[string, validator](size)
	f.initDisk(opts)
	f.initIndexes(opts)
	return f
}

func (f *Fetcher) initDisk(opts FetcherOptions) {
	f.logf = opts.Logf
	if f.logf == nil {
		f.logf = log.Printf
	}
	limit := opts.MaxCacheBytes
	if limit <= 0 {
		limit = DefaultMaxCacheBytes
	}
	f.disk = newDiskCache(opts.CacheDir, limit, f.logf)
}

func (f *Fetcher) initIndexes(opts FetcherOptions) {
	f.maxIndexSize = opts.MaxIndexSize
	if f.maxIndexSize <= 0 {
		f.maxIndexSize = DefaultMaxIndexSize
	}
	size := opts.IndexCacheSize
	if size <= 0 {
		size = DefaultIndexCacheSize
	}
	f.indexes = newLRU[string, *Index](size)
	f.indexValidators = newLRU[string, validator](size)
	maxCharts := opts.MaxIndexCharts
	if maxCharts <= 0 {
		maxCharts = DefaultMaxIndexCharts
	}
	f.parseIndex = func(data []byte, digest string) (*Index, error) {
		ix, err := parseIndex(data, digest)
		if err == nil && len(ix.Charts) > maxCharts {
			return nil, fmt.Errorf("%w: it lists %d charts, more than the %d Captain mirrors", errInvalidIndex, len(ix.Charts), maxCharts)
		}
		return ix, err
	}
}

// flight names a fetch that concurrent callers share.
type flight struct {
	// key is what the callers share: the archive's digest when it is known
	// before download, else identity. (An identity holds a NUL byte, which
	// a digest does not.)
	key string
	// identity is what was asked, from where, with which credentials.
	identity string
	// what describes the fetch for errors, without credentials.
	what string
}

// identityOf names a fetch of location with creds, of an archive whose
// digest must be want, if set: fetches that differ in any of these must not
// share an outcome, an authorization failure least of all. The credentials
// are hashed, so that keys hold no secret.
func identityOf(location string, creds Credentials, want string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%q %q %q %q %q %q %t %t", creds.Username, creds.Password, creds.Token,
		creds.CACert, creds.ClientCert, creds.ClientKey, creds.InsecureSkipTLSVerify, creds.PlainHTTP)
	return location + "\x00" + want + "\x00" + hex.EncodeToString(h.Sum(nil))
}

// fetched is what a shared fetch yields.
type fetched struct {
	chart  *chart.Chart
	digest string
	by     string // the identity of the fetch that ran
}

// shared runs fetch once for all concurrent callers of fl.key, and returns
// its chart and the chart's digest. A caller whose fetch was shared by
// digest with another identity's, which failed, tries on its own: another
// URL or other credentials may well succeed.
func (f *Fetcher) shared(ctx context.Context, fl flight, fetch func(context.Context) (*chart.Chart, string, error)) (*chart.Chart, string, error) {
	res, err := f.await(ctx, fl, fetch)
	if err != nil && ctx.Err() == nil && res.by != fl.identity {
		fl.key = fl.identity
		res, err = f.await(ctx, fl, fetch)
	}
	return res.chart, res.digest, err
}

// await joins or starts the fetch of fl.key and waits for it as long as ctx
// allows. The fetch runs without the caller's cancellation, so that the
// first caller giving up does not fail the others; the Fetcher's timeout
// still ends it.
func (f *Fetcher) await(ctx context.Context, fl flight, fetch func(context.Context) (*chart.Chart, string, error)) (fetched, error) {
	done := f.flights.DoChan(fl.key, func() (v any, err error) {
		// The fetch runs on a goroutine of its own, where a panic (of a chart
		// loader, say) would take the whole process down.
		defer func() {
			if p := recover(); p != nil {
				v, err = fetched{by: fl.identity}, fmt.Errorf("%s: panic: %v", fl.what, p)
			}
		}()
		ch, digest, err := fetch(context.WithoutCancel(ctx))
		return fetched{chart: ch, digest: digest, by: fl.identity}, err
	})
	select {
	case r := <-done:
		return r.Val.(fetched), r.Err
	case <-ctx.Done():
		return fetched{}, fmt.Errorf("%s: %w", fl.what, ctx.Err())
	}
}

// cachedChart is the chart cached in memory under digest, if digest is
// known. A chart in use stays on disk too: it would be the first to be
// needed again after a restart.
func (f *Fetcher) cachedChart(digest string) (*chart.Chart, bool) {
	if digest == "" {
		return nil, false
	}
	ch, ok := f.charts.get(digest)
	if ok {
		f.hits.Add(1)
		f.disk.markUsed(digest)
	}
	return ch, ok
}

// local is the chart of digest from memory or disk, which a fetch looks for
// before downloading; an unknown digest ("") is never there. An archive on
// disk that does not load (a newer Helm may check more) costs a download,
// whose error will name the URL.
func (f *Fetcher) local(digest, source string) (*chart.Chart, bool) {
	if ch, ok := f.cachedChart(digest); ok {
		return ch, true
	}
	data, ok := f.disk.get(digest)
	if !ok {
		return nil, false
	}
	ch, err := f.load(data, digest, source)
	if err != nil {
		f.logf("chart cache: %s: %v", digest, err)
		return nil, false
	}
	f.hits.Add(1)
	return ch, true
}

// store is load for an archive just downloaded and verified, which is kept
// on disk once it has proved to be a chart.
func (f *Fetcher) store(data []byte, digest, source string) (*chart.Chart, error) {
	f.misses.Add(1)
	ch, err := f.load(data, digest, source)
	if err != nil {
		return nil, err
	}
	f.disk.put(digest, data)
	return ch, nil
}

// load turns an archive into a chart, parsing it only if no chart with this
// digest is cached. Helm's loader refuses archives whose entries leave the
// chart's folder and validates the chart's metadata.
func (f *Fetcher) load(data []byte, digest, source string) (*chart.Chart, error) {
	if ch, ok := f.charts.get(digest); ok {
		return ch, nil
	}
	loaded, err := loader.LoadArchive(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid chart archive: %w", source, err)
	}
	return f.charts.keep(digest, loaded), nil
}

func newChart(ch *chart.Chart, digest, source string) *Chart {
	return &Chart{Chart: ch, Version: ch.Metadata.Version, Digest: digest, Source: source}
}

func tooLarge(source string, limit int64) error {
	return larger(archiveWhat, source, limit)
}

// larger says that what (a chart archive, an index) at source is larger than
// limit bytes.
func larger(what, source string, limit int64) error {
	return fmt.Errorf("%s at %s is larger than %d bytes", what, source, limit)
}
