package catalog

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// prefixOps is the keyspace of operational records: the daemon's job
// queue, upload de-duplication, sent replies, agency API tokens. They are
// not derived from storage (a queue is state of this one machine, not of
// the archive): Dump leaves them out, and Rebuild keeps them.
const prefixOps = "ops/"

// PutRecord stores an operational record under key (no "ops/" prefix).
func (c *Catalog) PutRecord(ctx context.Context, key string, val []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte(prefixOps+key), val) }); err != nil {
		return fmt.Errorf("catalog: record %s: %w", key, err)
	}
	return nil
}

// PutRecordIfAbsent stores val under key unless a record is there; it
// returns the record that is there afterwards and whether it is val.
func (c *Catalog) PutRecordIfAbsent(ctx context.Context, key string, val []byte) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	var have []byte
	created := false
	err := c.db.Update(func(txn *badger.Txn) error {
		it, err := txn.Get([]byte(prefixOps + key))
		if err == nil {
			have, err = it.ValueCopy(nil)
			return err
		}
		if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		have, created = val, true
		return txn.Set([]byte(prefixOps+key), val)
	})
	if err != nil {
		return nil, false, fmt.Errorf("catalog: record %s: %w", key, err)
	}
	return have, created, nil
}

// Record returns the operational record under key; ErrNotFound if none.
func (c *Catalog) Record(ctx context.Context, key string) ([]byte, error) {
	b, err := c.get(ctx, prefixOps+key)
	if err == nil && b == nil {
		return nil, fmt.Errorf("%w: record %s", ErrNotFound, key)
	}
	return b, err
}

// DeleteRecord removes the record under key (none there is no error).
func (c *Catalog) DeleteRecord(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.db.Update(func(txn *badger.Txn) error { return txn.Delete([]byte(prefixOps + key)) })
}

// Records yields the operational records whose keys start with prefix, in
// key order (keys without "ops/").
func (c *Catalog) Records(ctx context.Context, prefix string) iter.Seq2[string, []byte] {
	return func(yield func(string, []byte) bool) {
		type kv struct {
			k string
			v []byte
		}
		var all []kv
		_ = c.db.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: []byte(prefixOps + prefix)})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				v, err := it.Item().ValueCopy(nil)
				if err != nil {
					return err
				}
				all = append(all, kv{strings.TrimPrefix(string(it.Item().Key()), prefixOps), v})
			}
			return nil
		})
		for _, r := range all {
			if !yield(r.k, r.v) {
				return
			}
		}
	}
}

// opsRecords returns every operational record (with its full key), to be
// kept across Rebuild.
func (c *Catalog) opsRecords() (map[string][]byte, error) {
	out := map[string][]byte{}
	err := c.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: []byte(prefixOps)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			out[string(it.Item().KeyCopy(nil))] = v
		}
		return nil
	})
	return out, err
}
