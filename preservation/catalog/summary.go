package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/magazin-archiv/magazin/preservation"
)

// Summaries that lists answer without reading every AIP: the AIPs by
// creation time (kept by PutAIP) and the AIPs with a failed check or a
// repair (kept by Apply from the journal's fixity entries). Both are
// rebuilt with the rest of the catalog; a catalog written before they
// existed gets them once when it is opened (migrateSummaries).
const (
	// prefixRecent + <created, fixed-width UTC> \x00 <aip id> -> AIPSummary
	prefixRecent = "recent/"
	// prefixRecentOf + <aip id> -> the AIP's key under prefixRecent
	prefixRecentOf = "recent-of/"
	// prefixFinding + <aip id> -> Finding
	prefixFinding = "finding/"
	// keySummaries marks a catalog whose summaries are complete.
	keySummaries = "meta/summaries"
)

// AIPSummary is what a list of AIPs shows of one.
type AIPSummary struct {
	ID         string    `json:"id"`
	Title      string    `json:"title,omitempty"`
	Profile    string    `json:"profile,omitempty"`
	Submission string    `json:"submission,omitempty"`
	Created    time.Time `json:"created"`
}

func recentKey(a *preservation.AIP) string {
	return prefixRecent + a.Created.UTC().Format("2006-01-02T15:04:05.000000000Z") + "\x00" + string(a.ID)
}

// putRecent files the AIP under its creation time, replacing its former
// entry.
func putRecent(txn *badger.Txn, a *preservation.AIP) error {
	key := recentKey(a)
	if it, err := txn.Get([]byte(prefixRecentOf + string(a.ID))); err == nil {
		old, err := it.ValueCopy(nil)
		if err != nil {
			return err
		}
		if string(old) != key {
			if err := txn.Delete(old); err != nil {
				return err
			}
		}
	} else if !errors.Is(err, badger.ErrKeyNotFound) {
		return err
	}
	b, err := json.Marshal(AIPSummary{ID: string(a.ID), Title: a.Title, Profile: a.Profile, Submission: a.Submission, Created: a.Created})
	if err != nil {
		return err
	}
	if err := txn.Set([]byte(key), b); err != nil {
		return err
	}
	return txn.Set([]byte(prefixRecentOf+string(a.ID)), []byte(key))
}

// dropSummaries removes the summaries of an AIP that gave way to a
// tombstone.
func dropSummaries(txn *badger.Txn, id string) error {
	if it, err := txn.Get([]byte(prefixRecentOf + id)); err == nil {
		old, err := it.ValueCopy(nil)
		if err != nil {
			return err
		}
		if err := txn.Delete(old); err != nil {
			return err
		}
		if err := txn.Delete([]byte(prefixRecentOf + id)); err != nil {
			return err
		}
	} else if !errors.Is(err, badger.ErrKeyNotFound) {
		return err
	}
	return txn.Delete([]byte(prefixFinding + id))
}

// RecentAIPs returns the newest AIPs by creation time, newest first, at
// most limit, leaving out those skip names (nil: none). It reads the
// summaries, not the AIPs.
func (c *Catalog) RecentAIPs(ctx context.Context, limit int, skip func(id string) bool) ([]AIPSummary, error) {
	var out []AIPSummary
	err := c.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: min(max(limit, 1), 100), Prefix: []byte(prefixRecent), Reverse: true})
		defer it.Close()
		for it.Seek([]byte(prefixRecent + "\xff")); it.Valid() && len(out) < limit; it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var s AIPSummary
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &s) }); err != nil {
				return err
			}
			if skip == nil || !skip(s.ID) {
				out = append(out, s)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: recent AIPs: %w", err)
	}
	return out, nil
}

// Finding is an AIP whose latest check failed in at least one store, or
// that was repaired from replicas.
type Finding struct {
	AIP string `json:"aip"`
	// Failed are the stores whose latest check of the AIP failed.
	Failed   []string `json:"failed,omitempty"`
	Repaired bool     `json:"repaired,omitempty"`
	// Last is the time of the latest check or repair.
	Last time.Time `json:"last"`
}

// Damaged reports whether a store's latest check failed.
func (f *Finding) Damaged() bool { return len(f.Failed) > 0 }

// noteFinding updates the finding of the AIP id with a check in store
// (repair false) or a repair, at t (to the second, as checks are kept).
// Journal time only rises, so the latest event is the finding's Last.
func noteFinding(txn *badger.Txn, id, store string, ok, repair bool, t time.Time) error {
	key := []byte(prefixFinding + id)
	var f Finding
	if it, err := txn.Get(key); err == nil {
		if err := it.Value(func(v []byte) error { return json.Unmarshal(v, &f) }); err != nil {
			return err
		}
	} else if !errors.Is(err, badger.ErrKeyNotFound) {
		return err
	}
	f.AIP = id
	if repair {
		f.Repaired = true
	} else {
		i := slices.Index(f.Failed, store)
		switch {
		case !ok && i < 0:
			f.Failed = append(f.Failed, store)
			slices.Sort(f.Failed)
		case ok && i >= 0:
			f.Failed = slices.Delete(f.Failed, i, i+1)
		}
	}
	if t = t.UTC().Truncate(time.Second); t.After(f.Last) {
		f.Last = t
	}
	if !f.Damaged() && !f.Repaired {
		return txn.Delete(key)
	}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return txn.Set(key, b)
}

// Findings returns the AIPs whose latest check failed in a store or that
// were repaired: the damaged first, then by the latest event, newest
// first. It reads the summary the journal keeps, not the AIPs.
func (c *Catalog) Findings(ctx context.Context) ([]Finding, error) {
	var out []Finding
	err := c.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: []byte(prefixFinding)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var f Finding
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &f) }); err != nil {
				return err
			}
			out = append(out, f)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: findings: %w", err)
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		if a.Damaged() != b.Damaged() {
			if a.Damaged() {
				return -1
			}
			return 1
		}
		if c := b.Last.Compare(a.Last); c != 0 {
			return c
		}
		return strings.Compare(a.AIP, b.AIP)
	})
	return out, nil
}

// migrateSummaries builds the summaries of a catalog written before they
// existed, once: one pass over the AIPs, the latest checks and the
// journaled events.
func (c *Catalog) migrateSummaries() error {
	done := false
	if err := c.db.View(func(txn *badger.Txn) error {
		_, err := txn.Get([]byte(keySummaries))
		done = err == nil
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		return err
	}); err != nil || done {
		return err
	}
	start := time.Now()
	// The AIPs, in batches.
	var batch []*preservation.AIP
	flush := func() error {
		err := c.db.Update(func(txn *badger.Txn) error {
			for _, a := range batch {
				if err := putRecent(txn, a); err != nil {
					return err
				}
			}
			return nil
		})
		batch = batch[:0]
		return err
	}
	n := 0
	for a, err := range c.AIPs(context.Background()) {
		if err != nil {
			return err
		}
		batch = append(batch, a)
		n++
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	// The findings: the latest check per store, and the repairs.
	fs := map[string]*Finding{}
	get := func(id string) *Finding {
		if fs[id] == nil {
			fs[id] = &Finding{AIP: id}
		}
		return fs[id]
	}
	err := c.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: []byte(prefixVerify)})
		for it.Rewind(); it.Valid(); it.Next() {
			var v Verification
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &v) }); err != nil {
				it.Close()
				return err
			}
			f := get(v.ID)
			if !v.OK {
				f.Failed = append(f.Failed, v.Store)
			}
			if t, err := time.Parse(time.RFC3339, v.Time); err == nil && t.After(f.Last) {
				f.Last = t
			}
		}
		it.Close()
		it = txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: []byte(prefixEvent)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			id, _, _ := strings.Cut(strings.TrimPrefix(string(it.Item().Key()), prefixEvent), "\x00")
			var ev preservation.Event
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &ev) }); err != nil {
				return err
			}
			if ev.Type == preservation.EventReplication {
				f := get(id)
				f.Repaired = true
				if t := ev.DateTime.UTC().Truncate(time.Second); t.After(f.Last) {
					f.Last = t
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	findings := 0
	err = c.db.Update(func(txn *badger.Txn) error {
		for id, f := range fs {
			if !f.Damaged() && !f.Repaired {
				continue
			}
			if _, err := txn.Get([]byte(prefixTombstone + id)); err == nil {
				continue // disposed
			}
			slices.Sort(f.Failed)
			b, err := json.Marshal(f)
			if err != nil {
				return err
			}
			if err := txn.Set([]byte(prefixFinding+id), b); err != nil {
				return err
			}
			findings++
		}
		return txn.Set([]byte(keySummaries), []byte("1"))
	})
	if err != nil {
		return err
	}
	if n > 0 {
		c.log.Info("catalog: summaries built", "aips", n, "findings", findings, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}
