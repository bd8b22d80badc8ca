package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/ingest"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
	"github.com/magazin-archiv/magazin/profiles/digitised"
)

// digitisedBatch writes a batch mapping each Signatur to a folder of two
// PNG pages.
func digitisedBatch(t *testing.T, sigs ...string) string {
	t.Helper()
	dir := t.TempDir()
	mapping := "Signatur;Ordner\n"
	for i, sig := range sigs {
		f := string(rune('a' + i))
		mapping += sig + ";" + f + "\n"
		if err := os.MkdirAll(filepath.Join(dir, f), 0o755); err != nil {
			t.Fatal(err)
		}
		for p, name := range []string{"1.png", "2.png"} {
			var b bytes.Buffer
			m := image.NewGray(image.Rect(0, 0, 20+i, 30+p))
			m.Pix[0] = byte(i)
			if err := png.Encode(&b, m); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, f, name), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, digitised.MappingFile), []byte(mapping), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDigitisedAttach: masters join the existing unit (id, Signatur,
// description kept) as one new AIP per unit; a resubmission is the same
// AIP; a Signatur that is unknown, names a Bestand or a unit with records
// is rejected with nothing stored.
func TestDigitisedAttach(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	units := []preservation.Unit{
		{ID: "urn:uuid:b", Level: preservation.LevelBestand, Signatur: "20042", Title: "Amtshauptmannschaft"},
		{ID: "urn:uuid:a1", Parent: "urn:uuid:b", Bestand: "urn:uuid:b", Level: preservation.LevelAkte, Signatur: "20042 Nr. 1", Title: "Brückenbau", From: "1888", To: "1891", Order: 1},
		{ID: "urn:uuid:a2", Parent: "urn:uuid:b", Bestand: "urn:uuid:b", Level: preservation.LevelAkte, Signatur: "20042 Nr. 2", Title: "Flurkarten", Order: 2},
	}
	if err := r.cat.PutUnits(ctx, units); err != nil {
		t.Fatal(err)
	}
	batch := digitisedBatch(t, "20042 Nr. 1", "20042 Nr. 2")
	res, err := r.in.Ingest(ctx, batch, ingest.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Profile != digitised.Name || len(res.AIPs) != 2 || len(res.Attached) != 2 {
		t.Fatalf("result %+v", res)
	}
	for i, a := range res.AIPs {
		u := a.Units[0]
		if len(a.Units) != 1 || u.ID != units[i+1].ID || u.Signatur != units[i+1].Signatur || u.Title != units[i+1].Title ||
			u.Parent != "urn:uuid:b" || u.AIP != a.ID || len(a.Files) != 2 || res.Attached[i].AIP != a.ID {
			t.Errorf("AIP %d: units %+v, %d files", i, a.Units, len(a.Files))
		}
		got, err := r.cat.Unit(ctx, u.ID)
		if err != nil || got.AIP != a.ID || got.From != "1888" && i == 0 {
			t.Errorf("catalog unit %+v (%v)", got, err)
		}
	}
	again, err := r.in.Ingest(ctx, batch, ingest.Options{}, nil)
	if err != nil || again.Existing != 2 || len(again.Attached) != 0 {
		t.Fatalf("resubmission: %+v %v", again, err)
	}
	before := objectCount(t, r.stores[0])
	for _, c := range []struct {
		sig, code string
	}{
		{"20042 Nr. 9", digitised.CodeUnknownSignatur},
		{"20042", digitised.CodeTarget},
	} {
		_, err := r.in.Ingest(ctx, digitisedBatch(t, c.sig), ingest.Options{}, nil)
		var rej *preservation.RejectedError
		if !errors.As(err, &rej) || !hasCode(rej.Problems, c.code) {
			t.Errorf("%s: %v, want %s", c.sig, err, c.code)
		}
	}
	// Scans of a unit whose records came in another ingest (not a
	// digitisation): refused as before, nothing stored.
	folder := t.TempDir()
	os.WriteFile(filepath.Join(folder, "bericht.txt"), []byte("Bericht"), 0o644)
	fres, err := r.in.Ingest(ctx, folder, ingest.Options{Profile: "folder", Bestand: "20042"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	before = objectCount(t, r.stores[0])
	_, err = r.in.Ingest(ctx, digitisedBatch(t, fres.AIPs[0].Units[0].Signatur), ingest.Options{}, nil)
	var rej *preservation.RejectedError
	if !errors.As(err, &rej) || !hasCode(rej.Problems, digitised.CodeTarget) {
		t.Errorf("scans of a folder AIP's unit: %v, want %s", err, digitised.CodeTarget)
	}
	if n := objectCount(t, r.stores[0]); n != before {
		t.Errorf("rejected batches stored %d objects", n-before)
	}
}

// scanBatch writes a batch for one Signatur: the folder holds a PNG per
// page name, its content given by a seed (the same seed, the same bytes).
// mode is the mapping's Modus ("" for none).
func scanBatch(t *testing.T, sig, folder, mode string, pages map[string]int) string {
	t.Helper()
	dir := t.TempDir()
	line := sig + ";" + folder
	if mode != "" {
		line += ";" + mode
	}
	if err := os.WriteFile(filepath.Join(dir, digitised.MappingFile), []byte("Signatur;Ordner;Modus\n"+line+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, folder), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, seed := range pages {
		if err := os.WriteFile(filepath.Join(dir, folder, name), scanPNG(t, seed), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// scanPNG is a page image of 40+seed by 60 pixels.
func scanPNG(t *testing.T, seed int) []byte {
	t.Helper()
	m := image.NewGray(image.Rect(0, 0, 40+seed, 60))
	for i := range m.Pix {
		m.Pix[i] = byte(i * seed)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestDigitisedRescan: scans of a unit digitised before make a new version
// of its digitisation AIP (not a second AIP, not a refusal). With Modus
// ersetzen (the default) they are the complete new set, with ergaenzen
// they join the pages; the pages keep their folder in the AIP, the earlier
// images stay readable in the earlier version, unchanged images are not
// stored again, and a PREMIS ingestion event "Neudigitalisierung" names the
// delivery. The same scans delivered again (in another folder, or the set
// of an earlier version) are archived already: no new version, also after
// a rebuild of the catalog from storage. A supplement page that takes an
// archived page's number is rejected with nothing stored.
func TestDigitisedRescan(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	units := []preservation.Unit{
		{ID: "urn:uuid:b", Level: preservation.LevelBestand, Signatur: "20042", Title: "Amtshauptmannschaft"},
		{ID: "urn:uuid:a1", Parent: "urn:uuid:b", Bestand: "urn:uuid:b", Level: preservation.LevelAkte, Signatur: "20042 Nr. 1", Title: "Brückenbau", Order: 1},
	}
	if err := r.cat.PutUnits(ctx, units); err != nil {
		t.Fatal(err)
	}
	const sig = "20042 Nr. 1"
	first := scanBatch(t, sig, "akte", "", map[string]int{"1.png": 1, "2.png": 2})
	res, err := r.in.Ingest(ctx, first, ingest.Options{}, nil)
	if err != nil || len(res.AIPs) != 1 || len(res.Attached) != 1 {
		t.Fatalf("first scan: %+v %v", res, err)
	}
	id := string(res.AIPs[0].ID)
	page := func(n string) string { return aip.PrefixOriginal + "akte/" + n }
	headIs := func(want int) *aip.Head {
		t.Helper()
		var h *aip.Head
		for _, st := range r.stores {
			var err error
			h, err = aip.ReadHead(ctx, st, id)
			if err != nil {
				t.Fatal(err)
			}
			if h.Inventory.Head != fmt.Sprintf("v%d", want) {
				t.Fatalf("%s: head %s, want v%d", st, h.Inventory.Head, want)
			}
		}
		a, err := r.cat.AIP(ctx, id)
		if err != nil || a.Version != want {
			t.Fatalf("catalog: version %v (%v), want %d", a, err, want)
		}
		return h
	}
	read := func(h *aip.Head, p string) []byte {
		t.Helper()
		rc, _, err := h.Open(ctx, r.stores[1], p)
		if err != nil {
			t.Fatalf("%s %s: %v", h.Inventory.Head, p, err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pages := func(a *preservation.AIP) []string {
		var ps []string
		for _, f := range a.Files {
			ps = append(ps, f.Path)
		}
		slices.Sort(ps)
		return ps
	}

	// A better re-scan of page 1, page 2 as it was, and page 3 new, in a
	// folder of another name: version 2.
	second := scanBatch(t, sig, "neu", "", map[string]int{"1.png": 11, "2.png": 2, "3.png": 3})
	indexed := len(r.idx.ids)
	res, err = r.in.Ingest(ctx, second, ingest.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.AIPs) != 1 || string(res.AIPs[0].ID) != id || res.Existing != 0 || len(res.Attached) != 0 || len(res.Rescans) != 1 {
		t.Fatalf("rescan: %+v", res)
	}
	rs := res.Rescans[0]
	if rs.Version != 2 || rs.Previous != 1 || rs.Mode != digitised.ModeReplace || rs.Signatur != sig ||
		!slices.Equal(rs.Added, []string{page("3.png")}) || !slices.Equal(rs.Replaced, []string{page("1.png")}) || len(rs.Removed) != 0 ||
		len(rs.Superseded) != 1 {
		t.Errorf("rescan %+v", rs)
	}
	h := headIs(2)
	a, _ := r.cat.AIP(ctx, id)
	if want := []string{page("1.png"), page("2.png"), page("3.png")}; !slices.Equal(pages(a), want) || len(a.Units) != 1 || a.Units[0].ID != "urn:uuid:a1" {
		t.Errorf("catalog after rescan: %q, units %+v", pages(a), a.Units)
	}
	if u, err := r.cat.Unit(ctx, "urn:uuid:a1"); err != nil || string(u.AIP) != id {
		t.Errorf("unit %+v %v", u, err)
	}
	if len(r.idx.ids) <= indexed {
		t.Error("the unit was not indexed again")
	}
	if !bytes.Equal(read(h, page("1.png")), scanPNG(t, 11)) || !bytes.Equal(read(h, page("3.png")), scanPNG(t, 3)) {
		t.Error("v2 does not hold the new scans")
	}
	v1, err := h.At("v1")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(read(v1, page("1.png")), scanPNG(t, 1)) {
		t.Error("v1 lost the earlier scan of page 1")
	}
	if _, _, err := v1.ContentKey(page("3.png")); err == nil {
		t.Error("v1 has page 3")
	}
	// Only new content went into v2: page 2 is not copied again.
	for d, cps := range h.Inventory.Manifest {
		for _, cp := range cps {
			if strings.HasPrefix(cp, "v2/content/"+page("2.png")) {
				t.Errorf("page 2 stored again in v2 (%s)", d[:12])
			}
		}
	}
	stored, err := aip.Read(ctx, r.stores[0], id)
	if err != nil {
		t.Fatal(err)
	}
	var ev *preservation.Event
	for i, e := range stored.Events {
		if e.Type == preservation.EventIngestion && strings.HasPrefix(e.Detail, ingest.EventDetailRescan) {
			ev = &stored.Events[i]
		}
	}
	if ev == nil || !strings.Contains(ev.Detail, filepath.Base(second)) || ev.Outcome != preservation.OutcomeSuccess ||
		!slices.Contains(ev.Outcomes, page("3.png")) || !slices.Contains(ev.Objects, page("1.png")) {
		t.Errorf("PREMIS event of the re-digitisation: %+v", ev)
	}
	// The delivery's mapping replaces the first one in v2.
	if m := read(h, aip.PrefixSubmisson+digitised.MappingFile); !bytes.Contains(m, []byte(sig+";neu")) {
		t.Errorf("v2 mapping %q", m)
	}
	if m := read(v1, aip.PrefixSubmisson+digitised.MappingFile); !bytes.Contains(m, []byte(sig+";akte")) {
		t.Errorf("v1 mapping %q", m)
	}
	// The first ingest's events stay; every agent is named once.
	ings, agents := 0, map[string]bool{}
	for _, e := range stored.Events {
		if e.Type == preservation.EventIngestion {
			ings++
		}
	}
	for _, ag := range stored.Agents {
		if agents[ag.ID] {
			t.Errorf("agent %s twice", ag.ID)
		}
		agents[ag.ID] = true
	}
	if ings != 2 || !agents["siegfried"] || !agents["magazin"] {
		t.Errorf("%d ingestion events, agents %v", ings, agents)
	}

	// The same scans again, and in another folder: archived already.
	for _, again := range []string{second, scanBatch(t, sig, "nochmal", "", map[string]int{"1.png": 11, "2.png": 2, "3.png": 3})} {
		res, err = r.in.Ingest(ctx, again, ingest.Options{}, nil)
		if err != nil || res.Existing != 1 || len(res.Rescans) != 0 || string(res.AIPs[0].ID) != id {
			t.Fatalf("identical scans again: %+v %v", res, err)
		}
		headIs(2)
	}
	// The first delivery again: its images are archived (v1).
	if res, err = r.in.Ingest(ctx, first, ingest.Options{}, nil); err != nil || res.Existing != 1 || len(res.Rescans) != 0 {
		t.Fatalf("first scan again: %+v %v", res, err)
	}
	headIs(2)

	// Pages 4 and 5 delivered later (ergaenzen), with page 4 only as a
	// correction of page 1 would be: version 3 with five pages.
	later := scanBatch(t, sig, "nachlieferung", digitised.ModeSupplement, map[string]int{"4.png": 4, "5.png": 5})
	res, err = r.in.Ingest(ctx, later, ingest.Options{}, nil)
	if err != nil || len(res.Rescans) != 1 {
		t.Fatalf("supplement: %+v %v", res, err)
	}
	if rs := res.Rescans[0]; rs.Version != 3 || rs.Mode != digitised.ModeSupplement || len(rs.Added) != 2 || len(rs.Replaced)+len(rs.Removed) != 0 {
		t.Errorf("supplement %+v", rs)
	}
	headIs(3)
	a, _ = r.cat.AIP(ctx, id)
	if len(a.Files) != 5 {
		t.Errorf("after the supplement: %q", pages(a))
	}
	if res, err = r.in.Ingest(ctx, later, ingest.Options{}, nil); err != nil || res.Existing != 1 || len(res.Rescans) != 0 {
		t.Fatalf("supplement again: %+v %v", res, err)
	}
	headIs(3)
	// A supplement page numbered like an archived page of another name.
	before := objectCount(t, r.stores[0])
	_, err = r.in.Ingest(ctx, scanBatch(t, sig, "x", digitised.ModeSupplement, map[string]int{"0004.png": 40, "6.png": 6}), ingest.Options{}, nil)
	var rej *preservation.RejectedError
	if !errors.As(err, &rej) || !hasCode(rej.Problems, digitised.CodePageDuplicate) {
		t.Errorf("supplement with page 4 again: %v, want %s", err, digitised.CodePageDuplicate)
	}
	if n := objectCount(t, r.stores[0]); n != before {
		t.Errorf("rejected supplement stored %d objects", n-before)
	}
	headIs(3)

	// A complete smaller set replaces the five pages: version 4.
	res, err = r.in.Ingest(ctx, scanBatch(t, sig, "akte", digitised.ModeReplace, map[string]int{"1.png": 21}), ingest.Options{}, nil)
	if err != nil || len(res.Rescans) != 1 || len(res.Rescans[0].Removed) != 4 || len(res.Rescans[0].Replaced) != 1 || len(res.Rescans[0].Superseded) != 5 {
		t.Fatalf("smaller set: %+v %v", res, err)
	}
	headIs(4)
	live, _ := r.cat.AIP(ctx, id)

	// A catalog rebuilt from storage holds the same AIP and still knows
	// the complete deliveries as archived (a supplement delivered again
	// now adds its pages again, as it would without the rebuild).
	cat2, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat2.Close()
	if err := cat2.PutUnits(ctx, units); err != nil {
		t.Fatal(err)
	}
	if _, err := cat2.Rebuild(ctx, r.stores, nil); err != nil {
		t.Fatal(err)
	}
	rebuilt, err := cat2.AIP(ctx, id)
	if err != nil || rebuilt.Version != 4 || rebuilt.Fingerprint != live.Fingerprint || !slices.Equal(pages(rebuilt), pages(live)) {
		t.Fatalf("rebuilt %+v (%v), live %+v", rebuilt, err, live)
	}
	audit := preservation.Event{ID: "6f1c0b3e-0000-4000-8000-000000000001", Type: preservation.EventFixityCheck,
		DateTime: time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC), Detail: "audit", Outcome: preservation.OutcomeSuccess, Agents: []string{"magazin"}}
	in2, err := ingest.New(ingest.DefaultConfig(t.TempDir()), r.stores, cat2, identifier(t),
		ingest.WithEarlierEvents(func(aipID string) ([]preservation.Event, error) {
			if aipID != id {
				return nil, fmt.Errorf("events of %s asked for", aipID)
			}
			return []preservation.Event{audit}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{first, second} {
		if res, err := in2.Ingest(ctx, b, ingest.Options{}, nil); err != nil || res.Existing != 1 || len(res.Rescans) != 0 {
			t.Errorf("after rebuild, %s again: %+v %v", filepath.Base(b), res, err)
		}
	}
	headIs(4)
	// The next version carries the events recorded outside the AIP (the
	// journal's audits) in its PREMIS.
	if _, err := in2.Ingest(ctx, scanBatch(t, sig, "akte", "", map[string]int{"1.png": 22}), ingest.Options{}, nil); err != nil {
		t.Fatal(err)
	}
	stored, err = aip.Read(ctx, r.stores[0], id)
	if err != nil || stored.Version != 5 || !slices.ContainsFunc(stored.Events, func(e preservation.Event) bool { return e.ID == audit.ID }) {
		t.Errorf("v5: version %d, audit event missing (%v)", stored.Version, err)
	}
	// Five versions, each a valid OCFL version, checked in every replica.
	for _, st := range r.stores {
		if res := aip.ValidateObject(ctx, aip.NewStoreFS(ctx, st, aip.ObjectKey(id)), "."); len(res.Errors)+len(res.Warnings) != 0 {
			t.Errorf("%s: object not valid: %+v", st, res)
		}
		if v, err := aip.Verify(ctx, st, id); err != nil || !v.OK {
			t.Errorf("%s: Verify = %+v, %v", st, v, err)
		}
	}
}

// TestAttachedUnitsAreJournaled checks that the ingester itself hands the
// units it attached to new AIPs to the unit journal (WithUnitJournal), so
// that every caller, the CLI and the daemon's jobs, keeps the link through
// a rebuild; a journal failure is reported.
func TestAttachedUnitsAreJournaled(t *testing.T) {
	ctx := context.Background()
	cat, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	var journaled []preservation.Unit
	fail := false
	in, err := ingest.New(ingest.DefaultConfig(t.TempDir()), []store.Store{mem.New()}, cat, identifier(t),
		ingest.WithUnitJournal(func(_ context.Context, us []preservation.Unit) error {
			if fail {
				return errors.New("journal down")
			}
			journaled = append(journaled, us...)
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.PutUnits(ctx, []preservation.Unit{
		{ID: "urn:uuid:b", Level: preservation.LevelBestand, Signatur: "20042", Title: "Amtshauptmannschaft"},
		{ID: "urn:uuid:a1", Parent: "urn:uuid:b", Bestand: "urn:uuid:b", Level: preservation.LevelAkte, Signatur: "20042 Nr. 1", Title: "Brückenbau"},
		{ID: "urn:uuid:a2", Parent: "urn:uuid:b", Bestand: "urn:uuid:b", Level: preservation.LevelAkte, Signatur: "20042 Nr. 2", Title: "Flurkarten"},
	}); err != nil {
		t.Fatal(err)
	}
	res, err := in.Ingest(ctx, digitisedBatch(t, "20042 Nr. 1"), ingest.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(journaled) != 1 || journaled[0].ID != "urn:uuid:a1" || journaled[0].AIP != res.AIPs[0].ID {
		t.Errorf("journaled %+v, want unit a1 pointing at %s", journaled, res.AIPs[0].ID)
	}
	fail = true
	if _, err := in.Ingest(ctx, digitisedBatch(t, "20042 Nr. 2"), ingest.Options{}, nil); err == nil || !strings.Contains(err.Error(), "journal down") {
		t.Errorf("a failing unit journal: %v", err)
	}
}
