package ead

import (
	"slices"
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
)

// Keys of preservation.Unit.Extra that the reader fills and the EAD(DDB)
// export writes back. Each holds plain text; several values are separated
// by newlines.
const (
	ExtraUnitdate        = "unitdate"        // the unitdate as written, when it differs from the Laufzeit From–To
	ExtraAbstract        = "abstract"        // did/abstract not used as the scope note
	ExtraAccessrestrict  = "accessrestrict"  // access restrictions as stated (text)
	ExtraUserestrict     = "userestrict"     // conditions of use, licence statements
	ExtraOdd             = "odd"             // other descriptive data (Sonstige Erschließungsangaben)
	ExtraRelatedmaterial = "relatedmaterial" // related material, literature
	ExtraNote            = "note"            // did/note
	ExtraMaterialspec    = "materialspec"    // material
	ExtraDimensions      = "dimensions"      // physdesc/dimensions (Maße)
	ExtraGenreform       = "genreform"       // physdesc/genreform: Archivalientyp (@normal, else the text)
	ExtraVorprovenienz   = "vorprovenienz"   // origination[@label='pre']
	ExtraUrheber         = "urheber"         // origination with another label (author, photographer)
	ExtraDAO             = "dao"             // digital objects: one "<role> <href>" a line (role "link" when none)
	ExtraURL             = "url"             // otherfindaid/extref: the unit in the holding archive's own system
	ExtraPhysloc         = "physloc"         // physical location
	ExtraContainer       = "container"       // boxes, folders
	ExtraUnitid          = "unitid"          // further unitids: one "<type>: <value>" a line
	ExtraSperrvermerk    = "sperrvermerk"    // the end of a closure the finding aid states (YYYY-MM-DD, last day closed)
)

// notes are the descriptive elements kept as text in Extra by their own
// name.
var notes = []string{"bioghist", "arrangement", "custodhist", "acqinfo", "appraisal", "processinfo", "prefercite",
	"altformavail", "originalsloc", "bibliography", "phystech", "separatedmaterial", "accruals", "fileplan"}

// describe reads a unit's own description.
func (p *parser) describe(u *rawUnit) preservation.Unit {
	var v preservation.Unit
	extra := map[string]string{}
	add := func(key, val string) {
		val = strings.TrimSpace(val)
		if val == "" {
			return
		}
		if old := extra[key]; old != "" {
			if slices.Contains(strings.Split(old, "\n"), val) {
				return
			}
			val = old + "\n" + val
		}
		extra[key] = val
	}
	did := u.n.child("did")
	// unitid: the Signatur is the first without @type (or typed as a
	// Signatur / call number); an Altsignatur is the reference the
	// records had before (SourceRef); others are kept in Extra.
	for _, id := range did.children("unitid") {
		val := textOf(id)
		if val == "" {
			continue
		}
		typ := id.attr("type")
		if typ == "" {
			typ = id.attr("localtype")
		}
		switch t := strings.ToLower(typ); {
		case v.Signatur == "" && signaturType(t):
			v.Signatur = val
		case v.SourceRef == "" && altType(t):
			v.SourceRef = val
		default:
			add(ExtraUnitid, typ+": "+val)
		}
	}
	if v.Signatur == "" {
		// No plain unitid: the first one of another type (e.g. the
		// "identifiant" of the Archives nationales).
		for _, id := range did.children("unitid") {
			typ := strings.ToLower(id.attr("type") + id.attr("localtype"))
			if val := textOf(id); val != "" && !altType(typ) {
				v.Signatur = val
				break
			}
		}
	}
	for _, t := range did.children("unittitle") {
		if v.Title = textOf(t); v.Title != "" {
			break
		}
	}
	p.laufzeit(u, did, &v, add)

	// Scope: scopecontent, else an abstract ("Enthält").
	var abstracts []*node
	abstracts = append(abstracts, did.children("abstract")...)
	v.Scope = blocks(u.n.children("scopecontent"))
	if v.Scope == "" {
		for i, a := range abstracts {
			if strings.HasPrefix(strings.ToLower(a.attr("type")), "enth") {
				v.Scope = textOf(a)
				abstracts = slices.Delete(abstracts, i, i+1)
				break
			}
		}
	}
	if v.Scope == "" && len(abstracts) > 0 {
		v.Scope = textOf(abstracts[0])
		abstracts = abstracts[1:]
	}
	for _, a := range abstracts {
		add(ExtraAbstract, textOf(a))
	}

	for _, o := range did.children("origination") {
		val := textOf(o)
		switch l := strings.ToLower(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(o.attr("label")), ":"))); {
		case l == "pre" || strings.Contains(l, "vorprovenienz"):
			add(ExtraVorprovenienz, val)
		case l == "" || strings.Contains(l, "provenienz") || strings.Contains(l, "provenance") || strings.Contains(l, "creator") || strings.Contains(l, "producteur"):
			if v.Provenance == "" {
				v.Provenance = val
			} else if val != "" && val != v.Provenance {
				v.Provenance += "; " + val
			}
		default:
			add(ExtraUrheber, val)
		}
	}

	// Extent and material.
	var extents []string
	for _, pd := range append(did.children("physdesc"), did.children("physdescstructured")...) {
		if pd.name == "physdescstructured" {
			extents = append(extents, strings.TrimSpace(textOf(pd.child("quantity"))+" "+textOf(pd.child("unittype"))))
			continue
		}
		for _, g := range pd.children("genreform") {
			if n := g.attr("normal"); n != "" {
				add(ExtraGenreform, n)
			} else {
				add(ExtraGenreform, textOf(g))
			}
		}
		for _, d := range pd.children("dimensions") {
			add(ExtraDimensions, textOf(d))
		}
		ex := pd.children("extent")
		for _, e := range ex {
			extents = append(extents, textOf(e))
		}
		if len(ex) == 0 && pd.child("genreform") == nil && pd.child("dimensions") == nil {
			extents = append(extents, textOf(pd))
		} else if own := ownText(pd); own != "" {
			extents = append(extents, own)
		}
	}
	for _, set := range did.children("physdescset") {
		for _, pd := range set.children("physdescstructured") {
			extents = append(extents, strings.TrimSpace(textOf(pd.child("quantity"))+" "+textOf(pd.child("unittype"))))
		}
	}
	v.Extent = joinNonEmpty(extents, "; ")
	for _, m := range did.children("materialspec") {
		add(ExtraMaterialspec, textOf(m))
	}
	for _, nt := range did.children("note") {
		add(ExtraNote, blocks([]*node{nt}))
	}
	for _, pl := range did.children("physloc") {
		add(ExtraPhysloc, textOf(pl))
	}
	for _, c := range did.children("container") {
		label := c.attr("type") + c.attr("localtype")
		if label != "" {
			add(ExtraContainer, label+" "+textOf(c))
		} else {
			add(ExtraContainer, textOf(c))
		}
	}

	// Language: ISO 639-2b codes, else the language names.
	var codes, names []string
	for _, lm := range did.children("langmaterial") {
		langs := lm.children("language")
		for _, set := range lm.children("languageset") {
			langs = append(langs, set.children("language")...)
		}
		for _, l := range langs {
			if c := l.attr("langcode"); c != "" && !slices.Contains(codes, c) {
				codes = append(codes, c)
			}
			if t := textOf(l); t != "" {
				names = append(names, t)
			}
		}
		if len(langs) == 0 {
			names = append(names, textOf(lm))
		}
	}
	if len(codes) > 0 {
		v.Language = strings.Join(codes, ", ")
	} else {
		v.Language = joinNonEmpty(names, ", ")
	}

	// Index terms: controlaccess (EAD 2002, EAD3) and index/indexentry
	// (EAD(DDB)), and persons named in origination stay provenance.
	for _, ca := range u.n.children("controlaccess") {
		p.terms(ca, &v)
	}
	for _, ix := range u.n.children("index") {
		p.terms(ix, &v)
	}

	// Digital objects and links.
	daos := append(did.children("dao"), u.n.children("dao")...)
	daos = append(daos, did.children("daogrp")...)
	daos = append(daos, u.n.children("daogrp")...)
	daos = append(daos, did.children("daoset")...)
	daos = append(daos, u.n.children("daoset")...)
	for _, d := range daos {
		for _, loc := range daoLinks(d) {
			add(ExtraDAO, loc)
		}
	}
	for _, of := range u.n.children("otherfindaid") {
		found := false
		for _, x := range descendants(of, "extref") {
			if h := x.attrX("href"); h != "" {
				found = true
				if r := x.attrX("role"); r == "url_archivalunit" || r == "url_findbuch" || r == "url_bestand" || r == "url_tektonik" {
					add(ExtraURL, h)
				} else {
					add("otherfindaid", h)
				}
			}
		}
		if !found {
			add("otherfindaid", blocks([]*node{of}))
		}
	}

	// Notes.
	ar := u.n.children("accessrestrict")
	if t := blocks(ar); t != "" {
		add(ExtraAccessrestrict, t)
	}
	add(ExtraUserestrict, blocks(u.n.children("userestrict")))
	add(ExtraOdd, blocks(u.n.children("odd")))
	add(ExtraRelatedmaterial, blocks(u.n.children("relatedmaterial")))
	for _, name := range notes {
		add(name, blocks(u.n.children(name)))
	}
	f := restrictions(ar)
	v.Closure.Personal, v.Closure.Secrecy = f.personal, f.secrecy
	if f.until != "" {
		add(ExtraSperrvermerk, f.until)
		v.Closure.Until = f.until
	}
	if len(extra) > 0 {
		v.Extra = extra
	}
	return v
}

// terms reads index terms from controlaccess or index (recursively: both
// nest, and index wraps terms in indexentry).
func (p *parser) terms(n *node, v *preservation.Unit) {
	for _, k := range n.kids {
		switch k.name {
		case "controlaccess", "indexentry", "index", "namegrp":
			p.terms(k, v)
		case "persname", "famname":
			if t := textOf(k); t != "" && !slices.ContainsFunc(v.Persons, func(q preservation.Person) bool { return q.Name == t }) {
				v.Persons = append(v.Persons, preservation.Person{Name: t})
			}
		case "geogname":
			if t := textOf(k); t != "" && !slices.Contains(v.Places, t) {
				v.Places = append(v.Places, t)
			}
		case "subject", "corpname", "genreform", "function", "occupation", "title", "name":
			if t := textOf(k); t != "" && !slices.Contains(v.Subjects, t) {
				v.Subjects = append(v.Subjects, t)
			}
		}
	}
}

// daoLinks returns "<role> <href>" for a dao, daogrp (daoloc) or daoset.
func daoLinks(d *node) []string {
	var out []string
	one := func(n *node) {
		h := n.attrX("href")
		if h == "" {
			return
		}
		role := n.attrX("role")
		if role == "" {
			role = n.attr("daotype")
		}
		if role == "" || strings.ContainsAny(role, " \t\n") {
			role = "link"
		}
		out = append(out, role+" "+h)
	}
	switch d.name {
	case "dao":
		one(d)
	default:
		for _, k := range d.kids {
			if k.name == "daoloc" || k.name == "dao" {
				one(k)
			}
		}
	}
	return out
}

func signaturType(t string) bool {
	switch t {
	case "", "signatur", "signature", "call number", "callnumber", "shelfmark", "cote", "cote-de-consultation", "bestellsignatur", "archivaliensignatur":
		return true
	}
	return false
}

func altType(t string) bool {
	return strings.Contains(t, "alt") || strings.Contains(t, "former") || strings.Contains(t, "old") ||
		strings.Contains(t, "vorsignatur") || strings.Contains(t, "ancienne") || strings.Contains(t, "aktenzeichen")
}

// textOf returns the text of n and its descendants with whitespace
// collapsed.
func textOf(n *node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*node)
	walk = func(x *node) {
		if x.name == "" {
			b.WriteString(x.text)
			return
		}
		if x.name == "lb" {
			b.WriteByte(' ')
		}
		for _, k := range x.kids {
			walk(k)
		}
	}
	walk(n)
	return collapse(b.String())
}

// ownText is the text directly in n (not in child elements).
func ownText(n *node) string {
	var b strings.Builder
	for _, k := range n.kids {
		if k.name == "" {
			b.WriteString(k.text)
		}
	}
	return collapse(b.String())
}

func collapse(s string) string {
	// Fast path: nothing to collapse.
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\n' || c == '\t' || c == '\r' || c == ' ' && (i == 0 || i == len(s)-1 || s[i+1] == ' ') || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// blocks returns the text of note-like elements (scopecontent,
// accessrestrict, odd, …): one line per paragraph, list item or
// chronology item, headings left out.
func blocks(ns []*node) string {
	var lines []string
	var walk func(*node)
	walk = func(x *node) {
		switch x.name {
		case "head":
			return
		case "p", "item", "chronitem", "defitem", "event", "address", "blockquote", "legalstatus", "date":
			if t := textOf(x); t != "" {
				if x.name == "chronitem" {
					t = chronText(x)
				}
				lines = append(lines, t)
			}
			return
		case "":
			if t := collapse(x.text); t != "" {
				lines = append(lines, t)
			}
			return
		}
		for _, k := range x.kids {
			walk(k)
		}
	}
	for _, n := range ns {
		for _, k := range n.kids {
			walk(k)
		}
	}
	return strings.Join(lines, "\n")
}

// chronText renders a chronitem as "<event>: <date>".
func chronText(x *node) string {
	date := textOf(x.child("date"))
	if d := normalDate(x.child("date").attr("normal")); d != "" {
		date = d
	}
	ev := textOf(x.child("event"))
	if ev == "" {
		ev = textOf(x.child("eventgrp"))
	}
	switch {
	case ev == "":
		return date
	case date == "":
		return ev
	}
	return ev + ": " + date
}

func descendants(n *node, name string) []*node {
	var out []*node
	var walk func(*node)
	walk = func(x *node) {
		for _, k := range x.kids {
			if k.name == name {
				out = append(out, k)
			}
			walk(k)
		}
	}
	if n != nil {
		walk(n)
	}
	return out
}

func joinNonEmpty(ss []string, sep string) string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return strings.Join(out, sep)
}
