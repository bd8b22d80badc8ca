package ead_test

import (
	"fmt"
	"testing"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/profiles/ead"
)

func ids() func() string {
	n := 0
	return func() string { n++; return fmt.Sprintf("id%d", n) }
}

func TestPlanPlacement(t *testing.T) {
	fa := read(t, ddbFindbuch)
	group := &preservation.Unit{ID: "g", Level: preservation.LevelTektonik}
	bestand := &preservation.Unit{ID: "B", Level: preservation.LevelBestand, Bestand: "B"}
	gl := &preservation.Unit{ID: "G", Level: preservation.LevelGliederung, Bestand: "B"}
	akte := &preservation.Unit{ID: "A", Level: preservation.LevelAkte, Bestand: "B"}

	ch := ead.Plan(fa, group, nil, ids())
	if len(ch.Problems) != 0 || ch.New != 7 || len(ch.Units) != 7 {
		t.Fatalf("%+v", ch)
	}
	top := ch.Units[0]
	if top.ID != "id1" || top.Parent != "g" || top.Level != preservation.LevelBestand || top.Bestand != "id1" || top.Order != 0 {
		t.Errorf("top %+v", top)
	}
	for _, u := range ch.Units[1:] {
		if u.Bestand != "id1" || u.Parent == "" || u.Parent[:2] != "id" {
			t.Errorf("unit %+v", u)
		}
	}
	// Below a Bestand the Findbuch's Bestand is a Gliederung.
	for _, p := range []*preservation.Unit{bestand, gl} {
		ch = ead.Plan(fa, p, nil, ids())
		if top := ch.Units[0]; top.Level != preservation.LevelGliederung || top.Parent != p.ID || top.Bestand != "B" || ch.Units[3].Bestand != "B" {
			t.Errorf("below %s: %+v", p.Level, top)
		}
	}
	// Not below an Akte; a Tektonik not below a Bestand.
	if ch := ead.Plan(fa, akte, nil, ids()); !ch.Problems.HasErrors() || ch.Problems[0].Code != ead.CodePlace {
		t.Errorf("below an Akte: %v", ch.Problems)
	}
	tk := read(t, `<ead><eadheader><eadid>TK</eadid></eadheader><archdesc level="collection" type="Tektonik"><did/><dsc>
<c level="collection" id="TK"><did><unittitle>A</unittitle></did><c level="file" id="FB-7"><did><unittitle>B</unittitle></did></c></c></dsc></archdesc></ead>`)
	if ch := ead.Plan(tk, bestand, nil, ids()); !ch.Problems.HasErrors() {
		t.Error("a Tektonik below a Bestand")
	}
	// A Findbuch of an Akte at the top becomes a Bestand.
	single := read(t, `<ead><eadheader><eadid>S</eadid></eadheader><archdesc level="file"><did><unittitle>Akte</unittitle></did></archdesc></ead>`)
	if ch := ead.Plan(single, nil, nil, ids()); ch.Units[0].Level != preservation.LevelBestand {
		t.Errorf("%+v", ch.Units[0])
	}
}

func TestPlanReimport(t *testing.T) {
	fa := read(t, ddbFindbuch)
	first := ead.Plan(fa, nil, nil, ids())
	existing := map[string]preservation.Unit{}
	for _, u := range first.Units {
		existing[u.SourceID] = u
	}
	// Unchanged: nothing to write; the top keeps the place it was given.
	b := existing["FB-7#FB-7"]
	b.Parent = "moved-by-archivist"
	b.AIP = "aip-1"
	existing["FB-7#FB-7"] = b
	ch := ead.Plan(fa, nil, existing, ids())
	if ch.New != 0 || ch.Changed != 0 || ch.Unchanged != 7 || len(ch.Units) != 0 {
		t.Fatalf("%+v", ch)
	}
	// An archivist's facts stay; the stated end follows the finding aid
	// while it is the finding aid's.
	a := existing["FB-7#a1"]
	a.Closure.Persons = []preservation.Person{{Name: "Müller", Death: "1990"}}
	a.Title = "edited in magazin"
	existing["FB-7#a1"] = a
	ch = ead.Plan(fa, nil, existing, ids())
	if ch.Changed != 1 || ch.Units[0].Title != "Personalakte Müller" || len(ch.Units[0].Closure.Persons) != 1 || ch.Units[0].Closure.Until != "2040-12-31" {
		t.Errorf("%+v", ch.Units)
	}
	a.Closure.Until = "2050-12-31" // set by an archivist
	existing["FB-7#a1"] = a
	ch = ead.Plan(fa, nil, existing, ids())
	if ch.Units[0].Closure.Until != "2050-12-31" || len(ch.Reindex) != 1 || ch.Reindex[0] != a.ID {
		t.Errorf("%+v", ch.Units[0])
	}
	// Gone units are kept and reported.
	existing["FB-7#old"] = preservation.Unit{ID: "old", SourceID: "FB-7#old"}
	ch = ead.Plan(fa, nil, existing, ids())
	if len(ch.Problems) != 1 || ch.Problems[0].Code != ead.CodeGone {
		t.Errorf("%v", ch.Problems)
	}
}

// A Tektonik moves a Bestand imported from its Findbuch and fills only
// what it lacks.
func TestPlanTektonikMeetsFindbuch(t *testing.T) {
	fb := read(t, ddbFindbuch)
	first := ead.Plan(fb, nil, nil, ids())
	existing := map[string]preservation.Unit{}
	for _, u := range first.Units {
		existing[u.SourceID] = u
	}
	tk := read(t, `<ead><eadheader><eadid>TK</eadid></eadheader><archdesc level="collection" type="Tektonik"><did/><dsc>
<c level="collection" id="TK"><did><unittitle>Archiv</unittitle></did><c level="class" id="g"><did><unittitle>Gruppe</unittitle></did>
<c level="file" id="FB-7"><did><unittitle>Anderer Titel</unittitle><abstract>Kurz</abstract></did></c></c></c></dsc></archdesc></ead>`)
	ch := ead.Plan(tk, nil, existing, func() string { return "new" })
	if ch.New != 1 || ch.Changed != 1 {
		t.Fatalf("%+v", ch)
	}
	b := ch.Units[1]
	if b.ID != existing["FB-7#FB-7"].ID || b.Parent != "new" || b.Title != "Amtshauptmannschaft Pirna" || b.Scope == "Kurz" || b.Signatur != "10001" {
		t.Errorf("Bestand %+v", b)
	}
}
