package aip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/store"
)

// ErrDivergent: the replicas hold different versions of an object that no
// catching up reconciles (neither is an earlier version of the other).
var ErrDivergent = errors.New("aip: the replicas hold diverging versions of the object")

// Update makes the next version of AIP id in every store (replicas) and
// returns the AIP as its new head holds it.
//
// It reads the head in every store. A store whose head is an earlier
// version of another store's head — a version write that a crash
// interrupted after some replicas — is first brought up to that head: the
// versions it lacks are copied from the leading store, in the write order
// of NewVersion. Then revise turns the current AIP (and its head) into a
// Revision; the new version is written to every store in turn and read
// back. When revise returns a Revision that changes no file, nothing is
// written and Update returns the current AIP with ErrUnchanged.
func Update(ctx context.Context, stores []store.Store, id string, revise func(cur *preservation.AIP, h *Head) (*Revision, error)) (*preservation.AIP, error) {
	if len(stores) == 0 {
		return nil, errors.New("aip: no store")
	}
	h, lead, err := CatchUp(ctx, stores, id)
	if err != nil {
		return nil, err
	}
	cur, err := h.AIP(ctx, stores[lead])
	if err != nil {
		return nil, err
	}
	rev, err := revise(cur, h)
	if err != nil {
		return nil, err
	}
	obj, err := Revise(ctx, stores[lead], h, *rev)
	if errors.Is(err, ErrUnchanged) {
		return cur, err
	}
	if err != nil {
		return nil, err
	}
	for _, st := range stores {
		if err := obj.Write(ctx, st, 4); err != nil {
			return nil, err
		}
	}
	for _, st := range stores {
		if err := obj.Verify(ctx, st); err != nil {
			return nil, err
		}
	}
	return Read(ctx, stores[lead], id)
}

// CatchUp reads the head of object id in every store and brings every store
// whose head is an earlier version up to the highest head, copying the
// missing versions from the store that has it. It returns that head and
// the index of the store it was read from. Stores whose heads are versions
// of the same number with different inventories, or whose head is not a
// version of the leading store's history, make it fail with ErrDivergent.
func CatchUp(ctx context.Context, stores []store.Store, id string) (*Head, int, error) {
	heads := make([]*Head, len(stores))
	lead := -1
	for i, st := range stores {
		h, err := ReadHead(ctx, st, id)
		if err != nil {
			return nil, 0, fmt.Errorf("aip: %s in %s: %w", id, st, err)
		}
		heads[i] = h
		if lead < 0 || versionNumber(h.Inventory.Head) > versionNumber(heads[lead].Inventory.Head) {
			lead = i
		}
	}
	top := heads[lead]
	for i, h := range heads {
		if h.Digest == top.Digest {
			continue
		}
		if h.Inventory.Head == top.Inventory.Head {
			return nil, 0, fmt.Errorf("%w: %s: %s holds another %s than %s", ErrDivergent, id, stores[i], h.Inventory.Head, stores[lead])
		}
		obj, err := catchUpObject(ctx, stores[lead], top, h)
		if err != nil {
			return nil, 0, fmt.Errorf("aip: %s: bringing %s from %s up to %s: %w", id, stores[i], h.Inventory.Head, top.Inventory.Head, err)
		}
		if err := obj.Write(ctx, stores[i], 4); err != nil {
			return nil, 0, err
		}
		if err := obj.Verify(ctx, stores[i]); err != nil {
			return nil, 0, err
		}
	}
	return top, lead, nil
}

// catchUpObject returns the writes that bring an object whose head is old
// up to top, which from holds: the content and inventories of the versions
// after old's head, then the root inventory and its sidecar.
func catchUpObject(ctx context.Context, from store.Store, top, old *Head) (*Object, error) {
	k, n := versionNumber(old.Inventory.Head), versionNumber(top.Inventory.Head)
	vk, err := readAll(ctx, from, fmt.Sprintf("%s/v%d/inventory.json", top.Root, k))
	if err != nil {
		return nil, err
	}
	if sha512hex(vk) != old.Digest {
		return nil, fmt.Errorf("%w: its %s is not the leading store's", ErrDivergent, old.Inventory.Head)
	}
	sizes := map[string]int64{}
	for info, err := range from.List(ctx, top.Root+"/v") {
		if err != nil {
			return nil, err
		}
		sizes[strings.TrimPrefix(info.Key, top.Root+"/")] = info.Size
	}
	src := func(rel, digest string) (Source, error) {
		size, ok := sizes[rel]
		if !ok {
			return Source{}, fmt.Errorf("%s is missing in %s", rel, from)
		}
		key := top.Root + "/" + rel
		return Source{Path: key, Size: size, SHA512: digest, Open: func() (io.ReadCloser, error) {
			rc, _, err := from.Get(ctx, key)
			return rc, err
		}}, nil
	}
	o := &Object{ID: top.Inventory.ID, Root: top.Root, Version: top.Inventory.Head, base: old.Digest, digest: top.Digest}
	inv := top.Inventory
	for d, cps := range inv.Manifest {
		for _, cp := range cps {
			v, _, _ := strings.Cut(cp, "/")
			if versionNumber(v) <= k {
				continue
			}
			s, err := src(cp, strings.ToLower(d))
			if err != nil {
				return nil, err
			}
			o.writes = append(o.writes, s)
		}
	}
	o.phases = append(o.phases, len(o.writes))
	var head []Source // the head's inventory and sidecar
	for j := k + 1; j <= n; j++ {
		for _, name := range []string{"inventory.json", "inventory.json.sha512"} {
			rel := fmt.Sprintf("v%d/%s", j, name)
			b, err := readAll(ctx, from, top.Root+"/"+rel)
			if err != nil {
				return nil, err
			}
			if name == "inventory.json" && j == n && sha512hex(b) != top.Digest {
				return nil, fmt.Errorf("%s in %s is not the head inventory", rel, from)
			}
			o.writes = append(o.writes, BytesSource(top.Root+"/"+rel, b))
			if j == n {
				head = append(head, BytesSource(top.Root+"/"+name, b))
			}
		}
	}
	o.phases = append(o.phases, len(o.writes))
	for _, s := range head {
		o.writes = append(o.writes, s)
		o.phases = append(o.phases, len(o.writes))
	}
	return o, nil
}
