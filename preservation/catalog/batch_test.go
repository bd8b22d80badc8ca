package catalog_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

// TestCommitUnits: units go into one journal segment per batch, and a
// rebuild from the journal restores them.
func TestCommitUnits(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	live, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	units := []preservation.Unit{{ID: "b", Level: preservation.LevelBestand, Bestand: "b", Title: "Bestand", Signatur: "B 1", SourceID: "fa#b"}}
	for i := range 2500 {
		units = append(units, preservation.Unit{ID: fmt.Sprintf("u%05d", i), Parent: "b", Bestand: "b", Level: preservation.LevelAkte,
			Title: fmt.Sprint("Akte ", i), Signatur: fmt.Sprint(i % 2000), SourceID: fmt.Sprintf("fa#c%d", i), Order: i + 1})
	}
	var calls, seen int
	if err := live.CommitUnits(ctx, journal.New(st), units, 1000, func(part []preservation.Unit) error {
		calls++
		seen += len(part)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if calls != 3 || seen != len(units) {
		t.Errorf("%d calls with %d units", calls, seen)
	}
	segs := 0
	for _, err := range journal.Replay(ctx, st) {
		if err != nil {
			t.Fatal(err)
		}
		segs++
	}
	if segs != 3 {
		t.Errorf("%d segments, want 3", segs)
	}

	bySource, err := live.UnitsBySource(ctx, "fa#")
	if err != nil {
		t.Fatal(err)
	}
	if len(bySource) != len(units) || bySource["fa#c7"].ID != "u00007" {
		t.Errorf("%d units by source, fa#c7 = %+v", len(bySource), bySource["fa#c7"])
	}
	if other, _ := live.UnitsBySource(ctx, "other#"); len(other) != 0 {
		t.Errorf("other: %d", len(other))
	}
	kids, err := live.ChildIDs(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	if len(kids) != 2500 || kids[0] != "u00000" || kids[2499] != "u02499" {
		t.Errorf("%d children, %v … %v", len(kids), kids[0], kids[len(kids)-1])
	}

	// Two units share the Signatur "7" (u00007 and u02007): editing the
	// one that does not hold the entry leaves it with the other.
	holder, err := live.ResolveUnit(ctx, "7")
	if err != nil {
		t.Fatal(err)
	}
	other := units[8]
	if holder.ID == other.ID {
		other = units[2008]
	}
	other.Title = "geändert"
	if err := live.Commit(ctx, journal.New(st), catalog.UnitEntry(other)); err != nil {
		t.Fatal(err)
	}
	if u, err := live.ResolveUnit(ctx, "7"); err != nil || u.ID != holder.ID {
		t.Errorf("Signatur 7 after editing the other unit: %v %v", u, err)
	}

	rebuilt, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rebuilt.Close()
	if _, err := rebuilt.Rebuild(ctx, []store.Store{st}, nil); err != nil {
		t.Fatal(err)
	}
	a, _ := live.Dump(ctx)
	b, _ := rebuilt.Dump(ctx)
	if d := cmp.Diff(a, b); d != "" {
		t.Errorf("rebuilt differs (-live +rebuilt):\n%.2000s", d)
	}
}
