package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

// Closure decisions are journaled and kept per unit; a rebuild from the
// store restores them (and so a researcher's grant) exactly.
func TestDecisionsRebuild(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	live, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	j := journal.New(st)
	d1 := json.RawMessage(`{"id":"d1","unit":"u1","kind":"shorten","scope":"user","user":"acc-1","newRelease":"2026-01-01"}`)
	d2 := json.RawMessage(`{"id":"d2","unit":"u1","kind":"shorten","scope":"user","user":"acc-2","newRelease":"2026-02-01"}`)
	d3 := json.RawMessage(`{"id":"d3","unit":"u2","kind":"shorten","scope":"all","newRelease":"2026-03-01"}`)
	for _, d := range []json.RawMessage{d1, d2, d3} {
		e, err := catalog.DecisionEntry(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := live.Commit(ctx, j, e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := catalog.DecisionEntry(json.RawMessage(`{"id":"d4"}`)); !errors.Is(err, catalog.ErrBadDecision) {
		t.Errorf("a decision without a unit: %v, want ErrBadDecision", err)
	}
	got, err := live.Decisions(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || string(got[0]) != string(d1) || string(got[1]) != string(d2) {
		t.Errorf("decisions of u1: %s", got)
	}
	if got, _ := live.Decisions(ctx, "u2", "none", "u1"); len(got) != 3 || string(got[0]) != string(d3) || string(got[2]) != string(d2) {
		t.Errorf("decisions of u2 and u1: %s", got)
	}
	if got, _ := live.Decisions(ctx, "u"); len(got) != 0 {
		t.Errorf("decisions of the unit u (a prefix of u1): %s", got)
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
		t.Errorf("rebuilt catalog differs (-live +rebuilt):\n%s", d)
	}
	if got, _ := rebuilt.Decisions(ctx, "u2"); len(got) != 1 || string(got[0]) != string(d3) {
		t.Errorf("rebuilt decisions of u2: %s", got)
	}
}
