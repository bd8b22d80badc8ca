package xdomea

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// Errors of the writers.
var (
	// ErrUnsupportedVersion: replies are written only in the versions of
	// WriteVersions (those with KoSIT schemas to validate against).
	ErrUnsupportedVersion = errors.New("xdomea: replies cannot be written in this version")
	// ErrNotInVersion: the message type does not exist in the version
	// (0507 before 3.0).
	ErrNotInVersion = errors.New("xdomea: message type does not exist in this version")
)

// ReplyOptions configure the messages the archive writes.
type ReplyOptions struct {
	// Absender is the archive as the sender of the reply. When it names
	// nobody, the Empfaenger of the incoming message is used (the archive
	// as the agency addressed it). Only the Behördenkennung, the
	// institution and the organisational unit are written.
	Absender Kontakt
	// System is the SendendesSystem; when Produktname is empty, "magazin".
	System System
	// Hinweis is an optional note in the header.
	Hinweis string
	// NoReceipt: a 0502 asks for the receipt 0505 (Empfangsbestaetigung)
	// unless NoReceipt is set.
	NoReceipt bool
}

// NotesExtension identifies the AnwendungsspezifischeErweiterung in which
// Write0502 sends the archivist's notes (one Feld per object: Name is the
// object ID, Wert the note); Parse reads them back into Decision.Note.
const NotesExtension = "urn:magazin-archiv:xdomea:bewertungsnotizen"

// Write0502 writes the appraisal (Bewertungsverzeichnis) for an offer
// (0501): one BewertetesObjekt per decision, in the order given. Decisions
// are "A" or "V" (B is not sent) for objects of the offer, each object at
// most once; objects without a decision inherit their parent's in the
// agency's system. The schema has no per-object note: notes are sent as an
// AnwendungsspezifischeErweiterung of the header (see NotesExtension).
// It returns the message and its file name per the naming rules.
func Write0502(offer *Message, decisions []Decision, now time.Time, opts ReplyOptions) ([]byte, string, error) {
	if err := checkIncoming(offer, Type0501, Type0502); err != nil {
		return nil, "", err
	}
	if len(decisions) == 0 {
		return nil, "", errors.New("xdomea: a 0502 needs at least one decision")
	}
	w := newWriter(offer.Version)
	seen := map[string]bool{}
	var objs, notes []*el
	for _, d := range decisions {
		o := offer.Object(d.ID)
		if o == nil || o.Kind == KindAnschreiben || o.Kind == KindAnlage {
			return nil, "", fmt.Errorf("xdomea: decision for %s: no such Schriftgutobjekt in the offer", d.ID)
		}
		if !IsUUID(o.ID) {
			return nil, "", fmt.Errorf("xdomea: decision for %s: the object's ID is not a UUID", d.ID)
		}
		key := strings.ToLower(o.ID)
		if seen[key] {
			return nil, "", fmt.Errorf("xdomea: two decisions for %s", o.ID)
		}
		seen[key] = true
		a := strings.ToUpper(strings.TrimSpace(d.Aussonderungsart))
		if a != ArchiveA && a != DestroyV {
			return nil, "", fmt.Errorf("xdomea: decision for %s is %q; a 0502 sends A or V", o.ID, d.Aussonderungsart)
		}
		code := w.code("Aussonderungsart", Code{Code: a, ListURI: "urn:xoev-de:xdomea:codeliste:aussonderungsart", ListVersionID: "1.0"})
		if !pre300(offer.Version) {
			code = x("Aussonderungsart", code) // AussonderungsartType: choice of code or configurable value
		}
		objs = append(objs, x("BewertetesObjekt", w.t("ID", o.ID), code))
		if n := strings.TrimSpace(d.Note); n != "" {
			notes = append(notes, x("Feld", w.t("Name", o.ID), w.t("Wert", n)))
		}
	}
	var ext *el
	if len(notes) > 0 {
		ext = x("AnwendungsspezifischeErweiterung",
			append([]*el{w.t("Kennung", NotesExtension), w.t("Name", "Bewertungsnotizen"),
				w.t("Beschreibung", "Notizen des Archivs zur Bewertung einzelner Schriftgutobjekte; Feld/Name ist die ID des Objekts, Feld/Wert die Notiz.")},
				notes...)...)
	}
	kopf := w.kopf(offer, Type0502, now, opts, ext)
	kopf.kids = append(kopf.kids, w.t("Empfangsbestaetigung", boolText(!opts.NoReceipt)))
	return w.finish(offer, Type0502, append([]*el{kopf}, objs...))
}

// Write0504 writes the receipt (AnbietungEmpfangBestaetigen) for an offer.
func Write0504(offer *Message, now time.Time, opts ReplyOptions) ([]byte, string, error) {
	if err := checkIncoming(offer, Type0501, Type0504); err != nil {
		return nil, "", err
	}
	w := newWriter(offer.Version)
	return w.finish(offer, Type0504, []*el{w.kopf(offer, Type0504, now, opts, nil)})
}

// Write0507 writes the receipt (AussonderungEmpfangBestaetigen) for a
// transfer. It exists from xdomea 3.0 on (ErrNotInVersion before); whether
// the agency wants it is in the transfer's Kopf.Empfangsbestaetigung.
func Write0507(transfer *Message, now time.Time, opts ReplyOptions) ([]byte, string, error) {
	if err := checkIncoming(transfer, Type0503, Type0507); err != nil {
		return nil, "", err
	}
	if pre300(transfer.Version) {
		return nil, "", fmt.Errorf("%w: 0507 in %s", ErrNotInVersion, transfer.Version)
	}
	w := newWriter(transfer.Version)
	return w.finish(transfer, Type0507, []*el{w.kopf(transfer, Type0507, now, opts, nil)})
}

// Write0506 writes the import confirmation (AussonderungImportBestaetigen)
// for a transfer, with a result per object (ImportResults builds them).
//
// From 3.0 on each result is an AusgesondertesSGO with its own success
// flag, error texts, coded errors (FehlermeldungCode) and Archivkennung.
// Before 3.0 the schema has one ErfolgOderMisserfolg for the whole
// transfer: Erfolgreich is true only if every result is, the error texts
// of all results are joined into its one Fehlermeldung (prefixed with the
// object ID), coded errors are not sent, and each Archivkennung is a
// Rueckgabeparameter. Archivkennungen are sent for successful results
// unless the transfer's RueckmeldungArchivkennung is false.
func Write0506(transfer *Message, results []Result, now time.Time, opts ReplyOptions) ([]byte, string, error) {
	if err := checkIncoming(transfer, Type0503, Type0506); err != nil {
		return nil, "", err
	}
	if len(results) == 0 {
		return nil, "", errors.New("xdomea: a 0506 needs at least one result")
	}
	results = slices.Clone(results)
	for i, r := range results {
		o := transfer.Object(r.ID)
		if o == nil || o.Kind == KindAnschreiben || o.Kind == KindAnlage || !IsUUID(o.ID) {
			return nil, "", fmt.Errorf("xdomea: result for %q: no such Schriftgutobjekt in the transfer", r.ID)
		}
		results[i].ID = o.ID // as the agency wrote it
		for _, c := range r.FehlermeldungCodes {
			if c.Code == "" || c.ListURI == "" || c.ListVersionID == "" {
				return nil, "", fmt.Errorf("xdomea: result for %s: a FehlermeldungCode needs code, listURI and listVersionID", r.ID)
			}
		}
	}
	withRef := transfer.Kopf.RueckmeldungArchivkennung == nil || *transfer.Kopf.RueckmeldungArchivkennung
	w := newWriter(transfer.Version)
	body := []*el{w.kopf(transfer, Type0506, now, opts, nil)}
	if pre300(transfer.Version) {
		ok := true
		var msgs []string
		var params []*el
		for _, r := range results {
			ok = ok && r.Erfolgreich
			if len(r.Fehlermeldungen) > 0 {
				msgs = append(msgs, r.ID+": "+strings.Join(r.Fehlermeldungen, "; "))
			} else if !r.Erfolgreich {
				msgs = append(msgs, r.ID+": nicht übernommen")
			}
			if r.Erfolgreich && r.Archivkennung != "" && withRef {
				params = append(params, x("Rueckgabeparameter", w.t("ID", r.ID), w.t("Archivkennung", r.Archivkennung)))
			}
		}
		e := x("ErfolgOderMisserfolg", w.t("Erfolgreich", boolText(ok)))
		if len(msgs) > 0 {
			e.kids = append(e.kids, w.t("Fehlermeldung", strings.Join(msgs, " | ")))
		}
		e.kids = append(e.kids, params...)
		body = append(body, e)
	} else {
		for _, r := range results {
			s := x("AusgesondertesSGO", w.t("IDSGO", r.ID), w.t("Erfolgreich", boolText(r.Erfolgreich)))
			for _, f := range r.Fehlermeldungen {
				s.kids = append(s.kids, w.t("Fehlermeldung", f))
			}
			for _, c := range r.FehlermeldungCodes {
				s.kids = append(s.kids, w.code("FehlermeldungCode", c))
			}
			if r.Erfolgreich && r.Archivkennung != "" && withRef {
				s.kids = append(s.kids, w.t("Archivkennung", r.Archivkennung))
			}
			body = append(body, s)
		}
	}
	return w.finish(transfer, Type0506, body)
}

// checkIncoming checks that a reply of type reply can answer in.
func checkIncoming(in *Message, want, reply string) error {
	if in == nil {
		return errors.New("xdomea: no message to reply to")
	}
	if in.Type != want {
		return fmt.Errorf("xdomea: a %s answers a %s, not a %s", reply, want, in.Type)
	}
	if !slices.Contains(WriteVersions(), in.Version) {
		return fmt.Errorf("%w: %s (replies are written in %s)", ErrUnsupportedVersion, in.Version, strings.Join(WriteVersions(), ", "))
	}
	if !IsUUID(in.Kopf.ProzessID) {
		return fmt.Errorf("xdomea: the %s has no valid ProzessID (%q)", in.Type, in.Kopf.ProzessID)
	}
	return nil
}

// Container packs a message into its ZIP container: the message as the only
// entry, the container named like the message with ".zip". modified is the
// entry's time stamp.
func Container(messageName string, data []byte, modified time.Time) ([]byte, string, error) {
	if messageName == "" || strings.ContainsAny(messageName, "/\\") {
		return nil, "", fmt.Errorf("xdomea: bad message name %q", messageName)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	f, err := zw.CreateHeader(&zip.FileHeader{Name: messageName, Method: zip.Deflate, Modified: modified})
	if err != nil {
		return nil, "", err
	}
	if _, err := f.Write(data); err != nil {
		return nil, "", err
	}
	if err := zw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), strings.TrimSuffix(messageName, path.Ext(messageName)) + ".zip", nil
}

// writer builds a message of one version.
type writer struct {
	version string
	pre300  bool
}

func newWriter(version string) *writer { return &writer{version: version, pre300: pre300(version)} }

// t is a text element; before 3.0 text is String.Latin.
func (w *writer) t(name, text string) *el {
	if w.pre300 {
		text = latin(text)
	}
	return &el{name: name, text: text}
}

// code is an xoev-code:Code element (code and name are unqualified).
func (w *writer) code(name string, c Code) *el {
	e := &el{name: name}
	if c.ListURI != "" {
		e.attrs = append(e.attrs, [2]string{"listURI", c.ListURI})
	}
	if c.ListVersionID != "" {
		e.attrs = append(e.attrs, [2]string{"listVersionID", c.ListVersionID})
	}
	e.kids = append(e.kids, &el{name: "code", unqualified: true, text: c.Code})
	if c.Name != "" {
		e.kids = append(e.kids, &el{name: "name", unqualified: true, text: c.Name})
	}
	return e
}

// kopf builds the NkBasisType part of the header; ext is an optional
// AnwendungsspezifischeErweiterung.
func (w *writer) kopf(in *Message, typ string, now time.Time, opts ReplyOptions, ext *el) *el {
	listVersion := "2.0"
	if w.pre300 {
		listVersion = "1.0"
	}
	absender := opts.Absender
	if absender.empty() {
		absender = in.Kopf.Empfaenger
	}
	sys := opts.System
	if sys.Produktname == "" {
		sys.Produktname = "magazin"
	}
	s := x("SendendesSystem")
	if sys.InstanzID != "" {
		s.kids = append(s.kids, w.t("InstanzID", sys.InstanzID))
	}
	s.kids = append(s.kids, w.t("Produktname", sys.Produktname))
	if sys.Version != "" {
		s.kids = append(s.kids, w.t("Version", sys.Version))
	}
	k := x("Kopf",
		w.t("ProzessID", in.Kopf.ProzessID),
		w.code("Nachrichtentyp", Code{Code: typ, ListURI: "urn:xoev-de:xdomea:codeliste:nachrichtentyp", ListVersionID: listVersion}),
		w.t("Erstellungszeitpunkt", now.Format(time.RFC3339)),
		w.kontakt("Absender", absender),
		w.kontakt("Empfaenger", in.Kopf.Absender),
		s,
	)
	if opts.Hinweis != "" {
		k.kids = append(k.kids, w.t("Hinweis", opts.Hinweis))
	}
	if ext != nil {
		k.kids = append(k.kids, ext)
	}
	return k
}

// kontakt writes the identifying parts of a contact.
func (w *writer) kontakt(name string, k Kontakt) *el {
	e := x(name)
	if k.Kennung.Code != "" || k.Praefix.Code != "" {
		b := x("Behoerdenkennung")
		kennung := "Behoerdenschluessel"
		if w.pre300 {
			kennung = "Kennung"
		}
		if k.Kennung.Code != "" {
			b.kids = append(b.kids, w.code(kennung, k.Kennung))
		}
		if k.Praefix.Code != "" {
			b.kids = append(b.kids, w.code("Praefix", k.Praefix))
		}
		e.kids = append(e.kids, b)
	}
	if k.Institution != "" || k.InstitutionKurz != "" {
		i := x("Institution")
		if k.Institution != "" {
			i.kids = append(i.kids, w.t("Name", k.Institution))
		}
		if k.InstitutionKurz != "" {
			i.kids = append(i.kids, w.t("Kurzbezeichnung", k.InstitutionKurz))
		}
		e.kids = append(e.kids, i)
	}
	if k.Organisationseinheit != "" {
		e.kids = append(e.kids, x("Organisationseinheit", w.t("Name", k.Organisationseinheit)))
	}
	return e
}

// finish serialises the message with the literal xdomea prefix.
func (w *writer) finish(in *Message, typ string, body []*el) ([]byte, string, error) {
	name, err := MessageFileName(in.Kopf.ProzessID, typ, w.version, 0, "xml")
	if err != nil {
		return nil, "", err
	}
	root := &el{name: RootElement(typ), kids: body, attrs: [][2]string{{"xmlns:xdomea", Namespace(w.version)}}}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	root.write(&b, 0)
	return b.Bytes(), name, nil
}

// boolText writes xs:boolean as 1/0, as the agency systems' messages do.
func boolText(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// el is an element to write.
type el struct {
	name        string
	unqualified bool
	attrs       [][2]string
	text        string
	kids        []*el
}

func x(name string, kids ...*el) *el { return &el{name: name, kids: kids} }

func (e *el) write(b *bytes.Buffer, depth int) {
	indent := strings.Repeat("  ", depth)
	name := e.name
	if !e.unqualified {
		name = "xdomea:" + name
	}
	b.WriteString(indent + "<" + name)
	for _, a := range e.attrs {
		b.WriteString(" " + a[0] + `="`)
		_ = xml.EscapeText(b, []byte(a[1]))
		b.WriteString(`"`)
	}
	switch {
	case len(e.kids) > 0:
		b.WriteString(">\n")
		for _, k := range e.kids {
			k.write(b, depth+1)
		}
		b.WriteString(indent + "</" + name + ">\n")
	case e.text != "":
		b.WriteString(">")
		_ = xml.EscapeText(b, []byte(e.text))
		b.WriteString("</" + name + ">\n")
	default:
		b.WriteString("/>\n")
	}
}
