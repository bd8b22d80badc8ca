package catalog_test

import (
	"context"
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

// Every unit's last-change time is derived from storage alone: the live
// catalog and one rebuilt from the stores agree on it (Dump is equal), it
// only ever rises, and UnitsAfter pages through the units in id order.
func TestUnitChangedSurvivesRebuild(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	live, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()

	// An AIP with a later event (as a new version adds): its units changed
	// at the event. (The AIP record keeps its times as given, so they are
	// UTC seconds here, as storage keeps them; the journal's times below
	// have nanoseconds.)
	created := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	event := time.Date(2026, 3, 5, 7, 30, 15, 0, time.UTC)
	id := "urn:uuid:55555555-5555-4555-8555-555555555555"
	units := []preservation.Unit{
		{ID: "urn:uuid:aaaaaaaa-0000-4000-8000-000000000001", Level: preservation.LevelAkte, Title: "Akte", Signatur: "1 Nr. 1", AIP: preservation.AIPID(id)},
		{ID: "urn:uuid:aaaaaaaa-0000-4000-8000-000000000002", Parent: "urn:uuid:aaaaaaaa-0000-4000-8000-000000000001", Level: preservation.LevelDokument, Title: "Dokument", AIP: preservation.AIPID(id)},
	}
	src := aip.BytesSource(aip.PrefixOriginal+"a.txt", []byte("inhalt"))
	a := &preservation.AIP{ID: preservation.AIPID(id), Version: 1, Created: created, Title: "Akte", Profile: "folder", Fingerprint: "fp-stamp",
		Files: []preservation.File{{Path: src.Path, Name: "a.txt", Size: src.Size, SHA512: src.SHA512, PUID: "x-fmt/111", FormatName: "Plain Text File"}},
		Size:  src.Size, Agents: []preservation.Agent{{ID: "magazin", Name: "magazin", Type: "software", Version: "t"}},
		Events: []preservation.Event{
			{ID: "e1", Type: preservation.EventIngestion, DateTime: created, Outcome: preservation.OutcomeSuccess, Agents: []string{"magazin"}},
			{ID: "e2", Type: preservation.EventMetadataModification, DateTime: event, Outcome: preservation.OutcomeSuccess, Agents: []string{"magazin"}},
		},
		Units: units}
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
	wantAIP := time.Date(2026, 3, 5, 7, 30, 15, 0, time.UTC)
	for _, u := range units {
		if got, err := live.Changed(ctx, u.ID); err != nil || !got.Equal(wantAIP) || got.Location() != time.UTC {
			t.Errorf("Changed(%s) = %v, %v; want %v", u.ID, got, err, wantAIP)
		}
	}

	// A journaled description edit and a new Bestand: changed when the
	// segment was committed.
	j := journal.New(st)
	edited := units[0]
	edited.Title = "Akte (berichtigt)"
	bestand := preservation.Unit{ID: "urn:uuid:bbbbbbbb-0000-4000-8000-000000000001", Level: preservation.LevelBestand, Title: "Bestand", Signatur: "1"}
	bestand.Bestand = bestand.ID
	before := time.Now().UTC().Truncate(time.Second)
	if err := live.Commit(ctx, j, catalog.UnitEntry(edited), catalog.UnitEntry(bestand)); err != nil {
		t.Fatal(err)
	}
	after := time.Now().UTC()
	edit, err := live.Changed(ctx, edited.ID)
	if err != nil || edit.Before(before) || edit.After(after) {
		t.Errorf("Changed after the edit = %v, %v; want within [%v, %v]", edit, err, before, after)
	}
	// Putting the AIP again (as a catalog cache refresh would) does not
	// take the time back.
	if err := live.PutAIP(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got, _ := live.Changed(ctx, edited.ID); !got.Equal(edit) {
		t.Errorf("Changed went back to %v from %v", got, edit)
	}
	if err := live.Commit(ctx, j, catalog.UnitEntry(edited)); err != nil {
		t.Fatal(err)
	}
	if _, err := live.Changed(ctx, "urn:uuid:nope"); err == nil {
		t.Error("Changed of an unknown unit: no error")
	}
	if first, err := live.EarliestChange(ctx); err != nil || !first.Equal(wantAIP) {
		t.Errorf("EarliestChange = %v, %v; want %v", first, err, wantAIP)
	}

	rebuilt, err := catalog.Open(filepath.Join(t.TempDir(), "cat"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rebuilt.Close()
	if _, err := rebuilt.Rebuild(ctx, []store.Store{st}, nil); err != nil {
		t.Fatal(err)
	}
	want, _ := live.Dump(ctx)
	got, _ := rebuilt.Dump(ctx)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rebuilt catalog differs from live (-live +rebuilt):\n%s", diff)
	}
	stamps := 0
	for _, k := range catalog.Keys(got) {
		if len(k) > 6 && k[:6] == "stamp/" {
			stamps++
		}
	}
	if stamps != 3 {
		t.Errorf("%d stamps in the rebuilt catalog, want 3", stamps)
	}

	// UnitsAfter: every unit once, in id order, from any point.
	var all []string
	for s, err := range rebuilt.UnitsAfter(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		if s.Changed.IsZero() {
			t.Errorf("%s without a change time", s.Unit.ID)
		}
		all = append(all, s.Unit.ID)
	}
	wantIDs := []string{units[0].ID, units[1].ID, bestand.ID}
	if diff := cmp.Diff(wantIDs, all); diff != "" {
		t.Errorf("UnitsAfter (-want +got):\n%s", diff)
	}
	var rest []string
	for s, err := range rebuilt.UnitsAfter(ctx, units[0].ID) {
		if err != nil {
			t.Fatal(err)
		}
		rest = append(rest, s.Unit.ID)
	}
	if diff := cmp.Diff(wantIDs[1:], rest); diff != "" {
		t.Errorf("UnitsAfter(first) (-want +got):\n%s", diff)
	}
}

// UnitsAfter pages through more units than fit one read, and stops when
// asked to.
func TestUnitsAfterPages(t *testing.T) {
	ctx := context.Background()
	c, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var units []preservation.Unit
	for i := range 1000 {
		units = append(units, preservation.Unit{ID: "u" + string(rune('a'+i%26)) + time.Duration(i).String(), Level: preservation.LevelAkte})
	}
	if err := c.PutUnitsAt(ctx, at, units); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	prev := ""
	for s, err := range c.UnitsAfter(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		if s.Unit.ID <= prev || seen[s.Unit.ID] || !s.Changed.Equal(at) {
			t.Fatalf("%s after %s (seen %v, changed %v)", s.Unit.ID, prev, seen[s.Unit.ID], s.Changed)
		}
		seen[s.Unit.ID], prev = true, s.Unit.ID
	}
	if len(seen) != len(units) {
		t.Errorf("%d units, want %d", len(seen), len(units))
	}
	n := 0
	for range c.UnitsAfter(ctx, "") {
		if n++; n == 300 {
			break
		}
	}
	if n != 300 {
		t.Errorf("stopped after %d", n)
	}
}
