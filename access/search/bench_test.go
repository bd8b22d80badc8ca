package search

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
)

// Benchmarks over synthetic finding aids: 100,000 units always, 2.5 million
// (the Saxon State Archive's online records) with MAGAZIN_BENCH_LARGE=1.
// The indexes are on disk (scorch), as in production.
//
//	go test -run '^$' -bench . -benchtime 1x ./access/search
//	MAGAZIN_BENCH_LARGE=1 go test -run '^$' -bench . -benchtime 1x -timeout 3h ./access/search

const benchToday = "2026-11-26"

func benchSizes() []int {
	if os.Getenv("MAGAZIN_BENCH_LARGE") == "1" {
		return []int{100_000, 2_500_000}
	}
	return []int{100_000}
}

func sizeName(n int) string {
	if n >= 1_000_000 {
		return fmt.Sprintf("%gM", float64(n)/1e6)
	}
	return fmt.Sprintf("%dk", n/1000)
}

// Word lists for synthetic titles.
var (
	benchBestaende = []struct{ id, nr, title string }{
		{"b0", "10747", "Rat des Kreises Beeskow"},
		{"b1", "10748", "Landratsamt Oder-Spree"},
		{"b2", "11430", "Bauaufsichtsamt Frankfurt (Oder)"},
		{"b3", "12001", "Schulamt Eisenhüttenstadt"},
		{"b4", "13150", "Amtsgericht Fürstenwalde"},
	}
	benchShares = []float64{0.40, 0.25, 0.15, 0.12, 0.08}
	benchPlaces = strings.Fields("Müllrose Beeskow Fürstenwalde Eisenhüttenstadt Storkow Erkner Schöneiche Woltersdorf Friedland " +
		"Bad-Saarow Rietz-Neuendorf Tauche Grünheide Spreenhagen Lindendorf Briesen Jacobsdorf Steinhöfel Ragow-Merz " +
		"Neuzelle Schlaubetal Siehdichum Wendisch-Rietz Scharmützelsee Görzig Ziltendorf Vogelsang Wiesenau Lawitz Brieskow-Finkenheerd")
	benchSubjects = []string{
		"Bauanträge", "Bauantrag", "Baugenehmigungen", "Schriftwechsel", "Haushaltspläne", "Haushaltsrechnung",
		"Protokolle", "Sitzungsprotokolle", "Beschlüsse", "Verträge", "Grundstücksangelegenheiten", "Vermessungen",
		"Flurbereinigung", "Straßenbau", "Schulbau", "Kindergärten", "Wasserversorgung", "Abwasserbeseitigung",
		"Denkmalpflege", "Gewerbeanmeldungen", "Wahlen", "Eingaben", "Statistiken", "Jahresberichte", "Gutachten",
		"Kaufverträge", "Pachtverträge", "Förderanträge", "Rechnungsprüfung", "Personalangelegenheiten",
	}
	benchTopics = []string{
		"Wohnhäuser", "Neubau der Grundschule", "Sanierung der Dorfkirche", "Ausbau der Landstraße", "Errichtung eines Kindergartens",
		"LPG Typ III", "Konsumgenossenschaft", "Freiwillige Feuerwehr", "Volkseigene Güter", "Kulturhaus", "Sportplatz",
		"Gemeindevertretung", "Rat der Gemeinde", "Kreistag", "Abteilung Inneres", "Kleingartenanlage", "Trinkwasserleitung",
		"Friedhofsordnung", "Gaststätte Zum Anker", "Heimatmuseum", "Sparkasse", "Poliklinik", "Jugendclub", "Badestelle am See",
	}
	benchGremien  = []string{"Kreistages", "Rates des Kreises", "Gemeindevertretung", "Bauausschusses", "Schulausschusses", "Finanzausschusses"}
	benchPreps    = []string{"in", "für", "betreffend", "zur", "über"}
	benchVornamen = strings.Fields("Anna Bernd Christa Dieter Elfriede Franz Gertrud Heinz Ilse Jürgen Karin Lothar Margot Norbert Ortrud Paul Renate Siegfried Ursula Werner")
	benchNamen    = strings.Fields("Müller Schulze Lehmann Krüger Neumann Schmidt Wolff Köhler Hoffmann Richter Zimmermann Böhme Günther Schröder Jäger Fuchs Vogel Weiß Hartmann Krause")
)

// benchDoc returns the synthetic unit number i: in the Bestände by the
// shares above (or all in the first), flat (every Akte a child of its
// Bestand), Laufzeiten 1950–2020, 5 % person-related.
func benchDoc(i int, oneBestand bool) Doc {
	r := rand.New(rand.NewPCG(uint64(i), 42))
	bi, acc, x := 0, 0.0, r.Float64()
	for !oneBestand && bi < len(benchShares)-1 {
		acc += benchShares[bi]
		if x < acc {
			break
		}
		bi++
	}
	b := benchBestaende[bi]
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	from := 1950 + r.IntN(66)
	to := min(2020, from+r.IntN(6))
	u := preservation.Unit{
		ID:         fmt.Sprintf("urn:uuid:%08x-0000-4000-8000-%012x", i, i),
		Parent:     b.id,
		Bestand:    b.id,
		Level:      preservation.LevelAkte,
		Signatur:   fmt.Sprintf("%s Nr. %d", b.nr, i+1),
		Provenance: b.title,
		From:       fmt.Sprint(from),
		To:         fmt.Sprint(to),
		Order:      0,
		AIP:        preservation.AIPID(fmt.Sprintf("urn:uuid:%08x-0000-4000-8000-aaaaaaaaaaaa", i)),
	}
	var release string
	if r.IntN(100) < 5 {
		name := pick(benchVornamen) + " " + pick(benchNamen)
		birth := from - 20 - r.IntN(40)
		u.Title = "Personalakte " + name
		u.Scope = "Enthält: Lebenslauf, Zeugnisse, " + pick(benchSubjects)
		u.Persons = []preservation.Person{{Name: name, Birth: fmt.Sprintf("%d-%02d-%02d", birth, 1+r.IntN(12), 1+r.IntN(28))}}
		u.Closure.Personal = true
		release = fmt.Sprintf("%d-01-01", max(to+60, birth+101))
	} else {
		switch r.IntN(3) {
		case 0:
			u.Title = pick(benchSubjects) + " " + pick(benchPreps) + " " + pick(benchTopics) + " " + pick(benchPlaces)
		case 1:
			u.Title = pick(benchSubjects) + " des " + pick(benchGremien) + " " + fmt.Sprint(from)
		default:
			u.Title = pick(benchTopics) + " " + pick(benchPlaces) + ": " + pick(benchSubjects)
		}
		u.Scope = "Enthält: " + pick(benchSubjects) + ", " + pick(benchSubjects) + ", " + pick(benchTopics)
		u.Places = []string{pick(benchPlaces)}
		u.Subjects = []string{pick(benchSubjects)}
		release = fmt.Sprintf("%d-01-01", to+31)
	}
	u.SourceRef = fmt.Sprintf("%02d.%02d-%d/%d", r.IntN(80), r.IntN(40), r.IntN(900), to)
	return Doc{Unit: u, Release: release, Ancestors: []string{"tektonik", b.id}, BestandTitle: b.title}
}

func benchBestandDocs() []Doc {
	var out []Doc
	for i, b := range benchBestaende {
		out = append(out, Doc{Unit: preservation.Unit{
			ID: b.id, Parent: "tektonik", Level: preservation.LevelBestand, Signatur: b.nr, Title: b.title, Order: i,
		}, Ancestors: []string{"tektonik"}})
	}
	return out
}

func benchCorpus(n int, oneBestand bool) iter.Seq2[Doc, error] {
	return func(yield func(Doc, error) bool) {
		for _, d := range benchBestandDocs() {
			if !yield(d, nil) {
				return
			}
		}
		for i := range n {
			if !yield(benchDoc(i, oneBestand), nil) {
				return
			}
		}
	}
}

// buildBench writes a corpus of n units into a new index in dir, in calls
// of Index with 10,000 docs each (as ingest or rebuild would).
func buildBench(tb testing.TB, dir string, n int, oneBestand bool) *Index {
	x, err := Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	buf := make([]Doc, 0, 10_000)
	for d := range benchCorpus(n, oneBestand) {
		buf = append(buf, d)
		if len(buf) == cap(buf) {
			if err := x.Index(ctx, buf); err != nil {
				tb.Fatal(err)
			}
			buf = buf[:0]
		}
	}
	if err := x.Index(ctx, buf); err != nil {
		tb.Fatal(err)
	}
	return x
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
// files of the index in dir (at most two minutes), so that query
// benchmarks do not measure a merge.
func settle(dir string) {
	files := func() string {
		var names []string
		filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				names = append(names, p)
			}
			return nil
		})
		return strings.Join(names, "\n")
	}
	last, since := files(), time.Now()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); {
		time.Sleep(250 * time.Millisecond)
		if f := files(); f != last {
			last, since = f, time.Now()
		} else if time.Since(since) > 3*time.Second {
			return
		}
	}
}

// Shared indexes for the query benchmarks, built once per size.
var (
	benchMu      sync.Mutex
	benchIndexes = map[string]*Index{}
	benchDirs    []string
)

func sharedBench(b *testing.B, n int, oneBestand bool) *Index {
	benchMu.Lock()
	defer benchMu.Unlock()
	key := fmt.Sprint(n, oneBestand)
	if x := benchIndexes[key]; x != nil {
		return x
	}
	dir, err := os.MkdirTemp("", "magazin-search-bench-")
	if err != nil {
		b.Fatal(err)
	}
	benchDirs = append(benchDirs, dir)
	start := time.Now()
	x := buildBench(b, filepath.Join(dir, "index"), n, oneBestand)
	if err := x.Close(); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %s index in %v", sizeName(n), time.Since(start).Round(time.Millisecond))
	if x, err = Open(filepath.Join(dir, "index")); err != nil {
		b.Fatal(err)
	}
	settle(filepath.Join(dir, "index"))
	benchIndexes[key] = x
	return x
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, x := range benchIndexes {
		x.Close()
	}
	for _, d := range benchDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// BenchmarkIndex measures indexing throughput into an on-disk index.
func BenchmarkIndex(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(sizeName(n), func(b *testing.B) {
			var size int64
			for b.Loop() {
				dir := filepath.Join(b.TempDir(), "index")
				x := buildBench(b, dir, n, false)
				if err := x.Close(); err != nil { // persists what is still in memory
					b.Fatal(err)
				}
				b.StopTimer()
				size = dirSize(dir)
				os.RemoveAll(dir)
				b.StartTimer()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
			b.ReportMetric(float64(size)/1e6, "MB")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkQuery measures public query latency on a shared index.
func BenchmarkQuery(b *testing.B) {
	ctx := context.Background()
	for _, n := range benchSizes() {
		b.Run(sizeName(n), func(b *testing.B) {
			x := sharedBench(b, n, false)
			r, err := x.Children(ctx, "b0", 1, 1, benchToday)
			if err != nil {
				b.Fatal(err)
			}
			children := r.Total
			b.Logf("%s: Bestand b0 has %d children", sizeName(n), children)
			open := true
			cases := []struct {
				name string
				run  func() (*Results, error)
			}{
				{"text-common", func() (*Results, error) {
					return x.Search(ctx, Query{Text: "Bauantrag", Today: benchToday})
				}},
				{"text-common-facets", func() (*Results, error) {
					return x.Search(ctx, Query{Text: "Bauantrag", Today: benchToday, Facets: true})
				}},
				{"text-2-words", func() (*Results, error) {
					return x.Search(ctx, Query{Text: "Bauanträge Müllrose", Today: benchToday})
				}},
				{"text-rare", func() (*Results, error) {
					return x.Search(ctx, Query{Text: "Ortrud Fuchs", Today: benchToday})
				}},
				{"text-prefix", func() (*Results, error) {
					return x.Search(ctx, Query{Text: "Kinderg*", Today: benchToday})
				}},
				{"text-filters-facets", func() (*Results, error) {
					return x.Search(ctx, Query{Text: "Schriftwechsel", Bestand: []string{"b0", "b1"}, From: "1960", To: "1969", Open: &open, Today: benchToday, Facets: true})
				}},
				{"signatur-exact", func() (*Results, error) {
					return x.Search(ctx, Query{Signatur: "10747 Nr. 4711", Today: benchToday})
				}},
				{"signatur-prefix", func() (*Results, error) {
					return x.Search(ctx, Query{Signatur: "10747 Nr. 12*", Today: benchToday})
				}},
				{"all-facets", func() (*Results, error) {
					return x.Search(ctx, Query{Today: benchToday, Facets: true})
				}},
				{"children-first-page", func() (*Results, error) {
					return x.Children(ctx, "b0", 1, 50, benchToday)
				}},
				{"children-middle-page", func() (*Results, error) {
					return x.Children(ctx, "b0", children/100, 50, benchToday)
				}},
				{"get", func() (*Results, error) {
					_, err := x.Get(ctx, benchDoc(n/2, false).Unit.ID, benchToday)
					return &Results{}, err
				}},
			}
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					var total int
					for b.Loop() {
						r, err := c.run()
						if err != nil {
							b.Fatal(err)
						}
						total = r.Total
					}
					b.ReportMetric(float64(total), "hits")
					b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/op")
				})
			}
		})
	}
}

// BenchmarkChildren browses a Bestand of 100,000 children (and, with
// MAGAZIN_BENCH_LARGE=1, one of 2.5 million).
func BenchmarkChildren(b *testing.B) {
	ctx := context.Background()
	for _, n := range benchSizes() {
		b.Run(sizeName(n), func(b *testing.B) {
			x := sharedBench(b, n, true)
			pages := (n + 49) / 50
			for _, c := range []struct {
				name string
				page int
			}{{"first-page", 1}, {"page-10", 10}, {"middle-page", pages / 2}, {"last-page", pages}} {
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						r, err := x.Children(ctx, "b0", c.page, 50, benchToday)
						if err != nil {
							b.Fatal(err)
						}
						if r.Total != n || len(r.Hits) != 50 {
							b.Fatalf("total %d, %d hits", r.Total, len(r.Hits))
						}
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/op")
				})
			}
		})
	}
}
