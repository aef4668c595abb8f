package chartrepo

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// FetchIndex downloads the index.yaml of the HTTP(S) chart repository at
// repoURL and parses it. It remembers the index's ETag and Last-Modified and,
// when the server answers 304 Not Modified, returns the cached *Index; an
// index whose digest was seen before is not parsed again either. Errors name
// the URL without user info: unreachable, timed out, an HTTP status other
// than 200, larger than FetcherOptions.MaxIndexSize, or not a valid index.
func (f *Fetcher) FetchIndex(ctx context.Context, repoURL string, creds Credentials) (*Index, error) {
	base, err := parseHTTPURL("chart repository", repoURL)
	if err != nil {
		return nil, err
	}
	indexURL := resolveRef(base, &url.URL{Path: "index.yaml"})
	rawURL, source := indexURL.String(), withoutUser(indexURL)
	client, err := f.httpClient(creds)
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", indexWhat, source, err)
	}

	v, cached := f.indexConditional(rawURL)
	req, err := newGet(ctx, rawURL, v)
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", indexWhat, source, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, f.netError(ctx, fmt.Sprintf("%s at %s is unreachable", indexWhat, source), err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && cached != nil:
		return cached, nil
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("%w (is %s a chart repository?)", statusError(indexWhat, source, resp.StatusCode), withoutUser(base))
	case resp.StatusCode != http.StatusOK:
		return nil, statusError(indexWhat, source, resp.StatusCode)
	}

	data, err := f.readBody(ctx, resp, indexWhat, source, f.maxIndexSize)
	if err != nil {
		return nil, err
	}
	ix, err := f.index(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	f.indexValidators.put(rawURL, validator{
		etag:         resp.Header.Get("ETag"),
		lastModified: resp.Header.Get("Last-Modified"),
		digest:       ix.Digest,
	})
	return ix, nil
}

// index parses data unless an index with its digest is cached.
func (f *Fetcher) index(data []byte) (*Index, error) {
	digest := digestOf(data)
	if ix, ok := f.indexes.get(digest); ok {
		return ix, nil
	}
	ix, err := f.parseIndex(data, digest)
	if err != nil {
		return nil, err
	}
	return f.indexes.keep(digest, ix), nil
}

// indexConditional is conditional for index URLs.
func (f *Fetcher) indexConditional(rawURL string) (validator, *Index) {
	v, ok := f.indexValidators.get(rawURL)
	if !ok {
		return validator{}, nil
	}
	ix, ok := f.indexes.get(v.digest)
	if !ok {
		return validator{}, nil
	}
	return v, ix
}

// FetchChartVersion downloads a chart version listed in the index of the
// repository at repoURL, from its first URL, resolved against repoURL when
// relative. If the index gives the archive's digest, a chart cached under it,
// in memory or on disk, is returned without any request, concurrent fetches
// of it share one download, and an archive with another digest is refused.
//
// The credentials go only to the repository's own scheme and host, as
// Helm's do unless told otherwise: an index may send downloads to any host
// (a CDN, an object store, or, if the index was tampered with, an attacker's
// server), and a repository's password or token is not theirs to see. The
// CA and the choice to skip TLS verification still apply: they are trust
// settings, not secrets.
func (f *Fetcher) FetchChartVersion(ctx context.Context, repoURL string, v *ChartVersion, creds Credentials) (*Chart, error) {
	base, err := parseHTTPURL("chart repository", repoURL)
	if err != nil {
		return nil, err
	}
	if len(v.URLs) == 0 {
		return nil, fmt.Errorf("chart version %s in the index of %s lists no URL", v.Version, withoutUser(base))
	}
	ref, err := url.Parse(v.URLs[0])
	if err != nil {
		return nil, fmt.Errorf("chart version %s in the index of %s: chart URL is not valid", v.Version, withoutUser(base))
	}
	chartURL := resolveRef(base, ref)
	want, err := archiveDigest(v.Digest)
	if err != nil {
		return nil, fmt.Errorf("chart version %s in the index of %s: %w", v.Version, withoutUser(base), err)
	}
	if ch, ok := f.cachedChart(want); ok {
		return newChart(ch, want, withoutUser(chartURL)), nil
	}
	if chartURL.Scheme != base.Scheme || chartURL.Host != base.Host {
		creds = Credentials{CACert: creds.CACert, InsecureSkipTLSVerify: creds.InsecureSkipTLSVerify}
	}
	return f.fetchArchive(ctx, chartURL.String(), creds, want)
}

// resolveRef resolves ref against a repository's URL as Helm's
// repo.ResolveReferenceURL does: relative to the repository's folder,
// whether or not its URL ends in '/', and with the repository's query.
func resolveRef(base, ref *url.URL) *url.URL {
	if ref.IsAbs() {
		return ref
	}
	folder := *base
	folder.Path = strings.TrimSuffix(folder.Path, "/") + "/"
	if folder.RawPath != "" {
		folder.RawPath = strings.TrimSuffix(folder.RawPath, "/") + "/"
	}
	resolved := folder.ResolveReference(ref)
	resolved.RawQuery = base.RawQuery
	return resolved
}

// archiveDigest turns an index's digest field, hex with or without
// "sha256:", into a Chart digest; an empty field stays empty.
func archiveDigest(field string) (string, error) {
	if field == "" {
		return "", nil
	}
	sum := strings.ToLower(strings.TrimPrefix(field, "sha256:"))
	if b, err := hex.DecodeString(sum); err != nil || len(b) != 32 {
		return "", fmt.Errorf("digest %q is not a sha256 digest", field)
	}
	return "sha256:" + sum, nil
}
