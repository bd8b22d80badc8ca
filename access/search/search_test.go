package search

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/preservation"
)

const today = "2026-11-26"

// backends runs f against the in-memory and the on-disk index.
func backends(t *testing.T, f func(t *testing.T, x *Index)) {
	t.Helper()
	for _, name := range []string{"mem", "disk"} {
		t.Run(name, func(t *testing.T) {
			dir := ""
			if name == "disk" {
				dir = filepath.Join(t.TempDir(), "index")
			}
			f(t, openIndex(t, dir))
		})
	}
}

func openIndex(t *testing.T, dir string) *Index {
	t.Helper()
	x, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

type opt func(*Doc)

func unit(id, sig, title string, opts ...opt) Doc {
	d := Doc{Unit: preservation.Unit{
		ID: id, Parent: "b1", Bestand: "b1", Level: preservation.LevelAkte,
		Signatur: sig, Title: title, From: "1990", To: "1995", AIP: "urn:uuid:aip-" + preservation.AIPID(id),
	}, Ancestors: []string{"t", "b1"}, BestandTitle: "Rat des Kreises Beeskow"}
	for _, o := range opts {
		o(&d)
	}
	return d
}

func closedUntil(day string) opt { return func(d *Doc) { d.Release = day } }
func personal(d *Doc)            { d.Unit.Closure.Personal = true }
func scope(s string) opt         { return func(d *Doc) { d.Unit.Scope = s } }
func laufzeit_(from, to string) opt {
	return func(d *Doc) { d.Unit.From, d.Unit.To = from, to }
}
func in(bestand string) opt {
	return func(d *Doc) { d.Unit.Bestand, d.Unit.Parent = bestand, bestand }
}
func level(l string) opt { return func(d *Doc) { d.Unit.Level = l } }
func order(n int) opt    { return func(d *Doc) { d.Unit.Order = n } }

func index(t *testing.T, x *Index, docs ...Doc) {
	t.Helper()
	if err := x.Index(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
}

func find(t *testing.T, x *Index, q Query) *Results {
	t.Helper()
	if q.Today == "" {
		q.Today = today
	}
	r, err := x.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	return r
}

func ids(r *Results) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.Unit.ID)
	}
	return out
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func TestGermanAnalysis(t *testing.T) {
	x := openIndex(t, "")
	index(t, x,
		unit("akte", "1", "Akte über den Schulbau"),
		unit("akten", "2", "Akten des Bürgermeisters"),
		unit("antrag", "3", "Bauantrag für ein Wohnhaus"),
		unit("antraege", "4", "Bauanträge der Gemeinde Müllrose"),
		unit("strasse", "5", "Ausbau der Dorfstraße", scope("Enthält: Pläne, Verträge, Gutachten")),
		unit("mueller", "6", "Nachlass Müller"),
		unit("lpg", "7", "LPG-Vorsitzender Protokolle"),
	)
	cases := []struct {
		q    string
		want []string
	}{
		{"Akte", []string{"akte", "akten"}},
		{"Akten", []string{"akte", "akten"}},
		{"akten", []string{"akte", "akten"}},
		{"Bauantrag", []string{"antraege", "antrag"}},
		{"Bauanträge", []string{"antraege", "antrag"}},
		{"Bauantraege", []string{"antraege", "antrag"}},
		{"Mullrose", []string{"antraege"}},
		{"Müllrose", []string{"antraege"}},
		{"Muellrose", []string{"antraege"}},
		{"MÜLLROSE", []string{"antraege"}},
		{"Dorfstrasse", []string{"strasse"}},
		{"Vertrag", []string{"strasse"}}, // scope, plural in the text
		{"Mueller", []string{"mueller"}}, // ue spelling of ü
		{"Bauantr*", []string{"antraege", "antrag"}},
		{"Akte*", []string{"akte", "akten"}},  // the stem "akt" is shorter than the prefix
		{"Akten*", []string{"akte", "akten"}}, // likewise
		{"Schul*", []string{"akte"}},
		{"Verträg*", []string{"strasse"}},
		{"bauanträ*", []string{"antraege", "antrag"}},
		{"Bauantrag Müllrose", []string{"antraege"}},          // all words must match
		{"Bauantrag Beeskow", []string{"antraege", "antrag"}}, // Bestand title
		{"Bauantrag Zwickau", nil},
		{"der die das", nil}, // stop words only
		{"Vorsitzender", []string{"lpg"}},
		{"LPG-Vorsitzende", []string{"lpg"}},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			got := sorted(ids(find(t, x, Query{Text: c.q})))
			if !slices.Equal(got, c.want) {
				t.Errorf("%q found %v, want %v", c.q, got, c.want)
			}
		})
	}
	if _, err := x.Search(context.Background(), Query{Text: "B*", Today: today}); !errors.Is(err, ErrQuery) {
		t.Errorf("one-letter prefix: err = %v, want ErrQuery", err)
	}
}

func TestHighlight(t *testing.T) {
	x := openIndex(t, "")
	long := strings.Repeat("Verschiedenes aus der Verwaltung. ", 20) + "Bauanträge <Neubau> & Abriss. " + strings.Repeat("Weiteres Schriftgut. ", 20)
	index(t, x, unit("a", "1", "Bauanträge & Abrisse", scope(long)))
	r := find(t, x, Query{Text: "Bauantrag"})
	if len(r.Hits) != 1 {
		t.Fatalf("hits = %v", ids(r))
	}
	fr := r.Hits[0].Fragments
	if len(fr) != 2 || fr[0].Field != "title" || fr[1].Field != "scope" {
		t.Fatalf("fragments = %+v", fr)
	}
	if got, want := fr[0].HTML(), "<mark>Bauanträge</mark> &amp; Abrisse"; got != want {
		t.Errorf("title fragment = %q, want %q", got, want)
	}
	s := fr[1]
	if len(s.Text) > fragmentWindow+2*len("…") || !strings.HasPrefix(s.Text, "…") || !strings.HasSuffix(s.Text, "…") {
		t.Errorf("scope fragment not cut: %q", s.Text)
	}
	if len(s.Marks) != 1 || s.Text[s.Marks[0].Start:s.Marks[0].End] != "Bauanträge" {
		t.Errorf("scope marks = %+v in %q", s.Marks, s.Text)
	}
	if !strings.Contains(s.HTML(), "<mark>Bauanträge</mark> &lt;Neubau&gt; &amp;") {
		t.Errorf("scope HTML = %q", s.HTML())
	}
	r = find(t, x, Query{Text: "Abr*"})
	if fr := r.Hits[0].Fragments; len(fr) != 2 || fr[0].HTML() != "Bauanträge &amp; <mark>Abrisse</mark>" {
		t.Errorf("prefix fragments = %+v", fr)
	}
}

func TestPagination(t *testing.T) {
	x := openIndex(t, "")
	var docs []Doc
	for i := range 45 {
		docs = append(docs, unit(fmt.Sprintf("u%02d", i), fmt.Sprintf("10747 Nr. %d", i+1), "Schriftwechsel"))
	}
	index(t, x, docs...)
	var all []string
	for page, want := range []int{20, 20, 5, 0} {
		r := find(t, x, Query{Text: "Schriftwechsel", Page: page + 1, Size: 20})
		if r.Total != 45 || len(r.Hits) != want {
			t.Fatalf("page %d: total %d, %d hits; want 45, %d", page+1, r.Total, len(r.Hits), want)
		}
		all = append(all, ids(r)...)
	}
	if len(all) != 45 || len(slices.Compact(sorted(all))) != 45 {
		t.Errorf("pages overlap or miss units: %v", all)
	}
	// Without text: by signature, naturally.
	r := find(t, x, Query{Size: 12})
	if got := ids(r); got[0] != "u00" || got[8] != "u08" || got[9] != "u09" || got[11] != "u11" {
		t.Errorf("order by signature = %v", got)
	}
	if r := find(t, x, Query{Size: 5000}); r.Size != MaxSize {
		t.Errorf("size = %d, want %d", r.Size, MaxSize)
	}
	for _, p := range []int{MaxOffset + 2, int(^uint(0) >> 1)} {
		if _, err := x.Search(context.Background(), Query{Page: p, Size: 1, Today: today}); !errors.Is(err, ErrQuery) {
			t.Errorf("page %d: %v", p, err)
		}
		if _, err := x.Children(context.Background(), "b1", p, 1, today); !errors.Is(err, ErrQuery) {
			t.Errorf("children page %d: %v", p, err)
		}
	}
}

func TestSignatur(t *testing.T) {
	x := openIndex(t, "")
	index(t, x,
		unit("n1", "10747 Nr. 1", "A"),
		unit("n2", "10747 Nr. 2", "B"),
		unit("n10", "10747 Nr. 10", "C"),
		unit("n12", "10747  Nr. 12", "D"),
		unit("o1", "10748 Nr. 1", "E"),
		unit("x", "StA-DD 5/a", "F"),
		unit("p", "107470 Nr. 1", "G"),
		unit("long", "Ministerium für Staatssicherheit BV Frankfurt/O. Nr. 4711", "H"),
	)
	cases := []struct {
		sig  string
		want []string
	}{
		{"10747 Nr. 1", []string{"n1"}},
		{" 10747   nr. 1 ", []string{"n1"}},
		{"10747 Nr. 1*", []string{"n1", "n10", "n12"}},
		{"10747*", []string{"n1", "n10", "n12", "n2", "p"}},
		{"10747 *", []string{"n1", "n10", "n12", "n2"}},
		{"1074*", []string{"n1", "n10", "n12", "n2", "o1", "p"}},
		{"10747 Nr. 12", []string{"n12"}},
		{"sta-dd 5/A", []string{"x"}},
		{"10747 Nr.", nil},
		{"ministerium für*", []string{"long"}},
		{"Ministerium für Staatssicherheit BV Frankfurt*", []string{"long"}}, // longer than sigPrefixMax
		{"Ministerium für Staatssicherheit BV Frankfurt/O. Nr. 4711*", []string{"long"}},
		{"Ministerium für Staatssicherheit BV Frankfurt/O. Nr. 4712*", nil},
	}
	for _, c := range cases {
		if got := sorted(ids(find(t, x, Query{Signatur: c.sig}))); !slices.Equal(got, c.want) {
			t.Errorf("Signatur %q found %v, want %v", c.sig, got, c.want)
		}
	}
	// The whole text also matches a signature.
	if got := ids(find(t, x, Query{Text: "10747 Nr. 12"})); !slices.Equal(got, []string{"n12"}) {
		t.Errorf("text = signature found %v", got)
	}
}

func TestLaufzeitOverlap(t *testing.T) {
	x := openIndex(t, "")
	index(t, x,
		unit("a", "1", "x", laufzeit_("1950", "1955")),
		unit("b", "2", "x", laufzeit_("1960-05-03", "1960-05-03")),
		unit("c", "3", "x", laufzeit_("1970-03", "1980")),
		unit("d", "4", "x", laufzeit_("", "1985")),
		unit("none", "5", "x", laufzeit_("", "")),
	)
	cases := []struct {
		from, to string
		want     []string
	}{
		{"1956", "1960", []string{"b"}},
		{"1955", "1955", []string{"a"}},
		{"1955-12-31", "", []string{"a", "b", "c", "d"}},
		{"1956-01-01", "", []string{"b", "c", "d"}},
		{"1956", "1960-05-02", nil},
		{"1960-05", "1960-05", []string{"b"}},
		{"", "1950-01-01", []string{"a"}},
		{"1970-02", "1970-02", nil},
		{"1970-03", "1970-03", []string{"c"}},
		{"1981", "1990", []string{"d"}},
		{"", "", []string{"a", "b", "c", "d", "none"}},
	}
	for _, c := range cases {
		if got := sorted(ids(find(t, x, Query{From: c.from, To: c.to}))); !slices.Equal(got, c.want) {
			t.Errorf("Laufzeit %q–%q found %v, want %v", c.from, c.to, got, c.want)
		}
	}
	if _, err := x.Search(context.Background(), Query{From: "1950-13", Today: today}); !errors.Is(err, ErrQuery) {
		t.Errorf("bad From: err = %v", err)
	}
}

func TestFacets(t *testing.T) {
	backends(t, func(t *testing.T, x *Index) {
		bestand := func(id, title string) Doc {
			d := unit(id, id, title, level(preservation.LevelBestand), laufzeit_("", ""))
			d.Unit.Parent, d.Unit.Bestand, d.Ancestors = "t", "", []string{"t"}
			return d
		}
		index(t, x,
			bestand("b1", "Rat des Kreises Beeskow"),
			bestand("b2", "Landratsamt Oder-Spree"),
			unit("a", "b1/1", "Schulbau", laufzeit_("1948", "1962")),
			unit("b", "b1/2", "Schulbau", laufzeit_("1950", "1951"), closedUntil("2030-01-01")),
			unit("c", "b2/1", "Schulbau", in("b2"), level(preservation.LevelVorgang), laufzeit_("1990", "1990")),
			unit("d", "b2/2", "Straßenbau", in("b2")),
		)
		r := find(t, x, Query{Text: "Schulbau", Facets: true})
		f := r.Facets
		if r.Total != 3 || f == nil {
			t.Fatalf("total %d, facets %v", r.Total, f)
		}
		want := &Facets{
			Bestand: []FacetValue{{"b1", "Rat des Kreises Beeskow", 2}, {"b2", "Landratsamt Oder-Spree", 1}},
			Level:   []FacetValue{{"akte", "", 2}, {"vorgang", "", 1}},
			Decade:  []FacetValue{{"1940", "", 1}, {"1950", "", 2}, {"1960", "", 1}, {"1990", "", 1}},
			Open:    2, Closed: 1,
		}
		if fmt.Sprint(f) != fmt.Sprint(want) {
			t.Errorf("facets\n got %+v\nwant %+v", f, want)
		}
		r = find(t, x, Query{Text: "Schulbau", Facets: true, Today: "2030-01-01"})
		if r.Facets.Open != 3 || r.Facets.Closed != 0 {
			t.Errorf("on the release day: open %d closed %d", r.Facets.Open, r.Facets.Closed)
		}
		if r := find(t, x, Query{Text: "Schulbau"}); r.Facets != nil {
			t.Errorf("facets without asking: %+v", r.Facets)
		}
		open, closed := true, false
		if got := sorted(ids(find(t, x, Query{Text: "Schulbau", Open: &open}))); !slices.Equal(got, []string{"a", "c"}) {
			t.Errorf("open = %v", got)
		}
		if got := ids(find(t, x, Query{Text: "Schulbau", Open: &closed})); !slices.Equal(got, []string{"b"}) {
			t.Errorf("closed = %v", got)
		}
		if got := ids(find(t, x, Query{Text: "Schulbau", Open: &closed, Today: "2030-01-01"})); got != nil {
			t.Errorf("closed on the release day = %v", got)
		}
		if got := sorted(ids(find(t, x, Query{Bestand: []string{"b2"}}))); !slices.Equal(got, []string{"c", "d"}) {
			t.Errorf("Bestand b2 = %v", got)
		}
		if got := sorted(ids(find(t, x, Query{Level: []string{"vorgang", "bestand"}}))); !slices.Equal(got, []string{"b1", "b2", "c"}) {
			t.Errorf("levels = %v", got)
		}
	})
}

func TestChildren(t *testing.T) {
	backends(t, func(t *testing.T, x *Index) {
		index(t, x,
			unit("c", "10747 Nr. 10", "C"),
			unit("a", "10747 Nr. 9", "A"),
			unit("b", "10747 Nr. 9a", "B"),
			unit("first", "10747 Nr. 99", "First", order(-1)),
			unit("last", "10747 Nr. 1", "Last", order(5)),
			unit("other", "10748 Nr. 1", "Other", in("b2")),
		)
		want := []string{"first", "a", "b", "c", "last"}
		r, err := x.Children(context.Background(), "b1", 1, 10, today)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(r); r.Total != 5 || !slices.Equal(got, want) {
			t.Errorf("children = %v (total %d), want %v", got, r.Total, want)
		}
		r, _ = x.Children(context.Background(), "b1", 2, 2, today)
		if got := ids(r); !slices.Equal(got, want[2:4]) {
			t.Errorf("page 2 = %v", got)
		}
		if _, err := x.Children(context.Background(), "b1", 1, 10, "heute"); !errors.Is(err, ErrQuery) {
			t.Errorf("bad today: %v", err)
		}
	})
}

// Children pages come from the term dictionary (first pages) or from a
// sort (deep pages, the back half from the end); every page must be in
// order, also after units were moved, reordered or deleted, whose old
// terms stay in the dictionary until their segment is merged.
func TestChildrenPages(t *testing.T) {
	ctx := context.Background()
	backends(t, func(t *testing.T, x *Index) {
		const n = 2*dictWindow + 345
		var docs []Doc
		for i := range n {
			docs = append(docs, unit(fmt.Sprintf("u%d", i), fmt.Sprintf("Nr. %d", i), "x", order(i%3), in("big")))
		}
		index(t, x, docs...)
		// Reorder some, move some away, delete some, in later batches.
		var changed []Doc
		for i := 0; i < n; i += 7 {
			d := docs[i]
			d.Unit.Order = 3 - i%3
			if i%2 == 0 {
				d.Unit.Parent = "elsewhere"
			}
			changed = append(changed, d)
		}
		index(t, x, changed...)
		var gone []string
		for i := 5; i < n; i += 11 {
			gone = append(gone, fmt.Sprintf("u%d", i))
		}
		if err := x.Delete(ctx, gone...); err != nil {
			t.Fatal(err)
		}

		// Expected: by order, then signature number.
		type child struct {
			id        string
			order, nr int
		}
		var want []child
		for i := range n {
			id := fmt.Sprintf("u%d", i)
			if slices.Contains(gone, id) {
				continue
			}
			o := i % 3
			if i%7 == 0 {
				if i%2 == 0 {
					continue
				}
				o = 3 - i%3
			}
			want = append(want, child{id, o, i})
		}
		slices.SortFunc(want, func(a, b child) int {
			if a.order != b.order {
				return a.order - b.order
			}
			return a.nr - b.nr
		})
		var wantIDs []string
		for _, c := range want {
			wantIDs = append(wantIDs, c.id)
		}

		for _, size := range []int{100, 300, 1000} {
			var got []string
			for page := 1; ; page++ {
				r, err := x.Children(ctx, "big", page, size, today)
				if err != nil {
					t.Fatal(err)
				}
				if r.Total != len(want) || r.Page != page || r.Size != size {
					t.Fatalf("size %d, page %d: total %d, page %d, size %d; want total %d", size, page, r.Total, r.Page, r.Size, len(want))
				}
				if len(r.Hits) == 0 {
					break
				}
				got = append(got, ids(r)...)
			}
			if !slices.Equal(got, wantIDs) {
				for i := range min(len(got), len(wantIDs)) {
					if got[i] != wantIDs[i] {
						t.Fatalf("size %d: %d children; first difference at %d: %s, want %s", size, len(got), i, got[i], wantIDs[i])
					}
				}
				t.Fatalf("size %d: %d children, want %d", size, len(got), len(wantIDs))
			}
		}
	})
}

func TestIndexGetDeleteCount(t *testing.T) {
	ctx := context.Background()
	backends(t, func(t *testing.T, x *Index) {
		index(t, x, unit("a", "1", "Erste Fassung"), unit("b", "2", "Zweite"))
		index(t, x, unit("a", "1", "Neue Fassung")) // replaces
		if n, err := x.Count(ctx); err != nil || n != 2 {
			t.Errorf("Count = %d, %v", n, err)
		}
		h, err := x.Get(ctx, "a", today)
		if err != nil || h.Unit.Title != "Neue Fassung" || !h.Open || h.Unit.AIP == "" || h.BestandTitle == "" || len(h.Ancestors) != 2 {
			t.Errorf("Get = %+v, %v", h, err)
		}
		if r := find(t, x, Query{Text: "erste"}); r.Total != 0 {
			t.Errorf("old text still found: %v", ids(r))
		}
		if err := x.Delete(ctx, "a", "nope"); err != nil {
			t.Fatal(err)
		}
		if _, err := x.Get(ctx, "a", today); !errors.Is(err, ErrNotFound) || !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Get deleted = %v", err)
		}
		if n, _ := x.Count(ctx); n != 1 {
			t.Errorf("Count after delete = %d", n)
		}
	})
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	x := openIndex(t, "")
	for _, d := range []Doc{
		unit("", "1", "no id"),
		unit("a", "1", "x", closedUntil("2040")),
		unit("a", "1", "x", closedUntil("2040-02-30")),
	} {
		if err := x.Index(ctx, []Doc{unit("ok", "0", "fine"), d}); err == nil {
			t.Errorf("Index(%+v) accepted", d)
		}
	}
	if n, _ := x.Count(ctx); n != 0 {
		t.Errorf("a rejected call indexed %d docs", n)
	}
	for _, day := range []string{"", "2026-1-1", "26.11.2026"} {
		if _, err := x.Search(ctx, Query{Text: "x", Today: day}); !errors.Is(err, ErrQuery) {
			t.Errorf("Search today %q: %v", day, err)
		}
		if _, err := x.Get(ctx, "ok", day); !errors.Is(err, ErrQuery) {
			t.Errorf("Get today %q accepted", day)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := x.Index(cctx, []Doc{unit("a", "1", "x")}); !errors.Is(err, context.Canceled) {
		t.Errorf("Index with cancelled ctx: %v", err)
	}
}

func seq(docs []Doc, fail error) iter.Seq2[Doc, error] {
	return func(yield func(Doc, error) bool) {
		for _, d := range docs {
			if !yield(d, nil) {
				return
			}
		}
		if fail != nil {
			yield(Doc{}, fail)
		}
	}
}

func TestRebuildAndReopen(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"mem", "disk"} {
		t.Run(name, func(t *testing.T) {
			dir := ""
			if name == "disk" {
				dir = filepath.Join(t.TempDir(), "index")
			}
			x := openIndex(t, dir)
			index(t, x, unit("old", "1", "Altbestand"))
			var docs []Doc
			for i := range 2*BatchSize + 7 {
				docs = append(docs, unit(fmt.Sprintf("n%d", i), fmt.Sprint(i), "Neubestand"))
			}
			if err := x.Rebuild(ctx, seq(docs[:10], errors.New("storage unreadable"))); err == nil {
				t.Fatal("Rebuild ignored the iterator's error")
			}
			if r := find(t, x, Query{Text: "Altbestand"}); r.Total != 1 {
				t.Fatalf("old index lost after a failed rebuild")
			}
			if err := x.Rebuild(ctx, seq(docs, nil)); err != nil {
				t.Fatal(err)
			}
			if n, _ := x.Count(ctx); n != uint64(len(docs)) {
				t.Errorf("Count after rebuild = %d, want %d", n, len(docs))
			}
			if r := find(t, x, Query{Text: "Altbestand"}); r.Total != 0 {
				t.Errorf("rebuild kept old units")
			}
			index(t, x, unit("later", "x", "Nachtrag"))
			if dir == "" {
				return
			}
			if err := x.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := x.Search(ctx, Query{Today: today}); !errors.Is(err, ErrClosed) {
				t.Errorf("search after close: %v", err)
			}
			y := openIndex(t, dir)
			if n, _ := y.Count(ctx); n != uint64(len(docs))+1 {
				t.Errorf("Count after reopen = %d", n)
			}
			if r := find(t, y, Query{Text: "Nachtrag"}); r.Total != 1 {
				t.Errorf("unit indexed after rebuild lost on reopen")
			}
			if err := y.b.SetInternal([]byte(internalKey), []byte("0")); err != nil {
				t.Fatal(err)
			}
			y.Close()
			if _, err := Open(dir); !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "magazin rebuild") {
				t.Errorf("Open of an old schema = %v, want ErrSchema", err)
			}
		})
	}
}

func TestOpenRefusesForeignDir(t *testing.T) {
	dir := t.TempDir()
	if err := writeFile(filepath.Join(dir, "x"), "not an index"); err != nil {
		t.Fatal(err)
	}
	if x, err := Open(dir); err == nil {
		x.Close()
		t.Error("Open used a non-empty directory without an index")
	}
}

// A crash between Rebuild's two renames leaves only dir.old: Open puts it
// back instead of starting an empty index.
func TestOpenRecoversInterruptedRebuild(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	x := openIndex(t, dir)
	index(t, x, unit("a", "1", "Erhalten"))
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(dir, dir+".old"); err != nil {
		t.Fatal(err)
	}
	y := openIndex(t, dir)
	if r := find(t, y, Query{Text: "erhalten"}); r.Total != 1 {
		t.Errorf("index lost after an interrupted rebuild")
	}
}
