package main

import (
	"github.com/magazin-archiv/magazin/access/closure"
	"github.com/magazin-archiv/magazin/preservation"
)

// validateFacts checks recorded closure facts before they are journaled:
// the dates must parse and be consistent. A missing creation date is fine
// here (the Laufzeit supplies it by inheritance).
func validateFacts(f preservation.ClosureFacts) error {
	if f.Created == "" {
		f.Created = "2000-01-01" // only the other facts are checked
	}
	f.Personal = true // check the persons' dates too
	if _, err := closure.Calc(closure.LawSaechsArchivG, f, closure.GranularityDay); err != nil {
		return err
	}
	return nil
}
