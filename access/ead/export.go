package ead

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/preservation"
)

// Namespaces written.
const (
	nsEAD   = "urn:isbn:1-931666-22-9"
	nsXLink = "http://www.w3.org/1999/xlink"
	nsXSI   = "http://www.w3.org/2001/XMLSchema-instance"
)

// Archive types allowed in repository/corpname/@role.
const (
	RoleState = "Staatliche Archive"
)

var roles = map[string]bool{
	"Staatliche Archive": true, "Kommunale Archive": true, "Kirchliche Archive": true, "Herrschafts- und Familienarchive": true,
	"Wirtschaftsarchive": true, "Archive der Parlamente, politischen Parteien, Stiftungen und Verbände": true,
	"Medienarchive": true, "Archive der Hochschulen sowie wissenschaftlicher Institutionen": true, "Sonstige": true,
}

// recordTypes are the Archivalientypen of physdesc/genreform/@normal.
var recordTypes = map[string]bool{
	"Urkunden": true, "Siegel": true, "Amtsbücher, Register und Grundbücher": true, "Akten": true, "Karten und Pläne": true,
	"Plakate und Flugblätter": true, "Drucksachen": true, "Bilder": true, "Handschriften": true,
	"Audio-Visuelle Medien": true, "Datenbanken": true, "Sonstiges": true,
}

// Config describes the archive in the exported files.
type Config struct {
	// ISIL is the archive's ISIL, e.g. "DE-14" (eadid/@mainagencycode,
	// repository/corpname/@id). Required.
	ISIL string
	// Archive is the archive's name (repository/corpname). Required.
	Archive string
	// Role is the archive's type (repository/corpname/@role); default
	// RoleState.
	Role string
	// URL is the archive's website (eadid/@url), optional.
	URL string
	// UnitURL is the address of a unit in the archive's reading room
	// with "{id}" for the unit id (otherfindaid/extref
	// url_archivalunit), optional.
	UnitURL string
	// MetadataLicense is the URI of the licence of the metadata (e.g.
	// CC0, userestrict[@type='ead']), optional.
	MetadataLicense string
}

var isilRE = regexp.MustCompile(`^[A-Za-z]{1,4}-[a-zA-Z0-9:/\-]{1,11}$`)

// Validate checks the configuration.
func (c Config) Validate() error {
	if !isilRE.MatchString(c.ISIL) {
		return fmt.Errorf("ead: ISIL %q is no ISIL such as DE-14", c.ISIL)
	}
	if strings.TrimSpace(c.Archive) == "" {
		return errors.New("ead: the archive's name is missing")
	}
	if c.Role != "" && !roles[c.Role] {
		return fmt.Errorf("ead: archive type %q is not one of the EAD(DDB) types (e.g. %q)", c.Role, RoleState)
	}
	for _, u := range []string{c.URL, c.MetadataLicense, strings.ReplaceAll(c.UnitURL, "{id}", "x")} {
		if u != "" && !isURL(u) {
			return fmt.Errorf("ead: %q is no http(s) URL", u)
		}
	}
	return nil
}

func (c Config) role() string {
	if c.Role == "" {
		return RoleState
	}
	return c.Role
}

// Source is what the export reads: the public view of units (as
// access.Service gives it) and the current day.
type Source interface {
	Unit(ctx context.Context, ref string) (*access.PublicUnit, error)
	Today() string
}

// Tree gives the structure: the ids of a unit's children in their order
// ("" for the roots of the Tektonik). It carries no description.
type Tree interface {
	ChildIDs(ctx context.Context, parent string) ([]string, error)
}

// Exporter writes EAD(DDB) 1.2 files from the public view.
type Exporter struct {
	cfg  Config
	src  Source
	tree Tree
}

// New returns an exporter. Every description it writes comes from
// src (the public view); tree only gives the order of units.
func New(cfg Config, src Source, tree Tree) (*Exporter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Exporter{cfg: cfg, src: src, tree: tree}, nil
}

// Stats count what an export wrote.
type Stats struct {
	// Units is the number of units written.
	Units int `json:"units"`
	// Closed counts the closed units among them (written with
	// accessrestrict and their release date), Reduced the closed
	// person-related ones written without title, scope and index terms.
	Closed  int `json:"closed"`
	Reduced int `json:"reduced"`
}

// ErrNotExportable: the unit belongs to no Bestand and is no Tektonik
// group, so no EAD(DDB) file can hold it.
var ErrNotExportable = errors.New("ead: the unit belongs to no Bestand")

// Bestaende returns the ids of every Bestand, in the order of the
// Tektonik, and the ids of root units that belong to no Bestand (they are
// in no Findbuch).
func (x *Exporter) Bestaende(ctx context.Context) (bestaende, orphans []string, err error) {
	var walk func(parent string) error
	walk = func(parent string) error {
		ids, err := x.tree.ChildIDs(ctx, parent)
		if err != nil {
			return err
		}
		for _, id := range ids {
			pu, err := x.src.Unit(ctx, id)
			if err != nil {
				return err
			}
			switch pu.Unit.Level {
			case preservation.LevelBestand:
				bestaende = append(bestaende, id)
			case preservation.LevelTektonik:
				if err := walk(id); err != nil {
					return err
				}
			default:
				orphans = append(orphans, id)
			}
		}
		return nil
	}
	err = walk("")
	return bestaende, orphans, err
}

// FindbuchID returns the identifier of a Bestand's Findbuch: its eadid,
// the @id of its c[@level='collection'] and of its record in the
// Tektonik. A Bestand imported from EAD keeps its c/@id; others get "m-"
// and their uuid.
func FindbuchID(u preservation.Unit) string { return cid(u) }

// cid returns the c/@id of a unit (an xs:ID): the component id it had in
// an imported finding aid (SourceID "<eadid>#<c/@id>"), else "m-" and its
// uuid.
func cid(u preservation.Unit) string {
	if i := strings.LastIndexByte(u.SourceID, '#'); i >= 0 && isNCName(u.SourceID[i+1:]) {
		return u.SourceID[i+1:]
	}
	return idOf(u.ID)
}

func idOf(id string) string {
	id = strings.TrimPrefix(id, "urn:uuid:")
	if isNCName("m-" + id) {
		return "m-" + id
	}
	var b strings.Builder
	b.WriteString("m-")
	for _, r := range id {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, "_%x", r)
		}
	}
	return b.String()
}

// isNCName accepts the ASCII subset of xs:NCName.
func isNCName(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

func isURL(s string) bool {
	if strings.ContainsAny(s, " \t\n\"<>\\^`{|}") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// file is one EAD(DDB) document being written.
type file struct {
	*xw
	cfg      Config
	tektonik bool
	ids      map[string]bool
	stats    Stats
}

func (x *Exporter) newFile(w io.Writer, tektonik bool) *file {
	return &file{xw: newXW(w), cfg: x.cfg, tektonik: tektonik, ids: map[string]bool{}}
}

// id returns a unique xs:ID for u in this file.
func (f *file) id(u preservation.Unit) string {
	id := cid(u)
	if f.ids[id] {
		id = idOf(u.ID)
	}
	for k := 2; f.ids[id]; k++ {
		id = fmt.Sprintf("%s-%d", idOf(u.ID), k)
	}
	f.ids[id] = true
	return id
}

// header writes the XML declaration (for a file of its own), ead and
// eadheader.
func (f *file) header(decl bool, eadid, title, today string) {
	if decl {
		f.raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	}
	f.raw("<ead")
	f.attrs([]string{"xmlns", nsEAD, "xmlns:xlink", nsXLink, "xmlns:xsi", nsXSI,
		"xsi:schemaLocation", nsEAD + " http://www.loc.gov/ead/ead.xsd", "audience", "external"})
	f.raw(">")
	f.depth++
	f.open("eadheader", "countryencoding", "iso3166-1", "dateencoding", "iso8601", "langencoding", "iso639-2b",
		"repositoryencoding", "iso15511", "scriptencoding", "iso15924")
	f.leaf("eadid", eadid, "mainagencycode", f.cfg.ISIL, "url", f.cfg.URL)
	f.open("filedesc")
	f.open("titlestmt")
	f.leaf("titleproper", title)
	f.close("titlestmt")
	f.close("filedesc")
	f.open("profiledesc")
	f.open("creation")
	f.leaf("date", preservation.GermanDate(today), "normal", today)
	f.close("creation")
	f.close("profiledesc")
	f.close("eadheader")
}

func (f *file) footer() error {
	f.close("archdesc")
	f.depth--
	f.raw("\n</ead>\n")
	return f.flush()
}

// Findbuch writes the Findbuch of the Bestand with id (or Signatur) to w:
// the Bestand as c[@level='collection'] with its whole subtree, each unit
// as the public sees it today.
func (x *Exporter) Findbuch(ctx context.Context, w io.Writer, bestand string) (Stats, error) {
	b, err := x.src.Unit(ctx, bestand)
	if err != nil {
		return Stats{}, err
	}
	if b.Unit.Level != preservation.LevelBestand {
		return Stats{}, fmt.Errorf("ead: %s is a %s, not a Bestand", bestand, b.Unit.Level)
	}
	f := x.newFile(w, false)
	fid := cid(b.Unit)
	f.header(true, fid, titleOf(b), x.src.Today())
	f.open("archdesc", "level", "collection", "type", "Findbuch")
	f.open("did")
	if b.Unit.Signatur != "" {
		f.leaf("unitid", b.Unit.Signatur)
	}
	f.repository(false)
	f.close("did")
	f.license()
	f.open("dsc")
	if err := x.subtree(ctx, f, b); err != nil {
		return f.stats, err
	}
	f.close("dsc")
	return f.stats, f.footer()
}

// subtree writes pu and its descendants.
func (x *Exporter) subtree(ctx context.Context, f *file, pu *access.PublicUnit) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.unit(pu)
	if !(f.tektonik && pu.Unit.Level == preservation.LevelBestand) {
		kids, err := x.tree.ChildIDs(ctx, pu.Unit.ID)
		if err != nil {
			return err
		}
		for _, k := range kids {
			ku, err := x.src.Unit(ctx, k)
			if err != nil {
				return err
			}
			if f.tektonik && ku.Unit.Level != preservation.LevelTektonik && ku.Unit.Level != preservation.LevelBestand {
				continue // records below a Tektonik group without a Bestand: in no Findbuch
			}
			if err := x.subtree(ctx, f, ku); err != nil {
				return err
			}
		}
	}
	f.close("c")
	return nil
}

// Tektonik writes the Tektonik to w: the archive as
// c[@level='collection'], its Tektonik groups as c[@level='class'] and its
// Bestände as c[@level='file'] whose @id is their Findbuch's id.
func (x *Exporter) Tektonik(ctx context.Context, w io.Writer) (Stats, error) {
	f := x.newFile(w, true)
	tid := tektonikID(f.cfg.ISIL)
	title := x.cfg.Archive + " (Tektonik)"
	f.header(true, tid, title, x.src.Today())
	f.open("archdesc", "level", "collection", "type", "Tektonik")
	f.open("did")
	f.repository(false)
	f.close("did")
	f.open("dsc")
	f.ids[tid] = true
	f.open("c", "level", "collection", "id", tid)
	f.open("did")
	f.repository(true)
	f.leaf("unittitle", title)
	f.close("did")
	f.license()
	roots, err := x.tree.ChildIDs(ctx, "")
	if err != nil {
		return f.stats, err
	}
	for _, id := range roots {
		pu, err := x.src.Unit(ctx, id)
		if err != nil {
			return f.stats, err
		}
		if pu.Unit.Level != preservation.LevelTektonik && pu.Unit.Level != preservation.LevelBestand {
			continue
		}
		if err := x.subtree(ctx, f, pu); err != nil {
			return f.stats, err
		}
	}
	f.close("c")
	f.close("dsc")
	return f.stats, f.footer()
}

// tektonikID is the eadid of the Tektonik and the @id of its archive
// record: "<ISIL>_Tektonik".
func tektonikID(isil string) string {
	if isNCName(isil) {
		return isil + "_Tektonik"
	}
	return idOf(isil) + "_Tektonik"
}

// repository writes repository/corpname with the ISIL; in a Tektonik's
// archive record the ISIL counts among the file's ids.
func (f *file) repository(tektonikRecord bool) {
	f.open("repository")
	id := f.cfg.ISIL
	if tektonikRecord {
		f.ids[id] = true
	}
	f.leaf("corpname", f.cfg.Archive, "role", f.cfg.role(), "id", id)
	f.close("repository")
}

func (f *file) license() {
	if f.cfg.MetadataLicense == "" {
		return
	}
	f.open("userestrict", "type", "ead")
	f.indent()
	f.raw("<p>")
	f.inline("extref", f.cfg.MetadataLicense, "xlink:href", f.cfg.MetadataLicense)
	f.raw("</p>")
	f.close("userestrict")
}

// Record renders one unit as an EAD(DDB) 1.2 <ead> element for a
// harvester (OAI-PMH metadata format "ead"), see the function Record. It
// reads the public view of the unit and of each of its ancestors.
func (x *Exporter) Record(ctx context.Context, ref string) ([]byte, error) {
	pu, err := x.src.Unit(ctx, ref)
	if err != nil {
		return nil, err
	}
	anc := make([]access.PublicUnit, 0, len(pu.Ancestors))
	for _, a := range pu.Ancestors {
		au, err := x.src.Unit(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		anc = append(anc, *au)
	}
	return Record(x.cfg, *pu, anc, x.src.Today())
}

// Record renders the public view pu of one unit, with the public views of
// its ancestors (root first; nil: from pu.Ancestors, the breadcrumbs),
// as an EAD(DDB) 1.2 <ead> element without XML declaration, ready to go
// into an OAI-PMH <metadata> element, on the day today (YYYY-MM-DD): a
// Findbuch whose c[@level='collection'] is the unit's Bestand and that
// holds the chain down to the unit, or a Tektonik for a Tektonik group.
// Units above no Bestand and no Tektonik group give ErrNotExportable. The
// element validates against the EAD(DDB) 1.2 XSD of its kind.
//
// The identifiers of the chain are those of the Findbuch export
// (FindbuchID, c/@id), so a harvester sees one unit under one id whichever
// way it comes.
func Record(cfg Config, pu access.PublicUnit, ancestors []access.PublicUnit, today string) ([]byte, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if ancestors == nil {
		for _, a := range pu.Ancestors {
			ancestors = append(ancestors, access.PublicUnit{Unit: preservation.Unit{ID: a.ID, Level: a.Level, Signatur: a.Signatur, Title: a.Title}, Open: true})
		}
	}
	chain := append(append([]access.PublicUnit(nil), ancestors...), pu)
	var buf bytes.Buffer
	x := &Exporter{cfg: cfg}
	if pu.Unit.Level == preservation.LevelTektonik {
		f := x.newFile(&buf, true)
		tid := tektonikID(cfg.ISIL)
		title := cfg.Archive + " (Tektonik)"
		f.header(false, tid, title, today)
		f.open("archdesc", "level", "collection", "type", "Tektonik")
		f.open("did")
		f.repository(false)
		f.close("did")
		f.open("dsc")
		f.ids[tid] = true
		f.open("c", "level", "collection", "id", tid)
		f.open("did")
		f.repository(true)
		f.leaf("unittitle", title)
		f.close("did")
		for i := range chain {
			f.unit(&chain[i])
		}
		for range chain {
			f.close("c")
		}
		f.close("c")
		f.close("dsc")
		if err := f.footer(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	b := -1
	for i, u := range chain {
		if u.Unit.Level == preservation.LevelBestand {
			b = i
			break
		}
	}
	if b < 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotExportable, pu.Unit.ID)
	}
	f := x.newFile(&buf, false)
	f.header(false, cid(chain[b].Unit), titleOf(&chain[b]), today)
	f.open("archdesc", "level", "collection", "type", "Findbuch")
	f.open("did")
	if s := chain[b].Unit.Signatur; s != "" {
		f.leaf("unitid", s)
	}
	f.repository(false)
	f.close("did")
	f.license()
	f.open("dsc")
	for i := b; i < len(chain); i++ {
		f.unit(&chain[i])
	}
	for i := b; i < len(chain); i++ {
		f.close("c")
	}
	f.close("dsc")
	if err := f.footer(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func titleOf(b *access.PublicUnit) string {
	if b.Unit.Title != "" {
		return b.Unit.Title
	}
	if b.Unit.Signatur != "" {
		return "Bestand " + b.Unit.Signatur
	}
	return "Bestand ohne Titel"
}
