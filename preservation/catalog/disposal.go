package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/journal"
)

// Journal entry kinds of the disposal of AIPs (docs/disposal.md). The
// catalog applies them and `magazin rebuild` replays them, so that the
// tombstone of a disposed AIP survives the AIP.
const (
	// KindDisposeRequest is an archivist's request to dispose of an AIP;
	// Data is a DisposalRequest.
	KindDisposeRequest = "dispose.request"
	// KindDisposeApprove is the approval by a second archivist; Data is a
	// Tombstone. From then on the AIP is disposed of in the catalog: its
	// record gives way to the tombstone, its units are marked Disposed,
	// and the deletion event is a PREMIS event of the journal.
	KindDisposeApprove = "dispose.approve"
	// KindDisposeDone records that the content was removed from every
	// store; Data is a Removal.
	KindDisposeDone = "dispose.done"
)

// Disposal request states.
const (
	DisposalRequested = "requested"
	DisposalApproved  = "approved" // content removal pending or under way
	DisposalDone      = "done"
)

// Key prefixes of disposal records.
const (
	prefixDisposal  = "dispose/" // dispose/<request id> -> Disposal
	prefixTombstone = "tomb/"    // tomb/<aip id> -> Tombstone
)

// ErrSelfApproval: the archivist who requested a disposal may not approve
// it.
var ErrSelfApproval = errors.New("catalog: a disposal needs the approval of a second archivist, not of the one who requested it")

// DisposalRequest is an archivist's request to dispose of an AIP.
type DisposalRequest struct {
	ID          string    `json:"id"`
	AIP         string    `json:"aip"`
	Reason      string    `json:"reason"`
	RequestedBy string    `json:"requestedBy"`
	Requested   time.Time `json:"requested"`
}

// Tombstone is what remains of a disposed AIP: its catalog record as it
// was when the disposal was approved (title, description, units, the list
// of files with their digests, events and agents), who requested and who
// approved the disposal, and the PREMIS deletion event.
type Tombstone struct {
	Request    DisposalRequest    `json:"request"`
	ApprovedBy string             `json:"approvedBy"`
	Approved   time.Time          `json:"approved"`
	AIP        preservation.AIP   `json:"aip"`
	Event      preservation.Event `json:"event"`
}

// Removal records the removal of a disposed AIP's content.
type Removal struct {
	Request string `json:"request"`
	AIP     string `json:"aip"`
	// Stores maps each store to the number of keys removed there.
	Stores map[string]int `json:"stores"`
}

// Disposal is the state of one disposal request.
type Disposal struct {
	DisposalRequest
	Status     string    `json:"status"`
	ApprovedBy string    `json:"approvedBy,omitempty"`
	Approved   time.Time `json:"approved,omitzero"`
	// Removed is when the content was removed from every store, and
	// Stores the number of keys removed per store.
	Removed time.Time      `json:"removed,omitzero"`
	Stores  map[string]int `json:"stores,omitempty"`
}

// CheckApproval says whether user may approve the disposal d: a second
// archivist, and only a request that was not approved yet.
func CheckApproval(d *Disposal, user string) error {
	switch {
	case user == "":
		return errors.New("catalog: the approving archivist must be named")
	case user == d.RequestedBy:
		return fmt.Errorf("%w (%s requested %s)", ErrSelfApproval, user, d.ID)
	case d.Status != DisposalRequested:
		return fmt.Errorf("catalog: disposal %s is %s already", d.ID, d.Status)
	}
	return nil
}

// DisposalRequestEntry returns the journal entry of a request.
func DisposalRequestEntry(r DisposalRequest) journal.Entry {
	b, _ := json.Marshal(r)
	return journal.Entry{Kind: KindDisposeRequest, Subject: r.AIP, Time: r.Requested, Data: b}
}

// DisposalApproveEntry returns the journal entry of an approval.
func DisposalApproveEntry(t Tombstone) journal.Entry {
	b, _ := json.Marshal(t)
	return journal.Entry{Kind: KindDisposeApprove, Subject: t.Request.AIP, Time: t.Approved, Data: b}
}

// RemovalEntry returns the journal entry of a finished removal.
func RemovalEntry(d Removal) journal.Entry {
	b, _ := json.Marshal(d)
	return journal.Entry{Kind: KindDisposeDone, Subject: d.AIP, Data: b}
}

// applyDisposal applies entry i of journal segment seg.
func applyDisposal(txn *badger.Txn, seg *journal.Segment, i int, e journal.Entry) error {
	load := func(id string) (*Disposal, error) {
		it, err := txn.Get([]byte(prefixDisposal + id))
		if err != nil {
			return nil, fmt.Errorf("disposal %s: %w", id, err)
		}
		var d Disposal
		return &d, it.Value(func(v []byte) error { return json.Unmarshal(v, &d) })
	}
	save := func(d *Disposal) error {
		b, err := json.Marshal(d)
		if err != nil {
			return err
		}
		return txn.Set([]byte(prefixDisposal+d.ID), b)
	}
	switch e.Kind {
	case KindDisposeRequest:
		var r DisposalRequest
		if err := json.Unmarshal(e.Data, &r); err != nil {
			return err
		}
		return save(&Disposal{DisposalRequest: r, Status: DisposalRequested})
	case KindDisposeApprove:
		var t Tombstone
		if err := json.Unmarshal(e.Data, &t); err != nil {
			return err
		}
		d, err := load(t.Request.ID)
		if errors.Is(err, badger.ErrKeyNotFound) {
			d = &Disposal{DisposalRequest: t.Request}
		} else if err != nil {
			return err
		}
		d.Status, d.ApprovedBy, d.Approved = DisposalApproved, t.ApprovedBy, t.Approved
		if err := save(d); err != nil {
			return err
		}
		tb, err := json.Marshal(t)
		if err != nil {
			return err
		}
		if err := txn.Set([]byte(prefixTombstone+t.Request.AIP), tb); err != nil {
			return err
		}
		// The AIP's record gives way to the tombstone: audits no longer
		// expect it, and a resubmission is not taken for it.
		if err := txn.Delete([]byte(prefixAIP + t.Request.AIP)); err != nil {
			return err
		}
		if err := dropSummaries(txn, t.Request.AIP); err != nil {
			return err
		}
		if t.AIP.Fingerprint != "" {
			if it, err := txn.Get([]byte(prefixFP + t.AIP.Fingerprint)); err == nil {
				v, err := it.ValueCopy(nil)
				if err != nil {
					return err
				}
				if string(v) == t.Request.AIP {
					if err := txn.Delete([]byte(prefixFP + t.AIP.Fingerprint)); err != nil {
						return err
					}
				}
			}
		}
		day := t.Approved.UTC().Format("2006-01-02")
		for _, u := range t.AIP.Units {
			u.Disposed = day
			if err := putUnit(txn, &u, seg.Time); err != nil {
				return err
			}
		}
		eb, err := json.Marshal(t.Event)
		if err != nil {
			return err
		}
		return txn.Set([]byte(fmt.Sprintf("%s%s\x00%016d\x00%06d", prefixEvent, t.Request.AIP, seg.Seq, i)), eb)
	case KindDisposeDone:
		var done Removal
		if err := json.Unmarshal(e.Data, &done); err != nil {
			return err
		}
		d, err := load(done.Request)
		if err != nil {
			return err
		}
		d.Status, d.Removed, d.Stores = DisposalDone, seg.Time.UTC(), done.Stores
		return save(d)
	}
	return nil
}

// Disposal returns the disposal request with id.
func (c *Catalog) Disposal(ctx context.Context, id string) (*Disposal, error) {
	b, err := c.get(ctx, prefixDisposal+id)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, fmt.Errorf("%w: disposal request %s", ErrNotFound, id)
	}
	var d Disposal
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("catalog: disposal %s: %w", id, err)
	}
	return &d, nil
}

// Disposals returns every disposal request, oldest first.
func (c *Catalog) Disposals(ctx context.Context) ([]Disposal, error) {
	var out []Disposal
	err := c.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: []byte(prefixDisposal)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var d Disposal
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &d) }); err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Requested.Before(out[j].Requested) })
	return out, ctx.Err()
}

// Tombstone returns the tombstone of the disposed AIP id.
func (c *Catalog) Tombstone(ctx context.Context, id string) (*Tombstone, error) {
	b, err := c.get(ctx, prefixTombstone+id)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, fmt.Errorf("%w: tombstone of %s", ErrNotFound, id)
	}
	var t Tombstone
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("catalog: tombstone of %s: %w", id, err)
	}
	return &t, nil
}
