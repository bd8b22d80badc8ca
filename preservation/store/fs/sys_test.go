package fs

import (
	"bytes"
	"errors"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/storetest"
)

// The named temporary files of systems without O_TMPFILE keep the store's
// contract too.
func TestConformanceNamedTemp(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		s.noAnon.Store(true)
		return s
	})
}

// tmpWatcher is a reader that looks into the store's .tmp while Put reads
// from it.
type tmpWatcher struct {
	r       io.Reader
	dir     string
	entries []string
	err     error
}

func (w *tmpWatcher) Read(p []byte) (int, error) {
	if w.entries == nil && w.err == nil {
		var es []os.DirEntry
		es, w.err = os.ReadDir(w.dir)
		w.entries = []string{}
		for _, e := range es {
			w.entries = append(w.entries, e.Name())
		}
	}
	return w.r.Read(p)
}

// On Linux, Put writes into an unnamed file: while it writes, nothing is
// in .tmp (a crash leaves nothing behind); where O_TMPFILE is missing, a
// named temporary file is there instead, and removed afterwards.
func TestPutWritesUnnamedTemp(t *testing.T) {
	data := storetest.Data(3, 100_000)
	for _, named := range []bool{false, true} {
		dir := t.TempDir()
		s, err := New(dir)
		if err != nil {
			t.Fatal(err)
		}
		s.noAnon.Store(named)
		if err := os.MkdirAll(filepath.Join(dir, tmpDir), 0o755); err != nil {
			t.Fatal(err)
		}
		w := &tmpWatcher{r: bytes.NewReader(data), dir: filepath.Join(dir, tmpDir)}
		if _, err := s.Put(t.Context(), "ocfl/a/b", w, int64(len(data)), storetest.Digest(data)); err != nil {
			t.Fatal(err)
		}
		if w.err != nil {
			t.Fatal(w.err)
		}
		wantNamed := named || runtime.GOOS != "linux"
		if !wantNamed && s.noAnon.Load() {
			t.Fatalf("the file system of %s has no O_TMPFILE; Put fell back to named temporary files", dir)
		}
		if got := len(w.entries) == 1; got != wantNamed {
			t.Errorf("named=%v: .tmp during Put holds %q", named, w.entries)
		}
		if es, _ := os.ReadDir(filepath.Join(dir, tmpDir)); len(es) != 0 {
			t.Errorf("named=%v: .tmp after Put holds %d entries", named, len(es))
		}
		got, err := os.ReadFile(filepath.Join(dir, "ocfl", "a", "b"))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("named=%v: stored content differs (%v)", named, err)
		}
		if fi, _ := os.Stat(filepath.Join(dir, "ocfl", "a", "b")); fi.Mode().Perm() != 0o444 {
			t.Errorf("named=%v: mode %v, want 0444", named, fi.Mode())
		}
	}
}

// Get, Stat and List see regular files only: a symbolic link, a FIFO (whose
// opening would wait for a writer) or a directory under a key is no object.
func TestOnlyRegularFiles(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("Inhalt")
	if _, err := s.Put(ctx, "ocfl/a/file", bytes.NewReader(data), int64(len(data)), storetest.Digest(data)); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "ocfl", "a", "file"), filepath.Join(dir, "ocfl", "a", "link")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "ocfl", "a", "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"ocfl/a/link", "ocfl/a/fifo", "ocfl/a"} {
		done := make(chan error, 1)
		go func() {
			rc, _, err := s.Get(ctx, key)
			if err == nil {
				rc.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, iofs.ErrNotExist) {
				t.Errorf("Get(%s): err = %v, want fs.ErrNotExist", key, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Get(%s) still waits after 10 s", key)
		}
		if _, err := s.Stat(ctx, key); !errors.Is(err, iofs.ErrNotExist) {
			t.Errorf("Stat(%s): err = %v, want fs.ErrNotExist", key, err)
		}
	}
	rc, info, err := s.Get(ctx, "ocfl/a/file")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, data) || info.Size != int64(len(data)) || info.Modified.IsZero() {
		t.Errorf("Get: %q, %+v", got, info)
	}
	var keys []string
	for info, err := range s.List(ctx, "ocfl/") {
		if err != nil {
			t.Fatal(err)
		}
		if info.Size != int64(len(data)) || info.Modified.IsZero() {
			t.Errorf("List: %+v", info)
		}
		keys = append(keys, info.Key)
	}
	if !slices.Equal(keys, []string{"ocfl/a/file"}) {
		t.Errorf("List: %q, want only ocfl/a/file", keys)
	}
}

// A Put that fails (here: content that does not have the declared digest,
// or is shorter than declared) closes its temporary file at once: on a
// full disk, a descriptor left to the garbage collector keeps the space
// and the mount busy.
func TestFailedPutClosesItsFile(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := storetest.Data(5, 50_000)
	open := func() int {
		es, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	before := open()
	for i := range 20 {
		key := "ocfl/x/" + strconv.Itoa(i)
		if _, err := s.Put(t.Context(), key, bytes.NewReader(data), int64(len(data)), storetest.Digest([]byte("other"))); !errors.Is(err, store.ErrDigestMismatch) {
			t.Fatalf("Put with a wrong digest: %v", err)
		}
		if _, err := s.Put(t.Context(), key, bytes.NewReader(data[:100]), int64(len(data)), storetest.Digest(data)); !errors.Is(err, store.ErrSizeMismatch) {
			t.Fatalf("Put of too little: %v", err)
		}
	}
	if after := open(); after != before {
		t.Errorf("%d descriptors open after 40 failed Puts, %d before", after, before)
	}
}
