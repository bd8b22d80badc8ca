package aip

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/store"
)

// ErrConflict: the object in a store has another head than the one a new
// version was made from (another writer was first); nothing of the new
// version was made visible.
var ErrConflict = errors.New("aip: the object has another head than the new version was made from")

// ErrUnchanged: a change leaves the head version's files as they are.
var ErrUnchanged = errors.New("aip: the change changes no file")

// Change is what a new version of an object changes: the files it puts
// (new logical paths, or new content for existing ones) and the logical
// paths it removes. Every other file of the head version is kept, without
// being copied.
type Change struct {
	Put    []Source
	Remove []string
	// Created is when the version is made; zero means now. It is kept to
	// the second.
	Created time.Time
	// User and Address name who makes the version (OCFL version user);
	// Message says why. Defaults as for New.
	User, Address, Message string
}

// NewVersion renders version n+1 of the object whose head h is (version n):
// its state is h's state with c applied. Content is addressed by digest: a
// file whose SHA-512 the object already holds in any version is not stored
// again (the new state points at the existing manifest entry); only new
// content goes to v<n+1>/content/. It reads no file content.
//
// Write puts the new version into a store in the order of New — content,
// the version inventory and its sidecar, the root inventory, the root
// sidecar last — and replaces the root inventory and its sidecar with
// store.Replacer, each on the condition that it is the one found when the
// write began (compare-and-swap). Until the root sidecar is replaced,
// readers see version n (see ReadHead); a crash at any point leaves
// version n readable, and writing the same Object again completes version
// n+1. The write fails with ErrConflict when the store's head is neither
// version n (as h read it) nor the new version. Files of an earlier,
// abandoned attempt at version n+1 (never visible: the root sidecar still
// names version n) are replaced with store.Repairer. Like every write of an
// object, it assumes one writer per object: the catalog's lock gives that
// to one magazin process, and the compare-and-swap refuses the second of
// two processes that would commit a version at once.
func NewVersion(h *Head, c Change) (*Object, error) {
	if h == nil || h.Inventory == nil {
		return nil, errors.New("aip: new version of nothing")
	}
	inv := h.Inventory
	n := versionNumber(inv.Head)
	cur := inv.Versions[inv.Head]
	if n == 0 || cur == nil {
		return nil, fmt.Errorf("aip: %s: head %q is not a version magazin can continue (v1, v2, … without zero padding)", inv.ID, inv.Head)
	}
	if !strings.EqualFold(inv.DigestAlgorithm, "sha512") {
		return nil, fmt.Errorf("aip: %s: digest algorithm %s, not sha512", inv.ID, inv.DigestAlgorithm)
	}
	// The manifest's spelling of each digest, by lower-case digest.
	spelled := map[string]string{}
	for d := range inv.Manifest {
		spelled[strings.ToLower(d)] = d
	}
	state := map[string]string{} // logical path -> lower-case digest
	for d, paths := range cur.State {
		for _, p := range paths {
			state[p] = strings.ToLower(d)
		}
	}
	old := maps.Clone(state)
	for _, p := range c.Remove {
		if _, ok := state[p]; !ok {
			return nil, fmt.Errorf("aip: %s: cannot remove %q: not in %s", inv.ID, p, inv.Head)
		}
		delete(state, p)
	}
	put := map[string]Source{}
	for _, s := range c.Put {
		if !validLogical(s.Path) {
			return nil, fmt.Errorf("aip: invalid logical path %q", s.Path)
		}
		if _, dup := put[s.Path]; dup {
			return nil, fmt.Errorf("aip: duplicate logical path %q", s.Path)
		}
		if !store.ValidSHA512(strings.ToLower(s.SHA512)) {
			return nil, fmt.Errorf("aip: %s: %q is not a SHA-512", s.Path, s.SHA512)
		}
		put[s.Path] = s
		state[s.Path] = strings.ToLower(s.SHA512)
	}
	paths := make([]string, 0, len(state))
	for p := range state {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if _, ok := state[d]; ok {
				return nil, fmt.Errorf("aip: logical path %q conflicts with file %q", p, d)
			}
		}
	}
	if maps.Equal(old, state) {
		return nil, ErrUnchanged
	}

	name := fmt.Sprintf("v%d", n+1)
	next := &Inventory{ID: inv.ID, Type: inv.Type, DigestAlgorithm: inv.DigestAlgorithm, Head: name,
		ContentDirectory: inv.ContentDirectory, Manifest: make(map[string][]string, len(inv.Manifest)+len(put)),
		Versions: make(map[string]*Version, len(inv.Versions)+1), Fixity: inv.Fixity}
	for d, cps := range inv.Manifest {
		next.Manifest[d] = cps
	}
	for v, ver := range inv.Versions {
		next.Versions[v] = ver
	}
	o := &Object{ID: inv.ID, Root: h.Root, Version: name, base: h.Digest}
	newState := map[string][]string{}
	for _, p := range paths {
		d := state[p]
		key, ok := spelled[d]
		if !ok {
			// New content: stored once, under the first logical path
			// that has it.
			key = d
			cp := name + "/" + inv.ContentDir() + "/" + p
			next.Manifest[key] = []string{cp}
			spelled[d] = key
			w := put[p]
			w.Path = h.Root + "/" + cp
			o.writes = append(o.writes, w)
		}
		newState[key] = append(newState[key], p)
	}
	o.phases = append(o.phases, len(o.writes))
	created := c.Created
	if created.IsZero() {
		created = time.Now()
	}
	created = created.UTC().Truncate(time.Second)
	user := c.User
	if user == "" {
		user = "magazin"
	}
	addr := c.Address
	if addr == "" {
		addr = "urn:magazin:user:" + url.PathEscape(user)
	}
	msg := c.Message
	if msg == "" {
		msg = "Version " + name
	}
	next.Versions[name] = &Version{Created: created, State: newState, Message: msg, User: &User{Name: user, Address: addr}}
	invJSON, err := next.Marshal()
	if err != nil {
		return nil, fmt.Errorf("aip: inventory: %w", err)
	}
	o.addInventory(invJSON)
	return o, nil
}

// writeVersion writes a new version of an existing object (see NewVersion).
func (o *Object) writeVersion(ctx context.Context, st store.Store, parallel int) error {
	fail := func(err error) error { return fmt.Errorf("aip: write %s %s to %s: %w", o.ID, o.Version, st, err) }
	rp, ok := st.(store.Replacer)
	if !ok {
		return fail(fmt.Errorf("%w: the store cannot replace the root inventory (store.Replacer)", store.ErrUnsupported))
	}
	h, err := readHeadAt(ctx, st, o.Root)
	if err != nil {
		return fail(err)
	}
	if h.Digest != o.base && h.Digest != o.digest {
		return fail(fmt.Errorf("%w: the store's head is %s", ErrConflict, h.Inventory.Head))
	}
	// Files of an abandoned attempt at this version are in the way only
	// while the root sidecar still names the base version.
	reclaim := h.Digest == o.base
	put := func(ctx context.Context, s Source) error {
		err := putSource(ctx, st, s)
		if !errors.Is(err, fs.ErrExist) || !reclaim {
			return err
		}
		rep, ok := st.(store.Repairer)
		if !ok {
			return fmt.Errorf("%s holds a file of an abandoned write of %s, and the store cannot replace it: %w", s.Path, o.Version, err)
		}
		r, oerr := s.Open()
		if oerr != nil {
			return fmt.Errorf("open %s: %w", s.Path, oerr)
		}
		defer r.Close()
		if _, err := rep.Repair(ctx, s.Path, r, s.Size, strings.ToLower(s.SHA512)); err != nil && !errors.Is(err, store.ErrIntact) {
			return err
		}
		return nil
	}
	// Content, then the version inventory and its sidecar.
	start := 0
	for _, end := range o.phases[:2] {
		if err := putAll(ctx, o.writes[start:end], parallel, put); err != nil {
			return fail(err)
		}
		start = end
	}
	// The root inventory, then its sidecar, each swapped for what was
	// found when the write began.
	for i, old := range []string{h.rootDigest, h.sideDigest} {
		s := o.writes[o.phases[1+i]]
		r, err := s.Open()
		if err != nil {
			return fail(err)
		}
		_, err = rp.Replace(ctx, s.Path, old, r, s.Size, strings.ToLower(s.SHA512))
		r.Close()
		if errors.Is(err, store.ErrChanged) {
			return fail(fmt.Errorf("%w: %s changed during the write: %v", ErrConflict, path.Base(s.Path), err))
		}
		if err != nil {
			return fail(err)
		}
	}
	return nil
}

// Revision is a new version of an AIP as the catalog sees it.
type Revision struct {
	// AIP is the AIP as it is to be: its description, units, events and
	// agents, and in Files every file of every representation (the
	// original files and those of representations/<name>/data/...). Its
	// ID is the object's.
	AIP *preservation.AIP
	// Add holds the content of the files of AIP.Files that the head
	// version does not have (or has with other content), matched by
	// logical path.
	Add []Source
	// Submission holds metadata of a later submission for the AIP (e.g.
	// the delivery of a re-digitisation): files under PrefixSubmisson that
	// join the submission's metadata, a file of the same path replaced
	// (earlier versions keep it).
	Submission []Source
	// Created, User, Address and Message are as in Change.
	Created                time.Time
	User, Address, Message string
}

// Revise renders the next version of the AIP whose head h is in st: a new
// description record, a new PREMIS document (with every event of
// rev.AIP.Events: the earlier ones and the new) and a new METS document
// listing the new file set, plus the added files. Files of the head's
// representations that rev.AIP.Files no longer lists leave the new
// version's state (earlier versions keep them); the submission's metadata
// is kept, with rev.Submission added. It reads the sizes of the
// submission's metadata files from st.
// A revision that changes neither a file nor the description record nor
// PREMIS is ErrUnchanged.
func Revise(ctx context.Context, st store.Store, h *Head, rev Revision) (*Object, error) {
	a := rev.AIP
	if a == nil || h == nil || h.Inventory == nil || string(a.ID) != h.Inventory.ID {
		return nil, errors.New("aip: revision of another object")
	}
	inv := h.Inventory
	state := map[string]string{}
	for d, ps := range inv.Versions[inv.Head].State {
		for _, p := range ps {
			state[p] = strings.ToLower(d)
		}
	}
	add := map[string]Source{}
	for _, s := range rev.Add {
		if _, dup := add[s.Path]; dup {
			return nil, fmt.Errorf("aip: duplicate added file %q", s.Path)
		}
		add[s.Path] = s
	}
	listed := map[string]bool{}
	var puts []Source
	for _, f := range a.Files {
		if representationOf(f.Path) == "" {
			return nil, fmt.Errorf("aip: file %q is not in a representation (representations/<name>/data/...)", f.Path)
		}
		if listed[f.Path] {
			return nil, fmt.Errorf("aip: file %q listed twice", f.Path)
		}
		listed[f.Path] = true
		if s, ok := add[f.Path]; ok {
			if !strings.EqualFold(s.SHA512, f.SHA512) || s.Size != f.Size {
				return nil, fmt.Errorf("aip: file %q does not match its added content", f.Path)
			}
			puts = append(puts, s)
			continue
		}
		if d, ok := state[f.Path]; !ok || d != strings.ToLower(f.SHA512) {
			return nil, fmt.Errorf("aip: file %q is neither in %s with that digest nor added", f.Path, inv.Head)
		}
	}
	for p := range add {
		if !listed[p] {
			return nil, fmt.Errorf("aip: added file %q is not in the AIP's files", p)
		}
	}
	var remove []string
	var subMD []mdFile
	for p, d := range state {
		switch {
		case representationOf(p) != "" && !listed[p]:
			remove = append(remove, p)
		case strings.HasPrefix(p, PrefixSubmisson):
			key, _, err := h.contentKey(p)
			if err != nil {
				return nil, err
			}
			info, err := st.Stat(ctx, key)
			if err != nil {
				return nil, fmt.Errorf("aip: %s: size of %s: %w", inv.ID, p, err)
			}
			subMD = append(subMD, mdFile{path: p, sha512: d, size: info.Size, mime: mimeByExt(p)})
		}
	}
	for _, s := range rev.Submission {
		if !strings.HasPrefix(s.Path, PrefixSubmisson) || !validLogical(s.Path) {
			return nil, fmt.Errorf("aip: submission metadata %q outside %s", s.Path, PrefixSubmisson)
		}
		if _, dup := add[s.Path]; dup {
			return nil, fmt.Errorf("aip: duplicate added file %q", s.Path)
		}
		add[s.Path] = s
		d := strings.ToLower(s.SHA512)
		if state[s.Path] == d {
			continue // there already
		}
		subMD = slices.DeleteFunc(subMD, func(m mdFile) bool { return m.path == s.Path })
		subMD = append(subMD, mdFile{path: s.Path, sha512: d, size: s.Size, mime: mimeByExt(s.Path)})
		puts = append(puts, s)
	}
	slices.SortFunc(subMD, func(x, y mdFile) int { return strings.Compare(x.path, y.path) })
	created := rev.Created
	if created.IsZero() {
		created = time.Now()
	}
	created = created.UTC().Truncate(time.Second)
	// The files in path order, as Read returns them, so that rendering the
	// AIP that was read gives the same PREMIS.
	canon := *a
	canon.Files = slices.Clone(a.Files)
	slices.SortStableFunc(canon.Files, func(x, y preservation.File) int { return strings.Compare(x.Path, y.Path) })
	desc, premis, mets, err := renderMetadata(&canon, a.Created.UTC().Truncate(time.Second), subMD, created)
	if err != nil {
		return nil, err
	}
	if len(puts) == 0 && len(remove) == 0 && state[PathDescription] == desc.SHA512 && state[PathPREMIS] == premis.SHA512 {
		// Only METS would change, by the date of the version.
		return nil, ErrUnchanged
	}
	puts = append(puts, desc, premis, mets)
	return NewVersion(h, Change{Put: puts, Remove: remove, Created: created, User: rev.User, Address: rev.Address, Message: rev.Message})
}
