package httprepo

import (
	"crypto/subtle"
	"net/http"
)

const realm = `realm="captain-test"`

// authenticate lets a request through to next only with the configured credentials, and
// answers 401 with the matching challenges otherwise, as a real repository behind auth does.
func (s *Server) authenticate(next http.Handler) http.Handler {
	o := s.opts
	if o.username == "" && o.token == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.authorized(r) {
			next.ServeHTTP(w, r)
			return
		}
		if o.username != "" {
			w.Header().Add("WWW-Authenticate", "Basic "+realm)
		}
		if o.token != "" {
			w.Header().Add("WWW-Authenticate", "Bearer "+realm)
		}
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	})
}

func (s *Server) authorized(r *http.Request) bool {
	o := s.opts
	if user, pass, ok := r.BasicAuth(); ok && o.username != "" {
		return equal(user, o.username) && equal(pass, o.password)
	}
	return o.token != "" && equal(r.Header.Get("Authorization"), "Bearer "+o.token)
}

func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
