package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/magazin-archiv/magazin/preservation/journal"
)

// KindClosureDecision records a closure decision (access/closure.Decision:
// a shortening for one researcher or for everyone, or an extension);
// Subject is the unit, Data the decision as JSON with at least "id" and
// "unit". The catalog keeps the decisions per unit, opaque, for the
// reading room to apply; `magazin rebuild` restores them (and so every
// researcher's grant) from the journal.
const KindClosureDecision = "closure.decision"

// prefixDecision: decision/<unit>\x00<decision id> -> the decision's JSON.
const prefixDecision = "decision/"

// ErrBadDecision: a decision record lacks its id or unit.
var ErrBadDecision = errors.New("catalog: closure decision without id or unit")

type decisionKey struct {
	ID   string `json:"id"`
	Unit string `json:"unit"`
}

func readDecisionKey(data []byte) (decisionKey, error) {
	var k decisionKey
	if err := json.Unmarshal(data, &k); err != nil {
		return k, fmt.Errorf("%w: %v", ErrBadDecision, err)
	}
	if k.ID == "" || k.Unit == "" {
		return k, ErrBadDecision
	}
	return k, nil
}

// DecisionEntry returns the journal entry that records a closure decision
// given as JSON (with "id" and "unit").
func DecisionEntry(decision json.RawMessage) (journal.Entry, error) {
	k, err := readDecisionKey(decision)
	if err != nil {
		return journal.Entry{}, err
	}
	return journal.Entry{Kind: KindClosureDecision, Subject: k.Unit, Data: decision}, nil
}

func applyDecision(txn *badger.Txn, data []byte) error {
	k, err := readDecisionKey(data)
	if err != nil {
		return err
	}
	return txn.Set([]byte(prefixDecision+k.Unit+"\x00"+k.ID), data)
}

// Decisions returns the closure decisions recorded on the units, as JSON,
// unit by unit in the order given, each unit's in the order of their ids.
// One read transaction and one iterator serve all units (the reading room
// asks for a unit and its ancestors on every view).
func (c *Catalog) Decisions(ctx context.Context, units ...string) ([]json.RawMessage, error) {
	var out []json.RawMessage
	err := c.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixDecision), PrefetchValues: false})
		defer it.Close()
		for _, u := range units {
			p := []byte(prefixDecision + u + "\x00")
			for it.Seek(p); it.ValidForPrefix(p); it.Next() {
				v, err := it.Item().ValueCopy(nil)
				if err != nil {
					return err
				}
				out = append(out, v)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return out, nil
}
