package closure

import (
	"strconv"

	"github.com/magazin-archiv/magazin/preservation"
)

// Effective returns the closure facts of the last unit of chain, the path
// from a root of the Tektonik down to the unit (root first), after
// inheritance. Calc takes its result.
//
// Facts inherit down the hierarchy, and a document is never more open
// than the unit it belongs to:
//   - Personal, Secrecy: true if true on the unit or on any ancestor.
//   - GDR, Published: true if true on the unit or on any ancestor. They
//     open records, so a Dokument (LevelDokument) takes them from its unit
//     and its own flags do not count.
//   - Persons: the persons of the unit and of all its ancestors (identical
//     entries once). More persons can only close longer.
//   - Created: the unit's own (Closure.Created, else the end of its
//     Laufzeit To), else the nearest ancestor's. A Dokument takes the later
//     of its own and its unit's, so that it never opens before its unit.
//     Units of other levels count from their own date (BArchG § 1 Nr. 5
//     counts creation per Vorgang).
//   - Granularity: the unit's own, else the nearest ancestor's; a Dokument
//     keeps "year" from its unit (a "day" of its own would open it
//     earlier).
//   - Until: the latest of the unit's and all its ancestors' (a stated
//     closure of a Bestand holds for everything in it).
//
// A Laufzeit end given as YYYY or YYYY-MM stands for its last day
// (2018 → 2018-12-31, 2018-02 → 2018-02-28): the latest day it can mean.
// A malformed date is passed on unchanged, so that Calc refuses it rather
// than the unit opening on a guess.
func Effective(chain []preservation.Unit) preservation.ClosureFacts {
	var f preservation.ClosureFacts
	// The opening facts of the nearest unit above the documents.
	var unitPublished, unitGDR bool
	for _, u := range chain {
		c := u.Closure
		doc := u.Level == preservation.LevelDokument
		f.Personal = f.Personal || c.Personal
		f.Secrecy = f.Secrecy || c.Secrecy
		if doc {
			f.Published, f.GDR = unitPublished, unitGDR
		} else {
			f.Published = f.Published || c.Published
			f.GDR = f.GDR || c.GDR
			unitPublished, unitGDR = f.Published, f.GDR
		}
		for _, p := range c.Persons {
			if !containsPerson(f.Persons, p) {
				f.Persons = append(f.Persons, p)
			}
		}
		own := c.Created
		if own == "" {
			own = lastDayOf(u.To)
		}
		switch {
		case own == "":
		case doc && f.Created != "":
			f.Created = laterDate(f.Created, own)
		default:
			f.Created = own
		}
		if c.Until != "" {
			if f.Until == "" {
				f.Until = c.Until
			} else {
				f.Until = laterDate(f.Until, c.Until)
			}
		}
		switch {
		case c.Granularity == "":
		case doc && f.Granularity == GranularityYear:
		default:
			f.Granularity = c.Granularity
		}
	}
	return f
}

func containsPerson(ps []preservation.Person, p preservation.Person) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

// lastDayOf returns the last day a Laufzeit date YYYY, YYYY-MM or
// YYYY-MM-DD stands for, or s unchanged if it is none of these.
func lastDayOf(s string) string {
	switch {
	case len(s) == 4 && digits(s):
		y, _ := strconv.Atoi(s)
		if y < 1 {
			return s
		}
		return Date{y, 12, 31}.String()
	case len(s) == 7 && s[4] == '-' && digits(s[:4]) && digits(s[5:]):
		y, _ := strconv.Atoi(s[:4])
		m, _ := strconv.Atoi(s[5:])
		if y < 1 || m < 1 || m > 12 {
			return s
		}
		return Date{y, m, daysIn(y, m)}.String()
	}
	return s
}

// laterDate returns the later of two dates; a malformed one wins, so that
// Calc refuses it.
func laterDate(a, b string) string {
	da, errA := ParseDate(a)
	if errA != nil {
		return a
	}
	db, errB := ParseDate(b)
	if errB != nil || db.After(da) {
		return b
	}
	return a
}
