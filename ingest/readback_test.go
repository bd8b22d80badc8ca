package ingest_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/magazin-archiv/magazin/ingest"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/fs"
)

// lyingDisk is a real fs store under a disk that damages the first
// original file written to it once the store has it durably: the Put
// succeeds, but what is on disk is not what was written.
type lyingDisk struct {
	*fs.Store
	mu      sync.Mutex
	damaged string
}

func (l *lyingDisk) Put(ctx context.Context, key string, r io.Reader, size int64, sha512 string) (store.Info, error) {
	info, err := l.Store.Put(ctx, key, r, size, sha512)
	if err != nil || !strings.Contains(key, "/content/representations/") || size == 0 {
		return info, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.damaged != "" {
		return info, nil
	}
	p := filepath.Join(l.Dir(), filepath.FromSlash(key))
	b, rerr := os.ReadFile(p)
	if rerr != nil {
		return info, rerr
	}
	b[len(b)/2] ^= 0x01
	if err := os.Chmod(p, 0o644); err != nil {
		return info, err
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return info, err
	}
	l.damaged = key
	return info, os.Chmod(p, 0o444)
}

// Every file put into a replica is read back and checked before the
// catalog learns of the AIP: a file the disk damaged after a successful
// Put fails the ingest, and nothing of it is archived.
func TestReadBackCatchesDamageAfterPut(t *testing.T) {
	good, err := fs.Init(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	base, err := fs.Init(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	bad := &lyingDisk{Store: base}
	r := newRig(t, good, bad)
	_, err = r.in.Ingest(t.Context(), repoPath(t, "testdata/sample-transfer"), ingest.Options{Profile: "folder"}, nil)
	if !errors.Is(err, store.ErrDigestMismatch) {
		t.Fatalf("ingest onto a disk that damaged %q: err %v, want %v", bad.damaged, err, store.ErrDigestMismatch)
	}
	if bad.damaged == "" || !strings.Contains(err.Error(), "read-back") {
		t.Fatalf("damaged %q, err %v", bad.damaged, err)
	}
	for a, err := range r.cat.AIPs(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		t.Errorf("the catalog lists %s after a failed read-back", a.ID)
	}
	for _, st := range r.stores {
		if n := objectCount(t, st); n != 0 {
			t.Errorf("%s holds %d complete objects after a failed read-back", st, n)
		}
	}
}
