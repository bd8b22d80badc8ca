package fixity_test

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/fixity"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

// memStore is a mem store with a name of its own, so that reports tell
// the stores of a test apart.
type memStore struct {
	*mem.Store
	name string
}

func (m *memStore) String() string { return m.name }

func newStores() (*memStore, *memStore) {
	return &memStore{mem.New(), "mem://a"}, &memStore{mem.New(), "mem://b"}
}

// catalog is a fixity.Expected over a fixed list.
type catalog []*preservation.AIP

func (c catalog) AIPs(ctx context.Context) iter.Seq2[*preservation.AIP, error] {
	return func(yield func(*preservation.AIP, error) bool) {
		for _, a := range c {
			if !yield(a, nil) {
				return
			}
		}
	}
}

// applied records the journal segments applied.
type applied struct {
	mu   sync.Mutex
	segs []*journal.Segment
}

func (a *applied) Apply(_ context.Context, seg *journal.Segment) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.segs = append(a.segs, seg)
	return nil
}

func (a *applied) entries(kind string) []journal.Entry {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []journal.Entry
	for _, s := range a.segs {
		for _, e := range s.Entries {
			if e.Kind == kind {
				out = append(out, e)
			}
		}
	}
	return out
}

// writeAIP writes an AIP with the given files (name -> content) to every
// store and returns its catalog record.
func writeAIP(t *testing.T, n int, files map[string]string, stores ...store.Store) *preservation.AIP {
	t.Helper()
	id := fmt.Sprintf("urn:uuid:%08d-0000-4000-8000-000000000000", n)
	a := &preservation.AIP{ID: preservation.AIPID(id), Version: 1, Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Title: "AIP " + id, Profile: "folder", Fingerprint: "fp-" + id,
		Agents: []preservation.Agent{{ID: "magazin", Name: "magazin", Type: "software", Version: "test"}}}
	var payload []aip.Source
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range files {
			if !yield(k) {
				return
			}
		}
	}) {
		src := aip.BytesSource(aip.PrefixOriginal+name, []byte(files[name]))
		a.Files = append(a.Files, preservation.File{Path: src.Path, Name: name, Size: src.Size, SHA512: src.SHA512})
		a.Size += src.Size
		payload = append(payload, src)
	}
	obj, err := aip.New(aip.Package{AIP: a, Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stores {
		if err := aip.InitRoot(t.Context(), st); err != nil {
			t.Fatal(err)
		}
		if err := obj.Write(t.Context(), st, 2); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// contentKey returns the store key of an AIP's original file.
func contentKey(a *preservation.AIP, name string) string {
	return aip.ObjectKey(string(a.ID)) + "/v1/content/" + aip.PrefixOriginal + name
}

func flip(t *testing.T, st *memStore, key string) {
	t.Helper()
	rc, _, err := st.Get(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	b[len(b)/2] ^= 0x20
	if err := st.Tamper(key, b); err != nil {
		t.Fatal(err)
	}
}

func remove(t *testing.T, st store.Store, key string) {
	t.Helper()
	if err := st.(store.Remover).Remove(t.Context(), key); err != nil {
		t.Fatal(err)
	}
}

func codes(ps preservation.Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Code+" "+p.Path)
	}
	return out
}

// hasProblem reports whether the copy of the report in store has code for
// path (a substring).
func hasProblem(r *fixity.Report, storeName, code, path string) bool {
	for _, o := range r.Findings {
		for _, c := range o.Copies {
			if c.Store != storeName {
				continue
			}
			for _, p := range c.Problems {
				if p.Code == code && strings.Contains(p.Path, path) {
					return true
				}
			}
		}
	}
	return false
}

func audit(t *testing.T, stores []store.Store, opts fixity.Options) *fixity.Report {
	t.Helper()
	r, err := fixity.Audit(t.Context(), stores, opts)
	if err != nil {
		t.Fatalf("Audit: %v", err)
	}
	return r
}

func dump(r *fixity.Report) string {
	b, _ := json.MarshalIndent(r, "", "  ")
	return string(b)
}

func TestHealthy(t *testing.T) {
	a, b := newStores()
	cat := catalog{
		writeAIP(t, 1, map[string]string{"Brief.txt": "Sehr geehrte Frau Müller", "Akte/Plan.pdf": "%PDF-1.7 ..."}, a, b),
		writeAIP(t, 2, map[string]string{"x.txt": "x"}, a, b),
	}
	jr, ap := journal.New(a, b), &applied{}
	var prog progress
	r := audit(t, []store.Store{a, b}, fixity.Options{Catalog: cat, Journal: jr, Apply: ap, Progress: &prog})
	if !r.OK() || !r.Complete || r.Objects != 2 || len(r.Findings) != 0 {
		t.Fatalf("report of healthy stores:\n%s", dump(r))
	}
	for _, s := range r.Stores {
		// Per object: declaration, 2 inventories, 2 sidecars, METS,
		// PREMIS, description and the files; 3 storage root files.
		if s.Objects != 2 || s.Files != 8+1+8+2+3 || s.Bytes == 0 || s.Failures != 0 {
			t.Errorf("store report %+v", s)
		}
	}
	if prog.total != 2 || prog.done != 2 {
		t.Errorf("progress %d/%d, want 2/2", prog.done, prog.total)
	}
	audits := ap.entries(fixity.KindAudit)
	if len(audits) != 4 {
		t.Fatalf("%d audit entries, want 4", len(audits))
	}
	var ev fixity.AuditEvent
	if err := json.Unmarshal(audits[0].Data, &ev); err != nil || !ev.OK || ev.EventID == "" || audits[0].Subject != string(cat[0].ID) {
		t.Errorf("audit entry %s: %+v, %v", audits[0].Data, ev, err)
	}
	if p := ev.PREMIS(audits[0].Time); p.Type != "fix" || p.Outcome != preservation.OutcomeSuccess || p.ID != ev.EventID {
		t.Errorf("PREMIS event %+v", p)
	}
	if runs := ap.entries(fixity.KindRun); len(runs) != 1 {
		t.Errorf("%d run entries, want 1", len(runs))
	}
	// The journal in both stores holds the same.
	for _, st := range []store.Store{a, b} {
		n := 0
		for _, err := range journal.Replay(t.Context(), st) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != len(ap.segs) {
			t.Errorf("%s: %d segments, %d applied", st, n, len(ap.segs))
		}
	}
}

type progress struct {
	mu          sync.Mutex
	total, done int64
}

func (p *progress) SetTotal(n int64) { p.mu.Lock(); p.total = n; p.mu.Unlock() }
func (p *progress) Add(n int64)      { p.mu.Lock(); p.done += n; p.mu.Unlock() }

// The scenario with two stores: a flipped byte in one copy, a
// deleted file in the other.
func TestDamageAndRepair(t *testing.T) {
	a, b := newStores()
	x := writeAIP(t, 1, map[string]string{"Brief.txt": "Sehr geehrte Frau Müller", "Plan.pdf": "%PDF-1.7 ..."}, a, b)
	y := writeAIP(t, 2, map[string]string{"x.txt": "xxxxxxxx"}, a, b)
	cat := catalog{x, y}
	flip(t, a, contentKey(x, "Brief.txt"))
	remove(t, b, contentKey(x, "Plan.pdf"))
	stores := []store.Store{a, b}
	jr, ap := journal.New(a, b), &applied{}

	r := audit(t, stores, fixity.Options{Catalog: cat, Journal: jr, Apply: ap})
	if r.OK() || len(r.Findings) != 1 {
		t.Fatalf("audit of damaged stores:\n%s", dump(r))
	}
	if !hasProblem(r, a.String(), "AIP_FILE_DAMAGED", "Brief.txt") || !hasProblem(r, a.String(), "OCFL_E092", "Brief.txt") {
		t.Errorf("flipped byte not reported:\n%s", dump(r))
	}
	if !hasProblem(r, b.String(), "AIP_FILE_MISSING", "Plan.pdf") {
		t.Errorf("deleted file not reported:\n%s", dump(r))
	}
	if r.Stores[0].Failures != 1 || r.Stores[1].Failures != 1 {
		t.Errorf("failures per store: %d, %d", r.Stores[0].Failures, r.Stores[1].Failures)
	}

	r = audit(t, stores, fixity.Options{Catalog: cat, Journal: jr, Apply: ap, Repair: true})
	if !r.OK() {
		t.Fatalf("audit --repair left damage:\n%s", dump(r))
	}
	if r.Stores[0].Repairs != 1 || r.Stores[1].Repairs != 1 || r.Stores[0].Repaired != 1 || r.Stores[1].Repaired != 1 {
		t.Errorf("repairs per store:\n%s", dump(r))
	}
	c := r.Findings[0].Copies[0]
	if len(c.Repairs) != 1 || c.Repairs[0].Source != b.String() || !strings.HasSuffix(c.Repairs[0].Path, "Brief.txt") || len(c.Remaining) != 0 {
		t.Errorf("repair of the flipped byte: %+v", c)
	}

	r = audit(t, stores, fixity.Options{Catalog: cat, Journal: jr, Apply: ap})
	if !r.OK() || len(r.Findings) != 0 {
		t.Fatalf("audit after repair:\n%s", dump(r))
	}

	reps := ap.entries(fixity.KindRepair)
	if len(reps) != 2 {
		t.Fatalf("%d repair entries, want 2", len(reps))
	}
	var rev fixity.RepairEvent
	if err := json.Unmarshal(reps[0].Data, &rev); err != nil || !rev.OK || rev.ID != string(x.ID) {
		t.Errorf("repair entry: %s", reps[0].Data)
	}
	if p := rev.PREMIS(reps[0].Time); p.Type != "rep" || p.Outcome != preservation.OutcomeSuccess || !strings.Contains(p.Detail, b.String()) {
		t.Errorf("PREMIS replication event %+v", p)
	}
	// Failures, repairs and rechecks are all journaled.
	var failed, rechecked int
	for _, e := range ap.entries(fixity.KindAudit) {
		var ev fixity.AuditEvent
		json.Unmarshal(e.Data, &ev)
		if !ev.OK {
			failed++
		}
		if ev.Recheck && ev.OK {
			rechecked++
		}
	}
	if failed != 4 || rechecked != 2 {
		t.Errorf("%d failed and %d rechecked audit entries, want 4 and 2", failed, rechecked)
	}
}

// recorder logs the keys written to a store, in order.
type recorder struct {
	*mem.Store
	name string
	mu   sync.Mutex
	keys []string
}

func (r *recorder) String() string { return r.name }

func (r *recorder) Repair(ctx context.Context, key string, rd io.Reader, size int64, sum string) (store.Info, error) {
	info, err := r.Store.Repair(ctx, key, rd, size, sum)
	if err == nil {
		r.mu.Lock()
		r.keys = append(r.keys, key)
		r.mu.Unlock()
	}
	return info, err
}

func TestMissingObjectIsCopiedInWriteOrder(t *testing.T) {
	a, b := mem.New(), &recorder{Store: mem.New()}
	b.name = "mem://b"
	x := writeAIP(t, 1, map[string]string{"a.txt": "a", "b.txt": "b"}, a)
	if err := aip.InitRoot(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	stores := []store.Store{a, b}
	r := audit(t, stores, fixity.Options{Catalog: catalog{x}})
	if r.OK() || !hasProblem(r, b.String(), "AIP_MISSING", aip.ObjectKey(string(x.ID))) {
		t.Fatalf("missing object not reported:\n%s", dump(r))
	}
	r = audit(t, stores, fixity.Options{Catalog: catalog{x}, Repair: true})
	if !r.OK() {
		t.Fatalf("missing object not repaired:\n%s", dump(r))
	}
	root := aip.ObjectKey(string(x.ID)) + "/"
	var rels []string
	for _, k := range b.keys {
		rels = append(rels, strings.TrimPrefix(k, root))
	}
	if len(rels) != 10 || rels[0] != "0=ocfl_object_1.1" || rels[len(rels)-1] != "inventory.json.sha512" || rels[len(rels)-2] != "inventory.json" ||
		!strings.HasPrefix(rels[len(rels)-3], "v1/inventory.json") {
		t.Errorf("write order: %q", rels)
	}
	if _, err := aip.ReadHead(t.Context(), b, string(x.ID)); err != nil {
		t.Errorf("repaired copy: %v", err)
	}
}

func TestIncompleteAndDamagedInventory(t *testing.T) {
	a, b := newStores()
	x := writeAIP(t, 1, map[string]string{"a.txt": "a"}, a, b)
	y := writeAIP(t, 2, map[string]string{"a.txt": "b"}, a, b)
	remove(t, a, aip.ObjectKey(string(x.ID))+"/inventory.json.sha512")
	flip(t, b, aip.ObjectKey(string(y.ID))+"/inventory.json")
	stores := []store.Store{a, b}
	r := audit(t, stores, fixity.Options{Catalog: catalog{x, y}})
	if r.OK() || !hasProblem(r, a.String(), "AIP_INCOMPLETE", "") || !hasProblem(r, b.String(), "AIP_INCOMPLETE", "") ||
		!hasProblem(r, b.String(), "AIP_FILE_DAMAGED", "inventory.json") {
		t.Fatalf("incomplete objects not reported:\n%s", dump(r))
	}
	r = audit(t, stores, fixity.Options{Catalog: catalog{x, y}, Repair: true})
	if !r.OK() {
		t.Fatalf("not repaired:\n%s", dump(r))
	}
	if r = audit(t, stores, fixity.Options{Catalog: catalog{x, y}}); !r.OK() || len(r.Findings) != 0 {
		t.Fatalf("after repair:\n%s", dump(r))
	}
}

func TestNoHealthyCopy(t *testing.T) {
	a, b := newStores()
	x := writeAIP(t, 1, map[string]string{"a.txt": "aaaa", "b.txt": "bbbb"}, a, b)
	flip(t, a, contentKey(x, "a.txt"))
	flip(t, b, contentKey(x, "a.txt"))
	// A file missing in one store and healthy in the other is repaired
	// even so.
	remove(t, b, contentKey(x, "b.txt"))
	r := audit(t, []store.Store{a, b}, fixity.Options{Catalog: catalog{x}, Repair: true})
	if r.OK() {
		t.Fatalf("damage in every copy reported as repaired:\n%s", dump(r))
	}
	c := r.Findings[0].Copies[1]
	var okFiles, failed int
	for _, f := range c.Repairs {
		if f.OK {
			okFiles++
		} else if strings.Contains(f.Error, "no store holds a healthy copy") {
			failed++
		}
	}
	if okFiles != 1 || failed != 1 {
		t.Errorf("repairs in b: %+v", c.Repairs)
	}
	if !hasProblem(r, b.String(), "AIP_FILE_MISSING", "b.txt") {
		t.Errorf("missing file not reported")
	}
	for _, c := range r.Findings[0].Copies {
		if c.OK || len(c.Remaining) == 0 {
			t.Errorf("copy in %s: ok=%v remaining=%q", c.Store, c.OK, codes(c.Remaining))
		}
	}
	if rc, _, err := b.Get(t.Context(), contentKey(x, "b.txt")); err != nil {
		t.Errorf("b.txt not restored: %v", err)
	} else {
		rc.Close()
	}
}

func TestCatalogExpectations(t *testing.T) {
	a, b := newStores()
	x := writeAIP(t, 1, map[string]string{"a.txt": "a"}, a, b)
	lost := &preservation.AIP{ID: "urn:uuid:99999999-0000-4000-8000-000000000000", Version: 1}
	unknown := writeAIP(t, 3, map[string]string{"u.txt": "u"}, a)
	wrong := *x
	wrong.Files = slices.Clone(x.Files)
	wrong.Files[0].SHA512 = strings.Repeat("0", 128)
	stores := []store.Store{a, b}

	r := audit(t, stores, fixity.Options{Catalog: catalog{x, lost}, Repair: true})
	var lostReport, unknownReport *fixity.ObjectReport
	for _, o := range r.Findings {
		switch o.ID {
		case string(lost.ID):
			lostReport = o
		case string(unknown.ID):
			unknownReport = o
		}
	}
	if lostReport == nil || lostReport.OK() || !slices.Contains(codes(lostReport.Problems), "AIP_MISSING "+aip.ObjectKey(string(lost.ID))) {
		t.Errorf("an AIP in no store:\n%s", dump(r))
	}
	if unknownReport == nil || !unknownReport.OK() || len(unknownReport.Copies[1].Repairs) != 0 ||
		!strings.HasPrefix(codes(unknownReport.Problems)[0], "AIP_UNKNOWN") || unknownReport.Copies[1].Problems[0].Severity != preservation.SeverityWarning {
		t.Errorf("an object the catalog does not know:\n%s", dump(r))
	}
	if r.OK() {
		t.Error("report OK although an AIP is lost")
	}

	r = audit(t, stores, fixity.Options{Catalog: catalog{&wrong}})
	if r.OK() || len(r.Findings) != 2 || !strings.HasPrefix(codes(r.Findings[1].Problems)[0], "AIP_CATALOG") {
		t.Errorf("a catalog record the copies contradict:\n%s", dump(r))
	}
	// Without a catalog, the stores alone decide, and the object only in
	// a is missing from b.
	r = audit(t, stores, fixity.Options{})
	if r.OK() || !hasProblem(r, b.String(), "AIP_MISSING", aip.ObjectKey(string(unknown.ID))) {
		t.Errorf("audit without catalog:\n%s", dump(r))
	}
}

func TestDivergent(t *testing.T) {
	a, b := newStores()
	x := writeAIP(t, 1, map[string]string{"a.txt": "a"}, a, b)
	root := aip.ObjectKey(string(x.ID))
	// b holds another, self-consistent inventory of v1.
	h, err := aip.ReadHead(t.Context(), b, string(x.ID))
	if err != nil {
		t.Fatal(err)
	}
	h.Inventory.Versions["v1"].Message = "forged"
	raw, _ := h.Inventory.Marshal()
	side := []byte(fmt.Sprintf("%s inventory.json\n", sum(raw)))
	for _, f := range []struct {
		rel  string
		data []byte
	}{{"inventory.json", raw}, {"inventory.json.sha512", side}} {
		if err := b.Tamper(root+"/"+f.rel, f.data); err != nil {
			t.Fatal(err)
		}
	}
	r := audit(t, []store.Store{a, b}, fixity.Options{Catalog: catalog{x}, Repair: true})
	if r.OK() || len(r.Findings) != 1 || !strings.HasPrefix(codes(r.Findings[0].Problems)[0], "AIP_DIVERGENT") {
		t.Fatalf("divergent copies:\n%s", dump(r))
	}
	for _, c := range r.Findings[0].Copies {
		if len(c.Repairs) != 0 {
			t.Errorf("divergent copy in %s repaired: %+v", c.Store, c.Repairs)
		}
	}
}

func TestResumeAndCancel(t *testing.T) {
	a, _ := newStores()
	var cat catalog
	for i := range 5 {
		cat = append(cat, writeAIP(t, i+1, map[string]string{"f": fmt.Sprint(i)}, a))
	}
	stores := []store.Store{a}
	var seen []string
	after := ""
	for range 10 {
		r := audit(t, stores, fixity.Options{Catalog: cat, After: after, Limit: 2})
		if r.Objects > 2 || (r.Objects > 0 && r.Last <= after) {
			t.Fatalf("slice after %q: %+v", after, r)
		}
		if r.Objects > 0 {
			seen = append(seen, r.Last)
		}
		if r.Complete {
			break
		}
		after = r.Last
	}
	if len(seen) != 3 || !slices.IsSorted(seen) {
		t.Errorf("slices ended at %q", seen)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r, err := fixity.Audit(ctx, stores, fixity.Options{Catalog: cat})
	if !errors.Is(err, context.Canceled) || r == nil || r.Complete {
		t.Errorf("cancelled audit: %v, %+v", err, r)
	}
}

func TestRate(t *testing.T) {
	a, _ := newStores()
	x := writeAIP(t, 1, map[string]string{"big": strings.Repeat("x", 300_000)}, a)
	start := time.Now()
	r := audit(t, []store.Store{a}, fixity.Options{Catalog: catalog{x}, Rate: 500_000})
	if !r.OK() {
		t.Fatal(dump(r))
	}
	// 300 kB at 500 kB/s, with a quarter second of burst.
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("rate-limited audit of %d bytes took %v", r.Stores[0].Bytes, d)
	}
}

// putOnly hides the store.Repairer of a store.
type putOnly struct{ store.Store }

func TestStoreWithoutRepairer(t *testing.T) {
	a, b := newStores()
	x := writeAIP(t, 1, map[string]string{"a.txt": "aaaa", "b.txt": "bbbb"}, a, b)
	remove(t, b, contentKey(x, "a.txt"))
	flip(t, b, contentKey(x, "b.txt"))
	r := audit(t, []store.Store{a, putOnly{b}}, fixity.Options{Catalog: catalog{x}, Repair: true})
	c := r.Findings[0].Copies[1]
	if r.OK() || len(c.Repairs) != 2 || !c.Repairs[0].OK || c.Repairs[1].OK || !strings.Contains(c.Repairs[1].Error, "cannot replace") {
		t.Errorf("repair in a store without Repairer:\n%s", dump(r))
	}
}

func sum(b []byte) string {
	s := sha512.Sum512(b)
	return hex.EncodeToString(s[:])
}

// A new, empty replica is filled by a repair: the storage root and every
// AIP.
func TestNewReplicaIsFilled(t *testing.T) {
	a, b := newStores()
	cat := catalog{
		writeAIP(t, 1, map[string]string{"a.txt": "a"}, a),
		writeAIP(t, 2, map[string]string{"b.txt": "b"}, a),
	}
	stores := []store.Store{a, b}
	r := audit(t, stores, fixity.Options{Catalog: cat})
	if r.OK() || len(r.Stores[1].Problems) != 3 || r.Stores[1].Problems[0].Code != "AIP_STORAGE_ROOT" || r.Stores[1].Failures != 2 {
		t.Fatalf("empty replica:\n%s", dump(r))
	}
	r = audit(t, stores, fixity.Options{Catalog: cat, Repair: true})
	if !r.OK() || r.Stores[1].Repaired != 2 || r.Stores[1].Repairs != 3+2*9 {
		t.Fatalf("filling the replica:\n%s", dump(r))
	}
	if r = audit(t, stores, fixity.Options{Catalog: cat}); !r.OK() || len(r.Findings) != 0 || len(r.Stores[1].Problems) != 0 {
		t.Fatalf("after filling:\n%s", dump(r))
	}
	// A damaged storage root declaration is restored from its known
	// content, even without a replica.
	if err := a.Tamper("ocfl/0=ocfl_1.1", []byte("ocfl_1.0\n")); err != nil {
		t.Fatal(err)
	}
	r = audit(t, []store.Store{a}, fixity.Options{Catalog: cat, Repair: true})
	if !r.OK() || len(r.Stores[0].Problems) != 1 || !strings.HasSuffix(r.Stores[0].Problems[0].Message, "restored") {
		t.Fatalf("damaged storage root:\n%s", dump(r))
	}
	aip.InitRoot(t.Context(), a)
	if r = audit(t, []store.Store{a}, fixity.Options{Catalog: cat}); !r.OK() || len(r.Stores[0].Problems) != 0 {
		t.Fatalf("after restoring the storage root:\n%s", dump(r))
	}
}
