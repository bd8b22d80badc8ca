package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/aip/aiptest"
	"github.com/magazin-archiv/magazin/preservation/catalog"
)

// dumpCatalog returns the catalog of a data dir (no magazin process may
// hold it).
func dumpCatalog(t *testing.T, data string) map[string]string {
	t.Helper()
	c, err := catalog.Open(catalog.DefaultDir(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d, err := c.Dump(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// rebuildEqualsLive rebuilds a second data dir from the stores of g and
// compares its catalog with the live one of g.
func rebuildEqualsLive(t *testing.T, live string, stores []string) {
	t.Helper()
	d2 := filepath.Join(t.TempDir(), "rebuilt")
	mustRun(t, append(append([]string{"--data", d2}, stores...), "rebuild")...)
	if diff := cmp.Diff(dumpCatalog(t, live), dumpCatalog(t, d2)); diff != "" {
		t.Errorf("rebuilt catalog differs from live (-live +rebuilt):\n%s", diff)
	}
}

type shownAIP struct {
	preservation.AIP
	JournalEvents []preservation.Event `json:"journalEvents"`
}

func showAIP(t *testing.T, g []string, id string) shownAIP {
	t.Helper()
	var a shownAIP
	out := mustRun(t, append(g, "aip", "show", "--json", id)...)
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return a
}

// contentFiles lists the content files of an object in an fs store.
func contentFiles(t *testing.T, storeDir, id string) []string {
	t.Helper()
	root := filepath.Join(storeDir, filepath.FromSlash(aip.ObjectKey(id)))
	var out []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			if strings.Contains(filepath.ToSlash(rel), "/content/") {
				out = append(out, filepath.ToSlash(rel))
			}
		}
		return nil
	})
	return out
}

// The last "done when": a description edit yields version v2 of
// the AIP, the object stays valid for an independent OCFL validator, and
// content files are not duplicated. Then a closure fact (v3) and a
// migration with the real Ghostscript (v4); audit and verify stay clean,
// and a rebuild from storage equals the live catalog.
func TestDescriptionEditMakesVersion(t *testing.T) {
	tmp := t.TempDir()
	storeDir := filepath.Join(tmp, "store")
	stores := []string{"--store", "file://" + storeDir}
	if os.Getenv("MAGAZIN_TEST_S3") != "" {
		stores = append(stores, "--store", s3URL(t))
	}
	data := filepath.Join(tmp, "data")
	g := append([]string{"--data", data}, stores...)
	mustRun(t, append(g, "bestand", "add", "--signatur", "20001", "--title", "Landratsamt Musterkreis")...)
	mustRun(t, append(g, "ingest", "--bestand", "20001", "--profile", "folder", sampleDir(t))...)
	list := listAIPs(t, g...)
	if len(list) != 1 {
		t.Fatalf("aip list = %+v", list)
	}
	id := list[0].ID
	v1 := contentFiles(t, storeDir, id)
	// A fixity audit's events are in the journal; the next version's
	// PREMIS takes them in.
	mustRun(t, append(g, "audit")...)

	mustRun(t, append(g, "describe", "20001 Nr. 1", "--title", "Bauantrag Müller, Flurstück 12/3", "--scope", "Antrag, Lageplan", "--user", "schmidt")...)
	a := showAIP(t, g, id)
	fix := 0
	for _, ev := range a.Events {
		if ev.Type == preservation.EventFixityCheck && strings.Contains(ev.Detail, "fixity check of") {
			fix++
		}
	}
	if fix != len(stores)/2 || fix != len(a.JournalEvents) {
		t.Errorf("PREMIS of v2 holds %d fixity checks of the journal's %d", fix, len(a.JournalEvents))
	}
	if a.Version != 2 || a.Units[0].Title != "Bauantrag Müller, Flurstück 12/3" || a.Title != a.Units[0].Title {
		t.Fatalf("after describe: version %d, unit %+v, title %q", a.Version, a.Units[0], a.Title)
	}
	ev := a.Events[len(a.Events)-1]
	if ev.Type != preservation.EventMetadataModification || !strings.Contains(ev.Detail, "schmidt: scope, title") || !slices.Contains(ev.Agents, "user:schmidt") {
		t.Errorf("last PREMIS event = %+v", ev)
	}
	var added []string
	for _, f := range contentFiles(t, storeDir, id) {
		if !slices.Contains(v1, f) {
			added = append(added, f)
		}
	}
	want := []string{"v2/content/METS.xml", "v2/content/metadata/descriptive/description.json", "v2/content/metadata/preservation/premis.xml"}
	if diff := cmp.Diff(want, added); diff != "" {
		t.Errorf("v2 added other content files than the changed metadata (-want +got):\n%s", diff)
	}
	aiptest.ValidateIndependently(t, filepath.Join(storeDir, aip.RootPrefix))
	mustRun(t, append(g, "aip", "verify", "--all")...)

	// The same edit again makes no version; a closure fact makes v3.
	mustRun(t, append(g, "describe", "20001 Nr. 1", "--title", "Bauantrag Müller, Flurstück 12/3", "--scope", "Antrag, Lageplan")...)
	if a := showAIP(t, g, id); a.Version != 2 {
		t.Errorf("an unchanged edit made version %d", a.Version)
	}
	mustRun(t, append(g, "closure", "set", "20001 Nr. 1", "--person", "Müller, Hans", "--birth", "1950-03-01", "--user", "weber")...)
	a = showAIP(t, g, id)
	if a.Version != 3 || !a.Units[0].Closure.Personal || len(a.Units[0].Closure.Persons) != 1 {
		t.Errorf("after closure set: version %d, closure %+v", a.Version, a.Units[0].Closure)
	}

	if _, err := exec.LookPath("gs"); err != nil {
		corpus.Missing(t, "gs not installed (make test installs ghostscript)")
	}
	if r := magazin(t, append(g, "migrate", "--dry-run")...); r.code != 0 || !strings.Contains(r.stdout, "would migrate") || !strings.Contains(r.stdout, "pdfa") {
		t.Fatalf("migrate --dry-run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if a := showAIP(t, g, id); a.Version != 3 {
		t.Fatalf("the dry run made version %d", a.Version)
	}
	out := mustRun(t, append(g, "migrate", "--puid", "fmt/18", "--user", "schmidt", id)...)
	if !strings.Contains(out, "fmt/477") || !strings.Contains(out, "version v4") {
		t.Errorf("migrate said:\n%s", out)
	}
	a = showAIP(t, g, id)
	var pdfa *preservation.File
	for i, f := range a.Files {
		if strings.HasPrefix(f.Path, "representations/preservation/data/") {
			pdfa = &a.Files[i]
		}
	}
	if a.Version != 4 || pdfa == nil || pdfa.PUID != "fmt/477" || !strings.HasSuffix(pdfa.DerivedFrom, "Eingangsbestätigung.pdf") {
		t.Fatalf("after migrate: version %d, files %+v", a.Version, a.Files)
	}
	mig := a.Events[len(a.Events)-1]
	if mig.Type != preservation.EventMigration || mig.Outcomes[0] != pdfa.Path || mig.Objects[0] != pdfa.DerivedFrom || !strings.Contains(mig.Detail, "Ghostscript") {
		t.Errorf("migration event = %+v", mig)
	}
	if out := mustRun(t, append(g, "migrate", "--puid", "fmt/18", id)...); strings.Contains(out, "version") {
		t.Errorf("a second migrate did something:\n%s", out)
	}
	// Export shows the files of the head version, the PDF/A among them.
	exp := filepath.Join(tmp, "export")
	mustRun(t, append(g, "aip", "get", id, "--out", exp)...)
	if _, err := os.Stat(filepath.Join(exp, filepath.FromSlash(pdfa.Path))); err != nil {
		t.Errorf("export lacks the PDF/A: %v", err)
	}

	aiptest.ValidateIndependently(t, filepath.Join(storeDir, aip.RootPrefix))
	mustRun(t, append(g, "aip", "verify", "--all")...)
	if r := magazin(t, append(g, "audit")...); r.code != 0 {
		t.Errorf("audit after three versions: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	mustRun(t, append(g, "journal", "verify")...)
	rebuildEqualsLive(t, data, stores)
}
