package httprepo

import (
	"captain.io/captain/internal/testenv/testcharts"
)

// Option configures a Server.
type Option func(*options)

type options struct {
	charts            testcharts.Selection
	username          string
	password          string
	token             string
	tls               bool
	requireClientCert bool
	relativeURLs      bool
}

// WithChartsDir serves every chart folder in dir instead of testdata/charts.
func WithChartsDir(dir string) Option {
	return func(o *options) { o.charts.Dir = dir }
}

// WithCharts serves exactly these chart folders; with none, the repository starts empty.
func WithCharts(folders ...string) Option {
	return func(o *options) {
		o.charts.Folders, o.charts.Set = folders, true
	}
}

// WithBasicAuth refuses, with 401, requests without these basic-auth credentials. Combined
// with WithBearerToken, either credential is accepted.
func WithBasicAuth(username, password string) Option {
	return func(o *options) { o.username, o.password = username, password }
}

// WithBearerToken refuses, with 401, requests without "Authorization: Bearer <token>".
func WithBearerToken(token string) Option {
	return func(o *options) { o.token = token }
}

// WithTLS serves HTTPS with a certificate for 127.0.0.1, ::1 and localhost, signed by a CA
// made for this server (see Server.CAPEM).
func WithTLS() Option {
	return func(o *options) { o.tls = true }
}

// WithClientCertRequired serves HTTPS (as WithTLS) and refuses TLS handshakes without a
// client certificate signed by the server's CA (see Server.ClientCert).
func WithClientCertRequired() Option {
	return func(o *options) { o.tls, o.requireClientCert = true, true }
}

// WithRelativeURLs writes chart URLs in index.yaml relative to the repository
// ("plain-0.1.0.tgz") rather than absolute, as some real repositories do.
func WithRelativeURLs() Option {
	return func(o *options) { o.relativeURLs = true }
}
