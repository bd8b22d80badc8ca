package ingest

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"
	iofs "io/fs"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/store"
)

// writeParallel is the number of files written to a store at once. Most
// of a small file's write is waiting for fsync; with many in flight the
// file system commits their journal entries together, and the fs store
// shares one directory fsync among them (group commit).
const writeParallel = 16

// replicate writes objs into every store, in two phases, so that no object
// becomes visible in any store before every store holds it:
//
//  1. every file of every object except its root inventory and the root
//     inventory's sidecar goes to every store, and is read back (by the
//     writer, as soon as the store has it durably: reading and hashing one
//     file then overlaps with the fsyncs of the others);
//  2. then the root inventories and sidecars, which make an OCFL object
//     complete (aip.Scan, `magazin rebuild` and OCFL validators see only
//     objects that have them), go to every store and are read back.
//
// A store that is down stops phase 1, so while it is down no store holds
// a complete object; with the stores wrapped by package retry, the ingest
// waits there and goes on when the store returns. The catalog learns of
// the objects only after both phases.
//
// When replicate fails (a store failed for good, the wait was given up, the
// ingest was cancelled), it removes what it wrote of the objects, as far as
// it can without waiting (see rollback): nothing of a failed ingest stays
// behind for audits to report. Only a crash leaves files behind: in phase
// 1 files of objects no listing shows (aip.Scan reports them incomplete),
// in phase 2 objects complete in some stores, which `magazin audit
// --repair` completes in the others.
//
// beforeComplete, when set, runs between the phases: the last moment
// before any store can hold a complete object (the intent log).
func (in *Ingester) replicate(ctx context.Context, objs []*aip.Object, beforeComplete func() error) (err error) {
	holds := make([]*holdBack, len(in.stores))
	defer func() {
		if err != nil {
			in.rollback(ctx, holds)
		}
	}()
	for i, st := range in.stores {
		holds[i] = newHoldBack(st, objs)
		if err := writeObjects(ctx, holds[i], objs); err != nil {
			return err
		}
	}
	if beforeComplete != nil {
		if err := beforeComplete(); err != nil {
			return err
		}
	}
	for _, h := range holds {
		for _, p := range h.held {
			h.committed++ // perhaps stored although the Put fails
			if _, err := h.Store.Put(ctx, p.key, bytes.NewReader(p.data), p.size, p.sha512); err != nil {
				return fmt.Errorf("ingest: complete an object in %s: %w", h.Store, err)
			}
		}
	}
	for _, h := range holds {
		if err := readBack(ctx, h.Store, h.held); err != nil {
			return err
		}
	}
	return nil
}

// objectParallel is the number of objects written to a store at once:
// each object's files go in its own crash-safe order (aip.Object.Write),
// and the objects of one submission (one per Akte of an xdomea transfer)
// need not wait for each other's fsyncs.
const objectParallel = 4

// writeObjects writes objs into st, objectParallel at once, and returns
// the first error (the others are cancelled).
func writeObjects(ctx context.Context, st store.Store, objs []*aip.Object) error {
	if len(objs) == 1 {
		return objs[0].Write(ctx, st, writeParallel)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	ch := make(chan *aip.Object)
	for range min(objectParallel, len(objs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range ch {
				if err := o.Write(ctx, st, writeParallel); err != nil {
					mu.Lock()
					if first == nil {
						first = err
						cancel()
					}
					mu.Unlock()
				}
			}
		}()
	}
send:
	for _, o := range objs {
		select {
		case ch <- o:
		case <-ctx.Done():
			break send
		}
	}
	close(ch)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// rollback removes from every store what replicate put there of the
// objects (never the files of the OCFL storage root), the root inventories
// and sidecars first, so that what may remain of an object is incomplete.
// It goes past the waiting of package retry (a store's Unwrap) and gives up
// on a store at its first failure: a store that is down keeps what it
// holds, and an interrupted ingest ends at once. Files left behind show in
// audits as AIP_UNKNOWN and AIP_INCOMPLETE.
func (in *Ingester) rollback(ctx context.Context, holds []*holdBack) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	for _, h := range holds {
		if h == nil {
			continue
		}
		var keys []string
		for _, w := range slices.Backward(h.held[:h.committed]) {
			keys = append(keys, w.key)
		}
		for _, k := range slices.Backward(h.tried) {
			keys = append(keys, k)
		}
		if len(keys) == 0 {
			continue
		}
		st := h.Store
		if u, ok := st.(interface{ Unwrap() store.Store }); ok {
			st = u.Unwrap()
		}
		rm, ok := st.(store.Remover)
		if !ok {
			in.log.Warn("ingest failed; its unfinished objects stay in a store that cannot remove", "store", st.String(), "files", len(keys))
			continue
		}
		removed := 0
		for _, k := range keys {
			if err := rm.Remove(ctx, k); err != nil {
				in.log.Warn("ingest failed; could not remove the files of its unfinished objects", "store", st.String(),
					"files", len(keys)-removed, "err", err)
				break
			}
			removed++
		}
		if removed > 0 {
			in.log.Info("ingest failed; removed the files of its unfinished objects", "store", st.String(), "files", removed)
		}
	}
}

// written is one object a store was given.
type written struct {
	key    string
	size   int64
	sha512 string
	data   []byte // the content of a held object
}

// holdBack is a store that passes every Put on to its store except those
// of the objects' root inventories and sidecars: it keeps their content
// and reports them stored. It reads every file it passed on back from the
// store and checks it before its Put returns, and records everything put.
type holdBack struct {
	store.Store
	hold  map[string]bool
	roots []string // the objects' roots

	mu        sync.Mutex
	written   []written // put into the store and read back, in order
	tried     []string  // keys in the objects put or tried, in order
	held      []written // kept back, in order
	committed int       // held objects replicate has put
}

func newHoldBack(st store.Store, objs []*aip.Object) *holdBack {
	h := &holdBack{Store: st, hold: map[string]bool{}}
	for _, o := range objs {
		h.hold[o.Root+"/inventory.json"] = true
		h.hold[o.Root+"/inventory.json.sha512"] = true
		h.roots = append(h.roots, o.Root+"/")
	}
	return h
}

// inObject reports whether key belongs to one of the objects.
func (h *holdBack) inObject(key string) bool {
	for _, r := range h.roots {
		if strings.HasPrefix(key, r) {
			return true
		}
	}
	return false
}

// Put implements store.Store.
func (h *holdBack) Put(ctx context.Context, key string, r io.Reader, size int64, sha512 string) (store.Info, error) {
	w := written{key: key, size: size, sha512: sha512}
	if !h.hold[key] {
		if h.inObject(key) {
			h.mu.Lock()
			h.tried = append(h.tried, key)
			h.mu.Unlock()
		}
		info, err := h.Store.Put(ctx, key, r, size, sha512)
		if err != nil {
			return info, err
		}
		if err := readBackOne(ctx, h.Store, w); err != nil {
			return store.Info{}, fmt.Errorf("ingest: read-back from %s: %w", h.Store, err)
		}
		h.mu.Lock()
		h.written = append(h.written, w)
		h.mu.Unlock()
		return info, nil
	}
	if err := store.CheckPut(ctx, key, size, sha512); err != nil {
		return store.Info{}, &iofs.PathError{Op: "put", Path: key, Err: err}
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, store.NewVerifier(ctx, r, size, sha512)); err != nil {
		return store.Info{}, &iofs.PathError{Op: "put", Path: key, Err: err}
	}
	w.data = buf.Bytes()
	h.mu.Lock()
	h.held = append(h.held, w)
	h.mu.Unlock()
	return store.Info{Key: key, Size: size, SHA512: sha512}, nil
}

// readBack reads every object in ws from st and checks its size and
// SHA-512, readBackParallel at once (hashing is the work; the reads are
// mostly from the page cache or, for S3, waits on the network).
func readBack(ctx context.Context, st store.Store, ws []written) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	ch := make(chan written)
	for range min(readBackParallel, len(ws)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for w := range ch {
				if err := readBackOne(ctx, st, w); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("ingest: read-back from %s: %w", st, err)
						cancel()
					}
					mu.Unlock()
				}
			}
		}()
	}
send:
	for _, w := range ws {
		select {
		case ch <- w:
		case <-ctx.Done():
			break send
		}
	}
	close(ch)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// readBackParallel bounds the objects read back at once.
const readBackParallel = 4

func readBackOne(ctx context.Context, st store.Store, w written) error {
	rc, _, err := st.Get(ctx, w.key)
	if err != nil {
		return err
	}
	defer rc.Close()
	h := sha512.New()
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	n, err := io.CopyBuffer(h, store.ContextReader(ctx, rc), *bp)
	switch {
	case err != nil:
		return fmt.Errorf("read %s: %w", w.key, err)
	case n != w.size:
		return fmt.Errorf("%s: %w: got %d bytes, want %d", w.key, store.ErrSizeMismatch, n, w.size)
	case hex.EncodeToString(h.Sum(nil)) != w.sha512:
		return fmt.Errorf("%s: %w", w.key, store.ErrDigestMismatch)
	}
	return nil
}
