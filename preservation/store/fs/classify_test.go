package fs

import (
	"errors"
	iofs "io/fs"
	"syscall"
	"testing"

	"github.com/magazin-archiv/magazin/preservation/store"
)

func TestClassify(t *testing.T) {
	for _, e := range []error{syscall.EIO, syscall.ENOSPC, syscall.EDQUOT, syscall.ESTALE} {
		err := pathError("put", "k", &iofs.PathError{Op: "write", Path: "/x", Err: e})
		if !store.IsTransient(err) || !errors.Is(err, e) {
			t.Errorf("%v: IsTransient = false or cause lost: %v", e, err)
		}
	}
	for _, e := range []error{syscall.ENOENT, syscall.EACCES, syscall.ENOTDIR, syscall.EROFS} {
		if err := pathError("stat", "k", e); store.IsTransient(err) {
			t.Errorf("%v: IsTransient = true", e)
		}
	}
}
