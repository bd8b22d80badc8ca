package migrate_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/ingest/identify"
	"github.com/magazin-archiv/magazin/ingest/migrate"
	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/aip/aiptest"
	"github.com/magazin-archiv/magazin/preservation/store"
	fsstore "github.com/magazin-archiv/magazin/preservation/store/fs"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

var ident = func() *identify.Identifier {
	id, err := identify.New()
	if err != nil {
		panic(err)
	}
	return id
}()

// writeAIP stores an AIP of the files (name -> content) in every store.
func writeAIP(t *testing.T, stores []store.Store, files map[string][]byte) *preservation.AIP {
	t.Helper()
	a := &preservation.AIP{ID: "urn:uuid:5a1e0000-0000-4000-8000-000000000001", Version: 1,
		Created: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC), Title: "Bauakte", Profile: "folder", Fingerprint: "fp",
		Agents: []preservation.Agent{{ID: "magazin", Name: "magazin", Type: "software", Version: "test"}},
		Units:  []preservation.Unit{{ID: "urn:uuid:5a1e0000-0000-4000-8000-0000000000aa", Level: preservation.LevelAkte, Title: "Bauakte"}}}
	var payload []aip.Source
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		// A name of the form representations/<rep>/data/... is a file of
		// a representation the submission brought (E-ARK).
		lp := aip.PrefixOriginal + n
		if strings.HasPrefix(n, "representations/") {
			lp = n
		}
		s := aip.BytesSource(lp, files[n])
		f, err := os.CreateTemp(t.TempDir(), "x")
		if err != nil {
			t.Fatal(err)
		}
		f.Write(files[n])
		r, err := ident.IdentifyFile(t.Context(), f, n)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		a.Files = append(a.Files, preservation.File{Path: s.Path, Name: n, Size: s.Size, SHA512: s.SHA512, PUID: r.PUID,
			FormatName: r.FormatName, FormatVersion: r.FormatVersion, MIME: r.MIME, FormatBasis: r.Basis, FormatWarning: r.Warning})
		a.Size += s.Size
		payload = append(payload, s)
	}
	obj, err := aip.New(aip.Package{AIP: a, Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stores {
		if err := obj.Write(t.Context(), st, 1); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// upper is a "tool" that upper-cases text files into access copies.
var upper = migrate.Action{Name: "upper", PUIDs: []string{"x-fmt/111"}, Event: preservation.EventNormalization,
	Representation: "access", Extension: ".txt", Tool: "tr",
	Command:        []string{"sh", "-c", `tr a-z A-Z <"$1" >"$2"`, "sh", "{in}", "{out}"},
	VersionCommand: []string{"sh", "-c", "echo tr 9.1; echo more"}}

func TestMigrateWithAShellTool(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	fst, err := fsstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	stores := []store.Store{fst, mem.New()}
	a := writeAIP(t, stores, map[string][]byte{"Akte/Vermerk.txt": []byte("vermerk\n"), "Akte/Notiz.txt": []byte("notiz\n"),
		"Akte/Bild.png": []byte("\x89PNG\r\n\x1a\n")})
	m, err := migrate.New(&migrate.Config{Actions: []migrate.Action{upper}}, stores, ident, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m.SetClock(func() time.Time { return time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC) })

	dry, err := m.Migrate(ctx, string(a.ID), migrate.Options{DryRun: true})
	if err != nil || len(dry.Outcomes) != 2 || dry.Version != 1 || dry.AIPRecord != nil {
		t.Fatalf("dry run = %+v, %v", dry, err)
	}
	if h, _ := aip.ReadHead(ctx, fst, string(a.ID)); h.Inventory.Head != "v1" {
		t.Fatal("the dry run wrote a version")
	}

	res, err := m.Migrate(ctx, string(a.ID), migrate.Options{User: "archivist"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Version != 2 || res.Failed() != 0 || len(res.Outcomes) != 2 || res.AIPRecord == nil {
		t.Fatalf("result = %+v", res)
	}
	b := res.AIPRecord
	var derived []preservation.File
	for _, f := range b.Files {
		if f.DerivedFrom != "" {
			derived = append(derived, f)
		}
	}
	if len(derived) != 2 || derived[0].Path != "representations/access/data/Akte/Notiz.txt" || derived[0].DerivedFrom != aip.PrefixOriginal+"Akte/Notiz.txt" ||
		derived[0].PUID != "x-fmt/111" {
		t.Fatalf("derived files = %+v", derived)
	}
	ev := b.Events[len(b.Events)-1]
	if ev.Type != preservation.EventNormalization || len(ev.Objects) != 1 || len(ev.Outcomes) != 1 || ev.Outcomes[0] != derived[1].Path ||
		!strings.Contains(ev.Detail, "tr 9.1") || ev.Agents[0] != "tool:tr" {
		t.Errorf("event = %+v", ev)
	}
	if !slices.ContainsFunc(b.Agents, func(ag preservation.Agent) bool { return ag.ID == "tool:tr" && ag.Version == "tr 9.1" }) {
		t.Errorf("agents = %+v", b.Agents)
	}
	for _, st := range stores {
		rc, _, err := mustHead(t, st, a.ID).Open(ctx, st, derived[1].Path)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, 100)
		n, _ := rc.Read(got)
		rc.Close()
		if string(got[:n]) != "VERMERK\n" {
			t.Errorf("access copy = %q", got[:n])
		}
		if v, err := aip.Verify(ctx, st, string(a.ID)); err != nil || !v.OK {
			t.Errorf("Verify = %+v, %v", v, err)
		}
	}
	aiptest.ValidateIndependently(t, filepath.Join(dir, aip.RootPrefix))

	// Again: nothing left to do, no new version.
	again, err := m.Migrate(ctx, string(a.ID), migrate.Options{})
	if err != nil || len(again.Outcomes) != 0 || again.Version != 2 || again.AIPRecord != nil {
		t.Errorf("second run = %+v, %v", again, err)
	}

	// A failing tool: reported, nothing written.
	fail := upper
	fail.Name, fail.Representation, fail.Command = "fail", "broken", []string{"sh", "-c", "echo kaputt >&2; exit 3", "sh", "{in}", "{out}"}
	m2, err := migrate.New(&migrate.Config{Actions: []migrate.Action{fail}}, stores, ident, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err = m2.Migrate(ctx, string(a.ID), migrate.Options{})
	if err != nil || res.Failed() != 2 || res.Version != 2 || !strings.Contains(res.Outcomes[0].Error, "kaputt") {
		t.Errorf("failing tool: %+v, %v", res, err)
	}
	// An outcome of an unexpected format fails too.
	wrong := upper
	wrong.Name, wrong.Representation, wrong.Expect = "wrong", "pdf", []string{"fmt/477"}
	m3, _ := migrate.New(&migrate.Config{Actions: []migrate.Action{wrong}}, stores, ident, t.TempDir())
	res, err = m3.Migrate(ctx, string(a.ID), migrate.Options{PUID: "x-fmt/111"})
	if err != nil || res.Failed() != 2 || !strings.Contains(res.Outcomes[0].Error, "not of fmt/477") {
		t.Errorf("unexpected format: %+v, %v", res, err)
	}
	if h := mustHead(t, fst, a.ID); h.Inventory.Head != "v2" {
		t.Errorf("head after failures = %s", h.Inventory.Head)
	}
}

// TestMigrateSubmittedRepresentations checks that the submitted files of
// every representation are sources, not only those of "original", and
// that the outcomes of a representation the submission brought are kept
// apart in the target by its name.
func TestMigrateSubmittedRepresentations(t *testing.T) {
	ctx := context.Background()
	stores := []store.Store{mem.New()}
	a := writeAIP(t, stores, map[string][]byte{"representations/rep1/data/Akte/Vermerk.txt": []byte("vermerk\n"),
		"representations/rep2/data/Akte/Vermerk.txt": []byte("lesefassung\n"), "Notiz.txt": []byte("notiz\n")})
	m, err := migrate.New(&migrate.Config{Actions: []migrate.Action{upper}}, stores, ident, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Migrate(ctx, string(a.ID), migrate.Options{})
	if err != nil || res.Failed() != 0 || res.AIPRecord == nil {
		t.Fatalf("result = %+v, %v", res, err)
	}
	got := map[string]string{}
	for _, f := range res.AIPRecord.Files {
		if f.DerivedFrom != "" {
			got[f.Path] = f.DerivedFrom
		}
	}
	want := map[string]string{
		"representations/access/data/Notiz.txt":             "representations/original/data/Notiz.txt",
		"representations/access/data/rep1/Akte/Vermerk.txt": "representations/rep1/data/Akte/Vermerk.txt",
		"representations/access/data/rep2/Akte/Vermerk.txt": "representations/rep2/data/Akte/Vermerk.txt",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("derived %v\nwant %v", got, want)
	}
}

func mustHead(t *testing.T, st store.Store, id preservation.AIPID) *aip.Head {
	t.Helper()
	h, err := aip.ReadHead(t.Context(), st, string(id))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestConfig(t *testing.T) {
	if err := migrate.Default().Check(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	for _, bad := range []string{
		`{"actions": [{"name": "x"}]}`,
		`{"actions": [{"name": "x", "puids": ["fmt/18"], "event": "mig", "representation": "original", "extension": ".pdf", "command": ["gs", "{in}", "{out}"], "tool": "gs"}]}`,
		`{"actions": [{"name": "x", "puids": ["fmt/18"], "event": "del", "representation": "p", "extension": ".pdf", "command": ["gs", "{in}", "{out}"], "tool": "gs"}]}`,
		`{"actions": [{"name": "x", "puids": ["fmt/18"], "event": "mig", "representation": "p", "extension": ".pdf", "command": ["gs", "{in}"], "tool": "gs"}]}`,
		`{"actions": [{"name": "x", "puids": ["fmt/18"], "event": "mig", "representation": "p", "extension": ".pdf", "command": ["gs", "{in}", "{out}"], "tool": "gs", "typo": 1}]}`,
	} {
		f := filepath.Join(t.TempDir(), "m.json")
		os.WriteFile(f, []byte(bad), 0o644)
		if _, err := migrate.Load(f); err == nil {
			t.Errorf("accepted: %s", bad)
		}
	}
}

// The default actions with the real tools: Ghostscript makes PDF/A-2b
// (siegfried says fmt/477), ImageMagick a PNG of a TIFF.
func TestDefaultActionsWithRealTools(t *testing.T) {
	for _, tool := range []string{"gs", "convert"} {
		if _, err := exec.LookPath(tool); err != nil {
			corpus.Missing(t, tool+" not installed (apt-get install ghostscript imagemagick; make test installs them)")
		}
	}
	ctx := context.Background()
	pdf, err := os.ReadFile("../../testdata/sample-transfer/Akte 2026-001 Bauantrag Müller/Eingangsbestätigung.pdf")
	if err != nil {
		t.Fatal(err)
	}
	tif := filepath.Join(t.TempDir(), "rot.tif")
	if out, err := exec.Command("convert", "-size", "16x8", "xc:red", tif).CombinedOutput(); err != nil {
		t.Fatalf("convert: %v\n%s", err, out)
	}
	tiff, err := os.ReadFile(tif)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, err := fsstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := writeAIP(t, []store.Store{st}, map[string][]byte{"Akte/Eingangsbestätigung.pdf": pdf, "Akte/Foto.tif": tiff})
	m, err := migrate.New(migrate.Default(), []store.Store{st}, ident, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Migrate(ctx, string(a.ID), migrate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed() != 0 || len(res.Outcomes) != 2 || res.Version != 2 {
		t.Fatalf("result = %+v", res)
	}
	got := map[string]string{}
	for _, o := range res.Outcomes {
		got[o.Target] = o.PUID
	}
	want := map[string]string{
		"representations/preservation/data/Akte/Eingangsbestätigung.pdf": "fmt/477",
		"representations/access/data/Akte/Foto.png":                      "fmt/11",
	}
	for k, v := range want {
		if got[k] != v && !(v == "fmt/11" && strings.HasPrefix(got[k], "fmt/1")) {
			t.Errorf("%s: PUID %q, want %s (all: %v)", k, got[k], v, got)
		}
	}
	var types []string
	for _, e := range res.AIPRecord.Events {
		types = append(types, e.Type)
	}
	if !slices.Contains(types, "mig") || !slices.Contains(types, "nor") {
		t.Errorf("events %q lack mig and nor", types)
	}
	var gs *preservation.Agent
	for i, ag := range res.AIPRecord.Agents {
		if ag.ID == "tool:ghostscript" {
			gs = &res.AIPRecord.Agents[i]
		}
	}
	if gs == nil || gs.Version == "" || gs.Version == "unknown" {
		t.Errorf("Ghostscript agent = %+v", gs)
	}
	aiptest.ValidateIndependently(t, filepath.Join(dir, aip.RootPrefix))
}

func TestMergeEvents(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 12, 1, h, 0, 0, 0, time.UTC) }
	have := []preservation.Event{{ID: "a", DateTime: at(1)}, {ID: "c", DateTime: at(3)}}
	got := migrate.MergeEvents(have, []preservation.Event{{ID: "c", DateTime: at(3)}, {ID: "b", DateTime: at(2)}, {ID: "d", DateTime: at(4)}, {ID: "", DateTime: at(5)}})
	var ids []string
	for _, e := range got {
		ids = append(ids, e.ID)
	}
	if strings.Join(ids, "") != "abcd" || len(have) != 2 {
		t.Errorf("merged = %q", ids)
	}
}
