package store_test

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/magazin-archiv/magazin/preservation/store"
)

func TestIsTransient(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", errors.New("AccessDenied"), false},
		{"refused", refused, true},
		{"refused in a path error", &iofs.PathError{Op: "put", Path: "k", Err: refused}, true},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"broken pipe", syscall.EPIPE, true},
		{"timeout", &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}, true},
		{"dns temporary", &net.DNSError{Err: "server misbehaving", Name: "s3", IsTemporary: true}, true},
		{"dns not found", &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "s3", IsNotFound: true}}, false},
		{"marked", store.Unavailable(errors.New("503 SlowDown")), true},
		{"marked twice", store.Unavailable(store.Unavailable(syscall.EIO)), true},
		{"unmarked EIO", &iofs.PathError{Op: "read", Path: "k", Err: syscall.EIO}, false},
		{"canceled", context.Canceled, false},
		{"deadline", context.DeadlineExceeded, false},
		{"canceled while refused", fmt.Errorf("%w: %w", context.Canceled, refused), false},
		{"not exist", &iofs.PathError{Op: "get", Path: "k", Err: iofs.ErrNotExist}, false},
		{"exist", iofs.ErrExist, false},
		{"permission", iofs.ErrPermission, false},
		{"digest", store.ErrDigestMismatch, false},
		{"size", store.ErrSizeMismatch, false},
		{"key", store.ErrInvalidKey, false},
		{"conflict", store.ErrKeyConflict, false},
		{"marked but missing", store.Unavailable(iofs.ErrNotExist), false},
	} {
		if got := store.IsTransient(tc.err); got != tc.want {
			t.Errorf("%s: IsTransient(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
	if store.Unavailable(nil) != nil {
		t.Error("Unavailable(nil) != nil")
	}
	m := store.Unavailable(refused)
	if m.Error() != refused.Error() || !errors.Is(m, syscall.ECONNREFUSED) || !errors.Is(m, store.ErrUnavailable) {
		t.Errorf("Unavailable(refused) = %v", m)
	}
}
