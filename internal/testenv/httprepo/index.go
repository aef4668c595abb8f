package httprepo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/provenance"
	"helm.sh/helm/v3/pkg/repo"
	"sigs.k8s.io/yaml"

	"captain.io/captain/internal/testenv/testcharts"
)

const indexFile = "index.yaml"

// Publish packages the chart folder chartDir into the repository and adds it to index.yaml,
// as `helm package` plus `helm repo index --merge` would. Publishing a name and version that
// is already there replaces its archive and entry, as a careless chart author might.
func (s *Server) Publish(chartDir string) (*repo.ChartVersion, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	archive, ch, err := s.add(chartDir)
	if err != nil {
		return nil, err
	}
	digest, err := provenance.DigestFile(archive)
	if err != nil {
		return nil, fmt.Errorf("digesting %s: %w", archive, err)
	}
	md := ch.Metadata
	removeEntry(s.index, md.Name, md.Version)
	if err := s.index.MustAdd(md, filepath.Base(archive), s.baseURL(), digest); err != nil {
		return nil, fmt.Errorf("indexing %s %s: %w", md.Name, md.Version, err)
	}
	s.index.SortEntries()
	if err := s.storeIndex(); err != nil {
		return nil, err
	}
	return s.index.Get(md.Name, md.Version)
}

// Remove deletes a chart version's archive and its index entry.
func (s *Server) Remove(name, version string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !removeEntry(s.index, name, version) {
		return fmt.Errorf("chart %s version %s is not in the repository", name, version)
	}
	archive := filepath.Join(s.docroot, fmt.Sprintf("%s-%s.tgz", name, version))
	if err := os.Remove(archive); err != nil {
		return fmt.Errorf("removing %s %s: %w", name, version, err)
	}
	return s.storeIndex()
}

// build packages the initial charts and indexes them with Helm's repo.IndexDirectory.
func (s *Server) build(folders []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range folders {
		if _, _, err := s.add(f); err != nil {
			return err
		}
	}
	index, err := repo.IndexDirectory(s.docroot, s.baseURL())
	if err != nil {
		return fmt.Errorf("indexing %s: %w", s.docroot, err)
	}
	index.SortEntries()
	s.index = index
	return s.storeIndex()
}

// add packages chartDir into the docroot. The archive is built aside and renamed in, so a
// client downloading the version being replaced never reads half an archive.
func (s *Server) add(chartDir string) (string, *chart.Chart, error) {
	built, ch, err := testcharts.Package(chartDir, s.staging)
	if err != nil {
		return "", nil, err
	}
	archive := filepath.Join(s.docroot, filepath.Base(built))
	if err := os.Rename(built, archive); err != nil {
		return "", nil, fmt.Errorf("publishing %s: %w", chartDir, err)
	}
	return archive, ch, nil
}

func (s *Server) baseURL() string {
	if s.opts.relativeURLs {
		return ""
	}
	return s.URL()
}

// indexSnapshot is index.yaml as served. It is kept in memory and swapped whole, so a client
// never reads half of it, and its ETag always matches its bytes.
type indexSnapshot struct {
	data     []byte
	etag     string
	modified time.Time
}

// storeIndex serves the current index from now on.
func (s *Server) storeIndex() error {
	now := time.Now()
	s.index.Generated = now
	data, err := yaml.Marshal(s.index)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", indexFile, err)
	}
	sum := sha256.Sum256(data)
	s.indexSnap.Store(&indexSnapshot{data: data, etag: `"` + hex.EncodeToString(sum[:16]) + `"`, modified: now})
	return nil
}

// serveIndex answers conditional requests (If-None-Match, If-Modified-Since) as a static
// file server would, so that clients' index caches can be tested.
func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	snap := s.indexSnap.Load()
	w.Header().Set("ETag", snap.etag)
	http.ServeContent(w, r, indexFile, snap.modified, bytes.NewReader(snap.data))
}

// removeEntry drops one version of a chart from the index and reports whether it was there.
func removeEntry(index *repo.IndexFile, name, version string) bool {
	versions := index.Entries[name]
	for i, cv := range versions {
		if cv.Version != version {
			continue
		}
		versions = append(versions[:i], versions[i+1:]...)
		if len(versions) == 0 {
			delete(index.Entries, name)
		} else {
			index.Entries[name] = versions
		}
		return true
	}
	return false
}
