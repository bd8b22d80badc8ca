package catalog_test

import (
	"context"
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

// A disposal is journaled: request, approval (the tombstone) and removal.
// The rebuilt catalog has the tombstone, the disposed units and the
// deletion event, not the AIP, and equals the live one.
func TestDisposalRebuild(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	live, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	ids := []string{"urn:uuid:11111111-1111-4111-8111-111111111111", "urn:uuid:22222222-2222-4222-8222-222222222222"}
	var aips []*preservation.AIP
	for i, id := range ids {
		title := []string{"Eins", "Zwei"}[i]
		src := aip.BytesSource(aip.PrefixOriginal+"a.txt", []byte("inhalt "+id))
		a := &preservation.AIP{ID: preservation.AIPID(id), Version: 1, Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
			Title: title, Profile: "folder", Fingerprint: "fp-" + title,
			Files: []preservation.File{{Path: src.Path, Name: "a.txt", Size: src.Size, SHA512: src.SHA512, PUID: "x-fmt/111", FormatName: "Plain Text File"}},
			Size:  src.Size, Agents: []preservation.Agent{{ID: "magazin", Name: "magazin", Type: "software", Version: "t"}},
			Units: []preservation.Unit{{ID: "urn:uuid:0000000" + string(rune('1'+i)) + "-0000-4000-8000-000000000000", Level: preservation.LevelAkte,
				Title: title, AIP: preservation.AIPID(id)}}}
		obj, err := aip.New(aip.Package{AIP: a, Payload: []aip.Source{src}})
		if err != nil {
			t.Fatal(err)
		}
		if err := obj.Write(ctx, st, 1); err != nil {
			t.Fatal(err)
		}
		if err := live.PutAIP(ctx, a); err != nil {
			t.Fatal(err)
		}
		aips = append(aips, a)
	}
	j := journal.New(st)
	req := catalog.DisposalRequest{ID: "urn:uuid:d1500000-0000-4000-8000-000000000001", AIP: ids[0], Reason: "Kassation nach Bewertung",
		RequestedBy: "alice", Requested: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	if err := live.Commit(ctx, j, catalog.DisposalRequestEntry(req)); err != nil {
		t.Fatal(err)
	}
	d, err := live.Disposal(ctx, req.ID)
	if err != nil || d.Status != catalog.DisposalRequested {
		t.Fatalf("disposal = %+v, %v", d, err)
	}
	if err := catalog.CheckApproval(d, "alice"); !errors.Is(err, catalog.ErrSelfApproval) {
		t.Errorf("self-approval: %v, want ErrSelfApproval", err)
	}
	if err := catalog.CheckApproval(d, "bob"); err != nil {
		t.Errorf("approval by bob: %v", err)
	}
	approved := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	tomb := catalog.Tombstone{Request: req, ApprovedBy: "bob", Approved: approved, AIP: *aips[0],
		Event: preservation.Event{ID: "e0000000-0000-4000-8000-000000000001", Type: preservation.EventDeletion, DateTime: approved,
			Detail: "disposal", Outcome: preservation.OutcomeSuccess, Agents: []string{"magazin"}}}
	if err := live.Commit(ctx, j, catalog.DisposalApproveEntry(tomb)); err != nil {
		t.Fatal(err)
	}
	if _, err := aip.Destroy(ctx, st, ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := live.Commit(ctx, j, catalog.RemovalEntry(catalog.Removal{Request: req.ID, AIP: ids[0], Stores: map[string]int{st.String(): 7}})); err != nil {
		t.Fatal(err)
	}

	check := func(name string, c *catalog.Catalog) {
		t.Helper()
		if _, err := c.AIP(ctx, ids[0]); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: the disposed AIP is still listed: %v", name, err)
		}
		if _, ok, _ := c.ByFingerprint(ctx, aips[0].Fingerprint); ok {
			t.Errorf("%s: the disposed AIP's fingerprint is still known", name)
		}
		if _, err := c.AIP(ctx, ids[1]); err != nil {
			t.Errorf("%s: the other AIP: %v", name, err)
		}
		tb, err := c.Tombstone(ctx, ids[0])
		if err != nil || tb.AIP.Title != "Eins" || tb.ApprovedBy != "bob" || tb.Request.Reason != req.Reason || len(tb.AIP.Files) != 1 {
			t.Errorf("%s: tombstone = %+v, %v", name, tb, err)
		}
		u, err := c.Unit(ctx, aips[0].Units[0].ID)
		if err != nil || u.Disposed != "2026-12-02" || u.Title != "Eins" {
			t.Errorf("%s: disposed unit = %+v, %v", name, u, err)
		}
		if u, _ := c.Unit(ctx, aips[1].Units[0].ID); u == nil || u.Disposed != "" {
			t.Errorf("%s: other unit = %+v", name, u)
		}
		evs, err := c.Events(ctx, ids[0])
		if err != nil || len(evs) != 1 || evs[0].Type != preservation.EventDeletion {
			t.Errorf("%s: events = %+v, %v", name, evs, err)
		}
		ds, err := c.Disposals(ctx)
		if err != nil || len(ds) != 1 || ds[0].Status != catalog.DisposalDone || ds[0].Stores[st.String()] != 7 {
			t.Errorf("%s: disposals = %+v, %v", name, ds, err)
		}
		n := 0
		for range c.AIPs(ctx) {
			n++
		}
		if n != 1 {
			t.Errorf("%s: %d AIPs listed, want 1", name, n)
		}
	}
	check("live", live)
	rebuilt, err := catalog.Open(filepath.Join(t.TempDir(), "cat"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rebuilt.Close()
	stats, err := rebuilt.Rebuild(ctx, []store.Store{st}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if stats.AIPs != 1 || stats.Segments != 3 {
		t.Errorf("stats = %+v", stats)
	}
	check("rebuilt", rebuilt)
	want, _ := live.Dump(ctx)
	got, _ := rebuilt.Dump(ctx)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rebuilt catalog differs from live (-live +rebuilt):\n%s", diff)
	}
}
