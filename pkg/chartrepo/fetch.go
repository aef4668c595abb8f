package chartrepo

import (
	"bytes"
	"fmt"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
)

// Defaults of FetcherOptions.
const (
	DefaultFetchTimeout = 60 * time.Second
	DefaultMaxChartSize = 20 << 20
	DefaultCacheSize    = 64
	DefaultMaxIndexSize = 100 << 20
	// DefaultIndexCacheSize is small because a parsed index of a large
	// repository takes tens of megabytes.
	DefaultIndexCacheSize = 16
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
	// IndexCacheSize is how many parsed repository indexes are kept in memory.
	IndexCacheSize int
}

// Fetcher downloads charts. It is safe for concurrent use and caches loaded
// charts by archive digest, so that the same chart for many HelmRequests is
// loaded once.
type Fetcher struct {
	timeout time.Duration
	maxSize int64
	charts  *lru[string, *chart.Chart] // by archive digest
	// validators are the ETag/Last-Modified of each chart URL's last download.
	validators *lru[string, validator]

	maxIndexSize int64
	indexes      *lru[string, *Index] // by index digest
	// indexValidators are the ETag/Last-Modified of each index URL's last
	// download.
	indexValidators *lru[string, validator]
	parseIndex      func(data []byte, digest string) (*Index, error) // replaced by tests to count parses
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
	// A validator is worth keeping only while its chart is cached.
	f.validators = newLRU[string, validator](size)
	f.initIndexes(opts)
	return f
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
	f.parseIndex = parseIndex
}

// load turns a downloaded archive into a Chart, parsing it only if no chart
// with this digest is cached. Helm's loader refuses archives whose entries
// leave the chart's folder and validates the chart's metadata.
func (f *Fetcher) load(data []byte, digest, source string) (*Chart, error) {
	ch, ok := f.charts.get(digest)
	if !ok {
		loaded, err := loader.LoadArchive(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s is not a valid chart archive: %w", source, err)
		}
		ch = f.charts.keep(digest, loaded)
	}
	return newChart(ch, digest, source), nil
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
