package oai_test

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/access/oai"
	"github.com/magazin-archiv/magazin/preservation"
)

// bigArchive puts a Tektonik group, two Bestände, a Gliederung and n
// units below them: Akten open, closed, closed and person-related (their
// titles and scopes hold "Geheim"), documents inheriting their Akte's
// closure, and every 97th unit disposed of. It returns the ids of the n
// units, and which of them are disposed of.
func bigArchive(t testing.TB, f *fixture, n int) (units []string, disposed map[string]bool) {
	t.Helper()
	f.put(t, t0,
		preservation.Unit{ID: uid(1), Level: preservation.LevelTektonik, Title: "Staatliche Verwaltung"},
		preservation.Unit{ID: uid(2), Parent: uid(1), Bestand: uid(2), Level: preservation.LevelBestand, Signatur: "10747", Title: "Kreistag Musterkreis"},
		preservation.Unit{ID: uid(3), Parent: uid(1), Bestand: uid(3), Level: preservation.LevelBestand, Signatur: "Ä 11/3", Title: "Amt für Schulwesen", Order: 1},
		preservation.Unit{ID: uid(4), Parent: uid(2), Bestand: uid(2), Level: preservation.LevelGliederung, Signatur: "10747/1", Title: "Sitzungen"},
	)
	disposed = map[string]bool{}
	personal := map[int]bool{}
	var batch []preservation.Unit
	for i := range n {
		id := uid(1000 + i)
		units = append(units, id)
		parent, bestand := uid(2), uid(2)
		switch i % 3 {
		case 1:
			parent = uid(4)
		case 2:
			parent, bestand = uid(3), uid(3)
		}
		u := preservation.Unit{ID: id, Parent: parent, Bestand: bestand, Level: preservation.LevelAkte,
			Signatur: fmt.Sprintf("X Nr. %d", i), Title: fmt.Sprintf("Sitzungsprotokolle %d", i), To: "1980-12-31", Order: i}
		switch {
		case i%10 == 9:
			// A document of the unit before it.
			u.Parent, u.Level = uid(1000+i-1), preservation.LevelDokument
			u.Bestand = batchBestand(batch, uid(1000+i-1), u.Bestand)
			u.Title = fmt.Sprintf("Gutachten %d", i)
			if personal[i-1] {
				u.Title = fmt.Sprintf("Gutachten Geheim-%05d", i)
				personal[i] = true
			}
		case i%7 == 0:
			u.Title, u.Scope = fmt.Sprintf("Pflegeakte Geheim-%05d", i), fmt.Sprintf("Betreuung Geheim-%05d", i)
			u.To, u.Closure = "2015-03-01", preservation.ClosureFacts{Personal: true}
			u.Persons = []preservation.Person{{Name: fmt.Sprintf("Geheim-Person %05d", i)}}
			personal[i] = true
		case i%11 == 0:
			u.To = "2010-06-30" // closed for 30 years, not person-related
		}
		if i%97 == 96 {
			u.Disposed = "2026-09-01"
			disposed[id] = true
		}
		batch = append(batch, u)
		if len(batch) == 1000 {
			f.put(t, t1.Add(time.Duration(i)*time.Second), batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		f.put(t, t1, batch...)
	}
	return units, disposed
}

func batchBestand(batch []preservation.Unit, id, def string) string {
	for _, u := range batch {
		if u.ID == id {
			return u.Bestand
		}
	}
	return def
}

// harvest runs a list request and follows its resumption tokens until the
// list is exhausted, checking every response.
func harvest(t testing.TB, f *fixture, v *validator, q string) (records []record, headers []header, responses int) {
	t.Helper()
	verb := "ListRecords"
	if bytes.Contains([]byte(q), []byte("ListIdentifiers")) {
		verb = "ListIdentifiers"
	}
	size, cursor := "", 0
	for {
		body := f.get(t, q)
		responses++
		if v != nil {
			v.add(body)
		}
		if bytes.Contains(body, []byte("Geheim")) {
			t.Fatalf("response %d shows a closed person-related unit's description", responses)
		}
		r := parse(t, body)
		l := r.ListRecords
		if verb == "ListIdentifiers" {
			l = r.ListIdentifiers
		}
		if l == nil {
			t.Fatalf("%s: %s\n%.2000s", q, r.errCode(), body)
		}
		n := len(l.Records) + len(l.Headers)
		records, headers = append(records, l.Records...), append(headers, l.Headers...)
		tok := l.Token
		if tok == nil {
			if responses > 1 {
				t.Errorf("response %d ends a list of several without an empty token", responses)
			}
			return
		}
		if size == "" {
			size = tok.Size
		}
		if tok.Cursor != strconv.Itoa(cursor) || tok.Size != size {
			t.Errorf("response %d: cursor %s, completeListSize %s; want %d, %s", responses, tok.Cursor, tok.Size, cursor, size)
		}
		cursor += n
		if tok.Value == "" {
			if strconv.Itoa(cursor) != size {
				t.Errorf("harvested %d, completeListSize %s", cursor, size)
			}
			return
		}
		if tok.ExpirationDate == "" {
			t.Errorf("response %d: a token without expirationDate", responses)
		}
		q = "verb=" + verb + "&resumptionToken=" + url.QueryEscape(tok.Value)
	}
}

// A harvest of 10,000 units (ListRecords, resumption until the list is
// exhausted) returns every unit exactly once, the disposed ones as
// tombstones, never a closed person-related unit's title, and every
// response validates against the OAI-PMH 2.0 schema, the records against
// oai_dc and EAD(DDB) 1.2.
func TestHarvestOf10000Units(t *testing.T) {
	f := newFixture(t, false, oai.Config{})
	units, disposed := bigArchive(t, f, 10000)
	structure := []string{uid(1), uid(2), uid(3), uid(4)}
	all := append(append([]string{}, structure...), units...)
	v := newValidator(t)

	records, _, responses := harvest(t, f, v, "verb=ListRecords&metadataPrefix=oai_dc")
	if responses != 101 {
		t.Errorf("%d responses, want 101 of at most 100 records", responses)
	}
	seen := map[string]int{}
	deleted := 0
	for _, r := range records {
		seen[r.Header.Identifier]++
		if r.Header.Status == "deleted" {
			deleted++
			if !disposed[r.Header.Identifier] {
				t.Errorf("%s is marked deleted", r.Header.Identifier)
			}
		} else if disposed[r.Header.Identifier] {
			t.Errorf("disposed %s is not marked deleted", r.Header.Identifier)
		}
	}
	for _, id := range all {
		if seen[id] != 1 {
			t.Errorf("%s harvested %d times", id, seen[id])
		}
	}
	if len(seen) != len(all) || len(records) != len(all) || deleted != len(disposed) {
		t.Errorf("%d records of %d units (%d distinct), %d deleted of %d", len(records), len(all), len(seen), deleted, len(disposed))
	}

	// The same in EAD(DDB), set by set: the units of each Bestand once.
	bySet := map[string]int{}
	for _, set := range []string{"10747", "~C3~84_11~2F3"} {
		records, _, _ := harvest(t, f, v, "verb=ListRecords&metadataPrefix=ead&set="+url.QueryEscape(set))
		for _, r := range records {
			if len(r.Header.SetSpecs) != 1 || r.Header.SetSpecs[0] != set {
				t.Fatalf("record %s in set %s has setSpec %v", r.Header.Identifier, set, r.Header.SetSpecs)
			}
			bySet[r.Header.Identifier]++
		}
	}
	for _, id := range all[1:] {
		if bySet[id] != 1 {
			t.Errorf("%s in %d EAD sets", id, bySet[id])
		}
	}

	// ListIdentifiers, by POST as well: the same units once.
	_, headers, responses := harvest(t, f, nil, "verb=ListIdentifiers&metadataPrefix=oai_dc")
	if len(headers) != len(all) || responses != 21 {
		t.Errorf("ListIdentifiers: %d headers in %d responses", len(headers), responses)
	}
	v.run()
}

// A unit that changes while a harvest runs is delivered before or after
// its change; no other unit goes missing or comes twice, and a harvest
// from the first response's date gets the change.
func TestHarvestWhileUnitsChange(t *testing.T) {
	f := newFixture(t, false, oai.Config{RecordsPerPage: 50, IdentifiersPerPage: 50})
	units, _ := bigArchive(t, f, 500)
	first := parse(t, f.get(t, "verb=ListIdentifiers&metadataPrefix=oai_dc"))
	tok := first.ListIdentifiers.Token.Value
	got := map[string]int{}
	for _, h := range first.ListIdentifiers.Headers {
		got[h.Identifier]++
	}
	// An edit of a unit already delivered and of one still to come, and a
	// new unit.
	later := now.Add(30 * time.Minute)
	clock := func() time.Time { return now.Add(time.Hour) }
	f.p.SetClock(clock)
	f.room.SetClock(clock)
	early := preservation.Unit{ID: units[2], Parent: uid(3), Bestand: uid(3), Level: preservation.LevelAkte, Title: "neu 2", To: "1980"}
	late := preservation.Unit{ID: units[400], Parent: uid(2), Bestand: uid(2), Level: preservation.LevelAkte, Title: "neu 400", To: "1980"}
	added := preservation.Unit{ID: uid(999999), Parent: uid(2), Bestand: uid(2), Level: preservation.LevelAkte, Title: "neu", To: "1980"}
	f.put(t, later, early, late, added)
	for tok != "" {
		r := parse(t, f.get(t, "verb=ListIdentifiers&resumptionToken="+url.QueryEscape(tok)))
		if r.ListIdentifiers == nil || r.ListIdentifiers.Token == nil {
			t.Fatalf("resumed list: %s", r.errCode())
		}
		for _, h := range r.ListIdentifiers.Headers {
			got[h.Identifier]++
		}
		tok = r.ListIdentifiers.Token.Value
	}
	for _, id := range append([]string{uid(1), uid(2), uid(3), uid(4)}, units...) {
		if got[id] != 1 {
			t.Errorf("%s delivered %d times", id, got[id])
		}
	}
	r := parse(t, f.get(t, "verb=ListIdentifiers&metadataPrefix=oai_dc&from="+first.ResponseDate))
	var since []string
	for _, h := range r.ListIdentifiers.Headers {
		since = append(since, h.Identifier)
	}
	if fmt.Sprint(since) != fmt.Sprint([]string{units[2], units[400], uid(999999)}) {
		t.Errorf("changed since the harvest began: %v", since)
	}
}

// BenchmarkHarvest measures a whole ListRecords harvest (100 records a
// response) of 10,000 units from an in-memory catalog: the provider's own
// cost, without the network (the responses are only searched for their
// resumption token).
func BenchmarkHarvest(b *testing.B) {
	tokenRE := regexp.MustCompile(`<resumptionToken[^>]*>([^<]+)</resumptionToken>`)
	for _, prefix := range []string{"oai_dc", "ead"} {
		b.Run(prefix, func(b *testing.B) {
			f := newFixture(b, false, oai.Config{})
			units, _ := bigArchive(b, f, 10000)
			var n, size int
			for b.Loop() {
				n, size = 0, 0
				for q := "verb=ListRecords&metadataPrefix=" + prefix; q != ""; {
					body := f.get(b, q)
					n += bytes.Count(body, []byte("<record>"))
					size += len(body)
					q = ""
					if m := tokenRE.FindSubmatch(body); m != nil {
						q = "verb=ListRecords&resumptionToken=" + url.QueryEscape(string(m[1]))
					}
				}
			}
			if want := len(units) + 4; n != want && prefix == "oai_dc" {
				b.Fatalf("%d records, want %d", n, want)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(size)/float64(n), "bytes/record")
		})
	}
}
