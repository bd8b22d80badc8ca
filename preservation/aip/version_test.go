package aip_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/aip/aiptest"
	"github.com/magazin-archiv/magazin/preservation/store"
	fsstore "github.com/magazin-archiv/magazin/preservation/store/fs"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

// describedPackage is samplePackage with a unit of description.
func describedPackage(t testing.TB) aip.Package {
	pkg := samplePackage(t)
	pkg.AIP.Units = []preservation.Unit{{ID: "urn:uuid:0c8f3a10-0000-4000-8000-000000000001", Level: preservation.LevelAkte,
		Title: "Bauakte Müller", Signatur: "20001 Nr. 1", AIP: pkg.AIP.ID}}
	return pkg
}

// edit returns the AIP a with its unit retitled and a PREMIS metadata
// modification event.
func edit(a *preservation.AIP, title string, at time.Time) *preservation.AIP {
	b := *a
	b.Units = append([]preservation.Unit(nil), a.Units...)
	b.Units[0].Title = title
	b.Events = append(append([]preservation.Event(nil), a.Events...), preservation.Event{
		ID: "3b0c7a4e-0000-4000-8000-0000000000" + at.Format("05"), Type: preservation.EventMetadataModification, DateTime: at,
		Detail: "description of " + b.Units[0].ID + " edited", Outcome: preservation.OutcomeSuccess, Agents: []string{"magazin"}})
	return &b
}

// migrate returns a with an access copy of its PDF and a migration event,
// and the copy's content.
func migrate(a *preservation.AIP, at time.Time) (*preservation.AIP, []aip.Source) {
	b := *a
	b.Files = append([]preservation.File(nil), a.Files...)
	png := []byte("\x89PNG\r\n\x1a\nnot really a picture")
	src := a.Files[0].Path
	f := preservation.File{Path: "representations/access/data/Akte 1/Anlage #1 (50%).png", Name: "Akte 1/Anlage #1 (50%).png",
		Size: int64(len(png)), SHA512: sum(png), PUID: "fmt/13", FormatName: "Portable Network Graphics", MIME: "image/png", DerivedFrom: src}
	// A second access file with the content of an original file: stored
	// once, in v1.
	dup := a.Files[1]
	dup.Path, dup.Name, dup.DerivedFrom = "representations/access/data/Akte 1/Brief.txt", "Akte 1/Brief.txt", a.Files[1].Path
	b.Files = append(b.Files, f, dup)
	b.Agents = append(append([]preservation.Agent(nil), a.Agents...), preservation.Agent{ID: "convert", Name: "ImageMagick convert", Type: "software", Version: "6.9"})
	b.Events = append(append([]preservation.Event(nil), a.Events...), preservation.Event{
		ID: "3b0c7a4e-0000-4000-8000-00000000ff01", Type: preservation.EventNormalization, DateTime: at,
		Detail: "access copy", Outcome: preservation.OutcomeSuccess, Agents: []string{"convert"},
		Objects: []string{src}, Outcomes: []string{f.Path}})
	return &b, []aip.Source{aip.BytesSource(f.Path, png), aip.BytesSource(dup.Path, []byte("Sehr geehrte Frau Müller,\n"))}
}

// filesUnder returns the files below dir, relative to it.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func revise(t *testing.T, ctx context.Context, st store.Store, want *preservation.AIP, add []aip.Source, at time.Time) *aip.Object {
	t.Helper()
	h, err := aip.ReadHead(ctx, st, string(want.ID))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := aip.Revise(ctx, st, h, aip.Revision{AIP: want, Add: add, Created: at, User: "archivist", Message: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

// The "done when": a description edit yields version v2, an
// added representation v3; both stay valid for ocfl-go and our validator,
// and no content file is stored twice.
func TestVersionsValidAndDeduplicated(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := fsstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	pkg := describedPackage(t)
	obj, err := aip.New(pkg)
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.Write(ctx, st, 2); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, filepath.FromSlash(obj.Root))
	v1Files := filesUnder(t, root)

	// v2: a description edit.
	t2 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	v1, err := aip.Read(ctx, st, obj.ID)
	if err != nil {
		t.Fatal(err)
	}
	want2 := edit(v1, "Bauakte Müller, Flurstück 12/3", t2)
	o2 := revise(t, ctx, st, want2, nil, t2)
	if o2.Version != "v2" {
		t.Fatalf("version = %s", o2.Version)
	}
	if err := o2.Write(ctx, st, 2); err != nil {
		t.Fatal(err)
	}
	if err := o2.Verify(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := o2.Write(ctx, st, 1); err != nil {
		t.Fatalf("writing v2 again: %v", err)
	}
	got2, err := aip.Read(ctx, st, obj.ID)
	if err != nil {
		t.Fatal(err)
	}
	want2.Version = 2
	if diff := cmp.Diff(want2, got2); diff != "" {
		t.Errorf("v2 read back differs (-want +got):\n%s", diff)
	}
	var added []string
	for _, f := range filesUnder(t, root) {
		if strings.HasPrefix(f, "v2/content/") {
			added = append(added, strings.TrimPrefix(f, "v2/content/"))
		}
	}
	if diff := cmp.Diff([]string{aip.PathMETS, aip.PathDescription, aip.PathPREMIS}, added); diff != "" {
		t.Errorf("v2 stores other content than the changed metadata (-want +got):\n%s", diff)
	}

	// v3: an access copy, and a second access file with content the
	// object already holds.
	t3 := t2.Add(time.Hour)
	want3, add := migrate(got2, t3)
	o3 := revise(t, ctx, st, want3, add, t3)
	if err := o3.Write(ctx, st, 2); err != nil {
		t.Fatal(err)
	}
	got3, err := aip.Read(ctx, st, obj.ID)
	if err != nil {
		t.Fatal(err)
	}
	want3.Version = 3
	want3.Size = 0
	for _, f := range want3.Files {
		want3.Size += f.Size
	}
	if diff := cmp.Diff(want3, got3, sortFiles); diff != "" {
		t.Errorf("v3 read back differs (-want +got):\n%s", diff)
	}
	var all, content []string
	for _, f := range filesUnder(t, root) {
		all = append(all, f)
		if strings.Contains(f, "/content/") {
			content = append(content, f)
		}
	}
	// Every content path holds a distinct digest: nothing stored twice.
	h, err := aip.ReadHead(ctx, st, obj.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(h.Inventory.Manifest); n != len(content) {
		t.Errorf("%d content files for %d distinct digests: %q", len(content), n, content)
	}
	// v1: 3 payload files of which 2 identical, bag-info, METS, PREMIS,
	// description = 6; v2: METS, PREMIS, description; v3: METS, PREMIS
	// and the PNG (the description record is the one of v2).
	if len(content) != 6+3+3 {
		t.Errorf("%d content files, want 12: %q", len(content), content)
	}
	// Besides content: the declaration, root inventory and sidecar, and
	// an inventory and sidecar per version.
	if len(all) != len(content)+3+3*2 || len(v1Files) != 6+3+2 {
		t.Errorf("object root holds %d files (v1: %d): %q", len(all), len(v1Files), all)
	}
	if dup := h.Inventory.Versions["v3"].State[strings.ToLower(want3.Files[1].SHA512)]; len(dup) != 3 {
		t.Errorf("the copied letter is not shared by 3 logical paths: %q", dup)
	}

	res := aip.ValidateObject(ctx, aip.NewStoreFS(ctx, st, obj.Root), ".")
	if len(res.Errors)+len(res.Warnings) != 0 {
		t.Errorf("v3 object does not validate cleanly: %+v", res)
	}
	if v, err := aip.Verify(ctx, st, obj.ID); err != nil || !v.OK {
		t.Errorf("Verify = %+v, %v", v, err)
	}
	aiptest.ValidateIndependently(t, filepath.Join(dir, aip.RootPrefix))

	// The earlier versions stay as they were.
	b, err := os.ReadFile(filepath.Join(root, "v1", "content", filepath.FromSlash(aip.PathDescription)))
	if err != nil || !strings.Contains(string(b), `"title": "Bauakte Müller"`) {
		t.Errorf("v1 description = %s, %v", b, err)
	}
	// METS of v3 lists both representations.
	rc, _, err := h.Open(ctx, st, aip.PathMETS)
	if err != nil {
		t.Fatal(err)
	}
	mets, _ := io.ReadAll(rc)
	rc.Close()
	for _, want := range []string{`USE="Representations/original"`, `USE="Representations/access"`, `LASTMODDATE="2026-12-01T10:00:00Z"`, `RECORDSTATUS="REVISED"`} {
		if !strings.Contains(string(mets), want) {
			t.Errorf("METS of v3 lacks %s", want)
		}
	}
}

var sortFiles = cmp.Transformer("sortFiles", func(fs []preservation.File) map[string]preservation.File {
	m := map[string]preservation.File{}
	for _, f := range fs {
		m[f.Path] = f
	}
	return m
})

// cutRS fails every Put, Replace and Repair after budget successful ones.
type cutRS struct {
	*mem.Store
	budget int
}

func (c *cutRS) spend() error {
	if c.budget <= 0 {
		return errCut
	}
	c.budget--
	return nil
}

func (c *cutRS) Put(ctx context.Context, key string, r io.Reader, size int64, d string) (store.Info, error) {
	if err := c.spend(); err != nil {
		return store.Info{}, err
	}
	return c.Store.Put(ctx, key, r, size, d)
}

func (c *cutRS) Replace(ctx context.Context, key, old string, r io.Reader, size int64, d string) (store.Info, error) {
	if err := c.spend(); err != nil {
		return store.Info{}, err
	}
	return c.Store.Replace(ctx, key, old, r, size, d)
}

func (c *cutRS) Repair(ctx context.Context, key string, r io.Reader, size int64, d string) (store.Info, error) {
	if err := c.spend(); err != nil {
		return store.Info{}, err
	}
	return c.Store.Repair(ctx, key, r, size, d)
}

// A version write interrupted after any number of writes leaves version
// v1 readable; writing the same version again completes it, and so does
// a different v2 made after the crash from the v1 that is still the head.
func TestInterruptedVersionWrite(t *testing.T) {
	ctx := context.Background()
	pkg := describedPackage(t)
	obj, err := aip.New(pkg)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var keys int
	for cut := 0; ; cut++ {
		st := &cutRS{Store: mem.New(), budget: 1 << 30}
		if err := obj.Write(ctx, st, 1); err != nil {
			t.Fatal(err)
		}
		v1, err := aip.Read(ctx, st, obj.ID)
		if err != nil {
			t.Fatal(err)
		}
		o2 := revise(t, ctx, st, edit(v1, "first attempt", at), nil, at)
		keys = len(o2.Keys())
		if cut == keys {
			break
		}
		st.budget = cut
		if err := o2.Write(ctx, st, 1); !errors.Is(err, errCut) {
			t.Fatalf("cut %d: write error %v", cut, err)
		}
		got, err := aip.Read(ctx, st, obj.ID)
		if err != nil || got.Version != 1 || got.Units[0].Title != "Bauakte Müller" {
			t.Fatalf("cut %d of %d: read during the interrupted write = %+v, %v; want v1", cut, keys, got, err)
		}
		for f, err := range aip.Scan(ctx, st.Store) {
			if err != nil || f.Err != nil || f.Head.Inventory.Head != "v1" {
				t.Fatalf("cut %d: scan yields %+v, %v; want the complete v1", cut, f, err)
			}
		}
		st.budget = 1 << 30
		if cut%2 == 0 {
			// The same write again completes the version.
			if err := o2.Write(ctx, st, 1); err != nil {
				t.Fatalf("cut %d: resume: %v", cut, err)
			}
			got, err = aip.Read(ctx, st, obj.ID)
			if err != nil || got.Version != 2 || got.Units[0].Title != "first attempt" {
				t.Fatalf("cut %d: after resume: %+v, %v", cut, got, err)
			}
		} else {
			// Another edit, made from the v1 that is still the head,
			// replaces what the abandoned attempt left.
			other := revise(t, ctx, st, edit(v1, "second attempt", at.Add(time.Minute)), nil, at.Add(time.Minute))
			if err := other.Write(ctx, st, 1); err != nil {
				t.Fatalf("cut %d: another v2 after the crash: %v", cut, err)
			}
			got, err = aip.Read(ctx, st, obj.ID)
			if err != nil || got.Version != 2 || got.Units[0].Title != "second attempt" {
				t.Fatalf("cut %d: after another v2: %+v, %v", cut, got, err)
			}
			// The abandoned attempt can no longer be completed.
			if err := o2.Write(ctx, st, 1); !errors.Is(err, aip.ErrConflict) {
				t.Errorf("cut %d: completing the abandoned attempt: %v, want ErrConflict", cut, err)
			}
		}
		if v, err := aip.Verify(ctx, st.Store, obj.ID); err != nil || !v.OK {
			t.Fatalf("cut %d: Verify = %+v, %v", cut, v, err)
		}
	}
	if keys < 5 {
		t.Fatalf("a v2 write has %d keys", keys)
	}
}

// Two versions made from the same head: the second to be written is
// refused, and so is a version from a store without store.Replacer.
func TestVersionConflictAndUnchanged(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	obj, err := aip.New(describedPackage(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.Write(ctx, st, 1); err != nil {
		t.Fatal(err)
	}
	v1, err := aip.Read(ctx, st, obj.ID)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	a := revise(t, ctx, st, edit(v1, "A", at), nil, at)
	b := revise(t, ctx, st, edit(v1, "B", at), nil, at)
	if err := a.Write(ctx, st, 1); err != nil {
		t.Fatal(err)
	}
	if err := b.Write(ctx, st, 1); !errors.Is(err, aip.ErrConflict) {
		t.Errorf("second version from the same head: %v, want ErrConflict", err)
	}
	if got, _ := aip.Read(ctx, st, obj.ID); got.Units[0].Title != "A" {
		t.Errorf("title = %q, want A", got.Units[0].Title)
	}
	h, err := aip.ReadHead(ctx, st, obj.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := aip.NewVersion(h, aip.Change{}); !errors.Is(err, aip.ErrUnchanged) {
		t.Errorf("empty change: %v, want ErrUnchanged", err)
	}
	plain := struct{ store.Store }{st}
	c, err := aip.NewVersion(h, aip.Change{Remove: []string{aip.PrefixSubmisson + "bag-info.txt"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Write(ctx, plain, 1); !errors.Is(err, store.ErrUnsupported) {
		t.Errorf("version into a store without Replacer: %v, want store.ErrUnsupported", err)
	}
	if _, err := aip.NewVersion(h, aip.Change{Remove: []string{"no/such/file"}}); err == nil {
		t.Error("removing a missing file accepted")
	}
	if _, err := aip.NewVersion(h, aip.Change{Put: []aip.Source{aip.BytesSource(aip.PathMETS+"/x", []byte("x"))}}); err == nil {
		t.Error("a path below a file accepted")
	}
}

// Update brings a replica that a crash left one version behind up to the
// others before it writes the next version to all of them.
func TestUpdateCatchesUpReplicas(t *testing.T) {
	ctx := context.Background()
	a, b := mem.New(), mem.New()
	obj, err := aip.New(describedPackage(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []store.Store{a, b} {
		if err := obj.Write(ctx, st, 1); err != nil {
			t.Fatal(err)
		}
	}
	v1, err := aip.Read(ctx, a, obj.ID)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	// v2 (with new content) reached a only.
	want2, add := migrate(v1, at)
	if err := revise(t, ctx, a, want2, add, at).Write(ctx, a, 1); err != nil {
		t.Fatal(err)
	}
	got, err := aip.Update(ctx, []store.Store{b, a}, obj.ID, func(cur *preservation.AIP, h *aip.Head) (*aip.Revision, error) {
		if h.Inventory.Head != "v2" || len(cur.Files) != 5 {
			return nil, errors.New("revise was not given the leading head")
		}
		return &aip.Revision{AIP: edit(cur, "after the catch-up", at), Created: at}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 3 || got.Units[0].Title != "after the catch-up" || len(got.Files) != 5 {
		t.Errorf("Update returned %+v", got)
	}
	for _, st := range []store.Store{a, b} {
		if v, err := aip.Verify(ctx, st, obj.ID); err != nil || !v.OK {
			t.Errorf("Verify in %p = %+v, %v", st, v, err)
		}
		if r, err := aip.Read(ctx, st, obj.ID); err != nil || r.Version != 3 {
			t.Errorf("Read = %+v, %v", r, err)
		}
	}
	// Unchanged: nothing is written.
	_, err = aip.Update(ctx, []store.Store{a, b}, obj.ID, func(cur *preservation.AIP, h *aip.Head) (*aip.Revision, error) {
		return &aip.Revision{AIP: cur}, nil
	})
	if !errors.Is(err, aip.ErrUnchanged) {
		t.Errorf("unchanged Update: %v", err)
	}
	// Diverging replicas are refused.
	for i, st := range []store.Store{a, b} {
		cur, _ := aip.Read(ctx, st, obj.ID)
		if err := revise(t, ctx, st, edit(cur, fmt.Sprint("diverged ", i), at), nil, at).Write(ctx, st, 1); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := aip.Update(ctx, []store.Store{a, b}, obj.ID, nil); !errors.Is(err, aip.ErrDivergent) {
		t.Errorf("diverging replicas: %v, want ErrDivergent", err)
	}
}

// recorder remembers the order of removals.
type recorder struct {
	*mem.Store
	removed []string
}

func (r *recorder) Remove(ctx context.Context, key string) error {
	r.removed = append(r.removed, key)
	return r.Store.Remove(ctx, key)
}

func TestDestroy(t *testing.T) {
	ctx := context.Background()
	st := &recorder{Store: mem.New()}
	keep, err := aip.New(samplePackage(t))
	if err != nil {
		t.Fatal(err)
	}
	pkg := describedPackage(t)
	pkg.AIP.ID = "urn:uuid:7e0f1d2c-1111-4000-8000-000000000002"
	obj, err := aip.New(pkg)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []*aip.Object{keep, obj} {
		if err := o.Write(ctx, st, 1); err != nil {
			t.Fatal(err)
		}
	}
	cur, _ := aip.Read(ctx, st, obj.ID)
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if err := revise(t, ctx, st, edit(cur, "v2", at), nil, at).Write(ctx, st, 1); err != nil {
		t.Fatal(err)
	}
	if until, err := aip.RetainedUntil(ctx, st, obj.ID); err != nil || !until.IsZero() {
		t.Errorf("RetainedUntil in a mem store = %v, %v", until, err)
	}
	n, err := aip.Destroy(ctx, st, obj.ID)
	if err != nil {
		t.Fatal(err)
	}
	root := aip.ObjectKey(obj.ID) + "/"
	if n != len(st.removed) || n < 10 {
		t.Fatalf("Destroy removed %d keys: %q", n, st.removed)
	}
	want := []string{"inventory.json.sha512", "inventory.json", "v2/inventory.json.sha512", "v2/inventory.json"}
	for i, w := range want {
		if st.removed[i] != root+w {
			t.Errorf("removal %d = %s, want %s", i, st.removed[i], w)
		}
	}
	if last := st.removed[n-1]; last != root+"0=ocfl_object_1.1" {
		t.Errorf("last removal = %s, want the declaration", last)
	}
	for info := range st.List(ctx, root) {
		t.Errorf("left behind: %s", info.Key)
	}
	if _, err := aip.Read(ctx, st, obj.ID); err == nil {
		t.Error("the destroyed AIP is still readable")
	}
	if _, err := aip.Read(ctx, st, keep.ID); err != nil {
		t.Errorf("another AIP was harmed: %v", err)
	}
	if n, err := aip.Destroy(ctx, st, obj.ID); n != 0 || err != nil {
		t.Errorf("second Destroy = %d, %v", n, err)
	}
}

// ReadHead follows the root sidecar also when the root inventory is older
// than it (a repair put back an old root inventory), and reports it.
func TestReadHeadFollowsTheSidecar(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	obj, err := aip.New(describedPackage(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.Write(ctx, st, 1); err != nil {
		t.Fatal(err)
	}
	h1, err := aip.ReadHead(ctx, st, obj.ID)
	if err != nil || h1.Updating {
		t.Fatalf("v1 head = %+v, %v", h1, err)
	}
	v1, _ := aip.Read(ctx, st, obj.ID)
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if err := revise(t, ctx, st, edit(v1, "v2", at), nil, at).Write(ctx, st, 1); err != nil {
		t.Fatal(err)
	}
	rc, _, err := st.Get(ctx, obj.Root+"/v1/inventory.json")
	if err != nil {
		t.Fatal(err)
	}
	old, _ := io.ReadAll(rc)
	rc.Close()
	cur, _, _ := st.Get(ctx, obj.Root+"/inventory.json")
	now, _ := io.ReadAll(cur)
	cur.Close()
	if _, err := st.Replace(ctx, obj.Root+"/inventory.json", sum(now), bytes.NewReader(old), int64(len(old)), sum(old)); err != nil {
		t.Fatal(err)
	}
	h, err := aip.ReadHead(ctx, st, obj.ID)
	if err != nil || h.Inventory.Head != "v2" || !h.Updating {
		t.Fatalf("head with an old root inventory = %+v, %v", h, err)
	}
	if v, err := aip.Verify(ctx, st, obj.ID); err != nil || v.OK {
		t.Errorf("Verify of a mismatched root = %+v, %v", v, err)
	}
	// A sidecar that names no inventory of the object: incomplete.
	bad := []byte(strings.Repeat("0", 128) + " inventory.json\n")
	side, _, _ := st.Get(ctx, obj.Root+"/inventory.json.sha512")
	sb, _ := io.ReadAll(side)
	side.Close()
	if _, err := st.Replace(ctx, obj.Root+"/inventory.json.sha512", sum(sb), bytes.NewReader(bad), int64(len(bad)), sum(bad)); err != nil {
		t.Fatal(err)
	}
	if _, err := aip.ReadHead(ctx, st, obj.ID); !errors.Is(err, aip.ErrIncomplete) {
		t.Errorf("a sidecar naming nothing: %v, want ErrIncomplete", err)
	}
}

// Revision.Submission adds the metadata of a later submission under
// metadata/submission/ (METS lists it; a file of the same path gets new
// content, the earlier version keeps the old); the same metadata again
// changes nothing, and a path outside metadata/submission/ is refused.
func TestReviseAddsSubmissionMetadata(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := fsstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := aip.New(describedPackage(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.Write(ctx, st, 1); err != nil {
		t.Fatal(err)
	}
	v1, err := aip.Read(ctx, st, obj.ID)
	if err != nil {
		t.Fatal(err)
	}
	h, err := aip.ReadHead(ctx, st, obj.ID)
	if err != nil {
		t.Fatal(err)
	}
	mapping := aip.BytesSource(aip.PrefixSubmisson+"lieferung-2/digitalisate.csv", []byte("Signatur;Ordner\n20001 Nr. 1;akte\n"))
	info := aip.BytesSource(aip.PrefixSubmisson+"bag-info.txt", []byte("Source-Organization: Scandienst\n"))
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	o2, err := aip.Revise(ctx, st, h, aip.Revision{AIP: v1, Submission: []aip.Source{mapping, info}, Created: at})
	if err != nil {
		t.Fatal(err)
	}
	if err := o2.Write(ctx, st, 1); err != nil {
		t.Fatal(err)
	}
	h2, err := aip.ReadHead(ctx, st, obj.ID)
	if err != nil {
		t.Fatal(err)
	}
	read := func(h *aip.Head, p string) string {
		t.Helper()
		rc, _, err := h.Open(ctx, st, p)
		if err != nil {
			t.Fatalf("%s %s: %v", h.Inventory.Head, p, err)
		}
		defer rc.Close()
		b, _ := io.ReadAll(rc)
		return string(b)
	}
	if got := read(h2, mapping.Path); !strings.Contains(got, "20001 Nr. 1;akte") {
		t.Errorf("v2 mapping = %q", got)
	}
	if got := read(h2, info.Path); got != "Source-Organization: Scandienst\n" {
		t.Errorf("v2 bag-info = %q", got)
	}
	at1, _ := h2.At("v1")
	if got := read(at1, info.Path); strings.Contains(got, "Scandienst") {
		t.Errorf("v1 bag-info changed: %q", got)
	}
	if mets := read(h2, aip.PathMETS); !strings.Contains(mets, "lieferung-2/digitalisate.csv") {
		t.Error("METS of v2 does not list the new submission metadata")
	}
	if res := aip.ValidateObject(ctx, aip.NewStoreFS(ctx, st, obj.Root), "."); len(res.Errors)+len(res.Warnings) != 0 {
		t.Errorf("v2 does not validate cleanly: %+v", res)
	}
	aiptest.ValidateIndependently(t, filepath.Join(dir, aip.RootPrefix))
	v2, err := aip.Read(ctx, st, obj.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := aip.Revise(ctx, st, h2, aip.Revision{AIP: v2, Submission: []aip.Source{mapping, info}, Created: at}); !errors.Is(err, aip.ErrUnchanged) {
		t.Errorf("the same metadata again: %v, want ErrUnchanged", err)
	}
	bad := aip.BytesSource(aip.PrefixOriginal+"x.csv", []byte("x"))
	if _, err := aip.Revise(ctx, st, h2, aip.Revision{AIP: v2, Submission: []aip.Source{bad}, Created: at}); err == nil || errors.Is(err, aip.ErrUnchanged) {
		t.Errorf("submission metadata in a representation: %v", err)
	}
}
