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
	"net/url"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/store"
)

// Logical path prefixes inside an AIP.
const (
	PathMETS        = "METS.xml"
	PathDescription = "metadata/descriptive/description.json"
	PathPREMIS      = "metadata/preservation/premis.xml"
	PrefixOriginal  = "representations/original/data/"
	PrefixSubmisson = "metadata/submission/"
	contentDir      = "content"
	objectDecl      = "0=ocfl_object_1.1"
	objectDeclBody  = "ocfl_object_1.1\n"
	inventoryType   = "https://ocfl.io/1.1/spec/#inventory"
)

// ErrIncomplete marks an OCFL object whose root inventory or sidecar is
// missing or does not match: a write that has not finished.
var ErrIncomplete = errors.New("aip: object incomplete")

// Source is one file to be placed into an AIP.
type Source struct {
	// Path is the logical path inside the AIP.
	Path   string
	Size   int64
	SHA512 string
	// Open opens the content. It is called once per store written.
	Open func() (io.ReadCloser, error)
}

// FileSource returns a Source reading a file on disk.
func FileSource(logical, diskPath string, size int64, sha512hex string) Source {
	return Source{Path: logical, Size: size, SHA512: sha512hex,
		Open: func() (io.ReadCloser, error) { return os.Open(diskPath) }}
}

// BytesSource returns a Source holding b.
func BytesSource(logical string, b []byte) Source {
	sum := sha512.Sum512(b)
	return Source{Path: logical, Size: int64(len(b)), SHA512: hex.EncodeToString(sum[:]),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }}
}

// Package is everything an AIP is made of.
type Package struct {
	// AIP carries the id, title, dates, files (with logical paths under
	// PrefixOriginal, in the same order as Payload), events and agents.
	AIP *preservation.AIP
	// Payload holds the content of AIP.Files, matched by logical path.
	Payload []Source
	// Submission holds the submission's own metadata files; their logical
	// paths must start with PrefixSubmisson.
	Submission []Source
	// User and Address name who made the version (OCFL version user).
	User, Address string
	// Message is the OCFL version message.
	Message string
}

// Object is a rendered AIP, or a new version of one, ready to be written
// to stores.
type Object struct {
	ID string
	// Root is the store key of the object root.
	Root string
	// Version is the version the write makes: "v1" for New, "v<n+1>" for
	// NewVersion.
	Version string
	writes  []Source // store keys relative to the store, in write order
	phases  []int    // index in writes where each phase ends
	// digest is the SHA-512 of the version's inventory; base, for a new
	// version of an existing object, that of the inventory it was made
	// from ("" for v1).
	digest, base string
}

// descriptionRecord is metadata/descriptive/description.json.
type descriptionRecord struct {
	Schema      string         `json:"schema"`
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Profile     string         `json:"profile"`
	Submission  string         `json:"submission,omitempty"`
	Fingerprint string         `json:"fingerprint"`
	Created     time.Time      `json:"created"`
	Description map[string]any `json:"description,omitempty"`
	// Units are the units of description the AIP holds.
	Units []preservation.Unit `json:"units,omitempty"`
	// Representations record where the AIP's representations came from.
	Representations []preservation.Representation `json:"representations,omitempty"`
}

const descriptionSchema = "magazin-description/1"

// New renders pkg into an OCFL object: description record, PREMIS, METS
// and the version 1 inventory. It reads no file content.
func New(pkg Package) (*Object, error) {
	a := pkg.AIP
	if a == nil || !strings.HasPrefix(string(a.ID), "urn:uuid:") {
		return nil, fmt.Errorf("aip: package needs an urn:uuid id")
	}
	if len(a.Files) != len(pkg.Payload) {
		return nil, fmt.Errorf("aip: %d files described but %d payload sources", len(a.Files), len(pkg.Payload))
	}
	created := a.Created.UTC().Truncate(time.Second)
	var all []Source
	seen := map[string]bool{}
	add := func(s Source) error {
		if !validLogical(s.Path) {
			return fmt.Errorf("aip: invalid logical path %q", s.Path)
		}
		if seen[s.Path] {
			return fmt.Errorf("aip: duplicate logical path %q", s.Path)
		}
		for p := path.Dir(s.Path); p != "."; p = path.Dir(p) {
			if seen[p] {
				return fmt.Errorf("aip: logical path %q conflicts with file %q", s.Path, p)
			}
		}
		seen[s.Path] = true
		all = append(all, s)
		return nil
	}
	for i, s := range pkg.Payload {
		f := a.Files[i]
		if f.Path != s.Path || f.SHA512 != s.SHA512 || f.Size != s.Size {
			return nil, fmt.Errorf("aip: file %q does not match its payload source", f.Path)
		}
		if representationOf(s.Path) == "" || f.DerivedFrom != "" {
			return nil, fmt.Errorf("aip: payload %q is not a submitted file of a representation (representations/<name>/data/...)", s.Path)
		}
		if err := add(s); err != nil {
			return nil, err
		}
	}
	var subMD []mdFile
	for _, s := range pkg.Submission {
		if !strings.HasPrefix(s.Path, PrefixSubmisson) {
			return nil, fmt.Errorf("aip: submission metadata %q outside %s", s.Path, PrefixSubmisson)
		}
		if err := add(s); err != nil {
			return nil, err
		}
		subMD = append(subMD, mdFile{path: s.Path, sha512: s.SHA512, size: s.Size, mime: mimeByExt(s.Path)})
	}
	desc, premis, mets, err := renderMetadata(a, created, subMD, time.Time{})
	if err != nil {
		return nil, err
	}
	for _, s := range []Source{mets, desc, premis} {
		if err := add(s); err != nil {
			return nil, err
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Path < all[j].Path })

	// Inventory: content-addressed, one content path per distinct digest.
	inv := &Inventory{
		ID: string(a.ID), Type: inventoryType, DigestAlgorithm: "sha512", Head: "v1",
		ContentDirectory: "", Manifest: map[string][]string{},
		Versions: map[string]*Version{},
	}
	state := map[string][]string{}
	root := ObjectKey(string(a.ID))
	o := &Object{ID: string(a.ID), Root: root, Version: "v1"}
	o.writes = append(o.writes, BytesSource(root+"/"+objectDecl, []byte(objectDeclBody)))
	o.phases = append(o.phases, len(o.writes))
	for _, s := range all {
		d := strings.ToLower(s.SHA512)
		if _, ok := inv.Manifest[d]; !ok {
			cp := "v1/" + contentDir + "/" + s.Path
			inv.Manifest[d] = []string{cp}
			w := s
			w.Path = root + "/" + cp
			o.writes = append(o.writes, w)
		}
		state[d] = append(state[d], s.Path)
	}
	o.phases = append(o.phases, len(o.writes))
	user := pkg.User
	if user == "" {
		user = "magazin"
	}
	v := &Version{Created: created, State: state, Message: pkg.Message}
	addr := pkg.Address
	if addr == "" {
		// OCFL asks for a URI (W008, W009); name the local account.
		addr = "urn:magazin:user:" + url.PathEscape(user)
	}
	v.User = &User{Name: user, Address: addr}
	if v.Message == "" {
		v.Message = "Ingest of " + a.Title
	}
	inv.Versions["v1"] = v
	invJSON, err := inv.Marshal()
	if err != nil {
		return nil, fmt.Errorf("aip: inventory: %w", err)
	}
	o.addInventory(invJSON)
	return o, nil
}

// addInventory appends the inventory phases to o's writes: the version
// inventory and its sidecar, the root inventory, the root sidecar.
func (o *Object) addInventory(invJSON []byte) {
	invSum := sha512.Sum512(invJSON)
	o.digest = hex.EncodeToString(invSum[:])
	sidecar := []byte(o.digest + " inventory.json\n")
	o.writes = append(o.writes,
		BytesSource(o.Root+"/"+o.Version+"/inventory.json", invJSON),
		BytesSource(o.Root+"/"+o.Version+"/inventory.json.sha512", sidecar))
	o.phases = append(o.phases, len(o.writes))
	o.writes = append(o.writes, BytesSource(o.Root+"/inventory.json", invJSON))
	o.phases = append(o.phases, len(o.writes))
	o.writes = append(o.writes, BytesSource(o.Root+"/inventory.json.sha512", sidecar))
	o.phases = append(o.phases, len(o.writes))
}

// renderMetadata renders the description record, PREMIS and METS of a.
// created is the AIP's creation time, modified (when not zero) the time of
// the version that changes it.
func renderMetadata(a *preservation.AIP, created time.Time, subMD []mdFile, modified time.Time) (desc, premis, mets Source, err error) {
	descJSON, err := json.MarshalIndent(descriptionRecord{Schema: descriptionSchema, ID: string(a.ID), Title: a.Title,
		Profile: a.Profile, Submission: a.Submission, Fingerprint: a.Fingerprint, Created: created,
		Description: a.Description, Units: a.Units, Representations: a.Representations}, "", "  ")
	if err != nil {
		return desc, premis, mets, fmt.Errorf("aip: description record: %w", err)
	}
	desc = BytesSource(PathDescription, append(descJSON, '\n'))
	var pb bytes.Buffer
	if err := encodePREMIS(a, &pb); err != nil {
		return desc, premis, mets, err
	}
	premis = BytesSource(PathPREMIS, pb.Bytes())
	var mb bytes.Buffer
	err = encodeMETS(a,
		mdFile{path: desc.Path, sha512: desc.SHA512, size: desc.Size, mime: "application/json"},
		mdFile{path: premis.Path, sha512: premis.SHA512, size: premis.Size, mime: "text/xml"},
		subMD, modified, &mb)
	if err != nil {
		return desc, premis, mets, err
	}
	return desc, premis, BytesSource(PathMETS, mb.Bytes()), nil
}

// Keys returns every store key the object consists of, in write order.
func (o *Object) Keys() []string {
	ks := make([]string, len(o.writes))
	for i, w := range o.writes {
		ks[i] = w.Path
	}
	return ks
}

// InitRoot makes sure st holds the OCFL storage root declaration and layout
// files. It is idempotent.
func InitRoot(ctx context.Context, st store.Store) error {
	keys := make([]string, 0, len(rootFiles))
	for k := range rootFiles {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// The declaration goes last so that a root is declared only when complete.
	sort.SliceStable(keys, func(i, j int) bool { return keys[j] == "0=ocfl_1.1" && keys[i] != keys[j] })
	for _, k := range keys {
		s := BytesSource(RootPrefix+"/"+k, []byte(rootFiles[k]))
		if err := putSource(ctx, st, s); err != nil {
			return fmt.Errorf("aip: init storage root in %s: %w", st, err)
		}
	}
	return nil
}

// Write puts the object into st in crash-safe order. Content files are
// written concurrently (up to parallel at once); each later phase starts
// only when the previous one has completed. Writing an object that is
// already complete in st is a no-op. A new version (NewVersion) is written
// as described there.
func (o *Object) Write(ctx context.Context, st store.Store, parallel int) error {
	if err := InitRoot(ctx, st); err != nil {
		return err
	}
	if parallel < 1 {
		parallel = 1
	}
	if o.base != "" {
		return o.writeVersion(ctx, st, parallel)
	}
	start := 0
	for _, end := range o.phases {
		if err := putAll(ctx, o.writes[start:end], parallel, func(ctx context.Context, s Source) error {
			return putSource(ctx, st, s)
		}); err != nil {
			return fmt.Errorf("aip: write %s to %s: %w", o.ID, st, err)
		}
		start = end
	}
	return nil
}

// putAll calls put for every source, up to parallel at once, and returns
// the first error.
func putAll(ctx context.Context, srcs []Source, parallel int, put func(context.Context, Source) error) error {
	if len(srcs) == 1 || parallel == 1 {
		for _, s := range srcs {
			if err := put(ctx, s); err != nil {
				return err
			}
		}
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		ferr error
	)
	ch := make(chan Source)
	for i := 0; i < parallel; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range ch {
				if err := put(ctx, s); err != nil {
					mu.Lock()
					if ferr == nil {
						ferr = err
						cancel()
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, s := range srcs {
		select {
		case ch <- s:
		case <-ctx.Done():
		}
	}
	close(ch)
	wg.Wait()
	if ferr == nil {
		ferr = ctx.Err()
	}
	return ferr
}

func putSource(ctx context.Context, st store.Store, s Source) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r, err := s.Open()
	if err != nil {
		return fmt.Errorf("open %s: %w", s.Path, err)
	}
	defer r.Close()
	if _, err := st.Put(ctx, s.Path, r, s.Size, strings.ToLower(s.SHA512)); err != nil {
		return err
	}
	return nil
}

// Verify reads every key of the object back from st and checks its SHA-512.
func (o *Object) Verify(ctx context.Context, st store.Store) error {
	for _, w := range o.writes {
		if err := checkKey(ctx, st, w.Path, w.Size, w.SHA512); err != nil {
			return fmt.Errorf("aip: read-back of %s from %s: %w", o.ID, st, err)
		}
	}
	return nil
}

// checkKey streams key from st and compares size and SHA-512.
func checkKey(ctx context.Context, st store.Store, key string, size int64, want string) error {
	rc, _, err := st.Get(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	h := sha512.New()
	n, err := io.Copy(h, store.ContextReader(ctx, rc))
	if err != nil {
		return fmt.Errorf("read %s: %w", key, err)
	}
	if n != size {
		return fmt.Errorf("%s: %w: got %d bytes, want %d", key, store.ErrSizeMismatch, n, size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, want) {
		return fmt.Errorf("%s: %w: got %s…, want %s…", key, store.ErrDigestMismatch, got[:16], want[:min(16, len(want))])
	}
	return nil
}

// validLogical reports whether p is an acceptable OCFL logical path.
func validLogical(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
		return false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return !strings.ContainsRune(p, 0)
}

func mimeByExt(p string) string {
	switch strings.ToLower(path.Ext(p)) {
	case ".xml":
		return "text/xml"
	case ".json":
		return "application/json"
	case ".txt":
		return "text/plain"
	default:
		return "application/octet-stream"
	}
}
