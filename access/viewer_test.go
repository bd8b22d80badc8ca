package access_test

import (
	"context"
	"errors"
	"testing"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/closure"
	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

type recorder struct {
	events []access.AccessEvent
	err    error
}

func (r *recorder) RecordAccess(ctx context.Context, ev access.AccessEvent) error {
	if r.err != nil {
		return r.err
	}
	r.events = append(r.events, ev)
	return nil
}

func commitTo(cat *catalog.Catalog) access.CommitFunc {
	j := journal.New(mem.New())
	return func(ctx context.Context, entries ...journal.Entry) error { return cat.Commit(ctx, j, entries...) }
}

// A shortening for one researcher opens the unit and its subtree for that
// researcher only; everyone else, and the search, keep the public view.
func TestGrantOpensOneUnitForOneViewer(t *testing.T) {
	ctx := context.Background()
	svc, cat := setup(t, "day")
	rec := &recorder{}
	svc.SetAccessRecorder(rec)
	commit := commitTo(cat)
	d := closure.Decision{ID: "dec-1", Unit: "a2", Kind: closure.KindShorten, Scope: closure.ScopeUser, User: "acc-1",
		NewRelease: "2026-11-20", Ground: "§ 10 Abs. 4 SächsArchivG, wissenschaftliches Forschungsvorhaben",
		Conditions: "nur anonymisierte Auswertung", Approver: "arch-1", Date: "2026-11-20"}
	if err := svc.Decide(ctx, commit, d); err != nil {
		t.Fatal(err)
	}
	bad := d
	bad.ID, bad.NewRelease = "dec-2", "2099-01-01"
	if err := svc.Decide(ctx, commit, bad); !errors.Is(err, closure.ErrInvalidDecision) {
		t.Errorf("a shortening to a later date: %v, want ErrInvalidDecision", err)
	}
	open := d
	open.ID, open.Unit = "dec-3", "a3"
	if err := svc.Decide(ctx, commit, open); !errors.Is(err, closure.ErrNotPermitted) {
		t.Errorf("a shortening of an open unit: %v, want ErrNotPermitted", err)
	}

	for _, who := range []access.Viewer{{}, {User: "acc-2"}} {
		vctx := access.WithViewer(ctx, who)
		for _, ref := range []string{"20001 Nr. 2", "20001 Nr. 2/1"} {
			pu, err := svc.Unit(vctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			if pu.Open || pu.Grant != nil || pu.Unit.Title != "" {
				t.Errorf("%q sees %s: %+v", who.User, ref, pu)
			}
		}
	}
	if len(rec.events) != 0 {
		t.Errorf("access events of others: %+v", rec.events)
	}
	vctx := access.WithViewer(ctx, access.Viewer{User: "acc-1"})
	pu, err := svc.Unit(vctx, "20001 Nr. 2")
	if err != nil {
		t.Fatal(err)
	}
	if !pu.Open || pu.Grant == nil || pu.Grant.Decision != "dec-1" || pu.Grant.Conditions != "nur anonymisierte Auswertung" ||
		pu.Unit.Title != "Pflegeakte Quappendorf" {
		t.Errorf("the granted researcher sees %+v (grant %+v)", pu, pu.Grant)
	}
	if doc, err := svc.Unit(vctx, "20001 Nr. 2/1"); err != nil || !doc.Open || doc.Unit.Title != "Gutachten Quappendorf" {
		t.Errorf("the granted unit's document: %+v, %v", doc, err)
	}
	if other, err := svc.Unit(vctx, "20001 Nr. 1"); err != nil || other.Open {
		t.Errorf("another closed unit for the granted researcher: %+v, %v", other, err)
	}
	if len(rec.events) != 2 || rec.events[0].User != "acc-1" || rec.events[0].Unit != "a2" || rec.events[0].What != "unit" || rec.events[0].Time.IsZero() {
		t.Errorf("access events: %+v", rec.events)
	}
	// The search is the public's.
	res, err := svc.Search(vctx, search.Query{Text: "Quappendorf"})
	if err != nil || res.Total != 0 {
		t.Errorf("search for the hidden word: %+v, %v", res, err)
	}
	// An access that cannot be recorded does not happen.
	rec.err = errors.New("disk full")
	if _, err := svc.Unit(vctx, "20001 Nr. 2"); err == nil {
		t.Error("granted access without a record was allowed")
	}
}
