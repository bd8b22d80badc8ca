package oai

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
)

// entry is what the provider knows of one record before it renders it:
// all of it is public structure (closure.Public never hides a unit's id,
// level or Bestand), or derived from when things changed.
type entry struct {
	id      string
	level   string
	bestand string // "" above the Bestände
	deleted bool
	n       *node
}

// node is a unit as a walker resolved it, with its parent.
type node struct {
	unit    *preservation.Unit
	parent  *node
	changed time.Time
	// stamp is the latest change of the unit or an ancestor, or opening
	// of one of them; set once stamped.
	stamp   time.Time
	stamped bool
}

// walker evaluates units for one request: it resolves ancestors once and
// keeps them.
type walker struct {
	p     *Provider
	ctx   context.Context
	today string
	nodes map[string]*node  // ancestors by id
	specs map[string]string // setSpecs by Bestand id, nil until needed
}

func (p *Provider) walker(ctx context.Context) *walker {
	return &walker{p: p, ctx: ctx, today: p.room.Today(), nodes: map[string]*node{}}
}

// maxDepth bounds a chain of ancestors (as catalog.Ancestors does).
const maxDepth = 64

// errOrphan: a unit's chain of ancestors is broken; the reading room
// cannot show the unit, so it is no record either.
var errOrphan = errors.New("oai: a unit's ancestor is missing")

// node resolves the unit u, changed at changed, with its ancestors.
func (w *walker) node(u *preservation.Unit, changed time.Time, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, errOrphan
	}
	n := &node{unit: u, changed: changed}
	if u.Parent != "" {
		parent, err := w.ancestor(u.Parent, depth+1)
		if err != nil {
			return nil, err
		}
		n.parent = parent
	}
	return n, nil
}

func (w *walker) ancestor(id string, depth int) (*node, error) {
	if n, ok := w.nodes[id]; ok {
		return n, nil
	}
	u, err := w.p.cat.Unit(w.ctx, id)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errOrphan
	}
	if err != nil {
		return nil, err
	}
	changed, err := w.p.cat.Changed(w.ctx, id)
	if err != nil {
		return nil, err
	}
	n, err := w.node(u, changed, depth)
	if err != nil {
		return nil, err
	}
	if len(w.nodes) >= 100_000 {
		clear(w.nodes)
	}
	w.nodes[id] = n
	return n, nil
}

// stampOf is the datestamp of n's record: the latest of the changes of n
// and its ancestors and of the days they opened (see doc.go).
func (w *walker) stampOf(n *node) time.Time {
	if n.stamped {
		return n.stamp
	}
	t := n.changed
	if n.parent != nil {
		t = latest(t, w.stampOf(n.parent))
	}
	var chain []preservation.Unit
	for a := n; a != nil; a = a.parent {
		chain = append(chain, *a.unit)
	}
	slices.Reverse(chain)
	t = latest(t, w.opened(chain))
	n.stamp, n.stamped = t.UTC().Truncate(time.Second), true
	return n.stamp
}

// opened is when the public view of the unit at the end of chain opened:
// the start of its release day in the archive's time zone, if that day has
// come; the zero time for a unit never closed or still closed.
func (w *walker) opened(chain []preservation.Unit) time.Time {
	st := w.p.room.StateOf(chain)
	rel := st.Result.Release
	if rel == "" || w.today < rel {
		return time.Time{}
	}
	t, err := time.ParseInLocation(dayLayout, rel, berlin)
	if err != nil {
		return time.Time{}
	}
	return t
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// eval returns the entry of the unit s; errOrphan when its chain is
// broken.
func (w *walker) eval(s catalog.Stamped) (entry, error) {
	n, err := w.node(s.Unit, s.Changed, 0)
	if err != nil {
		return entry{}, err
	}
	u := s.Unit
	e := entry{id: u.ID, level: u.Level, bestand: u.Bestand, deleted: disposed(u), n: n}
	if e.bestand == "" && u.Level == preservation.LevelBestand {
		e.bestand = u.ID
	}
	return e, nil
}

// disposed reports whether the unit's records were disposed of: its
// record is then a tombstone (docs/disposal.md).
func disposed(u *preservation.Unit) bool { return u.Disposed != "" }

// spec returns the setSpec of the Bestand with id bestand.
func (w *walker) spec(bestand string) (string, error) {
	if bestand == "" {
		return "", nil
	}
	if err := w.loadSpecs(); err != nil {
		return "", err
	}
	if s, ok := w.specs[bestand]; ok {
		return s, nil
	}
	// A Bestand outside the Tektonik: its own Signatur.
	u, err := w.p.cat.Unit(w.ctx, bestand)
	if errors.Is(err, fs.ErrNotExist) {
		u = &preservation.Unit{ID: bestand}
	} else if err != nil {
		return "", err
	}
	s := setSpec(u)
	w.specs[bestand] = s
	return s, nil
}

// loadSpecs reads the Bestände and their setSpecs, once.
func (w *walker) loadSpecs() error {
	if w.specs != nil {
		return nil
	}
	bs, err := w.p.bestaende(w.ctx)
	if err != nil {
		return err
	}
	w.specs = map[string]string{}
	for _, b := range bs {
		w.specs[b.id] = b.spec
	}
	return nil
}

// listQuery is a ListIdentifiers or ListRecords request.
type listQuery struct {
	verb, prefix string
	// set is the setSpec asked for, and bestand the id of its Bestand.
	set, bestand string
	// fromArg and untilArg are the arguments as given; from and until
	// the seconds they bound (zero: unbounded).
	fromArg, untilArg string
	from, until       time.Time
}

func (q *listQuery) matches(w *walker, e entry) bool {
	if q.prefix == prefixEAD && e.bestand == "" {
		return false
	}
	if q.bestand != "" && e.bestand != q.bestand {
		return false
	}
	if q.from.IsZero() && q.until.IsZero() {
		return true
	}
	t := w.stampOf(e.n)
	return !t.Before(q.from) && (q.until.IsZero() || !t.After(q.until))
}

// scan walks the units after the id after in id order and returns the
// first limit matching entries, and whether more match (then next is the
// id to go on after, so that the next scan begins with the next match).
// With count > 0 it goes on to count the matches in all, looking at up to
// count more units; total is then the count, or -1 if it did not get to
// the end.
func (w *walker) scan(q *listQuery, after string, limit, count int) (page []entry, next string, more bool, total int, err error) {
	prev := after
	for s, err := range w.p.cat.UnitsAfter(w.ctx, after) {
		if err != nil {
			return nil, "", false, 0, err
		}
		if more {
			if count--; count < 0 {
				return page, next, more, -1, nil
			}
		}
		e, err := w.eval(s)
		if errors.Is(err, errOrphan) {
			w.p.log.Warn("oai: unit without its ancestors left out", "unit", s.Unit.ID)
			prev = s.Unit.ID
			continue
		}
		if err != nil {
			return nil, "", false, 0, err
		}
		if q.matches(w, e) {
			total++
			switch {
			case len(page) < limit:
				page = append(page, e)
			case !more:
				more, next = true, prev
				if count <= 0 {
					return page, next, more, -1, nil
				}
			}
		}
		prev = s.Unit.ID
	}
	return page, next, more, total, nil
}

// list answers ListIdentifiers and ListRecords.
func (p *Provider) list(ctx context.Context, req *request, out *bytes.Buffer) error {
	w := p.walker(ctx)
	q := &listQuery{verb: req.verb}
	var tok token
	first := true
	if s, ok := req.args["resumptionToken"]; ok {
		t, err := p.open(s, req.verb, req.now)
		if err != nil {
			return err
		}
		tok, first = t, false
		q.prefix, q.set, q.fromArg, q.untilArg = t.Prefix, t.Set, t.From, t.Until
	} else {
		q.prefix, q.set, q.fromArg, q.untilArg = req.args["metadataPrefix"], req.args["set"], req.args["from"], req.args["until"]
	}
	if !knownPrefix(q.prefix) {
		return protoErr(errCannotDisseminateFormat, "the metadata format %q is not supported; see ListMetadataFormats", q.prefix)
	}
	if q.fromArg != "" {
		q.from, _, _ = parseBound(q.fromArg, false)
	}
	if q.untilArg != "" {
		q.until, _, _ = parseBound(q.untilArg, true)
	}
	if q.set != "" {
		if first {
			b, err := p.resolveSet(ctx, w, q.set)
			if err != nil {
				return err
			}
			if b == "" {
				return protoErr(errNoRecordsMatch, "there is no set %q; see ListSets", q.set)
			}
			q.bestand = b
		} else {
			q.bestand = tok.Bestand
		}
	}
	limit := p.cfg.RecordsPerPage
	if req.verb == verbListIdentifiers {
		limit = p.cfg.IdentifiersPerPage
	}
	count := 0
	if first {
		count = p.cfg.CountLimit
	}
	page, next, more, total, err := w.scan(q, tok.After, limit, count)
	if err != nil {
		return err
	}
	if len(page) == 0 {
		if first {
			return protoErr(errNoRecordsMatch, "no records match the request")
		}
		// The rest of the list changed away while it was being harvested.
		return protoErr(errNoRecordsMatch, "no more records match the request; the list changed since it was started")
	}
	if first {
		tok = token{Verb: req.verb, Prefix: q.prefix, Set: q.set, Bestand: q.bestand, From: q.fromArg, Until: q.untilArg, Size: max(total, 0)}
	}
	cursor := tok.Cursor
	var records bytes.Buffer
	rw := xw{&records}
	for _, e := range page {
		if err := p.writeRecord(ctx, w, rw, e, q.prefix, req, req.verb == verbListRecords); err != nil {
			return err
		}
	}
	wr, done := p.envelope(out, req, true)
	wr.open(req.verb)
	out.Write(records.Bytes())
	switch {
	case more:
		tok.After = next
		tok.Cursor = cursor + len(page)
		tok.Expires = req.now.Add(p.cfg.TokenLifetime).Unix()
		wr.elem("resumptionToken", p.seal(tok), "expirationDate", stamp(time.Unix(tok.Expires, 0)),
			"completeListSize", listSize(tok.Size, cursor+len(page)+1), "cursor", strconv.Itoa(cursor))
	case !first:
		// The last part of a list that took several responses.
		wr.empty("resumptionToken", "completeListSize", listSize(tok.Size, cursor+len(page)), "cursor", strconv.Itoa(cursor))
	}
	wr.close(req.verb)
	done()
	return nil
}

// listSize is the completeListSize attribute: the size counted, at least
// what is known to be there; "" (left out) when it was not counted.
func listSize(counted, known int) string {
	if counted == 0 {
		return ""
	}
	return strconv.Itoa(max(counted, known))
}

// writeRecord writes the header of e, and with metadata its record: the
// header and the metadata in the format prefix, made from the reading
// room's public view; a disposed unit's record is its header, marked
// deleted.
func (p *Provider) writeRecord(ctx context.Context, wk *walker, w xw, e entry, prefix string, req *request, metadata bool) error {
	spec, err := wk.spec(e.bestand)
	if err != nil {
		return err
	}
	header := func() {
		if e.deleted {
			w.open("header", "status", "deleted")
		} else {
			w.open("header")
		}
		w.elem("identifier", e.id)
		w.elem("datestamp", stamp(wk.stampOf(e.n)))
		w.elem("setSpec", spec)
		w.close("header")
	}
	if !metadata {
		header()
		return nil
	}
	w.open("record")
	header()
	if !e.deleted {
		pu, err := p.room.Unit(ctx, e.id)
		if err != nil {
			return fmt.Errorf("oai: public view of %s: %w", e.id, err)
		}
		if pu.Unit.ID != e.id {
			return fmt.Errorf("oai: the reading room answered %s for %s", pu.Unit.ID, e.id)
		}
		w.open("metadata")
		switch prefix {
		case prefixDC:
			p.writeDC(w, pu, req)
		case prefixEAD:
			if err := p.writeEAD(w, pu, e, wk.stampOf(e.n).In(berlin).Format(dayLayout), req); err != nil {
				return err
			}
		}
		w.close("metadata")
	}
	w.close("record")
	return nil
}
