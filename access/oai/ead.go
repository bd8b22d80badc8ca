package oai

import (
	"regexp"
	"slices"
	"strings"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/preservation"
)

// The ead format: one EAD(DDB) 1.2 Findbuch document per unit of a
// Bestand, holding the Bestand (c level="collection"), the unit's
// ancestors below it (identifier and title only, as the public sees them)
// and the unit itself with its public description and, when closed, its
// access restriction (accessrestrict). It validates against
// EAD_DDB_1.2_Findbuch_XSD1.0.xsd (tested).
//
// NOTE: access/ead (the Findbuch and Tektonik export) was not there when
// this was written. It now renders one public unit (ead.Record, also
// served at /api/v1/units/{ref}/ead), but this renderer cannot simply use
// it yet: ead.Record gives the ancestors their stable Findbuch c/@id, which
// repeat across the records of one ListRecords response (xs:ID must be
// unique in the whole response, which the tests validate), and it needs an
// ISIL, which the provider does not. Switching needs ancestor ids scoped to
// the record in access/ead and records without ISIL.

// eadLevel maps a level of description to EAD's c/@level; under (the
// nearest ancestor's EAD level) decides Vorgang: an item inside a file, a
// file of its own otherwise.
func eadLevel(level, under string) string {
	switch level {
	case preservation.LevelBestand:
		return "collection"
	case preservation.LevelGliederung:
		return "class"
	case preservation.LevelAkte:
		return "file"
	case preservation.LevelVorgang:
		if under == "file" || under == "item" {
			return "item"
		}
		return "file"
	}
	return "item"
}

// ddbDateRE is EAD(DDB)'s pattern for unitdate/@normal.
var ddbDateRE = func() *regexp.Regexp {
	d := `\-?(0|1|2)([0-9]{3})(((01|02|03|04|05|06|07|08|09|10|11|12)((0[1-9])|((1|2)[0-9])|(3[0-1])))|\-((01|02|03|04|05|06|07|08|09|10|11|12)(\-((0[1-9])|((1|2)[0-9])|(3[0-1])))?))?`
	return regexp.MustCompile(`^(` + d + `)(/` + d + `)?$`)
}()

// langCodes maps common language values to ISO 639-2/B.
var langCodes = map[string]string{
	"de": "ger", "deu": "ger", "ger": "ger", "deutsch": "ger",
	"en": "eng", "eng": "eng", "englisch": "eng",
	"fr": "fre", "fra": "fre", "fre": "fre", "französisch": "fre",
	"la": "lat", "lat": "lat", "latein": "lat",
	"pl": "pol", "pol": "pol", "polnisch": "pol",
	"cs": "cze", "ces": "cze", "cze": "cze", "tschechisch": "cze",
	"ru": "rus", "rus": "rus", "russisch": "rus",
	"hsb": "hsb", "obersorbisch": "hsb", "dsb": "dsb", "niedersorbisch": "dsb",
}

// eadID makes the xs:ID (an NCName) of the c of unit id in the record of
// unit rec: u_<id> for the unit itself, stable across responses; an
// ancestor, which stands in the records of all its descendants, gets the
// record's unit appended, because IDs must be unique in the whole
// response that holds many records.
func eadID(id, rec string) string {
	s := "u_" + nonNameRE.ReplaceAllString(id, "_")
	if id != rec {
		s += ".in." + nonNameRE.ReplaceAllString(rec, "_")
	}
	return s
}

var nonNameRE = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// writeEAD writes the ead record of the public view pu, a unit of the
// Bestand e.bestand.
func (p *Provider) writeEAD(w xw, pu *access.PublicUnit, e entry, day string, req *request) error {
	// The chain from the Bestand down to the unit, as the public sees it.
	chain := append(make([]access.Crumb, 0, len(pu.Ancestors)+1), pu.Ancestors...)
	u := &pu.Unit
	chain = append(chain, access.Crumb{ID: u.ID, Level: u.Level, Signatur: u.Signatur, Title: u.Title})
	start := -1
	for i, c := range chain {
		if c.Level == preservation.LevelBestand {
			start = i
		}
	}
	if start < 0 {
		// The Bestand is not among the ancestors: the unit stands alone
		// under a Bestand named by its id.
		chain = append([]access.Crumb{{ID: e.bestand, Level: preservation.LevelBestand, Title: pu.BestandTitle}}, chain...)
		start = 0
	}
	chain = chain[start:]
	best := chain[0]
	bestTitle := best.Title
	if bestTitle == "" {
		bestTitle = pu.BestandTitle
	}
	if bestTitle == "" {
		bestTitle = best.Signatur
	}
	if bestTitle == "" {
		bestTitle = untitledTitle
	}

	w.open("ead", "xmlns", nsEAD, "xmlns:xlink", nsXLink, "xmlns:xsi", nsXSI,
		"xsi:schemaLocation", nsEAD+" "+schemaEAD, "audience", "external")
	w.open("eadheader", "countryencoding", "iso3166-1", "dateencoding", "iso8601", "langencoding", "iso639-2b",
		"repositoryencoding", "iso15511", "scriptencoding", "iso15924")
	w.elem("eadid", best.ID, "mainagencycode", p.cfg.ISIL, "url", p.unitURL(req, best.ID))
	w.open("filedesc")
	w.open("titlestmt")
	w.elem("titleproper", bestTitle)
	w.close("titlestmt")
	w.close("filedesc")
	w.open("profiledesc")
	w.open("creation")
	w.elem("date", day, "normal", day)
	w.close("creation")
	w.close("profiledesc")
	w.close("eadheader")
	w.open("archdesc", "level", "collection", "type", "Findbuch")
	w.open("did")
	w.open("repository")
	w.elem("corpname", p.cfg.RepositoryName, "role", p.cfg.ArchiveType, "id", p.cfg.ISIL)
	w.close("repository")
	w.close("did")
	w.open("dsc")

	under := ""
	for i, c := range chain {
		lv := eadLevel(c.Level, under)
		under = lv
		w.open("c", "level", lv, "id", eadID(c.ID, u.ID))
		if i < len(chain)-1 {
			// An ancestor: where the unit stands.
			t := c.Title
			if t == "" {
				t = hiddenTitle
			}
			w.open("did")
			w.elem("unitid", c.Signatur)
			w.elem("unittitle", t)
			w.close("did")
			continue
		}
		p.writeEADUnit(w, pu, req)
	}
	for range chain {
		w.close("c")
	}
	w.close("dsc")
	w.close("archdesc")
	w.close("ead")
	return nil
}

// writeEADUnit writes the description of the unit itself inside its c.
func (p *Provider) writeEADUnit(w xw, pu *access.PublicUnit, req *request) {
	u := &pu.Unit
	w.open("did")
	w.elem("unitid", u.Signatur)
	w.elem("unitid", u.SourceRef, "type", "Altsignatur")
	w.elem("unittitle", title(pu))
	if lz := laufzeit(u); lz != "" {
		normal := ""
		if ddbDateRE.MatchString(lz) {
			normal = lz
		}
		w.elem("unitdate", strings.Replace(lz, "/", " – ", 1), "normal", normal)
	}
	if u.Provenance != "" {
		w.open("origination")
		w.elem("name", u.Provenance)
		w.close("origination")
	}
	genre := ""
	switch u.Level {
	case preservation.LevelAkte, preservation.LevelVorgang:
		genre = "Akten"
	}
	if genre != "" || u.Extent != "" {
		w.open("physdesc")
		w.elem("genreform", levelName(u.Level), "normal", genre)
		w.elem("extent", u.Extent)
		w.close("physdesc")
	}
	if u.Language != "" {
		w.open("langmaterial")
		w.elem("language", u.Language, "langcode", langCodes[strings.ToLower(strings.TrimSpace(u.Language))])
		w.close("langmaterial")
	}
	w.close("did")
	if u.Scope != "" {
		w.open("scopecontent")
		w.elem("p", u.Scope)
		w.close("scopecontent")
	}
	var terms [][2]string
	for _, ps := range u.Persons {
		terms = append(terms, [2]string{"persname", ps.Name})
	}
	for _, pl := range u.Places {
		terms = append(terms, [2]string{"geogname", pl})
	}
	for _, s := range u.Subjects {
		terms = append(terms, [2]string{"subject", s})
	}
	terms = slices.DeleteFunc(terms, func(t [2]string) bool { return strings.TrimSpace(t[1]) == "" })
	if len(terms) > 0 {
		w.open("index")
		for _, t := range terms {
			w.open("indexentry")
			w.elem(t[0], t[1])
			w.close("indexentry")
		}
		w.close("index")
	}
	w.open("otherfindaid")
	w.elem("extref", "Verzeichnungseinheit im Lesesaal des Archivs", "xlink:role", "url_archivalunit", "xlink:href", p.unitURL(req, u.ID))
	w.close("otherfindaid")
	if !pu.Open {
		w.open("accessrestrict")
		w.elem("p", rights(pu))
		w.close("accessrestrict")
	}
}
