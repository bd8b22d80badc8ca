package closure

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/preservation"
)

type pr struct{ rule, release string }

type calcCase struct {
	name      string // the paragraph the case checks comes first
	law       string
	f         preservation.ClosureFacts
	gran      string // default granularity
	release   string
	governing string
	periods   []pr
}

func person(name, birth, death string) preservation.Person {
	return preservation.Person{Name: name, Birth: birth, Death: death}
}

func persons(ps ...preservation.Person) []preservation.Person { return ps }

func runCalcCases(t *testing.T, cases []calcCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			law := c.law
			if law == "" {
				law = LawSaechsArchivG
			}
			gran := c.gran
			if gran == "" {
				gran = GranularityDay
			}
			res, err := Calc(law, c.f, gran)
			if err != nil {
				t.Fatalf("Calc: %v", err)
			}
			var got []pr
			for _, p := range res.Periods {
				got = append(got, pr{p.Rule, p.Release})
			}
			if res.Release != c.release || res.Governing != c.governing || fmt.Sprint(got) != fmt.Sprint(c.periods) {
				t.Errorf("got release %q governing %q periods %v\nwant release %q governing %q periods %v",
					res.Release, res.Governing, got, c.release, c.governing, c.periods)
			}
			if res.Periods == nil {
				t.Error("Periods is nil, want empty")
			}
			for _, p := range res.Periods {
				if p.Text == "" || p.Text != RuleText(p.Rule) {
					t.Errorf("period %s: text %q", p.Rule, p.Text)
				}
			}
		})
	}
}

// TestCalcSaechsArchivG derives its cases from § 10 SächsArchivG; each
// case names the provision it checks.
func TestCalcSaechsArchivG(t *testing.T) {
	created := func(d string) preservation.ClosureFacts { return preservation.ClosureFacts{Created: d} }
	personal := func(d string, ps ...preservation.Person) preservation.ClosureFacts {
		return preservation.ClosureFacts{Created: d, Personal: true, Persons: ps}
	}
	runCalcCases(t, []calcCase{
		// § 10 Abs. 1 Satz 2 Nr. 1: 30 years after creation.
		{name: "§10(1)S.2 Nr.1 general, created 2018-07-24 (x-man 0503)", f: created("2018-07-24"),
			release: "2048-07-25", governing: RuleSaechsGeneral, periods: []pr{{RuleSaechsGeneral, "2048-07-25"}}},
		{name: "§10(1)S.2 Nr.1 general, year granularity", f: created("2018-07-24"), gran: GranularityYear,
			release: "2049-01-01", governing: RuleSaechsGeneral, periods: []pr{{RuleSaechsGeneral, "2049-01-01"}}},
		{name: "§10(1)S.2 Nr.1 general, 29 February + 30 years (BGB 188(3))", f: created("2020-02-29"),
			release: "2050-03-01", governing: RuleSaechsGeneral, periods: []pr{{RuleSaechsGeneral, "2050-03-01"}}},
		{name: "§10(1)S.2 Nr.1 general, 29 February, year granularity", f: created("2020-02-29"), gran: GranularityYear,
			release: "2051-01-01", governing: RuleSaechsGeneral, periods: []pr{{RuleSaechsGeneral, "2051-01-01"}}},
		{name: "§10(1)S.2 Nr.1 general, created 31 December", f: created("2019-12-31"),
			release: "2050-01-01", governing: RuleSaechsGeneral, periods: []pr{{RuleSaechsGeneral, "2050-01-01"}}},
		{name: "§10(1)S.2 Nr.1 general, created 1 January, year granularity", f: created("2019-01-01"), gran: GranularityYear,
			release: "2050-01-01", governing: RuleSaechsGeneral, periods: []pr{{RuleSaechsGeneral, "2050-01-01"}}},
		{name: "§10(1)S.2 Nr.1 general, granularity of the facts wins over the default",
			f: preservation.ClosureFacts{Created: "2018-07-24", Granularity: GranularityYear}, gran: GranularityDay,
			release: "2049-01-01", governing: RuleSaechsGeneral, periods: []pr{{RuleSaechsGeneral, "2049-01-01"}}},
		{name: "§10(1)S.2 Nr.1 general, facts say day under a year default",
			f: preservation.ClosureFacts{Created: "2018-07-24", Granularity: GranularityDay}, gran: GranularityYear,
			release: "2048-07-25", governing: RuleSaechsGeneral, periods: []pr{{RuleSaechsGeneral, "2048-07-25"}}},

		// § 10 Abs. 1 Satz 2 Nr. 2: 60 years after creation under secrecy.
		{name: "§10(1)S.2 Nr.2 secrecy", f: preservation.ClosureFacts{Created: "2000-05-15", Secrecy: true},
			release: "2060-05-16", governing: RuleSaechsSecrecy,
			periods: []pr{{RuleSaechsGeneral, "2030-05-16"}, {RuleSaechsSecrecy, "2060-05-16"}}},
		{name: "§10(1)S.2 Nr.2 secrecy, 29 February + 60 years is a leap day", f: preservation.ClosureFacts{Created: "2020-02-29", Secrecy: true},
			release: "2080-03-01", governing: RuleSaechsSecrecy,
			periods: []pr{{RuleSaechsGeneral, "2050-03-01"}, {RuleSaechsSecrecy, "2080-03-01"}}},

		// § 10 Abs. 1 Satz 2 Nr. 3: person-related records.
		{name: "§10(1)S.2 Nr.3a death + 10 years governs", f: personal("2000-05-15", person("A", "", "2025-03-10")),
			release: "2035-03-11", governing: RuleSaechsDeath,
			periods: []pr{{RuleSaechsGeneral, "2030-05-16"}, {RuleSaechsDeath, "2035-03-11"}}},
		{name: "§10(1)S.2 Nr.3a death long ago: the general period governs", f: personal("2000-05-15", person("A", "", "1990-01-01")),
			release: "2030-05-16", governing: RuleSaechsGeneral,
			periods: []pr{{RuleSaechsGeneral, "2030-05-16"}, {RuleSaechsDeath, "2000-01-02"}}},
		{name: "§10(1)S.2 Nr.3a a known death comes before birth + 100", f: personal("1970-06-30", person("A", "1950-01-01", "1960-01-01")),
			release: "2000-07-01", governing: RuleSaechsGeneral,
			periods: []pr{{RuleSaechsGeneral, "2000-07-01"}, {RuleSaechsDeath, "1970-01-02"}}},
		{name: "§10(1)S.2 Nr.3a death on 29 February + 10 years (BGB 188(3))", f: personal("2000-01-10", person("A", "", "2024-02-29")),
			release: "2034-03-01", governing: RuleSaechsDeath,
			periods: []pr{{RuleSaechsGeneral, "2030-01-11"}, {RuleSaechsDeath, "2034-03-01"}}},
		{name: "§10(1)S.2 Nr.3a year of death only counts from 31 December", f: personal("1990-03-01", person("A", "", "2015")),
			release: "2026-01-01", governing: RuleSaechsDeath,
			periods: []pr{{RuleSaechsGeneral, "2020-03-02"}, {RuleSaechsDeath, "2026-01-01"}}},
		{name: "§10(1)S.2 Nr.3b birth + 100 years, person with only birth", f: personal("2000-05-15", person("A", "1950-06-30", "")),
			release: "2050-07-01", governing: RuleSaechsBirth,
			periods: []pr{{RuleSaechsGeneral, "2030-05-16"}, {RuleSaechsBirth, "2050-07-01"}}},
		{name: "§10(1)S.2 Nr.3b birth on 29 February 1924 + 100 years is a leap day", f: personal("1950-01-01", person("A", "1924-02-29", "")),
			release: "2024-03-01", governing: RuleSaechsBirth,
			periods: []pr{{RuleSaechsGeneral, "1980-01-02"}, {RuleSaechsBirth, "2024-03-01"}}},
		{name: "§10(1)S.2 Nr.3b year of birth only", f: personal("1990-03-01", person("A", "1930", "")),
			release: "2031-01-01", governing: RuleSaechsBirth,
			periods: []pr{{RuleSaechsGeneral, "2020-03-02"}, {RuleSaechsBirth, "2031-01-01"}}},
		{name: "§10(1)S.2 Nr.3c person with neither date: created + 60", f: personal("2000-05-15", person("A", "", "")),
			release: "2060-05-16", governing: RuleSaechsPersonCreated,
			periods: []pr{{RuleSaechsGeneral, "2030-05-16"}, {RuleSaechsPersonCreated, "2060-05-16"}}},
		{name: "§10(1)S.2 Nr.3c person-related without persons: created + 60", f: personal("2000-05-15"),
			release: "2060-05-16", governing: RuleSaechsPersonCreated,
			periods: []pr{{RuleSaechsGeneral, "2030-05-16"}, {RuleSaechsPersonCreated, "2060-05-16"}}},
		{name: "§10(1)S.2 Nr.3 several persons: the latest wins (birth)",
			f:       personal("2000-05-15", person("A", "", "2020-01-01"), person("B", "1960-01-01", ""), person("C", "", "2045-08-01")),
			release: "2060-01-02", governing: RuleSaechsBirth,
			periods: []pr{{RuleSaechsGeneral, "2030-05-16"}, {RuleSaechsBirth, "2060-01-02"}}},
		{name: "§10(1)S.2 Nr.3 several persons: the latest wins (death)",
			f:       personal("2000-05-15", person("A", "", "2020-01-01"), person("B", "1930-01-01", ""), person("C", "", "2045-08-01")),
			release: "2055-08-02", governing: RuleSaechsDeath,
			periods: []pr{{RuleSaechsGeneral, "2030-05-16"}, {RuleSaechsDeath, "2055-08-02"}}},
		{name: "§10(1)S.2 Nr.3 several persons: one without dates falls back to created + 60",
			f:       personal("2000-05-15", person("A", "", "2001-01-01"), person("B", "", "")),
			release: "2060-05-16", governing: RuleSaechsPersonCreated,
			periods: []pr{{RuleSaechsGeneral, "2030-05-16"}, {RuleSaechsPersonCreated, "2060-05-16"}}},
		{name: "§10(1)S.2 Nr.3 persons listed but not person-related: no personal period",
			f:       preservation.ClosureFacts{Created: "2000-05-15", Persons: persons(person("Minister", "1960-01-01", ""))},
			release: "2030-05-16", governing: RuleSaechsGeneral, periods: []pr{{RuleSaechsGeneral, "2030-05-16"}}},

		// Nr. 2 and Nr. 3 together.
		{name: "§10(1)S.2 Nr.2+3 secrecy with personal data: secrecy governs",
			f:       preservation.ClosureFacts{Created: "1995-03-01", Secrecy: true, Personal: true, Persons: persons(person("A", "", "2000-06-01"))},
			release: "2055-03-02", governing: RuleSaechsSecrecy,
			periods: []pr{{RuleSaechsGeneral, "2025-03-02"}, {RuleSaechsSecrecy, "2055-03-02"}, {RuleSaechsDeath, "2010-06-02"}}},
		{name: "§10(1)S.2 Nr.2+3 secrecy with personal data: birth + 100 governs",
			f:       preservation.ClosureFacts{Created: "1995-03-01", Secrecy: true, Personal: true, Persons: persons(person("A", "1990-01-01", ""))},
			release: "2090-01-02", governing: RuleSaechsBirth,
			periods: []pr{{RuleSaechsGeneral, "2025-03-02"}, {RuleSaechsSecrecy, "2055-03-02"}, {RuleSaechsBirth, "2090-01-02"}}},
		{name: "§10(1)S.2 Nr.2+3c tie: the personal period governs",
			f:       preservation.ClosureFacts{Created: "1995-03-01", Secrecy: true, Personal: true},
			release: "2055-03-02", governing: RuleSaechsPersonCreated,
			periods: []pr{{RuleSaechsGeneral, "2025-03-02"}, {RuleSaechsSecrecy, "2055-03-02"}, {RuleSaechsPersonCreated, "2055-03-02"}}},
		{name: "§10(1)S.2 Nr.1+2+3 year granularity: every release on 1 January",
			f:    preservation.ClosureFacts{Created: "2000-05-15", Secrecy: true, Personal: true, Persons: persons(person("A", "", "2040-02-29"))},
			gran: GranularityYear, release: "2061-01-01", governing: RuleSaechsSecrecy,
			periods: []pr{{RuleSaechsGeneral, "2031-01-01"}, {RuleSaechsSecrecy, "2061-01-01"}, {RuleSaechsDeath, "2051-01-01"}}},
		{name: "§10(1)S.2 Nr.1+3 year granularity tie: the period that ends later governs",
			f:    personal("2018-07-24", person("A", "", "2038-03-01")),
			gran: GranularityYear, release: "2049-01-01", governing: RuleSaechsGeneral,
			periods: []pr{{RuleSaechsGeneral, "2049-01-01"}, {RuleSaechsDeath, "2049-01-01"}}},

		// § 10 Abs. 2 Satz 2 with § 4 Abs. 2 Satz 2: GDR-era records.
		{name: "§10(2)S.2 GDR: no general period, open from the start", f: preservation.ClosureFacts{Created: "1989-06-30", GDR: true},
			release: "", governing: RuleSaechsGDR, periods: nil},
		{name: "§10(2)S.2 GDR: no secrecy period", f: preservation.ClosureFacts{Created: "1989-06-30", GDR: true, Secrecy: true},
			release: "", governing: RuleSaechsGDR, periods: nil},
		{name: "§10(2)S.2 GDR: the personal period still applies (death)",
			f:       preservation.ClosureFacts{Created: "1989-06-30", GDR: true, Secrecy: true, Personal: true, Persons: persons(person("A", "1920-01-01", "2000-01-01"))},
			release: "2010-01-02", governing: RuleSaechsDeath, periods: []pr{{RuleSaechsDeath, "2010-01-02"}}},
		{name: "§10(2)S.2 GDR: the personal period still applies (created + 60)",
			f:       preservation.ClosureFacts{Created: "1989-06-30", GDR: true, Personal: true},
			release: "2049-07-01", governing: RuleSaechsPersonCreated, periods: []pr{{RuleSaechsPersonCreated, "2049-07-01"}}},
		{name: "§10(2)S.2 GDR: personal period long run out, open",
			f:       preservation.ClosureFacts{Created: "1989-06-30", GDR: true, Personal: true, Persons: persons(person("A", "", "1990-01-01"))},
			release: "2000-01-02", governing: RuleSaechsDeath, periods: []pr{{RuleSaechsDeath, "2000-01-02"}}},

		// § 10 Abs. 2 Satz 1: intended for publication.
		{name: "§10(2)S.1 published: no period at all",
			f:       preservation.ClosureFacts{Created: "2018-07-24", Published: true, Secrecy: true, Personal: true, Persons: persons(person("A", "1990", ""))},
			release: "", governing: RuleSaechsPublished, periods: nil},
		{name: "§10(2)S.1 published GDR record", f: preservation.ClosureFacts{Created: "1989-06-30", Published: true, GDR: true, Personal: true},
			release: "", governing: RuleSaechsPublished, periods: nil},
	})
}

// TestCalcBArchG derives its cases from § 11 BArchG.
func TestCalcBArchG(t *testing.T) {
	personal := func(d string, ps ...preservation.Person) preservation.ClosureFacts {
		return preservation.ClosureFacts{Created: d, Personal: true, Persons: ps}
	}
	runCalcCases(t, []calcCase{
		{name: "§11(1) general 30 years", law: LawBArchG, f: preservation.ClosureFacts{Created: "2018-07-24"},
			release: "2048-07-25", governing: RuleBArchGGeneral, periods: []pr{{RuleBArchGGeneral, "2048-07-25"}}},
		{name: "§11(1) general, 29 February", law: LawBArchG, f: preservation.ClosureFacts{Created: "2020-02-29"},
			release: "2050-03-01", governing: RuleBArchGGeneral, periods: []pr{{RuleBArchGGeneral, "2050-03-01"}}},
		{name: "§11(2)S.1 personal after general: an early death does not end the period before 11(1)", law: LawBArchG,
			f:       personal("2000-05-15", person("A", "", "1990-01-01")),
			release: "2030-05-16", governing: RuleBArchGGeneral,
			periods: []pr{{RuleBArchGGeneral, "2030-05-16"}, {RuleBArchGDeath, "2030-05-16"}}},
		{name: "§11(2)S.1 personal after general, year granularity", law: LawBArchG, gran: GranularityYear,
			f:       personal("2000-05-15", person("A", "", "1990")),
			release: "2031-01-01", governing: RuleBArchGGeneral,
			periods: []pr{{RuleBArchGGeneral, "2031-01-01"}, {RuleBArchGDeath, "2031-01-01"}}},
		{name: "§11(2)S.1 death + 10 after the general period governs", law: LawBArchG,
			f:       personal("2000-05-15", person("A", "", "2025-03-10")),
			release: "2035-03-11", governing: RuleBArchGDeath,
			periods: []pr{{RuleBArchGGeneral, "2030-05-16"}, {RuleBArchGDeath, "2035-03-11"}}},
		{name: "§11(2)S.2 birth + 100", law: LawBArchG, f: personal("2000-05-15", person("A", "1950-06-30", "")),
			release: "2050-07-01", governing: RuleBArchGBirth,
			periods: []pr{{RuleBArchGGeneral, "2030-05-16"}, {RuleBArchGBirth, "2050-07-01"}}},
		{name: "§11(2)S.3 neither date: created + 60", law: LawBArchG, f: personal("2000-05-15", person("A", "", "")),
			release: "2060-05-16", governing: RuleBArchGPersonCreated,
			periods: []pr{{RuleBArchGGeneral, "2030-05-16"}, {RuleBArchGPersonCreated, "2060-05-16"}}},
		{name: "§11(2) several persons: the latest wins", law: LawBArchG,
			f:       personal("2000-05-15", person("A", "", "1995-01-01"), person("B", "", "2031-07-01")),
			release: "2041-07-02", governing: RuleBArchGDeath,
			periods: []pr{{RuleBArchGGeneral, "2030-05-16"}, {RuleBArchGDeath, "2041-07-02"}}},
		{name: "§11(3) secrecy 60 years", law: LawBArchG, f: preservation.ClosureFacts{Created: "2000-05-15", Secrecy: true},
			release: "2060-05-16", governing: RuleBArchGSecrecy,
			periods: []pr{{RuleBArchGGeneral, "2030-05-16"}, {RuleBArchGSecrecy, "2060-05-16"}}},
		{name: "§11(3) secrecy with personal data", law: LawBArchG,
			f:       preservation.ClosureFacts{Created: "2000-05-15", Secrecy: true, Personal: true, Persons: persons(person("A", "1990-02-01", ""))},
			release: "2090-02-02", governing: RuleBArchGBirth,
			periods: []pr{{RuleBArchGGeneral, "2030-05-16"}, {RuleBArchGSecrecy, "2060-05-16"}, {RuleBArchGBirth, "2090-02-02"}}},
		{name: "§11(5)Nr.1 published: no period", law: LawBArchG, f: preservation.ClosureFacts{Created: "2018-07-24", Published: true, Secrecy: true},
			release: "", governing: RuleBArchGPublished, periods: nil},
		{name: "§11(1) the Saxon GDR exemption does not exist in BArchG", law: LawBArchG, f: preservation.ClosureFacts{Created: "1989-06-30", GDR: true},
			release: "2019-07-01", governing: RuleBArchGGeneral, periods: []pr{{RuleBArchGGeneral, "2019-07-01"}}},
	})
}

// TestCalcPeriodDetails checks the fields beyond rule and release, and
// that BArchG § 11 Abs. 2 Satz 1 moves the end of an early personal
// period to the end of the general period.
func TestCalcPeriodDetails(t *testing.T) {
	f := preservation.ClosureFacts{Created: "2000-05-15", Personal: true, Persons: persons(person("Anna Beispiel", "", "1990-01-01"))}
	res, err := Calc(LawBArchG, f, GranularityDay)
	if err != nil {
		t.Fatal(err)
	}
	want := []Period{
		{Rule: RuleBArchGGeneral, Release: "2030-05-16", From: "2000-05-15", Years: 30, End: "2030-05-15", Text: RuleText(RuleBArchGGeneral)},
		{Rule: RuleBArchGDeath, Release: "2030-05-16", From: "1990-01-01", Years: 10, End: "2030-05-15", Text: RuleText(RuleBArchGDeath), Person: "Anna Beispiel"},
	}
	if fmt.Sprintf("%+v", res.Periods) != fmt.Sprintf("%+v", want) || res.Granularity != GranularityDay {
		t.Errorf("got %+v (%s)\nwant %+v", res.Periods, res.Granularity, want)
	}
	// The same facts under SächsArchivG: the personal period keeps its own end.
	res, err = Calc(LawSaechsArchivG, f, "")
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Periods[1]; p.End != "2000-01-01" || p.Release != "2000-01-02" || res.Granularity != GranularityDay {
		t.Errorf("SächsArchivG personal period %+v, granularity %q", p, res.Granularity)
	}
	// A year-only date counts from 31 December.
	res, err = Calc(LawSaechsArchivG, preservation.ClosureFacts{Created: "1990-03-01", Personal: true, Persons: persons(person("", "1930", ""))}, GranularityDay)
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Periods[1]; p.From != "1930-12-31" || p.End != "2030-12-31" || p.Years != 100 {
		t.Errorf("year-only birth: %+v", p)
	}
}

// TestRuleTexts: every rule has a German text with its paragraph, and no
// text can name a person (persons of closed units are not public).
func TestRuleTexts(t *testing.T) {
	for rule, text := range ruleTexts {
		if rule == RuleStated {
			// Not a period of either law: the ground is the finding aid's
			// or the agreement's.
			if !strings.Contains(text, "Sperrvermerk") {
				t.Errorf("%s: %q", rule, text)
			}
			continue
		}
		law := "SächsArchivG"
		if strings.HasPrefix(rule, "barchg-") {
			law = "BArchG"
		}
		if !strings.Contains(text, "§ ") || !strings.HasSuffix(text, law+")") {
			t.Errorf("%s: %q does not cite its paragraph of %s", rule, text, law)
		}
		if strings.Contains(text, "%") {
			t.Errorf("%s: %q is a template", rule, text)
		}
	}
	if len(ruleTexts) != 14 {
		t.Errorf("%d rule texts", len(ruleTexts))
	}
	if RuleText("nope") != "" {
		t.Error("RuleText of an unknown rule")
	}
	res, err := Calc(LawSaechsArchivG, preservation.ClosureFacts{Created: "2000-01-01", Personal: true, Persons: persons(person("Erika Mustermann", "1950", ""))}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Periods {
		if strings.Contains(p.Text, "Mustermann") {
			t.Errorf("text names the person: %q", p.Text)
		}
	}
}

func TestCalcInvalidFacts(t *testing.T) {
	ok := preservation.ClosureFacts{Created: "2018-07-24"}
	with := func(mod func(*preservation.ClosureFacts)) preservation.ClosureFacts {
		f := ok
		mod(&f)
		return f
	}
	for _, c := range []struct {
		name, law, gran string
		f               preservation.ClosureFacts
		msg             string
	}{
		{"unknown law", "bayarchivg", "day", ok, `unknown law "bayarchivg"`},
		{"no law", "", "day", ok, `unknown law ""`},
		{"unknown granularity in the facts", LawSaechsArchivG, "day", with(func(f *preservation.ClosureFacts) { f.Granularity = "month" }), `granularity "month"`},
		{"unknown default granularity", LawSaechsArchivG, "week", ok, `granularity "week"`},
		{"no created date", LawSaechsArchivG, "day", preservation.ClosureFacts{Personal: true}, "no created date"},
		{"no created date, even when published", LawBArchG, "day", preservation.ClosureFacts{Published: true}, "no created date"},
		{"created 29 February of a common year", LawSaechsArchivG, "day", with(func(f *preservation.ClosureFacts) { f.Created = "2023-02-29" }), "February 2023 has 28 days"},
		{"created month 13", LawSaechsArchivG, "day", with(func(f *preservation.ClosureFacts) { f.Created = "2024-13-01" }), "no month 13"},
		{"created year only", LawSaechsArchivG, "day", with(func(f *preservation.ClosureFacts) { f.Created = "2018" }), "YYYY-MM-DD"},
		{"created German notation", LawSaechsArchivG, "day", with(func(f *preservation.ClosureFacts) { f.Created = "24.07.2018" }), "created"},
		{"malformed birth", LawSaechsArchivG, "day", with(func(f *preservation.ClosureFacts) {
			f.Personal, f.Persons = true, persons(person("A", "1950-02-30", ""))
		}), "persons[0] (A): birth"},
		{"malformed death", LawSaechsArchivG, "day", with(func(f *preservation.ClosureFacts) {
			f.Personal, f.Persons = true, persons(person("", "", "bald"))
		}), "persons[0]: death"},
		{"malformed date of a person without personal", LawSaechsArchivG, "day", with(func(f *preservation.ClosureFacts) {
			f.Persons = persons(person("A", "", "1950-13-01"))
		}), "death"},
		{"death before birth", LawSaechsArchivG, "day", with(func(f *preservation.ClosureFacts) {
			f.Personal, f.Persons = true, persons(person("A", "1960-01-01", "1959-12-31"))
		}), "death 1959-12-31 before birth 1960-01-01"},
		{"death before the year of birth", LawBArchG, "day", with(func(f *preservation.ClosureFacts) {
			f.Personal, f.Persons = true, persons(person("A", "1960", "1959-12-31"))
		}), "before birth"},
		{"year of death before birth", LawBArchG, "day", with(func(f *preservation.ClosureFacts) {
			f.Personal, f.Persons = true, persons(person("A", "1960-06-01", "1959"))
		}), "before birth"},
		{"period beyond 9999", LawSaechsArchivG, "day", with(func(f *preservation.ClosureFacts) { f.Created = "9980-01-01" }), "9999"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Calc(c.law, c.f, c.gran)
			if !errors.Is(err, ErrInvalidFacts) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("Calc: %v; want ErrInvalidFacts saying %q", err, c.msg)
			}
		})
	}
	// Year-only dates within the same year are not "death before birth".
	for _, p := range []preservation.Person{person("A", "1960", "1960-01-01"), person("A", "1960-06-01", "1960"), person("A", "1960", "1960")} {
		if _, err := Calc(LawSaechsArchivG, preservation.ClosureFacts{Created: "2000-01-01", Personal: true, Persons: persons(p)}, ""); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
}

// FuzzCalc checks invariants of Calc on arbitrary facts: every error is
// ErrInvalidFacts; the release is the latest period release; year
// granularity never opens earlier than day; more facts never open earlier.
func FuzzCalc(f *testing.F) {
	f.Add("2018-07-24", "1950", "2001-02-29", true, true, false, false, false)
	f.Add("2020-02-29", "1924-02-29", "", true, false, true, false, true)
	f.Add("2000-05-15", "", "1990-01-01", true, false, false, false, true)
	f.Add("9999-12-31", "0001", "9999", false, true, false, true, false)
	f.Fuzz(func(t *testing.T, created, birth, death string, personal, secrecy, gdr, published, barchg bool) {
		law := LawSaechsArchivG
		if barchg {
			law = LawBArchG
		}
		facts := preservation.ClosureFacts{Created: created, Personal: personal, Secrecy: secrecy, GDR: gdr, Published: published,
			Persons: persons(person("P", birth, death))}
		day, err := Calc(law, facts, GranularityDay)
		if err != nil {
			if !errors.Is(err, ErrInvalidFacts) {
				t.Fatalf("error %v is not ErrInvalidFacts", err)
			}
			return
		}
		year, err := Calc(law, facts, GranularityYear)
		if err != nil {
			return // a period may reach beyond 9999 only by years
		}
		for _, res := range []Result{day, year} {
			latest := ""
			found := res.Release == ""
			for _, p := range res.Periods {
				if _, err := ParseDate(p.Release); err != nil {
					t.Fatalf("period %+v: %v", p, err)
				}
				latest = max(latest, p.Release)
				found = found || p.Rule == res.Governing && p.Release == res.Release
			}
			if res.Release != latest || !found || RuleText(res.Governing) == "" {
				t.Fatalf("result %+v", res)
			}
		}
		if year.Release < day.Release {
			t.Fatalf("year %s before day %s", year.Release, day.Release)
		}
		more := facts
		more.Personal, more.Secrecy = true, true
		if res, err := Calc(law, more, GranularityDay); err == nil && res.Release < day.Release {
			t.Fatalf("more facts open earlier: %s < %s", res.Release, day.Release)
		}
		more.Until = created
		if res, err := Calc(law, more, GranularityDay); err == nil && res.Release < day.Release {
			t.Fatalf("more facts open earlier: %s < %s", res.Release, day.Release)
		}
	})
}

// TestCalcUntil: a stated closure (Sperrvermerk) only ever closes longer,
// under either law, and applies even to published and GDR records.
func TestCalcUntil(t *testing.T) {
	for _, tc := range []struct {
		name      string
		law       string
		facts     preservation.ClosureFacts
		gran      string
		release   string
		governing string
	}{
		{"later than the general period", LawSaechsArchivG, preservation.ClosureFacts{Created: "1960-12-31", Until: "2030-12-31"}, "", "2031-01-01", RuleStated},
		{"earlier than the general period", LawSaechsArchivG, preservation.ClosureFacts{Created: "2000-12-31", Until: "2010-12-31"}, "", "2031-01-01", RuleSaechsGeneral},
		{"a tie: the law governs", LawSaechsArchivG, preservation.ClosureFacts{Created: "2000-12-31", Until: "2030-12-31"}, "", "2031-01-01", RuleSaechsGeneral},
		{"published", LawSaechsArchivG, preservation.ClosureFacts{Created: "2000-01-01", Published: true, Until: "2040-06-30"}, "", "2040-07-01", RuleStated},
		{"published without", LawSaechsArchivG, preservation.ClosureFacts{Created: "2000-01-01", Published: true}, "", "", RuleSaechsPublished},
		{"GDR", LawSaechsArchivG, preservation.ClosureFacts{Created: "1980-01-01", GDR: true, Until: "2040-06-30"}, "", "2040-07-01", RuleStated},
		{"year granularity", LawSaechsArchivG, preservation.ClosureFacts{Created: "1960-12-31", Until: "2040-06-30"}, GranularityYear, "2041-01-01", RuleStated},
		{"BArchG", LawBArchG, preservation.ClosureFacts{Created: "1960-12-31", Until: "2030-12-31"}, "", "2031-01-01", RuleStated},
		{"personal is later", LawSaechsArchivG, preservation.ClosureFacts{Created: "1980-12-31", Personal: true, Until: "2030-12-31"}, "", "2041-01-01", RuleSaechsPersonCreated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Calc(tc.law, tc.facts, tc.gran)
			if err != nil {
				t.Fatal(err)
			}
			if res.Release != tc.release || res.Governing != tc.governing {
				t.Errorf("release %q governing %q, want %q %q (%+v)", res.Release, res.Governing, tc.release, tc.governing, res.Periods)
			}
		})
	}
	if _, err := Calc(LawSaechsArchivG, preservation.ClosureFacts{Created: "2000-01-01", Until: "31.12.2030"}, ""); !errors.Is(err, ErrInvalidFacts) {
		t.Errorf("malformed until: %v", err)
	}
}
