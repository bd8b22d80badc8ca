package xdomea

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
)

// MaxMessageSize bounds the message files the parser reads (the whole
// message is held in memory).
const MaxMessageSize = 1 << 30

// ParseError reports a message that cannot be read at all: not well-formed
// XML, not xdomea, an unsupported version or message type. Problem carries
// the coded reason.
type ParseError struct {
	Problem preservation.Problem
}

func (e *ParseError) Error() string { return "xdomea: " + e.Problem.String() }

var (
	rootRE      = regexp.MustCompile(`^Aussonderung\.([A-Za-z]+)\.(05[0-9]{2})$`)
	versionRE   = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)
	anyRootInNS = regexp.MustCompile(`^[A-Za-z]+\.[A-Za-z]+\.([0-9]{4})$`)
)

// Parse parses a message of "Aussonderung durchführen" (0501 to 0507) in
// any version magazin reads. name is the message's file name (base name,
// may be ""); when it follows the naming rules it is cross-checked with the
// content. It makes structural checks only (no XML schema validation, no
// file checks); their findings are in Message.Problems. A message that
// cannot be read at all gives a *ParseError.
func Parse(data []byte, name string) (*Message, error) {
	perr := func(code, format string, args ...any) error {
		return &ParseError{Problem: errorf(code, name, format, args...)}
	}
	if len(data) > MaxMessageSize {
		return nil, perr(CodeTooLarge, "message is larger than %d bytes", MaxMessageSize)
	}
	utf, err := toUTF8(data)
	if err != nil {
		return nil, perr(CodeEncoding, "%v", err)
	}
	root, err := parseTree(utf)
	if err != nil {
		return nil, perr(CodeMalformed, "not well-formed XML: %v", err)
	}
	if !strings.HasPrefix(root.space, NamespacePrefix) {
		return nil, perr(CodeNotXdomea, "root element %s is not in an xdomea namespace (%s…), but in %q", root.local, NamespacePrefix, root.space)
	}
	version := strings.TrimPrefix(root.space, NamespacePrefix)
	if !versionRE.MatchString(version) || !knownVersion(version) {
		return nil, perr(CodeVersion, "xdomea version %q is not supported (supported: %s)", version, strings.Join(Versions(), ", "))
	}
	rm := rootRE.FindStringSubmatch(root.local)
	if rm == nil || typeNames[rm[2]] != rm[1] {
		what := "not a message of \"Aussonderung durchführen\" (0501-0507)"
		if m := anyRootInNS.FindStringSubmatch(root.local); m != nil {
			what = "message type " + m[1] + " is not one magazin reads (0501-0507)"
		}
		return nil, perr(CodeMessageType, "root element %s: %s", root.local, what)
	}
	m := &Message{FileName: name, Version: version, Namespace: root.space, Root: root.local, Type: rm[2],
		Prefix: rootPrefix(utf, root), data: utf, root: root}
	p := &parser{m: m, name: name}
	p.parse()
	return m, nil
}

type parser struct {
	m    *Message
	name string
}

func (p *parser) add(pr preservation.Problem) { p.m.Problems = append(p.m.Problems, pr) }

func (p *parser) parse() {
	m, root := p.m, p.m.root
	if m.Prefix != "xdomea" {
		p.add(warnf(CodePrefix, p.name, "the xdomea namespace prefix is %q; the specification requires \"xdomea\"", m.Prefix))
	}
	p.parseKopf(root)
	for _, a := range root.children("Anschreiben") {
		m.Anschreiben = append(m.Anschreiben, p.object(a, KindAnschreiben, nil))
	}
	for _, sgo := range root.children("Schriftgutobjekt") {
		for _, k := range sgo.kids {
			switch k.local {
			case "Akte":
				m.Objects = append(m.Objects, p.object(k, KindAkte, nil))
			case "Vorgang":
				m.Objects = append(m.Objects, p.object(k, KindVorgang, nil))
			case "Dokument":
				m.Objects = append(m.Objects, p.object(k, KindDokument, nil))
			}
		}
	}
	for _, f := range root.get("Aktenplan").children("Aktenplandatei") {
		m.Aktenplandateien = append(m.Aktenplandateien, p.format(f, ""))
	}
	for _, b := range root.children("BewertetesObjekt") {
		d := Decision{ID: b.str("ID")}
		if pre300(m.Version) {
			d.Aussonderungsart = b.str("Aussonderungsart", "code")
		} else {
			d.Aussonderungsart = b.str("Aussonderungsart", "Aussonderungsart", "code")
			if d.Aussonderungsart == "" {
				d.Aussonderungsart = b.str("Aussonderungsart", "AussonderungsartKonfigurierbar")
			}
		}
		m.Decisions = append(m.Decisions, d)
	}
	if len(m.Decisions) > 0 {
		notes := map[string]string{}
		for _, ext := range root.get("Kopf").children("AnwendungsspezifischeErweiterung") {
			if ext.str("Kennung") != NotesExtension {
				continue
			}
			for _, f := range ext.children("Feld") {
				notes[strings.ToLower(f.str("Name"))] = f.str("Wert")
			}
		}
		for i := range m.Decisions {
			m.Decisions[i].Note = notes[strings.ToLower(m.Decisions[i].ID)]
		}
	}
	p.parseResults(root)
	p.checkStructure()
}

func (p *parser) parseKopf(root *node) {
	m := p.m
	k := &m.Kopf
	kopf := root.child("Kopf")
	if kopf == nil {
		kopf = root.child("nachrichtenkopf")
	}
	if kopf == nil {
		p.add(errorf(CodeHeader, p.name, "the message has no header (Kopf)"))
		return
	}
	k.ProzessID = kopf.str("ProzessID")
	if kopf.local == "nachrichtenkopf" {
		id := kopf.child("identifikation.nachricht")
		k.NachrichtenUUID = id.str("nachrichtenUUID")
		k.Nachrichtentyp = id.str("nachrichtentyp", "code")
		k.Erstellungszeitpunkt = id.str("erstellungszeitpunkt")
		k.Absender = kontakt(kopf.child("autor"))
		k.Empfaenger = kontakt(kopf.child("leser"))
		k.SendendesSystem = System{InstanzID: kopf.str("InstanzID"), Produktname: root.attr("produkt"),
			Hersteller: root.attr("produkthersteller"), Version: root.attr("produktversion")}
	} else {
		k.Nachrichtentyp = kopf.str("Nachrichtentyp", "code")
		k.Erstellungszeitpunkt = kopf.str("Erstellungszeitpunkt")
		k.Absender = kontakt(kopf.child("Absender"))
		k.Empfaenger = kontakt(kopf.child("Empfaenger"))
		s := kopf.child("SendendesSystem")
		k.SendendesSystem = System{InstanzID: s.str("InstanzID"), Produktname: s.str("Produktname"), Version: s.str("Version")}
	}
	k.Hinweis = kopf.str("Hinweis")
	// The 0503 flags are in the Kopf up to 3.x, in the body in 4.0.
	for _, n := range []*node{kopf, root} {
		if b := n.child("Importbestaetigung").boolean(); b != nil && k.Importbestaetigung == nil {
			k.Importbestaetigung = b
		}
		if b := n.child("RueckmeldungArchivkennung").boolean(); b != nil && k.RueckmeldungArchivkennung == nil {
			k.RueckmeldungArchivkennung = b
		}
		if b := n.child("Empfangsbestaetigung").boolean(); b != nil && k.Empfangsbestaetigung == nil {
			k.Empfangsbestaetigung = b
		}
	}
	k.LfdNrNachrichtProTyp, _ = strconv.Atoi(root.str("LfdNrNachrichtProTyp"))
	k.GesamtanzahlNachrichtenProTyp, _ = strconv.Atoi(root.str("GesamtanzahlNachrichtenProTyp"))

	switch {
	case k.ProzessID == "":
		p.add(errorf(CodeProcessID, p.name, "the header has no ProzessID"))
	case !IsUUID(k.ProzessID):
		p.add(errorf(CodeProcessID, p.name, "ProzessID %q is not a UUID", k.ProzessID))
	}
	switch {
	case k.Nachrichtentyp == "":
		p.add(errorf(CodeHeader, p.name, "the header has no Nachrichtentyp code"))
	case k.Nachrichtentyp != m.Type:
		p.add(errorf(CodeTypeMismatch, p.name, "Nachrichtentyp code is %s, the root element %s is a %s", k.Nachrichtentyp, m.Root, m.Type))
	}
	if k.Erstellungszeitpunkt == "" {
		p.add(errorf(CodeHeader, p.name, "the header has no Erstellungszeitpunkt"))
	}
	if k.LfdNrNachrichtProTyp > 0 && k.GesamtanzahlNachrichtenProTyp > 0 && k.LfdNrNachrichtProTyp > k.GesamtanzahlNachrichtenProTyp {
		p.add(warnf(CodeSequence, p.name, "LfdNrNachrichtProTyp %d exceeds GesamtanzahlNachrichtenProTyp %d", k.LfdNrNachrichtProTyp, k.GesamtanzahlNachrichtenProTyp))
	}
}

// kontakt reads a KontaktType (2.x-4.0).
func kontakt(n *node) Kontakt {
	if n == nil {
		return Kontakt{}
	}
	var k Kontakt
	if b := n.child("Behoerdenkennung"); b != nil {
		for _, name := range []string{"Behoerdenschluessel", "Kennung", "behoerdenschluessel", "kennung"} {
			if c := b.child(name).code(); c.Code != "" {
				k.Kennung = c
				break
			}
		}
		for _, name := range []string{"Praefix", "praefix"} {
			if c := b.child(name).code(); c.Code != "" {
				k.Praefix = c
				break
			}
		}
		// 4.0 (XÖV BehoerdeType): verzeichnisdienst and the key as text,
		// "<Praefix>:<Kennung>" for the DVDV.
		if s := b.str("kennung"); k.Kennung.Code == "" && s != "" {
			if pre, rest, ok := strings.Cut(s, ":"); ok && pre != "" && rest != "" {
				k.Praefix, k.Kennung = Code{Code: pre}, Code{Code: rest}
			} else {
				k.Kennung = Code{Code: s}
			}
		}
	}
	inst := n.child("Institution")
	if inst == nil {
		inst = n.child("NameInstitution")
	}
	k.Institution = inst.str("Name")
	k.InstitutionKurz = inst.str("Kurzbezeichnung")
	k.Organisationseinheit = n.first([]string{"Organisationseinheit", "Name"}, []string{"NameOrganisationseinheit", "Name"})
	pn := n.child("Name")
	if pn == nil {
		pn = n.child("NameAnsprechpartner")
	}
	if pn != nil {
		name := PersonName{Anrede: pn.str("Anrede"), Titel: pn.str("Titel"), Vorname: pn.str("Vorname", "Name"),
			Familienname: pn.str("Familienname", "Name")}
		if name.Vorname != "" || name.Familienname != "" {
			k.Person = &name
		}
	}
	k.Geburtsdatum = n.str("Geburt", "Datum")
	k.Taetigkeit = n.str("Taetigkeit")
	if r := n.child("Rolle"); r != nil {
		if c := r.code(); c.Code != "" || c.Name != "" {
			k.Rolle = c.String()
		} else {
			k.Rolle = r.text
		}
	}
	return k
}

// object reads an Akte, Vorgang or Dokument (or Anlage, Anschreiben) and
// its subtree.
func (p *parser) object(n *node, kind Kind, parent *Object) *Object {
	o := &Object{Kind: kind, Parent: parent, node: n}
	id := n.child("Identifikation")
	o.ID = id.str("ID")
	if o.ID == "" {
		o.ID = id.str("xdomeaUUID")
	}
	o.Nummer = id.str("NummerImUebergeordnetenContainer")
	if kind == KindAnlage && o.Nummer == "" {
		o.Nummer = n.str("Nummer")
	}
	if b := n.child("Kontextobjekt").boolean(); b != nil {
		o.Kontextobjekt = *b
	}
	am := n.child("AllgemeineMetadaten")
	o.Betreff = am.str("Betreff")
	o.Kennzeichen = am.str("Kennzeichen")
	o.Federfuehrung = am.str("Federfuehrung")
	o.Aktenfuehrung = am.str("Aktenfuehrung")
	o.Bemerkung = am.str("Bemerkung")
	if ape := am.child("Aktenplaneinheit"); ape != nil {
		o.Aktenplaneinheit = &Aktenplaneinheit{Kennzeichen: ape.str("Kennzeichen"), Inhaltsangabe: ape.str("Inhaltsangabe"),
			BetreffKurz: ape.str("BetreffKurz")}
	}
	o.Vertraulichkeitsstufe = am.child("Vertraulichkeitsstufe").code()
	if g := am.child("Geheimhaltung"); g != nil {
		o.Vertraulichkeitsstufe = g.child("Geheimhaltungsgrad").code()
		o.Einstufungsfrist = g.str("Einstufungsfrist")
	}
	if c := am.child("DatenschutzstufeCode").code(); c.Code != "" {
		o.Datenschutzstufe = c
	} else if s := am.str("Datenschutzstufe"); s != "" {
		o.Datenschutzstufe = Code{Name: s}
	}
	o.Medium = am.child("Medium").code()

	asm := n.child("ArchivspezifischeMetadaten")
	if asm == nil {
		asm = n.child("Aussonderungsmetadaten")
	}
	if asm != nil {
		if ad := asm.child("Aufbewahrungsdauer"); ad != nil {
			switch {
			case ad.child("AnzahlJahre") != nil:
				o.Aufbewahrungsdauer = ad.str("AnzahlJahre")
			case ad.child("Unbefristet") != nil:
				o.Aufbewahrungsdauer = "unbefristet"
			default:
				o.Aufbewahrungsdauer = ad.text
			}
		}
		if aa := asm.child("Aussonderungsart"); aa != nil {
			if c := aa.str("code"); c != "" {
				o.Aussonderungsart = c // 2.x: the code directly
			} else {
				o.Aussonderungsart = aa.str("Aussonderungsart", "code")
				o.AussonderungsartKonfigurierbar = aa.str("AussonderungsartKonfigurierbar")
			}
		}
		o.Kennung = asm.str("Kennung")
		o.Bewertungsvorschlag = asm.str("Bewertungsvorschlag", "code")
		o.BewertungsvorschlagBegruendung = asm.str("BewertungsvorschlagBegruendung")
		o.Aufbewahrungsende = asm.str("Aufbewahrungsende")
		o.Transferfristende = asm.str("Transferfristende")
	}
	o.Laufzeit = Laufzeit{Beginn: n.str("Laufzeit", "Beginn"), Ende: n.str("Laufzeit", "Ende")}
	o.Typ = n.str("Typ")
	o.Aktenbetreff = n.str("Aktenbetreff")
	o.Standort = n.str("Standort")
	o.ZdA = n.child("ZdA").boolean()
	o.ZdADatum = n.str("ZdADatum")
	for _, name := range []string{"Kontakt", "Absender", "Empfaenger", "Autor", "Leser", "WeitererKontakt"} {
		for _, c := range n.children(name) {
			o.Kontakte = append(o.Kontakte, kontakt(c))
		}
	}
	o.FremdesGeschaeftszeichen = n.str("FremdesGeschaeftszeichen")
	o.Posteingangsdatum = n.str("Posteingangsdatum")
	o.Postausgangsdatum = n.str("Postausgangsdatum")
	o.DatumDesSchreibens = n.str("DatumDesSchreibens")
	o.Bezug = n.str("Bezug")
	o.Bearbeiter = n.str("Bearbeiter")
	for _, v := range n.children("Version") {
		ver := Version{Nummer: v.str("Nummer")}
		for _, f := range v.children("Format") {
			ver.Formate = append(ver.Formate, p.format(f, o.ID))
		}
		o.Versionen = append(o.Versionen, ver)
	}
	for _, a := range n.children("Anlage") {
		o.Anlagen = append(o.Anlagen, p.object(a, KindAnlage, o))
	}
	p.checkID(o)

	// Children, in document order.
	childKind := func(k *node) (Kind, bool) {
		switch {
		case k.local == "Dokument" || k.local == "Schriftstueck" || k.local == "DokumentMitSchriftstueck":
			return KindDokument, true
		case k.local == "Vorgang":
			return KindVorgang, true
		case k.local == "Teilakte":
			return KindTeilakte, true
		case k.local == "Teilvorgang":
			return KindTeilvorgang, true
		}
		return "", false
	}
	var visit func(c *node)
	visit = func(c *node) {
		switch c.local {
		case "Akteninhalt", "DokumentOderDokumentMitSchriftstueck":
			for _, k := range c.kids {
				visit(k)
			}
			return
		}
		if k, ok := childKind(c); ok {
			o.Children = append(o.Children, p.object(c, k, o))
		}
	}
	if kind != KindAnlage && kind != KindAnschreiben {
		for _, c := range n.kids {
			visit(c)
		}
	}
	return o
}

// format reads a FormatType; owner is the object ID for problem paths.
func (p *parser) format(n *node, owner string) Format {
	f := Format{Name: n.child("Name").code(), SonstigerName: n.str("SonstigerName"), Version: n.str("Version")}
	pd := n.child("Primaerdokument")
	f.Primaerdokument = Primaerdokument{
		Dateiname: pd.str("Dateiname"), DateinameOriginal: pd.str("DateinameOriginal"), Ersteller: pd.str("Ersteller"),
		DatumUhrzeit: pd.str("DatumUhrzeit"), ZeitpunktLetzteAenderung: pd.str("ZeitpunktLetzteAenderung"),
	}
	for _, h := range pd.children("Hash") {
		alg := h.str("Algorithmus", "code")
		if alg == "" {
			alg = h.str("SonstigerAlgorithmus")
		}
		f.Primaerdokument.Hashes = append(f.Primaerdokument.Hashes, Hash{Algorithmus: alg, Wert: h.str("Wert")})
	}
	for _, s := range pd.get("SignaturSiegel").children("SignaturSiegelDatei") {
		f.Primaerdokument.SignaturDateien = append(f.Primaerdokument.SignaturDateien, s.text)
	}
	path := owner
	if path == "" {
		path = p.name
	}
	if pd == nil {
		p.add(errorf(CodeBadFileName, path, "a Format has no Primaerdokument"))
		return f
	}
	for _, name := range append([]string{f.Primaerdokument.Dateiname}, f.Primaerdokument.SignaturDateien...) {
		if why := badFileName(name); why != "" {
			p.add(errorf(CodeBadFileName, path, "Dateiname %q %s", name, why))
		}
	}
	for _, h := range f.Primaerdokument.Hashes {
		if _, _, err := h.Declared(); err != nil {
			p.add(errorf(CodeHash, f.Primaerdokument.Dateiname, "%v", err))
		}
	}
	return f
}

// badFileName explains why a Dateiname is not a plain file name, or "".
func badFileName(name string) string {
	switch {
	case name == "":
		return "is empty"
	case name == "." || name == "..":
		return "is not a file name"
	case strings.ContainsAny(name, "/\\"):
		return "contains a path separator; xdomea packages are flat"
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return "contains a control character"
		}
	}
	return ""
}

func (p *parser) checkID(o *Object) {
	switch {
	case o.ID == "":
		p.add(errorf(CodeObjectID, p.name, "%s has no Identifikation/ID", o.describe()))
	case !IsUUID(o.ID):
		p.add(errorf(CodeObjectID, o.ID, "%s: Identifikation/ID %q is not a UUID", o.describe(), o.ID))
	}
}

func (p *parser) parseResults(root *node) {
	m := p.m
	for _, a := range root.children("AusgesondertesSGO") {
		r := Result{ID: a.str("IDSGO"), Archivkennung: a.str("Archivkennung")}
		if b := a.child("Erfolgreich").boolean(); b != nil {
			r.Erfolgreich = *b
		}
		for _, f := range a.children("Fehlermeldung") {
			r.Fehlermeldungen = append(r.Fehlermeldungen, f.text)
		}
		for _, f := range a.children("FehlermeldungCode") {
			r.FehlermeldungCodes = append(r.FehlermeldungCodes, f.code())
		}
		m.Results = append(m.Results, r)
	}
	if e := root.child("ErfolgOderMisserfolg"); e != nil { // 2.x
		ok := true
		if b := e.child("Erfolgreich").boolean(); b != nil {
			ok = *b
		}
		var msgs []string
		if s := e.str("Fehlermeldung"); s != "" {
			msgs = []string{s}
		}
		params := e.children("Rueckgabeparameter")
		if len(params) == 0 {
			m.Results = append(m.Results, Result{Erfolgreich: ok, Fehlermeldungen: msgs})
		}
		for _, rp := range params {
			m.Results = append(m.Results, Result{ID: rp.str("ID"), Archivkennung: rp.str("Archivkennung"), Erfolgreich: ok, Fehlermeldungen: msgs})
		}
	}
}

// checkStructure makes the checks that need the whole message: required
// content per type, duplicate IDs.
func (p *parser) checkStructure() {
	m := p.m
	switch m.Type {
	case Type0501, Type0503:
		if len(m.Objects) == 0 {
			p.add(errorf(CodeNoObjects, p.name, "the %s contains no Schriftgutobjekt", m.Type))
		}
	case Type0502:
		if len(m.Decisions) == 0 {
			p.add(errorf(CodeNoObjects, p.name, "the 0502 appraises no object (BewertetesObjekt)"))
		}
	case Type0506:
		if len(m.Results) == 0 {
			p.add(errorf(CodeNoObjects, p.name, "the 0506 reports on no object"))
		}
	}
	m.byID = map[string]*Object{}
	m.Walk(func(o *Object) bool {
		if o.ID == "" {
			return true
		}
		key := strings.ToLower(o.ID)
		if prev, dup := m.byID[key]; dup {
			p.add(errorf(CodeDuplicateID, o.ID, "%s and %s share one Identifikation/ID", prev.describe(), o.describe()))
			return true
		}
		m.byID[key] = o
		return true
	})
}

// Declared returns the hash as a File.Declared entry: the algorithm by its
// magazin name (sha256, sha512, ...; other algorithms lower-cased, e.g.
// "sha3-256", which the pipeline reports as not verifiable) and the digest
// in lower-case hex. Wert may be hex or base64.
func (h Hash) Declared() (alg, digest string, err error) {
	alg = hashAlgorithm(h.Algorithmus)
	if alg == "" {
		return "", "", fmt.Errorf("hash without an algorithm")
	}
	w := strings.TrimSpace(h.Wert)
	if w == "" {
		return "", "", fmt.Errorf("%s hash without a value", h.Algorithmus)
	}
	want := 0
	if hh := preservation.NewHash(alg); hh != nil {
		want = hh.Size()
	}
	if b, err := hex.DecodeString(w); err == nil && (want == 0 || len(b) == want) {
		return alg, hex.EncodeToString(b), nil
	}
	if b, err := base64.StdEncoding.DecodeString(w); err == nil && want > 0 && len(b) == want {
		return alg, hex.EncodeToString(b), nil
	}
	if want > 0 {
		return "", "", fmt.Errorf("%s hash %q is neither hex nor base64 of %d bytes", h.Algorithmus, w, want)
	}
	return "", "", fmt.Errorf("%s hash %q is not hex", h.Algorithmus, w)
}

// hashAlgorithm maps a code of the XTA crypto algorithm list (or a
// SonstigerAlgorithmus, or an XML-Enc URI) to magazin's algorithm names.
func hashAlgorithm(code string) string {
	c := strings.TrimSpace(code)
	if i := strings.LastIndexByte(c, '#'); i >= 0 {
		c = c[i+1:]
	}
	norm := strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "").Replace(c))
	switch norm {
	case "md5", "sha1", "sha224", "sha256", "sha384", "sha512":
		return norm
	}
	return strings.ToLower(c)
}
