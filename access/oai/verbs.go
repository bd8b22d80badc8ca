package oai

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
)

// Metadata formats.
const (
	prefixDC  = "oai_dc"
	prefixEAD = "ead"
)

func knownPrefix(p string) bool { return p == prefixDC || p == prefixEAD }

var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return l
}()

func (p *Provider) identify(ctx context.Context, req *request, out *bytes.Buffer) error {
	earliest, err := p.cat.EarliestChange(ctx)
	if err != nil {
		return err
	}
	if earliest.IsZero() || earliest.After(req.now) {
		earliest = req.now
	}
	w, done := p.envelope(out, req, true)
	w.open("Identify")
	w.elem("repositoryName", p.cfg.RepositoryName)
	w.elem("baseURL", req.baseURL)
	w.elem("protocolVersion", "2.0")
	for _, m := range p.cfg.AdminEmails {
		w.elem("adminEmail", m)
	}
	w.elem("earliestDatestamp", stamp(earliest))
	w.elem("deletedRecord", "persistent")
	w.elem("granularity", "YYYY-MM-DDThh:mm:ssZ")
	w.close("Identify")
	done()
	return nil
}

type format struct{ prefix, schema, namespace string }

var formats = []format{
	{prefixDC, schemaOAIDC, nsOAIDC},
	{prefixEAD, schemaEAD, nsEAD},
}

func (p *Provider) listMetadataFormats(ctx context.Context, req *request, out *bytes.Buffer) error {
	list := formats
	if id, ok := req.args["identifier"]; ok {
		e, err := p.entryOf(ctx, p.walker(ctx), id)
		if err != nil {
			return err
		}
		if e.bestand == "" {
			list = formats[:1] // EAD(DDB) records are units of a Bestand
		}
	}
	w, done := p.envelope(out, req, true)
	w.open("ListMetadataFormats")
	for _, f := range list {
		w.open("metadataFormat")
		w.elem("metadataPrefix", f.prefix)
		w.elem("schema", f.schema)
		w.elem("metadataNamespace", f.namespace)
		w.close("metadataFormat")
	}
	w.close("ListMetadataFormats")
	done()
	return nil
}

// entryOf evaluates the unit an identifier names: idDoesNotExist for an
// unknown unit, or one the reading room cannot show (its chain is broken).
func (p *Provider) entryOf(ctx context.Context, w *walker, id string) (entry, error) {
	u, err := p.lookupUnit(ctx, id)
	if err != nil {
		return entry{}, err
	}
	changed, err := p.cat.Changed(ctx, id)
	if err != nil {
		return entry{}, err
	}
	e, err := w.eval(catalog.Stamped{Unit: u, Changed: changed})
	if errors.Is(err, errOrphan) {
		return entry{}, protoErr(errIDDoesNotExist, "no record has the identifier %q", id)
	}
	return e, err
}

func (p *Provider) getRecord(ctx context.Context, req *request, out *bytes.Buffer) error {
	prefix := req.args["metadataPrefix"]
	id := req.args["identifier"]
	w := p.walker(ctx)
	e, err := p.entryOf(ctx, w, id)
	if err != nil {
		return err
	}
	if !knownPrefix(prefix) {
		return protoErr(errCannotDisseminateFormat, "the metadata format %q is not supported; see ListMetadataFormats", prefix)
	}
	if prefix == prefixEAD && e.bestand == "" {
		return protoErr(errCannotDisseminateFormat, "%s belongs to no Bestand and has no EAD(DDB) record", id)
	}
	var rec bytes.Buffer
	if err := p.writeRecord(ctx, w, xw{&rec}, e, prefix, req, true); err != nil {
		return err
	}
	wr, done := p.envelope(out, req, true)
	wr.open("GetRecord")
	out.Write(rec.Bytes())
	wr.close("GetRecord")
	done()
	return nil
}

// bestand is a Bestand as a set.
type bestand struct {
	id, spec string
}

// bestaende lists the Bestände, the Bestand units among the roots of the
// Tektonik and below its groups, in the Tektonik's order, each with its
// setSpec. Signaturen are not unique everywhere (imported finding aids
// repeat them): a Bestand whose setSpec another one before it has gets
// "~~" and its id's setSpec appended (encoded setSpecs never hold "~~").
func (p *Provider) bestaende(ctx context.Context) ([]bestand, error) {
	var out []bestand
	queue := []string{""}
	seen := map[string]bool{}
	taken := map[string]bool{}
	for len(queue) > 0 {
		kids, err := p.cat.Children(ctx, queue[0])
		if err != nil {
			return nil, err
		}
		queue = queue[1:]
		for i := range kids {
			u := &kids[i]
			switch {
			case seen[u.ID]:
			case u.Level == preservation.LevelBestand:
				spec := setSpec(u)
				if taken[spec] {
					spec += "~~" + setSpec(&preservation.Unit{ID: u.ID})
				}
				taken[spec] = true
				out = append(out, bestand{id: u.ID, spec: spec})
			case u.Level == preservation.LevelTektonik:
				queue = append(queue, u.ID)
			}
			seen[u.ID] = true
		}
	}
	return out, nil
}

// resolveSet returns the id of the Bestand whose setSpec is spec, or "".
func (p *Provider) resolveSet(ctx context.Context, w *walker, spec string) (string, error) {
	if err := w.loadSpecs(); err != nil {
		return "", err
	}
	if len(w.specs) == 0 {
		return "", protoErr(errNoSetHierarchy, "the archive has no Bestand yet, and so no sets")
	}
	for id, s := range w.specs {
		if s == spec {
			return id, nil
		}
	}
	return "", nil
}

func (p *Provider) listSets(ctx context.Context, req *request, out *bytes.Buffer) error {
	if _, ok := req.args["resumptionToken"]; ok {
		return protoErr(errBadResumptionToken, "the list of sets is complete in one response; it has no resumption tokens")
	}
	bs, err := p.bestaende(ctx)
	if err != nil {
		return err
	}
	if len(bs) == 0 {
		return protoErr(errNoSetHierarchy, "the archive has no Bestand yet, and so no sets")
	}
	w, done := p.envelope(out, req, true)
	w.open("ListSets")
	for _, b := range bs {
		pu, err := p.room.Unit(ctx, b.id)
		if err != nil {
			return fmt.Errorf("oai: public view of %s: %w", b.id, err)
		}
		name := pu.Unit.Title
		if name == "" {
			name = pu.Unit.Signatur
		}
		if name == "" {
			name = b.spec
		}
		w.open("set")
		w.elem("setSpec", b.spec)
		w.elem("setName", name)
		w.close("set")
	}
	w.close("ListSets")
	done()
	return nil
}

// setSpec is a Bestand's setSpec: its Signatur (its id when it has none)
// made safe for setSpec's alphabet, one to one: letters, digits and
// -.!*'() stay, a space becomes _, every other byte ~XX (hex).
func setSpec(u *preservation.Unit) string {
	s := u.Signatur
	if s == "" {
		s = u.ID
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-.!*'()", c) >= 0:
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('_')
		default:
			fmt.Fprintf(&b, "~%02X", c)
		}
	}
	return b.String()
}
