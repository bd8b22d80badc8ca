package ingest

import (
	"bytes"
	"context"
	"crypto/sha512"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestReadOnce(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name     string
		size     int   // bytes in the file
		stat     int64 // size the profile saw
		inMemory bool
	}{
		{"empty", 0, 0, true},
		{"small", 1000, 1000, true},
		{"limit", wholeFile, wholeFile, true},
		{"large", wholeFile + 1, wholeFile + 1, false},
		{"grew a little", 5000, 1000, true},
		{"grew beyond the limit", wholeFile + 70_000, 1000, false},
		{"shrank", 100, 1000, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			content := bytes.Repeat([]byte("magazin."), tc.size/8+1)[:tc.size]
			p := filepath.Join(dir, tc.name)
			if err := os.WriteFile(p, content, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			h := sha512.New()
			data, n, err := readOnce(context.Background(), f, tc.stat, h)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(tc.size) {
				t.Errorf("n = %d, want %d", n, tc.size)
			}
			if want := sha512.Sum512(content); !bytes.Equal(h.Sum(nil), want[:]) {
				t.Error("digest of the read differs from the content's")
			}
			if tc.inMemory != (data != nil) {
				t.Fatalf("in memory %v, want %v", data != nil, tc.inMemory)
			}
			if data != nil && !bytes.Equal(data, content) {
				t.Error("data differs from the content")
			}
		})
	}
}

func TestReadOnceCancelled(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, size := range []int64{1, wholeFile + 1} {
		if _, _, err := readOnce(ctx, f, size, sha512.New()); !errors.Is(err, context.Canceled) {
			t.Errorf("size %d: err %v, want context.Canceled", size, err)
		}
	}
}
