// Package hotfolder watches agencies' transfer directories (inboxes) and
// hands each completely copied file to a handler exactly once.
//
// Contract:
//   - A file is complete, and picked up, when either a marker file
//     "<name>.done" or "<name>.ready" lies beside it (picked up at the next
//     poll; the marker is removed once the file is claimed), or its size
//     and modification time have not changed for the settle time across
//     polls, so files still being copied are left alone. Hidden files,
//     markers and names ending in .tmp, .part, .partial or .crdownload are
//     never picked up, so agencies can copy under a temporary name and
//     rename.
//   - A picked-up file is first claimed: renamed into a new subdirectory of
//     the claim directory (on the same file system) under its own name, so
//     the agency cannot change it anymore, a restart never hands it over
//     twice, and name-based recognition (xdomea) still works. Files already
//     claimed at start (a crash between claim and handling) are handed over
//     again first: handlers must be idempotent (ingest is) and must move
//     the claimed file away when done.
//   - The package deletes nothing but markers; the handler decides what
//     happens to a claimed file.
//   - SetInboxes and SetTiming change the inboxes and the poll interval
//     and settle time while Run runs (a reload): a new interval takes
//     effect at once (the next poll follows it, counted from the change),
//     a new settle time at the next poll.
package hotfolder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Inbox is one watched directory.
type Inbox struct {
	// Agency names the agency (Behördenkennung) the inbox belongs to.
	Agency string
	// Dir is the directory agencies copy into.
	Dir string
	// Claim is where picked-up files are moved; it must be on the same
	// file system as Dir.
	Claim string
}

// Handler processes one claimed file.
type Handler func(ctx context.Context, in Inbox, claimed string) error

// Watcher polls inboxes.
type Watcher struct {
	Inboxes  []Inbox
	Interval time.Duration // between polls (default 2 s)
	Settle   time.Duration // how long a file must stay unchanged (default 5 s)
	Handle   Handler
	Log      *slog.Logger
	Now      func() time.Time

	mu     sync.Mutex
	seen   map[string]observation
	retime chan struct{} // SetTiming tells Run
}

type observation struct {
	size  int64
	mod   time.Time
	since time.Time
}

// Run polls until ctx is done, after handing over files left claimed by an
// earlier run.
func (w *Watcher) Run(ctx context.Context) error {
	if err := w.Recover(ctx); err != nil {
		return err
	}
	retime := w.retimed()
	interval, _ := w.Timing()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := w.Poll(ctx); err != nil && ctx.Err() == nil {
			w.logger().Error("hot folder poll", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-retime:
			interval, _ = w.Timing()
			t.Reset(interval)
		case <-t.C:
		}
	}
}

func (w *Watcher) retimed() chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.retime == nil {
		w.retime = make(chan struct{}, 1)
	}
	return w.retime
}

// SetTiming changes the poll interval and the settle time (a reload; zero
// or less means the default). Safe while Run runs.
func (w *Watcher) SetTiming(interval, settle time.Duration) {
	ch := w.retimed()
	w.mu.Lock()
	w.Interval, w.Settle = interval, settle
	w.mu.Unlock()
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Timing returns the poll interval and the settle time in force, with
// the defaults filled in.
func (w *Watcher) Timing() (interval, settle time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	interval, settle = w.Interval, w.Settle
	if interval <= 0 {
		interval = 2 * time.Second
	}
	if settle <= 0 {
		settle = 5 * time.Second
	}
	return interval, settle
}

// SetInboxes replaces the watched inboxes (a reload); files already
// claimed from a dropped inbox stay where they are. Safe while Run runs.
func (w *Watcher) SetInboxes(ins []Inbox) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.Inboxes = append([]Inbox(nil), ins...)
}

func (w *Watcher) inboxes() []Inbox {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Inbox(nil), w.Inboxes...)
}

// Recover hands over files left in the claim directories.
func (w *Watcher) Recover(ctx context.Context) error {
	for _, in := range w.inboxes() {
		es, err := os.ReadDir(in.Claim)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("hotfolder: %w", err)
		}
		for _, e := range es {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !e.IsDir() {
				continue
			}
			files, err := os.ReadDir(filepath.Join(in.Claim, e.Name()))
			if err != nil {
				continue
			}
			for _, f := range files {
				w.handle(ctx, in, filepath.Join(in.Claim, e.Name(), f.Name()))
			}
		}
	}
	return nil
}

// Poll looks at every inbox once and hands over the files that have
// settled.
func (w *Watcher) Poll(ctx context.Context) error {
	now := w.now()
	_, settle := w.Timing()
	w.mu.Lock()
	if w.seen == nil {
		w.seen = map[string]observation{}
	}
	w.mu.Unlock()
	var errs []error
	for _, in := range w.inboxes() {
		es, err := os.ReadDir(in.Dir)
		if err != nil {
			errs = append(errs, fmt.Errorf("hotfolder: inbox %s: %w", in.Dir, err))
			continue
		}
		sort.Slice(es, func(i, j int) bool { return es[i].Name() < es[j].Name() })
		markers := map[string]string{}
		for _, e := range es {
			for _, m := range markerSuffixes {
				if n, ok := strings.CutSuffix(e.Name(), m); ok && !e.IsDir() {
					markers[n] = filepath.Join(in.Dir, e.Name())
				}
			}
		}
		for _, e := range es {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			name := e.Name()
			if ignored(name) || isMarker(name) {
				continue
			}
			p := filepath.Join(in.Dir, name)
			fi, err := e.Info()
			if err != nil {
				continue // vanished meanwhile
			}
			if m, ok := markers[name]; ok && fi.Mode().IsRegular() {
				w.mu.Lock()
				delete(w.seen, p)
				w.mu.Unlock()
				claimed, err := claim(in, name, now)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				if err := os.Remove(m); err != nil && !errors.Is(err, os.ErrNotExist) {
					w.logger().Warn("marker not removed", "marker", m, "err", err)
				}
				w.handle(ctx, in, claimed)
				continue
			}
			w.mu.Lock()
			o, ok := w.seen[p]
			if !ok || o.size != fi.Size() || !o.mod.Equal(fi.ModTime()) {
				w.seen[p] = observation{size: fi.Size(), mod: fi.ModTime(), since: now}
				w.mu.Unlock()
				continue
			}
			ready := now.Sub(o.since) >= settle
			if ready {
				delete(w.seen, p)
			}
			w.mu.Unlock()
			if !ready {
				continue
			}
			claimed, err := claim(in, name, now)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			w.handle(ctx, in, claimed)
		}
	}
	return errors.Join(errs...)
}

func (w *Watcher) handle(ctx context.Context, in Inbox, claimed string) {
	log := w.logger().With("agency", in.Agency, "file", claimed)
	log.Info("picked up")
	if err := w.Handle(ctx, in, claimed); err != nil {
		log.Error("handling failed", "err", err)
	}
}

// claim moves name out of the inbox into a new directory of its own in
// the claim directory.
func claim(in Inbox, name string, now time.Time) (string, error) {
	if err := os.MkdirAll(in.Claim, 0o750); err != nil {
		return "", fmt.Errorf("hotfolder: %w", err)
	}
	dir, err := os.MkdirTemp(in.Claim, now.UTC().Format("20060102T150405Z")+"-")
	if err != nil {
		return "", fmt.Errorf("hotfolder: %w", err)
	}
	dst := filepath.Join(dir, name)
	if err := os.Rename(filepath.Join(in.Dir, name), dst); err != nil {
		os.Remove(dir)
		return "", fmt.Errorf("hotfolder: claim %s: %w", name, err)
	}
	return dst, nil
}

// markerSuffixes name the marker files that say a file is complete.
var markerSuffixes = []string{".done", ".ready"}

func isMarker(name string) bool {
	l := strings.ToLower(name)
	for _, m := range markerSuffixes {
		if strings.HasSuffix(l, m) {
			return true
		}
	}
	return false
}

func ignored(name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") {
		return true
	}
	l := strings.ToLower(name)
	for _, suf := range []string{".tmp", ".part", ".partial", ".crdownload", ".filepart"} {
		if strings.HasSuffix(l, suf) {
			return true
		}
	}
	return false
}

func (w *Watcher) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Watcher) logger() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.New(slog.DiscardHandler)
}
