package access_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

// putAIP stores an AIP holding units (top first) and one file per name.
func putAIP(t *testing.T, cat *catalog.Catalog, st store.Store, id string, units []preservation.Unit, files map[string][]byte) {
	t.Helper()
	for i := range units {
		units[i].AIP = preservation.AIPID(id)
	}
	a := &preservation.AIP{ID: preservation.AIPID(id), Version: 1, Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Title: units[0].Title, Units: units}
	var payload []aip.Source
	for name, data := range files {
		sum := sha512.Sum512(data)
		p := aip.PrefixOriginal + name
		a.Files = append(a.Files, preservation.File{Path: p, Name: name, Size: int64(len(data)), SHA512: hex.EncodeToString(sum[:])})
		payload = append(payload, aip.BytesSource(p, data))
	}
	obj, err := aip.New(aip.Package{AIP: a, Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.Write(context.Background(), st, 1); err != nil {
		t.Fatal(err)
	}
	if err := cat.PutAIP(context.Background(), a); err != nil {
		t.Fatal(err)
	}
}

func TestContentOfOpenUnitsOnly(t *testing.T) {
	ctx := context.Background()
	svc, cat := setup(t, "day")
	empty, st := mem.New(), mem.New()
	data := bytes.Repeat([]byte("0123456789"), 10000)
	putAIP(t, cat, st, "urn:uuid:00000000-0000-4000-8000-0000000000a3", []preservation.Unit{
		{ID: "a3", Parent: "b", Bestand: "b", Level: preservation.LevelAkte, Signatur: "20001 Nr. 3", Title: "Haushaltsplan Müllrose", To: "1990-12-31", Order: 3}},
		map[string][]byte{"plan.txt": data})
	putAIP(t, cat, st, "urn:uuid:00000000-0000-4000-8000-0000000000a1", []preservation.Unit{
		{ID: "a1", Parent: "b", Bestand: "b", Level: preservation.LevelAkte, Signatur: "20001 Nr. 1", Title: "Bauantrag Schulze", To: "2018-07-24", Order: 1}},
		map[string][]byte{"antrag.txt": []byte("geheim")})
	// An open Akte whose package also holds a closed person-related document.
	putAIP(t, cat, st, "urn:uuid:00000000-0000-4000-8000-0000000000a7", []preservation.Unit{
		{ID: "a7", Parent: "b", Bestand: "b", Level: preservation.LevelAkte, Signatur: "20001 Nr. 7", Title: "Chronik", To: "1970", Order: 7},
		{ID: "d7", Parent: "a7", Bestand: "b", Level: preservation.LevelDokument, Signatur: "20001 Nr. 7/1", Title: "Zeugnis", To: "1970",
			Closure: preservation.ClosureFacts{Personal: true, Created: "2010-01-01"}}},
		map[string][]byte{"chronik.txt": []byte("a"), "zeugnis.txt": []byte("b")})
	c := access.NewContent(svc, cat, []store.Store{empty, st}) // the first store lacks the objects

	files, err := c.List(ctx, "urn:uuid:00000000-0000-4000-8000-0000000000a3")
	if err != nil || len(files) != 1 || files[0].Name != "plan.txt" {
		t.Fatalf("List = %v, %v", files, err)
	}
	r, f, err := c.Open(ctx, "urn:uuid:00000000-0000-4000-8000-0000000000a3", files[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Size != int64(len(data)) {
		t.Errorf("size = %d", f.Size)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read whole: %d bytes, %v", len(got), err)
	}
	// Seek and read a range, then back to the start.
	if _, err := r.Seek(-15, io.SeekEnd); err != nil {
		t.Fatal(err)
	}
	part := make([]byte, 10)
	if _, err := io.ReadFull(r, part); err != nil || string(part) != "5678901234" {
		t.Errorf("range = %q, %v", part, err)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(io.LimitReader(r, int64(len(data)))); err != nil || !bytes.Equal(got, data) {
		t.Errorf("read again: %d bytes, %v", len(got), err)
	}
	r.Close()

	for _, id := range []string{"urn:uuid:00000000-0000-4000-8000-0000000000a1", "urn:uuid:00000000-0000-4000-8000-0000000000a7"} {
		if _, err := c.List(ctx, id); !errors.Is(err, access.ErrClosed) || !errors.Is(err, fs.ErrPermission) {
			t.Errorf("List(%s) = %v, want ErrClosed", id, err)
		}
		if _, _, err := c.Open(ctx, id, aip.PrefixOriginal+"antrag.txt"); !errors.Is(err, access.ErrClosed) {
			t.Errorf("Open(%s) = %v, want ErrClosed", id, err)
		}
	}
	if _, err := c.List(ctx, "urn:uuid:00000000-0000-4000-8000-000000000000"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("unknown AIP: %v", err)
	}
	for _, p := range []string{aip.PathMETS, aip.PathDescription, aip.PrefixOriginal + "nix.txt"} {
		if _, _, err := c.Open(ctx, "urn:uuid:00000000-0000-4000-8000-0000000000a3", p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(%s) = %v, want not found", p, err)
		}
	}
}

func TestContentDetectsDamage(t *testing.T) {
	ctx := context.Background()
	svc, cat := setup(t, "day")
	st := mem.New()
	id := "urn:uuid:00000000-0000-4000-8000-0000000000a3"
	data := []byte(strings.Repeat("Haushalt ", 1000))
	putAIP(t, cat, st, id, []preservation.Unit{
		{ID: "a3", Parent: "b", Bestand: "b", Level: preservation.LevelAkte, Signatur: "20001 Nr. 3", Title: "Haushaltsplan", To: "1990-12-31", Order: 3}},
		map[string][]byte{"plan.txt": data})
	h, err := aip.ReadHead(ctx, st, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, paths := range h.Inventory.Manifest {
		if strings.HasSuffix(paths[0], "plan.txt") {
			bad := bytes.Clone(data)
			bad[7] = 'X'
			if err := st.Tamper(h.Root+"/"+paths[0], bad); err != nil {
				t.Fatal(err)
			}
		}
	}
	r, _, err := access.NewContent(svc, cat, []store.Store{st}).Open(ctx, id, aip.PrefixOriginal+"plan.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// A caller that reads exactly the announced size (like
	// http.ServeContent) still gets the error, and not the last bytes.
	got, err := io.ReadAll(io.LimitReader(r, int64(len(data))))
	if !errors.Is(err, store.ErrDigestMismatch) || len(got) == len(data) {
		t.Errorf("damaged content: %d bytes, %v", len(got), err)
	}
}

// TestContentFollowsTheCatalogVersion: the content served for a file is
// the one the catalog records: after a new version is catalogued, at once
// (although the object's head was cached before), and while a store's head
// is ahead of the catalog (an update interrupted before the catalog), the
// earlier version's.
func TestContentFollowsTheCatalogVersion(t *testing.T) {
	ctx := context.Background()
	svc, cat := setup(t, "day")
	st := mem.New()
	const id = "urn:uuid:00000000-0000-4000-8000-0000000000a3"
	putAIP(t, cat, st, id, []preservation.Unit{
		{ID: "a3", Parent: "b", Bestand: "b", Level: preservation.LevelAkte, Signatur: "20001 Nr. 3", Title: "Haushaltsplan Müllrose", To: "1990-12-31", Order: 3}},
		map[string][]byte{"1.txt": []byte("alt")})
	read := func(c *access.Content, name string) (string, error) {
		t.Helper()
		r, _, err := c.Open(ctx, id, aip.PrefixOriginal+name)
		if err != nil {
			return "", err
		}
		defer r.Close()
		b, err := io.ReadAll(r)
		return string(b), err
	}
	c := access.NewContent(svc, cat, []store.Store{st})
	if got, err := read(c, "1.txt"); got != "alt" || err != nil {
		t.Fatalf("v1: %q %v", got, err)
	}
	neu, zwei := []byte("neu"), []byte("zwei")
	sum := func(b []byte) string { s := sha512.Sum512(b); return hex.EncodeToString(s[:]) }
	a, err := aip.Update(ctx, []store.Store{st}, id, func(cur *preservation.AIP, h *aip.Head) (*aip.Revision, error) {
		next := *cur
		next.Files = []preservation.File{
			{Path: aip.PrefixOriginal + "1.txt", Name: "1.txt", Size: 3, SHA512: sum(neu)},
			{Path: aip.PrefixOriginal + "2.txt", Name: "2.txt", Size: 4, SHA512: sum(zwei)},
		}
		return &aip.Revision{AIP: &next, Add: []aip.Source{aip.BytesSource(next.Files[0].Path, neu), aip.BytesSource(next.Files[1].Path, zwei)}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The store holds v2, the catalog v1: v1's content.
	fresh := access.NewContent(svc, cat, []store.Store{st})
	if got, err := read(fresh, "1.txt"); got != "alt" || err != nil {
		t.Errorf("catalog behind the store: %q %v, want v1's", got, err)
	}
	if _, err := read(fresh, "2.txt"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file the catalog does not list yet: %v", err)
	}
	if err := cat.PutAIP(ctx, a); err != nil {
		t.Fatal(err)
	}
	for _, cc := range []*access.Content{c, fresh} {
		if got, err := read(cc, "1.txt"); got != "neu" || err != nil {
			t.Errorf("v2 catalogued: %q %v", got, err)
		}
		if got, err := read(cc, "2.txt"); got != "zwei" || err != nil {
			t.Errorf("v2 catalogued, new file: %q %v", got, err)
		}
	}
}
