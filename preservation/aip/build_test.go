package aip_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

func sum(b []byte) string {
	s := sha512.Sum512(b)
	return hex.EncodeToString(s[:])
}

// samplePackage returns a package with two identical files (deduplicated in
// the OCFL manifest), umlauts and spaces in names, and one submission
// metadata file.
func samplePackage(t testing.TB) aip.Package {
	t.Helper()
	contents := map[string][]byte{
		"Akte 1/Brief an Frau Müller.txt": []byte("Sehr geehrte Frau Müller,\n"),
		"Akte 1/Kopie.txt":                []byte("Sehr geehrte Frau Müller,\n"),
		"Akte 1/Anlage #1 (50%).pdf":      []byte("%PDF-1.4\n%%EOF\n"),
	}
	a := &preservation.AIP{ID: "urn:uuid:6f1c9a52-9d0e-4c33-8a43-3b1f2f1c0a11", Version: 1,
		Created: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), Title: "Bauakte Müller", Profile: "folder",
		Fingerprint: "fp", Description: map[string]any{"Source-Organization": "Landratsamt"},
		Agents: []preservation.Agent{{ID: "magazin", Name: "magazin", Type: "software", Version: "test"}}}
	var payload []aip.Source
	for _, name := range []string{"Akte 1/Anlage #1 (50%).pdf", "Akte 1/Brief an Frau Müller.txt", "Akte 1/Kopie.txt"} {
		b := contents[name]
		f := preservation.File{Path: aip.PrefixOriginal + name, Name: name, Size: int64(len(b)), SHA512: sum(b),
			PUID: "x-fmt/111", FormatName: "Plain Text File", MIME: "text/plain"}
		a.Files = append(a.Files, f)
		a.Size += f.Size
		payload = append(payload, aip.BytesSource(f.Path, b))
	}
	a.Events = []preservation.Event{{ID: "3b0c7a4e-0000-4000-8000-000000000001", Type: preservation.EventIngestion,
		DateTime: a.Created, Detail: "test ingest", Outcome: preservation.OutcomeSuccess, Agents: []string{"magazin"}}}
	return aip.Package{AIP: a, Payload: payload,
		Submission: []aip.Source{aip.BytesSource(aip.PrefixSubmisson+"bag-info.txt", []byte("Source-Organization: Landratsamt\n"))}}
}

func TestBuildWriteReadValidate(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	pkg := samplePackage(t)
	obj, err := aip.New(pkg)
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.Write(ctx, st, 3); err != nil {
		t.Fatal(err)
	}
	if err := obj.Verify(ctx, st); err != nil {
		t.Fatal(err)
	}
	// Writing the same object again is a no-op (crash-retry safety).
	if err := obj.Write(ctx, st, 1); err != nil {
		t.Fatalf("rewrite: %v", err)
	}
	res := aip.ValidateObject(ctx, aip.NewStoreFS(ctx, st, obj.Root), ".")
	if len(res.Errors)+len(res.Warnings) != 0 {
		t.Fatalf("our AIP does not validate cleanly: %+v", res)
	}
	got, err := aip.Read(ctx, st, obj.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := *pkg.AIP
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("read back differs (-want +got):\n%s", diff)
	}
	// Deduplication: the two identical files share one content path.
	h, err := aip.ReadHead(ctx, st, obj.ID)
	if err != nil {
		t.Fatal(err)
	}
	d := pkg.AIP.Files[1].SHA512
	if n := len(h.Inventory.Manifest[d]); n != 1 {
		t.Errorf("manifest has %d content paths for a duplicated digest, want 1", n)
	}
	if n := len(h.Inventory.Versions["v1"].State[d]); n != 2 {
		t.Errorf("state has %d logical paths for the duplicated digest, want 2", n)
	}
	v, err := aip.Verify(ctx, st, obj.ID)
	if err != nil || !v.OK {
		t.Fatalf("Verify = %+v, %v", v, err)
	}
}

func TestExport(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	pkg := samplePackage(t)
	obj, err := aip.New(pkg)
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.Write(ctx, st, 2); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "export")
	n, err := aip.Export(ctx, st, obj.ID, out)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3+4 { // 3 payload, METS, PREMIS, description, bag-info
		t.Errorf("exported %d files, want 7", n)
	}
	b, err := os.ReadFile(filepath.Join(out, aip.PrefixOriginal, "Akte 1/Brief an Frau Müller.txt"))
	if err != nil || string(b) != "Sehr geehrte Frau Müller,\n" {
		t.Errorf("exported file = %q, %v", b, err)
	}
	if _, err := aip.Export(ctx, st, obj.ID, out); err == nil {
		t.Error("export into an existing directory must fail")
	}
}

// A write interrupted at any point leaves an object that is never read as
// an AIP, and completing the write afterwards yields a valid AIP.
func TestInterruptedWriteIsInvisibleAndResumable(t *testing.T) {
	ctx := context.Background()
	pkg := samplePackage(t)
	obj, err := aip.New(pkg)
	if err != nil {
		t.Fatal(err)
	}
	keys := obj.Keys()
	for cut := 1; cut < len(keys); cut++ {
		st := &cutStore{Store: mem.New(), budget: cut}
		if err := aip.InitRoot(ctx, st.Store); err != nil {
			t.Fatal(err)
		}
		err := obj.Write(ctx, st, 1)
		if !errors.Is(err, errCut) {
			t.Fatalf("cut %d: write error %v", cut, err)
		}
		if _, err := aip.Read(ctx, st.Store, obj.ID); !errors.Is(err, aip.ErrIncomplete) {
			t.Fatalf("cut %d of %d: read of an interrupted object = %v, want ErrIncomplete", cut, len(keys), err)
		}
		for f, err := range aip.Scan(ctx, st.Store) {
			if err != nil || f.Err == nil {
				t.Fatalf("cut %d: scan yields %+v, %v; want an incomplete object", cut, f, err)
			}
		}
		st.budget = 1 << 30
		if err := obj.Write(ctx, st, 1); err != nil {
			t.Fatalf("cut %d: resume: %v", cut, err)
		}
		if _, err := aip.Read(ctx, st.Store, obj.ID); err != nil {
			t.Fatalf("cut %d: after resume: %v", cut, err)
		}
	}
}

func TestVerifyDetectsBitRot(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	obj, err := aip.New(samplePackage(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.Write(ctx, st, 1); err != nil {
		t.Fatal(err)
	}
	// Flip a byte in one content file behind the store's back.
	var victim string
	for _, k := range obj.Keys() {
		if filepath.Ext(k) == ".pdf" {
			victim = k
		}
	}
	rot := &rotStore{Store: st, key: victim}
	v, err := aip.Verify(ctx, rot, obj.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.OK {
		t.Fatal("verification of a rotten object passed")
	}
	found := false
	for _, p := range v.Problems {
		if p.Code == "OCFL_E092" {
			found = true
		}
	}
	if !found {
		t.Errorf("want OCFL_E092 content digest mismatch, got %+v", v.Problems)
	}
	if v, err := aip.Verify(ctx, st, "urn:uuid:00000000-0000-4000-8000-000000000000"); err != nil || v.OK || v.Problems[0].Code != "AIP_MISSING" {
		t.Errorf("verify of a missing AIP = %+v, %v", v, err)
	}
}

func TestNewRejectsBadPackages(t *testing.T) {
	pkg := samplePackage(t)
	pkg.AIP.ID = "not-a-urn"
	if _, err := aip.New(pkg); err == nil {
		t.Error("id without urn:uuid accepted")
	}
	pkg = samplePackage(t)
	pkg.Payload[0].Path = aip.PrefixOriginal + "../../etc/passwd"
	pkg.AIP.Files[0].Path = pkg.Payload[0].Path
	if _, err := aip.New(pkg); err == nil {
		t.Error("logical path with .. accepted")
	}
}

var errCut = errors.New("simulated crash")

// cutStore fails every Put after budget successful ones.
type cutStore struct {
	store.Store
	budget int
}

func (c *cutStore) Put(ctx context.Context, key string, r io.Reader, size int64, d string) (store.Info, error) {
	if c.budget <= 0 {
		return store.Info{}, errCut
	}
	c.budget--
	return c.Store.Put(ctx, key, r, size, d)
}

// rotStore returns one object with a flipped byte.
type rotStore struct {
	store.Store
	key string
}

func (r *rotStore) Get(ctx context.Context, key string) (io.ReadCloser, store.Info, error) {
	rc, info, err := r.Store.Get(ctx, key)
	if err != nil || key != r.key {
		return rc, info, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, info, err
	}
	b[len(b)/2] ^= 0x01
	return io.NopCloser(bytes.NewReader(b)), info, nil
}
