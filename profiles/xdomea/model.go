package xdomea

import (
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
)

// Versions of xdomea, as in the namespace urn:xoev-de:xdomea:schema:<v>.
const (
	V230 = "2.3.0"
	V240 = "2.4.0"
	V300 = "3.0.0"
	V310 = "3.1.0"
	V400 = "4.0.0"
)

// NamespacePrefix is the namespace URI of an xdomea version without the
// version ("urn:xoev-de:xdomea:schema:3.0.0" is NamespacePrefix + "3.0.0").
const NamespacePrefix = "urn:xoev-de:xdomea:schema:"

// Namespace returns the namespace URI of a version.
func Namespace(version string) string { return NamespacePrefix + version }

// Versions returns the versions magazin reads, oldest first. All message
// types of "Aussonderung durchführen" are read in 2.3.0 to 3.1.0; of 4.0.0
// the 0503 is what the corpus holds and what the tests cover.
func Versions() []string { return []string{V230, V240, V300, V310, V400} }

// WriteVersions returns the versions the writers produce replies in: those
// whose KoSIT schemas magazin is tested against.
func WriteVersions() []string { return []string{V230, V240, V300, V310} }

func knownVersion(v string) bool {
	for _, k := range Versions() {
		if k == v {
			return true
		}
	}
	return false
}

// pre300 reports whether v is a 2.x version (different element structure).
func pre300(v string) bool { return strings.HasPrefix(v, "2.") }

// Message type codes of "Aussonderung durchführen".
const (
	Type0501 = "0501" // Anbieteverzeichnis: offer (agency → archive)
	Type0502 = "0502" // Bewertungsverzeichnis: appraisal (archive → agency)
	Type0503 = "0503" // Aussonderung: the transfer (agency → archive)
	Type0504 = "0504" // AnbietungEmpfangBestaetigen: receipt for the 0501
	Type0505 = "0505" // BewertungEmpfangBestaetigen: receipt for the 0502
	Type0506 = "0506" // AussonderungImportBestaetigen: import confirmation
	Type0507 = "0507" // AussonderungEmpfangBestaetigen: receipt for the 0503 (3.0+)
)

// typeNames maps a message type code to the middle part of its root
// element name and long file name ("Aussonderung.<name>.<code>").
var typeNames = map[string]string{
	Type0501: "Anbieteverzeichnis",
	Type0502: "Bewertungsverzeichnis",
	Type0503: "Aussonderung",
	Type0504: "AnbietungEmpfangBestaetigen",
	Type0505: "BewertungEmpfangBestaetigen",
	Type0506: "AussonderungImportBestaetigen",
	Type0507: "AussonderungEmpfangBestaetigen",
}

// RootElement returns the local name of a message type's root element,
// e.g. "Aussonderung.Aussonderung.0503", or "" for an unknown type.
func RootElement(typ string) string {
	n, ok := typeNames[typ]
	if !ok {
		return ""
	}
	return "Aussonderung." + n + "." + typ
}

// Kind is the kind of a Schriftgutobjekt.
type Kind string

// Kinds of Schriftgutobjekte. A Teilakte is an Akte inside an Akte, a
// Teilvorgang a Vorgang inside a Vorgang. Anlagen are kept with their
// Dokument (Object.Anlagen), not as children.
const (
	KindAkte        Kind = "Akte"
	KindTeilakte    Kind = "Teilakte"
	KindVorgang     Kind = "Vorgang"
	KindTeilvorgang Kind = "Teilvorgang"
	KindDokument    Kind = "Dokument"
	KindAnlage      Kind = "Anlage"
	// KindAnschreiben is a cover letter (Anschreiben) of a 0501 or 0503:
	// a Dokument outside the Schriftgutobjekte.
	KindAnschreiben Kind = "Anschreiben"
)

// Level returns the preservation level of description for the kind.
func (k Kind) Level() string {
	switch k {
	case KindAkte, KindTeilakte:
		return preservation.LevelAkte
	case KindVorgang, KindTeilvorgang:
		return preservation.LevelVorgang
	}
	return preservation.LevelDokument
}

// Aussonderungsart codes (code list urn:xoev-de:xdomea:codeliste:aussonderungsart).
const (
	ArchiveA  = "A" // archivwürdig: to be archived
	AppraiseB = "B" // zum Bewerten markiert: to be appraised
	DestroyV  = "V" // zum Vernichten markiert: to be destroyed
)

// Message is a parsed xdomea message of "Aussonderung durchführen".
type Message struct {
	// FileName is the message's file name (base name) when known.
	FileName string
	// Version is the xdomea version from the root element's namespace.
	Version string
	// Namespace is the root element's namespace URI.
	Namespace string
	// Prefix is the namespace prefix the document uses for it ("xdomea").
	Prefix string
	// Root is the root element's local name, e.g.
	// "Aussonderung.Aussonderung.0503".
	Root string
	// Type is the message type code taken from the root element, e.g. "0503".
	Type string
	// Kopf is the message header (in 4.0 the nachrichtenkopf, with the
	// flags and counters from the message body).
	Kopf Kopf
	// Anschreiben are cover letters (0501, 0503).
	Anschreiben []*Object
	// Objects are the Schriftgutobjekte (0501, 0503), in document order.
	Objects []*Object
	// Aktenplandateien are the file-plan files of the message's Aktenplan
	// (0501, 0503), which are primary files outside any object.
	Aktenplandateien []Format
	// Decisions are the BewertetesObjekt entries (0502).
	Decisions []Decision
	// Results are the import results (0506). A 2.x 0506 has one overall
	// result; it is repeated per Rueckgabeparameter (ID and Archivkennung)
	// or given once with an empty ID.
	Results []Result
	// Problems are the structural findings made while parsing (not XSD
	// validation, not file checks).
	Problems preservation.Problems

	// data is the message as parsed (UTF-8), root its element tree; both
	// are kept for pruning.
	data []byte
	root *node
	byID map[string]*Object
}

// Kopf is a message header.
type Kopf struct {
	ProzessID string
	// Nachrichtentyp is the code in Nachrichtentyp/code
	// (nachrichtenkopf/identifikation.nachricht/nachrichtentyp/code in 4.0).
	Nachrichtentyp string
	// NachrichtenUUID identifies the message (4.0 only).
	NachrichtenUUID string
	// Erstellungszeitpunkt is the xs:dateTime the message was created, as
	// written.
	Erstellungszeitpunkt string
	// Absender is the sender (autor in 4.0), Empfaenger the recipient
	// (leser in 4.0).
	Absender   Kontakt
	Empfaenger Kontakt
	// SendendesSystem is the sending system (in 4.0 from the root's
	// produkt/produkthersteller attributes and nachrichtenkopf/InstanzID).
	SendendesSystem System
	Hinweis         string
	// Importbestaetigung (0506 wanted), RueckmeldungArchivkennung (archive
	// references wanted in the 0506) and Empfangsbestaetigung (0507, or for
	// a 0501/0502 the receipt 0504/0505, wanted); nil when absent.
	Importbestaetigung        *bool
	RueckmeldungArchivkennung *bool
	Empfangsbestaetigung      *bool
	// LfdNrNachrichtProTyp and GesamtanzahlNachrichtenProTyp number the
	// messages of one type in a 4.0 process (0 when absent).
	LfdNrNachrichtProTyp          int
	GesamtanzahlNachrichtenProTyp int
}

// Wants reports whether a header flag is set.
func Wants(flag *bool) bool { return flag != nil && *flag }

// Code is a code list value (xoev-code:Code).
type Code struct {
	Code          string
	Name          string
	ListURI       string
	ListVersionID string
}

// String renders "code name", or either alone.
func (c Code) String() string {
	switch {
	case c.Code == "":
		return c.Name
	case c.Name == "":
		return c.Code
	}
	return c.Code + " " + c.Name
}

// Kontakt is a contact (KontaktType): an agency, an organisational unit
// and/or a natural person.
type Kontakt struct {
	// Behoerdenkennung: Kennung is Behoerdenschluessel (3.x, 4.0) or
	// Kennung (2.x); Praefix its prefix.
	Kennung Code
	Praefix Code
	// Institution and InstitutionKurz are the agency's name and short name
	// (Institution/Name, Kurzbezeichnung; NameInstitution in 4.0).
	Institution     string
	InstitutionKurz string
	// Organisationseinheit is the organisational unit's name.
	Organisationseinheit string
	// Person is the natural person's name, nil when none is given.
	Person *PersonName
	// Geburtsdatum is Geburt/Datum (YYYY-MM-DD).
	Geburtsdatum string
	Taetigkeit   string
	Rolle        string
}

// Behoerdenkennung returns the agency key: "<Praefix>:<Kennung>" when both
// codes are given, else the Kennung code, else "".
func (k Kontakt) Behoerdenkennung() string {
	switch {
	case k.Kennung.Code == "":
		return ""
	case k.Praefix.Code == "":
		return k.Kennung.Code
	}
	return k.Praefix.Code + ":" + k.Kennung.Code
}

// DisplayName names the contact: the institution, else its short name,
// else the organisational unit, else the person.
func (k Kontakt) DisplayName() string {
	switch {
	case k.Institution != "":
		return k.Institution
	case k.InstitutionKurz != "":
		return k.InstitutionKurz
	case k.Organisationseinheit != "":
		return k.Organisationseinheit
	case k.Person != nil:
		return k.Person.String()
	}
	return ""
}

func (k Kontakt) empty() bool {
	return k.Kennung.Code == "" && k.Praefix.Code == "" && k.Institution == "" && k.InstitutionKurz == "" &&
		k.Organisationseinheit == "" && k.Person == nil
}

// PersonName is a natural person's name.
type PersonName struct {
	Anrede       string
	Titel        string
	Vorname      string
	Familienname string
}

// String renders "Titel Vorname Familienname".
func (n PersonName) String() string {
	var parts []string
	for _, s := range []string{n.Titel, n.Vorname, n.Familienname} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// System is the sending system.
type System struct {
	InstanzID   string
	Produktname string
	Hersteller  string
	Version     string
}

// String renders "Produktname Version".
func (s System) String() string { return strings.TrimSpace(s.Produktname + " " + s.Version) }

// Laufzeit is a period (ZeitraumType); dates are YYYY-MM-DD or "".
type Laufzeit struct {
	Beginn string
	Ende   string
}

// Aktenplaneinheit is a file-plan unit.
type Aktenplaneinheit struct {
	Kennzeichen   string
	Inhaltsangabe string
	BetreffKurz   string
}

// Object is a Schriftgutobjekt (Akte, Teilakte, Vorgang, Teilvorgang,
// Dokument), an Anlage of a Dokument or an Anschreiben. Fields that a kind
// does not have stay empty.
type Object struct {
	Kind Kind
	// ID is Identifikation/ID (Identifikation/xdomeaUUID in 4.0).
	ID string
	// Nummer is NummerImUebergeordnetenContainer (the Anlage's Nummer for
	// an Anlage).
	Nummer string
	// Kontextobjekt: a 4.0 object sent only as context of its transferred
	// descendants, not transferred itself.
	Kontextobjekt bool

	// AllgemeineMetadaten.
	Betreff          string
	Kennzeichen      string
	Federfuehrung    string
	Aktenfuehrung    string
	Bemerkung        string
	Aktenplaneinheit *Aktenplaneinheit
	// Vertraulichkeitsstufe (Geheimhaltung/Geheimhaltungsgrad in 4.0):
	// 001 Geheim, 002 NfD, 003 Offen, 004 Streng geheim, 005 Vertraulich.
	Vertraulichkeitsstufe Code
	// Einstufungsfrist is Geheimhaltung/Einstufungsfrist (4.0).
	Einstufungsfrist string
	// Datenschutzstufe is Datenschutzstufe or DatenschutzstufeCode (4.0).
	Datenschutzstufe Code
	// Medium: 001 Elektronisch, 002 Hybrid, 003 Papier.
	Medium Code

	// ArchivspezifischeMetadaten (Aussonderungsmetadaten in 4.0).
	// Aufbewahrungsdauer is the number of years, or "unbefristet".
	Aufbewahrungsdauer string
	// Aussonderungsart is the code A, B or V as marked by the agency;
	// AussonderungsartKonfigurierbar a configurable value given instead.
	Aussonderungsart               string
	AussonderungsartKonfigurierbar string
	// Kennung is the archive reference when one was returned.
	Kennung                        string
	Bewertungsvorschlag            string
	BewertungsvorschlagBegruendung string
	Aufbewahrungsende              string
	Transferfristende              string

	Laufzeit     Laufzeit
	Typ          string
	Aktenbetreff string
	Standort     string
	ZdA          *bool
	ZdADatum     string
	// Kontakte are Kontakt (Akte, Vorgang) or Absender, Empfaenger and
	// WeitererKontakt (Dokument; Autor and Leser in 4.0).
	Kontakte []Kontakt

	// Dokument.
	FremdesGeschaeftszeichen string
	Posteingangsdatum        string
	Postausgangsdatum        string
	DatumDesSchreibens       string
	Bezug                    string
	Bearbeiter               string
	Versionen                []Version
	Anlagen                  []*Object

	// Children are the contained objects in document order: for an Akte
	// its Dokumente, Vorgänge and Teilakten; for a Vorgang its Dokumente
	// and Teilvorgänge; for a 4.0 DokumentMitSchriftstueck its
	// Schriftstücke (as Dokumente).
	Children []*Object
	// Parent is the containing object (nil at the top).
	Parent *Object

	node *node
}

// Version is a version of a Dokument.
type Version struct {
	Nummer  string
	Formate []Format
}

// Format is one format of a version and its primary file.
type Format struct {
	// Name is the Dateiformat code (never trusted for preservation; files
	// are identified by content).
	Name            Code
	SonstigerName   string
	Version         string
	Primaerdokument Primaerdokument
}

// Primaerdokument is a primary file.
type Primaerdokument struct {
	// Dateiname is the file's name in the package.
	Dateiname         string
	DateinameOriginal string
	Ersteller         string
	DatumUhrzeit      string
	// ZeitpunktLetzteAenderung (4.0).
	ZeitpunktLetzteAenderung string
	// Hashes are the 4.0 declared hashes.
	Hashes []Hash
	// SignaturDateien are detached signature or seal files
	// (SignaturSiegel/SignaturSiegelDatei, 3.x).
	SignaturDateien []string
}

// Hash is a declared hash of a primary file (4.0).
type Hash struct {
	// Algorithmus is the code from
	// urn:xoev-de:kosit:codeliste:xta.serviceprofile.kryptographische-algorithmen
	// (e.g. "SHA-256"), or the SonstigerAlgorithmus text.
	Algorithmus string
	Wert        string
}

// Files returns the names of the primary files of the object itself: of
// its versions' formats and their signature files and of its Anlagen, in
// document order and without duplicates. Objects other than documents
// have none.
func (o *Object) Files() []string {
	var names []string
	seen := map[string]bool{}
	var add func(d *Object)
	add = func(d *Object) {
		for _, v := range d.Versionen {
			for _, f := range v.Formate {
				for _, n := range append([]string{f.Primaerdokument.Dateiname}, f.Primaerdokument.SignaturDateien...) {
					if n != "" && !seen[n] {
						seen[n] = true
						names = append(names, n)
					}
				}
			}
		}
		for _, a := range d.Anlagen {
			add(a)
		}
	}
	add(o)
	return names
}

// Title returns the Betreff, else the Kennzeichen, else "<Kind> <ID>".
func (o *Object) Title() string {
	switch {
	case o.Betreff != "":
		return o.Betreff
	case o.Kennzeichen != "":
		return o.Kennzeichen
	}
	return string(o.Kind) + " " + o.ID
}

// describe names the object in problem messages.
func (o *Object) describe() string {
	s := string(o.Kind)
	if o.Kennzeichen != "" {
		s += " " + o.Kennzeichen
	}
	if o.ID != "" {
		s += " (" + o.ID + ")"
	}
	return s
}

// Decision is the appraisal of one offered object: a BewertetesObjekt of a
// 0502.
type Decision struct {
	// ID is the object's Identifikation/ID.
	ID string
	// Aussonderungsart is "A" (archive) or "V" (destroy).
	Aussonderungsart string
	// Note is the archivist's note on the decision. The 0502 schema has no
	// per-object note; Write0502 sends notes as an
	// AnwendungsspezifischeErweiterung of the header (see there).
	Note string
}

// Result is the import result of one object: an AusgesondertesSGO of a
// 3.x 0506.
type Result struct {
	// ID is the object's Identifikation/ID (IDSGO).
	ID string
	// Erfolgreich reports whether the object was archived.
	Erfolgreich bool
	// Fehlermeldungen are error texts; FehlermeldungCodes coded errors
	// (SonstigeFehlermeldungCodeType: ListURI and ListVersionID required).
	// 2.x has one error text per message, see Write0506.
	Fehlermeldungen    []string
	FehlermeldungCodes []Code
	// Archivkennung is the archive reference (e.g. the Signatur).
	Archivkennung string
}

// Walk calls fn for every object of the message in document order, parents
// before children, Anlagen after their Dokument's children, Anschreiben
// first. It stops when fn returns false.
func (m *Message) Walk(fn func(o *Object) bool) {
	var walk func(os []*Object) bool
	walk = func(os []*Object) bool {
		for _, o := range os {
			if !fn(o) || !walk(o.Children) || !walk(o.Anlagen) {
				return false
			}
		}
		return true
	}
	if walk(m.Anschreiben) {
		walk(m.Objects)
	}
}

// Object returns the object with the Identifikation/ID id, or nil.
func (m *Message) Object(id string) *Object {
	if m.byID != nil {
		return m.byID[strings.ToLower(id)]
	}
	var found *Object
	m.Walk(func(o *Object) bool {
		if strings.EqualFold(o.ID, id) {
			found = o
		}
		return found == nil
	})
	return found
}

// Sender returns the sender's Behördenkennung (see Kontakt.Behoerdenkennung).
func (m *Message) Sender() string { return m.Kopf.Absender.Behoerdenkennung() }

// TopLevel returns the transferred objects that have no transferred
// ancestor: the Schriftgutobjekte, or for a 4.0 context object its
// outermost transferred descendants. Anschreiben are not included.
func (m *Message) TopLevel() []*Object {
	var out []*Object
	var walk func(os []*Object)
	walk = func(os []*Object) {
		for _, o := range os {
			if o.Kontextobjekt {
				walk(o.Children)
				continue
			}
			out = append(out, o)
		}
	}
	walk(m.Objects)
	return out
}

// unitParent returns the nearest ancestor that is not a context object.
func unitParent(o *Object) *Object {
	p := o.Parent
	for p != nil && p.Kontextobjekt {
		p = p.Parent
	}
	return p
}
