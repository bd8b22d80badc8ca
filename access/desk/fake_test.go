package desk_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/magazin-archiv/magazin/access/desk"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/fixity"
)

// testAuth knows users by the X-Test-User header; a user's CSRF token is
// "token-" + id. It stands in for the web front's sessions.
type testAuth struct{ users map[string]desk.Identity }

func newTestAuth() *testAuth {
	return &testAuth{users: map[string]desk.Identity{
		"anna":  {ID: "anna", Name: "Anna Archivarin", Role: desk.RoleArchivist},
		"root":  {ID: "root", Name: "Admin", Role: desk.RoleAdmin},
		"rolf":  {ID: "rolf", Name: "Rolf Forscher", Role: "researcher"},
		"amt":   {ID: "amt", Name: "Landratsamt", Role: "agency"},
		"weird": {ID: "weird", Name: "Ohne Rolle"},
	}}
}

func (a *testAuth) User(r *http.Request) (desk.Identity, bool) {
	id, ok := a.users[r.Header.Get("X-Test-User")]
	return id, ok
}

func (a *testAuth) CSRFToken(r *http.Request) string {
	return "token-" + r.Header.Get("X-Test-User")
}

func (a *testAuth) CheckCSRF(r *http.Request) error {
	want := "token-" + r.Header.Get("X-Test-User")
	if got := r.PostFormValue(desk.CSRFField); got == "" || got != want {
		return errors.New("bad csrf token")
	}
	return nil
}

// calls records every call that changes something.
type calls struct {
	mu  sync.Mutex
	log []string
}

func (c *calls) add(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, fmt.Sprintf(format, args...))
}

func (c *calls) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.log)
}

const pid = "9f313771-97ce-4536-b3de-2721748af32c"

// fakeOffers holds one offer in memory and records SaveDraft and Appraise.
type fakeOffers struct {
	calls     *calls
	mu        sync.Mutex
	offer     desk.Offer
	appraised [][]desk.Decision
	who       []desk.Identity
	fail      error
}

func newFakeOffers(c *calls) *fakeOffers {
	received := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	return &fakeOffers{calls: c, offer: desk.Offer{
		Process: desk.Process{ID: pid, Agency: "psw:14999000", Version: "3.0.0", Title: "Bauakte Kirchgasse 3; Personalakte", Objects: 4,
			Received: received, Updated: received, Step: desk.StepOffer, OK: true},
		Objects: []desk.Object{
			{ID: "o1", Kind: "Akte", Aktenplan: "63-612.11", AktenplanTitle: "Baugenehmigungen", Aktenzeichen: "63-612.11/2015-0042", Title: "Bauakte Kirchgasse 3", From: "2015-01-12", To: "2018-07-24", Proposal: "A"},
			{ID: "o1.1", Kind: "Vorgang", Aktenzeichen: "63-612.11/2015-0042-1", Title: "Bauantrag", From: "2015", To: "2015", Depth: 1},
			{ID: "o2", Kind: "Akte", Aktenplan: "63-612.20", AktenplanTitle: "Abbruch", Aktenzeichen: "63-612.20/2016-0001", Title: "Abbruch Scheune", Proposal: "B"},
			{ID: "o3", Kind: "Vorgang", Aktenplan: "20-241.3", AktenplanTitle: "Zuwendungen", Aktenzeichen: "20-241.3/2016-0007", Title: "Zuwendung Sportverein", Proposal: "V"},
			{ID: "o4", Kind: "Akte", Aktenplan: "10-051", AktenplanTitle: "Personal", Aktenzeichen: "10-051/2016", Title: "Personalakte Beispiel", Proposal: "A"},
		},
	}}
}

func (f *fakeOffers) Processes(ctx context.Context) ([]desk.Process, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return []desk.Process{f.offer.Process}, nil
}

func (f *fakeOffers) Offer(ctx context.Context, process string) (*desk.Offer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if process != pid {
		return nil, fmt.Errorf("process %s: %w", process, fs.ErrNotExist)
	}
	o := f.offer
	o.Draft = slices.Clone(o.Draft)
	return &o, nil
}

func (f *fakeOffers) SaveDraft(ctx context.Context, process string, ds []desk.Decision, who desk.Identity) error {
	f.calls.add("SaveDraft %s by %s", process, who.ID)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.offer.Draft = slices.Clone(ds)
	return nil
}

func (f *fakeOffers) Appraise(ctx context.Context, process string, ds []desk.Decision, who desk.Identity) (string, error) {
	f.calls.add("Appraise %s by %s", process, who.ID)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return "", f.fail
	}
	f.appraised = append(f.appraised, slices.Clone(ds))
	f.who = append(f.who, who)
	f.offer.Appraised = slices.Clone(ds)
	f.offer.AppraisedAt = time.Date(2026, 11, 26, 14, 0, 0, 0, time.UTC)
	f.offer.Draft = nil
	f.offer.Process.Step = desk.StepAppraisal
	return "/outbox/" + process + "_Aussonderung.Bewertungsverzeichnis.0502.xml", nil
}

// sent returns the decisions of every Appraise call and who made them.
func (f *fakeOffers) sent() ([][]desk.Decision, []desk.Identity) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.appraised), slices.Clone(f.who)
}

// draft returns the draft decision of id.
func (f *fakeOffers) draft(id string) desk.Decision {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.offer.Draft {
		if d.ID == id {
			return d
		}
	}
	return desk.Decision{}
}

const unitID = "urn:uuid:5b0e7f5e-1d7a-4f3e-9c55-3c2f4c1b7a10"

// fakeDescriptions holds one unit and records Save.
type fakeDescriptions struct {
	calls *calls
	mu    sync.Mutex
	rec   desk.UnitRecord
	saved []desk.Edit
}

func newFakeDescriptions(c *calls) *fakeDescriptions {
	return &fakeDescriptions{calls: c, rec: desk.UnitRecord{
		Unit: preservation.Unit{ID: unitID, Level: preservation.LevelAkte, Signatur: "30010 Nr. 1", Title: "Bauakte Kirchgasse 3",
			Scope: "Bauantrag, Genehmigung", From: "2015-01-12", To: "2018-07-24", AIP: "urn:uuid:aaaaaaaa-0000-4000-8000-000000000001",
			Closure: preservation.ClosureFacts{Personal: true, Persons: []preservation.Person{{Name: "Erika Muster", Birth: "1950-02-03"}}}},
		Ancestors: []preservation.Unit{{ID: "urn:uuid:b", Level: preservation.LevelBestand, Signatur: "30010", Title: "Landratsamt Musterkreis"}},
		Closure: desk.ClosureState{Release: "2050-02-04", Rule: "saechsarchivg-10-1-3b", RuleText: "100 Jahre nach der Geburt der betroffenen Person",
			Periods: []desk.Period{{Rule: "saechsarchivg-10-1-3b", Text: "100 Jahre nach der Geburt", From: "1950-02-03", End: "2050-02-03", Release: "2050-02-04", Years: 100}},
			Today:   "2026-11-26"},
	}}
}

func (f *fakeDescriptions) Unit(ctx context.Context, ref string) (*desk.UnitRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ref != unitID && ref != f.rec.Unit.Signatur {
		return nil, fmt.Errorf("unit %s: %w", ref, fs.ErrNotExist)
	}
	r := f.rec
	return &r, nil
}

// edits returns the edits saved.
func (f *fakeDescriptions) edits() []desk.Edit {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.saved)
}

func (f *fakeDescriptions) Save(ctx context.Context, id string, e desk.Edit, who desk.Identity) error {
	f.calls.add("Save %s by %s", id, who.ID)
	f.mu.Lock()
	defer f.mu.Unlock()
	if e.Closure.Created == "kaputt" {
		return fmt.Errorf("%w: created date %q is no date", desk.ErrInvalid, e.Closure.Created)
	}
	f.saved = append(f.saved, e)
	f.rec.Unit.Title, f.rec.Unit.Scope, f.rec.Unit.Closure = e.Title, e.Scope, e.Closure
	return nil
}

type fakeIngests struct{}

func (fakeIngests) Recent(ctx context.Context, limit int) ([]desk.Submission, error) {
	t := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	return []desk.Submission{
		{ID: "j2", Kind: "xdomea 0503", Source: pid + "_Aussonderung.Aussonderung.0503.zip", Title: "Bauakte Kirchgasse 3", State: desk.StateRejected, Started: t,
			Problems:   preservation.Problems{{Code: "XDOMEA_FILE_MISSING", Severity: preservation.SeverityError, Path: "Bauantrag.pdf", Message: "the message names a file the transfer lacks"}},
			Quarantine: "j2"},
		{ID: "j3", Kind: "bagit", Source: "bag-1", State: desk.StateRunning, Started: t, Done: 3, Total: 8},
		{ID: "j1", Kind: "folder", Source: "sample", Title: "Sammlung", State: desk.StateDone, Started: t.Add(-time.Hour), AIPs: []string{"urn:uuid:aaaaaaaa-0000-4000-8000-000000000001"}},
	}, nil
}

func (fakeIngests) Quarantine(ctx context.Context) ([]desk.Quarantined, error) {
	return []desk.Quarantined{{Job: "j2", Submission: "/in/" + pid + "_Aussonderung.Aussonderung.0503.zip", Time: time.Date(2026, 11, 20, 8, 1, 0, 0, time.UTC),
		Files: 7, Bytes: 123456, Problems: preservation.Problems{{Code: "XDOMEA_FILE_MISSING", Severity: preservation.SeverityError, Message: "missing"}}}}, nil
}

type fakeAudits struct{}

func (fakeAudits) LastRun(ctx context.Context) (*fixity.RunSummary, error) {
	t := time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)
	return &fixity.RunSummary{Started: t, Finished: t.Add(time.Hour), Repair: true, Complete: true, Objects: 12, Failed: 1,
		Stores: []*fixity.StoreReport{{Store: "file:///a", Objects: 12, Files: 40, Bytes: 1 << 20, Failures: 1}, {Store: "s3://b", Objects: 12, Files: 40, Bytes: 1 << 20, Repairs: 2, Repaired: 1}}}, nil
}

func (fakeAudits) Findings(ctx context.Context, limit int) ([]desk.Finding, error) {
	return []desk.Finding{{AIP: "urn:uuid:aaaaaaaa-0000-4000-8000-000000000001", Title: "Bauakte Kirchgasse 3", Damaged: true, Repaired: true,
		Checks: []desk.Check{{Store: "file:///a", OK: false, Time: "2026-11-25T02:10:00Z", Problems: preservation.Problems{{Code: "OCFL_E093", Severity: preservation.SeverityError, Message: "digest mismatch"}}},
			{Store: "s3://b", OK: true, Time: "2026-11-25T02:11:00Z"}}}}, nil
}

func (fakeAudits) AIP(ctx context.Context, id string) (*desk.AIPReport, error) {
	if id != "urn:uuid:aaaaaaaa-0000-4000-8000-000000000001" {
		return nil, fs.ErrNotExist
	}
	return &desk.AIPReport{AIP: preservation.AIP{ID: preservation.AIPID(id), Version: 2, Title: "Bauakte Kirchgasse 3", Profile: "xdomea", Submission: "x.zip",
		Units: []preservation.Unit{{ID: unitID, Signatur: "30010 Nr. 1", Title: "Bauakte Kirchgasse 3"}}},
		Checks: []desk.Check{{Store: "file:///a", OK: false, Time: "2026-11-25T02:10:00Z"}},
		Events: []preservation.Event{{Type: preservation.EventReplication, DateTime: time.Date(2026, 11, 25, 2, 12, 0, 0, time.UTC), Outcome: "success", Detail: "repaired from s3://b"}}}, nil
}

// fakeQuarantine holds the entry j2 in memory and records Retry and
// Discard; retryRejects makes a retry be rejected again, busy makes every
// action a conflict.
type fakeQuarantine struct {
	calls        *calls
	mu           sync.Mutex
	entry        desk.Quarantined
	retryRejects bool
	busy         bool
}

func newFakeQuarantine(c *calls) *fakeQuarantine {
	return &fakeQuarantine{calls: c, entry: desk.Quarantined{Job: "j2", Submission: "/in/" + pid + "_Aussonderung.Aussonderung.0503.zip",
		Time: time.Date(2026, 11, 20, 8, 1, 0, 0, time.UTC), Files: 1, Bytes: 2048, State: desk.QuarantineOpen, Profile: "xdomea", Agency: "psw:14999000",
		Problems: preservation.Problems{{Code: "POLICY_REJECTED", Severity: preservation.SeverityError, Path: "Anlage.exe", Message: "fmt/899 rejected"}},
		FileList: []desk.QuarantineFile{{Path: pid + "_Aussonderung.Aussonderung.0503.zip", Size: 2048}}}}
}

func (f *fakeQuarantine) Entry(ctx context.Context, job string) (*desk.Quarantined, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if job != f.entry.Job {
		return nil, fmt.Errorf("quarantine entry %s: %w", job, fs.ErrNotExist)
	}
	e := f.entry
	return &e, nil
}

func (f *fakeQuarantine) Retry(ctx context.Context, job string, who desk.Identity) (*desk.Quarantined, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.busy || !f.entry.Open() {
		return nil, fmt.Errorf("%w: busy", desk.ErrConflict)
	}
	f.calls.add("Retry %s by %s", job, who.ID)
	a := desk.QuarantineAttempt{Time: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC), Who: who.ID, Outcome: "resolved"}
	if f.retryRejects {
		a.Outcome = "rejected"
	} else {
		f.entry.State, f.entry.AIPs, f.entry.FileList = desk.QuarantineResolved, []string{"urn:uuid:aaaaaaaa-0000-4000-8000-000000000001"}, nil
	}
	f.entry.Attempts = append(f.entry.Attempts, a)
	e := f.entry
	return &e, nil
}

func (f *fakeQuarantine) Discard(ctx context.Context, job, reason string, who desk.Identity) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.busy || !f.entry.Open() {
		return fmt.Errorf("%w: busy", desk.ErrConflict)
	}
	f.calls.add("Discard %s by %s: %s", job, who.ID, reason)
	f.entry.State = desk.QuarantineDiscarded
	f.entry.Discarded = &desk.QuarantineDiscard{Time: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC), Who: who.ID, Reason: reason, Fingerprint: "abc123"}
	return nil
}
