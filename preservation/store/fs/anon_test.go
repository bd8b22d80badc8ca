package fs

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

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
