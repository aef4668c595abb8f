package httprepo

import (
	"errors"
	"net/http"
	"time"
)

// A Fault stands in front of the repository for every request. It may answer by itself, call
// next late, or call next with a ResponseWriter that misbehaves; to serve normally it calls
// next.ServeHTTP(w, r). A Fault can also just count or record requests.
type Fault func(w http.ResponseWriter, r *http.Request, next http.Handler)

// Status answers every request with code, as a failing repository would.
func Status(code int) Fault {
	return func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		http.Error(w, http.StatusText(code), code)
	}
}

// Delay serves each request after d, or not at all if the client gives up first.
func Delay(d time.Duration) Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			next.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	}
}

// Truncate announces the full response but sends only its first n bytes of body, then drops
// the connection: the client sees an unexpected EOF.
func Truncate(n int) Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		next.ServeHTTP(&truncatingWriter{ResponseWriter: w, left: n}, r)
	}
}

// ForPath applies f to requests for path (such as "/index.yaml") and serves the rest.
func ForPath(path string, f Fault) Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.URL.Path != path {
			next.ServeHTTP(w, r)
			return
		}
		f(w, r, next)
	}
}

var errTruncated = errors.New("httprepo: response truncated on purpose")

type truncatingWriter struct {
	http.ResponseWriter
	left int
}

func (w *truncatingWriter) Write(p []byte) (int, error) {
	if len(p) <= w.left {
		n, err := w.ResponseWriter.Write(p)
		w.left -= n
		return n, err
	}
	n, err := w.ResponseWriter.Write(p[:w.left])
	w.left -= n
	if err != nil {
		return n, err
	}
	return n, errTruncated
}
