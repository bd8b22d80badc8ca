package web

import (
	"testing"

	"github.com/magazin-archiv/magazin/preservation"
)

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

// TestFileDisplayName: a file of a representation an E-ARK package brought
// is named by the representation and its path inside the data folder;
// other files by their submitted name.
func TestFileDisplayName(t *testing.T) {
	for _, c := range []struct{ path, name, want string }{
		{"representations/rep1/data/Akte 1/Brief.pdf", "representations/rep1/data/Akte 1/Brief.pdf", "rep1/Akte 1/Brief.pdf"},
		{"representations/original/data/Akte 1/Brief.pdf", "Akte 1/Brief.pdf", "Akte 1/Brief.pdf"},
		// A folder submission that happens to hold such a folder keeps its name.
		{"representations/original/data/representations/rep1/data/x.txt", "representations/rep1/data/x.txt", "representations/rep1/data/x.txt"},
		{"representations/access/data/Brief.png", "Brief.png", "Brief.png"},
	} {
		v, ok := newFileView("urn:uuid:00000000-0000-4000-8000-000000000001", preservation.File{Path: c.path, Name: c.name})
		if !ok || v.Name != c.want {
			t.Errorf("%s (%s): shown as %q, want %q", c.path, c.name, v.Name, c.want)
		}
	}
}
