package closure

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/preservation"
)

func mustCalc(t *testing.T, law string, f preservation.ClosureFacts, gran string) Result {
	t.Helper()
	res, err := Calc(law, f, gran)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func shortening(id, scope, user, newRelease, date string) Decision {
	return Decision{ID: id, Unit: "u1", Kind: KindShorten, Scope: scope, User: user, NewRelease: newRelease,
		Ground: "§ 10 Abs. 4 SächsArchivG, wissenschaftliches Forschungsvorhaben", Conditions: "anonymisierte Auswertung",
		Approver: "Referatsleiterin", Date: date}
}

func extension(id, newRelease, date string) Decision {
	return Decision{ID: id, Unit: "u1", Kind: KindExtend, Scope: ScopeAll, NewRelease: newRelease,
		Ground:   "§ 12 Abs. 3 BArchG, öffentliches Interesse; Einwilligung der abgebenden Stelle (§ 12 Abs. 4)",
		Approver: "Präsident", Date: date}
}

func TestValidateDecision(t *testing.T) {
	created := "2000-05-15"
	saxGeneral := mustCalc(t, LawSaechsArchivG, preservation.ClosureFacts{Created: created}, "")                // 2030-05-16
	saxSecrecy := mustCalc(t, LawSaechsArchivG, preservation.ClosureFacts{Created: created, Secrecy: true}, "") // 2060-05-16
	baGeneral := mustCalc(t, LawBArchG, preservation.ClosureFacts{Created: created}, "")                        // 2030-05-16
	baSecrecy := mustCalc(t, LawBArchG, preservation.ClosureFacts{Created: created, Secrecy: true}, "")         // 2060-05-16
	baSecrecyYear := mustCalc(t, LawBArchG, preservation.ClosureFacts{Created: created, Secrecy: true}, GranularityYear)
	baSecrecyPersonal := mustCalc(t, LawBArchG, preservation.ClosureFacts{Created: created, Secrecy: true, Personal: true,
		Persons: persons(person("A", "2000-01-01", ""))}, "") // 2100-01-02
	published := mustCalc(t, LawBArchG, preservation.ClosureFacts{Created: created, Published: true}, "")
	if baSecrecy.Release != "2060-05-16" || baSecrecyYear.Release != "2061-01-01" || baSecrecyPersonal.Release != "2100-01-02" {
		t.Fatalf("bases: %s %s %s", baSecrecy.Release, baSecrecyYear.Release, baSecrecyPersonal.Release)
	}
	mod := func(d Decision, f func(*Decision)) Decision { f(&d); return d }
	userShort := shortening("d1", ScopeUser, "forscherin", "2024-03-01", "2024-03-01")

	for _, c := range []struct {
		name string
		law  string
		base Result
		d    Decision
		want error // nil, ErrInvalidDecision or ErrNotPermitted
		msg  string
	}{
		// Shortening (§ 10 Abs. 4 SächsArchivG; § 12 Abs. 1–3 BArchG).
		{"SächsArchivG §10(4) shortening for one researcher", LawSaechsArchivG, saxGeneral, userShort, nil, ""},
		{"SächsArchivG §10(4) shortening for everyone", LawSaechsArchivG, saxGeneral, shortening("d1", ScopeAll, "", "2024-03-01", "2024-03-01"), nil, ""},
		{"SächsArchivG §10(4) secrecy period shortened without a limit in years", LawSaechsArchivG, saxSecrecy, shortening("d1", ScopeAll, "", "2001-01-01", "2024-03-01"), nil, ""},
		{"a shortening must be earlier", LawSaechsArchivG, saxGeneral, mod(userShort, func(d *Decision) { d.NewRelease = "2030-05-16" }), ErrInvalidDecision, "before 2030-05-16"},
		{"BArchG §12(1) general period shortened without a limit", LawBArchG, baGeneral, shortening("d1", ScopeUser, "r", "2001-01-01", "2024-03-01"), nil, ""},
		{"BArchG §12(3) secrecy shortened by 30 years, at the limit", LawBArchG, baSecrecy, shortening("d1", ScopeAll, "", "2030-05-16", "2024-03-01"), nil, ""},
		{"BArchG §12(3) secrecy shortened by more than 30 years", LawBArchG, baSecrecy, shortening("d1", ScopeAll, "", "2030-05-15", "2024-03-01"), ErrNotPermitted, "not before 2030-05-16"},
		{"BArchG §12(3) the secrecy limit holds when a personal period governs", LawBArchG, baSecrecyPersonal, shortening("d1", ScopeUser, "r", "2025-01-01", "2024-03-01"), ErrNotPermitted, "at most 30 years"},

		// Extension (§ 12 Abs. 3 BArchG; none in SächsArchivG).
		{"SächsArchivG provides no extension", LawSaechsArchivG, saxSecrecy, extension("d2", "2070-01-01", "2024-03-01"), ErrNotPermitted, "no extension"},
		{"BArchG §12(3) secrecy extended", LawBArchG, baSecrecy, extension("d2", "2075-01-01", "2024-03-01"), nil, ""},
		{"BArchG §12(3) secrecy extended by 30 years, at the limit", LawBArchG, baSecrecy, extension("d2", "2090-05-16", "2024-03-01"), nil, ""},
		{"BArchG §12(3) secrecy extended by more than 30 years", LawBArchG, baSecrecy, extension("d2", "2090-05-17", "2024-03-01"), ErrNotPermitted, "no later than 2090-05-16"},
		{"BArchG §12(3) limit by years", LawBArchG, baSecrecyYear, extension("d2", "2091-01-01", "2024-03-01"), nil, ""},
		{"BArchG §12(3) beyond the limit by years", LawBArchG, baSecrecyYear, extension("d2", "2091-01-02", "2024-03-01"), ErrNotPermitted, "2091-01-01"},
		{"BArchG §12(3) only the secrecy period can be extended", LawBArchG, baGeneral, extension("d2", "2040-01-01", "2024-03-01"), ErrNotPermitted, "only the secrecy period"},
		{"BArchG §12(3) an extension holds for everyone", LawBArchG, baSecrecy, mod(extension("d2", "2070-01-01", "2024-03-01"), func(d *Decision) { d.Scope, d.User = ScopeUser, "r" }), ErrNotPermitted, "everyone"},
		{"an extension must be later", LawBArchG, baSecrecyPersonal, extension("d2", "2090-01-01", "2024-03-01"), ErrInvalidDecision, "after 2100-01-02"},

		{"an open unit has nothing to shorten", LawBArchG, published, userShort, ErrNotPermitted, "open"},
		{"an open unit has nothing to extend", LawBArchG, published, extension("d2", "2070-01-01", "2024-03-01"), ErrNotPermitted, "open"},

		// Completeness.
		{"unknown law", "bayarchivg", saxGeneral, userShort, ErrInvalidDecision, "unknown law"},
		{"no id", LawSaechsArchivG, saxGeneral, mod(userShort, func(d *Decision) { d.ID = "" }), ErrInvalidDecision, "no id"},
		{"no unit", LawSaechsArchivG, saxGeneral, mod(userShort, func(d *Decision) { d.Unit = "" }), ErrInvalidDecision, "no unit"},
		{"no legal ground", LawSaechsArchivG, saxGeneral, mod(userShort, func(d *Decision) { d.Ground = "" }), ErrInvalidDecision, "no ground"},
		{"no approver", LawSaechsArchivG, saxGeneral, mod(userShort, func(d *Decision) { d.Approver = "" }), ErrInvalidDecision, "no approver"},
		{"malformed date", LawSaechsArchivG, saxGeneral, mod(userShort, func(d *Decision) { d.Date = "2024-02-30" }), ErrInvalidDecision, "date"},
		{"malformed new release", LawSaechsArchivG, saxGeneral, mod(userShort, func(d *Decision) { d.NewRelease = "" }), ErrInvalidDecision, "new release"},
		{"unknown scope", LawSaechsArchivG, saxGeneral, mod(userShort, func(d *Decision) { d.Scope = "group" }), ErrInvalidDecision, "scope"},
		{"scope user without user", LawSaechsArchivG, saxGeneral, mod(userShort, func(d *Decision) { d.User = "" }), ErrInvalidDecision, "without a user"},
		{"scope all with a user", LawSaechsArchivG, saxGeneral, mod(userShort, func(d *Decision) { d.Scope = ScopeAll }), ErrInvalidDecision, "one user"},
		{"unknown kind", LawSaechsArchivG, saxGeneral, mod(userShort, func(d *Decision) { d.Kind = "revoke" }), ErrInvalidDecision, "kind"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateDecision(c.law, c.base, c.d)
			switch {
			case c.want == nil && err != nil:
				t.Errorf("ValidateDecision: %v", err)
			case c.want != nil && (!errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg)):
				t.Errorf("ValidateDecision: %v; want %v saying %q", err, c.want, c.msg)
			}
		})
	}
}

func TestApply(t *testing.T) {
	sax := mustCalc(t, LawSaechsArchivG, preservation.ClosureFacts{Created: "2000-05-15", Personal: true}, "") // 2060-05-16, 3c
	ba := mustCalc(t, LawBArchG, preservation.ClosureFacts{Created: "2000-05-15", Secrecy: true}, "")          // 2060-05-16
	open := mustCalc(t, LawSaechsArchivG, preservation.ClosureFacts{Created: "2000-05-15", Published: true}, "")
	forR1 := shortening("d1", ScopeUser, "r1", "2024-03-01", "2024-03-01")
	forAll := shortening("d2", ScopeAll, "", "2025-01-01", "2024-12-01")
	type want struct{ release, governing string }
	for _, c := range []struct {
		name, user, today string
		base              Result
		ds                []Decision
		want              want
	}{
		{"no decisions", "r1", "2024-06-01", sax, nil, want{"2060-05-16", RuleSaechsPersonCreated}},
		{"a shortening for one researcher opens the unit to her", "r1", "2024-06-01", sax, []Decision{forR1}, want{"2024-03-01", "d1"}},
		{"a shortening for one researcher does not open it to others", "r2", "2024-06-01", sax, []Decision{forR1}, want{"2060-05-16", RuleSaechsPersonCreated}},
		{"a shortening for one researcher does not open it to the public", "", "2024-06-01", sax, []Decision{forR1}, want{"2060-05-16", RuleSaechsPersonCreated}},
		{"a decision is not in effect before its date", "r1", "2024-02-29", sax, []Decision{forR1}, want{"2060-05-16", RuleSaechsPersonCreated}},
		{"a decision is in effect on its date", "r1", "2024-03-01", sax, []Decision{forR1}, want{"2024-03-01", "d1"}},
		{"a shortening for everyone", "", "2024-12-01", sax, []Decision{forR1, forAll}, want{"2025-01-01", "d2"}},
		{"the earliest shortening for a user wins", "r1", "2024-12-01", sax, []Decision{forAll, forR1}, want{"2024-03-01", "d1"}},
		{"a shortening never moves the release later", "", "2024-12-01", sax,
			[]Decision{shortening("d3", ScopeAll, "", "2070-01-01", "2024-01-01")}, want{"2060-05-16", RuleSaechsPersonCreated}},
		{"an extension holds for everyone", "r1", "2024-06-01", ba, []Decision{extension("e1", "2080-01-01", "2024-01-01")}, want{"2080-01-01", "e1"}},
		{"an extension never moves the release earlier", "", "2024-06-01", ba, []Decision{extension("e1", "2050-01-01", "2024-01-01")}, want{"2060-05-16", RuleBArchGSecrecy}},
		{"a later shortening supersedes an extension", "r1", "2031-06-01", ba,
			[]Decision{shortening("d4", ScopeUser, "r1", "2031-01-01", "2031-01-01"), extension("e1", "2080-01-01", "2024-01-01")}, want{"2031-01-01", "d4"}},
		{"a later extension supersedes a shortening", "", "2026-01-01", ba,
			[]Decision{extension("e1", "2080-01-01", "2025-01-01"), shortening("d5", ScopeAll, "", "2024-01-01", "2024-01-01")}, want{"2080-01-01", "e1"}},
		{"an extension is not in effect before its date", "", "2024-06-01", ba,
			[]Decision{extension("e1", "2080-01-01", "2025-01-01"), shortening("d5", ScopeAll, "", "2024-01-01", "2024-01-01")}, want{"2024-01-01", "d5"}},
		{"a shortening of an open unit changes nothing", "", "2024-06-01", open, []Decision{forAll}, want{"", RuleSaechsPublished}},

		// Fail closed.
		{"an extension with an unreadable release closes indefinitely", "", "2024-06-01", ba,
			[]Decision{extension("e2", "2080-02-30", "2024-01-01")}, want{Indefinitely, "e2"}},
		{"an extension with an unreadable date applies", "", "2024-06-01", ba,
			[]Decision{extension("e3", "2080-01-01", "soon")}, want{"2080-01-01", "e3"}},
		{"an extension for one user applies to everyone", "", "2024-06-01", ba,
			[]Decision{func() Decision {
				d := extension("e4", "2080-01-01", "2024-01-01")
				d.Scope, d.User = ScopeUser, "x"
				return d
			}()}, want{"2080-01-01", "e4"}},
		{"an unreadable today: no shortening, but extensions", "r1", "today", ba,
			[]Decision{forR1, extension("e5", "2080-01-01", "2024-01-01")}, want{"2080-01-01", "e5"}},
		{"a shortening with an unreadable date is ignored", "r1", "2024-06-01", sax,
			[]Decision{shortening("d6", ScopeUser, "r1", "2024-03-01", "2024-3-1")}, want{"2060-05-16", RuleSaechsPersonCreated}},
		{"a shortening with an unreadable release is ignored", "r1", "2024-06-01", sax,
			[]Decision{shortening("d7", ScopeUser, "r1", "", "2024-03-01")}, want{"2060-05-16", RuleSaechsPersonCreated}},
		{"a shortening with an unknown scope is ignored", "r1", "2024-06-01", sax,
			[]Decision{shortening("d8", "everyone", "r1", "2024-03-01", "2024-03-01")}, want{"2060-05-16", RuleSaechsPersonCreated}},
		{"a user shortening without a user is no public shortening", "", "2024-06-01", sax,
			[]Decision{shortening("d9", ScopeUser, "", "2024-03-01", "2024-03-01")}, want{"2060-05-16", RuleSaechsPersonCreated}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := fmt.Sprint(c.ds)
			rel, gov := Apply(c.base, c.ds, c.user, c.today)
			if (want{rel, gov}) != c.want {
				t.Errorf("Apply = %q, %q; want %q, %q", rel, gov, c.want.release, c.want.governing)
			}
			if fmt.Sprint(c.ds) != before {
				t.Error("Apply changed its input")
			}
		})
	}
}

// TestDecisionScopingPublic follows one unit through Calc, Apply and
// Public: the researcher granted a shortening sees it whole, the public
// sees the closed person-related view.
func TestDecisionScopingPublic(t *testing.T) {
	u := preservation.Unit{ID: "u1", Level: preservation.LevelAkte, Signatur: "20001 Nr. 7", Title: "Personalakte Erika Mustermann",
		To: "2018-07-24", AIP: "urn:uuid:1", Closure: preservation.ClosureFacts{Personal: true, Persons: persons(person("Erika Mustermann", "1960-02-29", ""))}}
	facts := Effective([]preservation.Unit{u})
	base := mustCalc(t, LawSaechsArchivG, facts, "")
	if base.Release != "2060-03-01" || base.Governing != RuleSaechsBirth {
		t.Fatalf("base %+v", base)
	}
	ds := []Decision{shortening("d1", ScopeUser, "forscherin", "2024-03-01", "2024-03-01")}
	u.Closure = facts
	for _, c := range []struct {
		user  string
		open  bool
		title string
	}{{"forscherin", true, u.Title}, {"", false, ""}, {"jemand", false, ""}} {
		rel, _ := Apply(base, ds, c.user, "2024-06-01")
		v, open := Public(u, rel, "2024-06-01")
		if open != c.open || v.Title != c.title || (v.AIP != "") != c.open {
			t.Errorf("user %q: open %v, title %q, aip %q", c.user, open, v.Title, v.AIP)
		}
	}
}
