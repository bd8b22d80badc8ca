package ingest_test

import (
	"context"
	"errors"
	"io"
	iofs "io/fs"
	"iter"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/ingest"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
	"github.com/magazin-archiv/magazin/preservation/store/retry"
)

// downStore is a mem store that refuses connections while down is set,
// as an S3 server that has stopped.
type downStore struct {
	*mem.Store
	down atomic.Bool
}

func refused(op, key string) error {
	return &iofs.PathError{Op: op, Path: key, Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
}

func (d *downStore) Put(ctx context.Context, key string, r io.Reader, size int64, sha512 string) (store.Info, error) {
	if d.down.Load() {
		return store.Info{}, refused("put", key)
	}
	return d.Store.Put(ctx, key, r, size, sha512)
}

func (d *downStore) Get(ctx context.Context, key string) (io.ReadCloser, store.Info, error) {
	if d.down.Load() {
		return nil, store.Info{}, refused("get", key)
	}
	return d.Store.Get(ctx, key)
}

func (d *downStore) Stat(ctx context.Context, key string) (store.Info, error) {
	if d.down.Load() {
		return store.Info{}, refused("stat", key)
	}
	return d.Store.Stat(ctx, key)
}

func (d *downStore) Remove(ctx context.Context, key string) error {
	if d.down.Load() {
		return refused("remove", key)
	}
	return d.Store.Remove(ctx, key)
}

func (d *downStore) List(ctx context.Context, prefix string) iter.Seq2[store.Info, error] {
	if d.down.Load() {
		return func(yield func(store.Info, error) bool) { yield(store.Info{}, refused("list", prefix)) }
	}
	return d.Store.List(ctx, prefix)
}

// complete counts the complete objects in st (root inventory and sidecar
// in place) and all its keys.
func complete(t *testing.T, st store.Store) (objects, keys int) {
	t.Helper()
	for info, err := range st.List(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		keys++
		_ = info
	}
	for f, err := range aip.Scan(context.Background(), st) {
		if err != nil {
			t.Fatal(err)
		}
		if f.Err == nil {
			objects++
		}
	}
	return objects, keys
}

func listed(t *testing.T, r *rig) int {
	t.Helper()
	n := 0
	for _, err := range r.cat.AIPs(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

// The second replica is down when the ingest reaches it: the ingest waits,
// nothing is listed and no store holds a complete object meanwhile, and
// when the replica returns the ingest completes.
func TestIngestWaitsForAReplicaThatIsDown(t *testing.T) {
	local, remote := mem.New(), &downStore{Store: mem.New()}
	remote.down.Store(true)
	waits := make(chan retry.Event, 100)
	patient := retry.New(remote, retry.Options{MaxWait: 0, MinDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond,
		Notify: func(e retry.Event) {
			select {
			case waits <- e:
			default:
			}
		}})
	r := newRig(t, local, patient)
	done := make(chan error, 1)
	var res *ingest.Result
	go func() {
		var err error
		res, err = r.in.Ingest(context.Background(), repoPath(t, "testdata/sample-transfer"), ingest.Options{Profile: "folder"}, nil)
		done <- err
	}()
	select {
	case e := <-waits:
		if e.Back || e.Store != "mem://" || !errors.Is(e.Err, syscall.ECONNREFUSED) {
			t.Errorf("first event = %+v", e)
		}
	case err := <-done:
		t.Fatalf("ingest ended while a replica was down: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("no wait reported")
	}
	// Let it wait a while, then look: the local replica holds the files,
	// but no object is complete anywhere and nothing is listed.
	for range 20 {
		<-waits
	}
	if n, keys := complete(t, local); n != 0 || keys < 10 {
		t.Errorf("local replica during the outage: %d complete objects, %d keys; want none complete, the files there", n, keys)
	}
	for info, err := range local.List(context.Background(), "") {
		if err == nil && strings.HasSuffix(info.Key, "/inventory.json.sha512") && strings.Count(info.Key, "/") == 5 {
			t.Errorf("root inventory sidecar %s written while a replica is down", info.Key)
		}
	}
	if n := listed(t, r); n != 0 {
		t.Errorf("%d AIPs listed while a replica is down", n)
	}
	if len(r.idx.ids) != 0 {
		t.Errorf("indexed %v while a replica is down", r.idx.ids)
	}
	select {
	case err := <-done:
		t.Fatalf("ingest ended while a replica was down: %v", err)
	default:
	}

	remote.down.Store(false)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("ingest did not complete after the replica returned")
	}
	if len(res.AIPs) != 1 || listed(t, r) != 1 {
		t.Fatalf("after the outage: result %d AIPs, %d listed; want 1", len(res.AIPs), listed(t, r))
	}
	for _, st := range []store.Store{local, remote.Store} {
		if n, _ := complete(t, st); n != 1 {
			t.Errorf("%d complete objects in a replica, want 1", n)
		}
		if _, err := aip.Read(context.Background(), st, string(res.AIPs[0].ID)); err != nil {
			t.Errorf("AIP unreadable from a replica: %v", err)
		}
	}
	w, _ := retry.Of(patient)
	if !w.Status().Available {
		t.Error("the replica is still marked unavailable")
	}
}

// objectFiles counts the keys of OCFL objects in st (not of the storage
// root).
func objectFiles(t *testing.T, st store.Store) int {
	t.Helper()
	n := 0
	for info, err := range st.List(context.Background(), "ocfl/") {
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(info.Key, "/") > 4 {
			n++
		}
	}
	return n
}

// A replica that fails for good fails the ingest, which then removes what
// it wrote to the healthy replica: not even a rebuild from storage or an
// audit sees a trace of it.
func TestReplicaFailureLeavesNothing(t *testing.T) {
	local, remote := mem.New(), &downStore{Store: mem.New()}
	remote.down.Store(true)
	r := newRig(t, local, retry.New(remote, retry.Options{MaxWait: 20 * time.Millisecond, MinDelay: time.Millisecond}))
	_, err := r.in.Ingest(context.Background(), repoPath(t, "testdata/sample-transfer"), ingest.Options{Profile: "folder"}, nil)
	var ue *retry.UnavailableError
	if !errors.As(err, &ue) || !errors.Is(err, store.ErrUnavailable) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err = %v, want the replica unavailable", err)
	}
	if n := objectFiles(t, local); n != 0 {
		t.Errorf("healthy replica keeps %d files of the failed ingest", n)
	}
	if n, _ := complete(t, local); n != 0 {
		t.Errorf("healthy replica: %d complete objects", n)
	}
	if n := listed(t, r); n != 0 {
		t.Errorf("%d AIPs listed after a failed ingest", n)
	}
}

// An ingest cancelled while it waits for a replica ends at once and leaves
// nothing behind.
func TestCancelWhileWaitingLeavesNothing(t *testing.T) {
	local, remote := mem.New(), &downStore{Store: mem.New()}
	remote.down.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	waiting := make(chan struct{})
	var once sync.Once
	r := newRig(t, local, retry.New(remote, retry.Options{MaxWait: 0, MinDelay: time.Hour,
		Notify: func(retry.Event) { once.Do(func() { close(waiting) }) }}))
	done := make(chan error, 1)
	go func() {
		_, err := r.in.Ingest(ctx, repoPath(t, "testdata/sample-transfer"), ingest.Options{Profile: "folder"}, nil)
		done <- err
	}()
	select {
	case <-waiting:
	case <-time.After(time.Minute):
		t.Fatal("no wait reported")
	}
	if objectFiles(t, local) == 0 {
		t.Error("nothing written to the healthy replica before the wait")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled ingest goes on waiting")
	}
	if n := objectFiles(t, local); n != 0 {
		t.Errorf("healthy replica keeps %d files of the cancelled ingest", n)
	}
	if n := listed(t, r); n != 0 {
		t.Errorf("%d AIPs listed after a cancelled ingest", n)
	}
}

// A failure while the objects are being completed (phase 2) removes them
// again from the stores that were completed, root inventory first.
func TestFailureWhileCompletingRemovesCompletedObjects(t *testing.T) {
	local := mem.New()
	remote := &sidecarFails{Store: mem.New()}
	r := newRig(t, local, remote)
	_, err := r.in.Ingest(context.Background(), repoPath(t, "testdata/sample-transfer"), ingest.Options{Profile: "folder"}, nil)
	if !errors.Is(err, errOutage) {
		t.Fatalf("err = %v, want the replica's failure", err)
	}
	for _, st := range []store.Store{local, remote.Store} {
		if n := objectFiles(t, st); n != 0 {
			t.Errorf("a replica keeps %d files of the failed ingest", n)
		}
	}
}

// sidecarFails refuses root inventory sidecars.
type sidecarFails struct{ *mem.Store }

func (s *sidecarFails) Put(ctx context.Context, key string, r io.Reader, size int64, sha512 string) (store.Info, error) {
	if strings.HasSuffix(key, "/inventory.json.sha512") && strings.Count(key, "/") == 5 {
		return store.Info{}, errOutage
	}
	return s.Store.Put(ctx, key, r, size, sha512)
}
