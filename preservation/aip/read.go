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

// Head is an object's current root inventory as read from a store.
type Head struct {
	Root      string
	Inventory *Inventory
	// Digest is the SHA-512 of inventory.json, as confirmed by its sidecar.
	Digest string
}

// ReadHead reads and checks the root inventory of id in st. A missing or
// mismatching sidecar yields ErrIncomplete.
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
	sum := sha512.Sum512(invBytes)
	digest := hex.EncodeToString(sum[:])
	fields := strings.Fields(string(side))
	if len(fields) != 2 || fields[1] != "inventory.json" || !strings.EqualFold(fields[0], digest) {
		return nil, fmt.Errorf("%s: %w: sidecar does not match inventory", root, ErrIncomplete)
	}
	inv, err := ParseInventory(invBytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", root, err)
	}
	if ObjectKey(inv.ID) != root {
		return nil, fmt.Errorf("%s: inventory id %q does not map to this object root", root, inv.ID)
	}
	return &Head{Root: root, Inventory: inv, Digest: digest}, nil
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
	a.Title, a.Profile, a.Submission, a.Fingerprint, a.Created, a.Description, a.Units =
		rec.Title, rec.Profile, rec.Submission, rec.Fingerprint, rec.Created, rec.Description, rec.Units
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
