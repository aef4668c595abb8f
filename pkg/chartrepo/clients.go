package chartrepo

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"net/http"
)

// clientCacheSize bounds the HTTP clients kept: one per set of credentials
// in use, which is one per Secret a repository or chart source names.
const clientCacheSize = 256

// httpClient is the client for creds, shared by every fetch made with the
// same credentials: connections to a repository stay open between fetches
// (a transport idles them out after 90 s), so that a thousand HelmRequests
// revalidating their charts do not open a thousand connections, nor build a
// thousand TLS configurations.
func (f *Fetcher) httpClient(creds Credentials) (*http.Client, error) {
	key := creds.identity()
	if c, ok := f.clients.get(key); ok {
		return c, nil
	}
	c, err := creds.HTTPClient(f.timeout)
	if err != nil {
		return nil, err
	}
	return f.clients.keep(key, c), nil
}

// identity tells credentials apart without keeping them in the clear.
func (c Credentials) identity() string {
	h := sha256.New()
	for _, field := range [][]byte{[]byte(c.Username), []byte(c.Password), []byte(c.Token), c.CACert, c.ClientCert, c.ClientKey} {
		_ = binary.Write(h, binary.BigEndian, uint64(len(field)))
		h.Write(field)
	}
	flags := []byte{0, 0}
	if c.InsecureSkipTLSVerify {
		flags[0] = 1
	}
	if c.PlainHTTP {
		flags[1] = 1
	}
	h.Write(flags)
	return hex.EncodeToString(h.Sum(nil))
}
