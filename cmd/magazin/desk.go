package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/access/accounts"
	"github.com/magazin-archiv/magazin/access/closure"
	"github.com/magazin-archiv/magazin/access/desk"
	"github.com/magazin-archiv/magazin/access/web"
	"github.com/magazin-archiv/magazin/ingest/aussonderung"
	"github.com/magazin-archiv/magazin/ingest/quarantine"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/fixity"
	"github.com/magazin-archiv/magazin/preservation/jobs"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/profiles/xdomea"
)

// The archivists' desk (access/desk) over an opened archive: the adapters
// below implement its interfaces with the same code the CLI verbs use
// (the xdomea dialogue of `magazin appraise`, commitUnit of `magazin
// describe` and `magazin closure set`, the catalog's audit records).

// webSessions admits the reading room's signed-in users to the desk: their
// session cookie, role and CSRF token, checked as the reading room checks
// its own forms.
type webSessions struct{ w *web.Server }

func (a webSessions) User(r *http.Request) (desk.Identity, bool) {
	u, _, ok := a.w.SignedIn(r)
	if !ok {
		return desk.Identity{}, false
	}
	return desk.Identity{ID: u.ID, Name: u.Name, Role: u.Role}, true
}

func (a webSessions) CSRFToken(r *http.Request) string {
	_, t, _ := a.w.SignedIn(r)
	return t
}

func (a webSessions) CheckCSRF(r *http.Request) error {
	if !a.w.CheckForm(r) {
		return errors.New("no session, a foreign origin or a wrong CSRF token")
	}
	return nil
}

// newDesk returns the desk over the archive e and the accounts database
// acc (nil: no account administration).
// fallback answers the reading room's own pages under /archiv/.
func newDesk(c *cli.Context, e *env, auth desk.Auth, fallback http.Handler, q *jobs.Queue, acc *accounts.DB) (*desk.Handler, error) {
	j := journal.New(e.stores...)
	d, err := newDialogue(c, e, j)
	if err != nil {
		return nil, err
	}
	var accs desk.Accounts
	if acc != nil {
		accs = desk.AccountsOver(acc)
	}
	return desk.New(desk.Config{
		Auth:         auth,
		Accounts:     accs,
		Ingests:      &deskIngests{cat: e.cat, dataDir: e.cfg.DataDir, q: q},
		Quarantine:   &deskQuarantine{q: quarantineOver(e, j), ingest: retryIngest(e, d)},
		Offers:       &deskOffers{e: e, d: d, drafts: filepath.Join(e.cfg.DataDir, "desk", "drafts")},
		Descriptions: &deskDescriptions{e: e, j: j},
		Audits:       &deskAudits{cat: e.cat},
		Fallback:     fallback,
		Logger:       e.cfg.Logger.With("component", "desk"),
	})
}

// mountDesk serves the desk at /archiv/ beside h.
func mountDesk(c *cli.Context, e *env, h http.Handler, auth desk.Auth, q *jobs.Queue, acc *accounts.DB) (http.Handler, error) {
	dh, err := newDesk(c, e, auth, h, q, acc)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(desk.Prefix, dh)
	mux.Handle("/", h)
	return mux, nil
}

// whoName is how a desk user is named in AIP versions.
func whoName(who desk.Identity) string {
	if who.ID == "" {
		return "magazin"
	}
	return who.ID
}

// --- appraisal ---

type deskOffers struct {
	e      *env
	d      *aussonderung.Service
	drafts string
}

func deskProcess(p catalog.Process) desk.Process {
	out := desk.Process{ID: p.ID, Agency: p.Agency, Version: p.Version, Title: p.Title, Objects: p.Objects}
	if n := len(p.Events); n > 0 {
		out.Received = p.Events[0].Time
		last := p.Events[n-1]
		out.Step, out.OK, out.Updated = last.Step, last.OK, last.Time
	}
	return out
}

func (o *deskOffers) Processes(ctx context.Context) ([]desk.Process, error) {
	ps, err := o.e.cat.Processes(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]desk.Process, 0, len(ps))
	for _, p := range ps {
		out = append(out, deskProcess(p))
	}
	return out, nil
}

func (o *deskOffers) Offer(ctx context.Context, process string) (*desk.Offer, error) {
	p, err := o.e.cat.Process(ctx, process)
	if err != nil {
		return nil, err
	}
	if p.Last(catalog.StepOffer) == nil {
		return nil, fmt.Errorf("process %s has no offer: %w", process, fs.ErrNotExist)
	}
	msg, err := o.d.Offer(ctx, process)
	if err != nil {
		return nil, err
	}
	out := &desk.Offer{Process: deskProcess(*p)}
	for _, r := range offerRows(msg, nil) {
		out.Objects = append(out.Objects, desk.Object{ID: r.ID, Kind: r.Kind, Aktenplan: r.Aktenplan, AktenplanTitle: r.AktenplanTitle,
			Aktenzeichen: r.Aktenzeichen, Title: r.Title, From: r.From, To: r.To, Proposal: r.Proposal, ProposalReason: r.ProposalReason, Depth: r.Depth})
	}
	if ev := p.Last(catalog.StepAppraisal); ev != nil {
		out.AppraisedAt = ev.Time
		out.Appraised = []desk.Decision{}
		for _, obj := range out.Objects {
			if v, ok := ev.Decisions[obj.ID]; ok {
				out.Appraised = append(out.Appraised, desk.Decision{ID: obj.ID, Value: v, Note: ev.Notes[obj.ID]})
			}
		}
	}
	if out.Draft, err = o.loadDraft(process); err != nil {
		return nil, err
	}
	return out, nil
}

// draft is the saved, unfinished appraisal of a process: a working copy
// of the desk, not a record of the archive (the finished appraisal is
// journaled).
type draft struct {
	Process   string          `json:"process"`
	User      string          `json:"user"`
	Time      time.Time       `json:"time"`
	Decisions []desk.Decision `json:"decisions"`
}

func (o *deskOffers) draftPath(process string) string {
	sum := sha256.Sum256([]byte(process))
	return filepath.Join(o.drafts, hex.EncodeToString(sum[:16])+".json")
}

func (o *deskOffers) loadDraft(process string) ([]desk.Decision, error) {
	b, err := os.ReadFile(o.draftPath(process))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var d draft
	if err := json.Unmarshal(b, &d); err != nil || d.Process != process {
		return nil, fmt.Errorf("appraisal draft of %s: unreadable (%v); remove %s", process, err, o.draftPath(process))
	}
	return d.Decisions, nil
}

func (o *deskOffers) SaveDraft(ctx context.Context, process string, ds []desk.Decision, who desk.Identity) error {
	if _, err := o.e.cat.Process(ctx, process); err != nil {
		return err
	}
	b, err := json.MarshalIndent(draft{Process: process, User: who.ID, Time: time.Now().UTC(), Decisions: ds}, "", "  ")
	if err != nil {
		return err
	}
	return writeDraftFile(o.draftPath(process), b)
}

// Appraise sends the 0502 as `magazin appraise` does, into the agency's
// outbox (else DATA/outbox), and removes the draft.
func (o *deskOffers) Appraise(ctx context.Context, process string, ds []desk.Decision, who desk.Identity) (string, error) {
	msg, err := o.d.Offer(ctx, process)
	if err != nil {
		return "", err
	}
	xs := make([]xdomea.Decision, 0, len(ds))
	for _, d := range ds {
		if msg.Object(d.ID) == nil {
			return "", fmt.Errorf("%w: Objekt %s gehört nicht zur Anbietung", desk.ErrInvalid, d.ID)
		}
		if d.Value != "A" && d.Value != "V" {
			return "", fmt.Errorf("%w: Entscheidung %q für %s (erlaubt: A oder V)", desk.ErrInvalid, d.Value, d.ID)
		}
		xs = append(xs, xdomea.Decision{ID: d.ID, Aussonderungsart: d.Value, Note: d.Note})
	}
	if len(xs) == 0 {
		return "", fmt.Errorf("%w: keine Entscheidungen", desk.ErrInvalid)
	}
	reply, err := o.d.Appraise(ctx, process, xs, "", whoName(who))
	if err != nil {
		return "", err
	}
	o.e.cfg.Logger.Info("appraisal sent from the desk", "process", process, "user", who.ID, "decisions", len(xs), "reply", reply)
	if err := os.Remove(o.draftPath(process)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		o.e.cfg.Logger.Warn("removing the appraisal draft", "process", process, "err", err)
	}
	return reply, nil
}

// writeDraftFile writes b to path by a synced temp file and a rename.
func writeDraftFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// --- description editing ---

type deskDescriptions struct {
	e *env
	j *journal.Journal
}

func (s *deskDescriptions) Unit(ctx context.Context, ref string) (*desk.UnitRecord, error) {
	u, err := s.e.cat.ResolveUnit(ctx, ref)
	if err != nil {
		return nil, err
	}
	chain, err := s.e.cat.Ancestors(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	st := s.e.room.StateOf(chain)
	today := s.e.room.Today()
	_, open := closure.Public(chain[len(chain)-1], st.Result.Release, today)
	cs := desk.ClosureState{Open: open, Release: st.Result.Release, Rule: st.Result.Governing, RuleText: closure.RuleText(st.Result.Governing),
		Effective: st.Facts, Problem: st.Problem, Today: today}
	if st.Result.Governing == "structure" {
		cs.RuleText = "Gliederung des Archivs: ihre Beschreibung ist öffentlich, ihre Einheiten werden einzeln gesperrt"
	}
	if cs.Release == closure.Indefinitely {
		cs.Release = ""
	}
	for _, p := range st.Result.Periods {
		cs.Periods = append(cs.Periods, desk.Period{Rule: p.Rule, Text: closure.RuleText(p.Rule), From: p.From, End: p.End, Release: p.Release, Years: p.Years})
	}
	return &desk.UnitRecord{Unit: *u, Ancestors: chain[:len(chain)-1], Closure: cs}, nil
}

// Save edits the unit as `magazin describe` and `magazin closure set` do:
// the same checks of the facts, then commitUnit (journal, catalog, new
// AIP version, reindex).
func (s *deskDescriptions) Save(ctx context.Context, id string, ed desk.Edit, who desk.Identity) error {
	u, err := s.e.cat.Unit(ctx, id)
	if err != nil {
		return err
	}
	u.Title, u.Scope, u.Provenance, u.From, u.To = ed.Title, ed.Scope, ed.Provenance, ed.From, ed.To
	u.Closure = ed.Closure
	if err := validateFacts(u.Closure); err != nil {
		return fmt.Errorf("%w: die Angaben zur Schutzfrist lassen sich nicht berechnen (%v)", desk.ErrInvalid, err)
	}
	return commitUnit(ctx, s.e, s.j, *u, whoName(who))
}

// --- ingest monitor ---

// deskCatalog is what the ingest monitor and the audit reports read of the
// catalog: its summaries and single records, never a walk over every AIP
// (TestDeskListsDoNotWalkTheCatalog counts the calls).
type deskCatalog interface {
	Processes(ctx context.Context) ([]catalog.Process, error)
	RecentAIPs(ctx context.Context, limit int, skip func(id string) bool) ([]catalog.AIPSummary, error)
	Findings(ctx context.Context) ([]catalog.Finding, error)
	AIP(ctx context.Context, id string) (*preservation.AIP, error)
	Verifications(ctx context.Context, id string) ([]catalog.Verification, error)
	Events(ctx context.Context, id string) ([]preservation.Event, error)
	LastAudit(ctx context.Context) (*fixity.RunSummary, error)
}

type deskIngests struct {
	cat     deskCatalog
	dataDir string
	q       *jobs.Queue // nil: no daemon queue (tests of the desk alone)
}

// Recent lists the daemon's unfinished and failed ingest jobs, what exists
// today (the newest AIPs from the catalog's summary, an xdomea transfer's
// AIPs as one submission) and the rejected submissions in quarantine.
func (s *deskIngests) Recent(ctx context.Context, limit int) ([]desk.Submission, error) {
	var out []desk.Submission
	if s.q != nil {
		js, err := s.q.List(ctx, jobs.Filter{})
		if err != nil {
			return nil, err
		}
		for _, j := range js {
			if j.Kind != jobs.KindIngest && j.Kind != jobs.KindXdomea {
				continue
			}
			var state string
			switch j.State {
			case jobs.Queued:
				state = desk.StateWaiting
			case jobs.Running:
				state = desk.StateRunning
			case jobs.Failed:
				state = desk.StateFailed
			default:
				continue // done: listed below by its AIPs; cancelled: nothing to show
			}
			source := j.Name
			if j.Agency != "" {
				source = j.Agency + ": " + j.Name
			}
			started := j.Started
			if started.IsZero() {
				started = j.Created
			}
			sub := desk.Submission{ID: j.ID, Kind: string(j.Kind), Source: source, Title: j.Step,
				State: state, Started: started, Finished: j.Finished}
			if j.LastError != "" {
				sub.Problems = preservation.Problems{{Code: "JOB_FAILED", Severity: preservation.SeverityError, Message: j.LastError}}
			}
			out = append(out, sub)
		}
	}
	inTransfer := map[string]bool{}
	ps, err := s.cat.Processes(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		for _, ev := range p.Events {
			if ev.Step != catalog.StepTransfer || !ev.OK {
				continue // a rejected transfer is in quarantine
			}
			out = append(out, desk.Submission{ID: p.ID, Kind: "xdomea 0503", Source: p.Agency, Title: p.Title, State: desk.StateDone,
				Started: ev.Time, Finished: ev.Time, AIPs: ev.AIPs})
			for _, a := range ev.AIPs {
				inTransfer[a] = true
			}
		}
	}
	// The newest AIPs are enough: the list is cut to limit by time below.
	as, err := s.cat.RecentAIPs(ctx, limit, func(id string) bool { return inTransfer[id] })
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		out = append(out, desk.Submission{ID: a.ID, Kind: a.Profile, Source: a.Submission, Title: a.Title, State: desk.StateDone,
			Started: a.Created, Finished: a.Created, AIPs: []string{a.ID}})
	}
	qs, err := s.Quarantine(ctx)
	if err != nil {
		return nil, err
	}
	for _, q := range qs {
		if !q.Open() {
			continue // resolved: its AIPs are listed; discarded: on the quarantine's list
		}
		out = append(out, desk.Submission{ID: q.Job, Source: filepath.Base(q.Submission), State: desk.StateRejected,
			Started: q.Time, Finished: q.Time, Problems: q.Problems, Quarantine: q.Job})
	}
	slices.SortStableFunc(out, func(a, b desk.Submission) int { return b.Started.Compare(a.Started) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Quarantine lists the quarantine entries (ingest/quarantine).
func (s *deskIngests) Quarantine(ctx context.Context) ([]desk.Quarantined, error) {
	es, err := quarantine.New(s.dataDir, nil).List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]desk.Quarantined, 0, len(es))
	for i := range es {
		out = append(out, deskQuarantined(&es[i]))
	}
	return out, nil
}

func deskQuarantined(e *quarantine.Entry) desk.Quarantined {
	q := desk.Quarantined{Job: e.Job, Submission: e.Report.Submission, Time: e.Report.Time, Problems: e.Problems, Files: e.Files, Bytes: e.Bytes,
		State: e.State.State, Profile: e.Report.Profile, Agency: e.Report.Agency, AIPs: e.AIPs}
	for _, a := range e.Attempts {
		q.Attempts = append(q.Attempts, desk.QuarantineAttempt{Time: a.Time, Who: a.Who, Outcome: a.Outcome, Error: a.Error})
	}
	if d := e.Discarded; d != nil {
		q.Discarded = &desk.QuarantineDiscard{Time: d.Time, Who: d.Who, Reason: d.Reason, Fingerprint: d.Fingerprint}
	}
	return q
}

// deskQuarantine acts on the quarantine as `magazin quarantine retry` and
// `discard` do, naming the desk's archivist.
type deskQuarantine struct {
	q      *quarantine.Quarantine
	ingest quarantine.IngestFunc
}

func (s *deskQuarantine) Entry(ctx context.Context, job string) (*desk.Quarantined, error) {
	e, err := s.q.Entry(ctx, job)
	if errors.Is(err, quarantine.ErrInvalidJob) {
		return nil, fmt.Errorf("%w: %v", fs.ErrNotExist, err)
	}
	if err != nil {
		return nil, err
	}
	files, err := s.q.Files(ctx, job)
	if err != nil {
		return nil, err
	}
	q := deskQuarantined(e)
	for _, f := range files {
		q.FileList = append(q.FileList, desk.QuarantineFile{Path: f.Path, Size: f.Size, SHA512: f.SHA512})
	}
	return &q, nil
}

// deskQuarantineErr maps the refusals of the quarantine to the desk's.
func deskQuarantineErr(err error) error {
	switch {
	case errors.Is(err, quarantine.ErrBusy), errors.Is(err, quarantine.ErrState):
		return fmt.Errorf("%w: %v", desk.ErrConflict, err)
	case errors.Is(err, quarantine.ErrNoReason):
		return fmt.Errorf("%w: Begründung fehlt", desk.ErrInvalid)
	case errors.Is(err, quarantine.ErrInvalidJob):
		return fmt.Errorf("%w: %v", fs.ErrNotExist, err)
	}
	return err
}

// Retry retries as `magazin quarantine retry` with the recorded profile;
// a new rejection is an outcome, not an error.
func (s *deskQuarantine) Retry(ctx context.Context, job string, who desk.Identity) (*desk.Quarantined, error) {
	// A browser that gives up waiting does not cut the ingest short.
	e, err := s.q.Retry(context.WithoutCancel(ctx), job, s.ingest, quarantine.RetryOptions{Who: whoName(who)})
	var rej *preservation.RejectedError
	if err != nil && !errors.As(err, &rej) {
		return nil, deskQuarantineErr(err)
	}
	q := deskQuarantined(e)
	return &q, nil
}

func (s *deskQuarantine) Discard(ctx context.Context, job, reason string, who desk.Identity) error {
	_, err := s.q.Discard(ctx, job, whoName(who), reason)
	return deskQuarantineErr(err)
}

// --- audit reports ---

type deskAudits struct{ cat deskCatalog }

func (s *deskAudits) LastRun(ctx context.Context) (*fixity.RunSummary, error) {
	return s.cat.LastAudit(ctx)
}

func (s *deskAudits) checks(ctx context.Context, id string) ([]desk.Check, error) {
	vs, err := s.cat.Verifications(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]desk.Check, 0, len(vs))
	for _, v := range vs {
		out = append(out, desk.Check{Store: v.Store, OK: v.OK, Time: v.Time, Problems: v.Problems})
	}
	return out, nil
}

// Findings lists the catalog's summary of damaged and repaired AIPs (in
// its order: damaged first, the latest first) and reads the AIP record
// and latest checks of the ones shown only.
func (s *deskAudits) Findings(ctx context.Context, limit int) ([]desk.Finding, error) {
	found, err := s.cat.Findings(ctx)
	if err != nil {
		return nil, err
	}
	var out []desk.Finding
	for _, f := range found {
		if len(out) == limit {
			break
		}
		a, err := s.cat.AIP(ctx, f.AIP)
		if errors.Is(err, fs.ErrNotExist) {
			continue // disposed meanwhile
		}
		if err != nil {
			return nil, err
		}
		cs, err := s.checks(ctx, f.AIP)
		if err != nil {
			return nil, err
		}
		out = append(out, desk.Finding{AIP: f.AIP, Title: a.Title, Damaged: f.Damaged(), Repaired: f.Repaired, Checks: cs, Last: f.Last})
	}
	return out, nil
}

func (s *deskAudits) AIP(ctx context.Context, id string) (*desk.AIPReport, error) {
	id = strings.TrimSpace(id)
	a, err := s.cat.AIP(ctx, id)
	if err != nil {
		return nil, err
	}
	cs, err := s.checks(ctx, id)
	if err != nil {
		return nil, err
	}
	evs, err := s.cat.Events(ctx, id)
	if err != nil {
		return nil, err
	}
	return &desk.AIPReport{AIP: *a, Checks: cs, Events: evs}, nil
}
