package fs_test

import (
	"bytes"
	"errors"
	iofs "io/fs"
	"os"
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

// TestRepairBitRot flips a byte in a stored, read-only file, as bit rot on
// disk would, and repairs it: the file is replaced, read-only again, and
// nothing is left in .tmp.
func TestRepairBitRot(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s, err := fs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	data := storetest.Data(9, 100_000)
	if _, err := s.Put(ctx, "ocfl/a/file", bytes.NewReader(data), int64(len(data)), storetest.Digest(data)); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "ocfl", "a", "file")
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{data[500] ^ 0x10}, 500); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Chmod(p, 0o444); err != nil {
		t.Fatal(err)
	}
	// Put cannot heal it: the key is taken.
	if _, err := s.Put(ctx, "ocfl/a/file", bytes.NewReader(data), int64(len(data)), storetest.Digest(data)); !errors.Is(err, iofs.ErrExist) {
		t.Fatalf("Put over the damaged file: err = %v, want fs.ErrExist", err)
	}
	info, err := s.Repair(ctx, "ocfl/a/file", bytes.NewReader(data), int64(len(data)), storetest.Digest(data))
	if err != nil {
		t.Fatal(err)
	}
	if info.SHA512 != storetest.Digest(data) || info.Size != int64(len(data)) {
		t.Errorf("Repair returned %+v", info)
	}
	got, err := os.ReadFile(p)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("content after Repair differs (%v)", err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o444 {
		t.Errorf("mode after Repair = %v, want 0444", fi.Mode())
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, ".tmp")); len(entries) != 0 {
		t.Errorf(".tmp holds %d entries after Repair", len(entries))
	}
	// A truncated file is damaged as well; a directory in the way is a
	// key conflict.
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Repair(ctx, "ocfl/a/file", bytes.NewReader(data), int64(len(data)), storetest.Digest(data)); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
		t.Error("truncated file not repaired")
	}
	if _, err := s.Repair(ctx, "ocfl/a", bytes.NewReader(data), int64(len(data)), storetest.Digest(data)); !errors.Is(err, store.ErrKeyConflict) {
		t.Errorf("Repair of a directory: err = %v, want store.ErrKeyConflict", err)
	}
}
