// Package catalog is magazin's catalog of AIPs, their files and formats, and
// the latest fixity results, kept in badger.
//
// The catalog is a cache: storage is the truth. Rebuild recreates it from
// the OCFL storage roots and the journal in the stores alone, and the
// result equals the catalog kept live by ingest (Dump compares them). The
// catalog records a schema version and refuses to open a catalog of another
// version with ErrSchema, telling the operator to run `magazin rebuild`.
//
// Every unit carries the time its record last changed (Changed, for the
// OAI-PMH datestamps): the AIP's creation or latest event for the units an
// AIP holds, the journal segment's time for a journaled change. Whatever
// records a unit passes the time of the change, and the time only ever
// rises, so a rebuild (AIPs first, then the journal) ends where the live
// catalog is. Schema 2 added it.
//
// Beside the cache, the keyspace "ops/" holds operational records of the
// machine (the daemon's job queue, sent replies, agency API tokens): see
// PutRecord. Rebuild keeps them and Dump leaves them out.
//
// Lists that must not read every AIP are answered from summaries kept on
// every change (summary.go): RecentAIPs (the AIPs by creation time) and
// Findings (the AIPs with a failed latest check or a repair).
//
// A Catalog is safe for concurrent use.
package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/dgraph-io/badger/v4"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/store"
)

// SchemaVersion is the catalog layout version this code reads and writes.
const SchemaVersion = "2"

// Journal entry kinds the catalog applies.
const (
	KindVerify = "aip.verify"
)

// Key prefixes.
const (
	keySchema      = "meta/schema"
	keyJournalHead = "meta/journal-head"
	prefixAIP      = "aip/"
	prefixFP       = "fp/"
	prefixVerify   = "verify/"
)

// ErrSchema: the catalog on disk has another schema version.
var ErrSchema = errors.New("catalog: schema version mismatch; run `magazin rebuild`")

// ErrNotFound: no such record. It matches fs.ErrNotExist.
var ErrNotFound = fmt.Errorf("catalog: not found: %w", fs.ErrNotExist)

// Catalog is the badger-backed catalog.
type Catalog struct {
	db  *badger.DB
	log *slog.Logger
	// commit serialises Commit: a segment is appended and applied before
	// the next is appended, so segments are applied in journal order
	// (Apply skips a segment at or below the head it has applied).
	commit sync.Mutex
}

// Open opens (creating if needed) the catalog in dir. An empty dir opens an
// in-memory catalog for tests.
func Open(dir string, log *slog.Logger) (*Catalog, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts := badger.DefaultOptions(dir).WithLogger(badgerLogger{log}).WithSyncWrites(true)
	if dir == "" {
		opts = opts.WithInMemory(true)
	} else if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("catalog: open %s: %w", dir, err)
	}
	c := &Catalog{db: db, log: log}
	var found string
	err = db.Update(func(txn *badger.Txn) error {
		it, err := txn.Get([]byte(keySchema))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return txn.Set([]byte(keySchema), []byte(SchemaVersion))
		}
		if err != nil {
			return err
		}
		v, err := it.ValueCopy(nil)
		found = string(v)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if found != "" && found != SchemaVersion {
		db.Close()
		return nil, fmt.Errorf("%w (found %s, want %s)", ErrSchema, found, SchemaVersion)
	}
	if err := c.migrateSummaries(); err != nil {
		db.Close()
		return nil, fmt.Errorf("catalog: summaries: %w", err)
	}
	return c, nil
}

// Close closes the catalog.
func (c *Catalog) Close() error { return c.db.Close() }

// PutAIP records a (new or changed) AIP.
func (c *Catalog) PutAIP(ctx context.Context, a *preservation.AIP) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("catalog: encode %s: %w", a.ID, err)
	}
	return c.db.Update(func(txn *badger.Txn) error {
		if err := txn.Set([]byte(prefixAIP+string(a.ID)), b); err != nil {
			return err
		}
		if err := putRecent(txn, a); err != nil {
			return err
		}
		at := aipChanged(a)
		for i := range a.Units {
			if err := putUnit(txn, &a.Units[i], at); err != nil {
				return err
			}
		}
		if a.Fingerprint != "" {
			return txn.Set([]byte(prefixFP+a.Fingerprint), []byte(a.ID))
		}
		return nil
	})
}

// AIP returns the AIP with id.
func (c *Catalog) AIP(ctx context.Context, id string) (*preservation.AIP, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var a preservation.AIP
	err := c.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get([]byte(prefixAIP + id))
		if err != nil {
			return err
		}
		return it.Value(func(v []byte) error { return json.Unmarshal(v, &a) })
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, fmt.Errorf("%w: aip %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return &a, nil
}

// ByFingerprint returns the id of the AIP made from a submission with the
// given fingerprint.
func (c *Catalog) ByFingerprint(ctx context.Context, fp string) (string, bool, error) {
	var id string
	err := c.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get([]byte(prefixFP + fp))
		if err != nil {
			return err
		}
		v, err := it.ValueCopy(nil)
		id = string(v)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("catalog: %w", err)
	}
	return id, true, nil
}

// AIPs yields every AIP in id order.
func (c *Catalog) AIPs(ctx context.Context) iter.Seq2[*preservation.AIP, error] {
	return func(yield func(*preservation.AIP, error) bool) {
		var batch []*preservation.AIP
		err := c.db.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 64, Prefix: []byte(prefixAIP)})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				if err := ctx.Err(); err != nil {
					return err
				}
				var a preservation.AIP
				if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &a) }); err != nil {
					return err
				}
				batch = append(batch, &a)
			}
			return nil
		})
		if err != nil {
			yield(nil, fmt.Errorf("catalog: %w", err))
			return
		}
		for _, a := range batch {
			if !yield(a, nil) {
				return
			}
		}
	}
}

// Verification is the latest fixity result of one AIP in one store.
type Verification struct {
	aip.Verification
	Time string `json:"time"`
}

// Verifications returns the latest verification results of id, one per store.
func (c *Catalog) Verifications(ctx context.Context, id string) ([]Verification, error) {
	var out []Verification
	err := c.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: []byte(prefixVerify + id + "\x00")})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var v Verification
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &v) }); err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return out, nil
}

// Apply applies a journal segment to the catalog. Segments must be applied
// in order; one already applied is skipped.
func (c *Catalog) Apply(ctx context.Context, seg *journal.Segment) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.db.Update(func(txn *badger.Txn) error {
		var head uint64
		if it, err := txn.Get([]byte(keyJournalHead)); err == nil {
			if err := it.Value(func(v []byte) error { return json.Unmarshal(v, &head) }); err != nil {
				return err
			}
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		if seg.Seq <= head {
			return nil
		}
		for i, e := range seg.Entries {
			switch e.Kind {
			case KindAudit, KindRepair, KindAuditRun:
				if err := applyFixity(txn, seg.Seq, i, e); err != nil {
					return fmt.Errorf("catalog: journal %d: %w", seg.Seq, err)
				}
			case KindVerify:
				var v aip.Verification
				if err := json.Unmarshal(e.Data, &v); err != nil {
					return fmt.Errorf("catalog: journal %d: %w", seg.Seq, err)
				}
				b, err := json.Marshal(Verification{Verification: v, Time: e.Time.UTC().Format("2006-01-02T15:04:05Z")})
				if err != nil {
					return err
				}
				if err := txn.Set([]byte(prefixVerify+v.ID+"\x00"+v.Store), b); err != nil {
					return err
				}
				if err := noteFinding(txn, v.ID, v.Store, v.OK, false, e.Time); err != nil {
					return err
				}
			case KindUnitPut:
				var u preservation.Unit
				if err := json.Unmarshal(e.Data, &u); err != nil {
					return fmt.Errorf("catalog: journal %d: %w", seg.Seq, err)
				}
				if err := putUnit(txn, &u, seg.Time); err != nil {
					return err
				}
			case KindAgencyPut:
				var a Agency
				if err := json.Unmarshal(e.Data, &a); err != nil {
					return fmt.Errorf("catalog: journal %d: %w", seg.Seq, err)
				}
				b, _ := json.Marshal(a)
				if err := txn.Set([]byte(prefixAgency+a.ID), b); err != nil {
					return err
				}
			case KindProcessEvent:
				if err := applyProcessEvent(txn, e.Data); err != nil {
					return fmt.Errorf("catalog: journal %d: %w", seg.Seq, err)
				}
			case KindClosureDecision:
				if err := applyDecision(txn, e.Data); err != nil {
					return fmt.Errorf("catalog: journal %d: %w", seg.Seq, err)
				}
			case KindDisposeRequest, KindDisposeApprove, KindDisposeDone:
				if err := applyDisposal(txn, seg, i, e); err != nil {
					return fmt.Errorf("catalog: journal %d: %w", seg.Seq, err)
				}
			}
		}
		hb, _ := json.Marshal(seg.Seq)
		if err := txn.Set([]byte(keyJournalHeadDigest), []byte(seg.Digest)); err != nil {
			return err
		}
		return txn.Set([]byte(keyJournalHead), hb)
	})
}

// Stats are counts reported by Rebuild.
type Stats struct {
	AIPs       int `json:"aips"`
	Incomplete int `json:"incomplete"`
	Segments   int `json:"journalSegments"`
}

// Rebuild empties the catalog and refills it from the stores alone: every
// complete OCFL object in any store, and the journal of the first store.
// Incomplete objects (a write interrupted before its root sidecar) are
// counted and logged, never listed. Operational records (PutRecord: the
// job queue and its kin) are kept as they are.
func (c *Catalog) Rebuild(ctx context.Context, stores []store.Store, progress preservation.Progress) (Stats, error) {
	var st Stats
	if progress == nil {
		progress = preservation.NoProgress{}
	}
	ops, err := c.opsRecords()
	if err != nil {
		return st, fmt.Errorf("catalog: %w", err)
	}
	if err := c.db.DropAll(); err != nil {
		return st, fmt.Errorf("catalog: drop: %w", err)
	}
	if err := c.db.Update(func(txn *badger.Txn) error {
		for k, v := range ops {
			if err := txn.Set([]byte(k), v); err != nil {
				return err
			}
		}
		if err := txn.Set([]byte(keySummaries), []byte("1")); err != nil {
			return err
		}
		return txn.Set([]byte(keySchema), []byte(SchemaVersion))
	}); err != nil {
		return st, fmt.Errorf("catalog: %w", err)
	}
	seen := map[string]bool{}
	for _, s := range stores {
		for f, err := range aip.Scan(ctx, s) {
			if err != nil {
				return st, fmt.Errorf("catalog: scan %s: %w", s, err)
			}
			if f.Err != nil {
				st.Incomplete++
				c.log.Warn("skipping incomplete object", "store", s.String(), "root", f.Root, "err", f.Err)
				continue
			}
			id := f.Head.Inventory.ID
			if seen[id] {
				continue
			}
			a, err := f.Head.AIP(ctx, s)
			if err != nil {
				if ctx.Err() != nil {
					return st, ctx.Err()
				}
				st.Incomplete++
				c.log.Warn("skipping unreadable object", "store", s.String(), "id", id, "err", err)
				continue
			}
			if err := c.PutAIP(ctx, a); err != nil {
				return st, err
			}
			seen[id] = true
			st.AIPs++
			progress.Add(1)
		}
	}
	if len(stores) > 0 {
		for seg, err := range journal.Replay(ctx, stores[0]) {
			if err != nil {
				return st, fmt.Errorf("catalog: replay journal of %s: %w", stores[0], err)
			}
			if err := c.Apply(ctx, seg); err != nil {
				return st, err
			}
			st.Segments++
		}
	}
	return st, nil
}

// Dump returns every record as key → value, for comparing catalogs;
// operational records (PutRecord) are left out.
func (c *Catalog) Dump(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	err := c.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if bytes.HasPrefix(it.Item().Key(), []byte(prefixOps)) {
				continue
			}
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			out[string(it.Item().KeyCopy(nil))] = string(v)
		}
		return nil
	})
	return out, err
}

// Keys returns the sorted keys of a Dump, for messages.
func Keys(d map[string]string) []string {
	ks := make([]string, 0, len(d))
	for k := range d {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// DefaultDir returns the catalog directory inside a data directory.
func DefaultDir(dataDir string) string { return filepath.Join(dataDir, "catalog") }

// badgerLogger adapts slog to badger's logger, at debug level except
// warnings and errors.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any)   { b.l.Error(fmt.Sprintf(f, a...)) }
func (b badgerLogger) Warningf(f string, a ...any) { b.l.Warn(fmt.Sprintf(f, a...)) }
func (b badgerLogger) Infof(f string, a ...any)    { b.l.Debug(fmt.Sprintf(f, a...)) }
func (b badgerLogger) Debugf(f string, a ...any)   { b.l.Debug(fmt.Sprintf(f, a...)) }
