package eark

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path"
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/profiles"
)

// maxDescriptive bounds the descriptive metadata files read for the
// description record.
const maxDescriptive = 64 << 20

// describe fills Title, Description and Units from the METS header facts
// and the package's descriptive metadata.
func (r *reader) describe() {
	t := r.t
	d := t.Description
	d["specification"] = "E-ARK CSIP/SIP 2.x"
	t.Title = r.name
	if len(r.docs) == 0 || !r.docs[0].info.root {
		return
	}
	root := r.docs[0]
	info, m := root.info, root.m
	put := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			d[k] = v
		}
	}
	put("OBJID", info.objid)
	put("LABEL", info.label)
	put("TYPE", info.typ)
	v, _, _ := m.NS(NSCSIP, "OTHERTYPE")
	put("OTHERTYPE", v)
	put("CONTENTINFORMATIONTYPE", info.cit)
	v, _, _ = m.NS(NSCSIP, "OTHERCONTENTINFORMATIONTYPE")
	put("OTHERCONTENTINFORMATIONTYPE", v)
	put("PROFILE", info.profile)
	var agents []any
	altIDs := map[string][]string{}
	if len(m.Hdr) > 0 {
		h := m.Hdr[0]
		put("CREATEDATE", h.Get("CREATEDATE"))
		put("LASTMODDATE", h.Get("LASTMODDATE"))
		put("RECORDSTATUS", h.Get("RECORDSTATUS"))
		put("OAISPACKAGETYPE", info.packageType)
		for _, a := range h.Agent {
			ag := map[string]any{}
			for _, k := range []string{"ROLE", "OTHERROLE", "TYPE", "OTHERTYPE"} {
				if v := strings.TrimSpace(a.Get(k)); v != "" {
					ag[strings.ToLower(k[:1])+strings.ToLower(k[1:])] = v
				}
			}
			if n := text(a.Name); n != "" {
				ag["name"] = n
			}
			var notes []any
			for _, n := range a.Note {
				if s := strings.TrimSpace(n.Text); s != "" {
					note := map[string]any{"text": s}
					if nt, ok, _ := n.NS(NSCSIP, "NOTETYPE"); ok {
						note["type"] = nt
					}
					notes = append(notes, note)
				}
			}
			if notes != nil {
				ag["notes"] = notes
			}
			agents = append(agents, ag)
		}
		for _, a := range h.AltRecordID {
			if s := strings.TrimSpace(a.Text); s != "" {
				k := a.Get("TYPE")
				altIDs[k] = append(altIDs[k], s)
			}
		}
	}
	if agents != nil {
		d["agents"] = agents
	}
	if len(altIDs) > 0 {
		alt := map[string]any{}
		for k, vs := range altIDs {
			alt[k] = vs
		}
		d["altRecordIDs"] = alt
		if v := altIDs["SUBMISSIONAGREEMENT"]; len(v) > 0 {
			d["submissionAgreement"] = v[0]
		}
		if v := altIDs["REFERENCECODE"]; len(v) > 0 {
			d["referenceCode"] = v[0]
		}
	}
	var reps []any
	for _, rep := range r.reps {
		e := map[string]any{"name": path.Base(rep), "path": rep}
		n := 0
		for _, f := range r.t.Files {
			if strings.HasPrefix(f.Name, rep+"/") {
				n++
			}
		}
		e["files"] = n
		pr := profiles.Representation{Representation: preservation.Representation{Name: path.Base(rep), Source: rep}}
		for _, doc := range r.docs[1:] {
			if doc.info.dir == rep {
				if doc.info.objid != "" {
					e["OBJID"] = doc.info.objid
				}
				if doc.info.cit != "" {
					e["CONTENTINFORMATIONTYPE"] = doc.info.cit
				}
				pr.SourceID, pr.Label, pr.ContentInformationType = doc.info.objid, doc.info.label, doc.info.cit
			}
		}
		reps = append(reps, e)
		// The representation's data folder (CSIPSTR11; spelled in another
		// letter case it is still the data, with a CSIPSTR11 warning)
		// becomes the data of the AIP representation of the same name.
		if data := r.dirFold(rep, "data"); data != "" {
			if r.dirs[rep+"/data"] {
				data = "data"
			}
			pr.Prefix = rep + "/" + data + "/"
			t.Representations = append(t.Representations, pr)
		}
	}
	if reps != nil {
		d["representations"] = reps
	}

	desc := r.descriptive()
	if desc != nil {
		d["descriptive"] = desc.record()
	}
	switch {
	case info.label != "":
		t.Title = info.label
	case desc != nil && desc.title != "":
		t.Title = desc.title
	case info.objid != "":
		t.Title = info.objid
	}
	u := profiles.Unit{Unit: preservation.Unit{Level: preservation.LevelAkte, Title: t.Title, SourceID: info.objid}}
	if u.SourceID == "" {
		u.SourceID = r.name
	}
	for _, a := range m.Hdr {
		for _, ag := range a.Agent {
			if ag.Get("ROLE") == "CREATOR" && (ag.Get("TYPE") == "ORGANIZATION" || ag.Get("TYPE") == "INDIVIDUAL") && u.Provenance == "" {
				u.Provenance = text(ag.Name)
			}
		}
	}
	if desc != nil {
		desc.apply(&u.Unit)
	}
	u.Extra = map[string]string{"OBJID": info.objid}
	for k, v := range map[string]string{"TYPE": info.typ, "CONTENTINFORMATIONTYPE": info.cit, "OAISPACKAGETYPE": info.packageType} {
		if v != "" {
			u.Extra[k] = v
		}
	}
	for _, k := range []string{"SUBMISSIONAGREEMENT", "REFERENCECODE"} {
		if v := altIDs[k]; len(v) > 0 {
			u.Extra[k] = v[0]
		}
	}
	for _, f := range t.Files {
		u.Files = append(u.Files, f.Name)
	}
	t.Units = []profiles.Unit{u}
}

// description is what magazin reads from a descriptive metadata file (EAD
// or Dublin Core).
type description struct {
	source     string // path in the package
	standard   string // "EAD", "EAD3", "DC"
	title      string
	ref        string // unitid / dc:identifier
	from, to   string // ISO dates
	date       string // as written
	scope      string
	provenance string
	extent     string
	language   string
	subjects   []string
	places     []string
}

func (d *description) record() map[string]any {
	rec := map[string]any{"source": d.source, "standard": d.standard}
	for k, v := range map[string]string{"title": d.title, "identifier": d.ref, "date": d.date, "from": d.from, "to": d.to,
		"scope": d.scope, "provenance": d.provenance, "extent": d.extent, "language": d.language} {
		if v != "" {
			rec[k] = v
		}
	}
	if d.subjects != nil {
		rec["subjects"] = d.subjects
	}
	if d.places != nil {
		rec["places"] = d.places
	}
	return rec
}

func (d *description) apply(u *preservation.Unit) {
	if u.Title == "" {
		u.Title = d.title
	}
	if u.SourceRef == "" {
		u.SourceRef = d.ref
	}
	u.From, u.To = d.from, d.to
	u.Scope = d.scope
	if d.provenance != "" {
		u.Provenance = d.provenance
	}
	u.Extent = d.extent
	u.Language = d.language
	u.Subjects = d.subjects
	u.Places = d.places
}

// descriptive reads the package's descriptive metadata: the first dmdSec
// mdRef of the package METS whose file is EAD, else the first that is
// Dublin Core, else such a file in metadata/descriptive. A file that
// cannot be read is a warning (EARK_DESCRIPTIVE).
func (r *reader) descriptive() *description {
	cands := append([]string(nil), r.dmdTargets...)
	for _, f := range sortedKeys(r.files) {
		if strings.HasPrefix(f, "metadata/descriptive/") && strings.HasSuffix(strings.ToLower(f), ".xml") && !contains(cands, f) {
			cands = append(cands, f)
		}
	}
	var dc *description
	for _, c := range cands {
		f := r.files[c]
		if f.Size > maxDescriptive {
			r.p.warn(CodeDescriptive, c, "CSIP21", "the descriptive metadata file has %d bytes; files over %d are not read for the description", f.Size, maxDescriptive)
			continue
		}
		data, err := os.ReadFile(f.Path)
		if err != nil {
			r.p.warn(CodeDescriptive, c, "CSIP21", "cannot read the descriptive metadata: %v", err)
			continue
		}
		d, err := parseDescriptive(data)
		if err != nil {
			r.p.warn(CodeDescriptive, c, "CSIP21", "the descriptive metadata is not well-formed XML: %v", err)
			continue
		}
		if d == nil {
			continue
		}
		d.source = c
		if d.standard != "DC" {
			return d
		}
		if dc == nil {
			dc = d
		}
	}
	return dc
}

// xnode is a small element tree for descriptive metadata.
type xnode struct {
	space, local string
	attrs        []xml.Attr
	kids         []*xnode
	text         strings.Builder
}

func (n *xnode) attr(local string) string {
	for _, a := range n.attrs {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// child returns the first child element named local.
func (n *xnode) child(local string) *xnode {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.local == local {
			return k
		}
	}
	return nil
}

// all returns the text of the element and its descendants, whitespace
// collapsed.
func (n *xnode) all() string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*xnode)
	walk = func(x *xnode) {
		b.WriteString(x.text.String())
		b.WriteByte(' ')
		for _, k := range x.kids {
			walk(k)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

const (
	nsEAD2002 = "urn:isbn:1-931666-22-9"
	nsEAD3    = "http://ead3.archivists.org/schema/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
)

// parseTree parses XML into an xnode tree (bounded depth).
func parseTree(data []byte) (*xnode, error) {
	d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})))
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if enc := charsets[strings.ToLower(label)]; enc != nil {
			return enc.NewDecoder().Reader(r), nil
		}
		return nil, xmlCharsetError(label)
	}
	var root *xnode
	var stack []*xnode
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xnode{space: t.Name.Space, local: t.Name.Local, attrs: t.Attr}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			} else if root == nil {
				root = n
			}
			if len(stack) >= maxDepth {
				return nil, xmlDepthError{}
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		}
	}
	return root, nil
}

type xmlCharsetError string

func (e xmlCharsetError) Error() string { return "unsupported character encoding " + string(e) }

type xmlDepthError struct{}

func (xmlDepthError) Error() string { return "elements nest too deep" }

// parseDescriptive reads EAD 2002, EAD3 or Dublin Core; it returns nil for
// other XML.
func parseDescriptive(data []byte) (*description, error) {
	root, err := parseTree(data)
	if err != nil || root == nil {
		return nil, err
	}
	switch {
	case root.local == "ead" && (root.space == nsEAD2002 || root.space == nsEAD3 || root.space == ""):
		return parseEAD(root), nil
	case root.space == nsDC || hasDCChildren(root):
		return parseDC(root), nil
	}
	return nil, nil
}

func hasDCChildren(n *xnode) bool {
	for _, k := range n.kids {
		if k.space == nsDC {
			return true
		}
	}
	return false
}

func parseEAD(root *xnode) *description {
	d := &description{standard: "EAD"}
	if root.space == nsEAD3 {
		d.standard = "EAD3"
	}
	arch := root.child("archdesc")
	did := arch.child("did")
	d.title = did.child("unittitle").all()
	if d.title == "" {
		if c := root.child("eadheader"); c != nil {
			d.title = c.child("filedesc").child("titlestmt").child("titleproper").all()
		} else {
			d.title = root.child("control").child("filedesc").child("titlestmt").child("titleproper").all()
		}
	}
	d.ref = did.child("unitid").all()
	if ud := did.child("unitdate"); ud != nil {
		d.date = ud.all()
		d.from, d.to = isoRange(ud.attr("normal"))
	} else if ud := did.child("unitdatestructured"); ud != nil {
		d.date = ud.all()
	}
	d.provenance = did.child("origination").all()
	d.extent = did.child("physdesc").child("extent").all()
	if d.extent == "" {
		d.extent = did.child("physdesc").all()
	}
	if lm := did.child("langmaterial"); lm != nil {
		if l := lm.child("language"); l != nil {
			d.language = l.attr("langcode")
		}
	}
	d.scope = arch.child("scopecontent").all()
	if ca := arch.child("controlaccess"); ca != nil {
		for _, k := range ca.kids {
			switch k.local {
			case "subject", "genreform", "function", "occupation":
				d.subjects = append(d.subjects, k.all())
			case "geogname":
				d.places = append(d.places, k.all())
			}
		}
	}
	return d
}

// isoRange splits an EAD @normal date ("1949-01-01/1960-12-31", "1949")
// into ISO dates.
func isoRange(normal string) (from, to string) {
	normal = strings.TrimSpace(normal)
	if normal == "" {
		return "", ""
	}
	from, to, ok := strings.Cut(normal, "/")
	if !ok {
		to = from
	}
	if !isISODate(from) || !isISODate(to) {
		return "", ""
	}
	return from, to
}

func isISODate(s string) bool {
	if len(s) != 4 && len(s) != 7 && len(s) != 10 {
		return false
	}
	for i, c := range s {
		if i == 4 || i == 7 {
			if c != '-' {
				return false
			}
		} else if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func parseDC(root *xnode) *description {
	d := &description{standard: "DC"}
	for _, k := range root.kids {
		if k.space != nsDC && root.space != nsDC {
			continue
		}
		v := k.all()
		if v == "" {
			continue
		}
		switch k.local {
		case "title":
			if d.title == "" {
				d.title = v
			}
		case "identifier":
			if d.ref == "" {
				d.ref = v
			}
		case "date":
			if d.date == "" {
				d.date = v
				d.from, d.to = isoRange(v)
			}
		case "description":
			if d.scope == "" {
				d.scope = v
			}
		case "creator":
			if d.provenance == "" {
				d.provenance = v
			}
		case "language":
			if d.language == "" {
				d.language = v
			}
		case "extent", "format":
			if d.extent == "" && k.local == "extent" {
				d.extent = v
			}
		case "subject":
			d.subjects = append(d.subjects, v)
		case "coverage", "spatial":
			d.places = append(d.places, v)
		}
	}
	return d
}
