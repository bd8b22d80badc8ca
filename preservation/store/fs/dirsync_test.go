package fs

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Concurrent callers share directory fsyncs, and each returns only after
// an fsync that started after its entry was made has completed.
func TestDirSyncerGroupCommit(t *testing.T) {
	s := newDirSyncer()
	var (
		entries atomic.Int64 // entries made (links)
		calls   atomic.Int64
		mu      sync.Mutex
		synced  int64 // highest entry count seen at the start of a completed fsync
	)
	s.fsync = func(dir string) error {
		seen := entries.Load()
		calls.Add(1)
		time.Sleep(time.Millisecond)
		mu.Lock()
		synced = max(synced, seen)
		mu.Unlock()
		return nil
	}
	const workers, each = 32, 20
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				mine := entries.Add(1)
				if err := s.sync("/d"); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				ok := synced >= mine
				mu.Unlock()
				if !ok {
					t.Error("sync returned before an fsync covering its entry completed")
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := calls.Load(); n == 0 || n >= workers*each {
		t.Errorf("%d fsyncs for %d calls: want fewer, shared", n, workers*each)
	}
	if len(s.dirs) != 0 {
		t.Errorf("%d directory states left behind", len(s.dirs))
	}
}

// A failed fsync is the error of every caller it covered; later fsyncs
// are tried again.
func TestDirSyncerError(t *testing.T) {
	s := newDirSyncer()
	boom := errors.New("EIO")
	fail := true
	s.fsync = func(string) error {
		if fail {
			return boom
		}
		return nil
	}
	if err := s.sync("/d"); !errors.Is(err, boom) {
		t.Fatalf("err %v, want %v", err, boom)
	}
	fail = false
	if err := s.sync("/d"); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}
