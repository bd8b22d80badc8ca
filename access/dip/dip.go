package dip

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/ead"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/pack"
)

// ErrClosed (code DIP_CLOSED): the unit asked for is closed today. It
// matches access.ErrClosed and fs.ErrPermission.
var ErrClosed = fmt.Errorf("DIP_CLOSED: %w", access.ErrClosed)

// Room is the reading room's public view (access.Service).
type Room interface {
	Unit(ctx context.Context, ref string) (*access.PublicUnit, error)
	Today() string
}

// Tree gives the ids of a unit's children in their order (the catalog).
type Tree interface {
	ChildIDs(ctx context.Context, parent string) ([]string, error)
}

// Files delivers the content of open units (access.Content).
type Files interface {
	List(ctx context.Context, aip string) ([]preservation.File, error)
	Open(ctx context.Context, aip, path string) (io.ReadSeekCloser, preservation.File, error)
}

// Options configure a DIP.
type Options struct {
	// EAD, when its ISIL and archive name are set, adds each unit's
	// EAD(DDB) record.
	EAD ead.Config
	// Progress counts bytes; nil for none.
	Progress preservation.Progress
}

// Result tells what a DIP holds.
type Result struct {
	*pack.Result
	OBJID string `json:"objid"`
	// Units are the ids of the units described, top first.
	Units []string `json:"units"`
	// AIPs are the AIPs whose access copies are in the package.
	AIPs []string `json:"aips"`
}

// Maker makes DIPs.
type Maker struct {
	room  Room
	tree  Tree
	files Files
}

// New returns a maker over the reading room, the structure and the
// content service.
func New(room Room, tree Tree, files Files) *Maker {
	return &Maker{room: room, tree: tree, files: files}
}

// Make writes the DIP of the unit ref (id, Signatur or submission id) and
// its open descendants into dir, which must not exist.
func (m *Maker) Make(ctx context.Context, ref, dir string, o Options) (*Result, error) {
	top, err := m.room.Unit(ctx, ref)
	if err != nil {
		return nil, err
	}
	if !top.Open {
		until := top.Release
		if until == "" {
			until = "unbestimmt"
		}
		return nil, fmt.Errorf("dip: %w: unit %s is closed (release %s)", ErrClosed, ref, until)
	}
	var records *ead.Exporter
	if o.EAD.Validate() == nil {
		if records, err = ead.New(o.EAD, m.room, m.tree); err != nil {
			return nil, err
		}
	}
	res := &Result{OBJID: newID()}
	ip := pack.IP{OBJID: res.OBJID, Label: label(top), PackageType: pack.TypeDIP}
	seenAIP := map[string]bool{}
	today := m.room.Today()
	var visit func(pu *access.PublicUnit) error
	visit = func(pu *access.PublicUnit) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		u := pu.Unit
		res.Units = append(res.Units, u.ID)
		name := shortID(u.ID)
		dc, err := dublinCore(pu)
		if err != nil {
			return err
		}
		ip.Metadata = append(ip.Metadata, pack.Metadata{File: bytesFile("metadata/descriptive/"+name+".dc.xml", dc, "application/xml"),
			Section: pack.SectionDescriptive, MDType: "DC"})
		if records != nil {
			rec, err := records.Record(ctx, u.ID)
			switch {
			case errors.Is(err, ead.ErrNotExportable):
			case err != nil:
				return err
			default:
				ip.Metadata = append(ip.Metadata, pack.Metadata{File: bytesFile("metadata/descriptive/"+name+".ead.xml",
					append([]byte(xml.Header), rec...), "application/xml"), Section: pack.SectionDescriptive, MDType: "EAD"})
			}
		}
		if a := string(u.AIP); a != "" && !seenAIP[a] {
			seenAIP[a] = true
			rep, err := m.representation(ctx, a, name)
			switch {
			case errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrNotExist):
				// A closed unit in the AIP withholds its content; a
				// disposed or missing AIP has none.
			case err != nil:
				return err
			case len(rep.Files) > 0:
				ip.Representations = append(ip.Representations, rep)
				res.AIPs = append(res.AIPs, a)
			}
		}
		kids, err := m.tree.ChildIDs(ctx, u.ID)
		if err != nil {
			return err
		}
		for _, k := range kids {
			ku, err := m.room.Unit(ctx, k)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return err
			}
			if !ku.Open {
				continue // closed: left out with its subtree
			}
			if err := visit(ku); err != nil {
				return err
			}
		}
		return nil
	}
	if err := visit(top); err != nil {
		return nil, err
	}
	ip.Documentation = []pack.File{bytesFile("README.txt", []byte(readme(top, today)), "text/plain")}
	pr, err := pack.WriteIP(ctx, dir, ip, o.Progress)
	if err != nil {
		return nil, err
	}
	res.Result = pr
	return res, nil
}

// representation lists the access copies of the AIP a.
func (m *Maker) representation(ctx context.Context, a, name string) (pack.Representation, error) {
	rep := pack.Representation{Name: name}
	files, err := m.files.List(ctx, a)
	if err != nil {
		return rep, err
	}
	replaced := map[string]bool{}
	for _, f := range files {
		if strings.HasPrefix(f.Path, "representations/access/data/") && f.DerivedFrom != "" {
			replaced[f.DerivedFrom] = true
		}
	}
	seen := map[string]bool{}
	for _, f := range files {
		var rel string
		switch {
		case strings.HasPrefix(f.Path, "representations/access/data/"):
			rel = strings.TrimPrefix(f.Path, "representations/access/data/")
		case f.DerivedFrom == "" && !replaced[f.Path]:
			// A submitted file without an access copy, of the original
			// representation or of one the submission brought (E-ARK).
			r, rest := aip.SplitRepresentation(f.Path)
			switch r {
			case "":
				continue
			case preservation.RepresentationOriginal:
				rel = rest
			default:
				rel = r + "/" + rest
			}
		default:
			continue
		}
		if seen[rel] {
			continue
		}
		seen[rel] = true
		f := f
		rep.Files = append(rep.Files, pack.File{Path: rel, SHA512: f.SHA512, Size: f.Size, MIME: f.MIME,
			Open: func(ctx context.Context) (io.ReadCloser, error) {
				rc, _, err := m.files.Open(ctx, a, f.Path)
				return rc, err
			}})
	}
	return rep, nil
}

func bytesFile(p string, b []byte, mime string) pack.File {
	return pack.File{Path: p, Size: int64(len(b)), MIME: mime,
		Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(string(b))), nil }}
}

func label(pu *access.PublicUnit) string {
	switch {
	case pu.Unit.Signatur != "" && pu.Unit.Title != "":
		return pu.Unit.Signatur + " " + pu.Unit.Title
	case pu.Unit.Title != "":
		return pu.Unit.Title
	}
	return pu.Unit.Signatur
}

func shortID(id string) string {
	s := strings.TrimPrefix(id, "urn:uuid:")
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return "urn:uuid:" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func readme(top *access.PublicUnit, today string) string {
	return fmt.Sprintf(`E-ARK DIP: Nutzungskopien von %s (%s) und den am %s frei zugänglichen
Teilen darunter, mit ihrer öffentlichen Beschreibung.

metadata/descriptive/<id>.dc.xml   Dublin Core jeder Einheit
metadata/descriptive/<id>.ead.xml  EAD(DDB) 1.2 jeder Einheit eines Bestands
representations/<id>/data/         die Dateien der Einheit <id>

Access copies of %s and its open parts as of %s, with their public description.
`, label(top), top.Unit.ID, today, top.Unit.ID, today)
}

// dublinCore renders the public view as a simple Dublin Core record
// (oai_dc).
func dublinCore(pu *access.PublicUnit) ([]byte, error) {
	type el struct {
		XMLName xml.Name
		Text    string `xml:",chardata"`
	}
	u := pu.Unit
	var els []el
	add := func(name, v string) {
		if v = strings.TrimSpace(v); v != "" {
			els = append(els, el{XMLName: xml.Name{Local: "dc:" + name}, Text: v})
		}
	}
	add("title", u.Title)
	add("identifier", u.Signatur)
	add("identifier", u.ID)
	add("creator", u.Provenance)
	add("date", preservation.Laufzeit(u.From, u.To))
	add("description", u.Scope)
	add("type", u.Level)
	add("format", u.Extent)
	add("language", u.Language)
	for _, s := range u.Subjects {
		add("subject", s)
	}
	for _, p := range u.Persons {
		add("subject", p.Name)
	}
	for _, p := range u.Places {
		add("coverage", p)
	}
	if pu.BestandTitle != "" {
		add("relation", pu.BestandTitle)
	}
	add("rights", "Frei zugänglich.")
	doc := struct {
		XMLName xml.Name `xml:"oai_dc:dc"`
		OAI     string   `xml:"xmlns:oai_dc,attr"`
		DC      string   `xml:"xmlns:dc,attr"`
		Els     []el
	}{OAI: "http://www.openarchives.org/OAI/2.0/oai_dc/", DC: "http://purl.org/dc/elements/1.1/", Els: els}
	b, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("dip: dublin core: %w", err)
	}
	return append(append([]byte(xml.Header), b...), '\n'), nil
}
