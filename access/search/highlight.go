package search

import (
	"html"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/magazin-archiv/magazin/preservation"
)

// Fragment is a piece of one field of a hit's public view with the query's
// words marked. Fragments are made only from the public view (the output of
// closure.Public), never from what the index holds, so they cannot show
// what the view hides.
type Fragment struct {
	// Field is "title", "scope", "persons", "places", "subjects",
	// "sourceRef" or "provenance".
	Field string
	// Text is the field's value, or for a long value a window of it around
	// the first mark, with "…" where it was cut.
	Text string
	// Marks are the byte ranges of Text that matched, ascending.
	Marks []Span
}

// Span is the byte range [Start, End).
type Span struct{ Start, End int }

// HTML returns Text escaped for HTML with the marks in <mark> elements.
func (f Fragment) HTML() string {
	var b strings.Builder
	at := 0
	for _, m := range f.Marks {
		b.WriteString(html.EscapeString(f.Text[at:m.Start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(f.Text[m.Start:m.End]))
		b.WriteString("</mark>")
		at = m.End
	}
	b.WriteString(html.EscapeString(f.Text[at:]))
	return b.String()
}

// fragmentWindow is the longest fragment in bytes; longer values are cut
// around their first mark, fragmentLead bytes before it.
const (
	fragmentWindow = 240
	fragmentLead   = 60
)

// highlight marks the words w in the fields of u, which must be a public
// view. It analyses each value as the index does, so a mark is exactly a
// word that the query matches.
func (x *Index) highlight(u preservation.Unit, w words) []Fragment {
	names := make([]string, 0, len(u.Persons))
	for _, p := range u.Persons {
		names = append(names, p.Name)
	}
	fields := []struct {
		name   string
		values []string
	}{
		{"title", []string{u.Title}},
		{"scope", []string{u.Scope}},
		{"persons", names},
		{"places", u.Places},
		{"subjects", u.Subjects},
		{"sourceRef", []string{u.SourceRef}},
		{"provenance", []string{u.Provenance}},
	}
	var out []Fragment
	for _, f := range fields {
		for _, v := range f.values {
			if v == "" {
				continue
			}
			if fr, ok := x.mark(f.name, v, w); ok {
				out = append(out, fr)
			}
		}
	}
	return out
}

func (x *Index) mark(field, v string, w words) (Fragment, bool) {
	var marks []Span
	for _, t := range x.german.Analyze([]byte(v)) {
		term := string(t.Term)
		if slices.ContainsFunc(w, func(w word) bool { return w.matches(term) }) {
			marks = append(marks, Span{t.Start, t.End})
		}
	}
	if len(marks) == 0 {
		return Fragment{}, false
	}
	if len(v) <= fragmentWindow {
		return Fragment{Field: field, Text: v, Marks: marks}, true
	}
	start := max(0, marks[0].Start-fragmentLead)
	if start > 0 {
		// begin at a word: after the last space before start, if near
		if i := strings.LastIndexByte(v[:start], ' '); i >= 0 && start-i < 20 {
			start = i + 1
		}
		for start < len(v) && !utf8.RuneStart(v[start]) {
			start++
		}
	}
	end := min(len(v), start+fragmentWindow)
	if end < len(v) {
		if i := strings.LastIndexByte(v[start:end], ' '); i > fragmentWindow/2 {
			end = start + i
		}
		for end > start && !utf8.RuneStart(v[end]) {
			end--
		}
	}
	var b strings.Builder
	shift := -start
	if start > 0 {
		b.WriteString("…")
		shift += len("…")
	}
	b.WriteString(v[start:end])
	if end < len(v) {
		b.WriteString("…")
	}
	fr := Fragment{Field: field, Text: b.String()}
	for _, m := range marks {
		if m.Start >= start && m.End <= end {
			fr.Marks = append(fr.Marks, Span{m.Start + shift, m.End + shift})
		}
	}
	return fr, true
}
