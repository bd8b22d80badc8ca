package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

func writeAIP(t *testing.T, st store.Store, id, title string, content string) *preservation.AIP {
	t.Helper()
	src := aip.BytesSource(aip.PrefixOriginal+"a.txt", []byte(content))
	a := &preservation.AIP{ID: preservation.AIPID(id), Version: 1, Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Title: title, Profile: "folder", Fingerprint: "fp-" + title,
		Files: []preservation.File{{Path: src.Path, Name: "a.txt", Size: src.Size, SHA512: src.SHA512, PUID: "x-fmt/111", FormatName: "Plain Text File"}},
		Size:  src.Size, Agents: []preservation.Agent{{ID: "magazin", Name: "magazin", Type: "software", Version: "t"}}}
	obj, err := aip.New(aip.Package{AIP: a, Payload: []aip.Source{src}})
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.Write(context.Background(), st, 1); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestRebuildEqualsLive(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	live, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	ids := []string{"urn:uuid:11111111-1111-4111-8111-111111111111", "urn:uuid:22222222-2222-4222-8222-222222222222"}
	for i, id := range ids {
		a := writeAIP(t, st, id, []string{"Eins", "Zwei"}[i], "inhalt "+id)
		if err := live.PutAIP(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	v, err := aip.Verify(ctx, st, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(v)
	seg, err := journal.New(st).Append(ctx, journal.Entry{Kind: catalog.KindVerify, Subject: ids[0], Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if err := live.Apply(ctx, seg); err != nil {
		t.Fatal(err)
	}
	// An interrupted write must not show up after rebuild.
	half := aip.BytesSource(aip.ObjectKey("urn:uuid:33333333-3333-4333-8333-333333333333")+"/0=ocfl_object_1.1", []byte("ocfl_object_1.1\n"))
	r, _ := half.Open()
	if _, err := st.Put(ctx, half.Path, r, half.Size, half.SHA512); err != nil {
		t.Fatal(err)
	}

	rebuilt, err := catalog.Open(filepath.Join(t.TempDir(), "cat"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rebuilt.Close()
	stats, err := rebuilt.Rebuild(ctx, []store.Store{st}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if stats.AIPs != 2 || stats.Incomplete != 1 || stats.Segments != 1 {
		t.Errorf("stats = %+v", stats)
	}
	want, _ := live.Dump(ctx)
	got, _ := rebuilt.Dump(ctx)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rebuilt catalog differs from live (-live +rebuilt):\n%s", diff)
	}
	if _, err := rebuilt.AIP(ctx, "urn:uuid:33333333-3333-4333-8333-333333333333"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("incomplete AIP visible after rebuild: %v", err)
	}
	if id, ok, _ := rebuilt.ByFingerprint(ctx, "fp-Zwei"); !ok || id != ids[1] {
		t.Errorf("fingerprint lookup = %q, %v", id, ok)
	}
	vs, _ := rebuilt.Verifications(ctx, ids[0])
	if len(vs) != 1 || !vs[0].OK {
		t.Errorf("verifications after rebuild = %+v", vs)
	}
}

func TestSchemaMismatchRefusesToOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cat")
	c, err := catalog.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetSchemaForTest("0"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, err := catalog.Open(dir, nil); !errors.Is(err, catalog.ErrSchema) {
		t.Fatalf("open of an old-schema catalog = %v, want ErrSchema", err)
	}
}
