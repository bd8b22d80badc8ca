package ead

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
)

// laufzeit reads the unit's dates: unitdate/@normal (or the date's text),
// EAD3 unitdatestructured; the first that is not a "bulk" date.
func (p *parser) laufzeit(u *rawUnit, did *node, v *preservation.Unit, add func(string, string)) {
	var dates []*node
	dates = append(dates, did.children("unitdate")...)
	dates = append(dates, did.children("unitdatestructured")...)
	if len(dates) == 0 {
		for _, t := range did.children("unittitle") {
			dates = append(dates, t.children("unitdate")...)
		}
	}
	if len(dates) == 0 {
		return
	}
	d := dates[0]
	for _, c := range dates {
		t := strings.ToLower(c.attr("type") + c.attr("unitdatetype"))
		if t != "bulk" {
			d = c
			break
		}
	}
	text := textOf(d)
	var from, to string
	if d.name == "unitdatestructured" {
		from, to = structuredDates(d)
		if from != "" {
			text = ""
		}
	} else if normal := d.attr("normal"); normal != "" {
		var ok bool
		if from, to, ok = normalRange(normal); !ok {
			p.fa.Problems = append(p.fa.Problems, problem(preservation.SeverityWarning, CodeDate, u.cid,
				"unitdate/@normal %q is no ISO 8601 date or range: the Laufzeit is read from the text %q", normal, text))
		}
	}
	if from == "" && text != "" {
		from, to, _ = textRange(text)
	}
	v.From, v.To = from, to
	if text != "" && text != preservation.Laufzeit(from, to) {
		add(ExtraUnitdate, text)
	}
}

// structuredDates reads EAD3 daterange, datesingle and dateset.
func structuredDates(d *node) (from, to string) {
	var all []string
	one := func(n *node, last bool) {
		if n == nil {
			return
		}
		for _, s := range []string{n.attr("standarddate"), n.attr("notbefore"), n.attr("notafter"), textOf(n)} {
			if iso, ok := isoDate(s); ok {
				all = append(all, iso)
				return
			}
			if f, t, ok := textRange(s); ok {
				if last {
					all = append(all, t)
				} else {
					all = append(all, f)
				}
				return
			}
		}
	}
	for _, r := range descendants(d, "daterange") {
		one(r.child("fromdate"), false)
		one(r.child("todate"), true)
	}
	for _, s := range descendants(d, "datesingle") {
		one(s, false)
	}
	for _, s := range all {
		if from == "" || firstDay(s) < firstDay(from) {
			from = s
		}
		if to == "" || lastDay(s) > lastDay(to) {
			to = s
		}
	}
	return from, to
}

// normalRange parses an ISO 8601 date or range as EAD(DDB) allows it in
// @normal: YYYY, YYYY-MM, YYYY-MM-DD, YYYYMMDD, and two of them joined by
// "/" (spaces around it are tolerated). A time after a "T" is dropped.
//
// Several dates or ranges separated by commas (the Archives nationales
// write "1846-01-01/1846-12-31,1898-01-01/1932-12-31") give the earliest
// and the latest day.
func normalRange(s string) (from, to string, ok bool) {
	if strings.Contains(s, ",") {
		for _, part := range strings.Split(s, ",") {
			f, t, ok := normalRange(part)
			if !ok {
				return "", "", false
			}
			if from == "" || firstDay(f) < firstDay(from) {
				from = f
			}
			if to == "" || lastDay(t) > lastDay(to) {
				to = t
			}
		}
		return from, to, from != ""
	}
	a, b, isRange := strings.Cut(strings.TrimSpace(s), "/")
	from, ok1 := isoDate(a)
	to, ok2 := from, true
	if isRange {
		to, ok2 = isoDate(b)
	}
	if !ok1 || !ok2 || firstDay(from) > lastDay(to) {
		return "", "", false
	}
	return from, to, true
}

// normalDate returns the ISO date of a single @normal, or "".
func normalDate(s string) string {
	d, ok := isoDate(s)
	if !ok {
		return ""
	}
	return d
}

var compactRE = regexp.MustCompile(`^([0-9]{4})([0-9]{2})?([0-9]{2})?$`)
var isoRE = regexp.MustCompile(`^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$`)

// isoDate checks and normalises one date to YYYY, YYYY-MM or YYYY-MM-DD.
func isoDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, 'T'); i > 0 {
		s = s[:i]
	}
	m := isoRE.FindStringSubmatch(s)
	if m == nil {
		m = compactRE.FindStringSubmatch(s)
	}
	if m == nil {
		return "", false
	}
	y, _ := strconv.Atoi(m[1])
	if y < 1 {
		return "", false
	}
	if m[2] == "" {
		return m[1], true
	}
	mo, _ := strconv.Atoi(m[2])
	if mo < 1 || mo > 12 {
		return "", false
	}
	if m[3] == "" {
		return m[1] + "-" + m[2], true
	}
	d, _ := strconv.Atoi(m[3])
	if d < 1 || d > daysIn(y, mo) {
		return "", false
	}
	return m[1] + "-" + m[2] + "-" + m[3], true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// firstDay and lastDay return the first and last day an ISO date of any
// precision stands for, as YYYY-MM-DD (comparable as strings).
func firstDay(s string) string {
	switch len(s) {
	case 4:
		return s + "-01-01"
	case 7:
		return s + "-01"
	}
	return s
}

func lastDay(s string) string {
	switch len(s) {
	case 4:
		return s + "-12-31"
	case 7:
		y, _ := strconv.Atoi(s[:4])
		m, _ := strconv.Atoi(s[5:])
		return fmt.Sprintf("%s-%02d", s, daysIn(y, m))
	}
	return s
}

// dateTokenRE finds dates in free text: 31.12.1950, 1950-12-31, 12.1950,
// 1950-60 (a short range), 1950.
var dateTokenRE = regexp.MustCompile(`\b([0-9]{1,2})\.\s?([0-9]{1,2})\.\s?([0-9]{4})\b|\b([0-9]{4})-([0-9]{2})-([0-9]{2})\b|\b([0-9]{1,2})\.([0-9]{4})\b|\b([0-9]{4})\s?[-–/]\s?([0-9]{2})\b|\b([0-9]{4})\b`)

// textRange reads a Laufzeit from text such as "1950-1960",
// "12.03.1950 - 4.5.1960", "1950–60", "ca. 1900": the earliest and the
// latest date found. Years outside 1000–2999 are not taken as years.
func textRange(s string) (from, to string, ok bool) {
	var found []string
	for _, m := range dateTokenRE.FindAllStringSubmatch(s, 16) {
		var d string
		switch {
		case m[3] != "":
			d = m[3] + "-" + pad2(m[2]) + "-" + pad2(m[1])
		case m[4] != "":
			d = m[4] + "-" + m[5] + "-" + m[6]
		case m[8] != "":
			d = m[8] + "-" + pad2(m[7])
		case m[9] != "":
			y, _ := strconv.Atoi(m[9])
			yy, _ := strconv.Atoi(m[10])
			end := y/100*100 + yy
			if y < 1000 || y > 2999 {
				continue
			}
			if end >= y {
				found = append(found, m[9], strconv.Itoa(end))
			} else {
				found = append(found, m[9])
			}
			continue
		default:
			y, _ := strconv.Atoi(m[11])
			if y < 1000 || y > 2999 {
				continue
			}
			d = m[11]
		}
		if iso, ok := isoDate(d); ok {
			found = append(found, iso)
		}
	}
	for _, d := range found {
		if from == "" || firstDay(d) < firstDay(from) {
			from = d
		}
		if to == "" || lastDay(d) > lastDay(to) {
			to = d
		}
	}
	return from, to, from != ""
}

func pad2(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func itoa(n int) string { return strconv.Itoa(n) }

func pad4(n int) string { return fmt.Sprintf("%04d", n) }
