package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"

	"helm.sh/helm/v3/pkg/repo"

	"captain.io/captain/internal/testenv/testcharts"
)

// chartServer is a static chart repository: packaged charts and an
// index.yaml, as `helm repo index` makes them.
type chartServer struct {
	URL string
	srv *http.Server
}

// serveCharts packages every chart folder of src into dir and serves dir on
// 127.0.0.1:8879, the address config/samples names, or on a free port if
// that one is taken.
func serveCharts(src, dir string) (*chartServer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	folders, err := testcharts.Folders(src)
	if err != nil {
		return nil, err
	}
	for _, f := range folders {
		if _, _, err := testcharts.Package(f, dir); err != nil {
			return nil, err
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:8879")
	if err != nil {
		if l, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return nil, err
		}
	}
	url := "http://" + l.Addr().String()
	index, err := repo.IndexDirectory(dir, url)
	if err != nil {
		return nil, fmt.Errorf("indexing the demo charts: %w", err)
	}
	index.SortEntries()
	if err := index.WriteFile(dir+"/index.yaml", 0o644); err != nil {
		return nil, err
	}
	s := &chartServer{URL: url, srv: &http.Server{Handler: http.FileServer(http.Dir(dir))}}
	go func() {
		if err := s.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "demo: chart repository:", err)
		}
	}()
	return s, nil
}

func (s *chartServer) Close() { _ = s.srv.Close() }
