package ociregistry

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/crypto/bcrypt"

	"captain.io/captain/internal/testenv/testcharts"
)

// Option configures a Registry.
type Option func(*options)

type options struct {
	charts   testcharts.Selection
	username string
	password string
}

// WithChartsDir pushes every chart folder in dir instead of testdata/charts.
func WithChartsDir(dir string) Option {
	return func(o *options) { o.charts.Dir = dir }
}

// WithCharts pushes exactly these chart folders; with none, the registry starts empty.
func WithCharts(folders ...string) Option {
	return func(o *options) {
		o.charts.Folders, o.charts.Set = folders, true
	}
}

// WithBasicAuth makes the registry refuse, with 401, requests without these credentials.
func WithBasicAuth(username, password string) Option {
	return func(o *options) { o.username, o.password = username, password }
}

// writeHtpasswd writes a one-user htpasswd file in dir. The lowest bcrypt cost keeps each
// authenticated request cheap; the file guards nothing.
func writeHtpasswd(dir, username, password string) (string, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		return "", fmt.Errorf("hashing registry password: %w", err)
	}
	path := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(path, fmt.Appendf(nil, "%s:%s\n", username, hash), 0o600); err != nil {
		return "", fmt.Errorf("writing htpasswd: %w", err)
	}
	return path, nil
}
