package oai

import (
	"net/url"
	"strings"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/closure"
	"github.com/magazin-archiv/magazin/preservation"
)

// levelNames are the German names of the levels of description.
var levelNames = map[string]string{
	preservation.LevelTektonik:   "Tektonik",
	preservation.LevelBestand:    "Bestand",
	preservation.LevelGliederung: "Gliederung",
	preservation.LevelAkte:       "Akte",
	preservation.LevelVorgang:    "Vorgang",
	preservation.LevelDokument:   "Dokument",
}

func levelName(l string) string {
	if n, ok := levelNames[l]; ok {
		return n
	}
	return l
}

// Texts for what the public view leaves out.
const (
	hiddenTitle   = "Titel gesperrt (personenbezogenes Archivgut)"
	untitledTitle = "Ohne Titel"
)

// personHidden reports whether the public view hides the unit's title and
// scope: closed and person-related, its metadata not published.
func personHidden(pu *access.PublicUnit) bool {
	return !pu.Open && pu.Unit.Closure.Personal && !pu.Unit.PublishMetadata
}

// title is the unit's public title, or what stands for it.
func title(pu *access.PublicUnit) string {
	switch {
	case pu.Unit.Title != "":
		return pu.Unit.Title
	case !pu.Open:
		return hiddenTitle
	}
	return untitledTitle
}

// rights states the unit's access: open, or closed until when and why.
func rights(pu *access.PublicUnit) string {
	if pu.Open {
		return "Frei zugänglich."
	}
	var b strings.Builder
	if pu.Release == "" || pu.Release == closure.Indefinitely {
		b.WriteString("Gesperrt: das Ende der Schutzfrist lässt sich noch nicht bestimmen.")
	} else {
		b.WriteString("Gesperrt (Schutzfrist), zugänglich ab " + pu.Release + ".")
	}
	if pu.Governing != "" {
		b.WriteString(" Schutzfrist: " + pu.Governing + ".")
	}
	if personHidden(pu) {
		b.WriteString(" Die Unterlagen beziehen sich auf Personen; bis zum Ablauf der Schutzfrist sind auch Titel und Inhaltsangabe nicht öffentlich.")
	}
	return b.String()
}

// laufzeit is the unit's Laufzeit as an ISO 8601 interval (or date).
func laufzeit(u *preservation.Unit) string {
	switch {
	case u.From != "" && u.To != "" && u.From != u.To:
		return u.From + "/" + u.To
	case u.From != "":
		return u.From
	}
	return u.To
}

// unitURL is the link to the unit's page in the reading room.
func (p *Provider) unitURL(req *request, id string) string {
	return p.siteURL(req) + "/unit/" + url.PathEscape(id)
}

// writeDC writes the oai_dc record of the public view pu.
func (p *Provider) writeDC(w xw, pu *access.PublicUnit, req *request) {
	u := &pu.Unit
	w.open("oai_dc:dc", "xmlns:oai_dc", nsOAIDC, "xmlns:dc", nsDC, "xmlns:xsi", nsXSI,
		"xsi:schemaLocation", nsOAIDC+" "+schemaOAIDC)
	w.elem("dc:title", title(pu))
	w.elem("dc:identifier", u.Signatur)
	w.elem("dc:identifier", u.ID)
	w.elem("dc:identifier", p.unitURL(req, u.ID))
	w.elem("dc:type", levelName(u.Level))
	w.elem("dc:date", laufzeit(u))
	w.elem("dc:creator", u.Provenance)
	w.elem("dc:description", u.Scope)
	for _, s := range u.Subjects {
		w.elem("dc:subject", s)
	}
	for _, ps := range u.Persons {
		w.elem("dc:subject", ps.Name)
	}
	for _, pl := range u.Places {
		w.elem("dc:coverage", pl)
	}
	w.elem("dc:language", u.Language)
	w.elem("dc:format", u.Extent)
	w.elem("dc:relation", u.Parent)
	if pu.BestandTitle != "" && u.Level != preservation.LevelBestand {
		w.elem("dc:source", "Bestand: "+pu.BestandTitle)
	}
	w.elem("dc:publisher", p.cfg.RepositoryName)
	w.elem("dc:rights", rights(pu))
	w.close("oai_dc:dc")
}
