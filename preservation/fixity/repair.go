package fixity

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/magazin-archiv/magazin/preservation/store"
)

// writeRank orders the files of an object as aip writes them: the
// declaration, content, version inventories and their sidecars, the root
// inventory and, last, the root sidecar that makes the head visible.
func writeRank(rel string) int {
	switch {
	case strings.HasPrefix(rel, "0="):
		return 0
	case rel == "inventory.json":
		return 4
	case rel == "inventory.json.sha512":
		return 5
	case strings.Count(rel, "/") == 1 && strings.HasSuffix(rel, "/inventory.json"):
		return 2
	case strings.Count(rel, "/") == 1 && strings.HasSuffix(rel, "/inventory.json.sha512"):
		return 3
	}
	return 1
}

// repair copies every damaged or missing file of c from a replica holding
// it with the reference digest. Files are repaired in write order, and a
// file is skipped when one that must be written before it could not be
// repaired. The returned error is a cancelled context only.
func (a *auditor) repair(ctx context.Context, root, id string, c *copyState, copies []*copyState) (*RepairEvent, error) {
	ds := slices.Clone(c.damage)
	slices.SortStableFunc(ds, func(x, y damage) int { return writeRank(x.rel) - writeRank(y.rel) })
	ev := &RepairEvent{ID: id, Root: root, Store: c.st.String(), OK: true}
	blocked := -1 // the lowest rank that failed
	for _, d := range ds {
		if err := ctx.Err(); err != nil {
			return ev, err
		}
		rf := RepairedFile{Path: d.rel, SHA512: d.want}
		if blocked >= 0 && writeRank(d.rel) > blocked {
			rf.Error = "skipped: a file that must be written before it could not be repaired"
		} else {
			a.repairFile(ctx, root, c, copies, d, &rf)
		}
		if !rf.OK {
			ev.OK = false
			if blocked < 0 || writeRank(d.rel) < blocked {
				blocked = writeRank(d.rel)
			}
		}
		ev.Files = append(ev.Files, rf)
	}
	return ev, ctx.Err()
}

// repairFile copies one file into c from the first replica whose copy of
// it had the wanted digest when it was read.
func (a *auditor) repairFile(ctx context.Context, root string, c *copyState, copies []*copyState, d damage, rf *RepairedFile) {
	key := root + "/" + d.rel
	var lastErr error
	for _, s := range copies {
		if s == c || s.listErr != nil || s.obs.digests[d.rel] != d.want {
			continue
		}
		size := s.listed[d.rel]
		rc, _, err := s.st.Get(ctx, key)
		if err != nil {
			lastErr = fmt.Errorf("reading from %s: %w", s.st, err)
			continue
		}
		r := meteredReader{rc, a.meters[s.i]}
		rp, canRepair := c.st.(store.Repairer)
		switch {
		case canRepair:
			_, err = rp.Repair(ctx, key, r, size, d.want)
		case d.missing:
			_, err = c.st.Put(ctx, key, r, size, d.want)
		default:
			err = errors.New("the store cannot replace objects")
		}
		rc.Close()
		switch {
		case errors.Is(err, store.ErrIntact):
			rf.OK, rf.Size, rf.Note = true, size, "intact when the repair came to it"
			return
		case err == nil:
			rf.OK, rf.Size, rf.Source = true, size, s.st.String()
			a.log.Info("file repaired", "key", key, "store", c.st.String(), "from", s.st.String())
			return
		case ctx.Err() != nil:
			rf.Error = ctx.Err().Error()
			return
		}
		// E.g. the replica was damaged since it was read: try the next.
		lastErr = fmt.Errorf("copying from %s: %w", s.st, err)
	}
	if lastErr == nil {
		lastErr = errors.New("no store holds a healthy copy")
	}
	rf.Error = lastErr.Error()
	a.log.Warn("file not repaired", "key", key, "store", c.st.String(), "err", lastErr)
}
