package aip

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/magazin-archiv/magazin/preservation/store"
)

// RetainedUntil returns the latest end of an object-lock retention among
// the keys of object id in st: zero when none is retained or the store
// keeps no retention (store.RetentionReporter). Every current key is asked;
// earlier versions of a replaced root inventory were written before it and
// are retained no longer than it is.
func RetainedUntil(ctx context.Context, st store.Store, id string) (time.Time, error) {
	rr, ok := st.(store.RetentionReporter)
	if !ok {
		return time.Time{}, nil
	}
	var latest time.Time
	for info, err := range st.List(ctx, ObjectKey(id)+"/") {
		if err != nil {
			return time.Time{}, err
		}
		_, until, err := rr.Retention(ctx, info.Key)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return time.Time{}, err
		}
		if until.After(latest) {
			latest = until
		}
	}
	return latest, nil
}

// Destroy removes object id from st for good and returns the number of keys
// removed. It removes in the reverse of the write order: the root sidecar
// first (from then on the object is incomplete and never read as an AIP),
// the root inventory, the versions from the newest down (each version's
// sidecar and inventory before its content), the object declaration last,
// so that an interrupted Destroy leaves an incomplete object that a second
// Destroy finishes. A store that keeps earlier versions of objects
// (store.Destroyer) removes them too; otherwise the store must be a
// store.Remover. A missing object is not an error.
//
// Destroy is for the disposal of an AIP that two archivists approved
// (docs/disposal.md) and nothing else; its caller checks RetainedUntil
// first.
func Destroy(ctx context.Context, st store.Store, id string) (int, error) {
	// A wrapper (such as package retry's) may hide the Destroyer of the
	// store it wraps.
	var d store.Destroyer
	for s := st; d == nil; {
		if x, ok := s.(store.Destroyer); ok {
			d = x
			break
		}
		u, ok := s.(interface{ Unwrap() store.Store })
		if !ok {
			break
		}
		s = u.Unwrap()
	}
	remove := func(ctx context.Context, key string) error {
		if d != nil {
			return d.Destroy(ctx, key)
		}
		if r, ok := st.(store.Remover); ok {
			return r.Remove(ctx, key)
		}
		return fmt.Errorf("%w: %s cannot remove objects", store.ErrUnsupported, st)
	}
	root := ObjectKey(id)
	var keys []string
	for info, err := range st.List(ctx, root+"/") {
		if err != nil {
			return 0, err
		}
		keys = append(keys, info.Key)
	}
	rank := func(key string) (int, int, int) {
		rel := strings.TrimPrefix(key, root+"/")
		switch {
		case rel == "inventory.json.sha512":
			return 0, 0, 0
		case rel == "inventory.json":
			return 1, 0, 0
		case strings.HasPrefix(rel, "0="):
			return 4, 0, 0
		}
		dir, rest, _ := strings.Cut(rel, "/")
		n := versionNumber(dir)
		if n == 0 {
			return 3, 0, 0
		}
		switch rest {
		case "inventory.json.sha512":
			return 2, -n, 0
		case "inventory.json":
			return 2, -n, 1
		}
		return 2, -n, 2
	}
	slices.SortStableFunc(keys, func(a, b string) int {
		a1, a2, a3 := rank(a)
		b1, b2, b3 := rank(b)
		if a1 != b1 {
			return a1 - b1
		}
		if a2 != b2 {
			return a2 - b2
		}
		return a3 - b3
	})
	for i, k := range keys {
		if err := remove(ctx, k); err != nil {
			return i, fmt.Errorf("aip: destroy %s in %s: %w", id, st, err)
		}
	}
	return len(keys), nil
}
