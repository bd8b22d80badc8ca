package ead

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/magazin-archiv/magazin/preservation"
)

// Standards a finding aid is written in.
const (
	StandardDDB  = "EAD(DDB)" // EAD 2002 with archdesc/@type Findbuch or Tektonik
	Standard2002 = "EAD 2002" // namespaced or DTD style without a namespace
	StandardEAD3 = "EAD3"
)

// Kinds of finding aid.
const (
	// KindFindbuch describes the records of (usually) one Bestand.
	KindFindbuch = "Findbuch"
	// KindTektonik describes the archive's structure down to its
	// Bestände (EAD(DDB) archdesc/@type="Tektonik").
	KindTektonik = "Tektonik"
)

// Namespaces read; elements of other namespaces are ignored.
const (
	NS2002            = "urn:isbn:1-931666-22-9"
	NSEAD3            = "http://ead3.archivists.org/schema/"
	nsEAD3Undeprecate = "http://ead3.archivists.org/schema/undeprecated/"
	nsXLink           = "http://www.w3.org/1999/xlink"
)

// FindingAid is one EAD file read into units of description.
type FindingAid struct {
	// Name is the file the finding aid was read from (for messages).
	Name string
	// Standard is StandardDDB, Standard2002 or StandardEAD3.
	Standard string
	// Kind is KindFindbuch or KindTektonik.
	Kind string
	// ID identifies the finding aid: eadid (EAD 2002) or recordid (EAD3),
	// else the file's base name without extension (with CodeNoID).
	ID string
	// Agency is the ISIL or agency code of the archive that made it
	// (eadid/@mainagencycode, control/maintenanceagency/agencycode).
	Agency string
	// Title is the finding aid's title (titleproper).
	Title string
	// Created is the finding aid's creation date (profiledesc/creation/date/@normal), if given.
	Created string
	// Repository names the holding archive (archdesc/did/repository; in a
	// Tektonik the archive's own top component).
	Repository string
	// Units are the units of description, parents before their children,
	// siblings in document order. ID and Bestand are left empty (the
	// import assigns them); SourceID is set and unique within the file;
	// Parent is the parent's SourceID ("" at the top); Order is the
	// position among the siblings, from 1.
	Units []preservation.Unit
	// Problems are the findings; with an error among them Units is empty.
	Problems preservation.Problems
}

// Limits bound what Read accepts, against hostile or broken input. A file
// beyond a limit is refused with CodeLimit, except MaxText, beyond which a
// unit's text is dropped with CodeText.
type Limits struct {
	// MaxBytes is the largest file read (bytes after decoding).
	MaxBytes int64
	// MaxDepth is the deepest element nesting.
	MaxDepth int
	// MaxUnitDepth is the deepest nesting of units of description.
	MaxUnitDepth int
	// MaxUnits is the most units one file may describe.
	MaxUnits int
	// MaxText is the most text (bytes) kept of one unit's description.
	MaxText int
}

// DefaultLimits are generous for real finding aids: 2 GiB, elements 512
// deep, units 40 deep (the catalog follows at most 64 ancestors, and a
// Findbuch goes below a Tektonik), 5 million units, 1 MiB of text a unit.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 2 << 30, MaxDepth: 512, MaxUnitDepth: 40, MaxUnits: 5_000_000, MaxText: 1 << 20}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxUnitDepth <= 0 {
		l.MaxUnitDepth = d.MaxUnitDepth
	}
	if l.MaxUnits <= 0 {
		l.MaxUnits = d.MaxUnits
	}
	if l.MaxText <= 0 {
		l.MaxText = d.MaxText
	}
	return l
}

// ReadFile reads the finding aid in the file at path (see Read).
func ReadFile(path string, lim Limits) (*FindingAid, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ead: %w", err)
	}
	defer f.Close()
	return Read(f, path, lim)
}

// Read reads one EAD file (EAD(DDB) 1.x, EAD 2002 with or without
// namespace, EAD3) into units of description. name is used for messages
// and as the finding aid's id when the file has none. Problems of the file
// are reported in FindingAid.Problems; the error is reserved for I/O
// failures. Read never fetches anything (DTDs and schemas are not read).
func Read(r io.Reader, name string, lim Limits) (*FindingAid, error) {
	lim = lim.withDefaults()
	fa := &FindingAid{Name: name}
	p := &parser{fa: fa, lim: lim}
	err := p.parse(r)
	var ioErr *readError
	if errors.As(err, &ioErr) {
		return nil, fmt.Errorf("ead: read %s: %w", name, ioErr.err)
	}
	if err != nil {
		fa.Problems = append(fa.Problems, p.failure(err))
		fa.Units = nil
		return fa, nil
	}
	p.finish()
	if fa.Problems.HasErrors() {
		fa.Units = nil
	}
	return fa, nil
}

// readError wraps a failure of the underlying reader.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }

// limitError reports a file beyond Limits.
type limitError struct{ msg string }

func (e *limitError) Error() string { return e.msg }

// notEADError reports another XML vocabulary.
type notEADError struct{ root xml.Name }

func (e *notEADError) Error() string {
	if e.root.Space != "" {
		return fmt.Sprintf("the root element is {%s}%s, not ead", e.root.Space, e.root.Local)
	}
	return fmt.Sprintf("the root element is %s, not ead", e.root.Local)
}

func (p *parser) failure(err error) preservation.Problem {
	var le *limitError
	var ne *notEADError
	switch {
	case errors.As(err, &le):
		return problem(preservation.SeverityError, CodeLimit, "", "%s", le.msg)
	case errors.As(err, &ne):
		return problem(preservation.SeverityError, CodeNotEAD, "", "%s", ne.Error())
	}
	return problem(preservation.SeverityError, CodeXML, "", "not well-formed: %v", err)
}

// node is an element (name != "") or a text node of a unit's own
// description or of the header. Child units are not kept in it.
type node struct {
	name  string
	attrs []xml.Attr
	text  string
	kids  []*node
}

// attr returns the value of the attribute local (any namespace but
// xlink's, which attrX reads).
func (n *node) attr(local string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.attrs {
		if a.Name.Local == local && a.Name.Space != nsXLink {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// attrX returns an xlink attribute; EAD3 and DTD-style files write href
// and role without namespace, which is read too.
func (n *node) attrX(local string) string {
	if n == nil {
		return ""
	}
	plain := ""
	for _, a := range n.attrs {
		if a.Name.Local != local {
			continue
		}
		if a.Name.Space == nsXLink || strings.HasSuffix(a.Name.Space, "xlink") {
			return strings.TrimSpace(a.Value)
		}
		if a.Name.Space == "" || a.Name.Space == "xlink" {
			plain = strings.TrimSpace(a.Value)
		}
	}
	return plain
}

// child returns the first child element named name.
func (n *node) child(name string) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

// children returns the child elements named name.
func (n *node) children(name string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, k := range n.kids {
		if k.name == name {
			out = append(out, k)
		}
	}
	return out
}

// rawUnit is a unit of description while the file is read.
type rawUnit struct {
	n        *node // its own description; nil once converted
	parent   int   // index of the parent unit, -1 at the top
	depth    int
	kids     []int
	archdesc bool
	cid      string // @id
	level    string // @level
	other    string // @otherlevel
	unit     preservation.Unit
	dropped  bool // an EAD(DDB) wrapper, not a unit of its own
	text     int  // text bytes kept
	cut      bool // text was dropped
}

type frame struct {
	name string
	n    *node // the node collecting this element; nil: not collected
	unit int   // index of the unit this element opens, else -1
}

type parser struct {
	fa     *FindingAid
	lim    Limits
	units  []*rawUnit
	header *node // eadheader or control
	root   xml.Name
	stack  []frame
	cur    []int // indexes of the open units
}

func isComponent(name string) bool {
	if name == "c" {
		return true
	}
	return len(name) == 3 && name[0] == 'c' && (name[1] == '0' && name[2] >= '1' && name[2] <= '9' || name[1] == '1' && name[2] >= '0' && name[2] <= '2')
}

func eadNamespace(ns string) bool {
	return ns == "" || ns == NS2002 || ns == NSEAD3 || ns == nsEAD3Undeprecate
}

var charsets = map[string]encoding.Encoding{
	"iso-8859-1": charmap.ISO8859_1, "iso_8859-1": charmap.ISO8859_1, "latin1": charmap.ISO8859_1, "l1": charmap.ISO8859_1,
	"iso-8859-15": charmap.ISO8859_15, "latin-9": charmap.ISO8859_15, "windows-1252": charmap.Windows1252,
	"cp1252": charmap.Windows1252, "us-ascii": charmap.ISO8859_1, "ascii": charmap.ISO8859_1,
}

// countingReader enforces MaxBytes and keeps reader errors apart from
// XML errors.
type countingReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	if c.n > c.max {
		return n, &limitError{fmt.Sprintf("the file is larger than %d bytes", c.max)}
	}
	if err != nil && err != io.EOF {
		return n, &readError{err}
	}
	return n, err
}

// input strips a byte order mark; UTF-16 input is decoded to UTF-8.
func input(r io.Reader) (io.Reader, bool) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder().Reader(br), true
	}
	return br, false
}

func (p *parser) parse(r io.Reader) error {
	in, utf16 := input(r)
	d := xml.NewDecoder(&countingReader{r: in, max: p.lim.MaxBytes})
	d.Strict = true
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		l := strings.ToLower(label)
		if utf16 && strings.HasPrefix(l, "utf-16") {
			return r, nil
		}
		if enc := charsets[l]; enc != nil {
			return enc.NewDecoder().Reader(r), nil
		}
		return nil, fmt.Errorf("unsupported character encoding %q", label)
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if p.root.Local == "" {
				return errors.New("no root element")
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := p.start(t); err != nil {
				return err
			}
		case xml.EndElement:
			p.end()
		case xml.CharData:
			p.chars(t)
		}
	}
}

func (p *parser) start(t xml.StartElement) error {
	if len(p.stack) >= p.lim.MaxDepth {
		return &limitError{fmt.Sprintf("elements nest deeper than %d", p.lim.MaxDepth)}
	}
	name := t.Name.Local
	if p.root.Local == "" {
		p.root = t.Name
		if name != "ead" || !eadNamespace(t.Name.Space) {
			return &notEADError{t.Name}
		}
		p.stack = append(p.stack, frame{name: name, unit: -1})
		return nil
	}
	if len(p.stack) == 0 {
		return errors.New("a second root element")
	}
	parent := p.stack[len(p.stack)-1]
	if !eadNamespace(t.Name.Space) {
		// A foreign element: skipped with everything in it.
		p.stack = append(p.stack, frame{name: "", unit: -1})
		return nil
	}
	f := frame{name: name, unit: -1}
	switch {
	case len(p.stack) == 1 && (name == "eadheader" || name == "control"):
		if p.header == nil {
			p.header = &node{name: name, attrs: t.Attr}
			f.n = p.header
		}
	case len(p.stack) == 1 && name == "archdesc",
		isComponent(name) && (parent.name == "dsc" || isComponent(parent.name)) && len(p.cur) > 0:
		if len(p.units) >= p.lim.MaxUnits {
			return &limitError{fmt.Sprintf("more than %d units of description", p.lim.MaxUnits)}
		}
		if len(p.cur) >= p.lim.MaxUnitDepth {
			return &limitError{fmt.Sprintf("units of description nest deeper than %d", p.lim.MaxUnitDepth)}
		}
		u := &rawUnit{n: &node{name: name, attrs: t.Attr}, parent: -1, depth: len(p.cur), archdesc: name == "archdesc"}
		u.cid, u.level, u.other = u.n.attr("id"), strings.TrimSpace(u.n.attr("level")), u.n.attr("otherlevel")
		idx := len(p.units)
		if len(p.cur) > 0 {
			u.parent = p.cur[len(p.cur)-1]
			pu := p.units[u.parent]
			pu.kids = append(pu.kids, idx)
		}
		p.units = append(p.units, u)
		p.cur = append(p.cur, idx)
		f.n, f.unit = u.n, idx
	case parent.n != nil && name != "dsc":
		n := &node{name: name, attrs: t.Attr}
		parent.n.kids = append(parent.n.kids, n)
		f.n = n
	}
	p.stack = append(p.stack, f)
	return nil
}

func (p *parser) end() {
	if len(p.stack) == 0 {
		return
	}
	f := p.stack[len(p.stack)-1]
	p.stack = p.stack[:len(p.stack)-1]
	if f.unit >= 0 {
		p.cur = p.cur[:len(p.cur)-1]
		u := p.units[f.unit]
		u.unit = p.describe(u)
		if !u.archdesc {
			u.n = nil // the archdesc is needed once more by finish
		}
	}
}

func (p *parser) chars(t xml.CharData) {
	if len(p.stack) == 0 {
		return
	}
	f := p.stack[len(p.stack)-1]
	if f.n == nil || len(t) == 0 {
		return
	}
	if len(p.cur) > 0 && f.n != p.header {
		u := p.units[p.cur[len(p.cur)-1]]
		if u.text+len(t) > p.lim.MaxText {
			u.cut = true
			return
		}
		u.text += len(t)
	}
	f.n.kids = append(f.n.kids, &node{text: string(t)})
}

// finish turns the read units into the finding aid: header fields,
// EAD(DDB) wrappers dropped, levels, SourceIDs and order.
func (p *parser) finish() {
	fa := p.fa
	fa.Kind = KindFindbuch
	h := p.header
	switch {
	case p.root.Space == NSEAD3 || p.root.Space == nsEAD3Undeprecate || h != nil && h.name == "control":
		fa.Standard = StandardEAD3
	default:
		fa.Standard = Standard2002
	}
	if h != nil {
		if h.name == "control" {
			fa.ID = textOf(h.child("recordid"))
			fa.Agency = textOf(h.child("maintenanceagency").child("agencycode"))
		} else {
			id := h.child("eadid")
			fa.ID = textOf(id)
			fa.Agency = id.attr("mainagencycode")
			fa.Created = normalDate(h.child("profiledesc").child("creation").child("date").attr("normal"))
		}
		fa.Title = textOf(h.child("filedesc").child("titlestmt").child("titleproper"))
	}
	if fa.ID == "" {
		base := filepath.Base(fa.Name)
		fa.ID = strings.TrimSuffix(base, filepath.Ext(base))
		fa.Problems = append(fa.Problems, problem(preservation.SeverityWarning, CodeNoID, "",
			"no eadid or recordid; the finding aid is identified by its file name %q, so re-import it under the same name", fa.ID))
	}
	if len(p.units) == 0 || !p.units[0].archdesc {
		fa.Problems = append(fa.Problems, problem(preservation.SeverityError, CodeNoUnits, "", "no archdesc: the file describes nothing"))
		return
	}
	arch := p.units[0]
	if t := strings.ToLower(arch.n.attr("type")); t == "findbuch" || t == "tektonik" {
		fa.Standard = StandardDDB
		if t == "tektonik" {
			fa.Kind = KindTektonik
		}
	}
	fa.Repository = textOf(arch.n.child("did").child("repository").child("corpname"))
	if fa.Repository == "" {
		fa.Repository = textOf(arch.n.child("did").child("repository"))
	}
	if fa.Agency == "" {
		for _, c := range arch.n.child("did").child("repository").children("corpname") {
			if id := c.attr("id"); id != "" && !strings.EqualFold(c.attr("role"), "Aggregator") {
				fa.Agency = id
				break
			}
		}
	}
	p.dropWrappers()
	arch.n = nil
	p.assign()
	for _, u := range p.units {
		if u.cut {
			fa.Problems = append(fa.Problems, problem(preservation.SeverityWarning, CodeText, u.unit.SourceID,
				"the description has more than %d bytes of text; the rest was dropped", p.lim.MaxText))
		}
	}
	if len(fa.Units) == 0 {
		fa.Problems = append(fa.Problems, problem(preservation.SeverityError, CodeNoUnits, "", "the finding aid describes no unit"))
	}
}

// dropWrappers drops the EAD(DDB) wrappers that are no units of their own:
// the archdesc of a Findbuch whose dsc holds the Bestand as
// c[@level='collection'], and in a Tektonik the archdesc and the
// archive's own top c[@level='collection'].
func (p *parser) dropWrappers() {
	fa := p.fa
	arch := p.units[0]
	if fa.Standard != StandardDDB {
		return
	}
	allCollections := len(arch.kids) > 0
	for _, k := range arch.kids {
		if !strings.EqualFold(p.units[k].level, "collection") {
			allCollections = false
		}
	}
	switch {
	case fa.Kind == KindTektonik:
		arch.dropped = true
		for _, k := range arch.kids {
			if strings.EqualFold(p.units[k].level, "collection") {
				p.units[k].dropped = true
				if t := p.units[k].unit.Title; t != "" {
					fa.Repository = t
				}
			}
		}
	case allCollections:
		arch.dropped = true
		// The Bestandssignatur may be on the archdesc only.
		if sig := arch.unit.Signatur; sig != "" && len(arch.kids) == 1 {
			if b := p.units[arch.kids[0]]; b.unit.Signatur == "" {
				b.unit.Signatur = sig
			}
		}
	}
}
