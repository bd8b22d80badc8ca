package web

import "testing"

// TestScopeText: a scope note that starts with its own label does not
// repeat it under the label; other notes are shown as written.
func TestScopeText(t *testing.T) {
	for _, c := range []struct{ label, text, want string }{
		{"Enthält", "Enthält u. a.: Briefe an den Rat", "u. a.: Briefe an den Rat"},
		{"Enthält", "Enthält: Bauantrag, Genehmigung", "Bauantrag, Genehmigung"},
		{"Enthält", "enthält u.a. Pläne", "u.a. Pläne"},
		{"Enthält", "Haushaltssatzung 1990", "Haushaltssatzung 1990"},
		{"Enthält", "Enthältnisse", "Enthältnisse"},
		{"Enthält", "Enthält", "Enthält"},
		{"Inhalt", "Inhalt: Bauaufsicht", "Bauaufsicht"},
		{"Enthält", "", ""},
	} {
		if got := scopeText(c.label, c.text); got != c.want {
			t.Errorf("scopeText(%q, %q) = %q, want %q", c.label, c.text, got, c.want)
		}
	}
}
