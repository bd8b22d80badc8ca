//go:build !linux

package fs

import (
	"os"
	"path/filepath"
	"time"
)

// openAnon reports that unnamed files are not available here (see
// anon_linux.go); Put writes a named temporary file instead.
func openAnon(string) (*os.File, error) { return nil, errNoAnon }

func linkAnon(*os.File, string) error { return errNoAnon }

// statAt returns the size and modification time of the entry name of the
// open directory dir, not following a symbolic link.
func statAt(dir *os.File, name string) (int64, time.Time, error) {
	fi, err := os.Lstat(filepath.Join(dir.Name(), name))
	if err != nil {
		return 0, time.Time{}, err
	}
	return fi.Size(), fi.ModTime(), nil
}

// openRegular opens the regular file at path for reading and returns its
// size and modification time; anything but a regular file (also a
// symbolic link) is errNotRegular.
func openRegular(path string) (*os.File, int64, time.Time, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, 0, time.Time{}, err
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, time.Time{}, errNotRegular
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, time.Time{}, err
	}
	return f, fi.Size(), fi.ModTime(), nil
}
