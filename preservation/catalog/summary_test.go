package catalog_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/fixity"
	"github.com/magazin-archiv/magazin/preservation/journal"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func aipN(i int) *preservation.AIP {
	return &preservation.AIP{ID: preservation.AIPID(fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", i)), Version: 1,
		Title: fmt.Sprintf("Akte %d", i), Profile: "folder", Submission: fmt.Sprintf("sub-%d", i), Created: t0.Add(time.Duration(i) * time.Minute)}
}

// putMany records n cheap AIPs, created a minute apart, in an order that is
// not their creation order.
func putMany(t testing.TB, c *catalog.Catalog, n int) {
	t.Helper()
	ctx := context.Background()
	for k := range n {
		i := (k * 7919) % n // a permutation of 0..n-1 (7919 is prime)
		if err := c.PutAIP(ctx, aipN(i)); err != nil {
			t.Fatal(err)
		}
	}
}

func seg(t testing.TB, seq uint64, at time.Time, kind string, v any) *journal.Segment {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return &journal.Segment{Seq: seq, Time: at, Entries: []journal.Entry{{Kind: kind, Time: at, Data: b}}}
}

// RecentAIPs answers the newest AIPs from the summary: newest first, the
// skipped ones left out, a new version replacing its entry.
func TestRecentAIPs(t *testing.T) {
	ctx := context.Background()
	c, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	putMany(t, c, 5000)
	// A new version of AIP 10 with a new title and a later creation time.
	a := aipN(10)
	a.Version, a.Title, a.Created = 2, "Akte 10, zweite Fassung", t0.Add(10000*time.Minute)
	if err := c.PutAIP(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := c.RecentAIPs(ctx, 5, func(id string) bool { return id == string(aipN(4998).ID) })
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range got {
		ids = append(ids, s.Title)
	}
	want := []string{"Akte 10, zweite Fassung", "Akte 4999", "Akte 4997", "Akte 4996", "Akte 4995"}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("recent (-want +got):\n%s", diff)
	}
	if got[1].Profile != "folder" || got[1].Submission != "sub-4999" || !got[1].Created.Equal(t0.Add(4999*time.Minute)) {
		t.Errorf("summary: %+v", got[1])
	}
	all, _ := c.RecentAIPs(ctx, 10000, nil)
	if len(all) != 5000 {
		t.Errorf("%d summaries for 5000 AIPs (a new version must replace its entry)", len(all))
	}
}

// Findings follows the journal's checks and repairs: a failed check makes
// an AIP damaged, a good check in that store heals it, a repair stays; a
// disposed AIP leaves the list. A rebuilt catalog and one whose summaries
// were built on opening hold the same.
func TestFindingsFollowTheJournal(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "cat")
	c, err := catalog.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	putMany(t, c, 50)
	id := func(i int) string { return string(aipN(i).ID) }
	steps := []struct {
		kind string
		v    any
	}{
		{catalog.KindAudit, fixity.AuditEvent{ID: id(1), Store: "file:///a", Present: true, OK: false}},
		{catalog.KindAudit, fixity.AuditEvent{ID: id(1), Store: "s3://b", Present: true, OK: true}},
		{catalog.KindAudit, fixity.AuditEvent{ID: id(2), Store: "file:///a", Present: true, OK: false}},
		{catalog.KindAudit, fixity.AuditEvent{ID: id(2), Store: "s3://b", Present: true, OK: false}},
		{catalog.KindAudit, fixity.AuditEvent{ID: id(3), Store: "file:///a", Present: true, OK: false}},
		{catalog.KindRepair, fixity.RepairEvent{ID: id(3), Store: "file:///a", OK: true}},
		{catalog.KindAudit, fixity.AuditEvent{ID: id(3), Store: "file:///a", Present: true, OK: true}},
		{catalog.KindAudit, fixity.AuditEvent{ID: id(4), Store: "file:///a", Present: true, OK: false}},
		{catalog.KindAudit, fixity.AuditEvent{ID: id(4), Store: "file:///a", Present: true, OK: true}},
		{catalog.KindAudit, fixity.AuditEvent{ID: id(2), Store: "s3://b", Present: true, OK: true}},
	}
	for i, s := range steps {
		if err := c.Apply(ctx, seg(t, uint64(i+1), t0.Add(time.Duration(i)*time.Hour), s.kind, s.v)); err != nil {
			t.Fatal(err)
		}
	}
	check := func(c *catalog.Catalog, when string) {
		t.Helper()
		fs, err := c.Findings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range fs {
			got = append(got, fmt.Sprintf("%s failed=%v repaired=%v last=%s", f.AIP[len(f.AIP)-1:], f.Failed, f.Repaired, f.Last.Format("15")))
		}
		want := []string{
			"2 failed=[file:///a] repaired=false last=09", // damaged first, the latest first
			"1 failed=[file:///a] repaired=false last=01",
			"3 failed=[] repaired=true last=06",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: findings (-want +got):\n%s", when, diff)
		}
	}
	check(c, "live")
	before, _ := c.Dump(ctx)

	// A catalog without summaries gets them when it is opened.
	if err := c.DropSummariesForTest(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c, err = catalog.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	check(c, "migrated")
	after, _ := c.Dump(ctx)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("migrated summaries differ from live ones (-live +migrated):\n%s", diff)
	}
	if r, _ := c.RecentAIPs(ctx, 1, nil); len(r) != 1 || r[0].Title != "Akte 49" {
		t.Errorf("recent after migration: %+v", r)
	}
}

// BenchmarkDeskLists compares the desk's two lists served from the
// summaries with the walk over every AIP they replace (5,000 AIPs).
func BenchmarkDeskLists(b *testing.B) {
	ctx := context.Background()
	c, err := catalog.Open("", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	putMany(b, c, 5000)
	for i := range 20 {
		id := string(aipN(i * 100).ID)
		if err := c.Apply(ctx, seg(b, uint64(i+1), t0.Add(time.Duration(i)*time.Hour), catalog.KindAudit,
			fixity.AuditEvent{ID: id, Store: "file:///a", Present: true, OK: false})); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("summaries", func(b *testing.B) {
		for b.Loop() {
			if r, err := c.RecentAIPs(ctx, 100, nil); err != nil || len(r) != 100 {
				b.Fatal(err)
			}
			if fs, err := c.Findings(ctx); err != nil || len(fs) != 20 {
				b.Fatal(err, len(fs))
			}
		}
	})
	b.Run("walk", func(b *testing.B) {
		for b.Loop() {
			n, damaged := 0, 0
			for a, err := range c.AIPs(ctx) {
				if err != nil {
					b.Fatal(err)
				}
				n++
				vs, err := c.Verifications(ctx, string(a.ID))
				if err != nil {
					b.Fatal(err)
				}
				for _, v := range vs {
					if !v.OK {
						damaged++
					}
				}
				if _, err := c.Events(ctx, string(a.ID)); err != nil {
					b.Fatal(err)
				}
			}
			if n != 5000 || damaged != 20 {
				b.Fatal(n, damaged)
			}
		}
	})
}
