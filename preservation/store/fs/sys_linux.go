//go:build linux

package fs

import (
	"errors"
	"os"
	"strconv"
	"sync"
	"time"

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

// statAt returns the size and modification time of the entry name of the
// open directory dir, not following a symbolic link (fstatat(2): no walk
// of the whole path for every file of a listing).
func statAt(dir *os.File, name string) (int64, time.Time, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(int(dir.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return 0, time.Time{}, &os.PathError{Op: "lstat", Path: name, Err: err}
	}
	return st.Size, time.Unix(st.Mtim.Unix()), nil
}

// openRegular opens the regular file at path for reading and returns its
// size and modification time, with one walk of the path: open(2) neither
// follows a symbolic link (O_NOFOLLOW) nor waits for a writer of a FIFO
// (O_NONBLOCK, cleared again for the regular file); fstat(2) tells what
// was opened. Anything but a regular file is closed again and
// errNotRegular.
func openRegular(path string) (*os.File, int64, time.Time, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if errors.Is(err, unix.ELOOP) {
		return nil, 0, time.Time{}, errNotRegular // a symbolic link
	}
	if err != nil {
		return nil, 0, time.Time{}, &os.PathError{Op: "open", Path: path, Err: err}
	}
	var st unix.Stat_t
	err = unix.Fstat(fd, &st)
	switch {
	case err != nil:
		err = &os.PathError{Op: "fstat", Path: path, Err: err}
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		err = errNotRegular
	default:
		if err = unix.SetNonblock(fd, false); err != nil {
			err = &os.PathError{Op: "fcntl", Path: path, Err: err}
		}
	}
	if err != nil {
		unix.Close(fd)
		return nil, 0, time.Time{}, err
	}
	return os.NewFile(uintptr(fd), path), st.Size, time.Unix(st.Mtim.Unix()), nil
}
