package oai_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/access/oai"
	"github.com/magazin-archiv/magazin/preservation"
)

var (
	t0 = time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)  // the structure
	t1 = time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)  // the units
	t2 = time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)  // a disposal
	t3 = time.Date(2026, 11, 20, 7, 0, 0, 0, time.UTC) // an edit of a Gliederung
)

// Units of the small archive.
var (
	tek  = uid(1)
	best = uid(2)
	odd  = uid(3) // a Bestand with an awkward Signatur
	glie = uid(4)
	open = uid(10) // open
	pers = uid(11) // closed, person-related
	doc  = uid(12) // a document of pers
	gen  = uid(13) // closed, not person-related, in the Gliederung
	gone = uid(14) // disposed of
	late = uid(15) // opened this year
)

// smallArchive puts a Tektonik group with two Bestände, a Gliederung and
// a few units in every state.
func smallArchive(t testing.TB, f *fixture) {
	t.Helper()
	f.put(t, t0,
		preservation.Unit{ID: tek, Level: preservation.LevelTektonik, Title: "Staatliche Verwaltung"},
		preservation.Unit{ID: best, Parent: tek, Bestand: best, Level: preservation.LevelBestand, Signatur: "20001", Title: "Landratsamt Musterkreis", Provenance: "Landratsamt Musterkreis"},
		preservation.Unit{ID: odd, Parent: tek, Bestand: odd, Level: preservation.LevelBestand, Signatur: "Ä 10/2 Nr.~_x", Title: "Bestand mit Sonderzeichen", Order: 2},
		preservation.Unit{ID: glie, Parent: best, Bestand: best, Level: preservation.LevelGliederung, Signatur: "20001/1", Title: "Bauwesen", Order: 9},
	)
	f.put(t, t1,
		preservation.Unit{ID: open, Parent: best, Bestand: best, Level: preservation.LevelAkte, Signatur: "20001 Nr. 1", Title: "Haushaltsplan Müllrose",
			Scope: "Entwurf & Beschluss <2>", From: "1989", To: "1990-12-31", Order: 1, Language: "deutsch", Extent: "1 Akte",
			Subjects: []string{"Haushalt"}, Places: []string{"Müllrose"}, SourceRef: "020.1"},
		preservation.Unit{ID: pers, Parent: best, Bestand: best, Level: preservation.LevelAkte, Signatur: "20001 Nr. 2", Title: "Pflegeakte Quappendorf",
			Scope: "Betreuung der Frau Quappendorf", To: "2018-07-24", Order: 2, Persons: []preservation.Person{{Name: "Erna Quappendorf"}},
			Closure: preservation.ClosureFacts{Personal: true}},
		preservation.Unit{ID: doc, Parent: pers, Bestand: best, Level: preservation.LevelDokument, Signatur: "20001 Nr. 2/1", Title: "Gutachten Quappendorf", To: "2017-01-01", Order: 1},
		preservation.Unit{ID: gen, Parent: glie, Bestand: best, Level: preservation.LevelAkte, Signatur: "20001 Nr. 3", Title: "Bauantrag Schulze", To: "2018-07-24", Order: 3},
		preservation.Unit{ID: late, Parent: best, Bestand: best, Level: preservation.LevelAkte, Signatur: "20001 Nr. 5", Title: "Schulneubau", To: "1996-05-31", Order: 5},
		preservation.Unit{ID: gone, Parent: odd, Bestand: odd, Level: preservation.LevelAkte, Signatur: "Ä 10/2 Nr.~_x Nr. 1", Title: "Vernichtete Akte", To: "1970", Order: 1},
	)
	disposed := preservation.Unit{ID: gone, Parent: odd, Bestand: odd, Level: preservation.LevelAkte, Signatur: "Ä 10/2 Nr.~_x Nr. 1", Title: "Vernichtete Akte", To: "1970", Order: 1, Disposed: "2026-10-01"}
	f.put(t, t2, disposed)
}

// hidden are words of the closed person-related units that no response
// may contain.
var hidden = []string{"Quappendorf", "Pflegeakte", "Betreuung", "Gutachten"}

func checkHidden(t testing.TB, body []byte) {
	t.Helper()
	for _, h := range hidden {
		if bytes.Contains(body, []byte(h)) {
			t.Errorf("a response shows the hidden %q:\n%s", h, body)
		}
	}
}

func TestIdentify(t *testing.T) {
	f := newFixture(t, true, oai.Config{})
	smallArchive(t, f)
	v := newValidator(t)
	for _, body := range [][]byte{f.get(t, "verb=Identify"), f.post(t, "verb=Identify")} {
		v.add(body)
		r := parse(t, body)
		id := r.Identify
		if id == nil {
			t.Fatalf("no Identify:\n%s", body)
		}
		if id.BaseURL != "http://archiv.example.org/oai" || r.Request.URL != id.BaseURL || id.ProtocolVersion != "2.0" ||
			id.DeletedRecord != "persistent" || id.Granularity != "YYYY-MM-DDThh:mm:ssZ" ||
			id.RepositoryName != "Staatsarchiv Musterland" || !slices.Equal(id.AdminEmail, []string{"archiv@example.org"}) {
			t.Errorf("Identify = %+v", id)
		}
		if id.EarliestDatestamp != "2026-01-10T08:00:00Z" {
			t.Errorf("earliestDatestamp %s, want the first change", id.EarliestDatestamp)
		}
		if r.ResponseDate != "2026-11-26T12:00:00Z" || r.attr("verb") != "Identify" {
			t.Errorf("responseDate %s, request %+v", r.ResponseDate, r.Request)
		}
	}
	// A configured base URL wins over the request's.
	g := newFixture(t, false, oai.Config{BaseURL: "https://archiv.example.de/oai/"})
	if r := parse(t, g.get(t, "verb=Identify")); r.Identify.BaseURL != "https://archiv.example.de/oai" {
		t.Errorf("configured base URL: %s", r.Identify.BaseURL)
	}
	// An empty archive has an earliest datestamp too.
	body := g.get(t, "verb=Identify")
	v.add(body)
	if r := parse(t, body); r.Identify.EarliestDatestamp != "2026-11-26T12:00:00Z" {
		t.Errorf("earliest datestamp of an empty archive: %s", r.Identify.EarliestDatestamp)
	}
	v.run()
}

func TestNewChecksTheConfiguration(t *testing.T) {
	f := newFixture(t, false, oai.Config{})
	for _, cfg := range []oai.Config{
		{},
		{AdminEmails: []string{"nobody"}},
		{AdminEmails: []string{"a@b.de"}, BaseURL: "ftp://x/oai"},
		{AdminEmails: []string{"a@b.de"}, ISIL: "Staatsarchiv"},
		{AdminEmails: []string{"a@b.de"}, ArchiveType: "Privatarchiv"},
		{AdminEmails: []string{"a@b.de"}, Key: []byte("short")},
	} {
		if _, err := oai.New(cfg, f.room, f.cat, nil); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

func TestListMetadataFormats(t *testing.T) {
	f := newFixture(t, false, oai.Config{})
	smallArchive(t, f)
	v := newValidator(t)
	prefixes := func(q string) []string {
		body := f.get(t, q)
		v.add(body)
		r := parse(t, body)
		if r.ListMetadataFormats == nil {
			t.Fatalf("%s: no formats:\n%s", q, body)
		}
		var out []string
		for _, m := range r.ListMetadataFormats.Formats {
			out = append(out, m.Prefix)
		}
		return out
	}
	if got := prefixes("verb=ListMetadataFormats"); !slices.Equal(got, []string{"oai_dc", "ead"}) {
		t.Errorf("formats %v", got)
	}
	if got := prefixes("verb=ListMetadataFormats&identifier=" + url.QueryEscape(pers)); !slices.Equal(got, []string{"oai_dc", "ead"}) {
		t.Errorf("formats of a unit %v", got)
	}
	// The Tektonik is above the Bestände: no EAD(DDB) Findbuch record.
	if got := prefixes("verb=ListMetadataFormats&identifier=" + url.QueryEscape(tek)); !slices.Equal(got, []string{"oai_dc"}) {
		t.Errorf("formats of a Tektonik group %v", got)
	}
	body := f.get(t, "verb=ListMetadataFormats&identifier=urn:uuid:nope")
	v.add(body)
	if r := parse(t, body); r.errCode() != "idDoesNotExist" || r.attr("identifier") != "urn:uuid:nope" {
		t.Errorf("unknown identifier: %s", body)
	}
	v.run()
}

func TestListSets(t *testing.T) {
	f := newFixture(t, false, oai.Config{})
	v := newValidator(t)
	body := f.get(t, "verb=ListSets")
	v.add(body)
	if r := parse(t, body); r.errCode() != "noSetHierarchy" {
		t.Errorf("sets of an archive without Bestand: %s", body)
	}
	f.put(t, t0, preservation.Unit{ID: tek, Level: preservation.LevelTektonik, Title: "Staatliche Verwaltung"})
	body = f.get(t, "verb=ListIdentifiers&metadataPrefix=oai_dc&set=20001")
	v.add(body)
	if r := parse(t, body); r.errCode() != "noSetHierarchy" {
		t.Errorf("a set of an archive without Bestand: %s", body)
	}
	smallArchive(t, f)
	body = f.get(t, "verb=ListSets")
	v.add(body)
	r := parse(t, body)
	if r.ListSets == nil || len(r.ListSets.Sets) != 2 {
		t.Fatalf("sets:\n%s", body)
	}
	want := map[string]string{"20001": "Landratsamt Musterkreis", "~C3~84_10~2F2_Nr.~7E~5Fx": "Bestand mit Sonderzeichen"}
	for _, s := range r.ListSets.Sets {
		if want[s.Spec] != s.Name {
			t.Errorf("set %q %q, want one of %v", s.Spec, s.Name, want)
		}
	}
	// Signaturen repeat in imported finding aids: every set stays distinct.
	dup := uid(5)
	f.put(t, t3, preservation.Unit{ID: dup, Parent: tek, Bestand: dup, Level: preservation.LevelBestand, Signatur: "20001", Title: "Gleiche Signatur", Order: 3})
	f.put(t, t3, preservation.Unit{ID: uid(50), Parent: dup, Bestand: dup, Level: preservation.LevelAkte, Signatur: "20001 Nr. 1", Title: "Akte im zweiten Bestand"})
	body = f.get(t, "verb=ListSets")
	v.add(body)
	r = parse(t, body)
	if n := len(r.ListSets.Sets); n != 3 || r.ListSets.Sets[2].Spec != "20001~~urn~3Auuid~3A00000000-0000-4000-8000-000000000005" {
		t.Errorf("sets with a repeated Signatur:\n%s", body)
	}
	body = f.get(t, "verb=ListIdentifiers&metadataPrefix=oai_dc&set="+url.QueryEscape(r.ListSets.Sets[2].Spec))
	v.add(body)
	if r := parse(t, body); len(r.ListIdentifiers.Headers) != 2 || r.ListIdentifiers.Headers[1].Identifier != uid(50) ||
		r.ListIdentifiers.Headers[1].SetSpecs[0] != "20001~~urn~3Auuid~3A00000000-0000-4000-8000-000000000005" {
		t.Errorf("the second 20001:\n%s", body)
	}
	body = f.get(t, "verb=ListSets&resumptionToken=x")
	v.add(body)
	if r := parse(t, body); r.errCode() != "badResumptionToken" {
		t.Errorf("ListSets with a token: %s", body)
	}
	v.run()
}

func TestGetRecord(t *testing.T) {
	f := newFixture(t, true, oai.Config{ISIL: "DE-1234"})
	smallArchive(t, f)
	v := newValidator(t)
	get := func(id, prefix string) (*response, []byte) {
		t.Helper()
		body := f.get(t, "verb=GetRecord&metadataPrefix="+prefix+"&identifier="+url.QueryEscape(id))
		v.add(body)
		checkHidden(t, body)
		return parse(t, body), body
	}

	// An open unit, whole; its datestamp is its last change.
	r, body := get(open, "oai_dc")
	rec := r.GetRecord.Record
	if rec.Header.Identifier != open || rec.Header.Datestamp != "2026-02-01T10:00:00Z" || !slices.Equal(rec.Header.SetSpecs, []string{"20001"}) {
		t.Errorf("header %+v", rec.Header)
	}
	for _, s := range []string{"<dc:title>Haushaltsplan Müllrose</dc:title>", "<dc:identifier>20001 Nr. 1</dc:identifier>",
		"<dc:identifier>http://archiv.example.org/unit/" + url.PathEscape(open) + "</dc:identifier>", "<dc:date>1989/1990-12-31</dc:date>",
		"<dc:description>Entwurf &amp; Beschluss &lt;2&gt;</dc:description>", "<dc:rights>Frei zugänglich.</dc:rights>",
		"<dc:type>Akte</dc:type>", "<dc:coverage>Müllrose</dc:coverage>", "<dc:source>Bestand: Landratsamt Musterkreis</dc:source>"} {
		if !strings.Contains(rec.Metadata.Inner, s) {
			t.Errorf("open record lacks %s:\n%s", s, body)
		}
	}
	if r.attr("verb") != "GetRecord" || r.attr("metadataPrefix") != "oai_dc" || r.attr("identifier") != open {
		t.Errorf("request echo %+v", r.Request)
	}

	// A closed person-related unit and its document: Signatur, level,
	// Laufzeit and the lock, never the title.
	for _, id := range []string{pers, doc} {
		r, body = get(id, "oai_dc")
		m := r.GetRecord.Record.Metadata.Inner
		for _, s := range []string{"<dc:title>Titel gesperrt (personenbezogenes Archivgut)</dc:title>", "<dc:rights>Gesperrt (Schutzfrist), zugänglich ab 20"} {
			if !strings.Contains(m, s) {
				t.Errorf("closed person-related record lacks %s:\n%s", s, body)
			}
		}
	}
	if !strings.Contains(string(body), "<dc:identifier>20001 Nr. 2/1</dc:identifier>") || !strings.Contains(string(body), "<dc:date>2017-01-01</dc:date>") {
		t.Errorf("the document's Signatur or Laufzeit is missing:\n%s", body)
	}
	// A closed unit that is not person-related shows its title, and the lock.
	r, body = get(gen, "oai_dc")
	if m := r.GetRecord.Record.Metadata.Inner; !strings.Contains(m, "Bauantrag Schulze") || !strings.Contains(m, "zugänglich ab 2048-07-25") {
		t.Errorf("closed record:\n%s", body)
	}
	// ... and changes when its Gliederung does.
	if d := r.GetRecord.Record.Header.Datestamp; d != "2026-02-01T10:00:00Z" {
		t.Errorf("datestamp %s", d)
	}

	// The EAD(DDB) record: the Bestand, the Gliederung and the unit, its
	// access restriction.
	r, body = get(gen, "ead")
	m := r.GetRecord.Record.Metadata.Inner
	for _, s := range []string{`<c level="collection" id="u_urn_uuid_00000000-0000-4000-8000-000000000002.in.urn_uuid_00000000-0000-4000-8000-000000000013"><did><unitid>20001</unitid><unittitle>Landratsamt Musterkreis</unittitle></did>`,
		`<c level="class"`, `<unittitle>Bauwesen</unittitle>`, `<c level="file" id="u_urn_uuid_00000000-0000-4000-8000-000000000013">`, `<unittitle>Bauantrag Schulze</unittitle>`,
		`<unitdate normal="2018-07-24">2018-07-24</unitdate>`, `<genreform normal="Akten">Akte</genreform>`,
		`<accessrestrict><p>Gesperrt (Schutzfrist), zugänglich ab 2048-07-25.`, `<corpname role="Staatliche Archive" id="DE-1234">Staatsarchiv Musterland</corpname>`,
		`<eadid mainagencycode="DE-1234"`, `xlink:role="url_archivalunit"`} {
		if !strings.Contains(m, s) {
			t.Errorf("EAD record lacks %s:\n%s", s, body)
		}
	}
	// The document of the closed person-related Akte: both titles hidden.
	r, body = get(doc, "ead")
	if m := r.GetRecord.Record.Metadata.Inner; strings.Count(m, "<unittitle>Titel gesperrt (personenbezogenes Archivgut)</unittitle>") != 2 || !strings.Contains(m, `<c level="item"`) {
		t.Errorf("EAD record of a closed document:\n%s", body)
	}
	_, body = get(open, "ead")
	for _, s := range []string{`<language langcode="ger">deutsch</language>`, `<unitid type="Altsignatur">020.1</unitid>`,
		`<unitdate normal="1989/1990-12-31">1989 – 1990-12-31</unitdate>`, `<geogname>Müllrose</geogname>`} {
		if !strings.Contains(string(body), s) {
			t.Errorf("EAD record of the open unit lacks %s:\n%s", s, body)
		}
	}
	if strings.Contains(string(body), "<accessrestrict>") {
		t.Errorf("an open unit has an access restriction:\n%s", body)
	}
	// The Bestand itself.
	r, body = get(best, "ead")
	if m := r.GetRecord.Record.Metadata.Inner; strings.Count(m, "<c ") != 1 || !strings.Contains(m, "<origination><name>Landratsamt Musterkreis</name></origination>") {
		t.Errorf("EAD record of the Bestand:\n%s", body)
	}

	// A unit whose closure ended this year: its datestamp is the start of
	// its release day in Dresden.
	r, _ = get(late, "oai_dc")
	chain := []preservation.Unit{}
	for _, id := range []string{tek, best, late} {
		u, _ := f.cat.Unit(context.Background(), id)
		chain = append(chain, *u)
	}
	rel := f.room.StateOf(chain).Result.Release
	berlin, _ := time.LoadLocation("Europe/Berlin")
	day, _ := time.ParseInLocation("2006-01-02", rel, berlin)
	if rel < "2026-02-02" || rel > "2026-11-26" || r.GetRecord.Record.Header.Datestamp != day.UTC().Format("2006-01-02T15:04:05Z") {
		t.Errorf("opened on %s: datestamp %s", rel, r.GetRecord.Record.Header.Datestamp)
	}

	// A disposed unit: a tombstone, changed when it was disposed of.
	r, body = get(gone, "oai_dc")
	if h := r.GetRecord.Record.Header; h.Status != "deleted" || h.Datestamp != "2026-10-01T09:00:00Z" || !slices.Equal(h.SetSpecs, []string{"~C3~84_10~2F2_Nr.~7E~5Fx"}) {
		t.Errorf("tombstone:\n%s", body)
	}
	if strings.Contains(string(body), "Vernichtete") {
		t.Errorf("a tombstone shows metadata:\n%s", body)
	}

	// Errors.
	for _, c := range []struct{ id, prefix, code string }{
		{tek, "ead", "cannotDisseminateFormat"},
		{open, "marc21", "cannotDisseminateFormat"},
		{"urn:uuid:nope", "oai_dc", "idDoesNotExist"},
		{"20001 Nr. 1", "oai_dc", "badArgument"}, // a Signatur is no identifier (and no URI)
		{"20001", "oai_dc", "idDoesNotExist"},    // the Bestand's Signatur is no identifier either
	} {
		body := f.get(t, "verb=GetRecord&metadataPrefix="+c.prefix+"&identifier="+url.QueryEscape(c.id))
		v.add(body)
		if r := parse(t, body); r.errCode() != c.code {
			t.Errorf("GetRecord %s %s: %s, want %s", c.id, c.prefix, r.errCode(), c.code)
		}
	}
	v.run()
}

// A change of an ancestor changes the records below it: it can change
// their closure, and they show it.
func TestAncestorChangeRaisesDatestamps(t *testing.T) {
	f := newFixture(t, false, oai.Config{})
	smallArchive(t, f)
	g, _ := f.cat.Unit(context.Background(), glie)
	g.Title = "Bauwesen und Verkehr"
	f.put(t, t3, *g)
	r := parse(t, f.get(t, "verb=GetRecord&metadataPrefix=oai_dc&identifier="+url.QueryEscape(gen)))
	if d := r.GetRecord.Record.Header.Datestamp; d != "2026-11-20T07:00:00Z" {
		t.Errorf("datestamp below the edited Gliederung: %s", d)
	}
	r = parse(t, f.get(t, "verb=GetRecord&metadataPrefix=oai_dc&identifier="+url.QueryEscape(open)))
	if d := r.GetRecord.Record.Header.Datestamp; d != "2026-02-01T10:00:00Z" {
		t.Errorf("datestamp beside it: %s", d)
	}
	// Selective harvest: the Gliederung and its unit changed since t3.
	r = parse(t, f.get(t, "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2026-11-20"))
	var ids []string
	for _, h := range r.ListIdentifiers.Headers {
		ids = append(ids, h.Identifier)
	}
	if !slices.Equal(ids, []string{glie, gen}) {
		t.Errorf("changed since the edit: %v", ids)
	}
}

func TestSelectiveHarvest(t *testing.T) {
	f := newFixture(t, false, oai.Config{})
	smallArchive(t, f)
	v := newValidator(t)
	ids := func(q string) ([]string, string) {
		t.Helper()
		body := f.get(t, q)
		v.add(body)
		checkHidden(t, body)
		r := parse(t, body)
		if c := r.errCode(); c != "" {
			return nil, c
		}
		var out []string
		for _, h := range r.ListIdentifiers.Headers {
			out = append(out, h.Identifier)
		}
		return out, ""
	}
	all := []string{tek, best, odd, glie, open, pers, doc, gen, gone, late}
	for _, c := range []struct {
		q    string
		want []string
		code string
	}{
		{"metadataPrefix=oai_dc", all, ""},
		{"metadataPrefix=ead", all[1:], ""}, // not the Tektonik
		{"metadataPrefix=oai_dc&set=20001", []string{best, glie, open, pers, doc, gen, late}, ""},
		{"metadataPrefix=oai_dc&set=~C3~84_10~2F2_Nr.~7E~5Fx", []string{odd, gone}, ""},
		{"metadataPrefix=oai_dc&until=2026-01-10", []string{tek, best, odd, glie}, ""},
		{"metadataPrefix=oai_dc&until=2026-01-10T08:00:00Z", []string{tek, best, odd, glie}, ""},
		{"metadataPrefix=oai_dc&until=2026-01-10T07:59:59Z", nil, "noRecordsMatch"},
		{"metadataPrefix=oai_dc&from=2026-02-01T10:00:00Z&until=2026-02-01T10:00:00Z", []string{open, pers, doc, gen}, ""},
		{"metadataPrefix=oai_dc&from=2026-05-01", []string{gone, late}, ""}, // disposed; opened
		{"metadataPrefix=oai_dc&from=2026-09-01", []string{gone}, ""},
		{"metadataPrefix=oai_dc&from=2026-05-01&set=20001", []string{late}, ""},
		{"metadataPrefix=oai_dc&from=2026-11-27", nil, "noRecordsMatch"},
		{"metadataPrefix=oai_dc&set=nope", nil, "noRecordsMatch"},
		{"metadataPrefix=oai_dc&set=20001:x", nil, "noRecordsMatch"},
	} {
		got, code := ids("verb=ListIdentifiers&" + c.q)
		if code != c.code || !slices.Equal(got, c.want) {
			t.Errorf("%s: %v %s, want %v %s", c.q, got, code, c.want, c.code)
		}
	}
	v.run()
}

func TestProtocolErrors(t *testing.T) {
	f := newFixture(t, false, oai.Config{})
	smallArchive(t, f)
	v := newValidator(t)
	for _, c := range []struct{ q, code string }{
		{"", "badVerb"},
		{"verb=Harvest", "badVerb"},
		{"verb=Identify&verb=Identify", "badVerb"},
		{"verb=identify", "badVerb"},
		{"verb=Identify&set=x", "badArgument"},
		{"verb=ListRecords", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=ead", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&from=", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&from=2026-01-01&until=2026-02-01T00:00:00Z", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&from=2026-02-01&until=2026-01-01", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&from=2026-13-01", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&from=2026-01-01T00:00:00", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&from=2026-01-01T00:00:00.5Z", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&from=2026-01-01T00:00Z", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&set=a%20b", "badArgument"},
		{"verb=ListRecords&metadataPrefix=a%20b", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=x", "badArgument"},
		{"verb=ListRecords&identifier=x&metadataPrefix=oai_dc", "badArgument"},
		{"verb=GetRecord&identifier=" + url.QueryEscape(open), "badArgument"},
		{"verb=ListRecords&metadataPrefix=%zz", "badArgument"},
		{"verb=ListRecords&metadataPrefix=marc21", "cannotDisseminateFormat"},
		{"verb=ListIdentifiers&metadataPrefix=marc21", "cannotDisseminateFormat"},
		{"verb=ListRecords&resumptionToken=x", "badResumptionToken"},
		{"verb=ListIdentifiers&resumptionToken=1.e30.AAAA", "badResumptionToken"},
	} {
		body := f.get(t, c.q)
		v.add(body)
		r := parse(t, body)
		if r.errCode() != c.code {
			t.Errorf("?%s: %q, want %s\n%s", c.q, r.errCode(), c.code, body)
		}
	}
	v.run()
}

func TestHTTPMethods(t *testing.T) {
	f := newFixture(t, false, oai.Config{})
	smallArchive(t, f)
	// POST answers as GET does.
	q := "verb=ListIdentifiers&metadataPrefix=oai_dc&set=20001"
	if g, p := f.get(t, q), f.post(t, q); !bytes.Equal(g, p) {
		t.Errorf("GET and POST differ:\n%s\n%s", g, p)
	}
	for _, c := range []struct {
		method, ct string
		code       int
	}{
		{http.MethodPut, "", http.StatusMethodNotAllowed},
		{http.MethodDelete, "", http.StatusMethodNotAllowed},
		{http.MethodPost, "text/plain", http.StatusUnsupportedMediaType},
		{http.MethodPost, "", http.StatusUnsupportedMediaType},
		{http.MethodHead, "", http.StatusOK},
	} {
		r := httptest.NewRequest(c.method, "http://archiv.example.org/oai?verb=Identify", strings.NewReader("verb=Identify"))
		if c.ct != "" {
			r.Header.Set("Content-Type", c.ct)
		}
		w := httptest.NewRecorder()
		f.p.ServeHTTP(w, r)
		if w.Code != c.code {
			t.Errorf("%s %s: HTTP %d, want %d", c.method, c.ct, w.Code, c.code)
		}
	}
	r := httptest.NewRequest(http.MethodPost, "http://archiv.example.org/oai", strings.NewReader("verb=Identify&x="+strings.Repeat("a", 70<<10)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	f.p.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a huge POST: HTTP %d", w.Code)
	}
}

// Resumption tokens: paged lists carry cursor and completeListSize; a
// token altered in any way, forged with another key, expired, or used
// with another verb is badResumptionToken.
func TestResumptionTokens(t *testing.T) {
	f := newFixture(t, false, oai.Config{RecordsPerPage: 3, IdentifiersPerPage: 4, TokenLifetime: time.Hour})
	smallArchive(t, f)
	v := newValidator(t)
	body := f.get(t, "verb=ListRecords&metadataPrefix=oai_dc")
	v.add(body)
	r := parse(t, body)
	tok := r.ListRecords.Token
	if len(r.ListRecords.Records) != 3 || tok == nil || tok.Cursor != "0" || tok.Size != "10" || tok.ExpirationDate != "2026-11-26T13:00:00Z" {
		t.Fatalf("first page: %d records, token %+v", len(r.ListRecords.Records), tok)
	}
	good := tok.Value
	if strings.ContainsAny(good, "+/=%& ") {
		t.Errorf("token %q needs escaping in a URL", good)
	}
	bad := func(q, why string) {
		t.Helper()
		body := f.get(t, q)
		v.add(body)
		if r := parse(t, body); r.errCode() != "badResumptionToken" {
			t.Errorf("%s: %s\n%s", why, r.errCode(), body)
		}
	}
	// Every single-character change is detected.
	for i := range good {
		for _, c := range []byte{'A', 'z', '0', '-', '_', '.'} {
			if good[i] == c {
				continue
			}
			altered := good[:i] + string(c) + good[i+1:]
			body := f.get(t, "verb=ListRecords&resumptionToken="+url.QueryEscape(altered))
			if r := parse(t, body); r.errCode() != "badResumptionToken" {
				t.Fatalf("altered token %q accepted:\n%s", altered, body)
			}
		}
	}
	// A payload rewritten to skip ahead, with the old signature.
	head, sig, _ := strings.Cut(strings.TrimPrefix(good, "1."), ".")
	payload, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		t.Fatal(err)
	}
	forged := strings.Replace(string(payload), `"c":3`, `"c":9`, 1)
	if forged == string(payload) {
		t.Fatalf("payload %s has no cursor", payload)
	}
	bad("verb=ListRecords&resumptionToken="+url.QueryEscape("1."+base64.RawURLEncoding.EncodeToString([]byte(forged))+"."+sig), "a rewritten payload")
	bad("verb=ListRecords&resumptionToken="+url.QueryEscape(good+"x"), "a longer token")
	bad("verb=ListRecords&resumptionToken="+strings.Repeat("A", 5000), "a huge token")
	bad("verb=ListIdentifiers&resumptionToken="+url.QueryEscape(good), "a token of another verb")
	// A token of another repository (another key).
	other := newFixture(t, false, oai.Config{RecordsPerPage: 3, Key: []byte("another key, just as long as it must be")})
	smallArchive(t, other)
	ot := parse(t, other.get(t, "verb=ListRecords&metadataPrefix=oai_dc")).ListRecords.Token.Value
	bad("verb=ListRecords&resumptionToken="+url.QueryEscape(ot), "a token of another key")
	// Expired: an hour later.
	f.p.SetClock(func() time.Time { return now.Add(time.Hour + time.Second) })
	bad("verb=ListRecords&resumptionToken="+url.QueryEscape(good), "an expired token")
	f.p.SetClock(func() time.Time { return now })

	// The whole list, by POST as well, with cursor and size.
	var got []string
	cursor := 0
	for q := "verb=ListRecords&metadataPrefix=oai_dc"; ; {
		body := f.post(t, q)
		v.add(body)
		r := parse(t, body)
		if r.ListRecords == nil {
			t.Fatalf("%s:\n%s", q, body)
		}
		tok := r.ListRecords.Token
		if len(got) > 0 && (tok == nil || tok.Cursor != strconv.Itoa(cursor) || tok.Size != "10") {
			t.Errorf("token after %d: %+v", cursor, tok)
		}
		for _, rec := range r.ListRecords.Records {
			got = append(got, rec.Header.Identifier)
		}
		cursor += len(r.ListRecords.Records)
		if tok == nil || tok.Value == "" {
			break
		}
		q = "verb=ListRecords&resumptionToken=" + url.QueryEscape(tok.Value)
	}
	if want := []string{tek, best, odd, glie, open, pers, doc, gen, gone, late}; !slices.Equal(got, want) {
		t.Errorf("harvested %v, want %v", got, want)
	}
	// A list too long to count in its first response has no size.
	g := newFixture(t, false, oai.Config{RecordsPerPage: 3, CountLimit: 2})
	smallArchive(t, g)
	n := 0
	for q := "verb=ListRecords&metadataPrefix=oai_dc"; q != ""; {
		body := g.get(t, q)
		v.add(body)
		l := parse(t, body).ListRecords
		n += len(l.Records)
		if l.Token == nil || l.Token.Size != "" {
			t.Fatalf("uncounted list: token %+v", l.Token)
		}
		q = ""
		if l.Token.Value != "" {
			q = "verb=ListRecords&resumptionToken=" + url.QueryEscape(l.Token.Value)
		}
	}
	if n != 10 {
		t.Errorf("uncounted list: %d records", n)
	}
	// A list that fits one response has no token.
	if r := parse(t, f.get(t, "verb=ListIdentifiers&metadataPrefix=oai_dc&set=~C3~84_10~2F2_Nr.~7E~5Fx")); r.ListIdentifiers.Token != nil {
		t.Errorf("a one-page list with a token: %+v", r.ListIdentifiers.Token)
	}
	v.run()
}

func TestLoadKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "oai-key")
	k1, err := oai.LoadKey(path)
	if err != nil || len(k1) != 32 {
		t.Fatalf("LoadKey: %x, %v", k1, err)
	}
	k2, err := oai.LoadKey(path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Errorf("the key changed: %x, %x, %v", k1, k2, err)
	}
}

// A unit whose parent is missing cannot be shown by the reading room: it
// is no record either, and the lists go on without it.
func TestOrphansAreLeftOut(t *testing.T) {
	f := newFixture(t, false, oai.Config{})
	smallArchive(t, f)
	orphan := uid(16)
	f.put(t, t3, preservation.Unit{ID: orphan, Parent: uid(999), Bestand: best, Level: preservation.LevelAkte, Title: "Verwaist"})
	r := parse(t, f.get(t, "verb=GetRecord&metadataPrefix=oai_dc&identifier="+url.QueryEscape(orphan)))
	if r.errCode() != "idDoesNotExist" {
		t.Errorf("GetRecord of an orphan: %s", r.errCode())
	}
	if r = parse(t, f.get(t, "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2026-11-01")); r.errCode() != "noRecordsMatch" {
		t.Errorf("changed since the orphan came: %s", r.errCode())
	}
	r = parse(t, f.get(t, "verb=ListIdentifiers&metadataPrefix=oai_dc"))
	if n := len(r.ListIdentifiers.Headers); n != 10 {
		t.Errorf("%d records with an orphan among the units, want 10", n)
	}
}
