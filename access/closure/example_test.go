package closure_test

import (
	"fmt"

	"github.com/magazin-archiv/magazin/access/closure"
	"github.com/magazin-archiv/magazin/preservation"
)

func ExampleCalc() {
	facts := preservation.ClosureFacts{
		Created:  "2020-02-29",
		Personal: true,
		Persons:  []preservation.Person{{Name: "Erika Mustermann", Birth: "1950"}},
	}
	for _, g := range []string{closure.GranularityDay, closure.GranularityYear} {
		res, err := closure.Calc(closure.LawSaechsArchivG, facts, g)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(g, "release", res.Release, "governed by", res.Governing)
		for _, p := range res.Periods {
			fmt.Printf("  %s %s: %s\n", p.Release, p.Rule, p.Text)
		}
	}
	// Output:
	// day release 2051-01-01 governed by saechsarchivg-10-1-3b
	//   2050-03-01 saechsarchivg-10-1-1: 30 Jahre nach Entstehung (§ 10 Abs. 1 Satz 2 Nr. 1 SächsArchivG)
	//   2051-01-01 saechsarchivg-10-1-3b: 100 Jahre nach der Geburt der betroffenen Person, da das Todesjahr nicht feststellbar ist (§ 10 Abs. 1 Satz 2 Nr. 3 Buchst. b SächsArchivG)
	// year release 2051-01-01 governed by saechsarchivg-10-1-3b
	//   2051-01-01 saechsarchivg-10-1-1: 30 Jahre nach Entstehung (§ 10 Abs. 1 Satz 2 Nr. 1 SächsArchivG)
	//   2051-01-01 saechsarchivg-10-1-3b: 100 Jahre nach der Geburt der betroffenen Person, da das Todesjahr nicht feststellbar ist (§ 10 Abs. 1 Satz 2 Nr. 3 Buchst. b SächsArchivG)
}

func ExampleApply() {
	base, _ := closure.Calc(closure.LawSaechsArchivG, preservation.ClosureFacts{Created: "2018-07-24"}, closure.GranularityDay)
	grant := closure.Decision{
		ID: "d-1", Unit: "u-1", Kind: closure.KindShorten, Scope: closure.ScopeUser, User: "forscherin",
		NewRelease: "2024-05-01", Ground: "§ 10 Abs. 4 SächsArchivG, Forschungsvorhaben",
		Conditions: "anonymisierte Auswertung", Approver: "Referatsleitung", Date: "2024-05-01",
	}
	if err := closure.ValidateDecision(closure.LawSaechsArchivG, base, grant); err != nil {
		fmt.Println(err)
		return
	}
	for _, user := range []string{"forscherin", ""} {
		release, governing := closure.Apply(base, []closure.Decision{grant}, user, "2024-06-01")
		fmt.Printf("%q: %s (%s)\n", user, release, governing)
	}
	// Output:
	// "forscherin": 2024-05-01 (d-1)
	// "": 2048-07-25 (saechsarchivg-10-1-1)
}
