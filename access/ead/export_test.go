package ead_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/ead"
	"github.com/magazin-archiv/magazin/access/ead/ddbtest"
	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
)

var cfg = ead.Config{ISIL: "DE-14", Archive: "Sächsisches Staatsarchiv", UnitURL: "https://archiv.example/einheit/{id}",
	MetadataLicense: "http://creativecommons.org/publicdomain/zero/1.0/"}

// secrets are words only closed person-related units hold: no export may
// contain them.
var secrets = []string{"Quappendorf", "Pflegeakte", "Betreuung", "Gutachten", "Vormundschaft"}

type archive struct {
	cat  *catalog.Catalog
	room *access.Service
	x    *ead.Exporter
}

func newArchive(t testing.TB, units []preservation.Unit) *archive {
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
	room, err := access.New(access.Config{}, cat, idx, nil)
	if err != nil {
		t.Fatal(err)
	}
	room.SetClock(func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) })
	if err := cat.PutUnits(context.Background(), units); err != nil {
		t.Fatal(err)
	}
	x, err := ead.New(cfg, room, cat)
	if err != nil {
		t.Fatal(err)
	}
	return &archive{cat: cat, room: room, x: x}
}

// fixture: a Tektonik group with a Bestand; open, closed, closed
// person-related (also by inheritance), published-metadata and undated
// units; an imported unit with its c/@id and notes.
func fixture() []preservation.Unit {
	return []preservation.Unit{
		{ID: "urn:uuid:00000000-0000-4000-8000-000000000001", Level: preservation.LevelTektonik, Title: "Kommunale Verwaltung", Order: 1},
		{ID: "b", Parent: "urn:uuid:00000000-0000-4000-8000-000000000001", Level: preservation.LevelBestand, Bestand: "b", Signatur: "20001",
			Title: "Landratsamt Musterkreis", Scope: "Einleitung zum Bestand.\nZweiter Absatz.", From: "1950", To: "2018", Provenance: "Landratsamt Musterkreis",
			Extra: map[string]string{"bioghist": "Das Landratsamt entstand 1994."}},
		{ID: "g", Parent: "b", Bestand: "b", Level: preservation.LevelGliederung, Title: "Bauwesen", Signatur: "1", Order: 1},
		{ID: "a1", Parent: "g", Bestand: "b", Level: preservation.LevelAkte, Signatur: "20001 Nr. 1", Title: "Bauantrag Schulze", From: "2015-03-01", To: "2018-07-24", Order: 1,
			Persons: []preservation.Person{{Name: "Schulze, Erna"}}, Places: []string{"Musterstadt"}, Subjects: []string{"Bauantrag"}, Extent: "1 Akte", Language: "ger",
			SourceRef: "63-1234/2015"},
		{ID: "a2", Parent: "g", Bestand: "b", Level: preservation.LevelAkte, Signatur: "20001 Nr. 2", Title: "Pflegeakte Quappendorf", Scope: "Betreuung der Frau Quappendorf",
			To: "2018-07-24", Order: 2, Closure: preservation.ClosureFacts{Personal: true}, Persons: []preservation.Person{{Name: "Quappendorf, Frieda"}},
			Extra: map[string]string{"accessrestrict": "Vormundschaft"}},
		{ID: "d1", Parent: "a2", Bestand: "b", Level: preservation.LevelDokument, Signatur: "20001 Nr. 2/1", Title: "Gutachten Quappendorf", To: "2017-01-01", Order: 1},
		{ID: "a3", Parent: "g", Bestand: "b", Level: preservation.LevelAkte, Signatur: "20001 Nr. 3", Title: "Haushaltsplan Müllrose", From: "1980", To: "1990-12-31", Order: 3,
			Extra: map[string]string{"dao": "image_full https://bilder.example/a3.jpg\nlink not a url", "genreform": "Amtsbücher, Register und Grundbücher"}},
		{ID: "a4", Parent: "g", Bestand: "b", Level: preservation.LevelAkte, Signatur: "20001 Nr. 4", Title: "Akte ohne Datum", Order: 4},
		{ID: "a5", Parent: "g", Bestand: "b", Level: preservation.LevelAkte, Signatur: "20001 Nr. 5", Title: "Personalakte Geheimrat Lehmann (veröffentlicht)",
			To: "2010", Order: 5, Closure: preservation.ClosureFacts{Personal: true}, PublishMetadata: true},
		{ID: "a6", Parent: "b", Bestand: "b", Level: preservation.LevelAkte, Signatur: "Altbestand 7", Title: "Übernommene Akte", From: "1900", To: "1910",
			SourceID: "DE-14_20001#c-0815", Order: 2, Extra: map[string]string{"unitdate": "um 1900-1910", "url": "https://alt.example/c-0815",
				"odd": "Erste Zeile\nZweite Zeile", "unitid": "cote: X 12"}},
		{ID: "a7", Parent: "b", Bestand: "b", Level: preservation.LevelAkte, Signatur: "Dup", Title: "Gleiche c-ID", SourceID: "other#c-0815", Order: 3, To: "1900"},
		{ID: "v1", Parent: "a6", Bestand: "b", Level: preservation.LevelVorgang, Title: "Vorgang", Order: 1, To: "1905"},
		{ID: "b2", Level: preservation.LevelBestand, Bestand: "b2", Signatur: "20002", Title: "Undatierter Bestand", Order: 2},
		{ID: "u1", Parent: "b2", Bestand: "b2", Level: preservation.LevelAkte, Signatur: "20002 Nr. 1", Title: "Akte ohne Datum"},
	}
}

func exportAll(t *testing.T, a *archive) (dir string, files map[string][]string) {
	t.Helper()
	ctx := context.Background()
	dir = t.TempDir()
	files = map[string][]string{}
	bs, orphans, err := a.x.Bestaende(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(orphans) != 0 {
		t.Errorf("orphans %v", orphans)
	}
	for _, id := range bs {
		pu, err := a.room.Unit(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, ead.FindbuchID(pu.Unit)+".xml")
		var buf bytes.Buffer
		if _, err := a.x.Findbuch(ctx, &buf, id); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(p, buf.Bytes(), 0o600)
		files[ddbtest.Findbuch] = append(files[ddbtest.Findbuch], p)
	}
	var buf bytes.Buffer
	if _, err := a.x.Tektonik(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "Tektonik.xml")
	os.WriteFile(p, buf.Bytes(), 0o600)
	files[ddbtest.Tektonik] = []string{p}
	return dir, files
}

func noSecrets(t *testing.T, name string, data []byte) {
	t.Helper()
	for _, s := range secrets {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("%s contains %q of a closed person-related unit", name, s)
		}
	}
}

// c is a component as the tests read it back.
type c struct {
	Level string `xml:"level,attr"`
	ID    string `xml:"id,attr"`
	Did   struct {
		Unitid []struct {
			Type string `xml:"type,attr"`
			V    string `xml:",chardata"`
		} `xml:"unitid"`
		Title string `xml:"unittitle"`
		Date  struct {
			Normal string `xml:"normal,attr"`
			V      string `xml:",chardata"`
		} `xml:"unitdate"`
	} `xml:"did"`
	Access []struct {
		P []string `xml:"p"`
	} `xml:"accessrestrict"`
	Dao []struct {
		Loc []struct {
			Href string `xml:"href,attr"`
		} `xml:"daoloc"`
	} `xml:"daogrp"`
	C []c `xml:"c"`
}

func components(t *testing.T, data []byte) map[string]c {
	t.Helper()
	var doc struct {
		Archdesc struct {
			Dsc struct {
				C []c `xml:"c"`
			} `xml:"dsc"`
		} `xml:"archdesc"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]c{}
	var walk func([]c)
	walk = func(cs []c) {
		for _, x := range cs {
			sig := ""
			if len(x.Did.Unitid) > 0 {
				sig = x.Did.Unitid[0].V
			}
			out[sig+"|"+x.Did.Title] = x
			walk(x.C)
		}
	}
	walk(doc.Archdesc.Dsc.C)
	return out
}

func TestExportFixture(t *testing.T) {
	a := newArchive(t, fixture())
	_, files := exportAll(t, a)
	ddbtest.Validate(t, ddbtest.Findbuch, files[ddbtest.Findbuch]...)
	ddbtest.Validate(t, ddbtest.Tektonik, files[ddbtest.Tektonik]...)
	if len(files[ddbtest.Findbuch]) != 2 {
		t.Fatalf("findbücher %v", files)
	}
	data, _ := os.ReadFile(files[ddbtest.Findbuch][0])
	noSecrets(t, "Findbuch", data)
	tek, _ := os.ReadFile(files[ddbtest.Tektonik][0])
	noSecrets(t, "Tektonik", tek)
	cs := components(t, data)
	get := func(key string) c {
		t.Helper()
		x, ok := cs[key]
		if !ok {
			t.Fatalf("no component %q in %v", key, keys(cs))
		}
		return x
	}
	if b := get("20001|Landratsamt Musterkreis"); b.Level != "collection" || b.ID != ead.FindbuchID(fixture()[1]) || b.Did.Date.Normal != "1950/2018" {
		t.Errorf("Bestand %+v", b)
	}
	// Closed, not person-related: the title, and the release date.
	a1 := get("20001 Nr. 1|Bauantrag Schulze")
	if a1.Level != "file" || len(a1.Access) == 0 || !strings.Contains(strings.Join(a1.Access[0].P, " "), "zugänglich ab") ||
		a1.Did.Date.Normal != "2015-03-01/2018-07-24" || len(a1.Did.Unitid) != 2 || a1.Did.Unitid[1].Type != "Altsignatur" {
		t.Errorf("closed unit %+v", a1)
	}
	if len(a1.Dao) != 0 {
		t.Errorf("closed unit with digital objects %+v", a1.Dao)
	}
	// Closed and person-related: Signatur and Laufzeit, no title.
	a2 := get("20001 Nr. 2|" + ead.Untitled)
	if len(a2.Access) != 1 || !strings.Contains(strings.Join(a2.Access[0].P, " "), "Personen") {
		t.Errorf("person-related unit %+v", a2)
	}
	get("20001 Nr. 2/1|" + ead.Untitled)
	// Open: digital objects with http(s) addresses only.
	a3 := get("20001 Nr. 3|Haushaltsplan Müllrose")
	if len(a3.Access) != 0 || len(a3.Dao) != 1 || len(a3.Dao[0].Loc) != 1 || a3.Dao[0].Loc[0].Href != "https://bilder.example/a3.jpg" {
		t.Errorf("open unit %+v", a3)
	}
	for _, want := range []string{`zugänglich ab <date normal="2048-07-25">25.07.2048</date>`, `zugänglich ab <date normal="2078-07-25">25.07.2078</date>`,
		// Undated itself: the Bestand's Laufzeit gives the creation date.
		`zugänglich ab <date normal="2049-01-01">01.01.2049</date>`} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("Findbuch lacks %s", want)
		}
	}
	// No date anywhere: closed until the facts allow a period.
	data2, _ := os.ReadFile(files[ddbtest.Findbuch][1])
	if u1 := components(t, data2)["20002 Nr. 1|Akte ohne Datum"]; len(u1.Access) == 0 || !strings.Contains(u1.Access[0].P[0], "nicht bestimmen") {
		t.Errorf("undated unit %+v", u1)
	}
	// Published metadata of a closed person-related unit.
	get("20001 Nr. 5|Personalakte Geheimrat Lehmann (veröffentlicht)")
	// The c/@id of an imported unit survives; a second one falls back.
	a6 := get("Altbestand 7|Übernommene Akte")
	a7 := get("Dup|Gleiche c-ID")
	if a6.ID != "c-0815" || a7.ID != "m-a7" || a6.Did.Date.V != "um 1900-1910" || a6.Did.Date.Normal != "1900/1910" {
		t.Errorf("ids %q %q, date %+v", a6.ID, a7.ID, a6.Did.Date)
	}
	if v := get("|Vorgang"); v.Level != "item" {
		t.Errorf("Vorgang %+v", v)
	}
	for _, want := range []string{`<c level="file" id="` + ead.FindbuchID(fixture()[1]) + `">`, "Kommunale Verwaltung", `<c level="class"`} {
		if !bytes.Contains(tek, []byte(want)) {
			t.Errorf("Tektonik lacks %q:\n%s", want, tek)
		}
	}
}

func keys(m map[string]c) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestExportSynthetic10000: a Bestand of 10,000 units in Gliederungen,
// every tenth person-related and closed, validates as a whole, and no
// title of a closed person-related unit is in it.
func TestExportSynthetic10000(t *testing.T) {
	units := []preservation.Unit{{ID: "b", Level: preservation.LevelBestand, Bestand: "b", Signatur: "30001", Title: "Großer Bestand"}}
	var hidden []string
	for g := range 10 {
		gid := fmt.Sprintf("g%d", g)
		units = append(units, preservation.Unit{ID: gid, Parent: "b", Bestand: "b", Level: preservation.LevelGliederung, Title: fmt.Sprintf("Gruppe %d", g), Order: g + 1})
		for i := range 999 {
			n := g*999 + i + 1
			u := preservation.Unit{ID: fmt.Sprintf("a%05d", n), Parent: gid, Bestand: "b", Level: preservation.LevelAkte, Signatur: fmt.Sprintf("30001 Nr. %d", n),
				Title: fmt.Sprintf("Akte %d <&> über Dinge", n), From: fmt.Sprint(1900 + n%120), To: fmt.Sprint(1905 + n%120), Order: i + 1}
			if n%10 == 0 {
				u.Title = fmt.Sprintf("Personalakte Vertraulich%05d", n)
				u.Scope = "Krankheiten"
				u.To = "2020"
				u.Closure.Personal = true
				hidden = append(hidden, u.Title)
			}
			units = append(units, u)
		}
	}
	a := newArchive(t, units)
	var buf bytes.Buffer
	st, err := a.x.Findbuch(context.Background(), &buf, "30001")
	if err != nil {
		t.Fatal(err)
	}
	if st.Units != len(units) || st.Reduced != len(hidden) || st.Closed < len(hidden) {
		t.Errorf("stats %+v, %d units, %d hidden", st, len(units), len(hidden))
	}
	for _, h := range append(hidden, "Krankheiten") {
		if bytes.Contains(buf.Bytes(), []byte(h)) {
			t.Fatalf("export contains %q", h)
		}
	}
	ddbtest.ValidateBytes(t, ddbtest.Findbuch, buf.Bytes())
}

// TestRecord: one unit as a document of its own, for OAI-PMH.
func TestRecord(t *testing.T) {
	ctx := context.Background()
	a := newArchive(t, fixture())
	for _, ref := range []string{"20001 Nr. 1", "20001 Nr. 2", "20001 Nr. 2/1", "20001", "1", "Altbestand 7"} {
		t.Run(ref, func(t *testing.T) {
			rec, err := a.x.Record(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			noSecrets(t, ref, rec)
			ddbtest.ValidateBytes(t, ddbtest.Findbuch, rec)
			if !bytes.HasPrefix(rec, []byte("<ead ")) {
				t.Errorf("a record is an <ead> element to go into OAI-PMH metadata: %.60s", rec)
			}
			pu, _ := a.room.Unit(ctx, ref)
			rec2, err := ead.Record(cfg, *pu, nil, "2026-11-26")
			if err != nil {
				t.Fatal(err)
			}
			noSecrets(t, ref, rec2)
			ddbtest.ValidateBytes(t, ddbtest.Findbuch, rec2)
		})
	}
	rec, err := a.x.Record(ctx, "urn:uuid:00000000-0000-4000-8000-000000000001")
	if err != nil {
		t.Fatal(err)
	}
	ddbtest.ValidateBytes(t, ddbtest.Tektonik, rec)
}

func TestConfigValidate(t *testing.T) {
	for _, bad := range []ead.Config{{}, {ISIL: "DE-14"}, {ISIL: "14", Archive: "A"}, {ISIL: "DE-14", Archive: "A", Role: "Archiv"},
		{ISIL: "DE-14", Archive: "A", URL: "Link zur Website"}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if err := cfg.Validate(); err != nil {
		t.Error(err)
	}
}
