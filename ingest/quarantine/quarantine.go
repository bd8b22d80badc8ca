package quarantine

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/journal"
)

// Entry states.
const (
	StateQuarantined = "quarantined"
	StateResolved    = "resolved"
	StateDiscarded   = "discarded"
)

// Attempt outcomes.
const (
	OutcomeResolved = "resolved"
	OutcomeRejected = "rejected"
	OutcomeFailed   = "failed"
)

// Journal kinds of the actions.
const (
	KindRetry   = "quarantine.retry"
	KindDiscard = "quarantine.discard"
)

// Errors.
var (
	// ErrInvalidJob: the job is not a plain entry name.
	ErrInvalidJob = errors.New("quarantine: invalid entry name")
	// ErrBusy: another action holds the entry.
	ErrBusy = errors.New("quarantine: another action on the entry is running")
	// ErrState: the entry's state does not allow the action.
	ErrState = errors.New("quarantine: not allowed in the entry's state")
	// ErrNoReason: a discard needs a reason (and an actor).
	ErrNoReason = errors.New("quarantine: a discard needs a reason and who gives it")
	// ErrIncompleteCopy: Keep could not copy the whole submission.
	ErrIncompleteCopy = errors.New("quarantine: copy of the submission incomplete")
)

// Report is report.json: the rejection as ingest wrote it.
type Report struct {
	Job string `json:"job"`
	// Submission is the path the submission was read from.
	Submission string                `json:"submission"`
	Time       time.Time             `json:"time"`
	Problems   preservation.Problems `json:"problems"`
	// Profile is the profile that read the submission, if it got so far.
	Profile string `json:"profile,omitempty"`
	// Agency is the sender the submission names, if any.
	Agency string `json:"agency,omitempty"`
	// Bestand is the Bestand the ingest was asked to put the units into
	// (e.g. the agency's, for a daemon's ingest job), if any.
	Bestand string `json:"bestand,omitempty"`
	// Copy is the path of the copy in the entry, relative to it:
	// "submission/<name>"; entries made before it was recorded lack it.
	Copy string `json:"copy,omitempty"`
}

// Attempt is one retry.
type Attempt struct {
	Time    time.Time `json:"time"`
	Who     string    `json:"who"`
	Profile string    `json:"profile,omitempty"`
	Bestand string    `json:"bestand,omitempty"`
	// Outcome is one of the Outcome constants.
	Outcome  string                `json:"outcome"`
	AIPs     []string              `json:"aips,omitempty"`
	Problems preservation.Problems `json:"problems,omitempty"`
	Error    string                `json:"error,omitempty"`
}

// FileDigest is one file of a discarded copy.
type FileDigest struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA512 string `json:"sha512"`
}

// Discard records a discard.
type Discard struct {
	Time   time.Time `json:"time"`
	Who    string    `json:"who"`
	Reason string    `json:"reason"`
	Files  int       `json:"files"`
	Bytes  int64     `json:"bytes"`
	// Fingerprint is the SHA-512 over the sorted lines "path NUL sha512
	// LF" of Digests.
	Fingerprint string       `json:"fingerprint"`
	Digests     []FileDigest `json:"digests"`
}

// State is state.json: what was done with the entry.
type State struct {
	State     string    `json:"state"`
	Attempts  []Attempt `json:"attempts,omitempty"`
	AIPs      []string  `json:"aips,omitempty"`
	Discarded *Discard  `json:"discarded,omitempty"`
}

// Entry is a quarantine entry as listed and shown.
type Entry struct {
	Job    string `json:"job"`
	Report Report `json:"report"`
	State
	// Problems are the current findings: the last rejection's.
	Problems preservation.Problems `json:"problems"`
	// Files and Bytes count the copy kept (for a discarded entry: the
	// copy that was removed).
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
	// CopyKept: the copy is (still) in the entry.
	CopyKept bool `json:"copyKept"`
	// Path is the copy to ingest (absolute).
	Path string `json:"-"`
}

// Codes returns the distinct codes of the current error problems (all
// problems if none is an error), in order of first appearance.
func (e *Entry) Codes() []string {
	var out []string
	errs := e.Problems.HasErrors()
	for _, p := range e.Problems {
		if errs && p.Severity != preservation.SeverityError {
			continue
		}
		if !slices.Contains(out, p.Code) {
			out = append(out, p.Code)
		}
	}
	return out
}

// Name is the submission's file or directory name.
func (e *Entry) Name() string {
	if e.Report.Submission == "" {
		return ""
	}
	return filepath.Base(e.Report.Submission)
}

// RetryOptions are the choices of a retry.
type RetryOptions struct {
	// Profile is the profile to read the copy with ("" or "auto": the
	// profile recorded in the report, else detection).
	Profile string
	// Bestand is the Bestand the units join ("": the one the first ingest
	// was asked for, else as ingest decides).
	Bestand string
	// Who retries (required).
	Who string
}

// IngestFunc ingests the copy at path (e.Path) again and returns the ids of
// the AIPs that hold it. A rejection is an error matching
// *preservation.RejectedError, and must not make a new quarantine entry.
type IngestFunc func(ctx context.Context, e *Entry, opts RetryOptions) ([]string, error)

// JournalFunc commits journal entries (the catalog's Commit over the
// journal).
type JournalFunc func(ctx context.Context, entries ...journal.Entry) error

// Quarantine is the quarantine of one data directory.
type Quarantine struct {
	dir     string
	journal JournalFunc
	log     *slog.Logger
	now     func() time.Time
}

// Option sets an optional collaborator.
type Option func(*Quarantine)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(q *Quarantine) { q.log = l } }

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(q *Quarantine) { q.now = now } }

// New returns the quarantine under dataDir/quarantine. j records the
// actions; without it (nil) Retry and Discard refuse to run.
func New(dataDir string, j JournalFunc, opts ...Option) *Quarantine {
	q := &Quarantine{dir: Dir(dataDir), journal: j, log: slog.New(slog.DiscardHandler), now: time.Now}
	for _, o := range opts {
		o(q)
	}
	return q
}

// Dir is the quarantine directory of a data directory.
func Dir(dataDir string) string { return filepath.Join(dataDir, "quarantine") }

// CheckJob refuses a job that is not a plain entry name.
func CheckJob(job string) error {
	if job == "" || len(job) > 128 || job == "." || job == ".." {
		return fmt.Errorf("%w: %q", ErrInvalidJob, job)
	}
	for _, c := range job {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("%w: %q", ErrInvalidJob, job)
		}
	}
	return nil
}

// Keep makes the entry of a rejected submission: report.json, then the
// copy of src (regular files and directories only). It returns the entry's
// directory; an incomplete copy is an error matching ErrIncompleteCopy
// with the entry made.
func Keep(dataDir string, r Report, src string) (string, error) {
	if err := CheckJob(r.Job); err != nil {
		return "", err
	}
	dir := filepath.Join(Dir(dataDir), r.Job)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("quarantine: %w", err)
	}
	// The copy keeps the submission's name (a profile may read it, e.g.
	// a folder's name is its title).
	r.Copy = "submission/" + filepath.Base(src)
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	if err := writeFile(filepath.Join(dir, "report.json"), b); err != nil {
		return "", fmt.Errorf("quarantine report: %w", err)
	}
	if err := copySubmission(src, filepath.Join(dir, "submission")); err != nil {
		return dir, fmt.Errorf("%w: %w", ErrIncompleteCopy, err)
	}
	return dir, nil
}

// List returns every entry, newest first.
func (q *Quarantine) List(ctx context.Context) ([]Entry, error) {
	es, err := os.ReadDir(q.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	var out []Entry
	for _, de := range es {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !de.IsDir() || CheckJob(de.Name()) != nil {
			continue
		}
		e, err := q.read(de.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, *e)
	}
	slices.SortStableFunc(out, func(a, b Entry) int { return b.Report.Time.Compare(a.Report.Time) })
	return out, nil
}

// Entry returns one entry; an unknown one is an error matching
// fs.ErrNotExist.
func (q *Quarantine) Entry(ctx context.Context, job string) (*Entry, error) {
	if err := CheckJob(job); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return q.read(job)
}

// CodeReport marks an entry whose report.json cannot be read.
const CodeReport = "QUARANTINE_REPORT"

func (q *Quarantine) read(job string) (*Entry, error) {
	dir := filepath.Join(q.dir, job)
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil, fmt.Errorf("quarantine entry %s: %w", job, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("quarantine entry %s: not a directory: %w", job, fs.ErrNotExist)
	}
	e := &Entry{Job: job}
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err == nil {
		err = json.Unmarshal(b, &e.Report)
	}
	if err != nil {
		e.Report = Report{Job: job, Time: fi.ModTime().UTC(), Problems: preservation.Problems{{Code: CodeReport,
			Severity: preservation.SeverityWarning, Message: fmt.Sprintf("no readable report: %v", err)}}}
	}
	e.Job = job
	if b, err := os.ReadFile(filepath.Join(dir, "state.json")); err == nil {
		if err := json.Unmarshal(b, &e.State); err != nil {
			return nil, fmt.Errorf("quarantine entry %s: state.json: %w", job, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("quarantine entry %s: %w", job, err)
	}
	if e.State.State == "" {
		e.State.State = StateQuarantined
	}
	e.Problems = e.Report.Problems
	for _, a := range e.Attempts {
		if a.Outcome == OutcomeRejected {
			e.Problems = a.Problems
		}
	}
	e.Path = q.copyPath(dir, &e.Report)
	e.Files, e.Bytes = count(filepath.Join(dir, "submission"))
	e.CopyKept = e.Files > 0
	if e.Discarded != nil && !e.CopyKept {
		e.Files, e.Bytes = e.Discarded.Files, e.Discarded.Bytes
	}
	return e, nil
}

// copyPath is the copy to ingest: the recorded one, else the one file
// named as the submission, else the directory.
func (q *Quarantine) copyPath(dir string, r *Report) string {
	if r.Copy != "" && filepath.IsLocal(r.Copy) {
		return filepath.Join(dir, r.Copy)
	}
	sub := filepath.Join(dir, "submission")
	if r.Submission != "" {
		p := filepath.Join(sub, filepath.Base(r.Submission))
		if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() {
			if es, _ := os.ReadDir(sub); len(es) == 1 {
				return p
			}
		}
	}
	return sub
}

// count counts the regular files below dir and their bytes.
func count(dir string) (int, int64) {
	n, size := 0, int64(0)
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n++
				size += fi.Size()
			}
		}
		return nil
	})
	return n, size
}

// lock takes the entry's exclusive lock, or fails with ErrBusy.
func (q *Quarantine) lock(job string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(q.dir, job, ".lock"), os.O_CREATE|os.O_RDWR|syscall.O_NOFOLLOW, 0o640)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("quarantine entry %s: %w", job, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("quarantine entry %s: lock: %w", job, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("entry %s: %w", job, ErrBusy)
		}
		return nil, fmt.Errorf("quarantine entry %s: lock: %w", job, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// open checks the job, takes the lock and reads the entry.
func (q *Quarantine) open(ctx context.Context, job string) (*Entry, func(), error) {
	if err := CheckJob(job); err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if q.journal == nil {
		return nil, nil, errors.New("quarantine: no journal to record the action")
	}
	fi, err := os.Lstat(filepath.Join(q.dir, job))
	if err != nil || !fi.IsDir() {
		return nil, nil, fmt.Errorf("quarantine entry %s: %w", job, fs.ErrNotExist)
	}
	unlock, err := q.lock(job)
	if err != nil {
		return nil, nil, err
	}
	e, err := q.read(job)
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return e, unlock, nil
}

// Record is the data of a journal entry of an action.
type Record struct {
	Job        string    `json:"job"`
	Submission string    `json:"submission"`
	Profile    string    `json:"profile,omitempty"`
	Agency     string    `json:"agency,omitempty"`
	Received   time.Time `json:"received"`
	Who        string    `json:"who"`
	Outcome    string    `json:"outcome,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	AIPs       []string  `json:"aips,omitempty"`
	// Codes are the problem codes of the rejection (for a discard: the
	// current ones).
	Codes       []string     `json:"codes,omitempty"`
	Files       int          `json:"files,omitempty"`
	Bytes       int64        `json:"bytes,omitempty"`
	Fingerprint string       `json:"fingerprint,omitempty"`
	Digests     []FileDigest `json:"digests,omitempty"`
	// DigestsOmitted counts the digests left out of the journal entry
	// (more than MaxJournalDigests files; state.json has them all).
	DigestsOmitted int `json:"digestsOmitted,omitempty"`
}

// MaxJournalDigests bounds the file digests a discard's journal entry
// carries; its fingerprint covers them all.
const MaxJournalDigests = 1000

func (q *Quarantine) record(e *Entry, who string) Record {
	return Record{Job: e.Job, Submission: e.Name(), Profile: e.Report.Profile, Agency: e.Report.Agency, Received: e.Report.Time, Who: who}
}

func (q *Quarantine) commit(ctx context.Context, kind string, r Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := q.journal(ctx, journal.Entry{Kind: kind, Subject: r.Job, Time: q.now().UTC(), Data: b}); err != nil {
		return fmt.Errorf("quarantine: journal: %w", err)
	}
	return nil
}

// Retry ingests the entry's copy again with ingest. It returns the entry
// as it is afterwards; a new rejection is also returned as an error
// matching *preservation.RejectedError (its Quarantine names this entry).
func (q *Quarantine) Retry(ctx context.Context, job string, ingest IngestFunc, opts RetryOptions) (*Entry, error) {
	opts.Who = strings.TrimSpace(opts.Who)
	if opts.Who == "" {
		return nil, errors.New("quarantine: a retry needs who retries")
	}
	e, unlock, err := q.open(ctx, job)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if e.State.State != StateQuarantined {
		return e, fmt.Errorf("%w: entry %s is %s", ErrState, job, e.State.State)
	}
	if !e.CopyKept {
		return e, fmt.Errorf("%w: entry %s keeps no copy of the submission", ErrState, job)
	}
	if opts.Profile == "" || opts.Profile == "auto" {
		opts.Profile = e.Report.Profile
	}
	if opts.Bestand == "" {
		opts.Bestand = e.Report.Bestand
	}
	att := Attempt{Time: q.now().UTC().Truncate(time.Second), Who: opts.Who, Profile: opts.Profile, Bestand: opts.Bestand}
	aips, ierr := ingest(ctx, e, opts)
	var rej *preservation.RejectedError
	switch {
	case ierr == nil:
		att.Outcome, att.AIPs = OutcomeResolved, aips
		r := q.record(e, opts.Who)
		r.Outcome, r.AIPs, r.Codes = OutcomeResolved, aips, e.Codes()
		if err := q.commit(ctx, KindRetry, r); err != nil {
			// The AIPs are archived; without the journal entry the
			// entry stays quarantined: a later retry finds them.
			att.Outcome, att.Error = OutcomeFailed, err.Error()
			q.save(e, att)
			return e, err
		}
		e.State.State, e.State.AIPs = StateResolved, aips
		if err := q.save(e, att); err != nil {
			return e, err
		}
		q.log.Info("quarantined submission ingested", "job", job, "who", opts.Who, "aips", len(aips))
		if err := q.removeCopy(job); err != nil {
			return e, err
		}
		return q.read(job)
	case errors.As(ierr, &rej):
		att.Outcome, att.Problems = OutcomeRejected, rej.Problems
		r := q.record(e, opts.Who)
		r.Outcome = OutcomeRejected
		e.Problems = rej.Problems
		r.Codes = e.Codes()
		if err := q.commit(ctx, KindRetry, r); err != nil {
			return e, err
		}
		if err := q.save(e, att); err != nil {
			return e, err
		}
		q.log.Info("quarantined submission rejected again", "job", job, "who", opts.Who, "problems", len(rej.Problems))
		e, err := q.read(job)
		if err != nil {
			return nil, err
		}
		return e, &preservation.RejectedError{Problems: rej.Problems, Quarantine: filepath.Join(q.dir, job)}
	default:
		att.Outcome, att.Error = OutcomeFailed, ierr.Error()
		if ctx.Err() == nil {
			q.save(e, att)
		}
		return e, ierr
	}
}

// Discard removes the entry's copy, keeping a record of what it was and
// journaling who discarded it, when and why. On an entry that is resolved
// or discarded and still keeps its copy (an interrupted removal) it
// removes the copy and records nothing new.
func (q *Quarantine) Discard(ctx context.Context, job, who, reason string) (*Entry, error) {
	who, reason = strings.TrimSpace(who), strings.TrimSpace(reason)
	if who == "" || reason == "" {
		return nil, ErrNoReason
	}
	e, unlock, err := q.open(ctx, job)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if e.State.State != StateQuarantined {
		_, lerr := os.Lstat(filepath.Join(q.dir, job, ".removing"))
		if e.CopyKept || lerr == nil {
			if err := q.removeCopy(job); err != nil {
				return e, err
			}
			return q.read(job)
		}
		return e, fmt.Errorf("%w: entry %s is %s", ErrState, job, e.State.State)
	}
	d, err := digests(ctx, filepath.Join(q.dir, job, "submission"))
	if err != nil {
		return e, err
	}
	d.Time, d.Who, d.Reason = q.now().UTC().Truncate(time.Second), who, reason
	r := q.record(e, who)
	r.Reason, r.Codes, r.Files, r.Bytes, r.Fingerprint = reason, e.Codes(), d.Files, d.Bytes, d.Fingerprint
	r.Digests = d.Digests
	if len(r.Digests) > MaxJournalDigests {
		r.DigestsOmitted = len(r.Digests) - MaxJournalDigests
		r.Digests = r.Digests[:MaxJournalDigests]
	}
	if err := q.commit(ctx, KindDiscard, r); err != nil {
		return e, err
	}
	e.State.State, e.State.Discarded = StateDiscarded, d
	if err := q.save(e, nil); err != nil {
		return e, err
	}
	q.log.Info("quarantined submission discarded", "job", job, "who", who, "files", d.Files, "bytes", d.Bytes)
	if err := q.removeCopy(job); err != nil {
		return e, err
	}
	return q.read(job)
}

// save writes state.json with the attempt (if any) appended.
func (q *Quarantine) save(e *Entry, att any) error {
	st := e.State
	if a, ok := att.(Attempt); ok {
		st.Attempts = append(slices.Clone(st.Attempts), a)
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(q.dir, e.Job, "state.json"), b); err != nil {
		return fmt.Errorf("quarantine entry %s: state: %w", e.Job, err)
	}
	e.State = st
	return nil
}

// removeCopy removes the entry's submission/ (renamed first, so that a
// half-removed copy is never taken for the submission).
func (q *Quarantine) removeCopy(job string) error {
	dir := filepath.Join(q.dir, job)
	sub := filepath.Join(dir, "submission")
	gone := filepath.Join(dir, ".removing")
	if fi, err := os.Lstat(sub); err == nil && fi.IsDir() {
		if err := os.RemoveAll(gone); err != nil {
			return fmt.Errorf("quarantine entry %s: %w", job, err)
		}
		if err := os.Rename(sub, gone); err != nil {
			return fmt.Errorf("quarantine entry %s: %w", job, err)
		}
	} else if err == nil {
		if err := os.Remove(sub); err != nil {
			return fmt.Errorf("quarantine entry %s: %w", job, err)
		}
	}
	if err := os.RemoveAll(gone); err != nil {
		return fmt.Errorf("quarantine entry %s: removing the copy: %w", job, err)
	}
	return nil
}

// digests reads every regular file of the copy once.
func digests(ctx context.Context, dir string) (*Discard, error) {
	d := &Discard{Digests: []FileDigest{}}
	err := filepath.WalkDir(dir, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return filepath.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !de.Type().IsRegular() {
			return nil
		}
		f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha512.New()
		n, err := io.Copy(h, f)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		d.Digests = append(d.Digests, FileDigest{Path: filepath.ToSlash(rel), Size: n, SHA512: hex.EncodeToString(h.Sum(nil))})
		d.Files++
		d.Bytes += n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("quarantine: reading the copy: %w", err)
	}
	sort.Slice(d.Digests, func(i, j int) bool { return d.Digests[i].Path < d.Digests[j].Path })
	h := sha512.New()
	for _, f := range d.Digests {
		io.WriteString(h, f.Path+"\x00"+f.SHA512+"\n")
	}
	d.Fingerprint = hex.EncodeToString(h.Sum(nil))
	return d, nil
}

// writeFile writes b to path by a synced temp file and a rename.
func writeFile(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// copySubmission copies a file or a directory tree (regular files only)
// into dst, under its own name.
func copySubmission(src, dst string) error {
	fi, err := os.Lstat(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o750); err != nil {
		return err
	}
	dst = filepath.Join(dst, filepath.Base(src))
	if !fi.IsDir() {
		return copyFile(src, dst)
	}
	var firstErr error
	filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			return nil
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o750)
		case d.Type().IsRegular():
			if err := copyFile(path, target); err != nil && firstErr == nil {
				firstErr = err
			}
		}
		return nil
	})
	return firstErr
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Files lists the files of the entry's copy (for a discarded entry: the
// files it held), by path relative to the copy's root.
func (q *Quarantine) Files(ctx context.Context, job string) ([]FileDigest, error) {
	e, err := q.Entry(ctx, job)
	if err != nil {
		return nil, err
	}
	if !e.CopyKept {
		if e.Discarded != nil {
			return e.Discarded.Digests, nil
		}
		return []FileDigest{}, nil
	}
	root := filepath.Join(q.dir, job, "submission")
	out := []FileDigest{}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			out = append(out, FileDigest{Path: filepath.ToSlash(rel), Size: fi.Size()})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("quarantine entry %s: %w", job, err)
	}
	return out, nil
}
