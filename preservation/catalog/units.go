package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/journal"
)

// Journal entry kinds for units and agencies.
const (
	// KindUnitPut records a structural unit (Tektonik, Bestand,
	// Gliederung) or an edited description; Data is the whole Unit.
	KindUnitPut = "unit.put"
	// KindAgencyPut records an agency and its Bestand; Data is an Agency.
	KindAgencyPut = "agency.put"
)

// Unit key prefixes.
const (
	prefixUnit   = "unit/"
	prefixSig    = "sig/"    // sig/<signatur> -> id
	prefixSrc    = "src/"    // src/<sourceID>\x00<id> -> ""
	prefixChild  = "child/"  // child/<parent>\x00<order %010d>\x00<id> -> ""
	prefixNum    = "num/"    // num/<bestand id> -> highest running number
	prefixAgency = "agency/" // agency/<id> -> Agency
	prefixStamp  = "stamp/"  // stamp/<id> -> last change of the unit's record, RFC 3339 UTC to the second
)

// ErrAmbiguous: a reference matches more than one unit.
var ErrAmbiguous = errors.New("catalog: reference is ambiguous")

// Agency is an agency that hands over records (abgebende Stelle).
type Agency struct {
	// ID is the agency's Behördenkennung (xdomea sender id).
	ID   string `json:"id"`
	Name string `json:"name"`
	// Bestand is the id of the Bestand its records join.
	Bestand string `json:"bestand"`
	// Dir is the agency's transfer directory (hot folder) with inbox/ and
	// outbox/, if it has one.
	Dir string `json:"dir,omitempty"`
}

// numberRE finds the running number at the end of a signature.
var numberRE = regexp.MustCompile(` Nr\. ([0-9]+)$`)

// PutUnits records units (new or changed) with their indexes, changed
// now. Units recorded this way are not in the journal: a rebuild does not
// see them (tests and caches only; the archive journals units with
// UnitEntry and Commit).
func (c *Catalog) PutUnits(ctx context.Context, units []preservation.Unit) error {
	return c.PutUnitsAt(ctx, time.Now(), units)
}

// PutUnitsAt is PutUnits with the time of the change.
func (c *Catalog) PutUnitsAt(ctx context.Context, at time.Time, units []preservation.Unit) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.db.Update(func(txn *badger.Txn) error {
		for i := range units {
			if err := putUnit(txn, &units[i], at); err != nil {
				return err
			}
		}
		return nil
	})
}

// putUnit records u, changed at the time at (see Changed).
func putUnit(txn *badger.Txn, u *preservation.Unit, at time.Time) error {
	if u.ID == "" {
		return errors.New("catalog: unit without id")
	}
	// Drop the index entries of the previous record.
	if it, err := txn.Get([]byte(prefixUnit + u.ID)); err == nil {
		var old preservation.Unit
		if err := it.Value(func(v []byte) error { return json.Unmarshal(v, &old) }); err != nil {
			return err
		}
		for _, k := range unitIndexKeys(&old) {
			if k == prefixSig+old.Signatur && !sigHeldBy(txn, k, u.ID) {
				// Another unit with the same Signatur (EAD finding
				// aids repeat them) holds the entry: it stays.
				continue
			}
			if err := txn.Delete([]byte(k)); err != nil {
				return err
			}
		}
	} else if !errors.Is(err, badger.ErrKeyNotFound) {
		return err
	}
	b, err := json.Marshal(u)
	if err != nil {
		return err
	}
	if err := txn.Set([]byte(prefixUnit+u.ID), b); err != nil {
		return err
	}
	if err := stampUnit(txn, u.ID, at); err != nil {
		return err
	}
	for _, k := range unitIndexKeys(u) {
		v := []byte{}
		if k == prefixSig+u.Signatur {
			if _, err := txn.Get([]byte(k)); err == nil && !sigHeldBy(txn, k, u.ID) {
				continue // the first unit with this Signatur keeps the entry
			}
			v = []byte(u.ID)
		}
		if err := txn.Set([]byte(k), v); err != nil {
			return err
		}
	}
	if m := numberRE.FindStringSubmatch(u.Signatur); m != nil && u.Bestand != "" && u.Parent == u.Bestand {
		n, _ := strconv.Atoi(m[1])
		cur := 0
		if it, err := txn.Get([]byte(prefixNum + u.Bestand)); err == nil {
			it.Value(func(v []byte) error { cur, _ = strconv.Atoi(string(v)); return nil })
		}
		if n > cur {
			return txn.Set([]byte(prefixNum+u.Bestand), []byte(strconv.Itoa(n)))
		}
	}
	return nil
}

// stampUnit raises the last-change time of the unit id to at, kept to the
// second in UTC. The time never goes back: applying the same changes in
// another order (a rebuild puts every AIP first, then replays the journal)
// ends at the same time, the latest.
func stampUnit(txn *badger.Txn, id string, at time.Time) error {
	at = at.UTC().Truncate(time.Second)
	key := []byte(prefixStamp + id)
	if it, err := txn.Get(key); err == nil {
		var old time.Time
		if err := it.Value(func(v []byte) error { return old.UnmarshalText(v) }); err != nil {
			return err
		}
		if !at.After(old) {
			return nil
		}
	} else if !errors.Is(err, badger.ErrKeyNotFound) {
		return err
	}
	v, err := at.MarshalText()
	if err != nil {
		return err
	}
	return txn.Set(key, v)
}

// aipChanged is when an AIP last changed, as far as its units are
// concerned: its creation or its latest event (a new version adds the
// events that made it). Both survive in storage to the second (the
// description record and PREMIS), so the live and the rebuilt catalog
// agree.
func aipChanged(a *preservation.AIP) time.Time {
	t := a.Created
	for _, e := range a.Events {
		if e.DateTime.After(t) {
			t = e.DateTime
		}
	}
	return t
}

// sigHeldBy reports whether the Signatur entry k points to the unit id.
func sigHeldBy(txn *badger.Txn, k, id string) bool {
	it, err := txn.Get([]byte(k))
	if err != nil {
		return false
	}
	held := false
	it.Value(func(v []byte) error { held = string(v) == id; return nil })
	return held
}

func unitIndexKeys(u *preservation.Unit) []string {
	ks := []string{fmt.Sprintf("%s%s\x00%010d\x00%s", prefixChild, u.Parent, u.Order, u.ID)}
	if u.Signatur != "" {
		ks = append(ks, prefixSig+u.Signatur)
	}
	if u.SourceID != "" {
		ks = append(ks, prefixSrc+u.SourceID+"\x00"+u.ID)
	}
	return ks
}

// Unit returns the unit with id.
func (c *Catalog) Unit(ctx context.Context, id string) (*preservation.Unit, error) {
	var u preservation.Unit
	err := c.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get([]byte(prefixUnit + id))
		if err != nil {
			return err
		}
		return it.Value(func(v []byte) error { return json.Unmarshal(v, &u) })
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, fmt.Errorf("%w: unit %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return &u, nil
}

// ResolveUnit finds a unit by its id, its Signatur, or the id it had in its
// submission (e.g. xdomea Identifikation/ID).
func (c *Catalog) ResolveUnit(ctx context.Context, ref string) (*preservation.Unit, error) {
	if u, err := c.Unit(ctx, ref); err == nil {
		return u, nil
	}
	var ids []string
	err := c.db.View(func(txn *badger.Txn) error {
		if it, err := txn.Get([]byte(prefixSig + ref)); err == nil {
			v, err := it.ValueCopy(nil)
			if err != nil {
				return err
			}
			ids = append(ids, string(v))
			return nil
		}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixSrc + ref + "\x00")})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := string(it.Item().Key())
			ids = append(ids, k[len(prefixSrc)+len(ref)+1:])
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	switch len(ids) {
	case 0:
		return nil, fmt.Errorf("%w: no unit with id, Signatur or submission id %q", ErrNotFound, ref)
	case 1:
		return c.Unit(ctx, ids[0])
	default:
		return nil, fmt.Errorf("%w: %q names %d units; use the unit id or Signatur", ErrAmbiguous, ref, len(ids))
	}
}

// Children returns the children of parent ("" for the roots) in order.
func (c *Catalog) Children(ctx context.Context, parent string) ([]preservation.Unit, error) {
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
	out := make([]preservation.Unit, 0, len(ids))
	for _, id := range ids {
		u, err := c.Unit(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	return out, nil
}

// Ancestors returns the chain of units from the root down to and
// including id.
func (c *Catalog) Ancestors(ctx context.Context, id string) ([]preservation.Unit, error) {
	var chain []preservation.Unit
	for id != "" && len(chain) < 64 {
		u, err := c.Unit(ctx, id)
		if err != nil {
			return nil, err
		}
		chain = append(chain, *u)
		id = u.Parent
	}
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	return chain, nil
}

// Units yields every unit in id order.
func (c *Catalog) Units(ctx context.Context) iter.Seq2[*preservation.Unit, error] {
	return func(yield func(*preservation.Unit, error) bool) {
		const batch = 512
		after := []byte(prefixUnit)
		for {
			var page []*preservation.Unit
			err := c.db.View(func(txn *badger.Txn) error {
				it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 64, Prefix: []byte(prefixUnit)})
				defer it.Close()
				for it.Seek(after); it.Valid() && len(page) < batch; it.Next() {
					if string(it.Item().Key()) == string(after) {
						continue
					}
					var u preservation.Unit
					if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &u) }); err != nil {
						return err
					}
					page = append(page, &u)
					after = it.Item().KeyCopy(nil)
				}
				return nil
			})
			if err != nil {
				yield(nil, fmt.Errorf("catalog: %w", err))
				return
			}
			for _, u := range page {
				if !yield(u, nil) {
					return
				}
			}
			if len(page) < batch || ctx.Err() != nil {
				if ctx.Err() != nil {
					yield(nil, ctx.Err())
				}
				return
			}
		}
	}
}

// Changed returns when the record of the unit id last changed, to the
// second in UTC: the latest of the creation or last event of the AIP that
// holds it (PutAIP), the journal segments that recorded it (Apply of
// KindUnitPut; the segment's time, when the change was committed), and
// PutUnitsAt. It is the zero time for a unit recorded by a catalog of an
// older schema.
func (c *Catalog) Changed(ctx context.Context, id string) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	var t time.Time
	err := c.db.View(func(txn *badger.Txn) error {
		if _, err := txn.Get([]byte(prefixUnit + id)); err != nil {
			return err
		}
		it, err := txn.Get([]byte(prefixStamp + id))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return it.Value(func(v []byte) error { return t.UnmarshalText(v) })
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return time.Time{}, fmt.Errorf("%w: unit %s", ErrNotFound, id)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("catalog: %w", err)
	}
	return t, nil
}

// Stamped is a unit with the time its record last changed (see Changed).
type Stamped struct {
	Unit    *preservation.Unit
	Changed time.Time
}

// UnitsAfter yields the units whose id sorts after after ("": every unit)
// in id order, each with the time its record last changed. It reads in
// pages of a few hundred units, each page in one consistent view.
func (c *Catalog) UnitsAfter(ctx context.Context, after string) iter.Seq2[Stamped, error] {
	return func(yield func(Stamped, error) bool) {
		const batch = 256
		from := []byte(prefixUnit + after)
		skip := after != ""
		for {
			var page []Stamped
			err := c.db.View(func(txn *badger.Txn) error {
				it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 64, Prefix: []byte(prefixUnit)})
				defer it.Close()
				for it.Seek(from); it.Valid() && len(page) < batch; it.Next() {
					k := it.Item().Key()
					if skip && string(k) == string(from) {
						continue
					}
					var s Stamped
					s.Unit = new(preservation.Unit)
					if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, s.Unit) }); err != nil {
						return err
					}
					if st, err := txn.Get([]byte(prefixStamp + s.Unit.ID)); err == nil {
						if err := st.Value(func(v []byte) error { return s.Changed.UnmarshalText(v) }); err != nil {
							return err
						}
					} else if !errors.Is(err, badger.ErrKeyNotFound) {
						return err
					}
					page = append(page, s)
					from = it.Item().KeyCopy(nil)
				}
				return nil
			})
			skip = true
			if err == nil {
				err = ctx.Err()
			}
			if err != nil {
				yield(Stamped{}, fmt.Errorf("catalog: %w", err))
				return
			}
			for _, s := range page {
				if !yield(s, nil) {
					return
				}
			}
			if len(page) < batch {
				return
			}
		}
	}
}

// EarliestChange returns the earliest last-change time of any unit (the
// zero time when there is none): a lower bound of every unit's Changed.
func (c *Catalog) EarliestChange(ctx context.Context) (time.Time, error) {
	var first time.Time
	err := c.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 256, Prefix: []byte(prefixStamp)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var t time.Time
			if err := it.Item().Value(func(v []byte) error { return t.UnmarshalText(v) }); err != nil {
				return err
			}
			if first.IsZero() || t.Before(first) {
				first = t
			}
		}
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("catalog: %w", err)
	}
	return first, nil
}

// NextNumber returns the next free running number for a top-level unit in
// the Bestand.
func (c *Catalog) NextNumber(ctx context.Context, bestand string) (int, error) {
	n := 0
	err := c.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get([]byte(prefixNum + bestand))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return it.Value(func(v []byte) error { n, _ = strconv.Atoi(string(v)); return nil })
	})
	return n + 1, err
}

// PutAgency records an agency.
func (c *Catalog) PutAgency(ctx context.Context, a Agency) error {
	b, _ := json.Marshal(a)
	return c.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte(prefixAgency+a.ID), b) })
}

// Agency returns the agency with the Behördenkennung id.
func (c *Catalog) Agency(ctx context.Context, id string) (*Agency, error) {
	var a Agency
	err := c.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get([]byte(prefixAgency + id))
		if err != nil {
			return err
		}
		return it.Value(func(v []byte) error { return json.Unmarshal(v, &a) })
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, fmt.Errorf("%w: agency %s", ErrNotFound, id)
	}
	return &a, err
}

// Agencies returns every agency, by id.
func (c *Catalog) Agencies(ctx context.Context) ([]Agency, error) {
	var out []Agency
	err := c.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: []byte(prefixAgency)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var a Agency
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &a) }); err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, err
}

// Commit appends entries to the journal (storage is the truth) and then
// applies them to the catalog. Commits are serialised, so that concurrent
// writers (an ingest job, a scheduled audit) cannot apply a later segment
// before an earlier one: every writer of the journal must go through
// Commit, never Append and Apply on its own.
func (c *Catalog) Commit(ctx context.Context, j *journal.Journal, entries ...journal.Entry) error {
	c.commit.Lock()
	defer c.commit.Unlock()
	seg, err := j.Append(ctx, entries...)
	if err != nil {
		return err
	}
	return c.Apply(ctx, seg)
}

// UnitEntry returns the journal entry that records u.
func UnitEntry(u preservation.Unit) journal.Entry {
	b, _ := json.Marshal(u)
	return journal.Entry{Kind: KindUnitPut, Subject: u.ID, Data: b}
}

// AgencyEntry returns the journal entry that records a.
func AgencyEntry(a Agency) journal.Entry {
	b, _ := json.Marshal(a)
	return journal.Entry{Kind: KindAgencyPut, Subject: a.ID, Data: b}
}
