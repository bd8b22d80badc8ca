package preservation

import (
	"slices"
	"testing"
)

func TestNaturalCompare(t *testing.T) {
	in := []string{"seite10.tif", "seite2.tif", "seite1.tif", "Seite3.tif", "seite02.tif", "a", "", "seite1.tif.bak", "b9", "b10", "b010"}
	slices.SortFunc(in, NaturalCompare)
	want := []string{"", "Seite3.tif", "a", "b9", "b10", "b010", "seite1.tif", "seite1.tif.bak", "seite2.tif", "seite02.tif", "seite10.tif"}
	if !slices.Equal(in, want) {
		t.Errorf("sorted = %q\nwant     %q", in, want)
	}
	for _, c := range []struct {
		a, b string
		want int
	}{{"x", "x", 0}, {"1", "01", -1}, {"01", "1", 1}, {"9", "10", -1}, {"a10b2", "a10b10", -1}, {"10", "9a", 1}} {
		if got := NaturalCompare(c.a, c.b); got != c.want {
			t.Errorf("NaturalCompare(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
