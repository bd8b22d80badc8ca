package closure

import (
	"errors"
	"reflect"
	"testing"

	"github.com/magazin-archiv/magazin/preservation"
)

func unit(level, to string, f preservation.ClosureFacts) preservation.Unit {
	return preservation.Unit{ID: level, Level: level, To: to, Closure: f}
}

func TestEffective(t *testing.T) {
	const (
		tek = preservation.LevelTektonik
		bst = preservation.LevelBestand
		gl  = preservation.LevelGliederung
		akt = preservation.LevelAkte
		vg  = preservation.LevelVorgang
		dok = preservation.LevelDokument
	)
	type F = preservation.ClosureFacts
	a, b := person("A", "1950", ""), person("B", "", "2001-02-03")
	for _, c := range []struct {
		name  string
		chain []preservation.Unit
		want  F
	}{
		{"empty chain", nil, F{}},
		{"created defaults to the end of the Laufzeit", []preservation.Unit{unit(akt, "2018-07-24", F{})}, F{Created: "2018-07-24"}},
		{"a Laufzeit year stands for its last day", []preservation.Unit{unit(akt, "2018", F{})}, F{Created: "2018-12-31"}},
		{"a Laufzeit month stands for its last day", []preservation.Unit{unit(akt, "2018-02", F{})}, F{Created: "2018-02-28"}},
		{"a Laufzeit month in a leap year", []preservation.Unit{unit(akt, "2020-02", F{})}, F{Created: "2020-02-29"}},
		{"an explicit created wins over the Laufzeit", []preservation.Unit{unit(akt, "2018-07-24", F{Created: "2019-01-15"})}, F{Created: "2019-01-15"}},
		{"a unit without dates takes the nearest ancestor's",
			[]preservation.Unit{unit(bst, "2020", F{}), unit(gl, "2019", F{}), unit(akt, "", F{})}, F{Created: "2019-12-31"}},
		{"a unit's own date wins over its ancestors'",
			[]preservation.Unit{unit(bst, "2020", F{Created: "2020-06-01"}), unit(akt, "2001-03-04", F{})}, F{Created: "2001-03-04"}},
		{"a Vorgang counts from its own date (BArchG § 1 Nr. 5)",
			[]preservation.Unit{unit(akt, "2018-07-24", F{}), unit(vg, "2005-01-01", F{})}, F{Created: "2005-01-01"}},
		{"a document never opens before its unit: earlier own date",
			[]preservation.Unit{unit(akt, "2018-07-24", F{}), unit(dok, "2010-01-01", F{})}, F{Created: "2018-07-24"}},
		{"a document never opens before its unit: earlier explicit created",
			[]preservation.Unit{unit(akt, "2018-07-24", F{}), unit(dok, "", F{Created: "2010-01-01"})}, F{Created: "2018-07-24"}},
		{"a document's later date counts",
			[]preservation.Unit{unit(akt, "2018-07-24", F{}), unit(dok, "2019-01-01", F{})}, F{Created: "2019-01-01"}},
		{"a document without dates inherits",
			[]preservation.Unit{unit(akt, "2018-07-24", F{}), unit(dok, "", F{})}, F{Created: "2018-07-24"}},
		{"personal and secrecy anywhere above stay true",
			[]preservation.Unit{unit(tek, "", F{}), unit(bst, "", F{Secrecy: true}), unit(akt, "2018-07-24", F{Personal: true}), unit(dok, "", F{})},
			F{Created: "2018-07-24", Personal: true, Secrecy: true}},
		{"a document may be more closed than its unit",
			[]preservation.Unit{unit(akt, "2018-07-24", F{}), unit(dok, "", F{Personal: true, Persons: persons(a)})},
			F{Created: "2018-07-24", Personal: true, Persons: persons(a)}},
		{"gdr and published inherit down",
			[]preservation.Unit{unit(bst, "", F{GDR: true}), unit(gl, "", F{Published: true}), unit(akt, "1989-06-30", F{}), unit(dok, "", F{})},
			F{Created: "1989-06-30", GDR: true, Published: true}},
		{"a document's own published and gdr do not open it",
			[]preservation.Unit{unit(akt, "2018-07-24", F{}), unit(dok, "", F{Published: true, GDR: true})}, F{Created: "2018-07-24"}},
		{"persons of the unit and its ancestors, each once",
			[]preservation.Unit{unit(bst, "", F{Persons: persons(a)}), unit(akt, "2018-07-24", F{Personal: true, Persons: persons(b, a)}), unit(dok, "", F{Persons: persons(b)})},
			F{Created: "2018-07-24", Personal: true, Persons: persons(a, b)}},
		{"granularity from the nearest ancestor",
			[]preservation.Unit{unit(bst, "", F{Granularity: GranularityYear}), unit(akt, "2018-07-24", F{})},
			F{Created: "2018-07-24", Granularity: GranularityYear}},
		{"a unit's own granularity wins",
			[]preservation.Unit{unit(bst, "", F{Granularity: GranularityYear}), unit(akt, "2018-07-24", F{Granularity: GranularityDay})},
			F{Created: "2018-07-24", Granularity: GranularityDay}},
		{"a document keeps its unit's year granularity",
			[]preservation.Unit{unit(akt, "2018-07-24", F{Granularity: GranularityYear}), unit(dok, "", F{Granularity: GranularityDay})},
			F{Created: "2018-07-24", Granularity: GranularityYear}},
		{"a document may count by years under a day unit",
			[]preservation.Unit{unit(akt, "2018-07-24", F{Granularity: GranularityDay}), unit(dok, "", F{Granularity: GranularityYear})},
			F{Created: "2018-07-24", Granularity: GranularityYear}},
		{"a malformed Laufzeit is passed on for Calc to refuse",
			[]preservation.Unit{unit(bst, "2020", F{}), unit(akt, "ca. 2018", F{})}, F{Created: "ca. 2018"}},
		{"a malformed document date wins over its unit's",
			[]preservation.Unit{unit(akt, "2018-07-24", F{}), unit(dok, "", F{Created: "2018-02-30"})}, F{Created: "2018-02-30"}},
		{"a document keeps its unit's malformed date",
			[]preservation.Unit{unit(akt, "", F{Created: "2018-13-01"}), unit(dok, "2019-01-01", F{})}, F{Created: "2018-13-01"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Effective(c.chain); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Effective = %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// TestEffectiveCalc runs the usual flow on a transfer like the x-man 0503
// (records ending 2018-07-24): closed until 2048-07-25, or 2049-01-01 by
// years.
func TestEffectiveCalc(t *testing.T) {
	chain := []preservation.Unit{
		unit(preservation.LevelBestand, "2018", preservation.ClosureFacts{}),
		unit(preservation.LevelAkte, "2018-07-24", preservation.ClosureFacts{}),
		unit(preservation.LevelDokument, "2017-03-01", preservation.ClosureFacts{}),
	}
	for gran, want := range map[string]string{GranularityDay: "2048-07-25", GranularityYear: "2049-01-01"} {
		res, err := Calc(LawSaechsArchivG, Effective(chain), gran)
		if err != nil || res.Release != want || res.Governing != RuleSaechsGeneral {
			t.Errorf("%s: %+v, %v; want %s", gran, res, err, want)
		}
	}
	chain[1].To = "18.07.2018"
	if _, err := Calc(LawSaechsArchivG, Effective(chain), ""); !errors.Is(err, ErrInvalidFacts) {
		t.Errorf("malformed Laufzeit: %v", err)
	}
}

// TestEffectiveUntil: the latest stated closure of the chain holds; a
// malformed one is passed on so that Calc refuses it.
func TestEffectiveUntil(t *testing.T) {
	b := preservation.Unit{Level: preservation.LevelBestand, Closure: preservation.ClosureFacts{Until: "2030-12-31"}}
	a := preservation.Unit{Level: preservation.LevelAkte, To: "1950"}
	d := preservation.Unit{Level: preservation.LevelDokument, Closure: preservation.ClosureFacts{Until: "2020-01-01"}}
	if f := Effective([]preservation.Unit{b, a, d}); f.Until != "2030-12-31" {
		t.Errorf("until %q", f.Until)
	}
	a.Closure.Until = "2040-01-31"
	if f := Effective([]preservation.Unit{b, a, d}); f.Until != "2040-01-31" {
		t.Errorf("until %q", f.Until)
	}
	a.Closure.Until = "bis 2040"
	if f := Effective([]preservation.Unit{b, a}); f.Until != "bis 2040" {
		t.Errorf("malformed until %q", f.Until)
	}
}
