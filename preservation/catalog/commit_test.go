package catalog_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

// Concurrent writers (an ingest job and a scheduled audit, each with its own
// journal writer) commit at once: every segment must reach the catalog, none
// may be skipped because a later one was applied first.
func TestConcurrentCommitsAllApplied(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	cat, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	const writers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := journal.New(st) // one writer each, as the daemon's components have
			for i := range each {
				d := json.RawMessage(fmt.Sprintf(`{"id":"d-%d-%d","unit":"u-%d-%d","kind":"shorten","scope":"all","newRelease":"2026-01-01"}`, w, i, w, i))
				e, err := catalog.DecisionEntry(d)
				if err != nil {
					errs <- err
					return
				}
				if err := cat.Commit(ctx, j, e); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	missing := 0
	for w := range writers {
		for i := range each {
			got, err := cat.Decisions(ctx, fmt.Sprintf("u-%d-%d", w, i))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				missing++
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d committed segments are missing from the catalog", missing, writers*each)
	}
}
