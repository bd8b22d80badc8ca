package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/jobs"
)

func openCatalog(t *testing.T, dir string) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func waitState(t *testing.T, q *jobs.Queue, id string, want jobs.State) *jobs.Job {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		j, err := q.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State == want {
			return j
		}
		time.Sleep(10 * time.Millisecond)
	}
	j, _ := q.Get(context.Background(), id)
	t.Fatalf("job %s: state %s, want %s (last error %q)", id, j.State, want, j.LastError)
	return nil
}

func TestEnqueueDeduplicates(t *testing.T) {
	ctx := context.Background()
	c := openCatalog(t, t.TempDir())
	defer c.Close()
	q := jobs.New(c)
	a, created, err := q.Enqueue(ctx, jobs.Job{Kind: jobs.KindXdomea, Name: "x_0503.zip"}, "upload/A/x/abc")
	if err != nil || !created {
		t.Fatalf("first: %v %v", created, err)
	}
	b, created, err := q.Enqueue(ctx, jobs.Job{Kind: jobs.KindXdomea, Name: "x_0503.zip"}, "upload/A/x/abc")
	if err != nil || created || b.ID != a.ID {
		t.Fatalf("second: created %v id %s want %s err %v", created, b.ID, a.ID, err)
	}
	if _, created, _ := q.Enqueue(ctx, jobs.Job{Kind: jobs.KindXdomea}, "upload/A/x/other"); !created {
		t.Error("another key made no job")
	}
	js, _ := q.List(ctx, jobs.Filter{Kind: jobs.KindXdomea})
	if len(js) != 2 {
		t.Errorf("%d jobs, want 2", len(js))
	}
	if got, err := q.Lookup(ctx, "upload/A/x/abc"); err != nil || got.ID != a.ID {
		t.Errorf("Lookup: %v %v", got, err)
	}
	if _, err := q.Lookup(ctx, "nope"); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("Lookup of an unknown key: %v", err)
	}
}

// A job running when the process died runs again at the next start, and a
// mark set before the crash is still there.
func TestResumeAfterCrash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := openCatalog(t, dir)
	q := jobs.New(c)
	j, _, _ := q.Enqueue(ctx, jobs.Job{Kind: jobs.KindIngest, Name: "a"}, "")
	started := make(chan struct{})
	block := make(chan struct{})
	q.Handlers[jobs.KindIngest] = func(ctx context.Context, t *jobs.Task) (any, error) {
		if err := t.Mark(ctx, "reply/0507", "/out/x.xml"); err != nil {
			return nil, err
		}
		t.Checkpoint(ctx, "stored")
		close(started)
		<-block // the "crash" comes first
		return nil, nil
	}
	rctx, stop := context.WithCancel(ctx)
	go q.Run(rctx)
	<-started
	// Simulate the crash: the process is gone without recording anything;
	// the record says running.
	c.Close()
	stop()
	defer close(block)

	c = openCatalog(t, dir)
	defer c.Close()
	q2 := jobs.New(c)
	got, _ := q2.Get(ctx, j.ID)
	if got.State != jobs.Running || got.Step != "stored" {
		t.Fatalf("before restart: %+v", got)
	}
	var sawMark atomic.Bool
	q2.Handlers[jobs.KindIngest] = func(ctx context.Context, t *jobs.Task) (any, error) {
		_, ok := t.Marked("reply/0507")
		sawMark.Store(ok)
		return map[string]int{"aips": 1}, nil
	}
	q2.Poll = 10 * time.Millisecond
	rctx2, stop2 := context.WithCancel(ctx)
	defer stop2()
	go q2.Run(rctx2)
	done := waitState(t, q2, j.ID, jobs.Done)
	if done.Attempts != 2 || done.Interrupted != 1 || !sawMark.Load() || string(done.Result) != `{"aips":1}` {
		t.Errorf("resumed job: attempts %d interrupted %d mark %v result %s", done.Attempts, done.Interrupted, sawMark.Load(), done.Result)
	}
}

// A job under which the process dies again and again fails instead of
// taking it down for ever.
func TestJobThatKeepsCrashingFails(t *testing.T) {
	ctx := context.Background()
	c := openCatalog(t, "")
	defer c.Close()
	q := jobs.New(c)
	q.MaxInterruptions = 2
	j, _, _ := q.Enqueue(ctx, jobs.Job{Kind: jobs.KindIngest}, "")
	running := func() {
		// What a dispatch records before the process dies.
		got, _ := q.Get(ctx, j.ID)
		got.State = jobs.Running
		b, _ := json.Marshal(got)
		c.PutRecord(ctx, "job/"+j.ID, b)
	}
	for range 2 {
		running()
		// A start (no handler: the job is not run again here).
		rctx, stop := context.WithTimeout(ctx, 30*time.Millisecond)
		if err := q.Run(rctx); err != nil {
			t.Fatal(err)
		}
		stop()
	}
	got, _ := q.Get(ctx, j.ID)
	if got.State != jobs.Failed || got.Interrupted != 2 || got.LastError == "" {
		t.Errorf("after two interruptions: %+v", got)
	}
	if r, _ := q.Retry(ctx, j.ID); r.Interrupted != 0 || r.State != jobs.Queued {
		t.Errorf("retry: %+v", r)
	}
}

func TestRetryCancelAndLimits(t *testing.T) {
	ctx := context.Background()
	c := openCatalog(t, "")
	defer c.Close()
	q := jobs.New(c)
	q.Poll, q.Backoff, q.MaxAttempts = 5*time.Millisecond, time.Millisecond, 2
	q.Limits[jobs.KindIngest] = 2
	var mu sync.Mutex
	running, most := 0, 0
	release := make(chan struct{})
	q.Handlers[jobs.KindIngest] = func(ctx context.Context, t *jobs.Task) (any, error) {
		j := t.Job()
		switch j.Name {
		case "fails":
			return nil, errors.New("store down")
		case "bad":
			return nil, jobs.Permanent(errors.New("not a transfer"))
		case "slow":
			mu.Lock()
			running++
			most = max(most, running)
			mu.Unlock()
			select {
			case <-release:
			case <-ctx.Done():
			}
			mu.Lock()
			running--
			mu.Unlock()
			return nil, ctx.Err()
		}
		return nil, nil
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go q.Run(rctx)
	fails, _, _ := q.Enqueue(ctx, jobs.Job{Kind: jobs.KindIngest, Name: "fails"}, "")
	bad, _, _ := q.Enqueue(ctx, jobs.Job{Kind: jobs.KindIngest, Name: "bad"}, "")
	f := waitState(t, q, fails.ID, jobs.Failed)
	if f.Attempts != 2 || f.LastError != "store down" {
		t.Errorf("retried failure: %+v", f)
	}
	if b := waitState(t, q, bad.ID, jobs.Failed); b.Attempts != 1 {
		t.Errorf("permanent failure ran %d times", b.Attempts)
	}
	if _, err := q.Retry(ctx, bad.ID); err != nil {
		t.Fatal(err)
	}
	waitState(t, q, bad.ID, jobs.Failed)
	if _, err := q.Cancel(ctx, bad.ID); !errors.Is(err, jobs.ErrState) {
		t.Errorf("cancel of a failed job: %v", err)
	}

	var slow []*jobs.Job
	for range 4 {
		j, _, _ := q.Enqueue(ctx, jobs.Job{Kind: jobs.KindIngest, Name: "slow"}, "")
		slow = append(slow, j)
	}
	waitState(t, q, slow[0].ID, jobs.Running)
	waitState(t, q, slow[1].ID, jobs.Running)
	time.Sleep(50 * time.Millisecond)
	if j, _ := q.Get(ctx, slow[2].ID); j.State != jobs.Queued {
		t.Errorf("a third job runs beside two: %s", j.State)
	}
	if _, err := q.Cancel(ctx, slow[3].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Cancel(ctx, slow[0].ID); err != nil {
		t.Fatal(err)
	}
	waitState(t, q, slow[0].ID, jobs.Cancelled)
	close(release)
	waitState(t, q, slow[1].ID, jobs.Done)
	waitState(t, q, slow[2].ID, jobs.Done)
	if j, _ := q.Get(ctx, slow[3].ID); j.State != jobs.Cancelled || j.Attempts != 0 {
		t.Errorf("cancelled queued job: %+v", j)
	}
	if most != 2 {
		t.Errorf("at most %d ran at once, want 2", most)
	}
	counts, _ := q.Counts(ctx)
	if counts[jobs.KindIngest][jobs.Done] != 2 || counts[jobs.KindIngest][jobs.Cancelled] != 2 || counts[jobs.KindIngest][jobs.Failed] != 2 {
		t.Errorf("counts %v", counts)
	}
}

// A handler still running when the grace time ends is interrupted and its
// job stays queued for the next start.
func TestShutdownCheckpoints(t *testing.T) {
	ctx := context.Background()
	c := openCatalog(t, "")
	defer c.Close()
	q := jobs.New(c)
	q.Poll, q.Grace = 5*time.Millisecond, 50*time.Millisecond
	started := make(chan struct{})
	q.Handlers[jobs.KindAudit] = func(ctx context.Context, t *jobs.Task) (any, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	j, _, _ := q.Enqueue(ctx, jobs.Job{Kind: jobs.KindAudit}, "")
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- q.Run(rctx) }()
	<-started
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the grace time")
	}
	got, _ := q.Get(ctx, j.ID)
	if got.State != jobs.Queued || got.LastError == "" {
		t.Errorf("interrupted job: %+v", got)
	}
}

// Wait returns a job once it has ended, with the result the handler gave
// even when it failed; a cancelled job ends Wait too; a context that ends
// first returns the job as it stands.
func TestWaitAndResultOfAFailure(t *testing.T) {
	ctx := context.Background()
	c := openCatalog(t, "")
	defer c.Close()
	q := jobs.New(c)
	q.Poll = time.Hour // Wait and Run must be woken by the changes, not by polling
	release := make(chan struct{})
	q.Handlers[jobs.KindExport] = func(ctx context.Context, t *jobs.Task) (any, error) {
		switch t.Job().Name {
		case "no":
			return map[string]int{"code": 1}, jobs.Permanent(errors.New("the unit is closed"))
		case "block":
			select {
			case <-release:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		return map[string]int{"files": 3}, nil
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go q.Run(rctx)

	no, _, _ := q.Enqueue(ctx, jobs.Job{Kind: jobs.KindExport, Name: "no"}, "")
	got, err := q.Wait(ctx, no.ID)
	if err != nil || got.State != jobs.Failed || got.LastError != "the unit is closed" || string(got.Result) != `{"code":1}` {
		t.Fatalf("failed job: %v %+v %s", err, got, got.Result)
	}

	blocked, _, _ := q.Enqueue(ctx, jobs.Job{Kind: jobs.KindExport, Name: "block"}, "")
	waitState(t, q, blocked.ID, jobs.Running)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	got, err = q.Wait(short, blocked.ID)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) || got.State != jobs.Running {
		t.Fatalf("Wait with a short context: %v %+v", err, got)
	}
	done := make(chan *jobs.Job)
	go func() {
		j, err := q.Wait(ctx, blocked.ID)
		if err != nil {
			t.Error(err)
		}
		done <- j
	}()
	close(release)
	select {
	case j := <-done:
		if j.State != jobs.Done || string(j.Result) != `{"files":3}` {
			t.Errorf("done job: %+v %s", j, j.Result)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wait was not woken when the job ended")
	}

	queued, _, _ := q.Enqueue(ctx, jobs.Job{Kind: jobs.KindMigration}, "") // no handler: it waits
	go func() {
		j, _ := q.Wait(ctx, queued.ID)
		done <- j
	}()
	time.Sleep(20 * time.Millisecond)
	if _, err := q.Cancel(ctx, queued.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case j := <-done:
		if j.State != jobs.Cancelled {
			t.Errorf("cancelled job: %+v", j)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wait was not woken by a cancel")
	}
	if _, err := q.Wait(ctx, "nope"); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("Wait for an unknown job: %v", err)
	}
}
