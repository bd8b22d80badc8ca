package web_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/accounts"
	"github.com/magazin-archiv/magazin/access/ead"
	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/access/web"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

// The reading room the tests look at, on 26 November 2026.
//
//	1 Staatliche Verwaltung (Tektonik)
//	└ 20001 Landratsamt Musterkreis (Bestand)
//	  ├ 20001 Nr. 1  Bauantrag Schulze …          closed until 25.07.2048 (30 years), title public
//	  ├ 20001 Nr. 2  Pflegeakte Quappendorf …     closed and person-related: title hidden
//	  │ └ 20001 Nr. 2/1 Gutachten Quappendorf     (document, inherits)
//	  ├ 20001 Nr. 3  Haushaltsplan Müllrose 1990  open: PDF, PNG, CSV
//	  ├ 20001 Nr. 4  Schulchronik Müllrose        open, but its AIP holds
//	  │ └ 20001 Nr. 4/1 Zeugnis Quappendorf       a closed person-related document
//	  ├ 20001 Nr. 5  Akte mit fehlerhafter …      closed indefinitely (bad date)
//	  └ 20001 Nr. 6  Bauakte <script>…            open, title with markup
//	└ 20002 Stadtverwaltung Müllrose (Bestand) with many Ratsprotokolle
const (
	idTektonik  = "urn:uuid:10000000-0000-4000-8000-000000000001"
	idBestand   = "urn:uuid:10000000-0000-4000-8000-000000000002"
	idBestand2  = "urn:uuid:10000000-0000-4000-8000-000000000003"
	idClosed    = "urn:uuid:20000000-0000-4000-8000-000000000001"
	idPersonal  = "urn:uuid:20000000-0000-4000-8000-000000000002"
	idPersDoc   = "urn:uuid:20000000-0000-4000-8000-000000000021"
	idOpen      = "urn:uuid:20000000-0000-4000-8000-000000000003"
	idMixed     = "urn:uuid:20000000-0000-4000-8000-000000000004"
	idMixedDoc  = "urn:uuid:20000000-0000-4000-8000-000000000041"
	idUndated   = "urn:uuid:20000000-0000-4000-8000-000000000005"
	idMarkup    = "urn:uuid:20000000-0000-4000-8000-000000000006"
	aipClosed   = "urn:uuid:30000000-0000-4000-8000-000000000001"
	aipPersonal = "urn:uuid:30000000-0000-4000-8000-000000000002"
	aipOpen     = "urn:uuid:30000000-0000-4000-8000-000000000003"
	aipMixed    = "urn:uuid:30000000-0000-4000-8000-000000000004"
	aipUndated  = "urn:uuid:30000000-0000-4000-8000-000000000005"

	// secret is the distinctive word of the closed person-related units'
	// titles, scopes, persons and file names; secretContent is in the
	// content of every file whose unit is closed.
	secret        = "Quappendorf"
	secretContent = "GEHEIMER-INHALT-QP"

	pdfName = "Haushaltsplan 1990.pdf"
	pngName = "Stadtansicht Müllrose.png"
	csvName = "Stellenplan.csv"
)

type fixture struct {
	srv   *web.Server
	room  *access.Service
	cat   *catalog.Catalog
	acc   *accounts.DB
	j     *journal.Journal
	st    *mem.Store
	pdf   []byte
	png   []byte
	files map[string][]byte // logical path -> content, all AIPs
}

var today = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// hidden are the words a closed unit must not show: the route test builds
// the archive twice, with other words, and compares every response.
type hidden struct {
	secret, content, first, home, street string
}

var defaultHidden = hidden{secret: secret, content: secretContent, first: "Erna", home: "Pflegeheim", street: "Kirchgasse"}

// newFixture builds the reading room above with extra Ratsprotokolle in
// the second Bestand.
func newFixture(t testing.TB, extra int) *fixture {
	t.Helper()
	return newFixtureWith(t, extra, defaultHidden)
}

func newFixtureWith(t testing.TB, extra int, hd hidden) *fixture {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	idx, err := search.Open(filepath.Join(t.TempDir(), "index")) // scorch, as in production
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	room, err := access.New(access.Config{}, cat, idx, nil)
	if err != nil {
		t.Fatal(err)
	}
	room.SetClock(func() time.Time { return today })
	f := &fixture{room: room, cat: cat, st: mem.New(), files: map[string][]byte{}}
	f.pdf = makePDF("Haushaltsplan der Stadt Müllrose 1990", "Haushaltssatzung", "Stellenplan")
	f.png = makePNG()

	structure := []preservation.Unit{
		{ID: idTektonik, Level: preservation.LevelTektonik, Signatur: "1", Title: "Staatliche Verwaltung"},
		{ID: idBestand, Parent: idTektonik, Bestand: idBestand, Level: preservation.LevelBestand, Signatur: "20001",
			Title: "Landratsamt Musterkreis", Provenance: "Landratsamt Musterkreis", From: "1952", To: "2018", Order: 1,
			Scope: "Bauaufsicht, Sozialwesen und Kommunalaufsicht des Kreises"},
		{ID: idBestand2, Parent: idTektonik, Bestand: idBestand2, Level: preservation.LevelBestand, Signatur: "20002",
			Title: "Stadtverwaltung Müllrose", Provenance: "Rat der Stadt Müllrose", From: "1950", To: "1990", Order: 2},
	}
	for i := 1; i <= extra; i++ {
		structure = append(structure, preservation.Unit{ID: fmt.Sprintf("urn:uuid:40000000-0000-4000-8000-%012d", i), Parent: idBestand2,
			Bestand: idBestand2, Level: preservation.LevelAkte, Signatur: fmt.Sprintf("20002 Nr. %d", i), Order: i,
			Title: fmt.Sprintf("Protokolle der Ratssitzungen %d", 1950+i%40), From: fmt.Sprint(1950 + i%40), To: fmt.Sprint(1950 + i%40)})
	}
	for len(structure) > 0 { // in batches: one badger transaction is bounded
		n := min(len(structure), 5000)
		if err := cat.PutUnits(ctx, structure[:n]); err != nil {
			t.Fatal(err)
		}
		structure = structure[n:]
	}
	akte := func(id, nr, title string, order int) preservation.Unit {
		return preservation.Unit{ID: id, Parent: idBestand, Bestand: idBestand, Level: preservation.LevelAkte,
			Signatur: "20001 Nr. " + nr, Title: title, Provenance: "Landratsamt Musterkreis", Order: order}
	}
	closed := akte(idClosed, "1", "Bauantrag Schulze, Müllrose, Lindenstraße 4", 1)
	closed.From, closed.To, closed.SourceRef = "2016-03-01", "2018-07-24", "63-602.1/2016"
	f.putAIP(t, aipClosed, []preservation.Unit{closed}, file{name: "Bauantrag " + hd.street + ".pdf", data: makePDF("Bauantrag Schulze", hd.content), mime: "application/pdf", puid: "fmt/276"})

	pers := akte(idPersonal, "2", "Pflegeakte "+hd.secret+", "+hd.first, 2)
	pers.From, pers.To, pers.Scope = "2001", "2018-07-24", "Betreuung von Frau "+hd.first+" "+hd.secret+" im "+hd.home+" Müllrose"
	pers.Persons = []preservation.Person{{Name: hd.first + " " + hd.secret}}
	pers.Places, pers.SourceRef = []string{"Müllrose"}, "50-"+hd.secret+"/2001"
	pers.Closure = preservation.ClosureFacts{Personal: true}
	pers.Extra = map[string]string{"abstract": "Darin: Brief von " + hd.first + " " + hd.secret, "odd": "Vermerk zu " + hd.home}
	persDoc := preservation.Unit{ID: idPersDoc, Parent: idPersonal, Bestand: idBestand, Level: preservation.LevelDokument,
		Signatur: "20001 Nr. 2/1", Title: "Gutachten " + hd.secret, To: "2017-01-01", Order: 1}
	f.putAIP(t, aipPersonal, []preservation.Unit{pers, persDoc},
		file{name: "Gutachten " + hd.secret + ".pdf", data: makePDF("Gutachten "+hd.secret, hd.content), mime: "application/pdf", puid: "fmt/276"})

	open := akte(idOpen, "3", "Haushaltsplan der Stadt Müllrose 1990", 3)
	open.From, open.To = "1989-10-01", "1990-12-31"
	open.Scope = "Haushaltssatzung, Stellenplan und Investitionsprogramm der Stadt Müllrose"
	open.Places, open.Subjects = []string{"Müllrose"}, []string{"Haushalt", "Kommunalfinanzen"}
	open.Extent = "1 Akte, 3 Dateien"
	open.Extra = map[string]string{"abstract": "Darin: Zeitungsausschnitt\nDarin: Lageplan", "relatedmaterial": "Vgl. 20002 Nr. 7",
		"Aufbewahrungsdauer": "10"} // the last one is an xdomea field the page leaves out
	f.putAIP(t, aipOpen, []preservation.Unit{open},
		file{name: pdfName, data: f.pdf, mime: "application/pdf", puid: "fmt/276", format: "Acrobat PDF 1.7 - Portable Document Format", version: "1.7"},
		file{name: pngName, data: f.png, mime: "image/png", puid: "fmt/13", format: "Portable Network Graphics", version: "1.2"},
		file{name: csvName, data: []byte("Stelle;Anzahl\nBürgermeister;1\n"), mime: "text/csv", puid: "x-fmt/18", format: "Comma Separated Values"})

	mixed := akte(idMixed, "4", "Schulchronik Müllrose", 4)
	mixed.From, mixed.To = "1950", "1980"
	mixedDoc := preservation.Unit{ID: idMixedDoc, Parent: idMixed, Bestand: idBestand, Level: preservation.LevelDokument,
		Signatur: "20001 Nr. 4/1", Title: "Zeugnis Anton " + hd.secret, To: "1980-07-01", Order: 1,
		Closure: preservation.ClosureFacts{Personal: true, Created: "2010-01-01"}}
	f.putAIP(t, aipMixed, []preservation.Unit{mixed, mixedDoc},
		file{name: "Chronik.pdf", data: makePDF("Schulchronik", hd.content), mime: "application/pdf", puid: "fmt/276"},
		file{name: "Zeugnis " + hd.secret + ".pdf", data: makePDF("Zeugnis", hd.content), mime: "application/pdf", puid: "fmt/276"})

	undated := akte(idUndated, "5", "Akte mit fehlerhafter Datierung", 5)
	undated.Closure.Created = "2018-13-45"
	f.putAIP(t, aipUndated, []preservation.Unit{undated}, file{name: "undatiert.pdf", data: makePDF("undatiert", hd.content), mime: "application/pdf"})

	markup := akte(idMarkup, "6", `Bauakte <script>alert("x")</script> & Müllrose`, 6)
	markup.To = "1960"
	if err := cat.PutUnits(ctx, []preservation.Unit{markup}); err != nil {
		t.Fatal(err)
	}
	if err := room.RebuildIndex(ctx); err != nil {
		t.Fatal(err)
	}
	// Accounts: quick hashes for tests, the same format.
	f.acc, err = accounts.Open("", accounts.Options{Params: accounts.Params{Time: 1, Memory: 1024, Threads: 1},
		Now: func() time.Time { return today }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.acc.Close() })
	room.SetAccessRecorder(f.acc)
	f.j = journal.New(f.st)
	commit := func(ctx context.Context, entries ...journal.Entry) error { return cat.Commit(ctx, f.j, entries...) }
	f.srv, err = web.New(room, access.NewContent(room, cat, []store.Store{f.st}), nil,
		web.WithAuth(web.Auth{Accounts: f.acc, Decider: access.Decisions{Room: room, Commit: commit}}))
	if err != nil {
		t.Fatal(err)
	}
	x, err := ead.New(eadConfig, room, cat)
	if err != nil {
		t.Fatal(err)
	}
	f.srv.SetEAD(x)
	return f
}

type file struct {
	name, mime, puid, format, version string
	data                              []byte
}

// putAIP writes an AIP holding units (top-level first) and files to the
// store and records it in the catalog.
func (f *fixture) putAIP(t testing.TB, id string, units []preservation.Unit, files ...file) {
	t.Helper()
	ctx := context.Background()
	for i := range units {
		units[i].AIP = preservation.AIPID(id)
	}
	a := &preservation.AIP{ID: preservation.AIPID(id), Version: 1, Created: today.Add(-24 * time.Hour), Title: units[0].Title,
		Profile: "folder", Units: units}
	var payload []aip.Source
	for _, fl := range files {
		sum := sha512.Sum512(fl.data)
		p := aip.PrefixOriginal + fl.name
		a.Files = append(a.Files, preservation.File{Path: p, Name: fl.name, Size: int64(len(fl.data)), SHA512: hex.EncodeToString(sum[:]),
			PUID: fl.puid, FormatName: fl.format, FormatVersion: fl.version, MIME: fl.mime})
		a.Size += int64(len(fl.data))
		payload = append(payload, aip.BytesSource(p, fl.data))
		f.files[id+"|"+p] = fl.data
	}
	obj, err := aip.New(aip.Package{AIP: a, Payload: payload, Message: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.Write(ctx, f.st, 2); err != nil {
		t.Fatal(err)
	}
	if err := f.cat.PutAIP(ctx, a); err != nil {
		t.Fatal(err)
	}
}

// makePDF writes a small valid PDF with one page showing lines of text.
func makePDF(lines ...string) []byte {
	var content strings.Builder
	content.WriteString("BT /F1 24 Tf 72 760 Td 30 TL\n")
	for _, l := range lines {
		// Latin-1 for the standard font; the test texts are ASCII or German.
		var esc strings.Builder
		for _, r := range l {
			switch {
			case r == '(' || r == ')' || r == '\\':
				esc.WriteString(`\` + string(r))
			case r < 128:
				esc.WriteRune(r)
			case r < 256:
				fmt.Fprintf(&esc, `\%03o`, r)
			default:
				esc.WriteByte('?')
			}
		}
		fmt.Fprintf(&content, "(%s) Tj T*\n", esc.String())
	}
	content.WriteString("ET\n")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// makePNG draws a small town view: sky, roofs, a church tower.
func makePNG() []byte {
	const w, h = 640, 400
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{uint8(170 + y/8), uint8(200 + y/12), 235, 255} // sky
			if y > 300 {
				c = color.RGBA{96, 128, 72, 255} // meadow
			}
			img.Set(x, y, c)
		}
	}
	rect := func(x0, y0, x1, y1 int, c color.RGBA) {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				img.Set(x, y, c)
			}
		}
	}
	for i, x := range []int{40, 150, 260, 420, 520} {
		top := 210 + (i%2)*20
		rect(x, top, x+90, 305, color.RGBA{222, 206, 176, 255})
		for d := 0; d < 45; d++ { // roof
			rect(x+d, top-45+d, x+90-d, top-44+d, color.RGBA{150, 52, 40, 255})
		}
		rect(x+20, top+25, x+38, top+45, color.RGBA{60, 70, 90, 255})
		rect(x+52, top+25, x+70, top+45, color.RGBA{60, 70, 90, 255})
	}
	rect(355, 120, 395, 305, color.RGBA{200, 190, 170, 255}) // tower
	for d := 0; d < 20; d++ {
		rect(355+d, 70+d*2, 395-d, 72+d*2, color.RGBA{70, 90, 80, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}
