package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/journal"
)

// DefaultBatch is how many unit records CommitUnits puts into one journal
// segment.
const DefaultBatch = 1000

// CommitUnits journals units (unit.put entries) in segments of at most
// batch entries (DefaultBatch when batch <= 0) and applies each segment
// to the catalog before the next is written, so that an import of 100,000
// units writes 100 segments, not 100,000. Units must come parents first.
// done, when not nil, is called after each segment with its units. On an
// error the segments written stay (each is complete in itself); a re-run
// of an idempotent import finishes the rest.
func (c *Catalog) CommitUnits(ctx context.Context, j *journal.Journal, units []preservation.Unit, batch int, done func([]preservation.Unit) error) error {
	if batch <= 0 {
		batch = DefaultBatch
	}
	entries := make([]journal.Entry, 0, min(batch, len(units)))
	for start := 0; start < len(units); start += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		part := units[start:min(start+batch, len(units))]
		entries = entries[:0]
		for _, u := range part {
			entries = append(entries, UnitEntry(u))
		}
		if err := c.Commit(ctx, j, entries...); err != nil {
			return err
		}
		if done != nil {
			if err := done(part); err != nil {
				return err
			}
		}
	}
	return nil
}

// UnitsBySource returns the units whose submission id (SourceID) starts
// with prefix, by SourceID. Where two units share a SourceID the one with
// the lower id is returned.
func (c *Catalog) UnitsBySource(ctx context.Context, prefix string) (map[string]preservation.Unit, error) {
	out := map[string]preservation.Unit{}
	err := c.db.View(func(txn *badger.Txn) error {
		p := []byte(prefixSrc + prefix)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: p})
		defer it.Close()
		var n int
		for it.Rewind(); it.Valid(); it.Next() {
			if n++; n%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			k := string(it.Item().Key()[len(prefixSrc):])
			sid, id, ok := strings.Cut(k, "\x00")
			if !ok {
				continue
			}
			if _, dup := out[sid]; dup {
				continue // keys are sorted: the first id is the lowest
			}
			item, err := txn.Get([]byte(prefixUnit + id))
			if err != nil {
				return fmt.Errorf("unit %s of source %q: %w", id, sid, err)
			}
			var u preservation.Unit
			if err := item.Value(func(v []byte) error { return json.Unmarshal(v, &u) }); err != nil {
				return err
			}
			out[sid] = u
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return out, nil
}

// ChildIDs returns the ids of the children of parent ("" for the roots) in
// order, without reading their records.
func (c *Catalog) ChildIDs(ctx context.Context, parent string) ([]string, error) {
	var ids []string
	err := c.db.View(func(txn *badger.Txn) error {
		p := []byte(prefixChild + parent + "\x00")
		it := txn.NewIterator(badger.IteratorOptions{Prefix: p})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := string(it.Item().Key()[len(p):])
			ids = append(ids, k[11:])
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return ids, nil
}
