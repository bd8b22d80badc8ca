package preservation

// GermanDate writes an ISO date of day, month or year precision
// (YYYY-MM-DD, YYYY-MM, YYYY) the German way: "01.03.1950", "03.1950",
// "1950". Anything else is returned as it is.
func GermanDate(s string) string {
	if !isoShape(s) {
		return s
	}
	switch len(s) {
	case 7:
		return s[5:7] + "." + s[:4]
	case 10:
		return s[8:10] + "." + s[5:7] + "." + s[:4]
	}
	return s
}

// isoShape reports whether s is shaped like YYYY, YYYY-MM or YYYY-MM-DD.
func isoShape(s string) bool {
	if len(s) != 4 && len(s) != 7 && len(s) != 10 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i == 4 || i == 7 {
			if s[i] != '-' {
				return false
			}
		} else if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Laufzeit writes a Laufzeit compactly, as EAD unitdate text: "1950",
// "01.03.1950-31.12.1960", "-1960". EAD export and import both use it, so
// that a round trip keeps no text of its own.
func Laufzeit(from, to string) string {
	if from == "" && to == "" {
		return ""
	}
	if from == to || to == "" {
		return GermanDate(from)
	}
	if from == "" {
		return "-" + GermanDate(to)
	}
	return GermanDate(from) + "-" + GermanDate(to)
}

// LaufzeitText writes a Laufzeit for readers: "1990–1995", "1990",
// "01.03.1990 – 31.12.1995", "ab 1990", "bis 1995".
func LaufzeitText(from, to string) string {
	switch {
	case from == "" && to == "":
		return ""
	case from == "":
		return "bis " + GermanDate(to)
	case to == "":
		return "ab " + GermanDate(from)
	case from == to:
		return GermanDate(from)
	case len(from) == 4 && len(to) == 4:
		return from + "–" + to
	}
	return GermanDate(from) + " – " + GermanDate(to)
}
