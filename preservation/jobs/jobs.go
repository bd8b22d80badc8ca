// Package jobs is the daemon's persisted job queue: ingests, xdomea
// messages, audits, migrations and exports, each a record with a state,
// its attempts and its last error, kept in the catalog's keyspace of
// operational records (catalog.PutRecord), so a restart finds the queue as
// it was.
//
// Contract:
//   - States: queued → running → done | failed | cancelled. A failed or
//     cancelled job goes back to queued only by Retry.
//   - A job that was running when the process died (or was stopped) is
//     queued again when the next Run starts (failed after MaxInterruptions
//     such restarts), and its handler runs again from the start: every handler must be idempotent (an ingest finds its
//     AIPs by fingerprint, a reply already sent is not sent again: see
//     Job.Mark and Job.Marked). Step records how far a handler came, for
//     operators and for handlers that skip finished steps.
//   - Enqueue with a de-duplication key returns the job already made for
//     that key instead of making a second one (a retried upload, a hot
//     folder file handed over again after a crash).
//   - Run runs at most Limits[kind] jobs of a kind at once (default 1),
//     oldest first. When its context ends it takes no more jobs and gives
//     running handlers Grace to finish; after that their contexts are
//     cancelled, and a job stopped that way stays queued (checkpointed),
//     not failed.
//   - A handler error is retried up to MaxAttempts (default 3) with a
//     growing pause; an error wrapped with Permanent fails the job at once.
//     A result the handler returns with its error is kept as the job's
//     Result all the same (what it did before it failed, a report).
//   - Wait blocks until a job has ended (done, failed or cancelled): a
//     client that submitted a job can wait for its result.
//
// The package does no I/O of its own beyond the Records it is given and
// never prints: it logs to a *slog.Logger and reports transitions through
// Observe.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// Kind is what a job does.
type Kind string

// Job kinds.
const (
	KindIngest    Kind = "ingest"
	KindXdomea    Kind = "xdomea"
	KindAudit     Kind = "audit"
	KindMigration Kind = "migration"
	KindExport    Kind = "export"
)

// Kinds lists every kind, for metrics and validation.
var Kinds = []Kind{KindIngest, KindXdomea, KindAudit, KindMigration, KindExport}

// State is where a job stands.
type State string

// Job states.
const (
	Queued    State = "queued"
	Running   State = "running"
	Done      State = "done"
	Failed    State = "failed"
	Cancelled State = "cancelled"
)

// States lists every state.
var States = []State{Queued, Running, Done, Failed, Cancelled}

// ErrNotFound: no job with that id. It matches fs.ErrNotExist.
var ErrNotFound = fmt.Errorf("jobs: no such job: %w", fs.ErrNotExist)

// ErrState: the job is not in a state that allows the operation.
var ErrState = errors.New("jobs: not allowed in this state")

// Job is one unit of work.
type Job struct {
	ID    string `json:"id"`
	Kind  Kind   `json:"kind"`
	State State  `json:"state"`
	// Agency is the agency (Behördenkennung) the job belongs to, if any.
	Agency string `json:"agency,omitempty"`
	// Source says where the job came from: hotfolder, upload, schedule, cli.
	Source string `json:"source,omitempty"`
	// Name is the submission's file name; Path where it lies; Digest its
	// SHA-512 (hex) when known; Size its length.
	Name   string `json:"name,omitempty"`
	Path   string `json:"path,omitempty"`
	Digest string `json:"digest,omitempty"`
	Size   int64  `json:"size,omitempty"`
	// Params are kind-specific settings.
	Params map[string]string `json:"params,omitempty"`
	// Attempts counts the runs begun; LastError is the latest failure.
	Attempts int `json:"attempts"`
	// Interrupted counts the runs the process did not live to finish.
	Interrupted int    `json:"interrupted,omitempty"`
	LastError   string `json:"lastError,omitempty"`
	// Step is the last step the handler reported (Checkpoint).
	Step string `json:"step,omitempty"`
	// Marks are the idempotency marks the handler set (Mark).
	Marks map[string]string `json:"marks,omitempty"`
	// Result is the handler's result (JSON).
	Result json.RawMessage `json:"result,omitempty"`
	// CancelRequested is set by Cancel on a running job.
	CancelRequested bool      `json:"cancelRequested,omitempty"`
	Created         time.Time `json:"created"`
	Updated         time.Time `json:"updated"`
	Started         time.Time `json:"started,omitzero"`
	Finished        time.Time `json:"finished,omitzero"`
	// NotBefore delays the next attempt after a failure.
	NotBefore time.Time `json:"notBefore,omitzero"`
}

// Terminal reports whether the job has ended (done, failed or cancelled).
func (j *Job) Terminal() bool {
	return j.State == Done || j.State == Failed || j.State == Cancelled
}

// Records is the persistence the queue needs; *catalog.Catalog has it.
type Records interface {
	PutRecord(ctx context.Context, key string, val []byte) error
	PutRecordIfAbsent(ctx context.Context, key string, val []byte) ([]byte, bool, error)
	Record(ctx context.Context, key string) ([]byte, error)
	Records(ctx context.Context, prefix string) iter.Seq2[string, []byte]
}

const (
	prefixJob   = "job/"
	prefixDedup = "job-dedup/"
)

// Handler does a job. Its result is stored as the job's Result. It must be
// idempotent: after a crash it runs again on the same job.
type Handler func(ctx context.Context, t *Task) (any, error)

// Queue is the persisted queue and its runner. Only one process may use a
// catalog's queue at a time (the catalog's lock sees to it).
type Queue struct {
	rec Records
	// Handlers do the jobs of each kind; a job of a kind without a handler
	// waits.
	Handlers map[Kind]Handler
	// Limits bounds the running jobs per kind (default 1).
	Limits map[Kind]int
	// MaxAttempts is how often a failing job runs before it fails (default 3).
	MaxAttempts int
	// MaxInterruptions is how often a job may be found running at a start
	// (the process died under it) before it fails, so that a job that
	// kills the process does not do so for ever (default 10).
	MaxInterruptions int
	// Backoff is the pause before the second attempt, doubled for each
	// further one (default 5 s).
	Backoff time.Duration
	// Grace is how long running handlers may go on after Run's context ends
	// (default 30 s).
	Grace time.Duration
	// Poll is how often Run looks for due jobs without being woken (default 1 s).
	Poll time.Duration
	Log  *slog.Logger
	// Observe, when set, is told of every state change (from "" for a new job).
	Observe func(j Job, from State)
	Now     func() time.Time

	mu       sync.Mutex
	stopping chan struct{}
	running  map[string]context.CancelFunc
	perKind  map[Kind]int
	wake     chan struct{}

	// changed is closed (and replaced) at every state change, for Wait.
	wmu     sync.Mutex
	changed chan struct{}
}

// New returns a queue kept in rec.
func New(rec Records) *Queue {
	return &Queue{rec: rec, Handlers: map[Kind]Handler{}, Limits: map[Kind]int{}, running: map[string]context.CancelFunc{},
		perKind: map[Kind]int{}, wake: make(chan struct{}, 1), stopping: make(chan struct{}), changed: make(chan struct{})}
}

// Permanent marks err as not worth retrying.
func Permanent(err error) error { return &permanentError{err} }

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// Enqueue records a new queued job. With a non-empty dedup key, a job
// already made for the key is returned instead (created false).
func (q *Queue) Enqueue(ctx context.Context, j Job, dedup string) (*Job, bool, error) {
	if j.Kind == "" {
		return nil, false, errors.New("jobs: a job needs a kind")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	j.ID = newID(now)
	j.State, j.Created, j.Updated, j.Attempts = Queued, now, now, 0
	if dedup != "" {
		have, created, err := q.rec.PutRecordIfAbsent(ctx, prefixDedup+dedup, []byte(j.ID))
		if err != nil {
			return nil, false, fmt.Errorf("jobs: %w", err)
		}
		if !created {
			old, err := q.get(ctx, string(have))
			if err == nil {
				return old, false, nil
			}
			if !errors.Is(err, ErrNotFound) {
				return nil, false, err
			}
			// A crash between the key and the job: the key is ours now.
			if err := q.rec.PutRecord(ctx, prefixDedup+dedup, []byte(j.ID)); err != nil {
				return nil, false, fmt.Errorf("jobs: %w", err)
			}
		}
	}
	if err := q.put(ctx, &j); err != nil {
		return nil, false, err
	}
	q.observe(j, "")
	q.poke()
	return &j, true, nil
}

// Lookup returns the job made for a de-duplication key.
func (q *Queue) Lookup(ctx context.Context, dedup string) (*Job, error) {
	id, err := q.rec.Record(ctx, prefixDedup+dedup)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return q.Get(ctx, string(id))
}

// Get returns the job with id.
func (q *Queue) Get(ctx context.Context, id string) (*Job, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.get(ctx, id)
}

func (q *Queue) get(ctx context.Context, id string) (*Job, error) {
	b, err := q.rec.Record(ctx, prefixJob+id)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	var j Job
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("jobs: job %s: %w", id, err)
	}
	return &j, nil
}

func (q *Queue) put(ctx context.Context, j *Job) error {
	b, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if err := q.rec.PutRecord(context.WithoutCancel(ctx), prefixJob+j.ID, b); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	return nil
}

// Filter selects jobs for List; empty fields select all.
type Filter struct {
	Kind   Kind
	State  State
	Agency string
}

// List returns the jobs the filter selects, oldest first.
func (q *Queue) List(ctx context.Context, f Filter) ([]Job, error) {
	var out []Job
	for _, b := range q.rec.Records(ctx, prefixJob) {
		var j Job
		if err := json.Unmarshal(b, &j); err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		if (f.Kind == "" || j.Kind == f.Kind) && (f.State == "" || j.State == f.State) && (f.Agency == "" || j.Agency == f.Agency) {
			out = append(out, j)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Counts returns how many jobs of each kind are in each state.
func (q *Queue) Counts(ctx context.Context) (map[Kind]map[State]int, error) {
	js, err := q.List(ctx, Filter{})
	if err != nil {
		return nil, err
	}
	out := map[Kind]map[State]int{}
	for _, j := range js {
		if out[j.Kind] == nil {
			out[j.Kind] = map[State]int{}
		}
		out[j.Kind][j.State]++
	}
	return out, nil
}

// Cancel cancels a queued job at once and asks a running one to stop (its
// handler's context is cancelled; the job ends cancelled).
func (q *Queue) Cancel(ctx context.Context, id string) (*Job, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	j, err := q.get(ctx, id)
	if err != nil {
		return nil, err
	}
	switch j.State {
	case Queued:
		from := j.State
		j.State, j.Updated, j.Finished = Cancelled, q.now(), q.now()
		if err := q.put(ctx, j); err != nil {
			return nil, err
		}
		q.observe(*j, from)
	case Running:
		j.CancelRequested, j.Updated = true, q.now()
		if err := q.put(ctx, j); err != nil {
			return nil, err
		}
		if cancel := q.running[id]; cancel != nil {
			cancel()
		}
	default:
		return j, fmt.Errorf("%w: job %s is %s", ErrState, id, j.State)
	}
	return j, nil
}

// Retry queues a failed or cancelled job again, with its attempts reset.
func (q *Queue) Retry(ctx context.Context, id string) (*Job, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	j, err := q.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if j.State != Failed && j.State != Cancelled {
		return j, fmt.Errorf("%w: job %s is %s; only failed or cancelled jobs can be retried", ErrState, id, j.State)
	}
	from := j.State
	j.State, j.Attempts, j.Interrupted, j.CancelRequested, j.NotBefore, j.Finished, j.Updated = Queued, 0, 0, false, time.Time{}, time.Time{}, q.now()
	if err := q.put(ctx, j); err != nil {
		return nil, err
	}
	q.observe(*j, from)
	q.poke()
	return j, nil
}

// Task is a running job as its handler sees it.
type Task struct {
	q   *Queue
	mu  sync.Mutex
	job Job
}

// Job returns a copy of the job.
func (t *Task) Job() Job {
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.job
	return j
}

// Checkpoint records that the handler reached step (persisted at once).
func (t *Task) Checkpoint(ctx context.Context, step string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.job.Step, t.job.Updated = step, t.q.now()
	return t.q.put(ctx, &t.job)
}

// Mark records (persisted at once) that the effect named key happened,
// with a value such as the path written; handlers check Marked before
// repeating an effect the outside world sees (a reply sent).
func (t *Task) Mark(ctx context.Context, key, val string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.job.Marks == nil {
		t.job.Marks = map[string]string{}
	}
	t.job.Marks[key], t.job.Updated = val, t.q.now()
	return t.q.put(ctx, &t.job)
}

// Marked returns the value of mark key and whether it is set.
func (t *Task) Marked(key string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.job.Marks[key]
	return v, ok
}

// Stopping is closed when the queue stops taking jobs: a long handler (an
// audit pass) ends at its next checkpoint, and its job stays queued.
func (t *Task) Stopping() <-chan struct{} {
	t.q.mu.Lock()
	defer t.q.mu.Unlock()
	return t.q.stopping
}

// isStopping reports whether Run stopped taking jobs; q.mu must be held.
func (q *Queue) isStopping() bool {
	select {
	case <-q.stopping:
		return true
	default:
		return false
	}
}

// Run runs queued jobs until ctx ends, then waits for running handlers
// (see Grace). Jobs found running at start (a crash) are queued again
// first.
func (q *Queue) Run(ctx context.Context) error {
	q.mu.Lock()
	if q.isStopping() {
		q.stopping = make(chan struct{})
	}
	q.mu.Unlock()
	if err := q.requeueRunning(ctx); err != nil {
		return err
	}
	poll := q.Poll
	if poll <= 0 {
		poll = time.Second
	}
	grace := q.Grace
	if grace <= 0 {
		grace = 30 * time.Second
	}
	// Handlers run under hctx, which outlives ctx by the grace time.
	hctx, hcancel := context.WithCancel(context.WithoutCancel(ctx))
	defer hcancel()
	var wg sync.WaitGroup
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		q.dispatch(ctx, hctx, &wg)
		select {
		case <-ctx.Done():
			q.mu.Lock()
			if !q.isStopping() {
				close(q.stopping)
			}
			q.mu.Unlock()
			q.log().Info("job queue stopping: no new jobs", "grace", grace)
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(grace):
				q.log().Warn("grace time over: interrupting running jobs; they resume at the next start")
				hcancel()
				<-done
			}
			return nil
		case <-q.wake:
		case <-t.C:
		}
	}
}

func (q *Queue) requeueRunning(ctx context.Context) error {
	js, err := q.List(ctx, Filter{State: Running})
	if err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, j := range js {
		j.State, j.Updated = Queued, q.now()
		j.Interrupted++
		limit := q.MaxInterruptions
		if limit <= 0 {
			limit = 10
		}
		switch {
		case j.CancelRequested:
			j.State, j.Finished = Cancelled, q.now()
		case j.Interrupted >= limit:
			j.State, j.Finished = Failed, q.now()
			j.LastError = fmt.Sprintf("the process stopped %d times while this job ran (does the job crash it?); retry it when the cause is found", j.Interrupted)
			q.log().Error("job failed: interrupted too often", "job", j.ID, "kind", j.Kind, "interrupted", j.Interrupted)
		default:
			q.log().Info("job resumes after a restart", "job", j.ID, "kind", j.Kind, "step", j.Step, "attempts", j.Attempts)
		}
		if err := q.put(ctx, &j); err != nil {
			return err
		}
	}
	return nil
}

// dispatch starts every due job that a free slot allows.
func (q *Queue) dispatch(ctx, hctx context.Context, wg *sync.WaitGroup) {
	if ctx.Err() != nil {
		return
	}
	js, err := q.List(ctx, Filter{State: Queued})
	if err != nil {
		if ctx.Err() == nil {
			q.log().Error("job queue: list", "err", err)
		}
		return
	}
	sort.SliceStable(js, func(a, b int) bool { return js[a].Created.Before(js[b].Created) })
	now := q.now()
	for _, j := range js {
		if ctx.Err() != nil {
			return
		}
		h := q.Handlers[j.Kind]
		if h == nil || now.Before(j.NotBefore) {
			continue
		}
		q.mu.Lock()
		if q.perKind[j.Kind] >= q.limit(j.Kind) {
			q.mu.Unlock()
			continue
		}
		cur, err := q.get(ctx, j.ID)
		if err != nil || cur.State != Queued { // cancelled meanwhile
			q.mu.Unlock()
			continue
		}
		cur.State, cur.Attempts, cur.Started, cur.Updated = Running, cur.Attempts+1, now, now
		if err := q.put(ctx, cur); err != nil {
			q.mu.Unlock()
			q.log().Error("job queue: start", "job", j.ID, "err", err)
			continue
		}
		jctx, cancel := context.WithCancel(hctx)
		q.running[cur.ID] = cancel
		q.perKind[cur.Kind]++
		q.mu.Unlock()
		q.observe(*cur, Queued)
		wg.Add(1)
		go func(j Job) {
			defer wg.Done()
			defer cancel()
			q.execute(jctx, h, j)
		}(*cur)
	}
}

func (q *Queue) execute(ctx context.Context, h Handler, j Job) {
	log := q.log().With("job", j.ID, "kind", j.Kind, "name", j.Name, "attempt", j.Attempts)
	log.Info("job started")
	t := &Task{q: q, job: j}
	res, err := func() (res any, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = Permanent(fmt.Errorf("handler panicked: %v", r))
			}
		}()
		return h(ctx, t)
	}()
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.running, j.ID)
	q.perKind[j.Kind]--
	cur := t.Job()
	if stored, gerr := q.get(context.WithoutCancel(ctx), j.ID); gerr == nil {
		cur.CancelRequested = stored.CancelRequested
	}
	now := q.now()
	cur.Updated = now
	if res != nil {
		if b, merr := json.Marshal(res); merr == nil {
			cur.Result = b
		} else {
			log.Error("job result cannot be kept", "err", merr)
		}
	}
	switch {
	case err == nil:
		cur.State, cur.Finished, cur.LastError = Done, now, ""
		log.Info("job done")
	case cur.CancelRequested:
		cur.State, cur.Finished, cur.LastError = Cancelled, now, "cancelled: "+err.Error()
		log.Info("job cancelled")
	case ctx.Err() != nil || q.isStopping():
		// Shut down: checkpointed; it runs again at the next start.
		cur.State = Queued
		cur.LastError = "interrupted by shutdown: " + err.Error()
		log.Warn("job interrupted; it resumes at the next start", "step", cur.Step)
	case IsPermanent(err) || cur.Attempts >= q.maxAttempts():
		cur.State, cur.Finished, cur.LastError = Failed, now, err.Error()
		log.Error("job failed", "err", err)
	default:
		cur.State, cur.LastError = Queued, err.Error()
		cur.NotBefore = now.Add(q.backoff() << (cur.Attempts - 1))
		log.Warn("job failed; retrying later", "err", err, "at", cur.NotBefore)
	}
	if perr := q.put(context.WithoutCancel(ctx), &cur); perr != nil {
		log.Error("job queue: record the outcome", "err", perr)
		return
	}
	q.observe(cur, Running)
	q.poke()
}

// Running reports how many jobs run now.
func (q *Queue) Running() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.running)
}

func (q *Queue) limit(k Kind) int {
	if n := q.Limits[k]; n > 0 {
		return n
	}
	return 1
}

func (q *Queue) maxAttempts() int {
	if q.MaxAttempts > 0 {
		return q.MaxAttempts
	}
	return 3
}

func (q *Queue) backoff() time.Duration {
	if q.Backoff > 0 {
		return q.Backoff
	}
	return 5 * time.Second
}

func (q *Queue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *Queue) observe(j Job, from State) {
	q.wmu.Lock()
	close(q.changed)
	q.changed = make(chan struct{})
	q.wmu.Unlock()
	if q.Observe != nil {
		q.Observe(j, from)
	}
}

// Wait returns the job with id once it has ended (done, failed or
// cancelled), or the job as it stands when ctx ends (with ctx's error). A
// job that is not there is ErrNotFound.
func (q *Queue) Wait(ctx context.Context, id string) (*Job, error) {
	poll := q.Poll
	if poll <= 0 {
		poll = time.Second
	}
	for {
		q.wmu.Lock()
		changed := q.changed
		q.wmu.Unlock()
		j, err := q.Get(context.WithoutCancel(ctx), id)
		if err != nil {
			return nil, err
		}
		if j.Terminal() {
			return j, nil
		}
		t := time.NewTimer(poll) // a change made by another Queue on the same records
		select {
		case <-ctx.Done():
			t.Stop()
			return j, ctx.Err()
		case <-changed:
		case <-t.C:
		}
		t.Stop()
	}
}

func (q *Queue) now() time.Time {
	if q.Now != nil {
		return q.Now().UTC()
	}
	return time.Now().UTC()
}

func (q *Queue) log() *slog.Logger {
	if q.Log != nil {
		return q.Log
	}
	return slog.New(slog.DiscardHandler)
}

// newID returns a time-ordered id: the UTC time to the microsecond and 6
// random hex digits.
func newID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405.000000Z") + "-" + hex.EncodeToString(b[:])
}
