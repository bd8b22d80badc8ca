package closure

import (
	"strings"
	"testing"
	"time"
)

func mustDate(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestParseDate(t *testing.T) {
	for _, s := range []string{"2024-02-29", "2000-02-29", "0001-01-01", "9999-12-31", "2023-12-31", "2018-07-24"} {
		d, err := ParseDate(s)
		if err != nil {
			t.Errorf("ParseDate(%q): %v", s, err)
			continue
		}
		if d.String() != s {
			t.Errorf("ParseDate(%q).String() = %q", s, d)
		}
	}
	for _, c := range []struct{ in, msg string }{
		{"2023-02-29", "February 2023 has 28 days"},
		{"1900-02-29", "February 1900 has 28 days"}, // century, not a leap year
		{"2024-02-30", "February 2024 has 29 days"},
		{"2024-04-31", "April 2024 has 30 days"},
		{"2024-13-01", "no month 13"},
		{"2024-00-10", "no month 0"},
		{"2024-01-00", "not 0"},
		{"0000-01-01", "year 0"},
		{"2024-1-01", "YYYY-MM-DD"},
		{"24-01-01", "YYYY-MM-DD"},
		{"2024-01-01T00:00", "YYYY-MM-DD"},
		{" 2024-01-01", "YYYY-MM-DD"},
		{"2024/01/01", "YYYY-MM-DD"},
		{"+024-01-01", "YYYY-MM-DD"},
		{"2024-0a-01", "YYYY-MM-DD"},
		{"24.07.2018", "YYYY-MM-DD"},
		{"2018", "YYYY-MM-DD"},
		{"", "YYYY-MM-DD"},
		{"２０２４-01-01", "YYYY-MM-DD"},
	} {
		_, err := ParseDate(c.in)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("ParseDate(%q) = %v, want an error saying %q", c.in, err, c.msg)
		}
	}
}

func TestParsePersonDate(t *testing.T) {
	for _, c := range []struct {
		in       string
		want     string
		yearOnly bool
	}{
		{"1950-03-01", "1950-03-01", false},
		{"1950", "1950-12-31", true}, // the latest day the year stands for
		{"2024", "2024-12-31", true},
	} {
		d, y, err := ParsePersonDate(c.in)
		if err != nil || d.String() != c.want || y != c.yearOnly {
			t.Errorf("ParsePersonDate(%q) = %s, %v, %v; want %s, %v", c.in, d, y, err, c.want, c.yearOnly)
		}
	}
	for _, in := range []string{"0000", "195", "19500", "1950-02", "1950-02-30", "ca. 1950", ""} {
		if _, _, err := ParsePersonDate(in); err == nil {
			t.Errorf("ParsePersonDate(%q): no error", in)
		}
	}
}

// TestAddYearsBGB188 checks the end of periods in years: BGB § 188 Abs. 2
// (the day corresponding by its date) and Abs. 3 (29 February → 28
// February in a common year).
func TestAddYearsBGB188(t *testing.T) {
	for _, c := range []struct {
		from  string
		years int
		want  string
	}{
		{"2018-07-24", 30, "2048-07-24"},
		{"2020-02-29", 30, "2050-02-28"},  // § 188 Abs. 3
		{"2020-02-29", 60, "2080-02-29"},  // leap year again: the day exists
		{"2020-02-29", 80, "2100-02-28"},  // 2100 is no leap year
		{"2000-02-29", 400, "2400-02-29"}, // 2400 is
		{"2019-02-28", 1, "2020-02-28"},   // not moved to the 29th
		{"2019-12-31", 30, "2049-12-31"},
		{"2020-02-29", -30, "1990-02-28"},
		{"1924-02-29", 100, "2024-02-29"},
	} {
		if got := mustDate(t, c.from).AddYears(c.years).String(); got != c.want {
			t.Errorf("%s + %d years = %s, want %s", c.from, c.years, got, c.want)
		}
	}
}

func TestPeriodEndAndRelease(t *testing.T) {
	for _, c := range []struct {
		event        string
		years        int
		end, day, yr string
	}{
		// BGB § 187 Abs. 1 with § 188 Abs. 2: created 24 July 2018, 30
		// years end on 24 July 2048; the unit opens the next day.
		{"2018-07-24", 30, "2048-07-24", "2048-07-25", "2049-01-01"},
		// § 188 Abs. 3: 29 February 2020 + 30 years ends 28 February 2050.
		{"2020-02-29", 30, "2050-02-28", "2050-03-01", "2051-01-01"},
		{"2020-02-29", 60, "2080-02-29", "2080-03-01", "2081-01-01"},
		// A period ending on 31 December opens on 1 January either way.
		{"2019-12-31", 30, "2049-12-31", "2050-01-01", "2050-01-01"},
		{"2019-01-01", 30, "2049-01-01", "2049-01-02", "2050-01-01"},
		{"2019-12-30", 30, "2049-12-30", "2049-12-31", "2050-01-01"},
	} {
		end := PeriodEnd(mustDate(t, c.event), c.years)
		day, err1 := ReleaseAfter(end, GranularityDay)
		yr, err2 := ReleaseAfter(end, GranularityYear)
		if end.String() != c.end || day.String() != c.day || yr.String() != c.yr || err1 != nil || err2 != nil {
			t.Errorf("%s + %d: end %s, day %s, year %s (%v, %v); want %s, %s, %s", c.event, c.years, end, day, yr, err1, err2, c.end, c.day, c.yr)
		}
	}
	if _, err := ReleaseAfter(mustDate(t, "2000-01-01"), "month"); err == nil {
		t.Error("ReleaseAfter with granularity month: no error")
	}
}

func TestAddDaysAgainstTime(t *testing.T) {
	start := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	d := minDate
	for i := 0; ; i += 97 {
		tm := start.AddDate(0, 0, i)
		if tm.Year() > 9999 {
			break
		}
		got := d.AddDays(i)
		if want := tm.Format(time.DateOnly); got.String() != want {
			t.Fatalf("0001-01-01 + %d days = %s, want %s", i, got, want)
		}
		if back := got.AddDays(-i); back != d {
			t.Fatalf("%s - %d days = %s", got, i, back)
		}
	}
	if got := mustDate(t, "2024-02-28").AddDays(1).String(); got != "2024-02-29" {
		t.Errorf("2024-02-28 + 1 = %s", got)
	}
	if got := mustDate(t, "2023-12-31").AddDays(1).String(); got != "2024-01-01" {
		t.Errorf("2023-12-31 + 1 = %s", got)
	}
}

func TestDateCompare(t *testing.T) {
	a, b := mustDate(t, "2020-02-29"), mustDate(t, "2020-03-01")
	if !a.Before(b) || b.Before(a) || !b.After(a) || a.Compare(a) != 0 || a.Compare(b) != -1 || b.Compare(a) != 1 {
		t.Error("Compare is wrong")
	}
	if (Date{}).String() != "" || !(Date{}).IsZero() || (Date{}).Valid() {
		t.Error("zero Date")
	}
	if d := mustDate(t, "2024-05-06"); d.Year() != 2024 || d.Month() != 5 || d.Day() != 6 {
		t.Error("parts")
	}
	if _, err := NewDate(2023, 2, 29); err == nil {
		t.Error("NewDate(2023, 2, 29): no error")
	}
	if maxDate.AddYears(1).Valid() {
		t.Error("10000-12-31 is valid")
	}
}

// FuzzParseDate checks ParseDate against the standard library's strict
// layout, and the round trip and the arithmetic of what it accepts.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2024-02-29", "2023-02-29", "2024-13-01", "0000-01-01", "9999-12-31", "2018", "2024-1-1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		tm, terr := time.Parse(time.DateOnly, s)
		// time.Parse also accepts year 0000; we do not.
		wantOK := terr == nil && tm.Year() >= 1 && tm.Format(time.DateOnly) == s
		if (err == nil) != wantOK {
			t.Fatalf("ParseDate(%q) err = %v, time.Parse err = %v", s, err, terr)
		}
		pd, yearOnly, perr := ParsePersonDate(s)
		if err == nil {
			if d.String() != s || !d.Valid() {
				t.Fatalf("ParseDate(%q) = %s", s, d)
			}
			if perr != nil || yearOnly || pd != d {
				t.Fatalf("ParsePersonDate(%q) = %s, %v, %v", s, pd, yearOnly, perr)
			}
			next := d.AddDays(1)
			if want := tm.AddDate(0, 0, 1).Format(time.DateOnly); d != maxDate && next.String() != want {
				t.Fatalf("%s + 1 day = %s, want %s", s, next, want)
			}
			for _, n := range []int{10, 30, 60, 100} {
				e := d.AddYears(n)
				if e.Year() <= 9999 && (!e.Valid() || e.Month() != d.Month() || e.Day() > d.Day() || e.Day() < d.Day()-1) {
					t.Fatalf("%s + %d years = %s", s, n, e)
				}
			}
			return
		}
		if perr == nil && !yearOnly {
			t.Fatalf("ParsePersonDate(%q) accepted a full date ParseDate refused", s)
		}
		if perr == nil && (len(s) != 4 || pd.Month() != 12 || pd.Day() != 31) {
			t.Fatalf("ParsePersonDate(%q) = %s", s, pd)
		}
	})
}
