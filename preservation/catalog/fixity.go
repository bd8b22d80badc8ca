package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/dgraph-io/badger/v4"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/fixity"
	"github.com/magazin-archiv/magazin/preservation/journal"
)

// Journal entry kinds of fixity audits (see package fixity).
const (
	// KindAudit is one fixity check of an AIP in a store: it becomes the
	// AIP's latest verification in that store and a PREMIS fixity event.
	KindAudit = fixity.KindAudit
	// KindRepair is a repair from replicas: a PREMIS replication event.
	KindRepair = fixity.KindRepair
	// KindAuditRun is the summary of an audit run, kept as the last run.
	KindAuditRun = fixity.KindRun
)

// Key prefixes of fixity records.
const (
	// prefixEvent + <aip id> \x00 <seq %016d> \x00 <entry %06d> -> preservation.Event
	prefixEvent          = "event/"
	keyAuditRun          = "fixity/last-run"
	keyJournalHeadDigest = "meta/journal-head-digest"
)

// applyFixity applies entry i of journal segment seq.
func applyFixity(txn *badger.Txn, seq uint64, i int, e journal.Entry) error {
	var ev preservation.Event
	var id string
	switch e.Kind {
	case KindAudit:
		var a fixity.AuditEvent
		if err := json.Unmarshal(e.Data, &a); err != nil {
			return err
		}
		id, ev = a.ID, a.PREMIS(e.Time)
		if id != "" {
			v := Verification{Verification: aip.Verification{ID: a.ID, Store: a.Store, OK: a.OK, Problems: a.Problems},
				Time: e.Time.UTC().Format("2006-01-02T15:04:05Z")}
			b, err := json.Marshal(v)
			if err != nil {
				return err
			}
			if err := txn.Set([]byte(prefixVerify+a.ID+"\x00"+a.Store), b); err != nil {
				return err
			}
			if err := noteFinding(txn, a.ID, a.Store, a.OK, false, e.Time); err != nil {
				return err
			}
		}
	case KindRepair:
		var r fixity.RepairEvent
		if err := json.Unmarshal(e.Data, &r); err != nil {
			return err
		}
		id, ev = r.ID, r.PREMIS(e.Time)
		if id != "" {
			if err := noteFinding(txn, id, "", true, true, e.Time); err != nil {
				return err
			}
		}
	case KindAuditRun:
		var sum fixity.RunSummary
		if err := json.Unmarshal(e.Data, &sum); err != nil {
			return err
		}
		return txn.Set([]byte(keyAuditRun), e.Data)
	}
	if id == "" {
		return nil // an object no inventory names: the journal keeps it
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return txn.Set([]byte(fmt.Sprintf("%s%s\x00%016d\x00%06d", prefixEvent, id, seq, i)), b)
}

// Events returns the PREMIS events the journal holds for the AIP id
// (fixity checks and repairs), oldest first. The events written at ingest
// are in the AIP's own PREMIS (AIP.Events).
func (c *Catalog) Events(ctx context.Context, id string) ([]preservation.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := []preservation.Event{}
	err := c.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: []byte(prefixEvent + id + "\x00")})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var ev preservation.Event
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &ev) }); err != nil {
				return err
			}
			out = append(out, ev)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return out, nil
}

// LastAudit returns the summary of the last audit run the journal
// recorded, or nil.
func (c *Catalog) LastAudit(ctx context.Context) (*fixity.RunSummary, error) {
	b, err := c.get(ctx, keyAuditRun)
	if b == nil || err != nil {
		return nil, err
	}
	var sum fixity.RunSummary
	if err := json.Unmarshal(b, &sum); err != nil {
		return nil, fmt.Errorf("catalog: last audit: %w", err)
	}
	return &sum, nil
}

// JournalHead returns the last journal segment applied to the catalog: its
// sequence number (0 when none) and digest ("" when unknown, e.g. in a
// catalog written before the digest was kept). `magazin journal verify`
// compares it with the journal in the stores.
func (c *Catalog) JournalHead(ctx context.Context) (journal.Head, error) {
	var h journal.Head
	b, err := c.get(ctx, keyJournalHead)
	if b == nil || err != nil {
		return h, err
	}
	if h.Seq, err = strconv.ParseUint(string(b), 10, 64); err != nil {
		return h, fmt.Errorf("catalog: journal head %q: %w", b, err)
	}
	d, err := c.get(ctx, keyJournalHeadDigest)
	h.Digest = string(d)
	return h, err
}

// get returns the value of key, or nil when it is missing.
func (c *Catalog) get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []byte
	err := c.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get([]byte(key))
		if err != nil {
			return err
		}
		out, err = it.ValueCopy(nil)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return out, nil
}
