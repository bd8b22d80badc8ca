// Package journal keeps magazin's append-only, hash-chained journal of
// everything that is not inside an AIP: fixity results, appraisal and
// closure decisions, description edits, users and grants.
//
// The journal lives in every store under "journal/" as immutable segment
// objects "journal/<seq, 16 digits>.json". Each segment holds a batch of
// entries and the SHA-512 of its predecessor's bytes, so that any change,
// gap or reordering is detected on replay. Because stores never overwrite,
// two writers racing for the same sequence number cannot both win: the
// loser gets fs.ErrExist, reloads the head and retries.
//
// Verify checks the chain in every replica, compares the replicas and, given
// the catalog's applied head, sees a removed or edited last segment.
//
// A Journal is safe for concurrent use by one process.
package journal

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/magazin-archiv/magazin/preservation/store"
)

// Prefix is the key prefix of journal segments.
const Prefix = "journal/"

// ErrBroken reports a journal whose hash chain or numbering is broken.
var ErrBroken = errors.New("journal: chain broken")

// Entry is one journal record.
type Entry struct {
	// Kind names the record type, e.g. "aip.verify".
	Kind string `json:"kind"`
	// Subject is what the entry is about, e.g. an AIP id.
	Subject string    `json:"subject,omitempty"`
	Time    time.Time `json:"time"`
	// Data is the kind-specific payload.
	Data json.RawMessage `json:"data,omitempty"`
}

// Segment is one journal object.
type Segment struct {
	Seq     uint64    `json:"seq"`
	Prev    string    `json:"prev"` // SHA-512 hex of the previous segment's bytes; "" for seq 1
	Time    time.Time `json:"time"`
	Entries []Entry   `json:"entries"`
	// Digest is the SHA-512 of this segment's bytes (not serialised).
	Digest string `json:"-"`
}

// Key returns the store key of segment seq.
func Key(seq uint64) string { return fmt.Sprintf("%s%016d.json", Prefix, seq) }

// Journal appends to the journal in a set of stores (replicas). The first
// store is read to find the head.
type Journal struct {
	mu     sync.Mutex
	stores []store.Store
	head   uint64
	prev   string
	loaded bool
	now    func() time.Time
}

// New returns a journal over stores. It reads nothing until first use.
func New(stores ...store.Store) *Journal {
	return &Journal{stores: stores, now: time.Now}
}

// load finds the head segment in the first store.
func (j *Journal) load(ctx context.Context) error {
	var last string
	for info, err := range j.stores[0].List(ctx, Prefix) {
		if err != nil {
			return fmt.Errorf("journal: list: %w", err)
		}
		if _, ok := parseKey(info.Key); ok {
			last = info.Key
		}
	}
	j.head, j.prev = 0, ""
	if last != "" {
		seg, err := readSegment(ctx, j.stores[0], last)
		if err != nil {
			return err
		}
		j.head, j.prev = seg.Seq, seg.Digest
	}
	j.loaded = true
	return nil
}

// Append writes entries as one new segment to every store and returns it.
func (j *Journal) Append(ctx context.Context, entries ...Entry) (*Segment, error) {
	if len(entries) == 0 {
		return nil, errors.New("journal: nothing to append")
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for attempt := 0; ; attempt++ {
		if !j.loaded {
			if err := j.load(ctx); err != nil {
				return nil, err
			}
		}
		now := j.now().UTC()
		seg := &Segment{Seq: j.head + 1, Prev: j.prev, Time: now, Entries: make([]Entry, len(entries))}
		copy(seg.Entries, entries)
		for i := range seg.Entries {
			if seg.Entries[i].Time.IsZero() {
				seg.Entries[i].Time = now
			}
		}
		b, err := json.Marshal(seg)
		if err != nil {
			return nil, fmt.Errorf("journal: encode: %w", err)
		}
		sum := sha512.Sum512(b)
		seg.Digest = hex.EncodeToString(sum[:])
		err = j.put(ctx, Key(seg.Seq), b, seg.Digest)
		if errors.Is(err, fs.ErrExist) && attempt < 100 {
			// Another writer took this sequence number: reload and retry
			// after a short, growing, jittered pause.
			j.loaded = false
			d := time.Duration(attempt+1) * time.Millisecond
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(d + time.Duration(rand.Int64N(int64(d)))):
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		j.head, j.prev = seg.Seq, seg.Digest
		return seg, nil
	}
}

func (j *Journal) put(ctx context.Context, key string, b []byte, digest string) error {
	for i, st := range j.stores {
		if _, err := st.Put(ctx, key, bytes.NewReader(b), int64(len(b)), digest); err != nil {
			if i > 0 && errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("journal: replica %s diverges at %s: %w", st, key, ErrBroken)
			}
			return fmt.Errorf("journal: put %s to %s: %w", key, st, err)
		}
	}
	return nil
}

// Replay yields every segment of st in order, checking numbering and the
// hash chain. A break is yielded as an error matching ErrBroken, after
// which iteration stops.
func Replay(ctx context.Context, st store.Store) iter.Seq2[*Segment, error] {
	return func(yield func(*Segment, error) bool) {
		var keys []string
		for info, err := range st.List(ctx, Prefix) {
			if err != nil {
				yield(nil, fmt.Errorf("journal: list: %w", err))
				return
			}
			if _, ok := parseKey(info.Key); ok {
				keys = append(keys, info.Key)
			}
		}
		var want uint64 = 1
		prev := ""
		for _, k := range keys {
			seg, err := readSegment(ctx, st, k)
			if err != nil {
				yield(nil, err)
				return
			}
			if seg.Seq != want || seg.Prev != prev {
				yield(nil, fmt.Errorf("%w at %s: want seq %d prev %.16s…, got seq %d prev %.16s…", ErrBroken, k, want, prev, seg.Seq, seg.Prev))
				return
			}
			if !yield(seg, nil) {
				return
			}
			want, prev = seg.Seq+1, seg.Digest
		}
	}
}

func readSegment(ctx context.Context, st store.Store, key string) (*Segment, error) {
	rc, _, err := st.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("journal: get %s: %w", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("journal: read %s: %w", key, err)
	}
	var seg Segment
	if err := json.Unmarshal(b, &seg); err != nil {
		return nil, fmt.Errorf("%w: %s does not decode: %v", ErrBroken, key, err)
	}
	if n, _ := parseKey(key); n != seg.Seq {
		return nil, fmt.Errorf("%w: %s holds seq %d", ErrBroken, key, seg.Seq)
	}
	sum := sha512.Sum512(b)
	seg.Digest = hex.EncodeToString(sum[:])
	return &seg, nil
}

func parseKey(key string) (uint64, bool) {
	name, ok := strings.CutPrefix(key, Prefix)
	if !ok || !strings.HasSuffix(name, ".json") || len(name) != 16+5 {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSuffix(name, ".json"), 10, 64)
	return n, err == nil && n > 0
}
