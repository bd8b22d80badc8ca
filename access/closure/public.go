package closure

import "github.com/magazin-archiv/magazin/preservation"

// Public returns what the public may see of unit u, whose closure period
// ends on release ("YYYY-MM-DD"; "" means never closed), on the day today
// ("YYYY-MM-DD"), and whether the unit is open. The unit is open from the
// release day on (today >= release). release is what Apply returns for
// the user (or Indefinitely when Calc refused the unit's facts).
//
// This is the one policy function every public route goes through (search
// hits, snippets, facets, detail pages, downloads, exports, the API):
//   - An open unit is shown whole.
//   - A closed unit shows its structure (id, parent, level, Bestand,
//     Signatur, Laufzeit) and the release date; its content (files, AIP)
//     is never delivered: the returned unit has no AIP.
//   - A closed person-related unit (personal, after inheritance: pass the
//     effective facts in u.Closure) additionally hides title, scope, index
//     terms, source reference and extra fields, unless an archivist has
//     published its metadata (u.PublishMetadata).
func Public(u preservation.Unit, release, today string) (preservation.Unit, bool) {
	if release == "" || today >= release {
		return u, true
	}
	v := u
	v.AIP = ""
	if u.Closure.Personal && !u.PublishMetadata {
		v.Title = ""
		v.Scope = ""
		v.Persons = nil
		v.Places = nil
		v.Subjects = nil
		v.SourceRef = ""
		v.Extra = nil
		v.Closure.Persons = nil
	}
	// Closure facts about persons are never public while closed.
	v.Closure.Persons = nil
	return v, false
}
