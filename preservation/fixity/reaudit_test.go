package fixity_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/fixity"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/fs"
)

// tamperFile changes a stored file on disk, as bit rot or a careless
// operator would, and keeps it read-only.
func tamperFile(t *testing.T, st *fs.Store, key string, change func([]byte) []byte) {
	t.Helper()
	p := filepath.Join(st.Dir(), filepath.FromSlash(key))
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, change(b), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o444); err != nil {
		t.Fatal(err)
	}
}

// An audit remembers nothing of an earlier one: what changes in a store
// between two audits (a version inventory, the root inventory, a content
// file, a file added to the content) is found by the second, in that
// store only.
func TestSecondAuditFindsChangesSinceTheFirst(t *testing.T) {
	var fsStores []*fs.Store
	var stores []store.Store
	for range 2 {
		s, err := fs.Init(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		fsStores = append(fsStores, s)
		stores = append(stores, s)
	}
	files := map[string]string{}
	for i := range 30 {
		files["Akte/Datei-"+string(rune('a'+i%26))+string(rune('0'+i/26))+".txt"] = "Inhalt " + string(rune('A'+i%26))
	}
	a := writeAIP(t, 7, files, stores...)
	cat := catalog{a}
	root := aip.ObjectKey(string(a.ID))
	flipMiddle := func(b []byte) []byte { b[len(b)/2] ^= 0x20; return b }

	if r := audit(t, stores, fixity.Options{Catalog: cat}); !r.OK() {
		t.Fatalf("first audit of healthy stores:\n%s", dump(r))
	}
	steps := []struct {
		name  string
		store int
		key   string
		do    func(b []byte) []byte
		code  string
	}{
		{"version inventory", 0, root + "/v1/inventory.json", flipMiddle, "AIP_FILE_DAMAGED"},
		{"root inventory", 1, root + "/inventory.json", flipMiddle, "AIP_INCOMPLETE"},
		{"content file", 0, contentKey(a, "Akte/Datei-k0.txt"), flipMiddle, "OCFL_E092"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			tamperFile(t, fsStores[s.store], s.key, s.do)
			r := audit(t, stores, fixity.Options{Catalog: cat})
			if r.OK() || !hasProblem(r, stores[s.store].String(), s.code, "") {
				t.Fatalf("audit after changing %s in store %d: want %s\n%s", s.key, s.store, s.code, dump(r))
			}
			if other := stores[1-s.store].String(); hasProblem(r, other, s.code, "") {
				t.Errorf("the untouched store %s is reported too:\n%s", other, dump(r))
			}
			// Repair from the other store, so that the next step starts
			// from healthy stores; then an audit finds them healthy again.
			if r := audit(t, stores, fixity.Options{Catalog: cat, Repair: true}); !r.OK() {
				t.Fatalf("repair:\n%s", dump(r))
			}
			if r := audit(t, stores, fixity.Options{Catalog: cat}); !r.OK() {
				t.Fatalf("audit after the repair:\n%s", dump(r))
			}
		})
	}
	t.Run("file added to the content", func(t *testing.T) {
		p := filepath.Join(fsStores[1].Dir(), filepath.FromSlash(root+"/v1/content/"+aip.PrefixOriginal+"Akte/untergeschoben.txt"))
		if err := os.WriteFile(p, []byte("nicht im Manifest"), 0o444); err != nil {
			t.Fatal(err)
		}
		r := audit(t, stores, fixity.Options{Catalog: cat})
		if r.OK() || !hasProblem(r, stores[1].String(), "OCFL_E023", "untergeschoben.txt") {
			t.Fatalf("audit after adding a file: want OCFL_E023\n%s", dump(r))
		}
	})
}

// Objects are read ahead of the audit, two at a time, but each copy's
// figures are its own (every file of the object read once, nothing of the
// neighbours), the results come in root order, and damage in several
// objects is reported for each.
func TestObjectsReadAheadKeepTheirOwnFigures(t *testing.T) {
	a, b := newStores()
	stores := []store.Store{a, b}
	var cat catalog
	for n := range 8 {
		files := map[string]string{}
		for i := range 1 + n*3 {
			files["Akte/Datei-"+strconv.Itoa(i)+".txt"] = strings.Repeat("Inhalt ", 1+n*100+i)
		}
		cat = append(cat, writeAIP(t, 100+n, files, stores...))
	}
	flip(t, a, contentKey(cat[2], "Akte/Datei-1.txt"))
	flip(t, b, contentKey(cat[5], "Akte/Datei-4.txt"))
	ap := &applied{}
	r := audit(t, stores, fixity.Options{Catalog: cat, Journal: journal.New(a, b), Apply: ap})
	if r.Objects != len(cat) || !r.Complete || len(r.Findings) != 2 {
		t.Fatalf("report:\n%s", dump(r))
	}
	if !hasProblem(r, "mem://a", "OCFL_E092", "Datei-1.txt") || !hasProblem(r, "mem://b", "OCFL_E092", "Datei-4.txt") ||
		r.Findings[0].ID != string(cat[2].ID) || r.Findings[1].ID != string(cat[5].ID) {
		t.Errorf("findings:\n%s", dump(r))
	}
	size := map[string]int64{} // object root -> bytes of its files
	for info, err := range a.List(t.Context(), aip.RootPrefix+"/") {
		if err != nil {
			t.Fatal(err)
		}
		if root := strings.Join(strings.SplitN(info.Key, "/", 6)[:5], "/"); strings.Count(info.Key, "/") >= 5 {
			size[root] += info.Size
		}
	}
	var roots []string
	for _, e := range ap.entries(fixity.KindAudit) {
		var ev fixity.AuditEvent
		if err := json.Unmarshal(e.Data, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Bytes != size[ev.Root] {
			t.Errorf("%s in %s: %d bytes read, the object has %d", ev.Root, ev.Store, ev.Bytes, size[ev.Root])
		}
		if len(roots) == 0 || roots[len(roots)-1] != ev.Root {
			roots = append(roots, ev.Root)
		}
	}
	if len(roots) != len(cat) || !slices.IsSorted(roots) {
		t.Errorf("audit events for the roots %q, want %d in order", roots, len(cat))
	}
}
