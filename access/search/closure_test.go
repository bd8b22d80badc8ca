package search

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/preservation"
)

// secret is a closed person-related unit whose hidden fields hold words
// that occur nowhere else in the corpus.
func secret(opts ...opt) Doc {
	d := unit("secret", "10747 Nr. 4711", "Personalakte Zwiebelfisch", personal, closedUntil("2040-01-01"),
		scope("Enthält: Gutachten über die Quarkspeise der Familie"))
	d.Unit.Persons = []preservation.Person{{Name: "Hildegard Knautschke", Birth: "1931-02-29"}}
	d.Unit.Closure.Persons = d.Unit.Persons
	d.Unit.Places = []string{"Wolkenkuckucksheim"}
	d.Unit.Subjects = []string{"Schnabeltasse"}
	d.Unit.SourceRef = "AZ Pumpernickel-17"
	d.Unit.Provenance = "Landratsamt Müllrose"
	d.Unit.Extra = map[string]string{"Vertraulichkeit": "Knautschke-Vermerk"}
	for _, o := range opts {
		o(&d)
	}
	return d
}

// hiddenWords are the words only secret's hidden fields contain, each as
// a query a researcher might type.
var hiddenWords = []string{
	"Zwiebelfisch", "zwiebelfische", "Zwiebel*", "Personalakte Zwiebelfisch",
	"Quarkspeise", "Quarkspeisen", "Quark*",
	"Knautschke", "Hildegard", "Knaut*",
	"Wolkenkuckucksheim", "Schnabeltasse", "Pumpernickel", "Pumpernickel-17",
	// a hidden word together with words the unit shows
	"Landratsamt Zwiebelfisch", "Müllrose Knautschke", "Beeskow Quarkspeise",
}

// leaks reports which hidden words occur in v's JSON.
func leaks(v any) []string {
	b, _ := json.Marshal(v)
	s := strings.ToLower(string(b))
	var out []string
	for _, w := range []string{"zwiebelfisch", "quarkspeise", "knautschke", "hildegard", "wolkenkuckucksheim", "schnabeltasse", "pumpernickel", "gutachten", "1931"} {
		if strings.Contains(s, w) {
			out = append(out, w)
		}
	}
	return out
}

func closureCorpus(secretOpts ...opt) []Doc {
	return []Doc{
		secret(secretOpts...),
		unit("open", "10747 Nr. 1", "Schriftwechsel mit dem Landratsamt", scope("Enthält: Zwiebelanbau")),
		unit("closed", "10747 Nr. 2", "Haushaltsplan des Landratsamts", closedUntil("2040-01-01")),
		unit("personal-open", "10747 Nr. 3", "Personalakte Sauerteig", personal),
	}
}

func TestClosedPersonalUnitIsNotFoundByHiddenWords(t *testing.T) {
	ctx := context.Background()
	backends(t, func(t *testing.T, x *Index) {
		index(t, x, closureCorpus()...)
		for _, day := range []string{today, "2039-12-31"} {
			for _, w := range hiddenWords {
				r := find(t, x, Query{Text: w, Facets: true, Today: day})
				if slices.Contains(ids(r), "secret") {
					t.Errorf("%s: %q finds the closed person-related unit", day, w)
				}
				if l := leaks(r); len(l) > 0 {
					t.Errorf("%s: results for %q show %v", day, w, l)
				}
				// The facet counts of the search may not count it either.
				f := r.Facets
				n := 0
				for _, v := range f.Bestand {
					n += v.Count
				}
				if f.Closed != 0 || n != r.Total || f.Open+f.Closed != r.Total {
					t.Errorf("%s: facets for %q count hidden units: %+v (total %d)", day, w, f, r.Total)
				}
			}
		}

		// It is found by what it shows, and shown without what it hides.
		for _, q := range []Query{
			{Text: "Landratsamt Müllrose"},
			{Text: "10747 Nr. 4711"},
			{Signatur: "10747 Nr. 4711"},
			{Signatur: "10747 Nr. 47*"},
			{Text: "Beeskow", Level: []string{"akte"}, From: "1991", To: "1991"},
		} {
			r := find(t, x, Query{Text: q.Text, Signatur: q.Signatur, Level: q.Level, From: q.From, To: q.To, Facets: true, Size: 100})
			i := slices.Index(ids(r), "secret")
			if i < 0 {
				t.Errorf("%+v does not find the closed unit by what it shows", q)
				continue
			}
			h := r.Hits[i]
			if h.Open || h.Release != "2040-01-01" || h.Unit.Signatur != "10747 Nr. 4711" || h.Unit.Provenance == "" {
				t.Errorf("hit = %+v", h)
			}
			if l := leaks(r); len(l) > 0 {
				t.Errorf("results for %+v show %v", q, l)
			}
			for _, f := range h.Fragments {
				if f.Field != "provenance" {
					t.Errorf("fragment of a hidden field: %+v", f)
				}
			}
		}

		// Browsing and the detail view show it without title.
		r, err := x.Children(ctx, "b1", 1, 100, today)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.Index(ids(r), "secret")
		if i < 0 {
			t.Fatalf("Children misses the closed unit: %v", ids(r))
		}
		if h := r.Hits[i]; h.Unit.Title != "" || h.Unit.AIP != "" || h.Open || h.Release != "2040-01-01" {
			t.Errorf("Children shows %+v", h.Unit)
		}
		if l := leaks(r); len(l) > 0 {
			t.Errorf("Children shows %v", l)
		}
		h, err := x.Get(ctx, "secret", today)
		if err != nil {
			t.Fatal(err)
		}
		if l := leaks(h); len(l) > 0 {
			t.Errorf("Get shows %v", l)
		}

		// No hidden word is in a public term dictionary (where suggestions
		// would come from).
		hidden := map[string]bool{}
		for _, w := range hiddenWords {
			for _, tok := range x.german.Analyze([]byte(strings.TrimRight(w, "*"))) {
				hidden[string(tok.Term)] = true
			}
		}
		for _, shown := range []string{"landratsamt", "mullros", "beeskow", "zwiebel", "quark", "knaut", "personalakt"} {
			delete(hidden, shown) // words of other units or prefixes
		}
		if len(hidden) < 8 {
			t.Fatalf("hidden terms = %v", hidden)
		}
		for _, f := range textFields {
			dict, err := x.b.FieldDict(f.name)
			if err != nil {
				t.Fatal(err)
			}
			for e, err := dict.Next(); e != nil && err == nil; e, err = dict.Next() {
				if hidden[e.Term] {
					t.Errorf("public field %s holds %q", f.name, e.Term)
				}
			}
			dict.Close()
		}
	})
}

func TestClosedPersonalUnitIsFoundOnceReleased(t *testing.T) {
	backends(t, func(t *testing.T, x *Index) {
		index(t, x, closureCorpus()...)
		for _, day := range []string{"2040-01-01", "2077-06-30"} {
			for _, w := range hiddenWords {
				r := find(t, x, Query{Text: w, Today: day, Facets: true})
				i := slices.Index(ids(r), "secret")
				if i < 0 {
					t.Errorf("%s: %q does not find the released unit", day, w)
					continue
				}
				h := r.Hits[i]
				if !h.Open || h.Unit.Title != "Personalakte Zwiebelfisch" || h.Unit.AIP == "" || len(h.Fragments) == 0 {
					t.Errorf("%s: %q: released hit = %+v", day, w, h)
				}
				if r.Facets.Open != r.Total {
					t.Errorf("%s: %q: facets %+v", day, w, r.Facets)
				}
			}
		}
		r := find(t, x, Query{Text: "Knautschke", Today: "2040-01-01"})
		if fr := r.Hits[0].Fragments; len(fr) != 1 || fr[0].HTML() != "Hildegard <mark>Knautschke</mark>" {
			t.Errorf("fragments = %+v", fr)
		}
	})
}

func TestPublishedMetadataIsFoundWhileClosed(t *testing.T) {
	backends(t, func(t *testing.T, x *Index) {
		index(t, x, closureCorpus(func(d *Doc) { d.Unit.PublishMetadata = true })...)
		for _, w := range []string{"Zwiebelfisch", "Knautschke", "Quarkspeisen", "Landratsamt Zwiebelfisch"} {
			r := find(t, x, Query{Text: w})
			i := slices.Index(ids(r), "secret")
			if i < 0 {
				t.Errorf("%q does not find the unit with published metadata", w)
				continue
			}
			h := r.Hits[i]
			if h.Open || h.Unit.Title != "Personalakte Zwiebelfisch" || h.Unit.AIP != "" || len(h.Unit.Closure.Persons) != 0 {
				t.Errorf("%q: hit = %+v", w, h)
			}
		}
	})
}

func TestClosedUnitsThatAreNotPersonal(t *testing.T) {
	backends(t, func(t *testing.T, x *Index) {
		index(t, x, closureCorpus()...)
		r := find(t, x, Query{Text: "Haushaltsplan"})
		if len(r.Hits) != 1 {
			t.Fatalf("closed non-personal unit not found by its title: %v", ids(r))
		}
		h := r.Hits[0]
		if h.Open || h.Unit.Title == "" || h.Unit.AIP != "" || len(h.Fragments) != 1 {
			t.Errorf("hit = %+v", h)
		}
		// Person-related but not closed: found and shown.
		r = find(t, x, Query{Text: "Sauerteig"})
		if len(r.Hits) != 1 || !r.Hits[0].Open || r.Hits[0].Unit.Title == "" {
			t.Errorf("open person-related unit: %+v", r.Hits)
		}
	})
}

// The restricted fields follow closure.Public: a field the closed view
// shows is public, one it hides is restricted.
func TestFieldsFollowThePolicy(t *testing.T) {
	f, err := secret().fields()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		fText:                     {"Landratsamt Müllrose", "Rat des Kreises Beeskow"},
		restrictedPrefix + fTitle: {"Personalakte Zwiebelfisch"},
		restrictedPrefix + fText: {"Enthält: Gutachten über die Quarkspeise der Familie", "Hildegard Knautschke",
			"Wolkenkuckucksheim", "Schnabeltasse", "AZ Pumpernickel-17"},
	}
	for _, name := range []string{fTitle, fText, restrictedPrefix + fTitle, restrictedPrefix + fText} {
		got, _ := f[name].([]string)
		if !slices.Equal(sorted(got), sorted(want[name])) {
			t.Errorf("%s = %q, want %q", name, got, want[name])
		}
	}
	if f[fRRelease] != float64(20400101) || f[fRelease] != float64(20400101) {
		t.Errorf("release fields = %v, %v", f[fRelease], f[fRRelease])
	}
	for _, d := range closureCorpus()[1:] {
		f, _ := d.fields()
		for k := range f {
			if strings.HasPrefix(k, restrictedPrefix) || k == fRRelease {
				t.Errorf("%s: restricted field %s", d.Unit.ID, k)
			}
		}
	}
	// Extra and the persons' dates are not indexed at all.
	if s := f[fStored].(string); !strings.Contains(s, "Knautschke-Vermerk") {
		t.Error("stored doc incomplete") // stored whole: it is what closure.Public gets
	}
	delete(f, fStored)
	b, _ := json.Marshal(f)
	if strings.Contains(string(b), "Vermerk") || strings.Contains(string(b), "1931") {
		t.Errorf("indexed fields hold Extra or person dates: %s", b)
	}
}

func writeFile(name, s string) error { return os.WriteFile(name, []byte(s), 0o600) }
