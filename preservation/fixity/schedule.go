package fixity

import (
	"context"
	"log/slog"
	"time"

	"github.com/magazin-archiv/magazin/preservation/store"
)

// Scheduler runs audits continuously in the background, as `magazin serve`
// does: a full pass over every object in every store once per Every, read
// in slices of Slice objects with a pause between slices, rate-limited by
// Options.Rate. It resumes where the last recorded run stopped (after a
// restart too), since every slice is journaled with the object it reached.
// When the last recorded run left damage and Options.Repair is set, a new
// pass starts at once.
type Scheduler struct {
	Stores []store.Store
	// Options is the template for every slice (Rate, Repair, Catalog,
	// Journal, Apply, Logger); After and Limit are set per slice.
	Options Options
	// Every is the time from the end of one full pass to the start of the
	// next (default a week).
	Every time.Duration
	// Slice is the number of objects per slice (default 100).
	Slice int
	// Pause is the rest between slices (default 1 s), and the wait before a
	// slice that failed is tried again (ten times as long).
	Pause time.Duration
	// Last returns the summary of the last recorded run (the catalog's
	// LastAudit); nil means none.
	Last func(ctx context.Context) (*RunSummary, error)
	// Now is the clock (tests).
	Now func() time.Time
	// Sleep waits (tests); it returns early when ctx is done.
	Sleep func(ctx context.Context, d time.Duration)
}

// Run audits until ctx is done.
func (s *Scheduler) Run(ctx context.Context) error {
	every, slice, pause := s.Every, s.Slice, s.Pause
	if every <= 0 {
		every = 7 * 24 * time.Hour
	}
	if slice <= 0 {
		slice = 100
	}
	if pause <= 0 {
		pause = time.Second
	}
	log := s.Options.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	after := ""
	if s.Last != nil {
		if sum, err := s.Last(ctx); err != nil {
			log.Warn("scheduled audit: last run unknown; starting a new pass", "err", err)
		} else if sum != nil {
			switch {
			case sum.Complete && s.Options.Repair && sum.Failed > 0:
				// Damage was found and left: repair now.
			case sum.Complete:
				s.sleep(ctx, sum.Finished.Add(every).Sub(s.now()))
			default:
				after = sum.Last
			}
		}
	}
	for ctx.Err() == nil {
		o := s.Options
		o.After, o.Limit = after, slice
		rep, err := Audit(ctx, s.Stores, o)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			log.Error("scheduled audit slice failed; trying again later", "after", after, "err", err)
			s.sleep(ctx, 10*pause)
			continue
		}
		if !rep.OK() {
			log.Error("scheduled audit found damage that remains", "objects", rep.Failed(), "after", after)
		}
		if rep.Complete {
			log.Info("scheduled audit pass complete", "next", s.now().Add(every))
			after = ""
			s.sleep(ctx, every)
			continue
		}
		after = rep.Last
		s.sleep(ctx, pause)
	}
	return nil
}

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Scheduler) sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	if s.Sleep != nil {
		s.Sleep(ctx, d)
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
