package aip

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
	"sort"
	"strconv"
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/store"
)

// maxMetadataSize bounds how much of an inventory or metadata file is read.
const maxMetadataSize = 256 << 20

// Head is an object's current version as read from a store: the inventory
// its root sidecar confirms.
type Head struct {
	Root      string
	Inventory *Inventory
	// Digest is the SHA-512 of the head inventory, as named by the root
	// sidecar.
	Digest string
	// Updating reports that the root inventory.json is not the one its
	// sidecar names: a new version is being written (the root inventory is
	// replaced before its sidecar), or the root inventory is damaged. The
	// head is then the version inventory vN/inventory.json that the sidecar
	// names.
	Updating bool
	// rootDigest and sideDigest are the SHA-512 of the root inventory.json
	// and of inventory.json.sha512 as found, for compare-and-swap.
	rootDigest, sideDigest string
}

// ReadHead reads the current version of id in st: the inventory that the
// root sidecar inventory.json.sha512 names. That is the root inventory,
// except while a new version is being written (see Head.Updating). A
// missing root inventory or sidecar, or a sidecar that names no inventory
// of the object, yields ErrIncomplete.
func ReadHead(ctx context.Context, st store.Store, id string) (*Head, error) {
	return readHeadAt(ctx, st, ObjectKey(id))
}

func readHeadAt(ctx context.Context, st store.Store, root string) (*Head, error) {
	invBytes, err := readAll(ctx, st, root+"/inventory.json")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w: no root inventory", root, ErrIncomplete)
		}
		return nil, err
	}
	side, err := readAll(ctx, st, root+"/inventory.json.sha512")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w: no inventory sidecar", root, ErrIncomplete)
		}
		return nil, err
	}
	named, ok := sidecarDigest(side)
	if !ok {
		return nil, fmt.Errorf("%s: %w: sidecar is not a sha512 sidecar of inventory.json", root, ErrIncomplete)
	}
	h := &Head{Root: root, Digest: named, rootDigest: sha512hex(invBytes), sideDigest: sha512hex(side)}
	if h.rootDigest != named {
		// The root inventory was replaced and its sidecar not yet: the
		// sidecar names the version inventory that is still the head.
		h.Updating = true
		if invBytes, err = h.namedVersion(ctx, st, invBytes); err != nil {
			return nil, err
		}
	}
	inv, err := ParseInventory(invBytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", root, err)
	}
	if ObjectKey(inv.ID) != root {
		return nil, fmt.Errorf("%s: inventory id %q does not map to this object root", root, inv.ID)
	}
	h.Inventory = inv
	return h, nil
}

// namedVersion finds the version inventory whose digest the root sidecar
// names, trying the versions from one after the root inventory's head
// downwards, and returns its bytes. Its own sidecar must confirm it too.
func (h *Head) namedVersion(ctx context.Context, st store.Store, rootInv []byte) ([]byte, error) {
	top := 0
	if inv, err := ParseInventory(rootInv); err == nil {
		top = versionNumber(inv.Head)
	}
	if top == 0 {
		// The root inventory is unreadable: look at the version
		// directories there are.
		for info, err := range st.List(ctx, h.Root+"/v") {
			if err != nil {
				return nil, err
			}
			rel := strings.TrimPrefix(info.Key, h.Root+"/")
			if dir, file, ok := strings.Cut(rel, "/"); ok && file == "inventory.json" {
				top = max(top, versionNumber(dir))
			}
		}
	}
	for n := top + 1; n >= 1; n-- {
		v := fmt.Sprintf("%s/v%d/inventory.json", h.Root, n)
		b, err := readAll(ctx, st, v)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if sha512hex(b) != h.Digest {
			continue
		}
		side, err := readAll(ctx, st, v+".sha512")
		if d, ok := sidecarDigest(side); err != nil || !ok || d != h.Digest {
			continue
		}
		return b, nil
	}
	return nil, fmt.Errorf("%s: %w: the root sidecar names no inventory of the object", h.Root, ErrIncomplete)
}

// sidecarDigest returns the lower-case digest an inventory sidecar names.
func sidecarDigest(side []byte) (string, bool) {
	f := strings.Fields(string(side))
	if len(f) != 2 || f[1] != "inventory.json" || !store.ValidSHA512(strings.ToLower(f[0])) {
		return "", false
	}
	return strings.ToLower(f[0]), true
}

// versionNumber returns n for a version directory name "v<n>" without
// zero padding, else 0.
func versionNumber(v string) int {
	s, ok := strings.CutPrefix(v, "v")
	if !ok || s == "" || s[0] == '0' {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0
	}
	return n
}

func sha512hex(b []byte) string {
	sum := sha512.Sum512(b)
	return hex.EncodeToString(sum[:])
}

// contentKey returns the store key of the content holding logical path p in
// the head version.
func (h *Head) contentKey(p string) (string, string, error) {
	inv := h.Inventory
	v, ok := inv.Versions[inv.Head]
	if !ok {
		return "", "", fmt.Errorf("aip: %s: head version %s missing", inv.ID, inv.Head)
	}
	for d, paths := range v.State {
		for _, lp := range paths {
			if lp == p {
				cps := inv.Manifest[d]
				if len(cps) == 0 {
					return "", "", fmt.Errorf("aip: %s: digest of %s not in manifest", inv.ID, p)
				}
				return h.Root + "/" + cps[0], d, nil
			}
		}
	}
	return "", "", &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
}

// Open opens logical path p of the head version of the object and checks
// its digest while reading: the returned reader fails at EOF on a mismatch.
func (h *Head) Open(ctx context.Context, st store.Store, p string) (io.ReadCloser, int64, error) {
	key, d, err := h.contentKey(p)
	if err != nil {
		return nil, 0, err
	}
	rc, info, err := st.Get(ctx, key)
	if err != nil {
		return nil, 0, err
	}
	return &verifyingReader{rc: rc, h: sha512.New(), want: d, key: key}, info.Size, nil
}

type verifyingReader struct {
	rc io.ReadCloser
	h  interface {
		Write([]byte) (int, error)
		Sum([]byte) []byte
	}
	want string
	key  string
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.rc.Read(p)
	v.h.Write(p[:n])
	if err == io.EOF {
		if got := hex.EncodeToString(v.h.Sum(nil)); !strings.EqualFold(got, v.want) {
			return n, fmt.Errorf("aip: %s: %w", v.key, store.ErrDigestMismatch)
		}
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.rc.Close() }

// Read reads the AIP id from st: its description record, PREMIS (files,
// events, agents) and head version.
func Read(ctx context.Context, st store.Store, id string) (*preservation.AIP, error) {
	h, err := ReadHead(ctx, st, id)
	if err != nil {
		return nil, err
	}
	return h.AIP(ctx, st)
}

// AIP decodes the catalog view of the object at its head version.
func (h *Head) AIP(ctx context.Context, st store.Store) (*preservation.AIP, error) {
	inv := h.Inventory
	a := &preservation.AIP{ID: preservation.AIPID(inv.ID)}
	a.Version, _ = strconv.Atoi(strings.TrimLeft(strings.TrimPrefix(inv.Head, "v"), "0"))
	descBytes, err := h.readLogical(ctx, st, PathDescription)
	if err != nil {
		return nil, err
	}
	var rec descriptionRecord
	if err := json.Unmarshal(descBytes, &rec); err != nil {
		return nil, fmt.Errorf("aip: %s: description record: %w", inv.ID, err)
	}
	a.Title, a.Profile, a.Submission, a.Fingerprint, a.Created, a.Description, a.Units, a.Representations =
		rec.Title, rec.Profile, rec.Submission, rec.Fingerprint, rec.Created, rec.Description, rec.Units, rec.Representations
	premisBytes, err := h.readLogical(ctx, st, PathPREMIS)
	if err != nil {
		return nil, err
	}
	if err := decodePREMIS(bytes.NewReader(premisBytes), a); err != nil {
		return nil, fmt.Errorf("aip: %s: %w", inv.ID, err)
	}
	for _, f := range a.Files {
		a.Size += f.Size
	}
	return a, nil
}

func (h *Head) readLogical(ctx context.Context, st store.Store, p string) ([]byte, error) {
	rc, _, err := h.Open(ctx, st, p)
	if err != nil {
		return nil, fmt.Errorf("aip: %s: %w", h.Inventory.ID, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxMetadataSize))
	if err != nil {
		return nil, fmt.Errorf("aip: %s: read %s: %w", h.Inventory.ID, p, err)
	}
	return b, nil
}

// Found is one object root found in a store by Scan.
type Found struct {
	Head *Head
	// Err is set when the object is incomplete or unreadable.
	Err error
	// Root is the object root key (set even when Err is).
	Root string
}

// Scan lists the objects of the storage root in st, in key order.
// Incomplete objects are yielded with Err matching ErrIncomplete.
func Scan(ctx context.Context, st store.Store) iter.Seq2[Found, error] {
	return func(yield func(Found, error) bool) {
		roots := map[string]bool{}
		var order []string
		for info, err := range st.List(ctx, RootPrefix+"/") {
			if err != nil {
				yield(Found{}, err)
				return
			}
			// Object roots are recognised by their declaration file.
			if strings.HasSuffix(info.Key, "/"+objectDecl) {
				root := strings.TrimSuffix(info.Key, "/"+objectDecl)
				if isObjectRootInventory(root+"/inventory.json") && !roots[root] {
					roots[root] = true
					order = append(order, root)
				}
			}
		}
		sort.Strings(order)
		for _, root := range order {
			h, err := readHeadAt(ctx, st, root)
			if err != nil && ctx.Err() != nil {
				yield(Found{}, ctx.Err())
				return
			}
			if !yield(Found{Head: h, Err: err, Root: root}, nil) {
				return
			}
		}
	}
}

func readAll(ctx context.Context, st store.Store, key string) ([]byte, error) {
	rc, info, err := st.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if info.Size > maxMetadataSize {
		return nil, fmt.Errorf("aip: %s is %d bytes, more than %d", key, info.Size, maxMetadataSize)
	}
	return io.ReadAll(io.LimitReader(store.ContextReader(ctx, rc), maxMetadataSize+1))
}

// At returns a read-only view of the object at an earlier version v
// ("v1", …): its Open, AIP and Files read that version's state. The head
// itself is unchanged. An unknown version is fs.ErrNotExist.
func (h *Head) At(v string) (*Head, error) {
	if _, ok := h.Inventory.Versions[v]; !ok {
		return nil, fmt.Errorf("aip: %s: version %q: %w", h.Inventory.ID, v, fs.ErrNotExist)
	}
	inv := *h.Inventory
	inv.Head = v
	at := *h
	at.Inventory = &inv
	return &at, nil
}

// VersionNames returns the names of the object's versions, oldest first.
func (h *Head) VersionNames() []string {
	names := make([]string, 0, len(h.Inventory.Versions))
	for v := range h.Inventory.Versions {
		names = append(names, v)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := versionNumber(names[i]), versionNumber(names[j])
		if a != b {
			return a < b
		}
		return names[i] < names[j]
	})
	return names
}

// Paths returns the logical paths of the view's version, sorted.
func (h *Head) Paths() ([]string, error) {
	v := h.Inventory.Versions[h.Inventory.Head]
	if v == nil {
		return nil, fmt.Errorf("aip: %s: version %s missing", h.Inventory.ID, h.Inventory.Head)
	}
	var paths []string
	for _, ps := range v.State {
		paths = append(paths, ps...)
	}
	sort.Strings(paths)
	return paths, nil
}

// ContentKey returns the store key of the content holding logical path p
// in the view's version and its SHA-512 as the inventory records it (in
// lower case). A caller that reads the key itself checks the digest.
func (h *Head) ContentKey(p string) (key, sha512 string, err error) {
	if !validLogical(p) {
		return "", "", fmt.Errorf("aip: %s: invalid logical path %q", h.Inventory.ID, p)
	}
	key, d, err := h.contentKey(p)
	return key, strings.ToLower(d), err
}
