// Package searchbench is the synthetic finding aid of the search
// benchmarks, shared by `make bench` (internal/tools/bench) and the Go
// benchmarks of access/search: a corpus of units with German titles, an
// on-disk index built from it as ingest would build it, the typical
// queries, and their latencies as percentiles.
//
// Contract: a Corpus is a pure function of its fields (unit i is the same
// in every run and every process). Build indexes it into a new index in
// calls of Batch documents and returns the index open; the caller closes
// it. Settle waits until bleve's background merging has stopped, so that
// a measurement does not time a merge. Time runs a query Warmup times
// unmeasured, then the given number of times, and returns its hits and
// its p50/p95/p99 in milliseconds. The package never prints.
package searchbench

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/preservation"
)

const (
	// Today is the day the benchmarks query on (closure periods depend on it).
	Today = "2026-11-26"
	// Batch is the number of documents per call of Index, as ingest or a
	// rebuild would send them.
	Batch = 10_000
	// Warmup is the number of unmeasured runs of a query before Time
	// measures it.
	Warmup = 3
)

// Corpus is a synthetic finding aid: Units Akten with German titles,
// Laufzeiten 1950–2020 and 5 % person-related, in Bestände b000, b001, …
// Bestand b000 holds the first Big units; the others are dealt in turn to
// the remaining Bestände.
type Corpus struct {
	Units     int
	Bestaende int
	Big       int
}

// Standard is the corpus of n units that `make bench` measures: 500
// Bestände, b000 with 60 % of the units but at most 100,000.
func Standard(n int) Corpus {
	return Corpus{Units: n, Bestaende: 500, Big: min(100_000, n*6/10)}
}

// OneBestand is a corpus of n units all in Bestand b000, for browsing a
// Bestand of n children.
func OneBestand(n int) Corpus {
	return Corpus{Units: n, Bestaende: 1, Big: n}
}

// BestandID returns the unit ID of Bestand b ("b000").
func BestandID(b int) string { return fmt.Sprintf("b%03d", b) }

func bestandNr(b int) string { return fmt.Sprint(10000 + b) }

func bestandTitle(b int) string {
	return fmt.Sprintf("Rat des Kreises %s (%d)", places[b%len(places)], b)
}

func (c Corpus) bestandOf(i int) int {
	if i < c.Big || c.Bestaende < 2 {
		return 0
	}
	return 1 + (i-c.Big)%(c.Bestaende-1)
}

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

// Bestand returns the document of Bestand b.
func (c Corpus) Bestand(b int) search.Doc {
	return search.Doc{Unit: preservation.Unit{ID: BestandID(b), Parent: "tektonik", Level: preservation.LevelBestand,
		Signatur: bestandNr(b), Title: bestandTitle(b), Order: b}, Ancestors: []string{"tektonik"}}
}

// Unit returns the document of unit i (0 ≤ i < c.Units).
func (c Corpus) Unit(i int) search.Doc {
	r := rand.New(rand.NewPCG(uint64(i), 42))
	b := c.bestandOf(i)
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	from := 1950 + r.IntN(66)
	to := min(2020, from+r.IntN(6))
	u := preservation.Unit{
		ID:         fmt.Sprintf("urn:uuid:%08x-0000-4000-8000-%012x", i, i),
		Parent:     BestandID(b),
		Bestand:    BestandID(b),
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
	return search.Doc{Unit: u, Release: release, Ancestors: []string{"tektonik", BestandID(b)}, BestandTitle: bestandTitle(b)}
}

// Docs yields the Bestände, then the units.
func (c Corpus) Docs() iter.Seq[search.Doc] {
	return func(yield func(search.Doc) bool) {
		for b := range c.Bestaende {
			if !yield(c.Bestand(b)) {
				return
			}
		}
		for i := range c.Units {
			if !yield(c.Unit(i)) {
				return
			}
		}
	}
}

// Build writes the corpus into a new on-disk index in dir, in calls of
// Index with Batch documents each, and returns the index open.
func Build(ctx context.Context, dir string, c Corpus) (*search.Index, error) {
	x, err := search.Open(dir)
	if err != nil {
		return nil, err
	}
	buf := make([]search.Doc, 0, Batch)
	for d := range c.Docs() {
		buf = append(buf, d)
		if len(buf) == Batch {
			if err := x.Index(ctx, buf); err != nil {
				x.Close()
				return nil, err
			}
			buf = buf[:0]
		}
	}
	if err := x.Index(ctx, buf); err != nil {
		x.Close()
		return nil, err
	}
	return x, nil
}

// Query is one of the typical queries.
type Query struct {
	Name  string // short, for the name of a Go benchmark: "text-common"
	Label string // what it asks, for a report: `word "Bauantrag"`
	Run   func(ctx context.Context, x *search.Index) (*search.Results, error)
}

// Queries returns the typical queries on an index of c: words, a prefix,
// filters with facets, Signaturen, all units with facets, pages of the
// children of Bestand b000, and a unit by its ID.
func Queries(c Corpus) []Query {
	open := true
	b0 := BestandID(0)
	text := func(q search.Query) func(context.Context, *search.Index) (*search.Results, error) {
		q.Today = Today
		return func(ctx context.Context, x *search.Index) (*search.Results, error) { return x.Search(ctx, q) }
	}
	children := func(page int) func(context.Context, *search.Index) (*search.Results, error) {
		return func(ctx context.Context, x *search.Index) (*search.Results, error) {
			return x.Children(ctx, b0, page, 50, Today)
		}
	}
	mid := c.Units / 2
	return []Query{
		{"text-common", `word "Bauantrag"`, text(search.Query{Text: "Bauantrag"})},
		{"text-common-facets", `word "Bauantrag", with facets`, text(search.Query{Text: "Bauantrag", Facets: true})},
		{"text-all-words", `phrase "Sanierung der Dorfkirche" (all words)`, text(search.Query{Text: "Sanierung der Dorfkirche"})},
		{"text-2-words", `words "Bauanträge Müllrose"`, text(search.Query{Text: "Bauanträge Müllrose"})},
		{"text-rare", `rare words "Ortrud Fuchs"`, text(search.Query{Text: "Ortrud Fuchs"})},
		{"text-prefix", `prefix "Kinderg*"`, text(search.Query{Text: "Kinderg*"})},
		{"text-filters-facets", "word + Bestand facet + Laufzeit 1960–1969 + open, with facets",
			text(search.Query{Text: "Schriftwechsel", Bestand: []string{b0, BestandID(7)}, From: "1960", To: "1969", Open: &open, Facets: true})},
		{"signatur-exact", "Signatur " + c.Unit(mid).Unit.Signatur, text(search.Query{Signatur: c.Unit(mid).Unit.Signatur})},
		{"signatur-prefix", `Signatur prefix "10000 Nr. 12*"`, text(search.Query{Signatur: "10000 Nr. 12*"})},
		{"all-facets", "all units, with facets", text(search.Query{Facets: true})},
		{"children-first-page", "hierarchy: the first 50 children", children(1)},
		{"children-offset-50000", "hierarchy: 50 children at offset 50,000", children(50_000/50 + 1)},
		{"children-middle-page", "hierarchy: 50 children in the middle", children(max(1, c.Big/100))},
		{"get", "a unit by its ID", func(ctx context.Context, x *search.Index) (*search.Results, error) {
			_, err := x.Get(ctx, c.Unit(mid).Unit.ID, Today)
			return &search.Results{}, err
		}},
	}
}

// Latencies are the hits and the latency percentiles of a query.
type Latencies struct {
	Name          string  `json:"name"` // the query's Label
	Hits          int     `json:"hits"`
	P50, P95, P99 float64 // milliseconds
}

// Time runs q on x Warmup times, then repeats times measured, and returns
// its hits and latencies.
func Time(ctx context.Context, x *search.Index, q Query, repeats int) (Latencies, error) {
	lat := make([]float64, 0, repeats)
	hits := 0
	for i := range repeats + Warmup {
		t := time.Now()
		r, err := q.Run(ctx, x)
		d := time.Since(t)
		if err != nil {
			return Latencies{}, fmt.Errorf("%s: %w", q.Label, err)
		}
		if i < Warmup {
			continue
		}
		hits = r.Total
		lat = append(lat, float64(d.Microseconds())/1000)
	}
	slices.Sort(lat)
	return Latencies{Name: q.Label, Hits: hits, P50: Percentile(lat, 50), P95: Percentile(lat, 95), P99: Percentile(lat, 99)}, nil
}

// Percentile returns the p-th percentile (nearest rank) of sorted values,
// 0 for none.
func Percentile(sorted []float64, p int) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(len(sorted)-1, max(0, i-1))]
}

// DirSize returns the bytes of the files under dir.
func DirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// Settle waits until bleve's background merging has stopped changing the
// files of the index in dir (no change for 3 seconds, at most two
// minutes), so that queries do not measure a merge.
func Settle(dir string) {
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
