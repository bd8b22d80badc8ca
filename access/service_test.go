package access_test

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
)

func setup(t *testing.T, granularity string) (*access.Service, *catalog.Catalog) {
	t.Helper()
	cat, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	idx, err := search.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	svc, err := access.New(access.Config{Granularity: granularity}, cat, idx, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc.SetClock(func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) })
	units := []preservation.Unit{
		{ID: "b", Level: preservation.LevelBestand, Signatur: "20001", Title: "Landratsamt Musterkreis", Bestand: "b"},
		{ID: "a1", Parent: "b", Bestand: "b", Level: preservation.LevelAkte, Signatur: "20001 Nr. 1", Title: "Bauantrag Schulze", To: "2018-07-24", Order: 1},
		{ID: "a2", Parent: "b", Bestand: "b", Level: preservation.LevelAkte, Signatur: "20001 Nr. 2", Title: "Pflegeakte Quappendorf",
			Scope: "Betreuung der Frau Quappendorf", To: "2018-07-24", Order: 2, Closure: preservation.ClosureFacts{Personal: true}},
		{ID: "d1", Parent: "a2", Bestand: "b", Level: preservation.LevelDokument, Signatur: "20001 Nr. 2/1", Title: "Gutachten Quappendorf", To: "2017-01-01", Order: 1},
		{ID: "a3", Parent: "b", Bestand: "b", Level: preservation.LevelAkte, Signatur: "20001 Nr. 3", Title: "Haushaltsplan Müllrose", To: "1990-12-31", Order: 3},
	}
	if err := cat.PutUnits(context.Background(), units); err != nil {
		t.Fatal(err)
	}
	if err := svc.RebuildIndex(context.Background()); err != nil {
		t.Fatal(err)
	}
	return svc, cat
}

func TestClosedUnitsAsThePublicSeesThem(t *testing.T) {
	ctx := context.Background()
	svc, _ := setup(t, "day")
	res, err := svc.Search(ctx, search.Query{Text: "Bauantrag"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 1 || res.Hits[0].Open || res.Hits[0].Release != "2048-07-25" || res.Hits[0].Unit.Title != "Bauantrag Schulze" {
		t.Fatalf("closed non-personal unit: %+v", res.Hits)
	}
	// Umlaut folding and stemming, and an open unit.
	res, err = svc.Search(ctx, search.Query{Text: "Mullrose Haushaltsplane"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 1 || !res.Hits[0].Open {
		t.Fatalf("open unit: %+v", res.Hits)
	}
	// A closed person-related unit: not found by its hidden words, and its
	// document (which inherits the facts) neither.
	for _, q := range []string{"Quappendorf", "Pflegeakte", "Betreuung", "Gutachten"} {
		res, err := svc.Search(ctx, search.Query{Text: q, Facets: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 0 {
			t.Errorf("public search for %q found %+v", q, res.Hits)
		}
	}
	pu, err := svc.Unit(ctx, "20001 Nr. 2")
	if err != nil {
		t.Fatal(err)
	}
	if pu.Open || pu.Unit.Title != "" || pu.Unit.Scope != "" || pu.Release != "2078-07-25" || !strings.Contains(pu.Governing, "60 Jahre") {
		t.Errorf("public view of the personal unit = %+v", pu)
	}
	doc, err := svc.Unit(ctx, "20001 Nr. 2/1")
	if err != nil {
		t.Fatal(err)
	}
	if doc.Open || doc.Unit.Title != "" {
		t.Errorf("document of a personal unit shows %+v", doc)
	}
	kids, err := svc.Children(ctx, "b", 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range kids.Hits {
		if strings.Contains(h.Unit.Title, "Quappendorf") {
			t.Errorf("browsing shows the hidden title: %+v", h.Unit)
		}
	}
	if b, _ := svc.Unit(ctx, "20001"); !b.Open {
		t.Errorf("a Bestand must be public: %+v", b)
	}
}

func TestYearGranularity(t *testing.T) {
	svc, _ := setup(t, "year")
	pu, err := svc.Unit(context.Background(), "20001 Nr. 1")
	if err != nil {
		t.Fatal(err)
	}
	if pu.Release != "2049-01-01" {
		t.Errorf("release with year granularity = %s, want 2049-01-01", pu.Release)
	}
}

func TestMissingFactsKeepAUnitClosed(t *testing.T) {
	ctx := context.Background()
	svc, cat := setup(t, "day")
	if err := cat.PutUnits(ctx, []preservation.Unit{{ID: "x", Parent: "b", Bestand: "b", Level: preservation.LevelAkte, Title: "Ohne Laufzeit", Signatur: "20001 Nr. 9"}}); err != nil {
		t.Fatal(err)
	}
	pu, err := svc.Unit(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	if pu.Open {
		t.Errorf("a unit without a creation date is open: %+v", pu)
	}
}

func TestRootsAndAncestors(t *testing.T) {
	ctx := context.Background()
	svc, _ := setup(t, "day")
	roots, err := svc.Children(ctx, "", 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if roots.Total != 1 || len(roots.Hits) != 1 || roots.Hits[0].Unit.ID != "b" || !roots.Hits[0].Open || roots.Hits[0].BestandTitle != "Landratsamt Musterkreis" {
		t.Errorf("roots = %+v", roots)
	}
	if past, err := svc.Children(ctx, "", 3, 10); err != nil || past.Total != 1 || len(past.Hits) != 0 {
		t.Errorf("roots past the end = %+v, %v", past, err)
	}
	doc, err := svc.Unit(ctx, "d1")
	if err != nil {
		t.Fatal(err)
	}
	// The document's Akte is closed and person-related: its breadcrumb has
	// no title.
	if len(doc.Ancestors) != 2 || doc.Ancestors[0].Title != "Landratsamt Musterkreis" || doc.Ancestors[1].Signatur != "20001 Nr. 2" ||
		doc.Ancestors[1].Title != "" || doc.BestandTitle != "Landratsamt Musterkreis" {
		t.Errorf("ancestors = %+v", doc.Ancestors)
	}
}

// A submission id (SourceID) several units share finds none: not found,
// not a server error; a unique one, the Signatur and the id find the unit.
func TestUnitByAmbiguousSubmissionIDIsNotFound(t *testing.T) {
	ctx := context.Background()
	svc, cat := setup(t, "day")
	units := []preservation.Unit{
		{ID: "s1", Parent: "b", Bestand: "b", Level: preservation.LevelAkte, Signatur: "20001 Nr. 11", Title: "Haushalt 1981",
			SourceID: "submission", To: "1981-12-31", Order: 11},
		{ID: "s2", Parent: "b", Bestand: "b", Level: preservation.LevelAkte, Signatur: "20001 Nr. 12", Title: "Pflegeakte Quast",
			SourceID: "submission", To: "2018-07-24", Order: 12, Closure: preservation.ClosureFacts{Personal: true}},
		{ID: "s3", Parent: "b", Bestand: "b", Level: preservation.LevelAkte, Signatur: "20001 Nr. 13", Title: "Haushalt 1980",
			SourceID: "0f1e2d3c-aaaa-4bbb-8ccc-000000000013", To: "1980-12-31", Order: 13},
	}
	if err := cat.PutUnits(ctx, units); err != nil {
		t.Fatal(err)
	}
	if pu, err := svc.Unit(ctx, "submission"); !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, catalog.ErrAmbiguous) {
		t.Errorf("Unit(submission) = %+v, %v; want not found and ambiguous", pu, err)
	}
	for ref, id := range map[string]string{"s2": "s2", "20001 Nr. 12": "s2", "0f1e2d3c-aaaa-4bbb-8ccc-000000000013": "s3"} {
		if pu, err := svc.Unit(ctx, ref); err != nil || pu.Unit.ID != id {
			t.Errorf("Unit(%q) = %+v, %v; want %s", ref, pu, err, id)
		}
	}
}
