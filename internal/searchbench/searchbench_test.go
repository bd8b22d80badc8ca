package searchbench

import (
	"context"
	"reflect"
	"testing"
)

func TestPercentile(t *testing.T) {
	var v []float64
	for i := 1; i <= 200; i++ {
		v = append(v, float64(i))
	}
	for _, c := range []struct {
		vals []float64
		p    int
		want float64
	}{
		{v, 50, 100}, {v, 95, 190}, {v, 99, 198}, {v, 100, 200},
		{[]float64{7}, 99, 7}, {nil, 50, 0},
	} {
		if got := Percentile(c.vals, c.p); got != c.want {
			t.Errorf("Percentile(%d values, %d) = %v, want %v", len(c.vals), c.p, got, c.want)
		}
	}
}

// TestCorpus checks the shape of the corpora: the same unit in every
// call, b000 with its share, the rest dealt to the other Bestände.
func TestCorpus(t *testing.T) {
	c := Standard(1000)
	if c.Big != 600 || Standard(2_500_000).Big != 100_000 {
		t.Errorf("Standard: b000 holds %d of 1000, %d of 2.5 M", c.Big, Standard(2_500_000).Big)
	}
	if !reflect.DeepEqual(c.Unit(42), c.Unit(42)) {
		t.Error("Unit(42) differs between calls")
	}
	per := map[string]int{}
	n := 0
	for d := range c.Docs() {
		n++
		if d.Unit.Parent != "tektonik" {
			per[d.Unit.Bestand]++
		}
	}
	if n != 1500 || per["b000"] != 600 || per["b001"] != 1 || per["b400"] != 1 || per["b401"] != 0 {
		t.Errorf("%d docs; b000 %d, b001 %d, b400 %d, b401 %d units", n, per["b000"], per["b001"], per["b400"], per["b401"])
	}
	if u := c.Unit(700).Unit; u.Bestand != "b101" || u.Signatur != "10101 Nr. 701" || u.Title == "" || u.From > u.To {
		t.Errorf("unit 700: %+v", u)
	}
	one := OneBestand(300)
	for i := range one.Units {
		if b := one.Unit(i).Unit.Bestand; b != "b000" {
			t.Fatalf("OneBestand: unit %d in %s", i, b)
		}
	}
}

// TestBuildAndTime builds a small index and times every query on it.
func TestBuildAndTime(t *testing.T) {
	ctx := context.Background()
	c := Standard(3000)
	dir := t.TempDir()
	x, err := Build(ctx, dir, c)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if DirSize(dir) == 0 {
		t.Error("DirSize of the index is 0")
	}
	kids, err := x.Children(ctx, BestandID(0), 1, 1, Today)
	if err != nil || kids.Total != c.Big {
		t.Fatalf("b000 has %v children (%v), want %d", kids, err, c.Big)
	}
	hits := map[string]int{}
	for _, q := range Queries(c) {
		l, err := Time(ctx, x, q, 5)
		if err != nil {
			t.Fatal(err)
		}
		if l.Name != q.Label || l.P50 <= 0 || l.P50 > l.P95 || l.P95 > l.P99 {
			t.Errorf("%s: %+v", q.Name, l)
		}
		hits[q.Name] = l.Hits
	}
	if hits["text-common"] == 0 || hits["text-common"] != hits["text-common-facets"] || hits["signatur-exact"] != 1 ||
		hits["all-facets"] != c.Units+c.Bestaende || hits["children-first-page"] != c.Big || hits["text-filters-facets"] == 0 {
		t.Errorf("hits: %v", hits)
	}
}
