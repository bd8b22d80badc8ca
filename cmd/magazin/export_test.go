package main

import (
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/access/ead/ddbtest"
	"github.com/magazin-archiv/magazin/preservation/aip"
)

// validated runs `magazin validate --json` on dir with profile and fails
// t unless the package is valid.
func validated(t *testing.T, g []string, profile, dir string) {
	t.Helper()
	r := magazin(t, append(g, "validate", "--json", "--profile", profile, dir)...)
	var v struct {
		Valid    bool   `json:"valid"`
		Profile  string `json:"profile"`
		Problems []struct {
			Code, Severity, Path, Message string
		} `json:"problems"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("validate --json %s: %v\n%s%s", dir, err, r.stdout, r.stderr)
	}
	if r.code != 0 || !v.Valid || v.Profile != profile {
		t.Fatalf("validate --profile %s %s: exit %d\n%s", profile, dir, r.code, r.stdout)
	}
	for _, p := range v.Problems {
		if p.Severity == "error" {
			t.Errorf("%s: %s %s %s", dir, p.Code, p.Path, p.Message)
		}
	}
}

func sha512File(t *testing.T, p string) string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha512.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// dipArchive ingests the sample transfer into Bestand 20001 and opens
// its Akte (closure fact: created 1990, which makes AIP version 2).
func dipArchive(t *testing.T) (g []string, id string) {
	t.Helper()
	g = []string{"--data", filepath.Join(t.TempDir(), "data")}
	mustRun(t, append(g, "bestand", "add", "--signatur", "20001", "--title", "Landratsamt Musterkreis")...)
	mustRun(t, append(g, "ingest", "--bestand", "20001", "--profile", "folder", sampleDir(t))...)
	mustRun(t, append(g, "closure", "set", "--created", "1990-06-30", "20001 Nr. 1")...)
	list := listAIPs(t, g...)
	if len(list) != 1 {
		t.Fatalf("aip list = %+v", list)
	}
	return g, list[0].ID
}

// TestAIPGetBagItAndEARK exports the sample's AIP as bags (head, one
// version, all versions) and E-ARK AIPs, validates each with our own
// profiles and compares every payload file with the AIP's digests.
func TestAIPGetBagItAndEARK(t *testing.T) {
	g, id := dipArchive(t)
	a := showAIP(t, g, id)
	if a.Version != 2 {
		t.Fatalf("the sample's AIP is at version %d, want 2", a.Version)
	}
	out := t.TempDir()

	bag := filepath.Join(out, "bag")
	mustRun(t, append(g, "aip", "get", id, "--format", "bagit", "--archive", "Kreisarchiv Musterkreis", "--out", bag)...)
	validated(t, g, "bagit", bag)
	for _, f := range a.Files {
		if got := sha512File(t, filepath.Join(bag, "data", filepath.FromSlash(f.Path))); got != f.SHA512 {
			t.Errorf("bag: %s differs from the AIP", f.Path)
		}
	}
	info, _ := os.ReadFile(filepath.Join(bag, "bag-info.txt"))
	for _, l := range []string{"External-Identifier: " + id, "Source-Organization: Kreisarchiv Musterkreis", "Payload-Oxum: ", "Bagging-Date: "} {
		if !strings.Contains(string(info), l) {
			t.Errorf("bag-info.txt lacks %q:\n%s", l, info)
		}
	}

	all := filepath.Join(out, "all")
	mustRun(t, append(g, "aip", "get", id, "--format", "bagit", "--all-versions", "--out", all)...)
	validated(t, g, "bagit", all)
	for _, v := range []string{"v1", "v2"} {
		for _, f := range a.Files {
			if got := sha512File(t, filepath.Join(all, "data", v, filepath.FromSlash(f.Path))); got != f.SHA512 {
				t.Errorf("all versions: %s/%s differs from the AIP", v, f.Path)
			}
		}
	}

	for _, args := range [][]string{{}, {"--version", "v1"}, {"--all-versions"}} {
		dir := filepath.Join(out, "eark"+strings.Join(args, ""))
		mustRun(t, append(append(g, "aip", "get", id, "--format", "eark", "--out", dir), args...)...)
		validated(t, g, "eark", dir)
		rep := "original"
		if len(args) > 0 && args[0] == "--all-versions" {
			rep = "v2-original"
		}
		for _, f := range a.Files {
			rel := strings.Replace(f.Path, "representations/original/", "representations/"+rep+"/", 1)
			if got := sha512File(t, filepath.Join(dir, filepath.FromSlash(rel))); got != f.SHA512 {
				t.Errorf("eark %v: %s differs from the AIP", args, rel)
			}
		}
		mets, _ := os.ReadFile(filepath.Join(dir, "METS.xml"))
		if !strings.Contains(string(mets), `OBJID="`+id+`"`) || !strings.Contains(string(mets), `csip:OAISPACKAGETYPE="AIP"`) {
			t.Errorf("eark %v: METS.xml is no AIP METS of %s", args, id)
		}
	}

	// Bad invocations: a target that exists, an unknown version, an
	// unknown format, an unknown AIP.
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"aip", "get", id, "--format", "bagit", "--out", bag}, 2},
		{[]string{"aip", "get", id, "--format", "bagit", "--version", "v7", "--out", filepath.Join(out, "v7")}, 1},
		{[]string{"aip", "get", id, "--format", "zip", "--out", filepath.Join(out, "zip")}, 2},
		{[]string{"aip", "get", "urn:uuid:00000000-0000-4000-8000-000000000000", "--format", "eark", "--out", filepath.Join(out, "none")}, 1},
	} {
		if r := magazin(t, append(g, tc.args...)...); r.code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s", tc.args, r.code, tc.code, r.stderr)
		}
	}
	for _, d := range []string{"v7", "zip", "none"} {
		if _, err := os.Stat(filepath.Join(out, d)); err == nil {
			t.Errorf("a failed export left %s", d)
		}
	}
}

// TestExportDIP exports the open Akte as an E-ARK DIP, validates it and
// compares its files with the AIP; then closes the Akte (person-related,
// created 2020) and finds the DIP refused.
func TestExportDIP(t *testing.T) {
	g, id := dipArchive(t)
	a := showAIP(t, g, id)
	out := t.TempDir()
	dir := filepath.Join(out, "dip")
	var res struct {
		OBJID string   `json:"objid"`
		Units []string `json:"units"`
		AIPs  []string `json:"aips"`
	}
	r := mustRun(t, append(g, "export", "dip", "20001 Nr. 1", "--isil", "DE-1234", "--archive", "Kreisarchiv Musterkreis", "--json", "--out", dir)...)
	if err := json.Unmarshal([]byte(r), &res); err != nil || len(res.AIPs) != 1 || res.AIPs[0] != id || !strings.HasPrefix(res.OBJID, "urn:uuid:") || res.OBJID == id {
		t.Fatalf("export dip --json = %s (%v)", r, err)
	}
	validated(t, g, "eark", dir)
	rep := filepath.Join(dir, "representations", strings.TrimPrefix(res.Units[0], "urn:uuid:"), "data")
	n := 0
	for _, f := range a.Files {
		rel, ok := strings.CutPrefix(f.Path, aip.PrefixOriginal)
		if !ok {
			continue
		}
		n++
		if got := sha512File(t, filepath.Join(rep, filepath.FromSlash(rel))); got != f.SHA512 {
			t.Errorf("dip: %s differs from the AIP", rel)
		}
	}
	if n == 0 {
		t.Fatal("the AIP has no original files")
	}
	eads, _ := filepath.Glob(filepath.Join(dir, "metadata", "descriptive", "*.ead.xml"))
	if len(eads) == 0 {
		t.Error("no EAD record in the DIP")
	}
	ddbtest.Validate(t, ddbtest.Findbuch, eads...)

	// The reading room's API gives the same record (one renderer).
	t.Setenv("MAGAZIN_ISIL", "DE-1234")
	t.Setenv("MAGAZIN_ARCHIVE", "Kreisarchiv Musterkreis")
	base, stop := serveReadingRoom(t, g)
	code, hdr, body := httpGet(t, base+"/api/v1/units/"+url.PathEscape("20001 Nr. 1")+"/ead")
	rec, _ := os.ReadFile(eads[0])
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "application/xml") || string(body) != string(rec) {
		t.Errorf("GET units/…/ead = %d %s, same as the DIP's record: %v", code, hdr.Get("Content-Type"), string(body) == string(rec))
	}
	code, _, body = httpGet(t, base+"/api/v1/ead/findbuch/20001")
	if code != 200 || !strings.Contains(string(body), "<unitid>20001 Nr. 1</unitid>") {
		t.Errorf("GET ead/findbuch/20001 = %d\n%s", code, body)
	}
	ddbtest.ValidateBytes(t, ddbtest.Findbuch, body)
	stop()

	mustRun(t, append(g, "closure", "set", "--personal", "--created", "2020-01-01", "20001 Nr. 1")...)
	closed := filepath.Join(out, "closed")
	rc := magazin(t, append(g, "export", "dip", "20001 Nr. 1", "--out", closed)...)
	if rc.code != 1 || !strings.Contains(rc.stderr, "DIP_CLOSED") {
		t.Errorf("DIP of a closed unit: exit %d\n%s%s", rc.code, rc.stdout, rc.stderr)
	}
	if left, _ := os.ReadDir(out); len(left) != 1 {
		t.Errorf("the refused DIP left files: %v", left)
	}
	// The archivist's export of the AIP is not the user's DIP: it works.
	mustRun(t, append(g, "aip", "get", id, "--format", "bagit", "--out", filepath.Join(out, "bag"))...)
}
