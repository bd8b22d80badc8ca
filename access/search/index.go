package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"
)

// BatchSize is the number of documents Index and Rebuild write in one
// bleve batch.
const BatchSize = 1000

// ErrSchema: the index on disk has another schema version.
var ErrSchema = errors.New("search: index schema version mismatch; run `magazin rebuild`")

// ErrNotFound: no unit with that id in the index. It matches fs.ErrNotExist.
var ErrNotFound = fmt.Errorf("search: not found: %w", fs.ErrNotExist)

// ErrClosed: the index has been closed.
var ErrClosed = errors.New("search: index closed")

// Index is the finding-aid index. It is safe for concurrent use; writers
// (Index, Delete, Rebuild) are serialised, readers run in parallel.
type Index struct {
	dir string // "" = in memory

	wmu sync.Mutex   // serialises writers, held for a whole Rebuild
	mu  sync.RWMutex // guards b (swapped by Rebuild, cleared by Close)
	b   bleve.Index

	german, prefix, signatur analysis.Analyzer
}

const metaFile = "index_meta.json"

// Open opens the index in dir, creating it if dir does not hold one. An
// empty dir opens an in-memory index (bleve.NewMemOnly) for tests. An index
// written by another schema version is refused with ErrSchema.
func Open(dir string) (*Index, error) {
	m, err := newMapping()
	if err != nil {
		return nil, fmt.Errorf("search: mapping: %w", err)
	}
	x := &Index{dir: dir}
	x.german = m.AnalyzerNamed(anGerman)
	x.prefix = m.AnalyzerNamed(anPrefix)
	x.signatur = m.AnalyzerNamed(anSignatur)
	if x.german == nil || x.prefix == nil || x.signatur == nil {
		return nil, errors.New("search: analyzers missing")
	}
	if dir == "" {
		b, err := create("", m)
		if err != nil {
			return nil, err
		}
		x.b = b
		return x, nil
	}
	if err := recoverRebuild(dir); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, metaFile)); errors.Is(err, fs.ErrNotExist) {
		if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
			return nil, fmt.Errorf("search: %s is not empty and holds no index", dir)
		}
		b, err := create(dir, m)
		if err != nil {
			return nil, err
		}
		x.b = b
		return x, nil
	} else if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	b, err := bleve.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("search: open %s: %w", dir, err)
	}
	v, err := b.GetInternal([]byte(internalKey))
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("search: open %s: %w", dir, err)
	}
	if string(v) != SchemaVersion {
		b.Close()
		return nil, fmt.Errorf("%w (%s: found %q, want %q)", ErrSchema, dir, v, SchemaVersion)
	}
	x.b = b
	return x, nil
}

// create makes a new index in dir ("" = in memory) and records the schema.
func create(dir string, m mapping.IndexMapping) (bleve.Index, error) {
	var (
		b   bleve.Index
		err error
	)
	if dir == "" {
		b, err = bleve.NewMemOnly(m)
	} else {
		b, err = bleve.New(dir, m)
	}
	if err != nil {
		return nil, fmt.Errorf("search: create %s: %w", dir, err)
	}
	if err := b.SetInternal([]byte(internalKey), []byte(SchemaVersion)); err != nil {
		b.Close()
		return nil, fmt.Errorf("search: create %s: %w", dir, err)
	}
	return b, nil
}

// Rebuild swaps directories: dir.new is filled, then dir -> dir.old,
// dir.new -> dir, dir.old removed. A crash between the two renames leaves
// only dir.old; recoverRebuild puts it back.
func recoverRebuild(dir string) error {
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if _, err := os.Stat(dir + ".old"); err == nil {
		if err := os.Rename(dir+".old", dir); err != nil {
			return fmt.Errorf("search: recover interrupted rebuild: %w", err)
		}
	}
	return nil
}

// Close closes the index. Later calls return ErrClosed.
func (x *Index) Close() error {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.b == nil {
		return ErrClosed
	}
	err := x.b.Close()
	x.b = nil
	return err
}

// reader returns the current bleve index under the read lock; call the
// returned release when done.
func (x *Index) reader() (bleve.Index, func(), error) {
	x.mu.RLock()
	if x.b == nil {
		x.mu.RUnlock()
		return nil, nil, ErrClosed
	}
	return x.b, x.mu.RUnlock, nil
}

// Index adds or replaces docs, BatchSize at a time. It checks every doc
// before writing any batch; on a cancelled context it stops between
// batches (the batches written stay).
func (x *Index) Index(ctx context.Context, docs []Doc) error {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	b, done, err := x.reader()
	if err != nil {
		return err
	}
	defer done()
	return indexInto(ctx, b, docs)
}

func indexInto(ctx context.Context, b bleve.Index, docs []Doc) error {
	fields := make([]map[string]any, len(docs))
	for i, d := range docs {
		f, err := d.fields()
		if err != nil {
			return err
		}
		fields[i] = f
	}
	for start := 0; start < len(docs); start += BatchSize {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := min(start+BatchSize, len(docs))
		batch := b.NewBatch()
		for i := start; i < end; i++ {
			if err := batch.Index(docs[i].Unit.ID, fields[i]); err != nil {
				return fmt.Errorf("search: index %s: %w", docs[i].Unit.ID, err)
			}
		}
		if err := b.Batch(batch); err != nil {
			return fmt.Errorf("search: write batch: %w", err)
		}
	}
	return nil
}

// Delete removes the units with the given ids; unknown ids are ignored.
func (x *Index) Delete(ctx context.Context, ids ...string) error {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	b, done, err := x.reader()
	if err != nil {
		return err
	}
	defer done()
	for start := 0; start < len(ids); start += BatchSize {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch := b.NewBatch()
		for _, id := range ids[start:min(start+BatchSize, len(ids))] {
			batch.Delete(id)
		}
		if err := b.Batch(batch); err != nil {
			return fmt.Errorf("search: delete: %w", err)
		}
	}
	return nil
}

// Rebuild drops the index and refills it from docs (the catalog and
// storage, via the caller). The new index is built beside the old one,
// which keeps answering queries until the new one replaces it; writers wait
// until Rebuild returns. On an error from docs or ctx the old index stays.
func (x *Index) Rebuild(ctx context.Context, docs iter.Seq2[Doc, error]) error {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	x.mu.RLock()
	closed := x.b == nil
	x.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	m, err := newMapping()
	if err != nil {
		return fmt.Errorf("search: mapping: %w", err)
	}
	tmp := ""
	if x.dir != "" {
		tmp = x.dir + ".new"
		if err := os.RemoveAll(tmp); err != nil {
			return fmt.Errorf("search: rebuild: %w", err)
		}
	}
	nb, err := create(tmp, m)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		nb.Close()
		if tmp != "" {
			os.RemoveAll(tmp)
		}
		return err
	}
	buf := make([]Doc, 0, BatchSize)
	for d, err := range docs {
		if err != nil {
			return fail(fmt.Errorf("search: rebuild: %w", err))
		}
		buf = append(buf, d)
		if len(buf) == BatchSize {
			if err := indexInto(ctx, nb, buf); err != nil {
				return fail(err)
			}
			buf = buf[:0]
		}
	}
	if err := indexInto(ctx, nb, buf); err != nil {
		return fail(err)
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}

	x.mu.Lock()
	defer x.mu.Unlock()
	if x.dir == "" {
		old := x.b
		x.b = nb
		return old.Close()
	}
	if err := nb.Close(); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("search: rebuild: %w", err)
	}
	if err := x.b.Close(); err != nil {
		return fmt.Errorf("search: rebuild: close old index: %w", err)
	}
	x.b = nil
	old := x.dir + ".old"
	if err := os.RemoveAll(old); err != nil {
		return x.reopen(fmt.Errorf("search: rebuild: %w", err))
	}
	if err := os.Rename(x.dir, old); err != nil {
		return x.reopen(fmt.Errorf("search: rebuild: %w", err))
	}
	if err := os.Rename(tmp, x.dir); err != nil {
		os.Rename(old, x.dir)
		return x.reopen(fmt.Errorf("search: rebuild: %w", err))
	}
	if err := x.reopen(nil); err != nil {
		return err
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("search: rebuild: remove old index: %w", err)
	}
	return nil
}

// reopen opens x.dir again after a failed or finished swap (x.mu held) and
// returns cause, or the open error if there is no cause.
func (x *Index) reopen(cause error) error {
	b, err := bleve.Open(x.dir)
	if err != nil {
		return errors.Join(cause, fmt.Errorf("search: reopen %s: %w", x.dir, err))
	}
	x.b = b
	return cause
}

// Count returns the number of units in the index.
func (x *Index) Count(ctx context.Context) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	b, done, err := x.reader()
	if err != nil {
		return 0, err
	}
	defer done()
	return b.DocCount()
}

// Get returns the public view of one unit on the day today, or ErrNotFound.
func (x *Index) Get(ctx context.Context, id, today string) (*Hit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if _, err := checkToday(today); err != nil {
		return nil, err
	}
	b, done, err := x.reader()
	if err != nil {
		return nil, err
	}
	defer done()
	req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery([]string{id}), 1, 0, false)
	req.Fields = []string{fStored}
	req.Score = "none"
	res, err := b.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: get %s: %w", id, err)
	}
	if len(res.Hits) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	raw, ok := res.Hits[0].Fields[fStored].(string)
	if !ok {
		return nil, fmt.Errorf("search: get %s: stored unit missing", id)
	}
	h, err := publicHit([]byte(raw), today)
	if err != nil {
		return nil, err
	}
	return &h, nil
}

// publicHit decodes a stored Doc and returns what the public sees of it on
// the day today. Everything a caller gets about a unit passes through here.
func publicHit(raw []byte, today string) (Hit, error) {
	var d Doc
	if err := json.Unmarshal(raw, &d); err != nil {
		return Hit{}, fmt.Errorf("search: decode stored unit: %w", err)
	}
	return newHit(d, today), nil
}
