package access

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/magazin-archiv/magazin/access/closure"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/journal"
)

// Viewer is who asks the reading room. The zero Viewer is the public: a
// context without a Viewer (WithViewer) is answered as for the public.
type Viewer struct {
	// User is the account id of a logged-in user ("" for the public). A
	// closure decision with closure.ScopeUser for this id opens its unit
	// (and the unit's subtree) for this viewer only.
	User string
}

type viewerKey struct{}

// WithViewer returns a context that asks the reading room as v. Only the
// web front's session check sets it.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns the viewer of ctx; the public if none was set.
func ViewerFrom(ctx context.Context) Viewer {
	v, _ := ctx.Value(viewerKey{}).(Viewer)
	return v
}

// Grant describes the decision that opened a unit for its viewer alone.
type Grant struct {
	// Decision is the id of the closure decision.
	Decision string `json:"decision"`
	// Conditions are the conditions of use (Auflagen).
	Conditions string `json:"conditions,omitempty"`
	// Release is the release date the decision set.
	Release string `json:"release"`
}

// AccessEvent is one access by a viewer to a unit opened for that viewer
// alone (a granted shortening).
type AccessEvent struct {
	User     string    `json:"user"`
	Unit     string    `json:"unit"`
	Decision string    `json:"decision"`
	Time     time.Time `json:"time"`
	// What is "unit" (the full description) or "file".
	What string `json:"what"`
	// Path is the file's logical path for What "file".
	Path string `json:"path,omitempty"`
}

// AccessRecorder records access events. When it fails, the access is
// refused: a granted access that cannot be recorded does not happen.
type AccessRecorder interface {
	RecordAccess(ctx context.Context, ev AccessEvent) error
}

// SetAccessRecorder sets where access by granted users is recorded. Without
// one, such access is only logged.
func (s *Service) SetAccessRecorder(r AccessRecorder) { s.rec = r }

func (s *Service) recordAccess(ctx context.Context, ev AccessEvent) error {
	ev.Time = s.now().UTC()
	s.log.Info("access: granted access", "user", ev.User, "unit", ev.Unit, "decision", ev.Decision, "what", ev.What, "path", ev.Path)
	if s.rec == nil {
		return nil
	}
	if err := s.rec.RecordAccess(ctx, ev); err != nil {
		return fmt.Errorf("access: recording access to %s: %w", ev.Unit, err)
	}
	return nil
}

// decisionsOf returns the closure decisions recorded on the units of chain
// (root first): a decision on a unit covers its subtree, never its
// ancestors or siblings.
func (s *Service) decisionsOf(ctx context.Context, chain []preservation.Unit) ([]closure.Decision, error) {
	ids := make([]string, len(chain))
	for i, u := range chain {
		ids[i] = u.ID
	}
	raw, err := s.cat.Decisions(ctx, ids...)
	if err != nil {
		return nil, err
	}
	var ds []closure.Decision
	for _, r := range raw {
		var d closure.Decision
		if err := json.Unmarshal(r, &d); err != nil {
			// Unreadable: fail closed. Apply ignores a shortening it cannot
			// read; an extension it cannot read closes the unit
			// indefinitely.
			s.log.Error("access: unreadable closure decision", "unit", chain[len(chain)-1].ID, "err", err)
			ds = append(ds, closure.Decision{ID: "unreadable", Kind: closure.KindExtend, Scope: closure.ScopeAll})
			continue
		}
		ds = append(ds, d)
	}
	return ds, nil
}

// CommitFunc appends journal entries to the archive's journal and applies
// them to the catalog (catalog.Catalog.Commit over the journal).
type CommitFunc func(ctx context.Context, entries ...journal.Entry) error

// Decide checks the closure decision d against the unit's closure under the
// archive's law (closure.ValidateDecision) and journals it through commit.
// A decision for everyone reindexes the unit's subtree. Errors wrap
// closure.ErrInvalidDecision, closure.ErrNotPermitted or fs.ErrNotExist
// (no such unit).
func (s *Service) Decide(ctx context.Context, commit CommitFunc, d closure.Decision) error {
	chain, err := s.cat.Ancestors(ctx, d.Unit)
	if err != nil {
		return err
	}
	st := s.StateOf(chain)
	base := st.Result
	if base.Governing == "structure" {
		base.Release = ""
	}
	if base.Release != "" && s.Today() >= base.Release && d.Kind == closure.KindShorten {
		return fmt.Errorf("%w: unit %s is open since %s: there is no period to shorten", closure.ErrNotPermitted, d.Unit, base.Release)
	}
	if err := closure.ValidateDecision(s.cfg.Law, base, d); err != nil {
		return err
	}
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	e, err := catalog.DecisionEntry(b)
	if err != nil {
		return err
	}
	if err := commit(ctx, e); err != nil {
		return fmt.Errorf("access: journal decision %s: %w", d.ID, err)
	}
	if d.Scope == closure.ScopeAll {
		return s.ReindexSubtree(ctx, d.Unit)
	}
	return nil
}

// Base returns the closure of the unit with id under the law, before any
// decision, and the law's name.
func (s *Service) Base(ctx context.Context, id string) (closure.Result, string, error) {
	chain, err := s.cat.Ancestors(ctx, id)
	if err != nil {
		return closure.Result{}, "", err
	}
	return s.StateOf(chain).Result, s.cfg.Law, nil
}

// Decisions records closure decisions of the reading room through a
// journal: the web front's decider.
type Decisions struct {
	Room   *Service
	Commit CommitFunc
}

// Decide checks and journals d (Service.Decide).
func (d Decisions) Decide(ctx context.Context, dec closure.Decision) error {
	return d.Room.Decide(ctx, d.Commit, dec)
}

// Base returns the unit's closure before decisions, and the law
// (Service.Base).
func (d Decisions) Base(ctx context.Context, id string) (closure.Result, string, error) {
	return d.Room.Base(ctx, id)
}
