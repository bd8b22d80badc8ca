package mem_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"testing"

	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
	"github.com/magazin-archiv/magazin/preservation/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return mem.New() })
}

func TestRepairTampered(t *testing.T) {
	ctx := t.Context()
	s := mem.New()
	data := []byte("content")
	if _, err := s.Put(ctx, "k", bytes.NewReader(data), int64(len(data)), storetest.Digest(data)); err != nil {
		t.Fatal(err)
	}
	if err := s.Tamper("k", []byte("c0ntent")); err != nil {
		t.Fatal(err)
	}
	// The recorded digest is stale, as after bit rot.
	if info, _ := s.Stat(ctx, "k"); info.SHA512 != storetest.Digest(data) {
		t.Errorf("Stat after Tamper reports %s", info.SHA512)
	}
	if _, err := s.Repair(ctx, "k", bytes.NewReader(data), int64(len(data)), storetest.Digest(data)); err != nil {
		t.Fatal(err)
	}
	rc, _, err := s.Get(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	if !bytes.Equal(got, data) {
		t.Errorf("after Repair: %q", got)
	}
	if err := s.Tamper("missing", nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Tamper(missing): %v", err)
	}
	if _, err := s.Repair(ctx, "k", bytes.NewReader(data), int64(len(data)), storetest.Digest(data)); !errors.Is(err, store.ErrIntact) {
		t.Errorf("Repair of the repaired object: %v", err)
	}
}
