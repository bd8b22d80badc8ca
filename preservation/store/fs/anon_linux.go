//go:build linux

package fs

import (
	"errors"
	"os"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// openAnon creates an unnamed regular file in dir (open(2) with
// O_TMPFILE): it has no directory entry until linkAnon gives it one, and a
// crash before that leaves nothing behind. errNoAnon reports a kernel or
// file system without O_TMPFILE.
func openAnon(dir string) (*os.File, error) {
	if !procFD() {
		return nil, errNoAnon
	}
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	switch {
	case err == nil:
		return os.NewFile(uintptr(fd), dir+"/(unnamed)"), nil
	case errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.EISDIR), errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS):
		return nil, errNoAnon
	}
	return nil, &os.PathError{Op: "open", Path: dir, Err: err}
}

// linkAnon gives the unnamed file f the name target, as link(2) does: an
// existing target is never replaced (EEXIST). The file is named through
// /proc/self/fd, which needs no privilege (AT_EMPTY_PATH would).
func linkAnon(f *os.File, target string) error {
	old := "/proc/self/fd/" + strconv.Itoa(int(f.Fd()))
	if err := unix.Linkat(unix.AT_FDCWD, old, unix.AT_FDCWD, target, unix.AT_SYMLINK_FOLLOW); err != nil {
		return &os.LinkError{Op: "link", Old: f.Name(), New: target, Err: err}
	}
	return nil
}

// procFD reports whether /proc/self/fd can name open files (linkAnon).
var procFD = sync.OnceValue(func() bool {
	fi, err := os.Stat("/proc/self/fd")
	return err == nil && fi.IsDir()
})
