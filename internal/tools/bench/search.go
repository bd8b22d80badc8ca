package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/preservation"
)

// The finding-aid corpus: 500 Bestände; Bestand b000 holds 100,000 units
// (60 % of a smaller corpus), the others share the rest. Titles are German,
// Laufzeiten 1950–2020, 5 % of the units person-related.

const (
	searchToday  = "2026-11-26"
	bestaende    = 500
	bigBestand   = 100_000
	searchBatch  = 10_000
	queryRepeats = 200
)

var (
	places = strings.Fields("Müllrose Beeskow Fürstenwalde Eisenhüttenstadt Storkow Erkner Schöneiche Woltersdorf Friedland " +
		"Bad-Saarow Rietz-Neuendorf Tauche Grünheide Spreenhagen Lindendorf Briesen Jacobsdorf Steinhöfel Ragow-Merz " +
		"Neuzelle Schlaubetal Siehdichum Wendisch-Rietz Scharmützelsee Görzig Ziltendorf Vogelsang Wiesenau Lawitz")
	subjects = []string{"Bauanträge", "Bauantrag", "Baugenehmigungen", "Schriftwechsel", "Haushaltspläne", "Haushaltsrechnung",
		"Protokolle", "Sitzungsprotokolle", "Beschlüsse", "Verträge", "Grundstücksangelegenheiten", "Vermessungen",
		"Flurbereinigung", "Straßenbau", "Schulbau", "Kindergärten", "Wasserversorgung", "Abwasserbeseitigung",
		"Denkmalpflege", "Gewerbeanmeldungen", "Wahlen", "Eingaben", "Statistiken", "Jahresberichte", "Gutachten"}
	topics = []string{"Wohnhäuser", "Neubau der Grundschule", "Sanierung der Dorfkirche", "Ausbau der Landstraße",
		"Errichtung eines Kindergartens", "LPG Typ III", "Konsumgenossenschaft", "Freiwillige Feuerwehr", "Kulturhaus",
		"Sportplatz", "Gemeindevertretung", "Rat der Gemeinde", "Kreistag", "Kleingartenanlage", "Trinkwasserleitung",
		"Friedhofsordnung", "Gaststätte Zum Anker", "Heimatmuseum", "Sparkasse", "Poliklinik", "Jugendclub"}
	vornamen = strings.Fields("Anna Bernd Christa Dieter Elfriede Franz Gertrud Heinz Ilse Jürgen Karin Lothar Margot Ortrud Paul")
	namen    = strings.Fields("Müller Schulze Lehmann Krüger Neumann Schmidt Wolff Köhler Hoffmann Richter Böhme Fuchs Vogel")
)

func bestandID(b int) string { return fmt.Sprintf("b%03d", b) }
func bestandNr(b int) string { return fmt.Sprint(10000 + b) }
func bigShare(n int) int     { return min(bigBestand, n*6/10) }
func bestandOf(i, n int) int {
	big := bigShare(n)
	if i < big {
		return 0
	}
	return 1 + (i-big)%(bestaende-1)
}

func bestandTitle(b int) string {
	return fmt.Sprintf("Rat des Kreises %s (%d)", places[b%len(places)], b)
}

// unitDoc returns unit i of a corpus of n.
func unitDoc(i, n int) search.Doc {
	r := rand.New(rand.NewPCG(uint64(i), 42))
	b := bestandOf(i, n)
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	from := 1950 + r.IntN(66)
	to := min(2020, from+r.IntN(6))
	u := preservation.Unit{
		ID:         fmt.Sprintf("urn:uuid:%08x-0000-4000-8000-%012x", i, i),
		Parent:     bestandID(b),
		Bestand:    bestandID(b),
		Level:      preservation.LevelAkte,
		Signatur:   fmt.Sprintf("%s Nr. %d", bestandNr(b), i+1),
		Provenance: bestandTitle(b),
		From:       fmt.Sprint(from),
		To:         fmt.Sprint(to),
		AIP:        preservation.AIPID(fmt.Sprintf("urn:uuid:%08x-0000-4000-8000-aaaaaaaaaaaa", i)),
	}
	release := fmt.Sprintf("%d-01-01", to+31)
	if r.IntN(100) < 5 {
		name := pick(vornamen) + " " + pick(namen)
		birth := from - 20 - r.IntN(40)
		u.Title = "Personalakte " + name
		u.Scope = "Enthält: Lebenslauf, Zeugnisse, " + pick(subjects)
		u.Persons = []preservation.Person{{Name: name, Birth: fmt.Sprintf("%d-%02d-%02d", birth, 1+r.IntN(12), 1+r.IntN(28))}}
		u.Closure.Personal = true
		release = fmt.Sprintf("%d-01-01", max(to+60, birth+101))
	} else {
		switch r.IntN(3) {
		case 0:
			u.Title = pick(subjects) + " zur " + pick(topics) + " " + pick(places)
		case 1:
			u.Title = pick(subjects) + " des Kreistages " + fmt.Sprint(from)
		default:
			u.Title = pick(topics) + " " + pick(places) + ": " + pick(subjects)
		}
		u.Scope = "Enthält: " + pick(subjects) + ", " + pick(subjects) + ", " + pick(topics)
		u.Places = []string{pick(places)}
		u.Subjects = []string{pick(subjects)}
	}
	return search.Doc{Unit: u, Release: release, Ancestors: []string{"tektonik", bestandID(b)}, BestandTitle: bestandTitle(b)}
}

// searchResult is what the child process reports to the parent.
type searchResult struct {
	Units      int              `json:"units"`
	BuildSec   float64          `json:"buildSec"`
	IndexBytes int64            `json:"indexBytes"`
	Children   int              `json:"children"` // of the big Bestand
	Queries    []queryLatencies `json:"queries"`
}

type queryLatencies struct {
	Name          string  `json:"name"`
	Hits          int     `json:"hits"`
	P50, P95, P99 float64 // milliseconds
}

// buildIndex is the child process of a build: it writes the corpus of n
// units into dir and prints a searchResult.
func buildIndex(ctx context.Context, dir string, n int) error {
	x, err := search.Open(dir)
	if err != nil {
		return err
	}
	start := time.Now()
	buf := make([]search.Doc, 0, searchBatch)
	for b := range bestaende {
		buf = append(buf, search.Doc{Unit: preservation.Unit{ID: bestandID(b), Parent: "tektonik", Level: preservation.LevelBestand,
			Signatur: bestandNr(b), Title: bestandTitle(b), Order: b}, Ancestors: []string{"tektonik"}})
	}
	for i := range n {
		buf = append(buf, unitDoc(i, n))
		if len(buf) >= searchBatch {
			if err := x.Index(ctx, buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	if err := x.Index(ctx, buf); err != nil {
		return err
	}
	if err := x.Close(); err != nil {
		return err
	}
	res := searchResult{Units: n, BuildSec: time.Since(start).Seconds(), IndexBytes: dirSize(dir)}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// queryIndex is the child process of the query run: it opens the index in
// dir (as `magazin serve` would) and measures the typical queries.
func queryIndex(ctx context.Context, dir string, n int) error {
	x, err := search.Open(dir)
	if err != nil {
		return err
	}
	defer x.Close()
	settle(dir)
	kids, err := x.Children(ctx, bestandID(0), 1, 1, searchToday)
	if err != nil {
		return err
	}
	res := searchResult{Units: n, Children: kids.Total}
	page := 50_000/50 + 1 // the 50 children from offset 50,000
	open := true
	cases := []struct {
		name string
		run  func() (*search.Results, error)
	}{
		{"word \"Bauantrag\"", func() (*search.Results, error) {
			return x.Search(ctx, search.Query{Text: "Bauantrag", Today: searchToday})
		}},
		{"phrase \"Sanierung der Dorfkirche\" (all words)", func() (*search.Results, error) {
			return x.Search(ctx, search.Query{Text: "Sanierung der Dorfkirche", Today: searchToday})
		}},
		{"Signatur prefix \"10000 Nr. 12*\"", func() (*search.Results, error) {
			return x.Search(ctx, search.Query{Signatur: "10000 Nr. 12*", Today: searchToday})
		}},
		{"word + Bestand facet + Laufzeit 1960–1969 + open, with facets", func() (*search.Results, error) {
			return x.Search(ctx, search.Query{Text: "Schriftwechsel", Bestand: []string{bestandID(0), bestandID(7)}, From: "1960", To: "1969",
				Open: &open, Today: searchToday, Facets: true})
		}},
		{"hierarchy: 50 children at offset 50,000", func() (*search.Results, error) {
			return x.Children(ctx, bestandID(0), page, 50, searchToday)
		}},
	}
	for _, c := range cases {
		lat := make([]float64, 0, queryRepeats)
		hits := 0
		for i := 0; i < queryRepeats+3; i++ {
			t := time.Now()
			r, err := c.run()
			d := time.Since(t)
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			if i < 3 {
				continue // warm-up
			}
			hits = r.Total
			lat = append(lat, float64(d.Microseconds())/1000)
		}
		slices.Sort(lat)
		res.Queries = append(res.Queries, queryLatencies{Name: c.name, Hits: hits, P50: pct(lat, 50), P95: pct(lat, 95), P99: pct(lat, 99)})
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

func pct(sorted []float64, p int) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(len(sorted)-1, max(0, i-1))]
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// settle waits until bleve's background merging has stopped changing the
// index files (at most two minutes), so that queries do not measure a
// merge.
func settle(dir string) {
	names := func() string {
		var s []string
		filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				s = append(s, p)
			}
			return nil
		})
		return strings.Join(s, "\n")
	}
	last, since := names(), time.Now()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); {
		time.Sleep(250 * time.Millisecond)
		if f := names(); f != last {
			last, since = f, time.Now()
		} else if time.Since(since) > 3*time.Second {
			return
		}
	}
}
