package chartrepo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"

	"helm.sh/helm/v3/pkg/chart"
)

// validator is what the last download of a chart URL left for a conditional
// GET: its ETag and Last-Modified, and the digest of the archive.
type validator struct {
	etag, lastModified, digest string
}

// What FetchURL and FetchIndex download, as errors name it.
const (
	archiveWhat = "chart archive"
	indexWhat   = "chart repository index"
)

// FetchURL downloads the .tgz chart archive at rawURL. It remembers each
// URL's ETag and Last-Modified and, when the server answers 304 Not Modified,
// returns the cached chart without downloading it again. Concurrent fetches
// of one URL with the same credentials share one request. Errors name the
// URL without user info: unreachable, timed out, an HTTP status other than
// 200, too large, or not a chart archive.
func (f *Fetcher) FetchURL(ctx context.Context, rawURL string, creds Credentials) (*Chart, error) {
	return f.fetchArchive(ctx, rawURL, creds, "")
}

// fetchArchive is FetchURL for an archive whose digest must be want, if set.
// With want, concurrent fetches share one download by digest, and the chart
// is looked for in memory and on disk first.
func (f *Fetcher) fetchArchive(ctx context.Context, rawURL string, creds Credentials, want string) (*Chart, error) {
	source, err := sourceOf(rawURL)
	if err != nil {
		return nil, err
	}
	fl := flight{identity: identityOf(rawURL, creds, want), what: "fetching chart archive at " + source}
	fl.key = fl.identity
	if want != "" {
		fl.key = want
	}
	ch, digest, err := f.shared(ctx, fl, func(ctx context.Context) (*chart.Chart, string, error) {
		if ch, ok := f.local(want, source); ok {
			return ch, want, nil
		}
		return f.download(ctx, rawURL, source, creds, want)
	})
	if err != nil {
		return nil, err
	}
	return newChart(ch, digest, source), nil
}

// download GETs the archive at rawURL and returns its chart and digest. A
// caller with want has looked for it in the cache already, so then the
// request is not conditional: a 304 would stand for another archive.
func (f *Fetcher) download(ctx context.Context, rawURL, source string, creds Credentials, want string) (*chart.Chart, string, error) {
	client, err := f.httpClient(creds)
	if err != nil {
		return nil, "", fmt.Errorf("chart archive at %s: %w", source, err)
	}

	var v validator
	var cached *chart.Chart
	if want == "" {
		v, cached = f.conditional(rawURL)
	}
	req, err := newGet(ctx, rawURL, v)
	if err != nil {
		return nil, "", fmt.Errorf("chart archive at %s: %w", source, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", f.netError(ctx, fmt.Sprintf("chart archive at %s is unreachable", source), err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && cached != nil:
		f.hits.Add(1)
		return cached, v.digest, nil
	case resp.StatusCode != http.StatusOK:
		return nil, "", statusError(archiveWhat, source, resp.StatusCode)
	}

	data, err := f.readBody(ctx, resp, archiveWhat, source, f.maxSize)
	if err != nil {
		return nil, "", err
	}
	digest := digestOf(data)
	if want != "" && digest != want {
		return nil, "", fmt.Errorf("chart archive at %s: digest mismatch: the index lists %s, the archive is %s", source, want, digest)
	}
	ch, err := f.store(data, digest, source)
	if err != nil {
		return nil, "", err
	}
	f.validators.put(rawURL, validator{
		etag:         resp.Header.Get("ETag"),
		lastModified: resp.Header.Get("Last-Modified"),
		digest:       digest,
	})
	return ch, digest, nil
}

// digestOf is the "sha256:<hex>" digest of data.
func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// conditional returns the validator to send for rawURL and the chart it
// stands for. A validator whose chart has left the cache is useless, since a
// 304 would leave nothing to return, so then it returns neither.
func (f *Fetcher) conditional(rawURL string) (validator, *chart.Chart) {
	v, ok := f.validators.get(rawURL)
	if !ok {
		return validator{}, nil
	}
	ch, ok := f.cachedChart(v.digest)
	if !ok {
		return validator{}, nil
	}
	return v, ch
}

// newGet is a GET of rawURL, conditional if v holds validators.
func newGet(ctx context.Context, rawURL string, v validator) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	if v.etag != "" {
		req.Header.Set("If-None-Match", v.etag)
	}
	if v.lastModified != "" {
		req.Header.Set("If-Modified-Since", v.lastModified)
	}
	return req, nil
}

// readBody reads the response body, what (a chart archive, an index),
// refusing more than limit bytes before reading them where the server
// announces the length. A known length is read into a buffer of that size:
// an index can be tens of megabytes, which growing a buffer would double.
func (f *Fetcher) readBody(ctx context.Context, resp *http.Response, what, source string, limit int64) ([]byte, error) {
	if resp.ContentLength > limit {
		return nil, larger(what, source, limit)
	}
	var data []byte
	var err error
	if resp.ContentLength >= 0 {
		data = make([]byte, resp.ContentLength)
		_, err = io.ReadFull(resp.Body, data)
	} else {
		data, err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
	}
	if err != nil {
		return nil, f.netError(ctx, fmt.Sprintf("reading %s at %s", what, source), err)
	}
	if int64(len(data)) > limit {
		return nil, larger(what, source, limit)
	}
	return data, nil
}

// netError describes a failed exchange. It drops net/http's *url.Error,
// which repeats the URL, user info included, and says so when it was the
// Fetcher's timeout that ran out rather than the caller's context.
func (f *Fetcher) netError(ctx context.Context, what string, err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	var nerr net.Error
	if ctx.Err() == nil && errors.As(err, &nerr) && nerr.Timeout() {
		return fmt.Errorf("%s: timed out after %s: %w", what, f.timeout, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// statusError describes a response other than 200 for what (a chart
// archive, an index) at source.
func statusError(what, source string, code int) error {
	msg := fmt.Sprintf("fetching %s at %s: %d %s", what, source, code, http.StatusText(code))
	switch code {
	case http.StatusUnauthorized:
		msg += " (credentials missing or wrong)"
	case http.StatusForbidden:
		msg += " (the credentials do not grant access)"
	}
	return errors.New(msg)
}

// sourceOf checks that rawURL is an HTTP(S) URL and returns it without user
// info, fit for errors and Chart.Source.
func sourceOf(rawURL string) (string, error) {
	u, err := parseHTTPURL("chart", rawURL)
	if err != nil {
		return "", err
	}
	return withoutUser(u), nil
}

// parseHTTPURL parses rawURL, the URL of what (a chart, a chart repository),
// and checks that it is HTTP(S).
func parseHTTPURL(what, rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // without the URL, which may hold a password
		}
		return nil, fmt.Errorf("%s URL is not valid: %w", what, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%s URL %s is not http or https", what, withoutUser(u))
	}
	return u, nil
}

// withoutUser is u without user info, fit for errors.
func withoutUser(u *url.URL) string {
	clean := *u
	clean.User = nil
	return clean.String()
}
