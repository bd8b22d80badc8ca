package ingest_test

import (
	"archive/zip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/magazin-archiv/magazin/ingest"
	"github.com/magazin-archiv/magazin/ingest/identify"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

var (
	identOnce sync.Once
	ident     *identify.Identifier
	identErr  error
)

func identifier(t testing.TB) *identify.Identifier {
	identOnce.Do(func() { ident, identErr = identify.New() })
	if identErr != nil {
		t.Fatal(identErr)
	}
	return ident
}

type rig struct {
	in     *ingest.Ingester
	stores []store.Store
	cat    *catalog.Catalog
	data   string
	idx    *fakeIndexer
}

type fakeIndexer struct {
	mu  sync.Mutex
	ids []string
}

func (f *fakeIndexer) IndexUnits(_ context.Context, units []preservation.Unit) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range units {
		f.ids = append(f.ids, string(u.AIP))
	}
	return nil
}

func newRig(t *testing.T, stores ...store.Store) *rig {
	t.Helper()
	if len(stores) == 0 {
		stores = []store.Store{mem.New(), mem.New()}
	}
	cat, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	data := t.TempDir()
	idx := &fakeIndexer{}
	in, err := ingest.New(ingest.DefaultConfig(data), stores, cat, identifier(t), ingest.WithIndexer(idx))
	if err != nil {
		t.Fatal(err)
	}
	return &rig{in: in, stores: stores, cat: cat, data: data, idx: idx}
}

func repoPath(t *testing.T, rel string) string {
	p, err := filepath.Abs(filepath.Join("..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func objectCount(t *testing.T, st store.Store) int {
	n := 0
	for f, err := range aip.Scan(context.Background(), st) {
		if err != nil {
			t.Fatal(err)
		}
		_ = f
		n++
	}
	return n
}

func TestIngestFolderIntoReplicas(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	res, err := r.in.Ingest(ctx, repoPath(t, "testdata/sample-transfer"), ingest.Options{Profile: "auto"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := res.AIPs[0]
	if res.Profile != "folder" || len(a.Files) != 5 || res.Existing != 0 || len(res.AIPs) != 1 {
		t.Fatalf("result = %+v", res)
	}
	puids := map[string]string{}
	for _, f := range a.Files {
		puids[f.Name] = f.PUID
	}
	if p := puids["Akte 2026-001 Bauantrag Müller/Lageplan.png"]; !strings.HasPrefix(p, "fmt/") {
		t.Errorf("PNG identified as %q", p)
	}
	if p := puids["Akte 2026-001 Bauantrag Müller/Eingangsbestätigung.pdf"]; !strings.HasPrefix(p, "fmt/") {
		t.Errorf("PDF identified as %q", p)
	}
	types := map[string]bool{}
	for _, e := range a.Events {
		types[e.Type] = true
	}
	for _, want := range []string{"ing", "mes", "for", "ipc", "val"} {
		if !types[want] {
			t.Errorf("no %s event in %+v", want, a.Events)
		}
	}
	for _, st := range r.stores {
		got, err := aip.Read(ctx, st, string(a.ID))
		if err != nil {
			t.Fatalf("%s: %v", st, err)
		}
		if len(got.Files) != 5 {
			t.Errorf("%s holds %d files", st, len(got.Files))
		}
	}
	if len(r.idx.ids) != 1 || r.idx.ids[0] != string(a.ID) {
		t.Errorf("indexer got %v", r.idx.ids)
	}
	again, err := r.in.Ingest(ctx, repoPath(t, "testdata/sample-transfer"), ingest.Options{Profile: "folder"}, nil)
	if err != nil || again.Existing != 1 || again.AIPs[0].ID != a.ID {
		t.Fatalf("resubmission = %+v, %v", again, err)
	}
	if n := objectCount(t, r.stores[0]); n != 1 {
		t.Errorf("store holds %d objects after resubmission, want 1", n)
	}
}

func TestIngestBag(t *testing.T) {
	r := newRig(t)
	res, err := r.in.Ingest(context.Background(), repoPath(t, "testdata/bagit/valid/basic-1.0-sha512"), ingest.Options{Profile: "auto"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Profile != "bagit" {
		t.Errorf("profile %q", res.Profile)
	}
	for _, f := range res.AIPs[0].Files {
		if strings.HasPrefix(f.Name, "data/") {
			t.Errorf("payload name keeps data/: %s", f.Name)
		}
	}
	h, err := aip.ReadHead(context.Background(), r.stores[0], string(res.AIPs[0].ID))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, paths := range h.Inventory.Versions["v1"].State {
		for _, p := range paths {
			if p == aip.PrefixSubmisson+"bag-info.txt" {
				found = true
			}
		}
	}
	if !found {
		t.Error("bag-info.txt not kept as submission metadata")
	}
}

// copyTree copies a directory for tests that damage it.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBagWithCorruptPayloadIsRejected(t *testing.T) {
	r := newRig(t)
	bag := filepath.Join(t.TempDir(), "bag")
	copyTree(t, repoPath(t, "testdata/bagit/valid/basic-1.0-sha512"), bag)
	var victim string
	filepath.WalkDir(filepath.Join(bag, "data"), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && victim == "" {
			victim = p
		}
		return nil
	})
	b, _ := os.ReadFile(victim)
	b[0] ^= 0x20
	os.WriteFile(victim, b, 0o644)
	_, err := r.in.Ingest(context.Background(), bag, ingest.Options{Profile: "bagit"}, nil)
	var rej *preservation.RejectedError
	if !errors.As(err, &rej) {
		t.Fatalf("err = %v, want RejectedError", err)
	}
	if !hasCode(rej.Problems, "FIXITY_MISMATCH") {
		t.Errorf("problems = %v", rej.Problems)
	}
	if _, err := os.Stat(filepath.Join(rej.Quarantine, "submission", filepath.Base(bag), "bagit.txt")); err != nil {
		t.Errorf("bag not in quarantine: %v", err)
	}
	for _, st := range r.stores {
		if n := objectCount(t, st); n != 0 {
			t.Errorf("%s holds %d objects after a rejection", st, n)
		}
	}
}

func hasCode(ps preservation.Problems, code string) bool {
	for _, p := range ps {
		if p.Code == code {
			return true
		}
	}
	return false
}

func TestZipOfFolder(t *testing.T) {
	r := newRig(t)
	zpath := filepath.Join(t.TempDir(), "Abgabe.zip")
	f, _ := os.Create(zpath)
	zw := zip.NewWriter(f)
	for _, name := range []string{"Abgabe/Akte/eins.txt", "Abgabe/Akte/zwei.txt"} {
		w, _ := zw.Create(name)
		io.WriteString(w, "Inhalt von "+name)
	}
	zw.Close()
	f.Close()
	res, err := r.in.Ingest(context.Background(), zpath, ingest.Options{Profile: "auto"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.AIPs[0].Files[0].Name != "Akte/eins.txt" {
		t.Errorf("names = %v", res.AIPs[0].Files)
	}
	if !hasEvent(res.AIPs[0], "unp") {
		t.Error("no unpacking event")
	}
	if left, _ := os.ReadDir(filepath.Join(r.data, "staging")); len(left) != 0 {
		t.Errorf("staging not cleaned: %v", left)
	}
}

func hasEvent(a *preservation.AIP, typ string) bool {
	for _, e := range a.Events {
		if e.Type == typ {
			return true
		}
	}
	return false
}

// failingStore refuses every write: an outage of the second replica.
type failingStore struct{ store.Store }

var errOutage = errors.New("replica down")

func (failingStore) Put(context.Context, string, io.Reader, int64, string) (store.Info, error) {
	return store.Info{}, errOutage
}

func TestReplicaFailureKeepsAIPInvisible(t *testing.T) {
	good := mem.New()
	r := newRig(t, good, failingStore{mem.New()})
	_, err := r.in.Ingest(context.Background(), repoPath(t, "testdata/sample-transfer"), ingest.Options{Profile: "folder"}, nil)
	if !errors.Is(err, errOutage) {
		t.Fatalf("err = %v, want the replica's error", err)
	}
	for a, err := range r.cat.AIPs(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		t.Errorf("AIP %s visible in the catalog although a replica failed", a.ID)
	}
	if len(r.idx.ids) != 0 {
		t.Errorf("indexed %v although a replica failed", r.idx.ids)
	}
}

func TestCancelledIngestStoresNothing(t *testing.T) {
	r := newRig(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := r.in.Ingest(ctx, repoPath(t, "testdata/sample-transfer"), ingest.Options{Profile: "folder"}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := objectCount(t, r.stores[0]); n != 0 {
		t.Errorf("%d objects stored by a cancelled ingest", n)
	}
}

func zipTree(t *testing.T, dir, dst string) {
	t.Helper()
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		w, _ := zw.Create(e.Name())
		w.Write(b)
	}
	zw.Close()
	f.Close()
}

// An xdomea transfer becomes one AIP per top-level object, each with the
// message pruned to it — or, on request, one AIP for all.
func TestXdomeaTransferAIPs(t *testing.T) {
	const pid = "9f313771-97ce-4536-b3de-2721748af32c"
	src := repoPath(t, "testdata/xdomea/3.0.0/"+pid+"_Aussonderung.Aussonderung.0503")
	zp := filepath.Join(t.TempDir(), pid+"_Aussonderung.Aussonderung.0503.zip")
	zipTree(t, src, zp)
	r := newRig(t)
	res, err := r.in.Ingest(context.Background(), zp, ingest.Options{Profile: "xdomea"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.AIPs) != 2 {
		t.Fatalf("%d AIPs, want one per top-level object (2)", len(res.AIPs))
	}
	for _, a := range res.AIPs {
		if len(a.Units) == 0 || a.Units[0].SourceID == "" || a.Title != a.Units[0].Title {
			t.Errorf("AIP %s units %+v", a.ID, a.Units)
		}
	}
	r2 := newRig(t)
	res, err = r2.in.Ingest(context.Background(), zp, ingest.Options{Profile: "xdomea", OneAIP: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.AIPs) != 1 || len(res.AIPs[0].Units) < 3 {
		t.Fatalf("one-AIP ingest: %d AIPs", len(res.AIPs))
	}
}
