package closure

import (
	"fmt"
	"strconv"
)

// Date is a civil date of the proleptic Gregorian calendar: a day, without
// time of day or time zone. Closure periods are counted in whole days
// (BGB § 187, § 188), so no instant and no zone ever enters the
// computation. The zero Date is invalid; valid dates lie in the years
// 1 to 9999.
type Date struct {
	y, m, d int
}

// minDate and maxDate are the first and the last valid Date.
var (
	minDate = Date{1, 1, 1}
	maxDate = Date{9999, 12, 31}
)

// NewDate returns the date year-month-day, or an error if there is no such
// day (2023-02-29, month 13, year 0).
func NewDate(year, month, day int) (Date, error) {
	if year < 1 || year > 9999 {
		return Date{}, fmt.Errorf("year %d is outside 1–9999", year)
	}
	if month < 1 || month > 12 {
		return Date{}, fmt.Errorf("there is no month %d", month)
	}
	if n := daysIn(year, month); day < 1 || day > n {
		return Date{}, fmt.Errorf("%s %d has %d days, not %d", monthNames[month-1], year, n, day)
	}
	return Date{year, month, day}, nil
}

var monthNames = [12]string{"January", "February", "March", "April", "May", "June",
	"July", "August", "September", "October", "November", "December"}

// ParseDate parses a date of the form YYYY-MM-DD strictly: exactly four,
// two and two ASCII digits, and a day that exists (2023-02-29, 2024-13-01
// and 2024-04-31 are refused, so are 2024-1-01, " 2024-01-01" and
// 2024-01-01T00:00).
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s[0:4]) || !digits(s[5:7]) || !digits(s[8:10]) {
		return Date{}, fmt.Errorf("%q is not a date of the form YYYY-MM-DD", s)
	}
	y, _ := strconv.Atoi(s[0:4])
	m, _ := strconv.Atoi(s[5:7])
	d, _ := strconv.Atoi(s[8:10])
	t, err := NewDate(y, m, d)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date: %v", s, err)
	}
	return t, nil
}

// ParsePersonDate parses the birth or death date of a person: YYYY-MM-DD,
// or YYYY when only the year is known. Both laws ask for the year of death
// and of birth ("Todesjahr", "Geburtsjahr"; BArchG § 11 Abs. 2 says
// "Geburtstag" for the last fallback), so a year is enough to count from.
//
// A year-only date yields 31 December of that year, the latest day it can
// stand for, and yearOnly is true: a period counted from it never ends
// before the period counted from the exact date would. With granularity
// "year" this gives the usual practice exactly (death year + 10, opening
// on 1 January of the year after).
func ParsePersonDate(s string) (d Date, yearOnly bool, err error) {
	if len(s) == 4 && digits(s) {
		y, _ := strconv.Atoi(s)
		if y < 1 {
			return Date{}, false, fmt.Errorf("%q is not a year: there is no year 0", s)
		}
		return Date{y, 12, 31}, true, nil
	}
	d, err = ParseDate(s)
	if err != nil {
		return Date{}, false, fmt.Errorf("%q is not a date of the form YYYY-MM-DD or YYYY", s)
	}
	return d, false, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Year, Month and Day return the parts of the date.
func (t Date) Year() int  { return t.y }
func (t Date) Month() int { return t.m }
func (t Date) Day() int   { return t.d }

// IsZero reports whether t is the zero Date (no date).
func (t Date) IsZero() bool { return t == Date{} }

// String returns the date as YYYY-MM-DD, or "" for the zero Date.
func (t Date) String() string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", t.y, t.m, t.d)
}

// Compare returns -1, 0 or +1 as t is before, equal to or after u.
func (t Date) Compare(u Date) int {
	switch {
	case t.y != u.y:
		return cmpInt(t.y, u.y)
	case t.m != u.m:
		return cmpInt(t.m, u.m)
	default:
		return cmpInt(t.d, u.d)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether t is before u.
func (t Date) Before(u Date) bool { return t.Compare(u) < 0 }

// After reports whether t is after u.
func (t Date) After(u Date) bool { return t.Compare(u) > 0 }

// AddYears returns the day that corresponds by its date to t, n years
// later (or earlier for negative n): BGB § 188 Abs. 2. If that day does
// not exist in the final month (29 February in a common year), it returns
// the last day of that month: BGB § 188 Abs. 3. The result may lie outside
// the years 1–9999; check it with Valid.
func (t Date) AddYears(n int) Date {
	y := t.y + n
	d := t.d
	if n := daysIn(y, t.m); d > n {
		d = n
	}
	return Date{y, t.m, d}
}

// AddDays returns the date n days after t (before it for negative n).
func (t Date) AddDays(n int) Date {
	return fromDays(t.days() + n)
}

// Valid reports whether t is a day of the years 1–9999.
func (t Date) Valid() bool {
	_, err := NewDate(t.y, t.m, t.d)
	return err == nil
}

func leap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if leap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// days returns the number of days since 1970-01-01 (civil calendar
// algorithm of H. Hinnant, "chrono-compatible low-level date algorithms").
func (t Date) days() int {
	y, m, d := t.y, t.m, t.d
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func fromDays(z int) Date {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return Date{y, m, d}
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Granularities: how the end of a period becomes the day a unit opens.
const (
	// GranularityDay: the unit opens on the day after the period ends
	// (the period ends with the expiry of its last day, BGB § 188).
	GranularityDay = "day"
	// GranularityYear: the unit opens on 1 January of the year after the
	// one in which the period ends (release by whole years, as many
	// archives practise it).
	GranularityYear = "year"
)

// PeriodEnd returns the last day of a period of the given number of years
// that is set running by an event on the day event: the event day is not
// counted (BGB § 187 Abs. 1), and the period ends with the expiry of the
// day of the final year that corresponds by its date to the event day
// (§ 188 Abs. 2), or of the last day of the final month if that month has
// no such day (§ 188 Abs. 3: 29 February).
func PeriodEnd(event Date, years int) Date {
	return event.AddYears(years)
}

// ReleaseAfter returns the first day of use after a period that ends on
// end: the next day for GranularityDay, 1 January of the following year
// for GranularityYear. It returns an error for another granularity.
func ReleaseAfter(end Date, granularity string) (Date, error) {
	switch granularity {
	case GranularityDay:
		return end.AddDays(1), nil
	case GranularityYear:
		return Date{end.y + 1, 1, 1}, nil
	}
	return Date{}, fmt.Errorf("granularity %q: want %q or %q", granularity, GranularityDay, GranularityYear)
}
