package fixity_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/preservation/fixity"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/store"
)

// The scheduler audits in slices, repairs what it finds, records each
// slice, starts the next pass after Every, and resumes after a restart
// from the last recorded slice.
func TestSchedulerSlicesRepairsAndResumes(t *testing.T) {
	a, b := newStores()
	var cat catalog
	for i := 1; i <= 5; i++ {
		cat = append(cat, writeAIP(t, i, map[string]string{"f.txt": "Inhalt"}, a, b))
	}
	flip(t, a, contentKey(cat[3], "f.txt"))
	jr, ap := journal.New(a, b), &applied{}
	var mu sync.Mutex
	var last *fixity.RunSummary
	var slices []*fixity.RunSummary
	recorder := func(ctx context.Context) (*fixity.RunSummary, error) {
		mu.Lock()
		defer mu.Unlock()
		return last, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sleeps := 0
	s := &fixity.Scheduler{Stores: []store.Store{a, b}, Slice: 2, Every: time.Hour,
		Options: fixity.Options{Repair: true, Catalog: cat, Journal: jr,
			Apply: applierFunc(func(ctx context.Context, seg *journal.Segment) error {
				if err := ap.Apply(ctx, seg); err != nil {
					return err
				}
				for _, e := range seg.Entries {
					if e.Kind == fixity.KindRun {
						var sum fixity.RunSummary
						if err := json.Unmarshal(e.Data, &sum); err != nil {
							return err
						}
						mu.Lock()
						last = &sum
						slices = append(slices, &sum)
						mu.Unlock()
					}
				}
				return nil
			})},
		Last: recorder,
		Sleep: func(ctx context.Context, d time.Duration) {
			sleeps++
			if d >= time.Hour {
				cancel() // the first full pass is done
			}
		},
	}
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if len(slices) != 3 || !slices[2].Complete || slices[0].Complete {
		t.Fatalf("slices: %d, last complete %v", len(slices), len(slices) > 0 && slices[len(slices)-1].Complete)
	}
	repaired := 0
	for _, sl := range slices {
		for _, st := range sl.Stores {
			repaired += st.Repairs
		}
	}
	if repaired == 0 {
		t.Error("the flipped byte was not repaired by the scheduled audit")
	}
	// A restart in the middle of a pass resumes after the last slice.
	mu.Lock()
	last = slices[0]
	mu.Unlock()
	slices = nil
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	s.Sleep = func(ctx context.Context, d time.Duration) {
		if d >= time.Hour {
			cancel2()
		}
	}
	if err := s.Run(ctx2); err != nil {
		t.Fatal(err)
	}
	if len(slices) != 2 || slices[0].After == "" {
		t.Errorf("after a restart %d slices ran, want the remaining 2", len(slices))
	}
}

type applierFunc func(ctx context.Context, seg *journal.Segment) error

func (f applierFunc) Apply(ctx context.Context, seg *journal.Segment) error { return f(ctx, seg) }
