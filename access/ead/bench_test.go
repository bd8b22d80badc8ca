package ead_test

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/magazin-archiv/magazin/preservation"
)

// BenchmarkFindbuch exports a Bestand of 10,000 Akten (in-memory catalog)
// and reports units/s.
func BenchmarkFindbuch(b *testing.B) {
	units := []preservation.Unit{{ID: "b", Level: preservation.LevelBestand, Bestand: "b", Signatur: "30001", Title: "Großer Bestand"}}
	for i := range 10_000 {
		units = append(units, preservation.Unit{ID: fmt.Sprintf("a%05d", i), Parent: "b", Bestand: "b", Level: preservation.LevelAkte,
			Signatur: fmt.Sprintf("30001 Nr. %d", i+1), Title: fmt.Sprintf("Akte %d", i+1), From: "1950", To: fmt.Sprint(1950 + i%80),
			Persons: []preservation.Person{{Name: "Person"}}, Order: i + 1, Closure: preservation.ClosureFacts{Personal: i%10 == 0}})
	}
	a := newArchive(b, units)
	for b.Loop() {
		if _, err := a.x.Findbuch(context.Background(), io.Discard, "b"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(units)*b.N)/b.Elapsed().Seconds(), "units/s")
}
