package gitrepo

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Reasons of an Error, in the CamelCase of Kubernetes condition reasons.
const (
	ReasonInvalidURL       = "InvalidURL"
	ReasonInvalidSecret    = "InvalidSecret"
	ReasonUnreachable      = "RemoteUnavailable"
	ReasonAuthFailed       = "AuthenticationFailed"
	ReasonUnknownHostKey   = "UnknownHostKey"
	ReasonInvalidRef       = "InvalidRef"
	ReasonRefNotFound      = "RefNotFound"
	ReasonInvalidPath      = "InvalidPath"
	ReasonPathNotFound     = "PathNotFound"
	ReasonNoCharts         = "NoCharts"
	ReasonCacheUnavailable = "CacheUnavailable"
	// Reasons of a ChartError.
	ReasonInvalidChart          = "InvalidChart"
	ReasonDependencyNotVendored = "DependencyNotVendored"
)

// Error is a failed sync: Field names the ChartRepo field at fault
// (spec.url, spec.secretRef, spec.git.ref.branch, spec.git.path...) and
// Reason says what kind of failure it is.
type Error struct {
	Reason string
	Field  string
	Err    error
}

func (e *Error) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// NeedsUser says whether only a change of the ChartRepo or its Secret can
// fix the error, rather than a retry.
func (e *Error) NeedsUser() bool {
	switch e.Reason {
	case ReasonInvalidURL, ReasonInvalidSecret, ReasonInvalidRef, ReasonInvalidPath:
		return true
	}
	return false
}

func fail(reason, field, format string, args ...any) *Error {
	return &Error{Reason: reason, Field: field, Err: fmt.Errorf(format, args...)}
}

// remoteError says which field a failure to talk to the remote at url
// points at: the credentials and host keys live in spec.secretRef,
// everything else is about spec.url.
func remoteError(url string, err error) *Error {
	var keyErr *knownhosts.KeyError
	switch {
	case errors.As(err, &keyErr) && len(keyErr.Want) == 0:
		return fail(ReasonUnknownHostKey, "spec.secretRef", "the host key of %s is not in known_hosts: %w", url, err)
	case errors.As(err, &keyErr):
		return fail(ReasonUnknownHostKey, "spec.secretRef", "the host key of %s does not match known_hosts: %w", url, err)
	case errors.Is(err, transport.ErrAuthenticationRequired), errors.Is(err, transport.ErrAuthorizationFailed),
		errors.Is(err, transport.ErrInvalidAuthMethod),
		// x/crypto/ssh has no error type for a refused key.
		strings.Contains(err.Error(), "ssh: unable to authenticate"):
		return fail(ReasonAuthFailed, "spec.secretRef", "%s refused the credentials: %w", url, err)
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return fail(ReasonUnreachable, "spec.url", "no repository at %s: %w", url, err)
	case errors.Is(err, transport.ErrEmptyRemoteRepository):
		return fail(ReasonRefNotFound, "spec.url", "the repository at %s is empty", url)
	}
	return fail(ReasonUnreachable, "spec.url", "%s is unreachable: %w", url, err)
}
