package chartrepo

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Keys of a chart source's Secret.
const (
	keyUsername   = "username"
	keyPassword   = "password"
	keyToken      = "token"
	keyCACert     = "ca.crt"
	keyClientCert = "tls.crt"
	keyClientKey  = "tls.key"
)

// Credentials authenticate to a chart source; built from a Secret's data.
// Their values never appear in errors or logs.
type Credentials struct {
	Username, Password, Token     string
	CACert, ClientCert, ClientKey []byte // PEM
	InsecureSkipTLSVerify         bool   // explicit opt-in only
	PlainHTTP                     bool   // OCI only; explicit opt-in
}

// CredentialsFromSecret reads the keys username/password, token, ca.crt and
// tls.crt/tls.key of the Secret secretName. Other keys are ignored, and an
// empty value counts as missing. It refuses half a pair, both a username and
// a token, and PEM data that does not parse, naming the Secret and the key.
func CredentialsFromSecret(secretName string, data map[string][]byte) (Credentials, error) {
	c := Credentials{
		// A value written with `echo` or a text editor often ends in a newline, which no
		// username or token contains; a password is taken as is.
		Username:   strings.TrimSpace(string(data[keyUsername])),
		Password:   string(data[keyPassword]),
		Token:      strings.TrimSpace(string(data[keyToken])),
		CACert:     data[keyCACert],
		ClientCert: data[keyClientCert],
		ClientKey:  data[keyClientKey],
	}
	if err := c.checkPairs(); err != nil {
		return Credentials{}, fmt.Errorf("secret %s: %w", secretName, err)
	}
	if _, err := c.TLSConfig(); err != nil {
		return Credentials{}, fmt.Errorf("secret %s: %w", secretName, err)
	}
	return c, nil
}

// String describes c without its secrets, so that printing or logging
// Credentials, even by accident, shows none.
func (c Credentials) String() string {
	return fmt.Sprintf("Credentials{Username:%q Password:%s Token:%s CACert:%s ClientCert:%s ClientKey:%s InsecureSkipTLSVerify:%t PlainHTTP:%t}",
		c.Username, isSet(c.Password != ""), isSet(c.Token != ""), isSet(len(c.CACert) > 0),
		isSet(len(c.ClientCert) > 0), isSet(len(c.ClientKey) > 0), c.InsecureSkipTLSVerify, c.PlainHTTP)
}

// GoString is String, for %#v.
func (c Credentials) GoString() string { return c.String() }

func isSet(ok bool) string {
	if ok {
		return "<set>"
	}
	return "<unset>"
}

func (c Credentials) checkPairs() error {
	if err := pair(keyUsername, c.Username != "", keyPassword, c.Password != ""); err != nil {
		return err
	}
	if err := pair(keyClientCert, len(c.ClientCert) > 0, keyClientKey, len(c.ClientKey) > 0); err != nil {
		return err
	}
	if c.Username != "" && c.Token != "" {
		return fmt.Errorf("has both %s and %s; a chart source takes one", keyUsername, keyToken)
	}
	return nil
}

// pair says which of two keys that go together is missing.
func pair(a string, hasA bool, b string, hasB bool) error {
	switch {
	case hasA && !hasB:
		return fmt.Errorf("has key %s but no %s", a, b)
	case hasB && !hasA:
		return fmt.Errorf("has key %s but no %s", b, a)
	}
	return nil
}

// TLSConfig trusts the system roots plus ca.crt, presents tls.crt/tls.key as
// a client certificate, and skips verification only when explicitly asked.
func (c Credentials) TLSConfig() (*tls.Config, error) {
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: c.InsecureSkipTLSVerify, //nolint:gosec // the user's explicit opt-in
	}
	if len(c.CACert) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil {
			return nil, fmt.Errorf("loading the system certificate pool: %w", err)
		}
		if !pool.AppendCertsFromPEM(c.CACert) {
			return nil, fmt.Errorf("key %s holds no PEM certificate", keyCACert)
		}
		cfg.RootCAs = pool
	}
	if len(c.ClientCert) > 0 || len(c.ClientKey) > 0 {
		cert, err := tls.X509KeyPair(c.ClientCert, c.ClientKey)
		if err != nil {
			// The error names the problem, never the PEM data.
			return nil, fmt.Errorf("keys %s and %s are not a certificate and its key: %w", keyClientCert, keyClientKey, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// HTTPClient is an HTTP client with c's TLS settings that sends basic auth or
// the bearer token with every request to the host it was sent to; timeout
// bounds each exchange, body included (0 means none). The caller closes idle
// connections when done with it.
func (c Credentials) HTTPClient(timeout time.Duration) (*http.Client, error) {
	t, err := c.transport()
	if err != nil {
		return nil, err
	}
	client := &http.Client{Transport: t, Timeout: timeout}
	if c.Username != "" || c.Token != "" {
		client.Transport = &authTransport{creds: c, next: t}
	}
	return client, nil
}

// transport is a fresh copy of Go's default transport (proxy from the
// environment, HTTP/2, sensible dial timeouts) with c's TLS settings.
func (c Credentials) transport() (*http.Transport, error) {
	cfg, err := c.TLSConfig()
	if err != nil {
		return nil, err
	}
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, errors.New("http.DefaultTransport has been replaced by a foreign type")
	}
	t := base.Clone()
	t.TLSClientConfig = cfg
	return t, nil
}

// authTransport applies credentials per request rather than once, so that
// they go only where they belong: never to another host a redirect leads to,
// such as the object store a repository hands its downloads off to.
type authTransport struct {
	creds Credentials
	next  *http.Transport
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if origin(req).URL.Host != req.URL.Host {
		return t.next.RoundTrip(req)
	}
	req = req.Clone(req.Context()) // a RoundTripper must not change its request
	if t.creds.Username != "" {
		req.SetBasicAuth(t.creds.Username, t.creds.Password)
	} else {
		req.Header.Set("Authorization", "Bearer "+t.creds.Token)
	}
	return t.next.RoundTrip(req)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the transport.
func (t *authTransport) CloseIdleConnections() { t.next.CloseIdleConnections() }

// origin is the request a chain of redirects leading to req started from.
func origin(req *http.Request) *http.Request {
	for req.Response != nil && req.Response.Request != nil {
		req = req.Response.Request
	}
	return req
}
