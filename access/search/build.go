package search

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/magazin-archiv/magazin/access/closure"
	"github.com/magazin-archiv/magazin/preservation"
)

// Doc is what the index takes for one unit of description.
type Doc struct {
	// Unit carries the effective closure facts (after inheritance) in
	// Unit.Closure: the index decides what to hide with closure.Public.
	Unit preservation.Unit `json:"unit"`
	// Release is the day the unit opens (YYYY-MM-DD, the result of the
	// closure engine, after decisions); "" means open.
	Release string `json:"release,omitempty"`
	// Ancestors are the ids of the unit's ancestors, root first, parent last.
	Ancestors []string `json:"ancestors,omitempty"`
	// BestandTitle is the title of the unit's Bestand, searchable with it.
	BestandTitle string `json:"bestandTitle,omitempty"`
}

// beforeAllDays is earlier than every valid release date: closure.Public
// with it as today returns the view of a unit while it is closed.
const beforeAllDays = "0000-00-00"

// unitText lists the descriptive text of u that the index searches, by
// the unit field it comes from and the index field it goes into.
func unitText(u preservation.Unit) []struct {
	field  string
	values []string
} {
	names := make([]string, 0, len(u.Persons))
	for _, p := range u.Persons {
		if p.Name != "" {
			names = append(names, p.Name)
		}
	}
	one := func(s string) []string {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	return []struct {
		field  string
		values []string
	}{
		{fTitle, one(u.Title)},
		{fText, one(u.Scope)},
		{fText, names},
		{fText, u.Places},
		{fText, u.Subjects},
		{fText, one(u.SourceRef)},
		{fText, one(u.Provenance)},
	}
}

// fields turns d into the field values bleve indexes. Which text is public
// is decided by closure.Public, the one policy function: what the closed
// view of the unit shows goes into the public fields, what it hides into
// the restricted ones. Structural fields (signature, level, Bestand,
// Laufzeit, parent) come from the closed view too, so should the policy
// ever hide one of them, the index will not reveal it either.
func (d Doc) fields() (map[string]any, error) {
	u := d.Unit
	if u.ID == "" {
		return nil, fmt.Errorf("search: unit without id")
	}
	rel := 0
	view := u
	if d.Release != "" {
		var ok bool
		if rel, ok = parseDay(d.Release); !ok {
			return nil, fmt.Errorf("search: unit %s: release %q is not YYYY-MM-DD", u.ID, d.Release)
		}
		view, _ = closure.Public(u, d.Release, beforeAllDays)
	}
	stored, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("search: encode %s: %w", u.ID, err)
	}

	f := map[string]any{
		fStored:  string(stored),
		fRelease: float64(rel),
	}
	// Each piece of text the closed view shows is public; a piece it hides
	// or changes goes whole into the restricted twin of its field.
	text := map[string][]string{}
	full, shown := unitText(u), unitText(view)
	for i, t := range full {
		if s := shown[i].values; slices.Equal(t.values, s) {
			text[t.field] = append(text[t.field], t.values...)
		} else {
			text[t.field] = append(text[t.field], s...)
			text[restrictedPrefix+t.field] = append(text[restrictedPrefix+t.field], t.values...)
		}
	}
	if d.BestandTitle != "" {
		text[fText] = append(text[fText], d.BestandTitle)
	}
	for k, v := range text {
		if len(v) > 0 {
			f[k] = v
			if strings.HasPrefix(k, restrictedPrefix) {
				f[fRRelease] = float64(rel)
			}
		}
	}

	if view.Parent != "" {
		f[fParent] = view.Parent
	}
	if len(d.Ancestors) > 0 {
		f[fAncestors] = d.Ancestors
	}
	var facets []string
	if view.Level != "" {
		facets = append(facets, facetLevel+view.Level)
	}
	if view.Bestand != "" {
		facets = append(facets, facetBestand+view.Bestand)
	}
	sig := normSignatur(view.Signatur)
	if sig != "" {
		f[fSignatur] = sig
		f[fSigPre] = sig
	}
	// Both sort keys end with the id, so that they are unique and no sort
	// needs bleve's _id (which costs a stored-field lookup per match).
	sk := sortKey(sig) + "\x00" + u.ID
	f[fSigKey] = sk
	f[fChildKey] = orderKey(view.Order) + sk
	if view.Parent != "" {
		f[fChildPos] = childPos(view.Parent, f[fChildKey].(string))
	}
	if lo, hi, ok := laufzeit(view.From, view.To); ok {
		f[fFrom] = float64(lo)
		f[fTo] = float64(hi)
		for _, d := range decades(lo/10000, hi/10000) {
			facets = append(facets, facetDecade+d)
		}
	}
	if len(facets) > 0 {
		f[fFacet] = facets
	}
	return f, nil
}

// parseDay parses a YYYY-MM-DD date into the number yyyymmdd.
func parseDay(s string) (int, bool) {
	if len(s) != 10 {
		return 0, false
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	return t.Year()*10000 + int(t.Month())*100 + t.Day(), true
}

// bounds returns the first and last day (yyyymmdd) a Laufzeit date of the
// form YYYY, YYYY-MM or YYYY-MM-DD stands for.
func bounds(s string) (lo, hi int, ok bool) {
	switch len(s) {
	case 4:
		y, err := strconv.Atoi(s)
		if err != nil || y < 0 {
			return 0, 0, false
		}
		return y*10000 + 101, y*10000 + 1231, true
	case 7:
		t, err := time.Parse("2006-01", s)
		if err != nil {
			return 0, 0, false
		}
		n := t.Year()*10000 + int(t.Month())*100
		last := t.AddDate(0, 1, -1).Day()
		return n + 1, n + last, true
	case 10:
		n, ok := parseDay(s)
		return n, n, ok
	}
	return 0, 0, false
}

// laufzeit returns the day range of a Laufzeit; a missing end takes the
// other end's bounds.
func laufzeit(from, to string) (lo, hi int, ok bool) {
	flo, fhi, fok := bounds(from)
	tlo, thi, tok := bounds(to)
	switch {
	case fok && tok:
		if thi < flo {
			return 0, 0, false
		}
		return flo, thi, true
	case fok:
		return flo, fhi, true
	case tok:
		return tlo, thi, true
	}
	return 0, 0, false
}

// maxDecades bounds the decade terms of one unit (a Laufzeit 1500–2020 has
// 53); a wider range is cut at its end.
const maxDecades = 100

// decades returns the decades ("1950", …) the years from..to touch.
func decades(from, to int) []string {
	first, last := from/10*10, to/10*10
	if (last-first)/10 >= maxDecades {
		first = last - 10*(maxDecades-1)
	}
	var out []string
	for d := first; d <= last; d += 10 {
		out = append(out, strconv.Itoa(d))
	}
	return out
}

// normSignatur trims a signature and collapses its inner white space.
func normSignatur(s string) string { return strings.Join(strings.Fields(s), " ") }

// sortKey is a natural sort key of a signature: lowercased, each run of
// digits written as its length (two digits) and its value without leading
// zeros, so that "Nr. 9" sorts before "Nr. 10".
func sortKey(sig string) string {
	var b strings.Builder
	s := strings.ToLower(sig)
	for i := 0; i < len(s); {
		if c := s[i]; c < '0' || c > '9' {
			b.WriteByte(c)
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		run := strings.TrimLeft(s[i:j], "0")
		if run == "" {
			run = "0"
		}
		if len(run) > 99 {
			run = run[:99]
		}
		fmt.Fprintf(&b, "%02d%s", len(run), run)
		i = j
	}
	return b.String()
}

// orderKey writes a sibling order as 16 hex digits that sort like the int.
func orderKey(order int) string {
	return fmt.Sprintf("%016x", uint64(int64(order))^(1<<63))
}
