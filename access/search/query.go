package search

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/magazin-archiv/magazin/access/closure"
	"github.com/magazin-archiv/magazin/preservation"
)

// Page sizes.
const (
	DefaultSize = 20
	MaxSize     = 1000
)

// Facet sizes: how many values of each facet a result lists at most.
const (
	FacetBestandSize = 50
	FacetLevelSize   = 10
	FacetDecadeSize  = 100
)

// ErrQuery: the query is malformed (a bad date, a too short prefix).
var ErrQuery = errors.New("search: bad query")

// Query is a public finding-aid search. All criteria are combined with AND;
// an empty query lists every unit.
type Query struct {
	// Text: words, all of which must occur in a unit (in title, scope,
	// persons, places, subjects, source reference, provenance or the title
	// of its Bestand), analysed for German: case, umlauts and inflection do
	// not matter ("Mullrose" finds "Müllrose", "Akte" finds "Akten"). A
	// word ending in * is a prefix ("Bauantr*", at least 2 letters) that
	// also finds the word it would stem to ("Akte*" finds "Akten"). The
	// whole text also matches a unit whose Signatur it equals.
	Text string
	// Signatur: the exact signature (case and spacing do not matter), or a
	// prefix of it ending in *.
	Signatur string
	// Bestand and Level restrict to these Bestand ids and levels.
	Bestand, Level []string
	// From and To (YYYY, YYYY-MM or YYYY-MM-DD) restrict to units whose
	// Laufzeit overlaps [From, To]; either may be empty.
	From, To string
	// Open restricts to units that are open (true) or closed (false) on
	// the day Today.
	Open *bool
	// Today is the day (YYYY-MM-DD) for which closure is decided. Required.
	Today string
	// Page counts from 1; Size defaults to DefaultSize, at most MaxSize.
	Page, Size int
	// Facets asks for facet counts over all matching units.
	Facets bool
}

// Results is one page of a search.
type Results struct {
	// Total is the number of matching units.
	Total      int
	Page, Size int
	Hits       []Hit
	// Facets is nil unless the query asked for facets.
	Facets *Facets
}

// Hit is what the public sees of one unit: the output of closure.Public.
type Hit struct {
	// Unit is the public view: a closed unit has no AIP, a closed
	// person-related unit no title, scope or index terms.
	Unit preservation.Unit
	// Release is the day the unit opens ("" = never closed); Open tells
	// whether it is open on the query's day.
	Release string
	Open    bool
	// BestandTitle and Ancestors (ids, root first) place the unit.
	BestandTitle string
	Ancestors    []string
	// Fragments mark the query's words in the fields of the public view.
	Fragments []Fragment
}

// Facets counts the matching units by Bestand, level, decade of the
// Laufzeit, and open or closed on the query's day.
type Facets struct {
	Bestand []FacetValue // by count, Label is the Bestand's public title
	Level   []FacetValue // by count
	Decade  []FacetValue // by decade ("1950" = 1950–1959), ascending
	Open    int
	Closed  int
}

// FacetValue is one value of a facet with the number of matching units.
type FacetValue struct {
	Value string
	Label string
	Count int
}

// newHit returns the public view of d on the day today.
func newHit(d Doc, today string) Hit {
	pub, open := closure.Public(d.Unit, d.Release, today)
	return Hit{Unit: pub, Release: d.Release, Open: open, BestandTitle: d.BestandTitle, Ancestors: d.Ancestors}
}

// word is one word of a text query: an analysed term, or a prefix. A
// prefix also matches its own stem as a whole word, since stemming can
// shorten a word below the prefix: "Akte*" finds "Akten" (stem "akt") and
// "Häuse*" finds "Häuser" (stem "haus").
type word struct {
	term   string
	prefix bool
	stem   string // of a prefix; "" if the same as term
}

// matches tells whether the indexed term t matches w.
func (w word) matches(t string) bool {
	if w.prefix {
		return strings.HasPrefix(t, w.term) || t == w.stem
	}
	return t == w.term
}

// words is a parsed Text.
type words []word

func (w words) empty() bool { return len(w) == 0 }

// parseText analyses the words of a text query like the index analyses
// the text fields.
func (x *Index) parseText(text string) (words, error) {
	var w words
	german := func(s string) {
		for _, t := range x.german.Analyze([]byte(s)) {
			w = append(w, word{term: string(t.Term)})
		}
	}
	for _, f := range strings.Fields(text) {
		stem, ok := strings.CutSuffix(f, "*")
		if !ok {
			german(f)
			continue
		}
		stem = strings.TrimRight(stem, "*")
		toks := x.prefix.Analyze([]byte(stem))
		for i, t := range toks {
			if i < len(toks)-1 {
				german(stem[t.Start:t.End])
				continue
			}
			if utf8.RuneCount(t.Term) < 2 {
				return nil, fmt.Errorf("%w: prefix %q is too short (at least 2 letters before *)", ErrQuery, f)
			}
			p := word{term: string(t.Term), prefix: true}
			if s := x.german.Analyze([]byte(stem[t.Start:t.End])); len(s) == 1 && string(s[0].Term) != p.term {
				p.stem = string(s[0].Term)
			}
			w = append(w, p)
		}
	}
	return w, nil
}

func (x *Index) analyseSignatur(s string) string {
	toks := x.signatur.Analyze([]byte(normSignatur(s)))
	if len(toks) == 0 {
		return ""
	}
	return string(toks[0].Term)
}

// rangeQuery matches numbers between min and max in field.
func rangeQuery(field string, min, max *float64, minIncl, maxIncl bool) query.Query {
	q := bleve.NewNumericRangeInclusiveQuery(min, max, &minIncl, &maxIncl)
	q.SetField(field)
	return q
}

func fieldQuery(q interface {
	query.FieldableQuery
	SetBoost(float64)
}, field string, boost float64) query.Query {
	q.SetField(field)
	if boost != 0 {
		q.SetBoost(boost)
	}
	return q
}

// wordQuery matches one word in any public text field, or in a restricted
// text field of a unit whose closure period has ended by today.
func wordQuery(w word, today float64) query.Query {
	mk := func(field string, boost float64) []query.Query {
		if !w.prefix {
			return []query.Query{fieldQuery(bleve.NewTermQuery(w.term), field, boost)}
		}
		qs := []query.Query{fieldQuery(bleve.NewPrefixQuery(w.term), field, boost)}
		if w.stem != "" {
			qs = append(qs, fieldQuery(bleve.NewTermQuery(w.stem), field, boost))
		}
		return qs
	}
	var public, restricted []query.Query
	for _, f := range textFields {
		public = append(public, mk(f.name, f.boost)...)
		restricted = append(restricted, mk(restrictedPrefix+f.name, f.boost)...)
	}
	released := bleve.NewConjunctionQuery(
		bleve.NewDisjunctionQuery(restricted...),
		rangeQuery(fRRelease, nil, &today, false, true),
	)
	return bleve.NewDisjunctionQuery(append(public, released)...)
}

// build turns q into a bleve query; w are its analysed words.
func (x *Index) build(q Query, today float64) (query.Query, words, error) {
	var scored query.Query // the text
	var must []query.Query // filters
	w, err := x.parseText(q.Text)
	if err != nil {
		return nil, nil, err
	}
	if text := strings.TrimSpace(q.Text); text != "" {
		var alts []query.Query
		if !w.empty() {
			var each []query.Query
			for _, wd := range w {
				each = append(each, wordQuery(wd, today))
			}
			alts = append(alts, bleve.NewConjunctionQuery(each...))
		}
		if sig := x.analyseSignatur(text); sig != "" {
			alts = append(alts, fieldQuery(bleve.NewTermQuery(sig), fSignatur, 5))
		}
		scored = bleve.NewDisjunctionQuery(alts...)
	}
	if s := strings.TrimSpace(q.Signatur); s != "" {
		if p, ok := strings.CutSuffix(s, "*"); ok {
			space := strings.HasSuffix(p, " ") // "10747 *" is not "107470"
			if p = x.analyseSignatur(p); p != "" {
				if space {
					p += " "
				}
				if utf8.RuneCountInString(p) <= sigPrefixMax {
					must = append(must, fieldQuery(bleve.NewTermQuery(p), fSigPre, 0))
				} else {
					must = append(must, fieldQuery(bleve.NewPrefixQuery(p), fSignatur, 0))
				}
			}
		} else {
			must = append(must, fieldQuery(bleve.NewTermQuery(x.analyseSignatur(s)), fSignatur, 0))
		}
	}
	for _, f := range []struct {
		prefix string
		vals   []string
	}{{facetBestand, q.Bestand}, {facetLevel, q.Level}} {
		if len(f.vals) == 0 {
			continue
		}
		var one []query.Query
		for _, v := range f.vals {
			one = append(one, fieldQuery(bleve.NewTermQuery(f.prefix+v), fFacet, 0))
		}
		must = append(must, bleve.NewDisjunctionQuery(one...))
	}
	if q.From != "" {
		lo, _, ok := bounds(q.From)
		if !ok {
			return nil, nil, fmt.Errorf("%w: From %q is not YYYY, YYYY-MM or YYYY-MM-DD", ErrQuery, q.From)
		}
		v := float64(lo)
		must = append(must, rangeQuery(fTo, &v, nil, true, true))
	}
	if q.To != "" {
		_, hi, ok := bounds(q.To)
		if !ok {
			return nil, nil, fmt.Errorf("%w: To %q is not YYYY, YYYY-MM or YYYY-MM-DD", ErrQuery, q.To)
		}
		v := float64(hi)
		must = append(must, rangeQuery(fFrom, nil, &v, true, true))
	}
	if q.Open != nil {
		r := rangeQuery(fRelease, nil, &today, false, true) // rel <= today (0 = never closed)
		if !*q.Open {
			r = rangeQuery(fRelease, &today, nil, false, false)
		}
		must = append(must, r)
	}
	// The filters do not score: as a filter of a boolean query (or, without
	// text, with scoring off for the whole request) bleve can combine
	// their postings as bitmaps, which is much faster for ranges.
	var filter query.Query
	switch len(must) {
	case 0:
	case 1:
		filter = must[0]
	default:
		filter = bleve.NewConjunctionQuery(must...)
	}
	switch {
	case scored == nil && filter == nil:
		return bleve.NewMatchAllQuery(), w, nil
	case scored == nil:
		return filter, w, nil
	case filter == nil:
		return scored, w, nil
	}
	bq := bleve.NewBooleanQuery()
	bq.AddMust(scored)
	bq.AddFilter(filter)
	return bq, w, nil
}

// MaxOffset bounds how deep a page may start.
const MaxOffset = 100_000_000

func pageOf(page, size int) (int, int, error) {
	if page < 1 {
		page = 1
	}
	if size <= 0 {
		size = DefaultSize
	}
	size = min(size, MaxSize)
	if page-1 > MaxOffset/size {
		return 0, 0, fmt.Errorf("%w: page %d is too deep", ErrQuery, page)
	}
	return page, size, nil
}

func checkToday(today string) (float64, error) {
	n, ok := parseDay(today)
	if !ok {
		return 0, fmt.Errorf("%w: today %q is not YYYY-MM-DD", ErrQuery, today)
	}
	return float64(n), nil
}

// Search runs a public search. Every hit, fragment and facet is made from
// what closure.Public shows on q.Today; a closed person-related unit is
// not found by the words it hides. Hits are sorted by relevance (equal
// scores in index order), or by Signatur (natural order) when the query
// has no text.
func (x *Index) Search(ctx context.Context, q Query) (*Results, error) {
	today, err := checkToday(q.Today)
	if err != nil {
		return nil, err
	}
	bq, w, err := x.build(q, today)
	if err != nil {
		return nil, err
	}
	page, size, err := pageOf(q.Page, q.Size)
	if err != nil {
		return nil, err
	}
	req := bleve.NewSearchRequestOptions(bq, size, (page-1)*size, false)
	req.Fields = []string{fStored}
	if w.empty() && strings.TrimSpace(q.Text) == "" {
		req.Score = "none"
		req.SortBy([]string{fSigKey})
	} else {
		req.SortBy([]string{"-_score"}) // ties: index order; a sort key would cost a doc-value lookup per hit
	}
	if q.Facets {
		req.AddFacet(fFacet, bleve.NewFacetRequest(fFacet, 1<<30)) // all terms, split below
	}
	b, done, err := x.reader()
	if err != nil {
		return nil, err
	}
	defer done()
	res, err := b.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	out, err := x.results(res, page, size, q.Today)
	if err != nil {
		return nil, err
	}
	if !w.empty() {
		for i := range out.Hits {
			out.Hits[i].Fragments = x.highlight(out.Hits[i].Unit, w)
		}
	}
	if q.Facets {
		if out.Facets, err = x.facets(ctx, b, res.Facets, q.Today); err != nil {
			return nil, err
		}
		// Open or closed today: counted by running the query once more
		// with the release filter and without scoring, which costs less
		// than a numeric facet (a doc-value lookup per hit).
		open := bleve.NewBooleanQuery()
		open.AddMust(bq)
		open.AddFilter(rangeQuery(fRelease, nil, &today, false, true))
		creq := bleve.NewSearchRequestOptions(open, 0, 0, false)
		creq.Score = "none"
		cres, err := b.SearchInContext(ctx, creq)
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		out.Facets.Open = min(int(cres.Total), out.Total)
		out.Facets.Closed = out.Total - out.Facets.Open
	}
	return out, nil
}

// results makes the public hits of a bleve result.
func (x *Index) results(res *bleve.SearchResult, page, size int, today string) (*Results, error) {
	out := &Results{Total: int(res.Total), Page: page, Size: size, Hits: make([]Hit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		raw, ok := h.Fields[fStored].(string)
		if !ok {
			return nil, fmt.Errorf("search: %s: stored unit missing", h.ID)
		}
		hit, err := publicHit([]byte(raw), today)
		if err != nil {
			return nil, err
		}
		out.Hits = append(out.Hits, hit)
	}
	return out, nil
}

// facets converts bleve's facet results; Bestand labels are the public
// titles of the Bestand units.
func (x *Index) facets(ctx context.Context, b bleve.Index, fr search.FacetResults, today string) (*Facets, error) {
	f := &Facets{}
	if r := fr[fFacet]; r != nil && r.Terms != nil {
		for _, t := range r.Terms.Terms() { // by count, descending
			v := FacetValue{Count: t.Count}
			var ok bool
			if v.Value, ok = strings.CutPrefix(t.Term, facetBestand); ok && len(f.Bestand) < FacetBestandSize {
				f.Bestand = append(f.Bestand, v)
			} else if v.Value, ok = strings.CutPrefix(t.Term, facetLevel); ok && len(f.Level) < FacetLevelSize {
				f.Level = append(f.Level, v)
			} else if v.Value, ok = strings.CutPrefix(t.Term, facetDecade); ok && len(f.Decade) < FacetDecadeSize {
				f.Decade = append(f.Decade, v)
			}
		}
	}
	slices.SortFunc(f.Decade, func(a, b FacetValue) int {
		ai, _ := strconv.Atoi(a.Value)
		bi, _ := strconv.Atoi(b.Value)
		return ai - bi
	})
	if len(f.Bestand) > 0 {
		ids := make([]string, len(f.Bestand))
		for i, v := range f.Bestand {
			ids[i] = v.Value
		}
		req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
		req.Fields = []string{fStored}
		req.Score = "none"
		res, err := b.SearchInContext(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("search: Bestand labels: %w", err)
		}
		labels, err := x.results(res, 1, len(ids), today)
		if err != nil {
			return nil, err
		}
		for _, h := range labels.Hits {
			for i := range f.Bestand {
				if f.Bestand[i].Value == h.Unit.ID {
					f.Bestand[i].Label = h.Unit.Title
				}
			}
		}
	}
	return f, nil
}
