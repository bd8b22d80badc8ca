package store

import (
	"context"
	"errors"
	iofs "io/fs"
	"net"
	"syscall"
)

// ErrUnavailable marks a failure of the store itself rather than of the
// request: the service cannot be reached, is overloaded or failing, or its
// disk is full or gone. Such a failure may go away by itself, and the same
// request can then be sent again (Put of identical content is a no-op, so
// even a Put whose answer was lost can be repeated). Backends mark the
// failures they recognise with Unavailable; IsTransient also recognises
// common network failures that no backend marked.
var ErrUnavailable = errors.New("store: unavailable")

// Unavailable returns err marked as a failure of the store: it matches
// ErrUnavailable as well as everything err matches, and reads as err.
// Unavailable(nil) is nil.
func Unavailable(err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) {
		return err
	}
	return &unavailableError{err}
}

type unavailableError struct{ err error }

func (e *unavailableError) Error() string   { return e.err.Error() }
func (e *unavailableError) Unwrap() []error { return []error{ErrUnavailable, e.err} }

// IsTransient reports whether err is a failure that may go away if the same
// request is sent again later:
//   - never for the answers of a working store (fs.ErrNotExist,
//     fs.ErrExist, fs.ErrPermission, ErrDigestMismatch, ErrSizeMismatch,
//     ErrInvalidKey, ErrKeyConflict, ErrUnsupported, ErrIntact,
//     ErrChanged), even when
//     also marked unavailable;
//   - always for errors marked with Unavailable (matching ErrUnavailable);
//   - never for context cancellation or an expired deadline, which is the
//     caller's decision;
//   - otherwise for network failures: a connection refused, reset, aborted
//     or timed out, an unreachable host or network, a broken pipe, and a
//     DNS lookup that timed out or failed temporarily (not a name that
//     does not exist: that is a configuration error).
//
// Backends know more than this function can (HTTP status codes, S3 error
// codes, which errno came from which call) and mark such errors with
// Unavailable.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	for _, permanent := range []error{iofs.ErrNotExist, iofs.ErrExist, iofs.ErrPermission, ErrDigestMismatch, ErrSizeMismatch,
		ErrInvalidKey, ErrKeyConflict, ErrUnsupported, ErrIntact, ErrChanged} {
		if errors.Is(err, permanent) {
			return false
		}
	}
	if errors.Is(err, ErrUnavailable) {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return IsNetworkFailure(err)
}

// networkErrnos are the errors of a connection that failed or broke.
var networkErrnos = []error{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE,
	syscall.ETIMEDOUT, syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.ENETDOWN, syscall.EHOSTDOWN, syscall.ENETRESET}

// IsNetworkFailure reports whether err is a network failure that may go
// away: see IsTransient. Backends use it to classify the errors of their
// client libraries.
func IsNetworkFailure(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.IsTimeout || dns.IsTemporary
	}
	for _, e := range networkErrnos {
		if errors.Is(err, e) {
			return true
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op)
}
