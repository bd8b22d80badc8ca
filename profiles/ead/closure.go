package ead

import (
	"regexp"
	"strings"
)

// facts are the closure facts an accessrestrict states.
type facts struct {
	personal, secrecy bool
	// until is the last day of a closure the finding aid states
	// (YYYY-MM-DD), the latest if it states several.
	until string
}

var (
	personalRE = regexp.MustCompile(`personenbezogen|personenbezug|personenschutzfrist|schutzfrist\s+(für\s+)?personen|` +
		`abs\.?\s*1\s+satz\s+2\s+nr\.?\s*3|§\s*11\s+abs\.?\s*2\s+barchg|personal nature|personal data|personal information|privacy`)
	secrecyRE = regexp.MustCompile(`geheimhaltung|geheimnis|verschlusssache|verschlußsache|abs\.?\s*1\s+satz\s+2\s+nr\.?\s*2|§\s*11\s+abs\.?\s*3\s+barchg`)
	// untilRE: "gesperrt bis 31.12.2030", "Sperrfrist bis 2030",
	// "Schutzfrist endet am 31.12.2030", "restricted until 2025".
	untilRE = regexp.MustCompile(`(gesperrt|sperrfrist|schutzfrist|sperrvermerk|sperre|closed|restricted|embargo)[^.;\n]{0,60}?\b(bis|until|till|through|endet am|ends on)\s+(zum\s+|einschließlich\s+|ende\s+|end of\s+)?` + dateAlt)
	// fromRE: "frei ab 1.1.2031", "zugänglich ab 2031", "open from 2031".
	fromRE  = regexp.MustCompile(`(frei|zugänglich|benutzbar|einsehbar|open|available)[^.;\n]{0,40}?\b(ab|from)\s+(dem\s+)?` + dateAlt)
	dateAlt = `([0-9]{1,2}\.\s?[0-9]{1,2}\.\s?[0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4})`
)

// restrictions reads the closure facts stated in accessrestrict elements:
//   - person-related (personenbezogen, a personal closure period named,
//     "Schutzfrist Personen" in a chronology): personal;
//   - a secrecy rule named: secrecy;
//   - an end of a closure ("gesperrt bis 31.12.2030", "frei ab 2031", a
//     chronitem date whose event names a Schutzfrist or Sperrfrist): until,
//     the last day closed. A year stands for its last day (closed through
//     31 December), a release year or day for the day before it.
//
// The facts are what the finding aid says; magazin computes the closure
// from them and from the Laufzeit, and a stated end can only make it
// longer (preservation.ClosureFacts.Until).
func restrictions(ar []*node) facts {
	var f facts
	later := func(d string) {
		if d != "" && d > f.until {
			f.until = d
		}
	}
	for _, a := range ar {
		text := strings.ToLower(textOf(a))
		if personalRE.MatchString(text) {
			f.personal = true
		}
		if secrecyRE.MatchString(text) {
			f.secrecy = true
		}
		for _, ci := range descendants(a, "chronitem") {
			ev := strings.ToLower(textOf(ci.child("event")) + " " + textOf(ci.child("eventgrp")))
			if !strings.Contains(ev, "frist") && !strings.Contains(ev, "sperr") && !strings.Contains(ev, "closed") && !strings.Contains(ev, "restrict") {
				continue
			}
			if strings.Contains(ev, "person") {
				f.personal = true
			}
			date := ci.child("date")
			d := normalDate(date.attr("normal"))
			if d == "" {
				d, _ = statedDate(textOf(date))
			}
			later(lastDay(d))
		}
		for _, m := range untilRE.FindAllStringSubmatch(text, -1) {
			if d, ok := statedDate(m[len(m)-1]); ok {
				later(lastDay(d))
			}
		}
		for _, m := range fromRE.FindAllStringSubmatch(text, -1) {
			if d, ok := statedDate(m[len(m)-1]); ok {
				later(dayBefore(firstDay(d)))
			}
		}
	}
	return f
}

// statedDate reads one date of a restriction: 31.12.2030, 2030-12-31 or
// 2030.
func statedDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if iso, ok := isoDate(s); ok {
		return iso, true
	}
	if from, to, ok := textRange(s); ok && from == to {
		return from, true
	}
	return "", false
}

// dayBefore returns the day before an ISO day YYYY-MM-DD.
func dayBefore(d string) string {
	if len(d) != 10 {
		return ""
	}
	y, m, day := atoi(d[:4]), atoi(d[5:7]), atoi(d[8:])
	day--
	if day == 0 {
		m--
		if m == 0 {
			m, y = 12, y-1
		}
		if y < 1 {
			return ""
		}
		day = daysIn(y, m)
	}
	return pad4(y) + "-" + pad2(itoa(m)) + "-" + pad2(itoa(day))
}
