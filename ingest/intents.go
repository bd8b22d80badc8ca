package ingest

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/store"
)

// IntentLog remembers which AIP id an ingest stores for a fingerprint,
// recorded between the two phases of replicate: after every store holds
// and has read back all but the root inventories, before any object is
// complete anywhere. With it, an ingest run again after a crash between storing
// an AIP and cataloguing it adopts the stored AIP instead of storing a
// second one (the daemon's job queue sets it; see WithIntents).
type IntentLog interface {
	Intent(ctx context.Context, fingerprint string) (id string, ok bool, err error)
	RecordIntent(ctx context.Context, fingerprint, id string) error
}

// WithIntents sets the intent log.
func WithIntents(l IntentLog) Option { return func(in *Ingester) { in.intents = l } }

// adopt looks for an AIP stored for fp by an ingest that did not reach the
// catalog. An object complete in some store is complete in the others but
// for its root inventory and sidecar (replicate writes those last, after
// every store holds and has read back everything else), which adopt copies
// over; then the AIP is catalogued. It returns nil when there is nothing
// to adopt.
func (in *Ingester) adopt(ctx context.Context, fp string) (*preservation.AIP, error) {
	if in.intents == nil {
		return nil, nil
	}
	id, ok, err := in.intents.Intent(ctx, fp)
	if err != nil || !ok {
		return nil, err
	}
	var head *aip.Head
	var from int
	for i, st := range in.stores {
		h, err := aip.ReadHead(ctx, st, id)
		if errors.Is(err, aip.ErrIncomplete) || errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("ingest: adopt %s: %w", id, err)
		}
		head, from = h, i
		break
	}
	if head == nil {
		return nil, nil // never completed: ingest afresh under a new id
	}
	root := aip.ObjectKey(id)
	for i, st := range in.stores {
		if i == from {
			continue
		}
		if _, err := aip.ReadHead(ctx, st, id); err == nil {
			continue
		}
		for _, name := range []string{"/inventory.json", "/inventory.json.sha512"} {
			b, err := readAllKey(ctx, in.stores[from], root+name)
			if err != nil {
				return nil, fmt.Errorf("ingest: adopt %s: %w", id, err)
			}
			sum := sha512.Sum512(b)
			if _, err := st.Put(ctx, root+name, bytes.NewReader(b), int64(len(b)), hex.EncodeToString(sum[:])); err != nil {
				return nil, fmt.Errorf("ingest: adopt %s: complete in %s: %w", id, st, err)
			}
		}
	}
	a, err := head.AIP(ctx, in.stores[from])
	if err != nil {
		return nil, fmt.Errorf("ingest: adopt %s: %w", id, err)
	}
	if a.Fingerprint != fp {
		return nil, nil
	}
	if err := in.cat.PutAIP(ctx, a); err != nil {
		return nil, fmt.Errorf("ingest: catalog: %w", err)
	}
	in.log.Warn("adopted an AIP stored before an interruption", "aip", id)
	return a, nil
}

func readAllKey(ctx context.Context, st store.Store, key string) ([]byte, error) {
	rc, _, err := st.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(store.ContextReader(ctx, rc))
}
