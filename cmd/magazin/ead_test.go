package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/magazin-archiv/magazin/access"
	accessead "github.com/magazin-archiv/magazin/access/ead"
	"github.com/magazin-archiv/magazin/access/ead/ddbtest"
	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/location"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
	"github.com/magazin-archiv/magazin/profiles/ead"
	"github.com/magazin-archiv/magazin/profiles/ead/eadtest"
)

// eadArchive is an archive for import tests: in memory when dir is "",
// else on disk as in production (fs store, badger, bleve).
type eadArchive struct {
	st   store.Store
	cat  *catalog.Catalog
	idx  *search.Index
	room *access.Service
	im   *eadImporter
}

func newEADArchive(t testing.TB, dir string) *eadArchive {
	t.Helper()
	return newEADArchiveIndexed(t, dir, true)
}

// newEADArchiveIndexed is newEADArchive, without a search index when
// indexed is false (the reading room then only reads the catalog).
func newEADArchiveIndexed(t testing.TB, dir string, indexed bool) *eadArchive {
	t.Helper()
	a := &eadArchive{}
	var err error
	catDir, idxDir := "", ""
	if dir == "" {
		a.st = mem.New()
	} else {
		if a.st, err = location.Init(context.Background(), "file://"+filepath.Join(dir, "store"), os.Getenv); err != nil {
			t.Fatal(err)
		}
		catDir, idxDir = filepath.Join(dir, "catalog"), filepath.Join(dir, "index")
	}
	if a.cat, err = catalog.Open(catDir, nil); err != nil {
		t.Fatal(err)
	}
	if indexed {
		if a.idx, err = search.Open(idxDir); err != nil {
			t.Fatal(err)
		}
	}
	if a.room, err = access.New(access.Config{}, a.cat, a.idx, nil); err != nil {
		t.Fatal(err)
	}
	a.room.SetClock(func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) })
	a.im = &eadImporter{cat: a.cat, j: journal.New(a.st), room: a.room, batch: catalog.DefaultBatch}
	t.Cleanup(func() {
		if a.idx != nil {
			a.idx.Close()
		}
		a.cat.Close()
	})
	return a
}

// BenchmarkImportEAD imports a generated EAD(DDB) Findbuch of 100,000
// Akten (MAGAZIN_BENCH_UNITS to change) into an archive on disk (fs
// store, badger with synced writes), as `magazin import ead` does, and
// reports units/s: "journal" without a search index (parse, plan,
// journal segments of 1,000, catalog), "indexed" with the bleve index
// kept up to date as the command does.
//
//	go test -run '^$' -bench ImportEAD -benchtime 1x ./cmd/magazin/
func BenchmarkImportEAD(b *testing.B) {
	n := 100_000
	if s := os.Getenv("MAGAZIN_BENCH_UNITS"); s != "" {
		if _, err := fmt.Sscan(s, &n); err != nil {
			b.Fatal(err)
		}
	}
	dir := b.TempDir()
	file := filepath.Join(dir, "findbuch.xml")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	if err := eadtest.Findbuch(f, "BENCH", n); err != nil {
		b.Fatal(err)
	}
	f.Close()
	ctx := context.Background()
	for _, indexed := range []bool{false, true} {
		name := "journal"
		if indexed {
			name = "indexed"
		}
		b.Run(name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				a := newEADArchiveIndexed(b, filepath.Join(dir, fmt.Sprint(name, i)), indexed)
				start := time.Now()
				r, err := a.im.importFile(ctx, file, nil)
				if err != nil || !r.OK {
					b.Fatal(err, r.Problems)
				}
				d := time.Since(start)
				b.ReportMetric(float64(r.Units)/d.Seconds(), "units/s")
				b.Logf("%d units in %v", r.Units, d.Round(time.Millisecond))
			}
		})
	}
}

// eadCorpusFiles lists every XML file of the shared EAD corpus.
func eadCorpusFiles(t *testing.T) []string {
	t.Helper()
	files, err := eadFiles([]string{corpus.Dir(t, "ead")})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 50 {
		t.Fatalf("only %d XML files in the EAD corpus", len(files))
	}
	return files
}

// exportArchive writes every Findbuch and the Tektonik of a into dir and
// returns the files by kind.
func exportArchive(t *testing.T, a *eadArchive, dir string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	x, err := accessead.New(testEADConfig, a.room, a.cat)
	if err != nil {
		t.Fatal(err)
	}
	bs, _, err := x.Bestaende(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, id := range bs {
		pu, err := a.room.Unit(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, accessead.FindbuchID(pu.Unit)+".xml")
		if _, err := writeFileAtomic(p, func(w io.Writer) (accessead.Stats, error) { return x.Findbuch(ctx, w, id) }); err != nil {
			t.Fatal(err)
		}
		out[ddbtest.Findbuch] = append(out[ddbtest.Findbuch], p)
	}
	p := filepath.Join(dir, "Tektonik.xml")
	if _, err := writeFileAtomic(p, func(w io.Writer) (accessead.Stats, error) { return x.Tektonik(ctx, w) }); err != nil {
		t.Fatal(err)
	}
	out[ddbtest.Tektonik] = []string{p}
	return out
}

var testEADConfig = accessead.Config{ISIL: "DE-14", Archive: "Sächsisches Staatsarchiv"}

// publicUnits describes every unit of a as the public sees it, one line a
// unit with its parent's line: what a round trip through EAD(DDB) must
// keep. Vorgang and Dokument are one kind (EAD(DDB) has only "item"), and
// a closed person-related unit has the title the export gives it.
func publicUnits(t *testing.T, a *eadArchive) []string {
	t.Helper()
	ctx := context.Background()
	line := map[string]string{}
	parent := map[string]string{}
	for u, err := range a.cat.Units(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		pu, err := a.room.Unit(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		v := pu.Unit
		title := v.Title
		switch {
		case title == "" && !pu.Open:
			title = accessead.Untitled
		case title == "":
			title = "Ohne Titel"
		}
		level := v.Level
		if level == preservation.LevelDokument {
			level = preservation.LevelVorgang
		}
		line[u.ID] = strings.Join([]string{level, v.Signatur, title, v.From, v.To}, "|")
		parent[u.ID] = u.Parent
	}
	var out []string
	for id, l := range line {
		out = append(out, l+" < "+line[parent[id]])
	}
	slices.Sort(out)
	return out
}

// hiddenTitles returns the titles of a's closed person-related units that
// no other unit has.
func hiddenTitles(t *testing.T, a *eadArchive) []string {
	t.Helper()
	ctx := context.Background()
	hidden, shown := map[string]bool{}, map[string]bool{}
	for u, err := range a.cat.Units(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		pu, err := a.room.Unit(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !pu.Open && pu.Unit.Title == "" && u.Title != "" {
			hidden[u.Title] = true
		} else {
			shown[u.Title] = true
		}
	}
	var out []string
	for h := range hidden {
		if !shown[h] {
			out = append(out, h)
		}
	}
	return out
}

// TestImportEADCorpus imports every file of the shared EAD corpus (EAD(DDB)
// 1.1/1.2 and WGM, EAD 2002 with and without namespace, EAD3) into an
// archive of its own: the finding aids import, other XML is refused with
// EAD_NOT_EAD, a second import changes nothing, the export of every
// imported Bestand and of the Tektonik validates against the EAD(DDB) 1.2
// XSD, and importing the export again gives the same units, Signaturen,
// titles and dates.
func TestImportEADCorpus(t *testing.T) {
	ctx := context.Background()
	exportDir := t.TempDir()
	all := map[string][]string{}
	imported, units, personal := 0, 0, 0
	for i, f := range eadCorpusFiles(t) {
		name := strings.TrimPrefix(f, corpus.Dir(t, "ead")+"/")
		a := newEADArchiveIndexed(t, "", false) // the index is tested in TestImportEADChanges
		r, err := a.im.importFile(ctx, f, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !r.OK {
			if len(r.Problems) != 1 || r.Problems[0].Code != ead.CodeNotEAD {
				t.Errorf("%s not imported: %v", name, r.Problems)
			}
			continue
		}
		imported++
		units += r.Units
		if r.Units == 0 || r.New != r.Units {
			t.Errorf("%s: %+v", name, r)
		}
		again, err := a.im.importFile(ctx, f, nil)
		if err != nil || !again.OK || again.New != 0 || again.Changed != 0 || again.Unchanged != r.Units {
			t.Errorf("%s: second import %+v %v", name, again, err)
		}
		dir := filepath.Join(exportDir, fmt.Sprint(i))
		os.MkdirAll(dir, 0o750)
		files := exportArchive(t, a, dir)
		for k, fs := range files {
			all[k] = append(all[k], fs...)
		}
		hidden := hiddenTitles(t, a)
		for _, ef := range append(files[ddbtest.Findbuch], files[ddbtest.Tektonik]...) {
			data, _ := os.ReadFile(ef)
			for _, h := range hidden {
				if bytes.Contains(data, []byte(xmlEscape(h))) {
					t.Errorf("%s: the export holds the title %q of a closed person-related unit", name, h)
				}
			}
		}
		personal += len(hidden)
		b := newEADArchiveIndexed(t, "", false)
		for _, kind := range []string{ddbtest.Tektonik, ddbtest.Findbuch} {
			for _, ef := range files[kind] {
				if rr, err := b.im.importFile(ctx, ef, nil); err != nil || !rr.OK {
					t.Fatalf("%s: import of the export %s: %v %v", name, ef, err, rr.Problems)
				}
			}
		}
		if d := cmp.Diff(publicUnits(t, a), publicUnits(t, b)); d != "" {
			t.Errorf("%s: round trip through EAD(DDB) (-imported +re-imported):\n%s", name, d)
		}
	}
	if imported < 45 {
		t.Errorf("only %d files imported", imported)
	}
	t.Logf("%d files imported, %d units (%d closed person-related with a title of their own); %d Findbücher and %d Tektonik files exported",
		imported, units, personal, len(all[ddbtest.Findbuch]), len(all[ddbtest.Tektonik]))
	if personal == 0 {
		t.Error("no closed person-related unit in the corpus: the test of their titles tests nothing")
	}
	ddbtest.Validate(t, ddbtest.Findbuch, all[ddbtest.Findbuch]...)
	ddbtest.Validate(t, ddbtest.Tektonik, all[ddbtest.Tektonik]...)
}

// ddbFindbuch writes a small EAD(DDB) Findbuch whose Akten are given as
// id → title; extra is put into the first Akte's c.
func ddbFindbuch(t *testing.T, path string, akten [][2]string, extra string) {
	t.Helper()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<ead xmlns="urn:isbn:1-931666-22-9"><eadheader><eadid mainagencycode="DE-14">FB-1</eadid>
<filedesc><titlestmt><titleproper>Kreisamt</titleproper></titlestmt></filedesc></eadheader>
<archdesc level="collection" type="Findbuch"><did><unitid>10001</unitid><repository><corpname role="Staatliche Archive">Archiv</corpname></repository></did>
<dsc><c level="collection" id="FB-1"><did><unittitle>Kreisamt</unittitle><unitdate normal="1900/1950">1900-1950</unitdate></did>
<c level="class" id="k1"><did><unitid>1</unitid><unittitle>Allgemeines</unittitle></did>
`)
	for i, a := range akten {
		fmt.Fprintf(&b, `<c level="file" id="%s"><did><unitid>10001 Nr. %d</unitid><unittitle>%s</unittitle><unitdate normal="1920/1930">1920-1930</unitdate></did>`, a[0], i+1, a[1])
		if i == 0 {
			b.WriteString(extra)
		}
		b.WriteString("</c>\n")
	}
	b.WriteString("</c></c></dsc></archdesc></ead>\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestImportEADChanges: a re-import applies changes as edits, leaves the
// rest alone, keeps what is gone, takes over a stated closure and a
// person-relation, and the search follows.
func TestImportEADChanges(t *testing.T) {
	ctx := context.Background()
	a := newEADArchive(t, "")
	f := filepath.Join(t.TempDir(), "fb.xml")
	ddbFindbuch(t, f, [][2]string{{"a1", "Bauakte Kirchweg"}, {"a2", "Schulakte Lindenweg"}, {"a3", "Wegebau"}}, "")
	r, err := a.im.importFile(ctx, f, nil)
	if err != nil || !r.OK || r.New != 5 {
		t.Fatalf("%+v %v", r, err)
	}
	search := func(q string) int {
		t.Helper()
		res, err := a.room.Search(ctx, search.Query{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	if search("Kirchweg") != 1 || search("Lindenweg") != 1 {
		t.Fatal("imported units are not searchable")
	}
	a1, err := a.cat.ResolveUnit(ctx, "FB-1#a1")
	if err != nil {
		t.Fatal(err)
	}
	// a1 renamed and closed "bis 31.12.2070", a2 as it was, a3 gone, a4
	// new.
	ddbFindbuch(t, f, [][2]string{{"a1", "Bauakte Kirchgasse"}, {"a2", "Schulakte Lindenweg"}, {"a4", "Brückenbau"}},
		`<accessrestrict><p>Gesperrt bis 31.12.2070 (Depositalvertrag)</p></accessrestrict>`)
	r, err = a.im.importFile(ctx, f, nil)
	if err != nil || !r.OK || r.New != 1 || r.Changed != 1 || r.Unchanged != 3 {
		t.Fatalf("re-import %+v %v", r, err)
	}
	if len(r.Problems) != 1 || r.Problems[0].Code != ead.CodeGone {
		t.Errorf("problems %v", r.Problems)
	}
	b1, err := a.cat.ResolveUnit(ctx, "FB-1#a1")
	if err != nil || b1.ID != a1.ID || b1.Title != "Bauakte Kirchgasse" || b1.Closure.Until != "2070-12-31" {
		t.Errorf("a1 after the re-import: %+v %v", b1, err)
	}
	if search("Kirchweg") != 0 || search("Kirchgasse") != 1 || search("Brückenbau") != 1 || search("Wegebau") != 1 {
		t.Error("the index does not follow the re-import")
	}
	pu, err := a.room.Unit(ctx, a1.ID)
	if err != nil || pu.Open || pu.Release != "2071-01-01" {
		t.Errorf("stated closure: %+v %v", pu, err)
	}
	// An archivist shortens nothing here but records a person-relation;
	// a third import keeps it.
	b1.Closure.Personal = true
	if err := a.cat.Commit(ctx, a.im.j, catalog.UnitEntry(*b1)); err != nil {
		t.Fatal(err)
	}
	r, err = a.im.importFile(ctx, f, nil)
	if err != nil || r.Changed != 0 || r.New != 0 {
		t.Fatalf("third import %+v %v", r, err)
	}
	if c1, _ := a.cat.ResolveUnit(ctx, "FB-1#a1"); !c1.Closure.Personal {
		t.Error("the re-import dropped a fact the archivist recorded")
	}
	// An import interrupted between journal and index: --reindex indexes
	// the unchanged units again.
	a2, _ := a.cat.ResolveUnit(ctx, "FB-1#a2")
	if err := a.idx.Delete(ctx, a2.ID); err != nil || search("Lindenweg") != 0 {
		t.Fatal(err)
	}
	a.im.reindex = true
	if r, err := a.im.importFile(ctx, f, nil); err != nil || r.Changed != 0 || search("Lindenweg") != 1 {
		t.Errorf("--reindex: %+v %v", r, err)
	}
}

// TestImportExportEADCLI runs the commands: import below a Tektonik group,
// JSON report, exit code 1 for a file that is no EAD, rebuild restores the
// imported units (they are journaled), export writes valid files.
func TestImportExportEADCLI(t *testing.T) {
	tmp := t.TempDir()
	g := []string{"--data", filepath.Join(tmp, "d1"), "--store", "file://" + filepath.Join(tmp, "store")}
	g2 := []string{"--data", filepath.Join(tmp, "d2"), "--store", "file://" + filepath.Join(tmp, "store")}
	mustRun(t, append(g, "tektonik", "add", "--title", "Staatliche Verwaltung")...)
	top := units(t, g...)
	// The Bestand exists already (made by hand): the Findbuch describes it.
	mustRun(t, append(g, "bestand", "add", "--signatur", "10001", "--title", "Kreisamt (vorläufig)", "--parent", top[0].ID)...)
	before := unitsUnder(t, g, top[0].ID)
	fb := filepath.Join(tmp, "fb.xml")
	ddbFindbuch(t, fb, [][2]string{{"a1", "Bauakte Kirchweg"}, {"a2", "Schulakte"}}, "")
	notEAD := filepath.Join(corpus.Dir(t, "ead"), "xml-catalog.xml")
	r := magazin(t, append(g, "import", "ead", "--json", fb, notEAD)...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var reps []eadReport
	if err := json.Unmarshal([]byte(r.stdout), &reps); err != nil {
		t.Fatal(err, r.stdout)
	}
	if len(reps) != 2 || !reps[0].OK || reps[0].New != 3 || reps[0].Changed != 1 || reps[1].OK || reps[1].Problems[0].Code != ead.CodeNotEAD {
		t.Fatalf("reports %+v", reps)
	}
	b := unitsUnder(t, g, top[0].ID)
	if len(b) != 1 || b[0].ID != before[0].ID || b[0].Level != preservation.LevelBestand || b[0].Signatur != "10001" || b[0].Title != "Kreisamt" {
		t.Fatalf("below the Tektonik group: %+v", b)
	}
	mustRun(t, append(g2, "rebuild")...)
	classes := unitsUnder(t, g, "10001")
	if d := cmp.Diff(classes, unitsUnder(t, g2, "10001")); d != "" || len(classes) != 1 {
		t.Errorf("rebuilt catalog differs:\n%s", d)
	}
	if d := cmp.Diff(unitsUnder(t, g, classes[0].ID), unitsUnder(t, g2, classes[0].ID)); d != "" {
		t.Errorf("rebuilt catalog differs:\n%s", d)
	}
	if out := mustRun(t, append(g2, "search", "Kirchweg")...); !strings.Contains(out, "10001 Nr. 1") {
		t.Errorf("search after rebuild: %s", out)
	}
	out := filepath.Join(tmp, "export")
	if r := magazin(t, append(g, "export", "ead", "--out", out)...); r.code != 2 {
		t.Errorf("export without ISIL: exit %d", r.code)
	}
	mustRun(t, append(g, "export", "ead", "--out", out, "--isil", "DE-14", "--archive", "Sächsisches Staatsarchiv")...)
	ddbtest.Validate(t, ddbtest.Findbuch, filepath.Join(out, "FB-1.xml"))
	ddbtest.Validate(t, ddbtest.Tektonik, filepath.Join(out, "Tektonik.xml"))
	one := filepath.Join(tmp, "one")
	mustRun(t, append(g, "export", "ead", "--out", one, "--bestand", "10001", "--isil", "DE-14", "--archive", "Archiv")...)
	if entries, _ := os.ReadDir(one); len(entries) != 1 || entries[0].Name() != "FB-1.xml" {
		t.Errorf("export of one Bestand: %v", entries)
	}
}

// TestExportEADXMan: the x-man 0503 transfer ingested into a Bestand, one
// of its Akten marked person-related, exports as EAD(DDB) valid against
// the DDB 1.2 XSD, with the closed units' release date and without the
// title of the person-related one.
func TestExportEADXMan(t *testing.T) {
	xman := corpus.Dir(t, "xdomea/x-man")
	tmp := t.TempDir()
	g := []string{"--data", filepath.Join(tmp, "d")}
	mustRun(t, append(g, "bestand", "add", "--signatur", "20001", "--title", "Landratsamt Musterkreis")...)
	// The unpacked transfer: ingested directly into the Bestand (the zip
	// would go through the dialogue, to the sending agency's Bestand).
	transfer := filepath.Join(xman, "test-data-unzipped", "9a75050f-323a-4e84-94c9-a889aa2b4fe8_Aussonderung.Aussonderung.0503")
	if r := magazin(t, append(g, "ingest", "--bestand", "20001", transfer)...); r.code != 0 {
		t.Fatalf("ingest: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	akten := unitsUnder(t, g, "20001")
	if len(akten) == 0 {
		t.Fatal("no units in the Bestand")
	}
	personal := akten[0]
	mustRun(t, append(g, "closure", "set", "--personal", personal.ID)...)
	out := filepath.Join(tmp, "export")
	mustRun(t, append(g, "export", "ead", "--out", out, "--isil", "DE-14", "--archive", "Sächsisches Staatsarchiv")...)
	files, err := filepath.Glob(filepath.Join(out, "m-*.xml"))
	if err != nil || len(files) != 1 {
		t.Fatalf("Findbücher %v %v", files, err)
	}
	ddbtest.Validate(t, ddbtest.Findbuch, files...)
	ddbtest.Validate(t, ddbtest.Tektonik, filepath.Join(out, "Tektonik.xml"))
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	// The person-related Akte (and its subtree) without title; the
	// others with theirs.
	want := "<unitid>" + xmlEscape(personal.Signatur) + "</unitid>\n"
	i := bytes.Index(data, []byte(want))
	if i < 0 {
		t.Fatalf("no unit %s in the export", personal.Signatur)
	}
	if rest := string(data[i+len(want):]); !strings.HasPrefix(strings.TrimLeft(rest, "\t"), "<unittitle>"+accessead.Untitled+"</unittitle>") {
		t.Errorf("the closed person-related Akte %s is exported with its title: %.200s", personal.Signatur, rest)
	}
	if !bytes.Contains(data, []byte(`<date normal="2048-07-25">25.07.2048</date>`)) {
		t.Error("no release date 2048-07-25 in the export")
	}
	for _, a := range akten[1:] {
		if a.Title != "" && !bytes.Contains(data, []byte(xmlEscape(a.Title))) {
			t.Errorf("title %q of a closed Akte that is not person-related is missing", a.Title)
		}
	}
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
