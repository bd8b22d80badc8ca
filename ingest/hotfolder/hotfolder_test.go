package hotfolder

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

type recorder struct {
	mu    sync.Mutex
	files []string
}

func (r *recorder) handle(_ context.Context, _ Inbox, claimed string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files = append(r.files, filepath.Base(claimed))
	return nil
}

func TestSettledFilesOnly(t *testing.T) {
	dir := t.TempDir()
	in := Inbox{Agency: "LRA", Dir: filepath.Join(dir, "inbox"), Claim: filepath.Join(dir, "claimed")}
	os.MkdirAll(in.Dir, 0o755)
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := &recorder{}
	w := &Watcher{Inboxes: []Inbox{in}, Settle: 5 * time.Second, Handle: rec.handle, Now: func() time.Time { return clock }}
	ctx := context.Background()
	p := filepath.Join(in.Dir, "abc_0503.zip")
	os.WriteFile(p, []byte("part"), 0o644)
	os.WriteFile(filepath.Join(in.Dir, "copying.zip.part"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(in.Dir, ".hidden"), []byte("x"), 0o644)
	w.Poll(ctx) // first sight
	clock = clock.Add(3 * time.Second)
	// Still being written: grows.
	os.WriteFile(p, []byte("partially more"), 0o644)
	w.Poll(ctx)
	clock = clock.Add(4 * time.Second)
	w.Poll(ctx) // unchanged for 4 s < settle
	if len(rec.files) != 0 {
		t.Fatalf("picked up too early: %v", rec.files)
	}
	clock = clock.Add(2 * time.Second)
	w.Poll(ctx)
	if len(rec.files) != 1 || rec.files[0] != "abc_0503.zip" {
		t.Fatalf("picked up %v", rec.files)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Error("claimed file still in the inbox")
	}
	clock = clock.Add(time.Minute)
	w.Poll(ctx)
	w.Poll(ctx)
	if len(rec.files) != 1 {
		t.Errorf("ignored files picked up: %v", rec.files)
	}
}

func TestRecoverHandsOverClaimedFiles(t *testing.T) {
	dir := t.TempDir()
	in := Inbox{Dir: filepath.Join(dir, "inbox"), Claim: filepath.Join(dir, "claimed")}
	os.MkdirAll(filepath.Join(in.Claim, "20260101T000000Z-1"), 0o755)
	os.MkdirAll(in.Dir, 0o755)
	os.WriteFile(filepath.Join(in.Claim, "20260101T000000Z-1", "x_0503.zip"), []byte("x"), 0o644)
	rec := &recorder{}
	w := &Watcher{Inboxes: []Inbox{in}, Handle: rec.handle, Interval: time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := w.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if len(rec.files) != 1 || rec.files[0] != "x_0503.zip" {
		t.Errorf("recovered %v", rec.files)
	}
}

// A marker file makes a file complete at once, before it has settled; the
// marker itself is never handed over and is removed after the claim.
func TestMarkerFileCompletes(t *testing.T) {
	dir := t.TempDir()
	in := Inbox{Agency: "LRA", Dir: filepath.Join(dir, "inbox"), Claim: filepath.Join(dir, "claimed")}
	os.MkdirAll(in.Dir, 0o755)
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := &recorder{}
	w := &Watcher{Inboxes: []Inbox{in}, Settle: time.Hour, Handle: rec.handle, Now: func() time.Time { return clock }}
	ctx := context.Background()
	os.WriteFile(filepath.Join(in.Dir, "a_0503.zip"), []byte("a"), 0o644)
	os.WriteFile(filepath.Join(in.Dir, "b_0503.zip"), []byte("b"), 0o644)
	os.WriteFile(filepath.Join(in.Dir, "a_0503.zip.done"), nil, 0o644)
	os.WriteFile(filepath.Join(in.Dir, "c_0503.zip.ready"), nil, 0o644) // its file is still missing
	if err := w.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if len(rec.files) != 1 || rec.files[0] != "a_0503.zip" {
		t.Fatalf("picked up %v, want only the marked file", rec.files)
	}
	if _, err := os.Stat(filepath.Join(in.Dir, "a_0503.zip.done")); !os.IsNotExist(err) {
		t.Error("marker left behind")
	}
	if _, err := os.Stat(filepath.Join(in.Dir, "c_0503.zip.ready")); err != nil {
		t.Error("a marker without its file was removed")
	}
	w.Poll(ctx)
	if len(rec.files) != 1 {
		t.Errorf("unmarked file taken before it settled: %v", rec.files)
	}
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.files)
}

// SetTiming while Run runs: with an hour's interval and an hour's settle
// time a file waits; a reload to milliseconds takes it at once.
func TestSetTimingWhileRunning(t *testing.T) {
	dir := t.TempDir()
	in := Inbox{Agency: "LRA", Dir: filepath.Join(dir, "inbox"), Claim: filepath.Join(dir, "claimed")}
	os.MkdirAll(in.Dir, 0o755)
	rec := &recorder{}
	w := &Watcher{Inboxes: []Inbox{in}, Interval: time.Hour, Settle: time.Hour, Handle: rec.handle}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	defer func() { cancel(); <-done }()
	time.Sleep(50 * time.Millisecond) // the first poll has run
	os.WriteFile(filepath.Join(in.Dir, "a_0503.zip"), []byte("a"), 0o644)
	time.Sleep(100 * time.Millisecond)
	if rec.count() != 0 {
		t.Fatal("a file was taken before the hourly poll")
	}
	w.SetTiming(5*time.Millisecond, 20*time.Millisecond)
	if i, s := w.Timing(); i != 5*time.Millisecond || s != 20*time.Millisecond {
		t.Errorf("Timing = %v, %v", i, s)
	}
	for deadline := time.Now().Add(5 * time.Second); rec.count() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the new interval and settle time were not applied")
		}
	}
	w.SetTiming(0, 0)
	if i, s := w.Timing(); i != 2*time.Second || s != 5*time.Second {
		t.Errorf("defaults: Timing = %v, %v", i, s)
	}
}
