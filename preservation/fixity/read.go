package fixity

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"io/fs"
	"path"
	"sync"
	"time"

	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/store"
)

// limiter paces reads to a number of bytes per second, shared by every
// reader of an audit. A nil limiter does not limit.
type limiter struct {
	mu   sync.Mutex
	rate float64 // bytes per second
	next time.Time
}

func newLimiter(rate int64) *limiter {
	if rate <= 0 {
		return nil
	}
	return &limiter{rate: float64(rate)}
}

// wait accounts for n bytes just read and sleeps until the budget allows
// them. Up to a quarter second of unused budget may be spent at once.
func (l *limiter) wait(ctx context.Context, n int) error {
	if l == nil || n <= 0 {
		return nil
	}
	l.mu.Lock()
	now := time.Now()
	if floor := now.Add(-250 * time.Millisecond); l.next.Before(floor) {
		l.next = floor
	}
	l.next = l.next.Add(time.Duration(float64(n) / l.rate * float64(time.Second)))
	d := l.next.Sub(now)
	l.mu.Unlock()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// meter counts and paces the bytes read from one store, or (a child
// meter) from one copy of an object, passing them on to its store's meter.
type meter struct {
	ctx    context.Context
	lim    *limiter
	parent *meter
	mu     sync.Mutex
	bytes  int64
}

// child returns a meter that counts on its own and passes every byte on
// to m: copies of two objects may be read from one store at once.
func (m *meter) child() *meter { return &meter{ctx: m.ctx, parent: m} }

func (m *meter) add(n int) error {
	m.mu.Lock()
	m.bytes += int64(n)
	m.mu.Unlock()
	if m.parent != nil {
		return m.parent.add(n)
	}
	return m.lim.wait(m.ctx, n)
}

func (m *meter) total() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bytes
}

// meteredReader reads through a meter.
type meteredReader struct {
	r io.Reader
	m *meter
}

func (r meteredReader) Read(p []byte) (int, error) {
	if err := r.m.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := r.r.Read(p)
	if werr := r.m.add(n); werr != nil && err == nil {
		err = werr
	}
	return n, err
}

// maxCapture bounds the inventories and sidecars kept in memory (the OCFL
// validator reads no larger inventory either).
const maxCapture = 64 << 20

// observation is what one pass over an object's files in one store saw:
// the SHA-512 of every file read to its end, read errors, and the bytes of
// the inventories' sidecars and of the root inventory.
//
// The OCFL validator reads content files concurrently: the teeFS's
// updates hold mu. The auditor's own reads come after the validation.
type observation struct {
	mu       sync.Mutex
	digests  map[string]string // path relative to the object root -> SHA-512
	readErrs map[string]error
	captured map[string][]byte
	files    int
}

func newObservation() *observation {
	return &observation{digests: map[string]string{}, readErrs: map[string]error{}, captured: map[string][]byte{}}
}

// captures reports whether the bytes of rel are kept.
func captures(rel string) bool {
	return rel == "inventory.json" || path.Base(rel) == "inventory.json.sha512"
}

// teeFS presents an object root to the OCFL validator and hashes every
// file as the validator reads it, so that each file is read once for both
// the validation and the comparison with the replicas.
type teeFS struct {
	base *aip.StoreFS
	obs  *observation
	m    *meter
	// rootRead, if set, is called once, when the root inventory and its
	// sidecar have both been captured, with their bytes: the audit parses
	// the head while the validator goes on reading.
	rootRead func(raw, side []byte)
	called   bool // rootRead was called; guarded by obs.mu
}

// Open implements fs.FS.
func (t *teeFS) Open(name string) (fs.File, error) {
	f, err := t.base.Open(name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) && name != "." {
			t.obs.mu.Lock()
			t.obs.readErrs[name] = err
			t.obs.mu.Unlock()
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil || fi.IsDir() {
		return f, err
	}
	tf := &teeFile{File: f, name: name, fs: t, h: sha512.New()}
	if captures(name) {
		tf.buf = []byte{}
	}
	return tf, nil
}

// ReadDir implements fs.ReadDirFS.
func (t *teeFS) ReadDir(name string) ([]fs.DirEntry, error) { return t.base.ReadDir(name) }

type teeFile struct {
	fs.File
	name string
	fs   *teeFS
	h    hash.Hash
	buf  []byte // nil when not captured
	done bool
	sum  string // the SHA-512 once done
}

// SHA512 implements aip.SHA512Reporter: the validator takes the digest
// computed here instead of hashing the file a second time.
func (f *teeFile) SHA512() (string, bool) { return f.sum, f.done }

var _ aip.SHA512Reporter = (*teeFile)(nil)

func (f *teeFile) Read(p []byte) (int, error) {
	if f.done {
		return 0, io.EOF
	}
	n, err := f.File.Read(p)
	f.h.Write(p[:n])
	if f.buf != nil {
		if len(f.buf)+n > maxCapture {
			f.buf = nil
		} else {
			f.buf = append(f.buf, p[:n]...)
		}
	}
	if werr := f.fs.m.add(n); werr != nil && err == nil {
		err = werr
	}
	switch {
	case err == io.EOF:
		f.done = true
		obs := f.fs.obs
		f.sum = hex.EncodeToString(f.h.Sum(nil))
		obs.mu.Lock()
		obs.digests[f.name] = f.sum
		delete(obs.readErrs, f.name)
		obs.files++
		if f.buf != nil {
			obs.captured[f.name] = f.buf
		}
		raw, okRaw := obs.captured["inventory.json"]
		side, okSide := obs.captured["inventory.json.sha512"]
		call := f.fs.rootRead != nil && !f.fs.called && okRaw && okSide
		if call {
			f.fs.called = true
		}
		obs.mu.Unlock()
		if call {
			f.fs.rootRead(raw, side)
		}
	case err != nil:
		f.fs.obs.mu.Lock()
		f.fs.obs.readErrs[f.name] = err
		f.fs.obs.mu.Unlock()
	}
	return n, err
}

// readDigest reads the file rel of the object at root in full and returns
// its SHA-512, and its bytes when captures(rel).
func readDigest(ctx context.Context, st store.Store, root, rel string, m *meter) (string, []byte, error) {
	rc, _, err := st.Get(ctx, root+"/"+rel)
	if err != nil {
		return "", nil, err
	}
	defer rc.Close()
	h := sha512.New()
	var w io.Writer = h
	var buf *captureBuffer
	if captures(rel) {
		buf = &captureBuffer{}
		w = io.MultiWriter(h, buf)
	}
	if _, err := io.Copy(w, meteredReader{rc, m}); err != nil {
		return "", nil, err
	}
	var b []byte
	if buf != nil && !buf.over {
		b = buf.b
	}
	return hex.EncodeToString(h.Sum(nil)), b, nil
}

type captureBuffer struct {
	b    []byte
	over bool
}

func (c *captureBuffer) Write(p []byte) (int, error) {
	if !c.over {
		if len(c.b)+len(p) > maxCapture {
			c.over, c.b = true, nil
		} else {
			c.b = append(c.b, p...)
		}
	}
	return len(p), nil
}
