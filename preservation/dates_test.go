package preservation

import "testing"

func TestLaufzeit(t *testing.T) {
	for _, c := range []struct{ from, to, compact, text string }{
		{"", "", "", ""},
		{"1950", "1950", "1950", "1950"},
		{"1950", "1960", "1950-1960", "1950–1960"},
		{"1950-03-01", "1960-12-31", "01.03.1950-31.12.1960", "01.03.1950 – 31.12.1960"},
		{"1950-03", "", "03.1950", "ab 03.1950"},
		{"", "1960", "-1960", "bis 1960"},
		{"1950", "1960-12", "1950-12.1960", "1950 – 12.1960"},
		{"um 1950", "um 1950", "um 1950", "um 1950"},
	} {
		if got := Laufzeit(c.from, c.to); got != c.compact {
			t.Errorf("Laufzeit(%q, %q) = %q, want %q", c.from, c.to, got, c.compact)
		}
		if got := LaufzeitText(c.from, c.to); got != c.text {
			t.Errorf("LaufzeitText(%q, %q) = %q, want %q", c.from, c.to, got, c.text)
		}
	}
}
