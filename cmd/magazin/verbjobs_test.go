package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/jobs"
)

// runExportJob runs one export job whose handler is h through a real
// queue and returns it once it has ended.
func runExportJob(t *testing.T, h jobs.Handler) *jobs.Job {
	t.Helper()
	cat, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	q := jobs.New(cat)
	q.Handlers[jobs.KindExport] = h
	q.MaxAttempts = 1
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error)
	rctx, stop := context.WithCancel(ctx)
	go func() { done <- q.Run(rctx) }()
	defer func() { stop(); <-done }()
	j, _, err := q.Enqueue(ctx, jobs.Job{Kind: jobs.KindExport}, "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := q.Wait(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// writeExport is an export's run: it writes one file into into.
func writeExport(calls *int) func(string) (any, error) {
	return func(into string) (any, error) {
		*calls++
		if err := os.MkdirAll(into, 0o750); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(into, "bagit.txt"), []byte("BagIt-Version: 1.0\n"), 0o640); err != nil {
			return nil, err
		}
		return map[string]int{"files": 1}, nil
	}
}

// An export job writes into its own staging directory beside --out and
// renames it when whole; after a restart it finds where it stopped: a
// staging directory it had marked complete is only renamed, one it had
// not is removed (with the pack writer's partial folders) and made again,
// and a rename done before the crash is not repeated. A failed export
// leaves nothing.
func TestExportJobPlacement(t *testing.T) {
	dir := t.TempDir()
	staging := func(j jobs.Job) string { return filepath.Join(dir, ".magazin-job-"+j.ID) }
	check := func(name string, j *jobs.Job, out string, calls, wantCalls int) {
		t.Helper()
		if j.State != jobs.Done || string(j.Result) != `{"files":1}` {
			t.Errorf("%s: job %s, result %s, error %q", name, j.State, j.Result, j.LastError)
		}
		if b, err := os.ReadFile(filepath.Join(out, "bagit.txt")); err != nil || string(b) != "BagIt-Version: 1.0\n" {
			t.Errorf("%s: out: %q %v", name, b, err)
		}
		if calls != wantCalls {
			t.Errorf("%s: the export ran %d times, want %d", name, calls, wantCalls)
		}
		left, _ := filepath.Glob(filepath.Join(dir, ".*"))
		if len(left) != 0 {
			t.Errorf("%s: left beside out: %v", name, left)
		}
	}

	out := filepath.Join(dir, "plain")
	calls := 0
	j := runExportJob(t, func(ctx context.Context, t *jobs.Task) (any, error) {
		return placeExport(ctx, t, out, writeExport(&calls))
	})
	check("plain", j, out, calls, 1)

	// Killed while writing: junk in the staging directory and a partial
	// folder of the pack writer.
	out, calls = filepath.Join(dir, "killed"), 0
	j = runExportJob(t, func(ctx context.Context, tk *jobs.Task) (any, error) {
		s := staging(tk.Job())
		os.MkdirAll(s, 0o750)
		os.WriteFile(filepath.Join(s, "junk"), nil, 0o640)
		os.MkdirAll(filepath.Join(dir, "."+filepath.Base(s)+".partial-123"), 0o750)
		return placeExport(ctx, tk, out, writeExport(&calls))
	})
	check("killed while writing", j, out, calls, 1)
	if _, err := os.Stat(filepath.Join(out, "junk")); err == nil {
		t.Error("a killed run's leftovers were placed")
	}

	// Killed after the mark, before the rename.
	out, calls = filepath.Join(dir, "marked"), 0
	j = runExportJob(t, func(ctx context.Context, tk *jobs.Task) (any, error) {
		if _, err := writeExport(new(int))(staging(tk.Job())); err != nil {
			return nil, err
		}
		if err := tk.Mark(ctx, "exported", `{"files":1}`); err != nil {
			return nil, err
		}
		return placeExport(ctx, tk, out, writeExport(&calls))
	})
	check("killed before the rename", j, out, calls, 0)

	// Killed after the rename, before the job was done.
	out, calls = filepath.Join(dir, "renamed"), 0
	j = runExportJob(t, func(ctx context.Context, tk *jobs.Task) (any, error) {
		if _, err := writeExport(new(int))(out); err != nil {
			return nil, err
		}
		if err := tk.Mark(ctx, "exported", `{"files":1}`); err != nil {
			return nil, err
		}
		return placeExport(ctx, tk, out, writeExport(&calls))
	})
	check("killed after the rename", j, out, calls, 0)

	// An out made by someone else while the export ran is not touched;
	// the job fails, and a retry (the same task marks) exports again.
	out, calls = filepath.Join(dir, "taken"), 0
	j = runExportJob(t, func(ctx context.Context, tk *jobs.Task) (any, error) {
		_, err := placeExport(ctx, tk, out, func(into string) (any, error) {
			os.MkdirAll(out, 0o750) // someone else's
			return writeExport(&calls)(into)
		})
		if !errors.Is(err, errUsage) {
			return nil, jobs.Permanent(fmt.Errorf("want a usage error, got %v", err))
		}
		if b, err := os.ReadDir(out); err != nil || len(b) != 0 {
			return nil, jobs.Permanent(fmt.Errorf("the other out was touched: %v %v", b, err))
		}
		os.Remove(out)
		return placeExport(ctx, tk, out, writeExport(&calls))
	})
	check("out taken meanwhile, then retried", j, out, calls, 2)

	// A failed export leaves nothing; its job says why, with the exit
	// code of the foreground run.
	out = filepath.Join(dir, "failed")
	j = runExportJob(t, func(ctx context.Context, tk *jobs.Task) (any, error) {
		return outcomeOf(placeExport(ctx, tk, out, func(into string) (any, error) {
			os.MkdirAll(into, 0o750)
			return nil, errors.Join(errFailed, errors.New("object incomplete"))
		}))
	})
	var o verbOutcome
	json.Unmarshal(j.Result, &o)
	if j.State != jobs.Failed || j.Attempts != 1 || o.Code != 1 || o.Error == "" {
		t.Errorf("failed export: %+v %s", j, j.Result)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("a failed export left %v", left)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed export made out")
	}
}
