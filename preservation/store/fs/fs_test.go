package fs_test

import (
	"bytes"
	"errors"
	iofs "io/fs"
	"path/filepath"
	"slices"
	"testing"

	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/fs"
	"github.com/magazin-archiv/magazin/preservation/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := fs.New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestTree checks what the directory holds: read-only objects and nothing
// else but an empty .tmp, also after failed writes.
func TestTree(t *testing.T) {
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "new", "store")
	s, err := fs.Init(dir)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("content")
	if _, err := s.Put(ctx, "ocfl/x/y", bytes.NewReader(data), 7, storetest.Digest(data)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "ocfl/bad", bytes.NewReader(data), 7, storetest.Digest([]byte("other"))); !errors.Is(err, store.ErrDigestMismatch) {
		t.Fatalf("Put with wrong digest: %v", err)
	}
	if _, err := s.Put(ctx, ".tmp/x", bytes.NewReader(data), 7, storetest.Digest(data)); !errors.Is(err, store.ErrInvalidKey) {
		t.Errorf("Put(.tmp/x): err = %v, want store.ErrInvalidKey", err)
	}
	var files []string
	err = filepath.WalkDir(dir, func(path string, d iofs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Mode().Perm() != 0o444 {
			t.Errorf("%s: mode %v, want 0444", path, fi.Mode())
		}
		rel, _ := filepath.Rel(dir, path)
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(files, []string{"ocfl/x/y"}) {
		t.Errorf("files in the store directory: %q, want only ocfl/x/y", files)
	}
	if s.String() != "file://"+filepath.ToSlash(dir) {
		t.Errorf("String() = %q", s.String())
	}
	if _, err := fs.New(filepath.Join(dir, "missing")); !errors.Is(err, iofs.ErrNotExist) {
		t.Errorf("New of a missing directory: err = %v, want fs.ErrNotExist", err)
	}
}
