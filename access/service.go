package access

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"log/slog"
	"time"
	_ "time/tzdata" // the archive's calendar day everywhere

	"github.com/magazin-archiv/magazin/access/closure"
	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
)

// Catalog is what the reading room reads of the catalog.
type Catalog interface {
	Unit(ctx context.Context, id string) (*preservation.Unit, error)
	ResolveUnit(ctx context.Context, ref string) (*preservation.Unit, error)
	Ancestors(ctx context.Context, id string) ([]preservation.Unit, error)
	Units(ctx context.Context) iter.Seq2[*preservation.Unit, error]
	Children(ctx context.Context, parent string) ([]preservation.Unit, error)
	// Decisions returns the closure decisions (closure.Decision as JSON)
	// recorded on the units.
	Decisions(ctx context.Context, units ...string) ([]json.RawMessage, error)
}

// Config configures the reading room.
type Config struct {
	// Law is the closure rule set: closure.LawSaechsArchivG (default) or
	// closure.LawBArchG.
	Law string
	// Granularity is the default release granularity: "day" (default) or
	// "year".
	Granularity string
}

// Service is the reading room.
type Service struct {
	cfg Config
	cat Catalog
	idx *search.Index
	log *slog.Logger
	now func() time.Time
	rec AccessRecorder
}

// New returns the reading room over a catalog and an index.
func New(cfg Config, cat Catalog, idx *search.Index, log *slog.Logger) (*Service, error) {
	if cfg.Law == "" {
		cfg.Law = closure.LawSaechsArchivG
	}
	if cfg.Granularity == "" {
		cfg.Granularity = closure.GranularityDay
	}
	if _, err := closure.Calc(cfg.Law, preservation.ClosureFacts{Created: "2000-01-01"}, cfg.Granularity); err != nil {
		return nil, fmt.Errorf("access: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, cat: cat, idx: idx, log: log, now: time.Now}, nil
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return l
}()

// Today is the archive's current calendar day, YYYY-MM-DD.
func (s *Service) Today() string { return s.now().In(berlin).Format("2006-01-02") }

// State is a unit's closure state.
type State struct {
	// Facts are the effective facts (inherited down the hierarchy).
	Facts preservation.ClosureFacts `json:"-"`
	// Result is the calculation; Result.Release "" means open from the
	// start, closure.Indefinitely that it cannot be computed.
	Result closure.Result `json:"result"`
	// Problem explains why the period could not be computed.
	Problem string `json:"problem,omitempty"`
}

// StateOf computes the closure state of the unit at the end of chain
// (root first).
func (s *Service) StateOf(chain []preservation.Unit) State {
	f := closure.Effective(chain)
	st := State{Facts: f}
	switch chain[len(chain)-1].Level {
	case preservation.LevelTektonik, preservation.LevelBestand, preservation.LevelGliederung:
		// The archive's structure holds no records of its own: its
		// description is public; its units are closed one by one.
		st.Result = closure.Result{Governing: "structure"}
		return st
	}
	r, err := closure.Calc(s.cfg.Law, f, s.cfg.Granularity)
	if err != nil {
		st.Problem = err.Error()
		st.Result = closure.Result{Release: closure.Indefinitely, Governing: "unknown"}
		return st
	}
	st.Result = r
	return st
}

// Doc builds the index document of the unit with id.
func (s *Service) Doc(ctx context.Context, id string) (search.Doc, error) {
	chain, err := s.cat.Ancestors(ctx, id)
	if err != nil {
		return search.Doc{}, err
	}
	u := chain[len(chain)-1]
	st := s.StateOf(chain)
	u.Closure = st.Facts
	release, err := s.release(ctx, chain, st, Viewer{})
	if err != nil {
		return search.Doc{}, err
	}
	d := search.Doc{Unit: u, Release: release}
	for _, a := range chain[:len(chain)-1] {
		d.Ancestors = append(d.Ancestors, a.ID)
		if a.Level == preservation.LevelBestand {
			d.BestandTitle = a.Title
		}
	}
	return d, nil
}

// IndexUnits (re)indexes units with their current closure state; it
// satisfies ingest's Indexer. After a change of closure facts, which
// descendants inherit, use ReindexSubtree.
func (s *Service) IndexUnits(ctx context.Context, units []preservation.Unit) error {
	if s.idx == nil {
		return nil
	}
	docs := make([]search.Doc, 0, len(units))
	for _, u := range units {
		d, err := s.Doc(ctx, u.ID)
		if err != nil {
			return err
		}
		docs = append(docs, d)
	}
	return s.idx.Index(ctx, docs)
}

// ReindexSubtree reindexes the unit id and all its descendants (whose
// effective closure facts it passes on).
func (s *Service) ReindexSubtree(ctx context.Context, id string) error {
	if s.idx == nil {
		return nil
	}
	var units []preservation.Unit
	queue := []string{id}
	for len(queue) > 0 {
		u, err := s.cat.Unit(ctx, queue[0])
		if err != nil {
			return err
		}
		queue = queue[1:]
		units = append(units, *u)
		kids, err := s.cat.Children(ctx, u.ID)
		if err != nil {
			return err
		}
		for _, k := range kids {
			queue = append(queue, k.ID)
		}
		if len(units) >= 1000 {
			if err := s.IndexUnits(ctx, units); err != nil {
				return err
			}
			units = units[:0]
		}
	}
	return s.IndexUnits(ctx, units)
}

// RebuildIndex drops the index and refills it from the catalog.
func (s *Service) RebuildIndex(ctx context.Context) error {
	if s.idx == nil {
		return errors.New("access: no index")
	}
	return s.idx.Rebuild(ctx, func(yield func(search.Doc, error) bool) {
		for u, err := range s.cat.Units(ctx) {
			if err != nil {
				yield(search.Doc{}, err)
				return
			}
			d, err := s.Doc(ctx, u.ID)
			if !yield(d, err) || err != nil {
				return
			}
		}
	})
}

// Search runs a public search on today's day.
func (s *Service) Search(ctx context.Context, q search.Query) (*search.Results, error) {
	q.Today = s.Today()
	return s.idx.Search(ctx, q)
}

// Children lists a unit's children for the public, paged; parent ""
// lists the roots of the Tektonik.
func (s *Service) Children(ctx context.Context, parent string, page, size int) (*search.Results, error) {
	if parent == "" {
		return s.roots(ctx, page, size)
	}
	return s.idx.Children(ctx, parent, page, size, s.Today())
}

// roots lists the units without a parent, from the catalog: the index has
// no term for "no parent". An archive has few roots (its Tektonik groups).
func (s *Service) roots(ctx context.Context, page, size int) (*search.Results, error) {
	if page < 1 {
		page = 1
	}
	if size <= 0 {
		size = search.DefaultSize
	}
	size = min(size, search.MaxSize)
	all, err := s.cat.Children(ctx, "")
	if err != nil {
		return nil, err
	}
	res := &search.Results{Total: len(all), Page: page, Size: size, Hits: []search.Hit{}}
	if page-1 >= (len(all)+size-1)/size {
		return res, nil
	}
	today := s.Today()
	from := (page - 1) * size
	for _, u := range all[from:min(from+size, len(all))] {
		st := s.StateOf([]preservation.Unit{u})
		u.Closure = st.Facts
		pub, open := closure.Public(u, st.Result.Release, today)
		h := search.Hit{Unit: pub, Release: st.Result.Release, Open: open}
		if pub.Level == preservation.LevelBestand {
			h.BestandTitle = pub.Title
		}
		res.Hits = append(res.Hits, h)
	}
	return res, nil
}

// PublicUnit is what the public sees of one unit.
type PublicUnit struct {
	Unit    preservation.Unit `json:"unit"`
	Open    bool              `json:"open"`
	Release string            `json:"release,omitempty"`
	// Governing names the rule that closes the unit, in plain German.
	Governing string `json:"governing,omitempty"`
	// Ancestors are the public views of the unit's ancestors, root first.
	Ancestors []Crumb `json:"ancestors,omitempty"`
	// BestandTitle is the public title of the unit's Bestand.
	BestandTitle string `json:"bestandTitle,omitempty"`
	// Grant is set when a closure decision for the viewer alone opened
	// the unit: the viewer sees it whole, nobody else does.
	Grant *Grant `json:"grant,omitempty"`
}

// Crumb is the public view of an ancestor, for breadcrumbs: a closed
// person-related ancestor has no title.
type Crumb struct {
	ID       string `json:"id"`
	Level    string `json:"level"`
	Signatur string `json:"signatur,omitempty"`
	Title    string `json:"title,omitempty"`
}

// Unit resolves ref (id, Signatur or submission id) and returns its view
// for the viewer of ctx (ViewerFrom): the public view, or the whole unit
// where a closure decision for that viewer opened it (PublicUnit.Grant;
// such an access is recorded, see SetAccessRecorder).
//
// A submission id that several units share finds none (the error matches
// both fs.ErrNotExist and catalog.ErrAmbiguous): the reference comes from
// the request, and the answer is "not found", not a server error.
func (s *Service) Unit(ctx context.Context, ref string) (*PublicUnit, error) {
	u, err := s.cat.ResolveUnit(ctx, ref)
	if errors.Is(err, catalog.ErrAmbiguous) {
		return nil, fmt.Errorf("%w: %w", fs.ErrNotExist, err)
	}
	if err != nil {
		return nil, err
	}
	pu, err := s.public(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if pu.Grant != nil {
		if err := s.recordAccess(ctx, AccessEvent{User: ViewerFrom(ctx).User, Unit: pu.Unit.ID, Decision: pu.Grant.Decision, What: "unit"}); err != nil {
			return nil, err
		}
	}
	return pu, nil
}

// release is the release date of the unit at the end of chain, in state
// st, for viewer v today, after the decisions recorded on it and its
// ancestors, and the decision that governs it ("" if none does).
func (s *Service) release(ctx context.Context, chain []preservation.Unit, st State, v Viewer) (string, error) {
	r, _, err := s.releaseFor(ctx, chain, st, v)
	return r, err
}

func (s *Service) releaseFor(ctx context.Context, chain []preservation.Unit, st State, v Viewer) (string, *Grant, error) {
	if st.Result.Governing == "structure" {
		return st.Result.Release, nil, nil
	}
	ds, err := s.decisionsOf(ctx, chain)
	if err != nil || len(ds) == 0 {
		return st.Result.Release, nil, err
	}
	release, gov := closure.Apply(st.Result, ds, v.User, s.Today())
	for _, d := range ds {
		if d.ID == gov && d.Scope == closure.ScopeUser && v.User != "" && d.User == v.User {
			return release, &Grant{Decision: d.ID, Conditions: d.Conditions, Release: d.NewRelease}, nil
		}
	}
	return release, nil, nil
}

// public returns the view of the unit with id for the viewer of ctx, on
// today's day.
func (s *Service) public(ctx context.Context, id string) (*PublicUnit, error) {
	chain, err := s.cat.Ancestors(ctx, id)
	if err != nil {
		return nil, err
	}
	today := s.Today()
	viewer := ViewerFrom(ctx)
	view := func(i int) (preservation.Unit, bool, State, *Grant, error) {
		st := s.StateOf(chain[:i+1])
		u := chain[i]
		u.Closure = st.Facts
		release, grant, err := s.releaseFor(ctx, chain[:i+1], st, viewer)
		if err != nil {
			return u, false, st, nil, err
		}
		if release != st.Result.Release {
			st.Result.Release = release
		}
		pub, open := closure.Public(u, release, today)
		if !open {
			grant = nil
		}
		return pub, open, st, grant, nil
	}
	last := len(chain) - 1
	pub, open, st, grant, err := view(last)
	if err != nil {
		return nil, err
	}
	p := &PublicUnit{Unit: pub, Open: open, Grant: grant}
	if !open {
		p.Release = st.Result.Release
		p.Governing = closure.RuleText(st.Result.Governing)
		if st.Problem != "" {
			p.Governing = "nicht berechenbar, bis die Angaben ergänzt sind"
		}
	}
	for i := range last {
		a, _, _, _, err := view(i)
		if err != nil {
			return nil, err
		}
		p.Ancestors = append(p.Ancestors, Crumb{ID: a.ID, Level: a.Level, Signatur: a.Signatur, Title: a.Title})
		if a.Level == preservation.LevelBestand {
			p.BestandTitle = a.Title
		}
	}
	if pub.Level == preservation.LevelBestand {
		p.BestandTitle = pub.Title
	}
	return p, nil
}
