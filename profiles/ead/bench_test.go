package ead_test

import (
	"bytes"
	"testing"

	"github.com/magazin-archiv/magazin/profiles/ead"
	"github.com/magazin-archiv/magazin/profiles/ead/eadtest"
)

// BenchmarkRead parses a generated EAD(DDB) Findbuch of 10,000 Akten.
func BenchmarkRead(b *testing.B) {
	var buf bytes.Buffer
	if err := eadtest.Findbuch(&buf, "BENCH", 10_000); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		fa, err := ead.Read(bytes.NewReader(buf.Bytes()), "bench.xml", ead.Limits{})
		if err != nil || fa.Problems.HasErrors() || len(fa.Units) != 10_111 {
			b.Fatal(err, fa.Problems, len(fa.Units))
		}
	}
	b.ReportMetric(float64(10_111*b.N)/b.Elapsed().Seconds(), "units/s")
}
