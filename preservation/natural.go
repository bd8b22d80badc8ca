package preservation

import "strings"

// NaturalCompare compares two names in natural order: runs of ASCII digits
// compare by their numeric value ("2" before "10", "007" equal in value to
// "7" and then ordered by length), everything else byte-wise. It returns
// -1, 0 or +1 like strings.Compare, and 0 only for equal strings. Page
// order of digitised images is the natural order of their names.
func NaturalCompare(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if isDigit(ca) && isDigit(cb) {
			ei, ej := digitsEnd(a, i), digitsEnd(b, j)
			na, nb := strings.TrimLeft(a[i:ei], "0"), strings.TrimLeft(b[j:ej], "0")
			if len(na) != len(nb) {
				return sign(len(na) - len(nb))
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			if ei-i != ej-j {
				// Equal value: fewer leading zeros first.
				return sign((ei - i) - (ej - j))
			}
			i, j = ei, ej
			continue
		}
		if ca != cb {
			return sign(int(ca) - int(cb))
		}
		i++
		j++
	}
	return sign((len(a) - i) - (len(b) - j))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func digitsEnd(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
