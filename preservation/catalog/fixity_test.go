package catalog_test

import (
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/fixity"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

// Audits and repairs recorded in the journal show up as verifications and
// PREMIS events, and a rebuilt catalog holds exactly the same.
func TestFixityEventsSurviveRebuild(t *testing.T) {
	ctx := context.Background()
	a, b := &named{mem.New(), "mem://a"}, &named{mem.New(), "mem://b"}
	live, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	id := "urn:uuid:44444444-4444-4444-8444-444444444444"
	rec := writeAIP(t, a, id, "Vier", "inhalt vier")
	writeAIP(t, b, id, "Vier", "inhalt vier")
	if err := live.PutAIP(ctx, rec); err != nil {
		t.Fatal(err)
	}
	key := aip.ObjectKey(id) + "/v1/content/" + aip.PrefixOriginal + "a.txt"
	rc, _, err := a.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)
	rc.Close()
	data[0] ^= 1
	if err := a.Tamper(key, data); err != nil {
		t.Fatal(err)
	}
	stores := []store.Store{a, b}
	jr := journal.New(stores...)
	rep, err := fixity.Audit(ctx, stores, fixity.Options{Repair: true, Catalog: live, Journal: jr, Apply: live})
	if err != nil || !rep.OK() {
		t.Fatalf("audit: %v, %+v", err, rep)
	}

	evs, err := live.Events(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range evs {
		types = append(types, e.Type+" "+e.Outcome)
	}
	// The damaged copy, its repair, its check again, the healthy copy.
	want := []string{"fix failure", "rep success", "fix success", "fix success"}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	vs, _ := live.Verifications(ctx, id)
	if len(vs) != 2 || !vs[0].OK || !vs[1].OK {
		t.Errorf("latest verifications: %+v", vs)
	}
	last, err := live.LastAudit(ctx)
	if err != nil || last == nil || !last.Repair || last.Objects != 1 || last.Stores[0].Repairs != 1 {
		t.Errorf("last audit: %+v, %v", last, err)
	}
	head, err := live.JournalHead(ctx)
	if err != nil || head.Seq != 1 || head.Digest == "" {
		t.Errorf("journal head %+v, %v", head, err)
	}

	rebuilt, err := catalog.Open(filepath.Join(t.TempDir(), "cat"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rebuilt.Close()
	if _, err := rebuilt.Rebuild(ctx, stores, nil); err != nil {
		t.Fatal(err)
	}
	w, _ := live.Dump(ctx)
	g, _ := rebuilt.Dump(ctx)
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("rebuilt catalog differs from live (-live +rebuilt):\n%s", diff)
	}
	if fs, _ := rebuilt.Findings(ctx); len(fs) != 1 || fs[0].AIP != id || !fs[0].Repaired || fs[0].Damaged() {
		t.Errorf("findings after rebuild: %+v", fs)
	}
	if e, _ := rebuilt.Events(ctx, id); len(e) != 4 {
		t.Errorf("events after rebuild: %+v", e)
	}
}

// named gives a mem store a name of its own.
type named struct {
	*mem.Store
	name string
}

func (n *named) String() string { return n.name }
