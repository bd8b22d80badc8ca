package fixity_test

import (
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/fixity"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/fs"
	"github.com/magazin-archiv/magazin/preservation/store/location"
)

// bitRotStores returns two fs stores and, when MAGAZIN_TEST_S3 names a
// test server, a third replica there under a prefix of its own.
func bitRotStores(t *testing.T) []store.Store {
	t.Helper()
	var out []store.Store
	for range 2 {
		s, err := fs.Init(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	raw := os.Getenv("MAGAZIN_TEST_S3")
	if raw == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("MAGAZIN_TEST_S3 is not set; CI=true forbids leaving out the S3 replica")
		}
		t.Log("MAGAZIN_TEST_S3 is not set: two fs replicas only")
		return out
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	u.Path = path.Join(u.Path, "bitrot-"+hex.EncodeToString(b))
	s, err := location.Init(t.Context(), u.String(), os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	return append(out, s)
}

// damaged is one stored object (a key in one store) the campaign flipped.
type damaged struct {
	store int
	root  string
	rel   string // relative to the object root
}

// TestBitRotCampaign ingests AIPs onto every replica, flips bytes in N
// stored objects chosen at random (seeded) across the replicas, never in
// every copy of one key, and checks that the audit finds each of them and
// nothing else, that the repair heals every one from a healthy replica,
// that a second audit is clean, and that the journal in every store holds
// the failed checks and the repairs.
//
// N is 20 by default; MAGAZIN_SOAK=1 makes it 1,000 (make soak-rel).
// MAGAZIN_BITROT_SEED repeats a campaign.
func TestBitRotCampaign(t *testing.T) {
	n, nAIPs, nFiles := 20, 12, 3
	if os.Getenv("MAGAZIN_SOAK") != "" {
		n, nAIPs, nFiles = 1000, 300, 4
	}
	seed := uint64(20261126)
	if s := os.Getenv("MAGAZIN_BITROT_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seed = v
	}
	rng := mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	stores := bitRotStores(t)
	var cat catalog
	for i := range nAIPs {
		files := map[string]string{}
		for j := range nFiles {
			size := 1 + rng.IntN(64<<10)
			b := make([]byte, size)
			for k := range b {
				b[k] = byte(rng.Uint32())
			}
			files[fmt.Sprintf("Akte-%d/Dokument-%d.bin", i, j)] = string(b)
		}
		cat = append(cat, writeAIP(t, 1000+i, files, stores...))
	}

	// Every key of every object: content, inventories, sidecars, the
	// declaration.
	type key struct{ root, rel string }
	var keys []key
	for _, a := range cat {
		root := aip.ObjectKey(string(a.ID))
		for info, err := range stores[0].List(t.Context(), root+"/") {
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, key{root, strings.TrimPrefix(info.Key, root+"/")})
		}
	}
	var flips []damaged
	for _, ki := range rng.Perm(len(keys)) {
		if len(flips) >= n {
			break
		}
		k := keys[ki]
		// A proper, non-empty subset of the replicas.
		copies := 1 + rng.IntN(len(stores)-1)
		copies = min(copies, n-len(flips))
		for _, si := range rng.Perm(len(stores))[:copies] {
			rot(t, stores[si], k.root+"/"+k.rel, rng)
			flips = append(flips, damaged{si, k.root, k.rel})
		}
	}
	if len(flips) != n {
		t.Fatalf("flipped %d objects, want %d (%d keys)", len(flips), n, len(keys))
	}
	byKind := map[string]int{}
	for _, f := range flips {
		byKind[kindOf(f.rel)]++
	}
	t.Logf("seed %d: %d AIPs, %d keys per replica, %d replicas; flipped %d stored objects %v", seed, nAIPs, len(keys), len(stores), n, byKind)

	jr, ap := journal.New(stores...), &applied{}
	opts := fixity.Options{Catalog: cat, Journal: jr, Apply: ap}

	r := audit(t, stores, opts)
	found := damagedFound(r, stores)
	for _, f := range flips {
		if !found[f] {
			t.Errorf("audit missed %s in %s", f.root+"/"+f.rel, stores[f.store])
		}
		delete(found, f)
	}
	for f := range found {
		t.Errorf("audit reports %s in %s damaged, which was not flipped", f.root+"/"+f.rel, stores[f.store])
	}
	if t.Failed() {
		t.Fatalf("first audit:\n%s", dump(r))
	}

	opts.Repair = true
	r = audit(t, stores, opts)
	if !r.OK() {
		t.Fatalf("audit --repair left damage:\n%s", dump(r))
	}
	repaired := 0
	for _, s := range r.Stores {
		repaired += s.Repairs
	}
	if repaired != n {
		t.Errorf("%d files repaired, %d flipped", repaired, n)
	}

	opts.Repair = false
	r = audit(t, stores, opts)
	if !r.OK() || len(r.Findings) != 0 || r.Objects != nAIPs {
		t.Fatalf("audit after the repair (%d objects):\n%s", r.Objects, dump(r))
	}
	for _, a := range cat {
		for _, st := range stores {
			if _, err := aip.Read(t.Context(), st, string(a.ID)); err != nil {
				t.Errorf("%s in %s after the repair: %v", a.ID, st, err)
			}
		}
	}

	// The journal, replayed from each store, records every damaged copy as
	// a failed fixity check and every flipped object as repaired.
	for _, st := range stores {
		failedChecks, repairedFiles := map[damaged]bool{}, map[damaged]bool{}
		for seg, err := range journal.Replay(t.Context(), st) {
			if err != nil {
				t.Fatalf("journal in %s: %v", st, err)
			}
			for _, e := range seg.Entries {
				switch e.Kind {
				case fixity.KindAudit:
					var ev fixity.AuditEvent
					if err := json.Unmarshal(e.Data, &ev); err != nil {
						t.Fatal(err)
					}
					for _, p := range ev.Problems {
						if p.Code == "AIP_FILE_DAMAGED" && !ev.Recheck {
							failedChecks[damaged{storeIndex(stores, ev.Store), ev.Root, p.Path}] = true
						}
					}
				case fixity.KindRepair:
					var ev fixity.RepairEvent
					if err := json.Unmarshal(e.Data, &ev); err != nil {
						t.Fatal(err)
					}
					for _, f := range ev.Files {
						if f.OK && f.Source != "" && f.Source != ev.Store {
							repairedFiles[damaged{storeIndex(stores, ev.Store), ev.Root, f.Path}] = true
						}
					}
				}
			}
		}
		for _, f := range flips {
			if !failedChecks[f] || !repairedFiles[f] {
				t.Errorf("journal in %s: %s in %s: damage recorded %v, repair recorded %v", st, f.root+"/"+f.rel, stores[f.store],
					failedChecks[f], repairedFiles[f])
			}
		}
		if len(failedChecks) != n || len(repairedFiles) != n {
			t.Errorf("journal in %s: %d damaged and %d repaired objects recorded, %d flipped", st, len(failedChecks), len(repairedFiles), n)
		}
	}
}

// rot flips one to three bytes of the object under key, written back with
// the store's repair (the one way to replace an object) and the digest of
// the damaged content.
func rot(t *testing.T, st store.Store, key string, rng *mrand.Rand) {
	t.Helper()
	rc, _, err := st.Get(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || len(b) == 0 {
		t.Fatalf("%s in %s: %d bytes, %v", key, st, len(b), err)
	}
	for range 1 + rng.IntN(3) {
		b[rng.IntN(len(b))] ^= byte(1 << rng.IntN(8))
	}
	sum := sha512.Sum512(b)
	if _, err := st.(store.Repairer).Repair(t.Context(), key, strings.NewReader(string(b)), int64(len(b)), hex.EncodeToString(sum[:])); err != nil {
		t.Fatalf("damaging %s in %s: %v", key, st, err)
	}
}

// damagedFound returns the copies the report finds damaged.
func damagedFound(r *fixity.Report, stores []store.Store) map[damaged]bool {
	out := map[damaged]bool{}
	for _, o := range r.Findings {
		for _, c := range o.Copies {
			for _, p := range c.Problems {
				if p.Code == "AIP_FILE_DAMAGED" {
					out[damaged{storeIndex(stores, c.Store), o.Root, p.Path}] = true
				}
			}
		}
	}
	return out
}

func storeIndex(stores []store.Store, name string) int {
	return slices.IndexFunc(stores, func(s store.Store) bool { return s.String() == name })
}

func kindOf(rel string) string {
	switch base := path.Base(rel); {
	case strings.Contains(rel, "/content/representations/"):
		return "content"
	case strings.Contains(rel, "/content/"):
		return "metadata"
	case base == "inventory.json" || base == "inventory.json.sha512":
		return base
	default:
		return base
	}
}
