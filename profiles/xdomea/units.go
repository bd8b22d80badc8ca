package xdomea

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/profiles"
)

// Keys of Unit.Extra set by the profile. Values are as in the message;
// codes are rendered "code name" (e.g. "002 NfD").
const (
	ExtraObjektart             = "Objektart" // Akte, Teilakte, Vorgang, Teilvorgang, Dokument, Anschreiben
	ExtraAufbewahrungsdauer    = "Aufbewahrungsdauer"
	ExtraAussonderungsart      = "Aussonderungsart"
	ExtraBewertungsvorschlag   = "Bewertungsvorschlag"
	ExtraVertraulichkeitsstufe = "Vertraulichkeitsstufe"
	ExtraAktenplaneinheit      = "Aktenplaneinheit"
	ExtraMedium                = "Medium"
	// ExtraEntstehungQuelle records where Closure.Created came from:
	// "Laufzeit/Ende", "ZdADatum", "DatumDesSchreibens", "Posteingangsdatum"
	// or "Postausgangsdatum".
	ExtraEntstehungQuelle = "EntstehungQuelle"
	// ExtraHinweisGeheimhaltung is set when the Vertraulichkeitsstufe is
	// other than 003 Offen: a hint that secrecy rules may apply. The profile
	// never sets Closure.Secrecy itself.
	ExtraHinweisGeheimhaltung = "HinweisGeheimhaltung"
	// ExtraHinweisPersonenbezug is set when contact persons with a birth
	// date or a 4.0 Datenschutzstufe are given: a hint that the records may
	// be person-related. The profile never sets Closure.Personal itself.
	ExtraHinweisPersonenbezug = "HinweisPersonenbezug"
	// ExtraKontext describes 4.0 context objects (not transferred) above a
	// top-level unit.
	ExtraKontext = "Kontext"
)

// vertraulichkeit names the codes of urn:xoev-de:xdomea:codeliste:vertraulichkeitsstufe 1.0.
var vertraulichkeit = map[string]string{"001": "Geheim", "002": "NfD", "003": "Offen", "004": "Streng geheim", "005": "Vertraulich"}

// medium names the codes of urn:xoev-de:xdomea:codeliste:medium 1.0.
var medium = map[string]string{"001": "Elektronisch", "002": "Hybrid", "003": "Papier"}

var dateRE = regexp.MustCompile(`^(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})`)

// isoDate returns the YYYY-MM-DD part of an xs:date (dropping a time
// zone), or "" when v is not a date.
func isoDate(v string) string {
	m := dateRE.FindStringSubmatch(v)
	if m == nil {
		return ""
	}
	return m[0]
}

// buildUnits maps the objects of a 0503 to units: one per Akte, Teilakte,
// Vorgang, Teilvorgang, Dokument (Anlagen stay with their Dokument) and
// Anschreiben; 4.0 context objects are skipped and their transferred
// descendants attached to the nearest transferred ancestor.
func buildUnits(m *Message, files []profiles.File) ([]profiles.Unit, error) {
	present := map[string]bool{}
	for _, f := range files {
		present[f.Name] = true
	}
	claimed := map[string]bool{}
	used := map[string]bool{}
	sourceID := map[*Object]string{}
	missing := 0
	sender := m.Kopf.Absender.DisplayName()
	var units []profiles.Unit
	var errOut error
	var visit func(o *Object, context []string)
	visit = func(o *Object, context []string) {
		if errOut != nil {
			return
		}
		if o.Kontextobjekt {
			c := string(o.Kind)
			if o.Kennzeichen != "" {
				c += " " + o.Kennzeichen
			}
			if o.Betreff != "" {
				c += ": " + o.Betreff
			}
			for _, ch := range o.Children {
				visit(ch, append(append([]string(nil), context...), c))
			}
			return
		}
		id := o.ID
		if id == "" {
			missing++
			id = "missing-id-" + strconv.Itoa(missing)
		}
		for base, i := id, 2; used[id]; i++ {
			id = base + "#" + strconv.Itoa(i) // duplicate IDs are reported as XDOMEA_DUPLICATE_ID
		}
		used[id] = true
		sourceID[o] = id
		u := profiles.Unit{Unit: unitOf(o)}
		u.SourceID = id
		if par := unitParent(o); par != nil {
			u.Parent = sourceID[par]
		} else {
			u.Provenance = sender
			if len(context) > 0 {
				if u.Extra == nil {
					u.Extra = map[string]string{}
				}
				u.Extra[ExtraKontext] = strings.Join(context, " > ")
			}
			pruned, err := m.Prune(o)
			if err != nil {
				errOut = err
				return
			}
			u.Metadata = []profiles.File{{Name: MetadataDir + "/" + metadataName(m), Data: pruned, Size: int64(len(pruned))}}
		}
		for _, n := range o.Files() {
			if present[n] && !claimed[n] {
				claimed[n] = true
				u.Files = append(u.Files, n)
			}
		}
		units = append(units, u)
		for _, ch := range o.Children {
			visit(ch, nil)
		}
	}
	for _, o := range m.Anschreiben {
		visit(o, nil)
	}
	for _, o := range m.Objects {
		visit(o, nil)
	}
	return units, errOut
}

func metadataName(m *Message) string {
	if m.FileName != "" {
		return m.FileName
	}
	if n, err := MessageFileName(m.Kopf.ProzessID, m.Type, m.Version, m.Kopf.LfdNrNachrichtProTyp, "xml"); err == nil {
		return n
	}
	return "message.xml"
}

// unitOf maps an object's descriptive fields (not SourceID, Parent, Files).
func unitOf(o *Object) preservation.Unit {
	u := preservation.Unit{Level: o.Kind.Level(), Title: o.Title(), SourceRef: o.Kennzeichen, Extra: map[string]string{}}
	if o.Kind == KindAnschreiben {
		u.Title = "Anschreiben: " + o.Title()
	}
	x := u.Extra
	set := func(k, v string) {
		if v != "" {
			x[k] = v
		}
	}
	set(ExtraObjektart, string(o.Kind))
	set(ExtraAufbewahrungsdauer, o.Aufbewahrungsdauer)
	set(ExtraAussonderungsart, firstNonEmpty(o.Aussonderungsart, o.AussonderungsartKonfigurierbar))
	set(ExtraBewertungsvorschlag, o.Bewertungsvorschlag)
	set("BewertungsvorschlagBegruendung", o.BewertungsvorschlagBegruendung)
	set(ExtraVertraulichkeitsstufe, named(o.Vertraulichkeitsstufe, vertraulichkeit).String())
	set("Einstufungsfrist", o.Einstufungsfrist)
	set("Datenschutzstufe", o.Datenschutzstufe.String())
	if a := o.Aktenplaneinheit; a != nil {
		set(ExtraAktenplaneinheit, strings.TrimSpace(a.Kennzeichen+" "+firstNonEmpty(a.BetreffKurz, a.Inhaltsangabe)))
	}
	set(ExtraMedium, named(o.Medium, medium).String())
	set("Federfuehrung", o.Federfuehrung)
	set("Aktenfuehrung", o.Aktenfuehrung)
	set("Bemerkung", o.Bemerkung)
	set("Typ", o.Typ)
	set("Aktenbetreff", o.Aktenbetreff)
	set("Standort", o.Standort)
	if o.ZdA != nil {
		x["ZdA"] = strconv.FormatBool(*o.ZdA)
	}
	set("ZdADatum", o.ZdADatum)
	set("Aufbewahrungsende", o.Aufbewahrungsende)
	set("Transferfristende", o.Transferfristende)
	set("Kennung", o.Kennung)
	set("NummerImUebergeordnetenContainer", o.Nummer)
	set("Posteingangsdatum", o.Posteingangsdatum)
	set("Postausgangsdatum", o.Postausgangsdatum)
	set("DatumDesSchreibens", o.DatumDesSchreibens)
	set("FremdesGeschaeftszeichen", o.FremdesGeschaeftszeichen)
	set("Bezug", o.Bezug)
	set("Bearbeiter", o.Bearbeiter)
	if len(o.Anlagen) > 0 {
		x["Anlagen"] = strconv.Itoa(len(o.Anlagen))
	}

	// Laufzeit; a Dokument has none and is dated by its letter or post dates.
	u.From, u.To = isoDate(o.Laufzeit.Beginn), isoDate(o.Laufzeit.Ende)
	docDate, docSource := "", ""
	for _, c := range []struct{ v, src string }{
		{o.DatumDesSchreibens, "DatumDesSchreibens"}, {o.Posteingangsdatum, "Posteingangsdatum"}, {o.Postausgangsdatum, "Postausgangsdatum"},
	} {
		if d := isoDate(c.v); d != "" {
			docDate, docSource = d, c.src
			break
		}
	}
	if u.From == "" && u.To == "" && docDate != "" {
		u.From, u.To = docDate, docDate
	}
	// Closure: Entstehung is the date of last processing.
	switch {
	case isoDate(o.Laufzeit.Ende) != "":
		u.Closure.Created, x[ExtraEntstehungQuelle] = isoDate(o.Laufzeit.Ende), "Laufzeit/Ende"
	case isoDate(o.ZdADatum) != "":
		u.Closure.Created, x[ExtraEntstehungQuelle] = isoDate(o.ZdADatum), "ZdADatum"
	case docDate != "":
		u.Closure.Created, x[ExtraEntstehungQuelle] = docDate, docSource
	}

	// Persons: natural persons among the contacts.
	seen := map[string]bool{}
	withBirth := false
	for _, k := range o.Kontakte {
		if k.Person == nil || k.Person.String() == "" {
			continue
		}
		p := preservation.Person{Name: k.Person.String(), Birth: isoDate(k.Geburtsdatum)}
		if p.Birth != "" {
			withBirth = true
		}
		key := p.Name + "\x00" + p.Birth
		if !seen[key] {
			seen[key] = true
			u.Persons = append(u.Persons, p)
		}
	}
	switch {
	case o.Datenschutzstufe.Code != "" || o.Datenschutzstufe.Name != "":
		x[ExtraHinweisPersonenbezug] = "Datenschutzstufe " + o.Datenschutzstufe.String() + ": Personenbezug und Schutzfrist prüfen"
	case withBirth:
		x[ExtraHinweisPersonenbezug] = "Kontaktperson mit Geburtsdatum: Personenbezug und Schutzfrist prüfen"
	}
	if c := o.Vertraulichkeitsstufe.Code; c != "" && c != "003" {
		x[ExtraHinweisGeheimhaltung] = fmt.Sprintf("Vertraulichkeitsstufe %s: prüfen, ob Rechtsvorschriften über Geheimhaltung gelten (verlängerte Schutzfrist)",
			named(o.Vertraulichkeitsstufe, vertraulichkeit))
	}
	if len(x) == 0 {
		u.Extra = nil
	}
	return u
}

// named fills in a code's name from a code list when the message gave none.
func named(c Code, list map[string]string) Code {
	if c.Name == "" {
		c.Name = list[c.Code]
	}
	return c
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
