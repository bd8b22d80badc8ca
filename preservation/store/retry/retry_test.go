package retry_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	iofs "io/fs"
	"iter"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
	"github.com/magazin-archiv/magazin/preservation/store/retry"
	"github.com/magazin-archiv/magazin/preservation/store/storetest"
)

// refused is what a client sees when the server is down.
func refused() error {
	return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
}

// reset is what a reader sees when the connection breaks.
func reset() error {
	return &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
}

// quick are options for tests: short pauses.
func quick(maxWait time.Duration) retry.Options {
	return retry.Options{MaxWait: maxWait, MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}
}

// flaky is a mem store whose operations fail as fail says. fail is asked
// before each operation (after the context check, as backends do); a
// non-nil answer fails the operation. Put failures happen after the content
// was read (the worst case: it must be read again).
type flaky struct {
	*mem.Store
	fail  func(op, key string) error
	calls sync.Map // op -> *atomic.Int64
	// getBreak, if set, makes a Get or GetRange reader fail with reset()
	// after that many bytes, once per call of breakOnce.
	getBreak  int
	broken    atomic.Bool
	rangeFrom []int64
	mu        sync.Mutex
}

func newFlaky(fail func(op, key string) error) *flaky {
	return &flaky{Store: mem.New(), fail: fail}
}

func (f *flaky) count(op string) int64 {
	v, _ := f.calls.LoadOrStore(op, new(atomic.Int64))
	return v.(*atomic.Int64).Load()
}

func (f *flaky) inject(ctx context.Context, op, key string) error {
	v, _ := f.calls.LoadOrStore(op, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
	if err := ctx.Err(); err != nil {
		return err
	}
	if f.fail == nil {
		return nil
	}
	return f.fail(op, key)
}

func (f *flaky) Put(ctx context.Context, key string, r io.Reader, size int64, sha512 string) (store.Info, error) {
	if err := f.inject(ctx, "put", key); err != nil {
		if !errors.Is(err, context.Canceled) {
			io.Copy(io.Discard, io.LimitReader(r, size)) // the content was sent
		}
		return store.Info{}, &iofs.PathError{Op: "put", Path: key, Err: err}
	}
	return f.Store.Put(ctx, key, r, size, sha512)
}

func (f *flaky) Get(ctx context.Context, key string) (io.ReadCloser, store.Info, error) {
	if err := f.inject(ctx, "get", key); err != nil {
		return nil, store.Info{}, &iofs.PathError{Op: "get", Path: key, Err: err}
	}
	rc, info, err := f.Store.Get(ctx, key)
	if err != nil || f.getBreak == 0 || f.broken.Swap(true) {
		return rc, info, err
	}
	return &breaking{rc, f.getBreak}, info, nil
}

func (f *flaky) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := f.inject(ctx, "getrange", key); err != nil {
		return nil, &iofs.PathError{Op: "getrange", Path: key, Err: err}
	}
	f.mu.Lock()
	f.rangeFrom = append(f.rangeFrom, offset)
	f.mu.Unlock()
	rc, err := f.Store.GetRange(ctx, key, offset, length)
	if err != nil || f.getBreak == 0 || f.broken.Swap(true) {
		return rc, err
	}
	return &breaking{rc, f.getBreak}, nil
}

func (f *flaky) Stat(ctx context.Context, key string) (store.Info, error) {
	if err := f.inject(ctx, "stat", key); err != nil {
		return store.Info{}, &iofs.PathError{Op: "stat", Path: key, Err: err}
	}
	return f.Store.Stat(ctx, key)
}

func (f *flaky) Remove(ctx context.Context, key string) error {
	if err := f.inject(ctx, "remove", key); err != nil {
		return &iofs.PathError{Op: "remove", Path: key, Err: err}
	}
	return f.Store.Remove(ctx, key)
}

func (f *flaky) Repair(ctx context.Context, key string, r io.Reader, size int64, sha512 string) (store.Info, error) {
	if err := f.inject(ctx, "repair", key); err != nil {
		return store.Info{}, &iofs.PathError{Op: "repair", Path: key, Err: err}
	}
	return f.Store.Repair(ctx, key, r, size, sha512)
}

func (f *flaky) Replace(ctx context.Context, key, old string, r io.Reader, size int64, sha512 string) (store.Info, error) {
	if err := f.inject(ctx, "replace", key); err != nil {
		return store.Info{}, &iofs.PathError{Op: "replace", Path: key, Err: err}
	}
	return f.Store.Replace(ctx, key, old, r, size, sha512)
}

// List fails, when fail says so for "list", after yielding up to two
// objects: a listing that breaks off.
func (f *flaky) List(ctx context.Context, prefix string) iter.Seq2[store.Info, error] {
	return func(yield func(store.Info, error) bool) {
		v, _ := f.calls.LoadOrStore("list", new(atomic.Int64))
		v.(*atomic.Int64).Add(1)
		var ferr error
		if f.fail != nil {
			ferr = f.fail("list", prefix)
		}
		n := 0
		for info, err := range f.Store.List(ctx, prefix) {
			if ferr != nil && n == 2 && ctx.Err() == nil {
				yield(store.Info{}, ferr)
				return
			}
			if !yield(info, err) || err != nil {
				return
			}
			n++
		}
		if ferr != nil && ctx.Err() == nil {
			yield(store.Info{}, ferr)
		}
	}
}

// breaking fails with reset() after n bytes.
type breaking struct {
	rc io.ReadCloser
	n  int
}

func (b *breaking) Read(p []byte) (int, error) {
	if b.n == 0 {
		return 0, reset()
	}
	if len(p) > b.n {
		p = p[:b.n]
	}
	n, err := b.rc.Read(p)
	b.n -= n
	return n, err
}

func (b *breaking) Close() error { return b.rc.Close() }

// everyThird fails every third call of each operation transiently.
func everyThird() func(op, key string) error {
	var mu sync.Mutex
	n := map[string]int{}
	return func(op, key string) error {
		mu.Lock()
		defer mu.Unlock()
		n[op]++
		if n[op]%3 == 0 {
			if op == "list" || op == "get" {
				return reset()
			}
			return refused()
		}
		return nil
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return retry.New(mem.New(), quick(time.Minute)) })
}

// The suite passes through a store that fails every third call of every
// operation, breaks listings off and breaks every Get's reader once.
func TestConformanceFlaky(t *testing.T) {
	var injected atomic.Int64
	storetest.Run(t, func(t *testing.T) store.Store {
		fail := everyThird()
		f := newFlaky(func(op, key string) error {
			err := fail(op, key)
			if err != nil {
				injected.Add(1)
			}
			return err
		})
		f.getBreak = 3
		return retry.New(f, quick(time.Minute))
	})
	if n := injected.Load(); n < 50 {
		t.Errorf("only %d failures injected", n)
	}
	t.Logf("%d failures injected", injected.Load())
}

func TestCapabilities(t *testing.T) {
	full := retry.New(mem.New(), retry.Options{})
	if _, ok := full.(store.RangeGetter); !ok {
		t.Error("wrapped mem store is no RangeGetter")
	}
	if _, ok := full.(store.Remover); !ok {
		t.Error("wrapped mem store is no Remover")
	}
	if _, ok := full.(store.Repairer); !ok {
		t.Error("wrapped mem store is no Repairer")
	}
	if full.String() != "mem://" {
		t.Errorf("String = %q, want the inner store's", full.String())
	}
	w, ok := retry.Of(full)
	if !ok || w.Unwrap().String() != "mem://" {
		t.Errorf("Of = %v, %v", w, ok)
	}
	if _, ok := full.(store.Replacer); !ok {
		t.Error("wrapped mem store is no Replacer")
	}
	if _, ok := full.(store.RetentionReporter); ok {
		t.Error("wrapped mem store reports retention, which mem does not")
	}
	locked := retry.New(retaining{mem.New()}, retry.Options{})
	if _, ok := locked.(store.RetentionReporter); !ok {
		t.Error("wrapped store with retention does not report it")
	}
	if _, ok := locked.(store.Replacer); !ok {
		t.Error("wrapped store with retention is no Replacer")
	}
	if mode, _, err := locked.(store.RetentionReporter).Retention(t.Context(), "k"); mode != "GOVERNANCE" || err != nil {
		t.Errorf("Retention = %q, %v", mode, err)
	}
	plain := retry.New(struct{ store.Store }{mem.New()}, retry.Options{})
	if _, ok := plain.(store.RangeGetter); ok {
		t.Error("a store without GetRange gained it")
	}
	if _, ok := plain.(store.Remover); ok {
		t.Error("a store without Remove gained it")
	}
	if _, ok := plain.(store.Repairer); ok {
		t.Error("a store without Repair gained it")
	}
	if _, ok := plain.(store.Replacer); ok {
		t.Error("a store without Replace gained it")
	}
	if _, ok := retry.Of(plain); !ok {
		t.Error("Of does not find the wrapper of a plain store")
	}
	if _, ok := retry.Of(mem.New()); ok {
		t.Error("Of finds a wrapper in a bare store")
	}
}

// retaining is a mem store that reports retention.
type retaining struct{ *mem.Store }

func (retaining) Retention(context.Context, string) (string, time.Time, error) {
	return "GOVERNANCE", time.Now(), nil
}

// failTimes fails op n times with err, then works.
func failTimes(op string, n int, err func() error) func(string, string) error {
	var mu sync.Mutex
	return func(o, _ string) error {
		mu.Lock()
		defer mu.Unlock()
		if o != op || n == 0 {
			return nil
		}
		n--
		return err()
	}
}

type events struct {
	mu sync.Mutex
	ev []retry.Event
}

func (e *events) add(ev retry.Event) {
	e.mu.Lock()
	e.ev = append(e.ev, ev)
	e.mu.Unlock()
}

func (e *events) all() []retry.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.ev)
}

func TestTransientFailuresThenSuccess(t *testing.T) {
	f := newFlaky(failTimes("put", 3, refused))
	var ev events
	opts := quick(time.Minute)
	opts.Notify = ev.add
	st := retry.New(f, opts)
	data := []byte("Aktenvermerk")
	// A reader that cannot seek: the content is replayed from memory.
	info, err := st.Put(t.Context(), "a/b", io.MultiReader(bytes.NewReader(data)), int64(len(data)), storetest.Digest(data))
	if err != nil {
		t.Fatal(err)
	}
	if info.SHA512 != storetest.Digest(data) {
		t.Errorf("Info = %+v", info)
	}
	if n := f.count("put"); n != 4 {
		t.Errorf("%d attempts, want 4", n)
	}
	got := ev.all()
	if len(got) != 4 {
		t.Fatalf("events = %+v, want 3 waits and the return", got)
	}
	for i, e := range got[:3] {
		if e.Back || e.Attempt != i+1 || e.Op != "put" || e.Key != "a/b" || e.Store != "mem://" || !errors.Is(e.Err, syscall.ECONNREFUSED) || e.Since.IsZero() {
			t.Errorf("event %d = %+v", i, e)
		}
		if e.Since != got[0].Since {
			t.Errorf("event %d: since %v, want the outage's start %v", i, e.Since, got[0].Since)
		}
	}
	if !got[3].Back || got[3].Since != got[0].Since {
		t.Errorf("last event = %+v, want the store back", got[3])
	}
	w, _ := retry.Of(st)
	if s := w.Status(); !s.Available || s.Waiting != 0 {
		t.Errorf("Status after recovery = %+v", s)
	}
	b := mustGet(t, st, "a/b")
	if !bytes.Equal(b, data) {
		t.Errorf("stored %q", b)
	}
}

func mustGet(t *testing.T, st store.Store, key string) []byte {
	t.Helper()
	rc, _, err := st.Get(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSeekableContentIsRewound(t *testing.T) {
	f := newFlaky(failTimes("put", 2, refused))
	opts := quick(time.Minute)
	opts.Buffer = -1 // no memory: only seeking helps
	st := retry.New(f, opts)
	data := storetest.Data(7, 100_000)
	r := bytes.NewReader(append([]byte("skip"), data...))
	r.Seek(4, io.SeekStart) // content starts where the reader stands
	if _, err := st.Put(t.Context(), "k", r, int64(len(data)), storetest.Digest(data)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustGet(t, st, "k"), data) {
		t.Error("content differs")
	}
}

func TestContentBeyondBufferIsNotSentAgain(t *testing.T) {
	f := newFlaky(failTimes("put", 1, refused))
	opts := quick(time.Minute)
	opts.Buffer = 10
	st := retry.New(f, opts)
	data := storetest.Data(8, 1000)
	_, err := st.Put(t.Context(), "k", io.MultiReader(bytes.NewReader(data)), int64(len(data)), storetest.Digest(data))
	if !errors.Is(err, syscall.ECONNREFUSED) || !strings.Contains(err.Error(), "not sent again") {
		t.Errorf("err = %v, want the failure, not sent again", err)
	}
	if n := f.count("put"); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

// failingReader yields some bytes, then fails with a network error of its
// own: the source, not the store, is broken.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, reset()
	}
	n := min(len(p), r.n)
	r.n -= n
	return n, nil
}

func TestFailingContentIsNotRetried(t *testing.T) {
	f := newFlaky(nil)
	st := retry.New(f, quick(time.Minute))
	_, err := st.Put(t.Context(), "k", &failingReader{100}, 1000, storetest.Digest(make([]byte, 1000)))
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("err = %v, want the reader's", err)
	}
	if n := f.count("put"); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

func TestPermanentFailuresAreNotRetried(t *testing.T) {
	auth := errors.New("AccessDenied: Access Denied")
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"not exist", iofs.ErrNotExist},
		{"exist", iofs.ErrExist},
		{"digest", store.ErrDigestMismatch},
		{"size", store.ErrSizeMismatch},
		{"key", store.ErrInvalidKey},
		{"conflict", store.ErrKeyConflict},
		{"auth", auth},
		{"marked but missing", store.Unavailable(iofs.ErrNotExist)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFlaky(func(string, string) error { return tc.err })
			st := retry.New(f, quick(0))
			_, err := st.Stat(t.Context(), "k")
			if !errors.Is(err, tc.err) {
				t.Errorf("err = %v, want %v", err, tc.err)
			}
			if n := f.count("stat"); n != 1 {
				t.Errorf("%d attempts, want 1", n)
			}
		})
	}
}

func TestDigestMismatchIsNotRetried(t *testing.T) {
	f := newFlaky(nil)
	st := retry.New(f, quick(0))
	data := []byte("content")
	_, err := st.Put(t.Context(), "k", bytes.NewReader(data), int64(len(data)), storetest.Digest([]byte("other")))
	if !errors.Is(err, store.ErrDigestMismatch) {
		t.Errorf("err = %v, want ErrDigestMismatch", err)
	}
	if n := f.count("put"); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

func TestCancelWhileWaiting(t *testing.T) {
	f := newFlaky(func(string, string) error { return refused() })
	ctx, cancel := context.WithCancel(t.Context())
	var once sync.Once
	opts := retry.Options{MaxWait: 0, MinDelay: time.Hour, Notify: func(retry.Event) { once.Do(cancel) }}
	st := retry.New(f, opts)
	start := time.Now()
	_, err := st.Stat(ctx, "k")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("cancellation took %v", d)
	}
	if !strings.Contains(err.Error(), "mem://") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("err = %q, want the store and the last failure named", err)
	}
	w, _ := retry.Of(st)
	if s := w.Status(); s.Available || s.Waiting != 0 || !errors.Is(s.Err, syscall.ECONNREFUSED) {
		t.Errorf("Status = %+v, want unavailable, nobody waiting", s)
	}
}

func TestBudgetEndsWithLastCause(t *testing.T) {
	f := newFlaky(func(string, string) error { return store.Unavailable(errors.New("503 SlowDown")) })
	st := retry.New(f, quick(100*time.Millisecond))
	start := time.Now()
	_, err := st.Stat(t.Context(), "k")
	waited := time.Since(start)
	var ue *retry.UnavailableError
	if !errors.As(err, &ue) || !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "503 SlowDown") {
		t.Fatalf("err = %v, want an UnavailableError with the last cause", err)
	}
	if ue.Attempts < 2 || ue.Op != "stat" || ue.Key != "k" || ue.MaxWait != 100*time.Millisecond {
		t.Errorf("UnavailableError = %+v", ue)
	}
	if waited < 100*time.Millisecond || waited > 5*time.Second {
		t.Errorf("gave up after %v, want about 100ms", waited)
	}
	// The outage has outlasted the budget: the next operation tries once.
	before := f.count("stat")
	if _, err := st.Stat(t.Context(), "k"); !errors.As(err, &ue) {
		t.Errorf("second Stat: err = %v", err)
	}
	if n := f.count("stat") - before; n != 1 {
		t.Errorf("second Stat: %d attempts during an exhausted outage, want 1", n)
	}
}

func TestSuccessEndsTheOutage(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	f := newFlaky(func(op, _ string) error {
		if down.Load() {
			return refused()
		}
		return nil
	})
	st := retry.New(f, quick(50*time.Millisecond))
	if _, err := st.Stat(t.Context(), "k"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	down.Store(false)
	if _, err := st.Stat(t.Context(), "k"); !errors.Is(err, iofs.ErrNotExist) {
		t.Fatalf("err = %v, want the store's answer", err)
	}
	w, _ := retry.Of(st)
	if !w.Status().Available {
		t.Error("still unavailable after an answer")
	}
	// A new outage gets a new budget.
	down.Store(true)
	before := f.count("stat")
	st.Stat(t.Context(), "k")
	if n := f.count("stat") - before; n < 2 {
		t.Errorf("%d attempts in a new outage, want several", n)
	}
}

func TestNoRetriesWhenNegative(t *testing.T) {
	f := newFlaky(func(string, string) error { return refused() })
	st := retry.New(f, retry.Options{MaxWait: -1})
	if _, err := st.Stat(t.Context(), "k"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("err = %v", err)
	}
	if n := f.count("stat"); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

func TestReaderResumes(t *testing.T) {
	f := newFlaky(failTimes("getrange", 2, refused))
	f.getBreak = 1000
	st := retry.New(f, quick(time.Minute))
	data := storetest.Data(9, 5000)
	if _, err := f.Store.Put(t.Context(), "k", bytes.NewReader(data), int64(len(data)), storetest.Digest(data)); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, st, "k"); !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, differing from the %d stored", len(got), len(data))
	}
	if !slices.Equal(f.rangeFrom, []int64{1000}) || f.count("getrange") != 3 {
		t.Errorf("range requests served from %v of %d, want 1000 after two refused", f.rangeFrom, f.count("getrange"))
	}
	// A range resumes within its range.
	f.broken.Store(false)
	f.rangeFrom = nil
	rg := st.(store.RangeGetter)
	rc, err := rg.GetRange(t.Context(), "k", 100, 2000)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, data[100:2100]) {
		t.Errorf("range: %d bytes, err %v", len(got), err)
	}
	if !slices.Equal(f.rangeFrom, []int64{100, 1100}) {
		t.Errorf("range requests from %v, want 100, then 1100", f.rangeFrom)
	}
}

func TestReaderGivesUp(t *testing.T) {
	var n atomic.Int64
	f := newFlaky(func(op, _ string) error {
		if op == "getrange" && n.Add(1) > 0 {
			return refused()
		}
		return nil
	})
	f.getBreak = 10
	st := retry.New(f, quick(50*time.Millisecond))
	data := storetest.Data(10, 100)
	f.Store.Put(t.Context(), "k", bytes.NewReader(data), 100, storetest.Digest(data))
	rc, _, err := st.Get(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if !errors.Is(err, store.ErrUnavailable) || len(got) != 10 {
		t.Errorf("read %d bytes, err %v; want 10 and ErrUnavailable", len(got), err)
	}
}

func TestListResumesBehindLastKey(t *testing.T) {
	f := newFlaky(failTimes("list", 2, reset))
	st := retry.New(f, quick(time.Minute))
	keys := []string{"a", "b", "c", "d", "e"}
	for _, k := range keys {
		f.Store.Put(t.Context(), k, bytes.NewReader([]byte(k)), 1, storetest.Digest([]byte(k)))
	}
	var got []string
	for info, err := range st.List(t.Context(), "") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, info.Key)
	}
	if !slices.Equal(got, keys) {
		t.Errorf("List = %q, want %q", got, keys)
	}
	if n := f.count("list"); n != 3 {
		t.Errorf("%d listings, want 3", n)
	}
}

func TestConcurrentWaitersShareTheOutage(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	f := newFlaky(func(string, string) error {
		if down.Load() {
			return refused()
		}
		return nil
	})
	st := retry.New(f, quick(time.Minute))
	w, _ := retry.Of(st)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			data := []byte{byte(i)}
			_, errs[i] = st.Put(t.Context(), "k"+string(rune('a'+i)), bytes.NewReader(data), 1, storetest.Digest(data))
		})
	}
	deadline := time.Now().Add(10 * time.Second)
	for w.Status().Waiting == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	s := w.Status()
	if s.Available || s.Since.IsZero() {
		t.Errorf("Status during the outage = %+v", s)
	}
	down.Store(false)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Put %d: %v", i, err)
		}
	}
	if !w.Status().Available {
		t.Error("unavailable after the outage")
	}
}
