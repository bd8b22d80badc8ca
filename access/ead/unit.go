package ead

import (
	"strings"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/closure"
	"github.com/magazin-archiv/magazin/preservation"
)

// Keys of preservation.Unit.Extra the export writes (profiles/ead fills
// them on import; the export may not import profiles, so they are named
// here again).
const (
	xUnitdate        = "unitdate"
	xAbstract        = "abstract"
	xAccessrestrict  = "accessrestrict"
	xUserestrict     = "userestrict"
	xOdd             = "odd"
	xRelatedmaterial = "relatedmaterial"
	xNote            = "note"
	xMaterialspec    = "materialspec"
	xDimensions      = "dimensions"
	xGenreform       = "genreform"
	xVorprovenienz   = "vorprovenienz"
	xUrheber         = "urheber"
	xDAO             = "dao"
	xURL             = "url"
	xUnitid          = "unitid"
)

// notes are further Extra fields written as odd with a German heading.
var notes = []struct{ key, head string }{
	{"bioghist", "Geschichte des Bestandsbildners"}, {"custodhist", "Bestandsgeschichte"}, {"acqinfo", "Erwerb"},
	{"arrangement", "Ordnung"}, {"appraisal", "Bewertung"}, {"processinfo", "Bearbeitung"},
	{"accruals", "Zugänge"}, {"fileplan", "Aktenplan"}, {"phystech", "Erhaltungszustand"},
	{"altformavail", "Andere Überlieferungsformen"}, {"originalsloc", "Verbleib der Originale"},
	{"separatedmaterial", "Getrennt verwahrtes Material"}, {"bibliography", "Literatur"},
	{"prefercite", "Zitierweise"}, {"otherfindaid", "Weitere Findmittel"}, {"physloc", "Lagerort"},
	{"container", "Behältnis"},
}

// Untitled is the unittitle of a closed person-related unit, whose title
// the public does not see (as the reading room shows it).
const Untitled = "Titel gesperrt (personenbezogenes Archivgut)"

// level returns the EAD(DDB) level of a unit.
func (f *file) level(u preservation.Unit, collection bool) string {
	switch {
	case collection:
		return "collection"
	case f.tektonik && u.Level == preservation.LevelBestand:
		return "file"
	}
	switch u.Level {
	case preservation.LevelAkte:
		return "file"
	case preservation.LevelVorgang, preservation.LevelDokument:
		return "item"
	}
	return "class"
}

// unit opens the c of pu and writes its description; the caller writes
// the children and closes the c.
func (f *file) unit(pu *access.PublicUnit) {
	u := pu.Unit
	collection := !f.tektonik && u.Level == preservation.LevelBestand
	id := f.id(u)
	f.open("c", "level", f.level(u, collection), "id", id)
	f.stats.Units++
	// Reduced: closed and person-related; closure.Public has taken its
	// title, scope, index terms and notes away already.
	reduced := !pu.Open && u.Closure.Personal && !u.PublishMetadata
	if !pu.Open {
		f.stats.Closed++
	}
	if reduced {
		f.stats.Reduced++
	}
	structure := u.Level == preservation.LevelTektonik || u.Level == preservation.LevelBestand || u.Level == preservation.LevelGliederung
	ex := u.Extra

	f.open("did")
	if u.Signatur != "" {
		f.leaf("unitid", u.Signatur)
	}
	if u.SourceRef != "" {
		f.leaf("unitid", u.SourceRef, "type", "Altsignatur")
	}
	for _, line := range lines(ex[xUnitid]) {
		if typ, v, ok := strings.Cut(line, ": "); ok && v != "" {
			f.leaf("unitid", v, "type", typ)
		}
	}
	title := u.Title
	switch {
	case title == "" && !pu.Open:
		title = Untitled
	case title == "":
		title = "Ohne Titel"
	}
	f.leaf("unittitle", title)
	if normal := normalOf(u.From, u.To); normal != "" || ex[xUnitdate] != "" {
		text := ex[xUnitdate]
		if text == "" {
			text = preservation.Laufzeit(u.From, u.To)
		}
		f.leaf("unitdate", text, "normal", normal)
	}
	if u.Scope != "" && !structure {
		f.leaf("abstract", u.Scope, "type", "Enthält")
	}
	for _, a := range lines(ex[xAbstract]) {
		f.leaf("abstract", a)
	}
	genre := ex[xGenreform]
	if genre == "" && u.Level == preservation.LevelAkte {
		genre = "Akten"
	}
	if genre != "" && (!f.tektonik || recordTypes[genre]) || u.Extent != "" || ex[xDimensions] != "" {
		f.open("physdesc")
		if genre != "" && (!f.tektonik || recordTypes[genre]) {
			normal := ""
			if recordTypes[genre] {
				normal = genre
			}
			f.leaf("genreform", genre, "normal", normal)
		}
		if u.Extent != "" {
			f.leaf("extent", u.Extent)
		}
		if d := ex[xDimensions]; d != "" {
			f.leaf("dimensions", d)
		}
		f.close("physdesc")
	}
	if m := ex[xMaterialspec]; m != "" {
		f.leaf("materialspec", m)
	}
	if u.Language != "" {
		f.open("langmaterial")
		var codes []string
		for _, c := range strings.Split(u.Language, ",") {
			if c = strings.TrimSpace(c); langcodes[c] {
				codes = append(codes, c)
			}
		}
		if len(codes) > 0 {
			for _, c := range codes {
				f.leaf("language", c, "langcode", c)
			}
		} else {
			f.leaf("language", u.Language)
		}
		f.close("langmaterial")
	}
	if n := ex[xNote]; n != "" {
		f.open("note")
		f.paras(n)
		f.close("note")
	}
	if u.Provenance != "" {
		f.leaf("origination", u.Provenance, "label", "Provenienz")
	}
	for _, v := range lines(ex[xVorprovenienz]) {
		f.leaf("origination", v, "label", "pre")
	}
	for _, v := range lines(ex[xUrheber]) {
		f.leaf("origination", v, "label", "Urheber")
	}
	f.close("did")

	if link := f.unitURL(u); link != "" {
		f.open("otherfindaid")
		f.leaf("extref", "Titelaufnahme im Angebot des Archivs", "xlink:role", "url_archivalunit", "xlink:href", link)
		f.close("otherfindaid")
	}
	if u.Scope != "" && structure {
		f.open("scopecontent")
		f.paras(u.Scope)
		f.close("scopecontent")
	}
	if !pu.Open {
		f.open("accessrestrict")
		f.leaf("head", "Schutzfrist")
		f.indent()
		f.raw("<p>")
		if pu.Release == "" || pu.Release == closure.Indefinitely {
			f.escape("Gesperrt: die Schutzfrist lässt sich noch nicht bestimmen.")
		} else {
			f.escape("Gesperrt – zugänglich ab ")
			f.inline("date", preservation.GermanDate(pu.Release), "normal", pu.Release)
		}
		f.raw("</p>")
		if pu.Governing != "" {
			f.leaf("p", pu.Governing)
		}
		if reduced {
			f.leaf("p", "Titel und Inhalt beziehen sich auf Personen und sind bis zum Ablauf der Schutzfrist nicht öffentlich.")
		}
		f.close("accessrestrict")
	}
	if a := ex[xAccessrestrict]; a != "" {
		f.open("accessrestrict")
		f.paras(a)
		f.close("accessrestrict")
	}
	if a := ex[xUserestrict]; a != "" {
		f.open("userestrict")
		f.paras(a)
		f.close("userestrict")
	}
	if a := ex[xRelatedmaterial]; a != "" {
		f.open("relatedmaterial")
		f.paras(a)
		f.close("relatedmaterial")
	}
	if a := ex[xOdd]; a != "" {
		f.open("odd")
		f.paras(a)
		f.close("odd")
	}
	for _, n := range notes {
		if a := ex[n.key]; a != "" {
			f.open("odd")
			f.leaf("head", n.head)
			f.paras(a)
			f.close("odd")
		}
	}
	if len(u.Persons)+len(u.Places)+len(u.Subjects) > 0 {
		f.open("index")
		for _, p := range u.Persons {
			f.entry("persname", p.Name)
		}
		for _, p := range u.Places {
			f.entry("geogname", p)
		}
		for _, s := range u.Subjects {
			f.entry("subject", s)
		}
		f.close("index")
	}
	if pu.Open && !f.tektonik {
		f.daos(ex[xDAO])
	}
}

func (f *file) entry(name, v string) {
	if v == "" {
		return
	}
	f.open("indexentry")
	f.leaf(name, v)
	f.close("indexentry")
}

// daos writes the unit's digital objects ("<role> <href>" lines) as one
// daogrp; only http(s) addresses are written.
func (f *file) daos(s string) {
	type loc struct{ role, href string }
	var locs []loc
	for _, line := range lines(s) {
		role, href, ok := strings.Cut(line, " ")
		if !ok {
			role, href = "externer_viewer", line
		}
		switch role {
		case "image_full", "image_thumb", "externer_viewer", "METS":
		default:
			role = "externer_viewer"
		}
		if isURL(href) {
			locs = append(locs, loc{role, href})
		}
	}
	if len(locs) == 0 {
		return
	}
	f.open("daogrp")
	f.open("daodesc")
	f.open("list")
	f.open("item")
	f.leaf("genreform", "BILD")
	f.close("item")
	f.close("list")
	f.close("daodesc")
	for _, l := range locs {
		f.empty("daoloc", "xlink:role", l.role, "xlink:href", l.href)
	}
	f.close("daogrp")
}

func (f *file) unitURL(u preservation.Unit) string {
	if f.cfg.UnitURL != "" {
		return strings.ReplaceAll(f.cfg.UnitURL, "{id}", u.ID)
	}
	if l := u.Extra[xURL]; isURL(l) {
		return l
	}
	return ""
}

// paras writes text as one p per line.
func (f *file) paras(s string) {
	for _, l := range lines(s) {
		f.leaf("p", l)
	}
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// normalOf returns unitdate/@normal for a Laufzeit: "from/to", or one
// date; "" when the dates do not fit the EAD(DDB) pattern (years 0000 to
// 2999).
func normalOf(from, to string) string {
	ok := func(d string) bool {
		if len(d) != 4 && len(d) != 7 && len(d) != 10 {
			return false
		}
		if d[0] < '0' || d[0] > '2' {
			return false
		}
		for i := 0; i < len(d); i++ {
			if i == 4 || i == 7 {
				if d[i] != '-' {
					return false
				}
			} else if d[i] < '0' || d[i] > '9' {
				return false
			}
		}
		return true
	}
	switch {
	case from == "" && to == "":
		return ""
	case from == "":
		from = to
	case to == "":
		to = from
	}
	if !ok(from) || !ok(to) {
		return ""
	}
	if from == to {
		return from
	}
	return from + "/" + to
}
