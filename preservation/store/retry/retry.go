// Package retry makes a store patient: a store that is down (an S3 server
// restarting, a network link gone, a full or vanished disk) makes the
// caller wait and try again, instead of failing the ingest, audit or
// rebuild that needed it.
//
// New wraps any store.Store. Every operation that fails transiently (see
// store.IsTransient: connection refused or reset, timeouts, HTTP 5xx, S3
// SlowDown, ServiceUnavailable and InternalError, and what the backends mark
// with store.ErrUnavailable) is sent again after a pause that doubles from
// Options.MinDelay up to Options.MaxDelay, with random jitter, for as long as
// the outage has lasted less than Options.MaxWait. Everything else is
// returned at once: a missing key, an existing key with other content,
// digest and size mismatches, invalid keys, refused credentials, and the
// cancellation of the caller's context, which also ends every wait.
//
// The budget belongs to the outage, not to the single operation: the store
// remembers since when it has been unavailable, and once that is longer
// ago than MaxWait, each further operation is tried once and fails at once,
// until one succeeds and the outage is over. So an audit of a million
// objects waits MaxWait for a dead store, not a million times MaxWait.
//
// What may be sent again:
//   - Put, Repair and Replace need the content a second time. When the reader can
//     seek (an *os.File, a *bytes.Reader), it is rewound; otherwise the
//     first Options.Buffer bytes read are kept in memory and replayed. A
//     failure after more than that was read from a reader that cannot seek
//     is not retried. A failure of the content's own reader is never
//     retried: it is not the store's. Sending a Put again is safe: the same
//     key with the same digest is a no-op, also when the first attempt was
//     stored but its answer lost.
//   - A reader from Get or GetRange that breaks off transiently in the middle is
//     resumed from where it stopped, with a range request, when the store
//     is a store.RangeGetter.
//   - Replace is sent again like Put; a Replace whose first attempt swapped
//     the object but lost its answer finds the new content and is a no-op.
//   - Retention, Stat, Get, GetRange and Remove are sent again as they are.
//   - List starts again and skips the keys it has already yielded (keys
//     come in lexical order).
//
// A Repair that is sent again after its first attempt was stored, but its
// answer lost, reports store.ErrIntact: the object is intact now.
//
// Waits are logged (Options.Logger) and reported to Options.Notify, so that
// a command line can say "waiting for store X since 14:02" and a daemon can
// show it on its health page; Status answers the same question on demand.
package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"iter"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/magazin-archiv/magazin/preservation/store"
)

// Defaults of Options.
const (
	// DefaultMaxWait suits an ingest: long enough for a restart, an
	// upgrade or a failover of the storage, short enough that a real
	// failure is reported the same hour.
	DefaultMaxWait  = 15 * time.Minute
	DefaultMinDelay = 500 * time.Millisecond
	DefaultMaxDelay = 30 * time.Second
	// DefaultBuffer is the most content of a Put kept for a second attempt
	// when its reader cannot seek.
	DefaultBuffer = 16 << 20
)

// Options configure the waiting.
type Options struct {
	// MaxWait is how long an outage may last before operations give up.
	// Zero waits until the caller's context ends; a negative value turns
	// retries off (every failure is returned at once).
	MaxWait time.Duration
	// MinDelay is the first pause (zero: DefaultMinDelay); each further
	// pause doubles, up to MaxDelay (zero: DefaultMaxDelay). Every pause
	// is drawn at random between half and all of its length.
	MinDelay, MaxDelay time.Duration
	// Buffer is the most bytes of a Put's or Repair's content kept in
	// memory to send it again when its reader cannot seek (zero:
	// DefaultBuffer; negative: none).
	Buffer int
	// Logger, if set, logs each wait, giving up and the end of an outage
	// (level Info; giving up is also the error the operation returns).
	Logger *slog.Logger
	// Notify, if set, is called before each wait and once when the store
	// answers again after an outage. It is called from the goroutine of
	// the waiting operation, possibly from several at once, and must not
	// block.
	Notify func(Event)
}

// Event reports a wait, or the end of an outage.
type Event struct {
	// Store names the store (its String).
	Store string
	// Op is the operation ("put", "get", "stat", "list", "read", ...) and
	// Key its key or prefix; both empty in a Back event.
	Op, Key string
	// Since is when the store was first seen unavailable in this outage.
	Since time.Time
	// Attempt counts the failed attempts of the operation so far.
	Attempt int
	// Delay is the pause before the next attempt.
	Delay time.Duration
	// Err is the last failure.
	Err error
	// Back reports that the store answered again after an outage that
	// began at Since.
	Back bool
}

// Status is the state of a store as the waiting wrapper sees it.
type Status struct {
	// Available is false during an outage: since the last operation
	// failed transiently, none has succeeded.
	Available bool
	// Since is when the outage began, and Err the last failure in it.
	Since time.Time
	Err   error
	// Waiting counts the operations pausing right now.
	Waiting int
}

// UnavailableError is returned when an operation gives up: the store has
// been unavailable for longer than Options.MaxWait. It matches
// store.ErrUnavailable and the last failure.
type UnavailableError struct {
	Store, Op, Key string
	// Since is when the outage began; Attempts counts the operation's
	// tries.
	Since    time.Time
	Attempts int
	// MaxWait is the budget that ran out.
	MaxWait time.Duration
	// Err is the last failure.
	Err error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("store %s unavailable since %s (longer than %s, %d attempts); %s %s given up: %v",
		e.Store, e.Since.Format(time.DateTime), e.MaxWait, e.Attempts, e.Op, e.Key, e.Err)
}

// Unwrap returns store.ErrUnavailable and the last failure.
func (e *UnavailableError) Unwrap() []error { return []error{store.ErrUnavailable, e.Err} }

// Store is a store.Store that waits for its inner store. Use New, which
// also carries the inner store's optional capabilities.
type Store struct {
	inner store.Store
	opts  Options
	log   *slog.Logger

	mu      sync.Mutex
	since   time.Time // start of the current outage; zero: available
	last    error     // last transient failure of the outage
	waiting int
}

// New returns st wrapped so that its operations wait out an outage (see the
// package documentation). The result has the optional capabilities of st
// (store.RangeGetter, store.Remover, store.Repairer, store.Replacer,
// store.RetentionReporter) exactly when st has them, names itself as st
// does, and Of finds the *Store in it.
func New(st store.Store, opts Options) store.Store {
	if opts.MinDelay <= 0 {
		opts.MinDelay = DefaultMinDelay
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = DefaultMaxDelay
	}
	opts.MaxDelay = max(opts.MaxDelay, opts.MinDelay)
	if opts.Buffer == 0 {
		opts.Buffer = DefaultBuffer
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return withCapabilities(&Store{inner: st, opts: opts, log: log})
}

// Of returns the waiting wrapper st is, if New made it.
func Of(st store.Store) (*Store, bool) {
	w, ok := st.(interface{ waiter() *Store })
	if !ok {
		return nil, false
	}
	return w.waiter(), true
}

func (s *Store) waiter() *Store { return s }

// Unwrap returns the inner store.
func (s *Store) Unwrap() store.Store { return s.inner }

// String names the inner store.
func (s *Store) String() string { return s.inner.String() }

// Status reports whether the store is in an outage.
func (s *Store) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Status{Available: s.since.IsZero(), Since: s.since, Err: s.last, Waiting: s.waiting}
}

// up ends an outage, if there is one.
func (s *Store) up() {
	s.mu.Lock()
	since := s.since
	s.since, s.last = time.Time{}, nil
	s.mu.Unlock()
	if since.IsZero() {
		return
	}
	s.log.Info("store available again", "store", s.String(), "since", since, "outage", time.Since(since).Round(time.Second))
	if s.opts.Notify != nil {
		s.opts.Notify(Event{Store: s.String(), Since: since, Back: true})
	}
}

// down records a transient failure and returns since when the store has
// been unavailable.
func (s *Store) down(err error) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.since.IsZero() {
		s.since = time.Now()
	}
	s.last = err
	return s.since
}

// answered reports whether err is an answer of a working store.
func answered(err error) bool {
	for _, e := range []error{iofs.ErrNotExist, iofs.ErrExist, store.ErrKeyConflict, store.ErrIntact, store.ErrChanged,
		store.ErrDigestMismatch, store.ErrSizeMismatch} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// final marks an error that must not be retried whatever it wraps.
type final struct{ err error }

func (f final) Error() string { return f.err.Error() }

// delay returns the pause after the attempt-th failure: doubling from
// MinDelay, capped at MaxDelay, drawn between half and all of it.
func (s *Store) delay(attempt int) time.Duration {
	d := s.opts.MaxDelay
	if attempt < 32 {
		d = min(d, s.opts.MinDelay<<(attempt-1))
	}
	if d <= 0 {
		d = s.opts.MaxDelay
	}
	return d/2 + rand.N(d/2+1)
}

// attempts runs one operation's attempts.
type attempts struct {
	s       *Store
	op, key string
	n       int       // failed attempts so far
	first   time.Time // first failure
}

// failed handles the failure err of an attempt: it reports nil after
// waiting when another attempt is due, or the error to return.
func (a *attempts) failed(ctx context.Context, err error) error {
	s := a.s
	var f final
	if errors.As(err, &f) {
		return f.err
	}
	if cerr := ctx.Err(); cerr != nil {
		if !errors.Is(err, cerr) {
			err = fmt.Errorf("%w: %w", cerr, err)
		}
		if a.n > 0 {
			// Cancelled while waiting, in an attempt.
			err = fmt.Errorf("stopped waiting for store %s, unavailable since %s: %w", s, a.first.Format(time.DateTime), err)
		}
		return err
	}
	if s.opts.MaxWait < 0 || !store.IsTransient(err) {
		if answered(err) {
			s.up()
		}
		return err
	}
	a.n++
	since := s.down(err)
	if a.first.IsZero() {
		a.first = time.Now()
	}
	if a.first.Before(since) {
		// The store answered others meanwhile; this operation still counts
		// from its own first failure.
		since = a.first
	}
	d := s.delay(a.n)
	if s.opts.MaxWait > 0 {
		left := time.Until(since.Add(s.opts.MaxWait))
		if left <= 0 {
			s.log.Info("store unavailable; giving up", "store", s.String(), "op", a.op, "key", a.key,
				"since", since, "attempts", a.n, "max_wait", s.opts.MaxWait, "err", err)
			return &UnavailableError{Store: s.String(), Op: a.op, Key: a.key, Since: since, Attempts: a.n, MaxWait: s.opts.MaxWait, Err: err}
		}
		d = min(d, left)
	}
	s.log.Info("store unavailable; waiting", "store", s.String(), "op", a.op, "key", a.key,
		"since", since, "attempt", a.n, "retry_in", d.Round(time.Millisecond), "err", err)
	if s.opts.Notify != nil {
		s.opts.Notify(Event{Store: s.String(), Op: a.op, Key: a.key, Since: since, Attempt: a.n, Delay: d, Err: err})
	}
	return s.sleep(ctx, d, since, err)
}

// sleep pauses for d or until ctx ends.
func (s *Store) sleep(ctx context.Context, d time.Duration, since time.Time, last error) error {
	s.mu.Lock()
	s.waiting++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.waiting--
		s.mu.Unlock()
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stopped waiting for store %s, unavailable since %s: %w (last failure: %v)",
			s.String(), since.Format(time.DateTime), context.Cause(ctx), last)
	}
}

// do runs f until it succeeds or fails for good.
func (s *Store) do(ctx context.Context, op, key string, f func() error) error {
	a := attempts{s: s, op: op, key: key}
	for {
		err := f()
		if err == nil {
			s.up()
			return nil
		}
		if err := a.failed(ctx, err); err != nil {
			return err
		}
	}
}

// Stat implements store.Store.
func (s *Store) Stat(ctx context.Context, key string) (store.Info, error) {
	var info store.Info
	err := s.do(ctx, "stat", key, func() (err error) {
		info, err = s.inner.Stat(ctx, key)
		return err
	})
	return info, err
}

// Put implements store.Store.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, sha512 string) (store.Info, error) {
	return s.write(ctx, "put", key, r, s.inner.Put, size, sha512)
}

type putFunc func(ctx context.Context, key string, r io.Reader, size int64, sha512 string) (store.Info, error)

// write sends content with put (Put or Repair) until it is stored.
func (s *Store) write(ctx context.Context, op, key string, r io.Reader, put putFunc, size int64, sha512 string) (store.Info, error) {
	src := newSource(r, s.opts.Buffer)
	var (
		info store.Info
		last error // the failure of the previous attempt
	)
	err := s.do(ctx, op, key, func() error {
		if last != nil {
			if err := src.rewind(); err != nil {
				return final{fmt.Errorf("%w (not sent again: %v)", last, err)}
			}
		}
		var err error
		info, err = put(ctx, key, src, size, sha512)
		last = err
		switch {
		case err == nil:
		case src.err != nil:
			// The content's own reader failed: not the store's fault.
			return final{err}
		case s.opts.MaxWait >= 0 && ctx.Err() == nil && store.IsTransient(err) && !src.canRewind():
			return final{fmt.Errorf("%w (not sent again: %s of its content were read from a reader that cannot seek)",
				err, bytesMore(s.opts.Buffer))}
		}
		return err
	})
	return info, err
}

// bytesMore says how much content was too much to keep.
func bytesMore(buffer int) string {
	if buffer <= 0 {
		return "bytes"
	}
	return fmt.Sprintf("more than %d bytes", buffer)
}

// Get implements store.Store. The reader resumes a transfer that breaks off
// transiently when the inner store is a store.RangeGetter.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, store.Info, error) {
	var (
		rc   io.ReadCloser
		info store.Info
	)
	err := s.do(ctx, "get", key, func() (err error) {
		rc, info, err = s.inner.Get(ctx, key)
		return err
	})
	if err != nil {
		return nil, store.Info{}, err
	}
	return s.resuming(ctx, key, rc, 0, -1), info, nil
}

// List implements store.Store. After a transient failure the listing
// starts again behind the last key it yielded.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[store.Info, error] {
	return func(yield func(store.Info, error) bool) {
		a := attempts{s: s, op: "list", key: prefix}
		last, started := "", false
		for {
			var failure error
			got := false
			for info, err := range s.inner.List(ctx, prefix) {
				if err != nil {
					failure = err
					break
				}
				if !got {
					got = true
					s.up()
					a = attempts{s: s, op: "list", key: prefix} // progress: a fresh count
				}
				if started && info.Key <= last {
					continue
				}
				last, started = info.Key, true
				if !yield(info, nil) {
					return
				}
			}
			if failure == nil {
				s.up()
				return
			}
			if err := a.failed(ctx, failure); err != nil {
				yield(store.Info{}, err)
				return
			}
		}
	}
}

// The optional capabilities, each added by an adapter type that
// withCapabilities (capabilities.go, made by gen.go) embeds next to the
// *Store when the inner store has it.

//go:generate go run gen.go

// ranger adds GetRange.
type ranger struct {
	s  *Store
	rg store.RangeGetter
}

// GetRange implements store.RangeGetter.
func (g ranger) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	var rc io.ReadCloser
	err := g.s.do(ctx, "getrange", key, func() (err error) {
		rc, err = g.rg.GetRange(ctx, key, offset, length)
		return err
	})
	if err != nil {
		return nil, err
	}
	return g.s.resuming(ctx, key, rc, offset, length), nil
}

// remover adds Remove.
type remover struct {
	s  *Store
	rm store.Remover
}

// Remove implements store.Remover. Removing is idempotent: a missing key
// is no error.
func (m remover) Remove(ctx context.Context, key string) error {
	return m.s.do(ctx, "remove", key, func() error { return m.rm.Remove(ctx, key) })
}

// repairer adds Repair.
type repairer struct {
	s  *Store
	rp store.Repairer
}

// Repair implements store.Repairer.
func (p repairer) Repair(ctx context.Context, key string, r io.Reader, size int64, sha512 string) (store.Info, error) {
	return p.s.write(ctx, "repair", key, r, p.rp.Repair, size, sha512)
}

// replacer adds Replace.
type replacer struct {
	s  *Store
	rc store.Replacer
}

// Replace implements store.Replacer. A Replace sent again after its
// first attempt swapped the object finds the new content and is a no-op.
func (p replacer) Replace(ctx context.Context, key, old string, r io.Reader, size int64, sha512 string) (store.Info, error) {
	put := func(ctx context.Context, key string, r io.Reader, size int64, sha512 string) (store.Info, error) {
		return p.rc.Replace(ctx, key, old, r, size, sha512)
	}
	return p.s.write(ctx, "replace", key, r, put, size, sha512)
}

// retainer adds Retention.
type retainer struct {
	s  *Store
	rr store.RetentionReporter
}

// Retention implements store.RetentionReporter.
func (p retainer) Retention(ctx context.Context, key string) (mode string, until time.Time, err error) {
	err = p.s.do(ctx, "retention", key, func() (err error) {
		mode, until, err = p.rr.Retention(ctx, key)
		return err
	})
	return mode, until, err
}
