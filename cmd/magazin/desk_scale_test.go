package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/access/desk"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/fixity"
	"github.com/magazin-archiv/magazin/preservation/journal"
)

// countingCatalog counts the calls that read one AIP's records.
type countingCatalog struct {
	*catalog.Catalog
	aip, verifications, events atomic.Int64
}

func (c *countingCatalog) AIP(ctx context.Context, id string) (*preservation.AIP, error) {
	c.aip.Add(1)
	return c.Catalog.AIP(ctx, id)
}

func (c *countingCatalog) Verifications(ctx context.Context, id string) ([]catalog.Verification, error) {
	c.verifications.Add(1)
	return c.Catalog.Verifications(ctx, id)
}

func (c *countingCatalog) Events(ctx context.Context, id string) ([]preservation.Event, error) {
	c.events.Add(1)
	return c.Catalog.Events(ctx, id)
}

// archivistAuth lets every request in as an archivist.
type archivistAuth struct{}

func (archivistAuth) User(*http.Request) (desk.Identity, bool) {
	return desk.Identity{ID: "acc-1", Name: "Anna Archivarin", Role: desk.RoleArchivist}, true
}
func (archivistAuth) CSRFToken(*http.Request) string { return "t" }
func (archivistAuth) CheckCSRF(*http.Request) error  { return nil }

// The ingest monitor and the list of damaged AIPs over a catalog of 5,000
// AIPs (30 damaged, 5 repaired, 3 in an xdomea transfer) are served from
// the catalog's summaries: no AIP is read for the monitor, and only the
// listed ones for the damaged list. Both agree with a walk over every AIP.
func TestDeskListsDoNotWalkTheCatalog(t *testing.T) {
	const n = 5000
	ctx := context.Background()
	cat, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	id := func(i int) string { return fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", i) }
	for i := range n {
		if err := cat.PutAIP(ctx, &preservation.AIP{ID: preservation.AIPID(id(i)), Version: 1, Title: fmt.Sprintf("Akte Nr. %d", i),
			Profile: "folder", Submission: fmt.Sprintf("lieferung-%d", i), Created: t0.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	var seq uint64
	apply := func(at time.Time, kind string, v any) {
		t.Helper()
		b, _ := json.Marshal(v)
		seq++
		if err := cat.Apply(ctx, &journal.Segment{Seq: seq, Time: at, Entries: []journal.Entry{{Kind: kind, Time: at, Data: b}}}); err != nil {
			t.Fatal(err)
		}
	}
	at := t0.Add(time.Duration(n) * time.Minute)
	for i := range 30 {
		apply(at.Add(time.Duration(i)*time.Minute), catalog.KindAudit, fixity.AuditEvent{ID: id(i * 150), Store: "file:///a", Present: true, OK: false})
	}
	for i := range 5 {
		apply(at.Add(time.Hour+time.Duration(i)*time.Minute), catalog.KindRepair, fixity.RepairEvent{ID: id(i*150 + 1), Store: "file:///a", OK: true})
	}
	// The newest three AIPs came in one xdomea transfer.
	apply(at.Add(2*time.Hour), catalog.KindProcessEvent, catalog.ProcessEvent{Process: "p-1", Step: catalog.StepTransfer, Agency: "BEH-1",
		Title: "Abgabe Bauamt", Time: at.Add(2 * time.Hour), OK: true, AIPs: []string{id(n - 1), id(n - 2), id(n - 3)}})

	cc := &countingCatalog{Catalog: cat}
	h, err := desk.New(desk.Config{Auth: archivistAuth{}, Ingests: &deskIngests{cat: cc, dataDir: t.TempDir()}, Audits: &deskAudits{cat: cc}})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) (string, time.Duration) {
		t.Helper()
		start := time.Now()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		took := time.Since(start)
		b, _ := io.ReadAll(w.Result().Body)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d\n%s", path, w.Code, b)
		}
		return string(b), took
	}

	body, took := get("/archiv/uebernahmen")
	if got := cc.aip.Load() + cc.verifications.Load() + cc.events.Load(); got != 0 {
		t.Errorf("the monitor read %d AIP records, want none", got)
	}
	if !strings.Contains(body, "Abgabe Bauamt") || !strings.Contains(body, "Akte Nr. 4996") || !strings.Contains(body, "Akte Nr. 4898") ||
		strings.Contains(body, "Akte Nr. 4999") || strings.Contains(body, "Akte Nr. 4897") {
		t.Errorf("the monitor does not list the transfer and the 99 newest other AIPs")
	}
	t.Logf("ingest monitor over %d AIPs: %v", n, took)

	body, took = get("/archiv/pruefung")
	if a, v, e := cc.aip.Load(), cc.verifications.Load(), cc.events.Load(); a != 35 || v != 35 || e != 0 {
		t.Errorf("the damaged list read %d AIP records, %d checks and %d event lists, want 35, 35, 0 (the listed AIPs only)", a, v, e)
	}
	t.Logf("damaged list over %d AIPs: %v", n, took)

	// The same as the walk over every AIP the desk used to make.
	var damaged, repaired []string
	for a, err := range cat.AIPs(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		vs, _ := cat.Verifications(ctx, string(a.ID))
		for _, v := range vs {
			if !v.OK {
				damaged = append(damaged, a.Title)
			}
		}
		evs, _ := cat.Events(ctx, string(a.ID))
		for _, ev := range evs {
			if ev.Type == preservation.EventReplication {
				repaired = append(repaired, a.Title)
			}
		}
	}
	if len(damaged) != 30 || len(repaired) != 5 {
		t.Fatalf("walk: %d damaged, %d repaired", len(damaged), len(repaired))
	}
	for _, title := range append(damaged, repaired...) {
		if !strings.Contains(body, ">"+title+"</a>") {
			t.Errorf("the damaged list lacks %s", title)
		}
	}
	if i, j := strings.Index(body, ">Akte Nr. 4350</a>"), strings.Index(body, ">Akte Nr. 0</a>"); i < 0 || j < 0 || i > j {
		t.Error("the damaged list is not newest first")
	}
	if i, j := strings.Index(body, ">Akte Nr. 0</a>"), strings.Index(body, ">Akte Nr. 1</a>"); i < 0 || j < 0 || i > j {
		t.Error("repaired AIPs are not listed after the damaged ones")
	}
}
