package quarantine_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/magazin-archiv/magazin/ingest"
	"github.com/magazin-archiv/magazin/ingest/identify"
	"github.com/magazin-archiv/magazin/ingest/quarantine"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/policy"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

var (
	identOnce sync.Once
	ident     *identify.Identifier
	identErr  error
)

func identifier(t testing.TB) *identify.Identifier {
	identOnce.Do(func() { ident, identErr = identify.New() })
	if identErr != nil {
		t.Fatal(identErr)
	}
	return ident
}

// rig is a real ingest pipeline (in-memory badger catalog, mem stores,
// siegfried) over one data dir: strict rejects plain text by its format
// policy, lenient is the built-in policy (the "fixed configuration").
type rig struct {
	data            string
	stores          []store.Store
	cat             *catalog.Catalog
	strict, lenient *ingest.Ingester
	q               *quarantine.Quarantine
}

const noText = `{"rules": [{"puids": ["x-fmt/111"], "action": "reject", "reason": "kein Klartext"}]}`

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{data: t.TempDir(), stores: []store.Store{mem.New(), mem.New()}}
	cat, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	r.cat = cat
	strict := ingest.DefaultConfig(r.data)
	if strict.Policy, err = policy.Parse([]byte(noText)); err != nil {
		t.Fatal(err)
	}
	if r.strict, err = ingest.New(strict, r.stores, cat, identifier(t)); err != nil {
		t.Fatal(err)
	}
	if r.lenient, err = ingest.New(ingest.DefaultConfig(r.data), r.stores, cat, identifier(t)); err != nil {
		t.Fatal(err)
	}
	j := journal.New(r.stores...)
	r.q = quarantine.New(r.data, func(ctx context.Context, es ...journal.Entry) error { return cat.Commit(ctx, j, es...) })
	return r
}

// ingestWith is the IngestFunc over an ingester, as cmd/magazin wires it.
func ingestWith(in *ingest.Ingester) quarantine.IngestFunc {
	return func(ctx context.Context, e *quarantine.Entry, o quarantine.RetryOptions) ([]string, error) {
		res, err := in.Ingest(ctx, e.Path, ingest.Options{Profile: o.Profile, Bestand: o.Bestand, NoQuarantine: true, Name: e.Name()}, nil)
		if err != nil {
			return nil, err
		}
		var ids []string
		for _, a := range res.AIPs {
			ids = append(ids, string(a.ID))
		}
		return ids, nil
	}
}

// reject ingests a folder with a plain text file through the strict
// pipeline and returns the quarantine job.
func (r *rig) reject(t *testing.T, name, text string) string {
	t.Helper()
	return r.rejectInto(t, name, text, "")
}

func (r *rig) rejectInto(t *testing.T, name, text, bestand string) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(filepath.Join(src, "akten"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(src, "akten", "brief.txt"), []byte(text), 0o644)
	os.WriteFile(filepath.Join(src, "notiz.txt"), []byte("Notiz zu "+text), 0o644)
	_, err := r.strict.Ingest(context.Background(), src, ingest.Options{Profile: "folder", Bestand: bestand}, nil)
	var rej *preservation.RejectedError
	if !errors.As(err, &rej) {
		t.Fatalf("want a rejection, got %v", err)
	}
	return filepath.Base(rej.Quarantine)
}

// journaled returns the journal entries of kind.
func (r *rig) journaled(t *testing.T, kind string) []quarantine.Record {
	t.Helper()
	var out []quarantine.Record
	for seg, err := range journal.Replay(context.Background(), r.stores[1]) {
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range seg.Entries {
			if e.Kind != kind {
				continue
			}
			var rec quarantine.Record
			if err := json.Unmarshal(e.Data, &rec); err != nil {
				t.Fatal(err)
			}
			out = append(out, rec)
		}
	}
	return out
}

func TestQuarantineListShow(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	job := r.reject(t, "Lieferung-1", "Hallo")
	es, err := r.q.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 {
		t.Fatalf("%d entries", len(es))
	}
	e := es[0]
	if e.Job != job || e.State.State != quarantine.StateQuarantined || e.Report.Profile != "folder" || e.Name() != "Lieferung-1" {
		t.Errorf("entry = %+v", e)
	}
	if e.Files != 2 || e.Bytes != int64(len("Hallo")+len("Notiz zu Hallo")) || !e.CopyKept {
		t.Errorf("files %d, bytes %d, kept %v", e.Files, e.Bytes, e.CopyKept)
	}
	if !slices.Equal(e.Codes(), []string{policy.CodeRejected}) {
		t.Errorf("codes = %v", e.Codes())
	}
	if e.Path != filepath.Join(r.data, "quarantine", job, "submission", "Lieferung-1") {
		t.Errorf("copy path %s", e.Path)
	}
	got, err := r.q.Entry(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Problems) != 2 || got.Problems[0].Code != policy.CodeRejected {
		t.Errorf("problems = %v", got.Problems)
	}
	if _, err := r.q.Entry(ctx, "00000000-0000-4000-8000-000000000000"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("unknown entry: %v", err)
	}
}

func TestQuarantineRetryResolved(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	// The ingest was asked for a Bestand (as the daemon does for an
	// agency's delivery): the retry puts the units there too.
	bestand := preservation.Unit{ID: "b-30010", Level: preservation.LevelBestand, Signatur: "30010", Title: "Landratsamt"}
	if err := r.cat.Commit(ctx, journal.New(r.stores...), catalog.UnitEntry(bestand)); err != nil {
		t.Fatal(err)
	}
	job := r.rejectInto(t, "Lieferung-2", "Wieder da", "30010")
	e, err := r.q.Retry(ctx, job, ingestWith(r.lenient), quarantine.RetryOptions{Who: "anna"})
	if err != nil {
		t.Fatal(err)
	}
	if e.State.State != quarantine.StateResolved || len(e.AIPs) != 1 || e.CopyKept {
		t.Fatalf("after retry: %+v", e)
	}
	if len(e.Attempts) != 1 || e.Attempts[0].Who != "anna" || e.Attempts[0].Outcome != quarantine.OutcomeResolved {
		t.Errorf("attempts = %+v", e.Attempts)
	}
	a, err := r.cat.AIP(ctx, e.AIPs[0])
	if err != nil {
		t.Fatal(err)
	}
	if a.Submission != "Lieferung-2" || len(a.Files) != 2 {
		t.Errorf("AIP submission %q, %d files", a.Submission, len(a.Files))
	}
	if len(a.Units) == 0 || a.Units[0].Bestand != bestand.ID || a.Units[0].Title != "Lieferung-2" {
		t.Errorf("units not in the Bestand asked for, or not titled as the delivery: %+v", a.Units)
	}
	if _, err := os.Stat(filepath.Join(r.data, "quarantine", job, "submission")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("copy kept: %v", err)
	}
	if _, err := os.Stat(filepath.Join(r.data, "quarantine", job, "report.json")); err != nil {
		t.Errorf("report gone: %v", err)
	}
	recs := r.journaled(t, quarantine.KindRetry)
	if len(recs) != 1 || recs[0].Job != job || recs[0].Who != "anna" || recs[0].Outcome != quarantine.OutcomeResolved || !slices.Equal(recs[0].AIPs, e.AIPs) {
		t.Errorf("journal = %+v", recs)
	}
	// Resolved: nothing more to retry or discard.
	if _, err := r.q.Retry(ctx, job, ingestWith(r.lenient), quarantine.RetryOptions{Who: "anna"}); !errors.Is(err, quarantine.ErrState) {
		t.Errorf("second retry: %v", err)
	}
	if _, err := r.q.Discard(ctx, job, "anna", "weg"); !errors.Is(err, quarantine.ErrState) {
		t.Errorf("discard of a resolved entry: %v", err)
	}
}

func TestQuarantineRetryRejectedAgain(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	job := r.reject(t, "Lieferung-3", "Noch einmal")
	before, _ := os.ReadFile(filepath.Join(r.data, "quarantine", job, "report.json"))
	e, err := r.q.Retry(ctx, job, ingestWith(r.strict), quarantine.RetryOptions{Who: "bert"})
	var rej *preservation.RejectedError
	if !errors.As(err, &rej) || rej.Quarantine != filepath.Join(r.data, "quarantine", job) {
		t.Fatalf("want a rejection naming the entry, got %v", err)
	}
	if e.State.State != quarantine.StateQuarantined || !e.CopyKept || len(e.Attempts) != 1 || e.Attempts[0].Outcome != quarantine.OutcomeRejected {
		t.Errorf("after a renewed rejection: %+v", e)
	}
	if len(e.Problems) == 0 || e.Problems[0].Code != policy.CodeRejected {
		t.Errorf("current problems = %v", e.Problems)
	}
	after, _ := os.ReadFile(filepath.Join(r.data, "quarantine", job, "report.json"))
	if string(before) != string(after) {
		t.Error("report.json changed")
	}
	if es, _ := os.ReadDir(filepath.Join(r.data, "quarantine")); len(es) != 1 {
		t.Errorf("%d quarantine entries; the retry made a new one", len(es))
	}
	recs := r.journaled(t, quarantine.KindRetry)
	if len(recs) != 1 || recs[0].Outcome != quarantine.OutcomeRejected || !slices.Equal(recs[0].Codes, []string{policy.CodeRejected}) {
		t.Errorf("journal = %+v", recs)
	}
	// A later retry with the fixed configuration resolves it.
	if e, err = r.q.Retry(ctx, job, ingestWith(r.lenient), quarantine.RetryOptions{Who: "bert"}); err != nil || e.State.State != quarantine.StateResolved || len(e.Attempts) != 2 {
		t.Errorf("retry after the fix: %v, %+v", err, e)
	}
}

func TestQuarantineDiscard(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	job := r.reject(t, "Lieferung-4", "Verwerfen")
	if _, err := r.q.Discard(ctx, job, "anna", "  "); !errors.Is(err, quarantine.ErrNoReason) {
		t.Errorf("discard without reason: %v", err)
	}
	if _, err := r.q.Discard(ctx, job, "", "Dublette"); !errors.Is(err, quarantine.ErrNoReason) {
		t.Errorf("discard without who: %v", err)
	}
	if e, _ := r.q.Entry(ctx, job); !e.CopyKept || e.State.State != quarantine.StateQuarantined {
		t.Fatalf("refused discards changed the entry: %+v", e)
	}
	e, err := r.q.Discard(ctx, job, "anna", "Dublette der Lieferung vom März")
	if err != nil {
		t.Fatal(err)
	}
	if e.State.State != quarantine.StateDiscarded || e.CopyKept || e.Discarded == nil {
		t.Fatalf("after discard: %+v", e)
	}
	d := e.Discarded
	if d.Who != "anna" || d.Reason != "Dublette der Lieferung vom März" || d.Files != 2 || len(d.Digests) != 2 || d.Fingerprint == "" || d.Time.IsZero() {
		t.Errorf("record = %+v", d)
	}
	if d.Digests[0].Path != "Lieferung-4/akten/brief.txt" || len(d.Digests[0].SHA512) != 128 {
		t.Errorf("digests = %+v", d.Digests)
	}
	if e.Files != 2 || e.Bytes != d.Bytes {
		t.Errorf("listed files %d bytes %d", e.Files, e.Bytes)
	}
	if _, err := os.Stat(filepath.Join(r.data, "quarantine", job, "submission")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("copy kept: %v", err)
	}
	recs := r.journaled(t, quarantine.KindDiscard)
	if len(recs) != 1 || recs[0].Reason != d.Reason || recs[0].Fingerprint != d.Fingerprint || len(recs[0].Digests) != 2 ||
		recs[0].Submission != "Lieferung-4" || !slices.Equal(recs[0].Codes, []string{policy.CodeRejected}) {
		t.Errorf("journal = %+v", recs)
	}
	if _, err := r.q.Retry(ctx, job, ingestWith(r.lenient), quarantine.RetryOptions{Who: "anna"}); !errors.Is(err, quarantine.ErrState) {
		t.Errorf("retry of a discarded entry: %v", err)
	}
	if _, err := r.q.Discard(ctx, job, "anna", "nochmal"); !errors.Is(err, quarantine.ErrState) {
		t.Errorf("second discard: %v", err)
	}
	if n := len(r.journaled(t, quarantine.KindDiscard)); n != 1 {
		t.Errorf("%d discard records", n)
	}
}

// An interrupted discard (state written, copy not yet removed) completes
// when run again, without a second record.
func TestQuarantineDiscardCompletes(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	job := r.reject(t, "Lieferung-5", "halb")
	dir := filepath.Join(r.data, "quarantine", job)
	// Simulate the crash: discard, then put a copy back.
	if _, err := r.q.Discard(ctx, job, "anna", "Test"); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "submission"), 0o750)
	os.WriteFile(filepath.Join(dir, "submission", "rest.txt"), []byte("rest"), 0o640)
	if e, _ := r.q.Entry(ctx, job); !e.CopyKept {
		t.Fatal("copy not seen")
	}
	e, err := r.q.Discard(ctx, job, "bert", "anders")
	if err != nil {
		t.Fatal(err)
	}
	if e.CopyKept || e.Discarded.Who != "anna" {
		t.Errorf("after completing: %+v", e)
	}
	if n := len(r.journaled(t, quarantine.KindDiscard)); n != 1 {
		t.Errorf("%d discard records", n)
	}
	// A crash in the middle of the removal leaves the renamed copy: it
	// goes too.
	os.MkdirAll(filepath.Join(dir, ".removing", "x"), 0o750)
	if _, err := r.q.Discard(ctx, job, "bert", "anders"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".removing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("half-removed copy kept: %v", err)
	}
}

// Discard and retry of one entry at once: exactly one wins, the other is
// refused (busy, or the state no longer allows it), and the entry is
// consistent.
func TestQuarantineConcurrentDiscardRetry(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	for i := range 4 {
		job := r.reject(t, "Lieferung-K", strings.Repeat("x", i+1))
		var wg sync.WaitGroup
		var retryErr, discardErr error
		start := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			_, retryErr = r.q.Retry(ctx, job, ingestWith(r.lenient), quarantine.RetryOptions{Who: "anna"})
		}()
		go func() {
			defer wg.Done()
			<-start
			_, discardErr = r.q.Discard(ctx, job, "bert", "Dublette")
		}()
		close(start)
		wg.Wait()
		loser := func(err error) bool { return errors.Is(err, quarantine.ErrBusy) || errors.Is(err, quarantine.ErrState) }
		e, err := r.q.Entry(ctx, job)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case retryErr == nil && loser(discardErr):
			if e.State.State != quarantine.StateResolved || len(e.AIPs) == 0 || e.Discarded != nil {
				t.Errorf("retry won, entry %+v", e)
			}
		case discardErr == nil && loser(retryErr):
			if e.State.State != quarantine.StateDiscarded || len(e.AIPs) != 0 || len(e.Attempts) != 0 {
				t.Errorf("discard won, entry %+v", e)
			}
		default:
			t.Fatalf("retry: %v, discard: %v", retryErr, discardErr)
		}
		if e.CopyKept {
			t.Error("copy kept")
		}
	}
	if n, m := len(r.journaled(t, quarantine.KindRetry)), len(r.journaled(t, quarantine.KindDiscard)); n+m != 4 {
		t.Errorf("%d retry and %d discard records for 4 entries", n, m)
	}
}

// A job that is not a plain name is refused before anything is touched.
func TestQuarantineRefusesPaths(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.reject(t, "Lieferung-6", "bleibt")
	// Something outside the quarantine that a traversal could reach.
	victim := filepath.Join(r.data, "victim")
	os.MkdirAll(filepath.Join(victim, "submission"), 0o750)
	os.WriteFile(filepath.Join(victim, "submission", "wichtig.txt"), []byte("wichtig"), 0o640)
	os.WriteFile(filepath.Join(victim, "report.json"), []byte(`{"job":"victim"}`), 0o640)
	// A symbolic link planted in the quarantine, pointing at it.
	if err := os.Symlink(victim, filepath.Join(r.data, "quarantine", "planted")); err != nil {
		t.Fatal(err)
	}
	for _, job := range []string{"../victim", "../../etc", "..", ".", "", "a/b", `a\b`, "/etc", "planted"} {
		if _, err := r.q.Entry(ctx, job); err == nil {
			t.Errorf("Entry(%q) accepted", job)
		}
		if _, err := r.q.Discard(ctx, job, "anna", "Angriff"); err == nil {
			t.Errorf("Discard(%q) accepted", job)
		}
		if _, err := r.q.Retry(ctx, job, ingestWith(r.lenient), quarantine.RetryOptions{Who: "anna"}); err == nil {
			t.Errorf("Retry(%q) accepted", job)
		}
		if job != "planted" {
			if _, err := r.q.Entry(ctx, job); !errors.Is(err, quarantine.ErrInvalidJob) {
				t.Errorf("Entry(%q): %v, want ErrInvalidJob", job, err)
			}
		}
	}
	if b, err := os.ReadFile(filepath.Join(victim, "submission", "wichtig.txt")); err != nil || string(b) != "wichtig" {
		t.Errorf("the file outside the quarantine was touched: %v", err)
	}
	if es, _ := os.ReadDir(victim); len(es) != 2 {
		t.Errorf("victim dir has %d entries", len(es))
	}
	es, err := r.q.List(ctx)
	if err != nil || len(es) != 1 {
		t.Errorf("list: %d entries, %v (the planted link must not be listed)", len(es), err)
	}
}
