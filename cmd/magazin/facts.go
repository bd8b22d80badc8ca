package main

import (
	"fmt"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
)

// validateFacts checks recorded closure facts before they are journaled.
func validateFacts(f preservation.ClosureFacts) error {
	check := func(what, d string) error {
		if d == "" {
			return nil
		}
		if _, err := time.Parse("2006-01-02", d); err != nil {
			if _, err2 := time.Parse("2006", d); err2 != nil || what == "created" {
				return fmt.Errorf("%s %q is not a date YYYY-MM-DD", what, d)
			}
		}
		return nil
	}
	if err := check("created", f.Created); err != nil {
		return err
	}
	for _, p := range f.Persons {
		if err := check("birth", p.Birth); err != nil {
			return err
		}
		if err := check("death", p.Death); err != nil {
			return err
		}
		if p.Birth != "" && p.Death != "" && p.Death < p.Birth {
			return fmt.Errorf("death %s before birth %s", p.Death, p.Birth)
		}
	}
	if f.Granularity != "" && f.Granularity != "day" && f.Granularity != "year" {
		return fmt.Errorf("granularity %q: want day or year", f.Granularity)
	}
	return nil
}
