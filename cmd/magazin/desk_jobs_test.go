package main

import (
	"context"
	"testing"

	"github.com/magazin-archiv/magazin/access/desk"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/jobs"
)

// The desk's ingest monitor shows the daemon's waiting ingest jobs from the
// queue (and nothing of other kinds), beside what is already archived.
func TestDeskIngestMonitorShowsQueuedJobs(t *testing.T) {
	ctx := context.Background()
	cat, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	q := jobs.New(cat)
	if _, _, err := q.Enqueue(ctx, jobs.Job{Kind: jobs.KindXdomea, Agency: "BEH-1", Name: "0503.zip"}, "a"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := q.Enqueue(ctx, jobs.Job{Kind: jobs.KindAudit, Name: "audit"}, "b"); err != nil {
		t.Fatal(err)
	}
	s := &deskIngests{cat: cat, dataDir: t.TempDir(), q: q}
	got, err := s.Recent(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].State != desk.StateWaiting || got[0].Source != "BEH-1: 0503.zip" || got[0].Kind != "xdomea" {
		t.Fatalf("monitor shows %+v, want the one waiting xdomea job", got)
	}
	s.q = nil
	if got, err := s.Recent(ctx, 10); err != nil || len(got) != 0 {
		t.Errorf("without the queue: %+v, %v", got, err)
	}
}
