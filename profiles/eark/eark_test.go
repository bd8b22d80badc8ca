package eark

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/profiles"
)

var _ profiles.Profile = New()

// problemSet renders problems as "severity CODE path" for comparison.
func problemSet(ps preservation.Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Severity+" "+p.Code+" "+p.Path)
	}
	sort.Strings(out)
	return out
}

func names(fs []profiles.File) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

func TestValidPackage(t *testing.T) {
	root := makePackage(t, testPackage{schemas: true})
	p := New()
	if p.Name() != "eark" || !p.Detect(root) {
		t.Fatal("Name/Detect")
	}
	tr := read(t, root)
	if len(tr.Problems) != 0 {
		t.Fatalf("problems: %v", tr.Problems)
	}
	if ps := verifyPayload(t, tr); len(ps) != 0 {
		t.Fatalf("payload: %v", ps)
	}
	if tr.Profile != "eark" || tr.Title != "Bauakte Musterstraße 1" {
		t.Errorf("Profile %q Title %q", tr.Profile, tr.Title)
	}
	wantFiles := []string{"representations/rep1/data/Akte 1/Brief.txt", "representations/rep1/data/Übersicht.csv"}
	if got := names(tr.Files); !slices.Equal(got, wantFiles) {
		t.Errorf("files %q", got)
	}
	for _, f := range tr.Files {
		if len(f.Declared["sha256"]) != 64 || f.Path != filepath.Join(root, filepath.FromSlash(f.Name)) || f.Size == 0 {
			t.Errorf("%s: %+v", f.Name, f)
		}
	}
	wantMeta := []string{"METS.xml", "documentation/Lieferbedingungen.txt", "metadata/descriptive/ead.xml",
		"metadata/preservation/premis.xml", "representations/rep1/METS.xml", "representations/rep1/metadata/preservation/p.xml",
		"schemas/mets.xsd", "schemas/xlink.xsd"}
	if got := names(tr.Metadata); !slices.Equal(got, wantMeta) {
		t.Errorf("metadata %q", got)
	}
	for _, f := range tr.Metadata {
		if f.Name != "METS.xml" && f.Declared["sha256"] == "" {
			t.Errorf("%s: no declared digest", f.Name)
		}
	}
	d := tr.Description
	for k, want := range map[string]any{
		"OBJID": "sip-2024-017", "TYPE": "Mixed", "CONTENTINFORMATIONTYPE": "MIXED", "OAISPACKAGETYPE": "SIP",
		"PROFILE": "https://earksip.dilcis.eu/profile/E-ARK-SIP-v2-2-0.xml", "CREATEDATE": "2024-05-02T10:00:00Z",
		"RECORDSTATUS": "NEW", "submissionAgreement": "Vereinbarung 2024/3", "referenceCode": "Bestand 12",
		"LABEL": "Bauakte Musterstraße 1",
	} {
		if d[k] != want {
			t.Errorf("Description[%s] = %#v, want %#v", k, d[k], want)
		}
	}
	agents, _ := d["agents"].([]any)
	if len(agents) != 2 || agents[1].(map[string]any)["name"] != "Landratsamt Musterkreis" {
		t.Errorf("agents %#v", d["agents"])
	}
	reps, _ := d["representations"].([]any)
	if len(reps) != 1 || reps[0].(map[string]any)["files"] != 2 || reps[0].(map[string]any)["CONTENTINFORMATIONTYPE"] != "MIXED" {
		t.Errorf("representations %#v", d["representations"])
	}
	desc, _ := d["descriptive"].(map[string]any)
	if desc["standard"] != "EAD" || desc["title"] != "Bauakte Musterstraße 1" || desc["source"] != "metadata/descriptive/ead.xml" {
		t.Errorf("descriptive %#v", desc)
	}
	if len(tr.Units) != 1 {
		t.Fatalf("units %+v", tr.Units)
	}
	u := tr.Units[0]
	want := preservation.Unit{Level: preservation.LevelAkte, Title: "Bauakte Musterstraße 1", SourceID: "sip-2024-017",
		SourceRef: "LRA-MK 17/2024", From: "1990-03-01", To: "2001-12-31", Scope: "Bauantrag, Genehmigung und Schriftwechsel.",
		Provenance: "Landratsamt Musterkreis, Bauamt", Extent: "2 Dateien", Language: "ger", Subjects: []string{"Bauwesen"},
		Places: []string{"Musterstadt"}}
	u.Extra = nil
	if !equalUnit(u.Unit, want) {
		t.Errorf("unit\n got %+v\nwant %+v", u.Unit, want)
	}
	if !slices.Equal(u.Files, wantFiles) {
		t.Errorf("unit files %q", u.Files)
	}
	if x := tr.Units[0].Extra; x["SUBMISSIONAGREEMENT"] != "Vereinbarung 2024/3" || x["REFERENCECODE"] != "Bestand 12" || x["OBJID"] != "sip-2024-017" {
		t.Errorf("extra %v", x)
	}
}

func equalUnit(a, b preservation.Unit) bool {
	return a.Level == b.Level && a.Title == b.Title && a.SourceID == b.SourceID && a.SourceRef == b.SourceRef &&
		a.From == b.From && a.To == b.To && a.Scope == b.Scope && a.Provenance == b.Provenance && a.Extent == b.Extent &&
		a.Language == b.Language && slices.Equal(a.Subjects, b.Subjects) && slices.Equal(a.Places, b.Places)
}

// TestSingleTopFolder reads a package given as the folder that holds it
// (a directory submission of the unpacked ZIP).
func TestSingleTopFolder(t *testing.T) {
	root := makePackage(t, testPackage{schemas: true})
	parent := filepath.Dir(root)
	if !New().Detect(parent) {
		t.Fatal("Detect(parent)")
	}
	tr := read(t, parent)
	if len(tr.Problems) != 0 || len(tr.Files) != 2 || tr.Files[0].Name != "representations/rep1/data/Akte 1/Brief.txt" {
		t.Errorf("problems %v files %q", tr.Problems, names(tr.Files))
	}
}

func TestDetect(t *testing.T) {
	dir := t.TempDir()
	p := New()
	if p.Detect(dir) {
		t.Error("empty dir detected")
	}
	writeFile(t, dir, "METS.xml", `<mets xmlns="http://www.loc.gov/METS/" OBJID="x"/>`)
	if p.Detect(dir) {
		t.Error("plain METS without an E-ARK marker detected")
	}
	writeFile(t, dir, "METS.xml", `<mets xmlns="http://www.loc.gov/METS/" PROFILE="https://earkcsip.dilcis.eu/profile/E-ARK-CSIP.xml"/>`)
	if !p.Detect(dir) {
		t.Error("CSIP METS not detected")
	}
	writeFile(t, dir, "bagit.txt", "BagIt-Version: 1.0\n")
	if !p.Detect(dir) {
		t.Error("CSIP METS next to other files not detected")
	}
	// E-ARK 1.x: a METS without a marker, but the CSIP structure.
	old := t.TempDir()
	writeFile(t, old, "METS.xml", `<mets xmlns="http://www.loc.gov/METS/" OBJID="x" PROFILE="http://www.example.org/sip/METS.xml"/>`)
	if p.Detect(old) {
		t.Error("plain METS without representations detected")
	}
	if err := os.MkdirAll(filepath.Join(old, "representations", "rep1"), 0o755); err != nil {
		t.Fatal(err)
	}
	if !p.Detect(old) {
		t.Error("METS next to a representations folder not detected")
	}
	two := t.TempDir()
	writeFile(t, two, "a/METS.xml", `<mets xmlns="http://www.loc.gov/METS/" xmlns:csip="https://DILCIS.eu/XML/METS/CSIPExtensionMETS"/>`)
	if !p.Detect(two) {
		t.Error("single top folder not detected")
	}
	writeFile(t, two, "b/METS.xml", `<mets xmlns="http://www.loc.gov/METS/" xmlns:csip="https://DILCIS.eu/XML/METS/CSIPExtensionMETS"/>`)
	if p.Detect(two) {
		t.Error("two top folders detected")
	}
}

func TestReadErrors(t *testing.T) {
	if _, err := New().Read(context.Background(), filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("missing dir: no error")
	}
	f := filepath.Join(t.TempDir(), "file")
	writeFile(t, filepath.Dir(f), "file", "x")
	if _, err := New().Read(context.Background(), f); err == nil {
		t.Error("file: no error")
	}
	root := makePackage(t, testPackage{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New().Read(ctx, root); err == nil {
		t.Error("cancelled: no error")
	}
}

func replace(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic("edit: " + old + " not found")
		}
		return strings.Replace(s, old, new, 1)
	}
}

const briefText = "Sehr geehrte Damen und Herren,\n"

// TestProblems edits a valid package and checks the problems reported.
// Only problems of the listed codes are compared; the baseline warnings of
// a package without schemas are left out.
func TestProblems(t *testing.T) {
	base := []string{"warning CSIPSTR15 schemas", "warning EARK_SCHEMA_UNCHECKED "}
	tests := []struct {
		name string
		pkg  testPackage
		want []string // in addition to base
	}{
		{name: "valid", want: nil},
		{name: "no METS.xml", pkg: testPackage{after: func(t *testing.T, root string) {
			if err := os.Rename(filepath.Join(root, "METS.xml"), filepath.Join(root, "mets.xml")); err != nil {
				t.Fatal(err)
			}
		}}, want: []string{"error CSIPSTR4 METS.xml"}},
		{name: "METS not well-formed", pkg: testPackage{metsEdit: replace("</mets>", "</mets")},
			want: []string{"error EARK_METS_SYNTAX METS.xml"}},
		{name: "root not mets", pkg: testPackage{metsEdit: func(string) string { return `<x xmlns="http://www.loc.gov/METS/"/>` }},
			want: []string{"error EARK_METS_SYNTAX METS.xml"}},
		{name: "no OBJID", pkg: testPackage{metsEdit: replace(`OBJID="sip-2024-017" `, "")},
			want: []string{"error CSIP1 METS.xml"}},
		{name: "OBJID not the folder", pkg: testPackage{metsEdit: replace(`OBJID="sip-2024-017" `, `OBJID="other" `)},
			want: []string{"warning CSIP1 METS.xml", "warning CSIP86 METS.xml"}},
		{name: "TYPE not in vocabulary", pkg: testPackage{metsEdit: replace(`TYPE="Mixed"`, `TYPE="Akten"`)},
			want: []string{"error CSIP2 METS.xml"}},
		{name: "TYPE OTHER without OTHERTYPE", pkg: testPackage{metsEdit: replace(`TYPE="Mixed"`, `TYPE="OTHER"`)},
			want: []string{"error CSIP2 METS.xml"}},
		{name: "TYPE OTHER with OTHERTYPE", pkg: testPackage{metsEdit: replace(`TYPE="Mixed"`, `TYPE="OTHER" csip:OTHERTYPE="Bauakten"`)}},
		{name: "en dash spelled as hyphen", pkg: testPackage{metsEdit: replace(`TYPE="Mixed"`, `TYPE="Textual works - Digital"`)}},
		{name: "CONTENTINFORMATIONTYPE missing in the package METS", pkg: testPackage{
			metsEdit: replace(`csip:CONTENTINFORMATIONTYPE="MIXED"
`, "\n")}, want: []string{"warning CSIP4 METS.xml"}},
		{name: "CONTENTINFORMATIONTYPE missing in a representation METS", pkg: testPackage{
			repEdit: replace(`csip:CONTENTINFORMATIONTYPE="MIXED" `, "")}, want: []string{"warning CSIP4 representations/rep1/METS.xml"}},
		{name: "CONTENTINFORMATIONTYPE a CITS", pkg: testPackage{repEdit: replace(`csip:CONTENTINFORMATIONTYPE="MIXED" `,
			`csip:CONTENTINFORMATIONTYPE="citsdocuments_v1_3" `)}},
		{name: "CONTENTINFORMATIONTYPE unknown", pkg: testPackage{repEdit: replace(`csip:CONTENTINFORMATIONTYPE="MIXED" `,
			`csip:CONTENTINFORMATIONTYPE="PDF" `)}, want: []string{"warning CSIP4 representations/rep1/METS.xml"}},
		{name: "PROFILE not a URL", pkg: testPackage{metsEdit: replace(`PROFILE="https://earksip.dilcis.eu/profile/E-ARK-SIP-v2-2-0.xml"`,
			`PROFILE="E-ARK SIP"`)}, want: []string{"error CSIP6 METS.xml"}},
		{name: "PROFILE of another institution", pkg: testPackage{metsEdit: replace(`PROFILE="https://earksip.dilcis.eu/profile/E-ARK-SIP-v2-2-0.xml"`,
			`PROFILE="https://archiv.example.org/profil.xml"`)}, want: []string{"warning CSIP6 METS.xml"}},
		{name: "no metsHdr", pkg: testPackage{metsEdit: func(s string) string {
			i, j := strings.Index(s, "  <metsHdr"), strings.Index(s, "</metsHdr>")
			return s[:i] + s[j+len("</metsHdr>"):]
		}}, want: []string{"error CSIP117 METS.xml", "error CSIP9 METS.xml"}},
		{name: "no CREATEDATE", pkg: testPackage{metsEdit: replace(`<metsHdr CREATEDATE="2024-05-02T10:00:00Z" `, `<metsHdr `)},
			want: []string{"error CSIP7 METS.xml"}},
		{name: "LASTMODDATE in the future", pkg: testPackage{metsEdit: replace(`RECORDSTATUS="NEW"`, `RECORDSTATUS="NEW" LASTMODDATE="2099-01-01T00:00:00"`)},
			want: []string{"warning CSIP8 METS.xml"}},
		{name: "OAISPACKAGETYPE AIP with the SIP profile", pkg: testPackage{metsEdit: replace(`RECORDSTATUS="NEW" csip:OAISPACKAGETYPE="SIP"`,
			`RECORDSTATUS="NEW" csip:OAISPACKAGETYPE="AIP"`)}, want: []string{"error SIP4 METS.xml"}},
		{name: "OAISPACKAGETYPE unknown", pkg: testPackage{metsEdit: replace(`RECORDSTATUS="NEW" csip:OAISPACKAGETYPE="SIP"`,
			`RECORDSTATUS="NEW" csip:OAISPACKAGETYPE="XIP"`)}, want: []string{"error CSIP9 METS.xml"}},
		{name: "RECORDSTATUS TEST", pkg: testPackage{metsEdit: replace(`RECORDSTATUS="NEW"`, `RECORDSTATUS="TEST"`)},
			want: []string{"warning SIP3 METS.xml"}},
		{name: "no software agent", pkg: testPackage{metsEdit: replace(`<agent ROLE="CREATOR" TYPE="OTHER" OTHERTYPE="SOFTWARE">`,
			`<agent ROLE="CREATOR" TYPE="OTHER" OTHERTYPE="HARDWARE">`)}, want: []string{"error CSIP13 METS.xml"}},
		{name: "software version not typed", pkg: testPackage{metsEdit: replace(`<note csip:NOTETYPE="SOFTWARE VERSION">1.0</note>`, `<note>1.0</note>`)},
			want: []string{"error CSIP16 METS.xml"}},
		{name: "two submission agreements", pkg: testPackage{metsEdit: replace(`<altRecordID TYPE="REFERENCECODE">`,
			`<altRecordID TYPE="SUBMISSIONAGREEMENT">V2</altRecordID><altRecordID TYPE="REFERENCECODE">`)},
			want: []string{"warning SIP5 METS.xml"}},
		{name: "CSIP namespace in lower case", pkg: testPackage{metsEdit: replace(`xmlns:csip="https://DILCIS.eu/`, `xmlns:csip="https://dilcis.eu/`)},
			want: []string{"error EARK_NAMESPACE METS.xml"}},
		{name: "dmdSec without CREATED", pkg: testPackage{metsEdit: replace(`<dmdSec ID="dmd-ead" CREATED="2024-05-02T10:00:00Z">`, `<dmdSec ID="dmd-ead">`)},
			want: []string{"error CSIP19 METS.xml"}},
		{name: "mdRef without CHECKSUM", pkg: testPackage{metsEdit: replace(`CHECKSUM="`+sha256hex(eadFixture)+`" CHECKSUMTYPE="SHA-256"`, ``)},
			want: []string{"error CSIP29 METS.xml"}},
		{name: "file without CHECKSUM", pkg: testPackage{repEdit: replace(`CHECKSUM="`+sha256hex(briefText)+`" CHECKSUMTYPE="SHA-256"`, ``)},
			want: []string{"error CSIP71 representations/rep1/METS.xml"}},
		{name: "CHECKSUMTYPE not in vocabulary", pkg: testPackage{repEdit: replace(`CHECKSUM="`+sha256hex(briefText)+`" CHECKSUMTYPE="SHA-256"`,
			`CHECKSUM="`+sha256hex(briefText)+`" CHECKSUMTYPE="SHA3-256"`)},
			want: []string{"error CSIP72 representations/rep1/METS.xml"}},
		{name: "CHECKSUMTYPE not verified", pkg: testPackage{repEdit: replace(`CHECKSUM="`+sha256hex("Sehr geehrte Damen und Herren,\n")+`" CHECKSUMTYPE="SHA-256"`,
			`CHECKSUM="1234abcd" CHECKSUMTYPE="CRC32"`)}, want: []string{"warning EARK_CHECKSUM representations/rep1/METS.xml"}},
		{name: "checksum not hex", pkg: testPackage{repEdit: replace(`CHECKSUM="`+sha256hex("Sehr geehrte Damen und Herren,\n")+`"`, `CHECKSUM="xyz"`)},
			want: []string{"error EARK_CHECKSUM representations/rep1/METS.xml"}},
		{name: "FLocat LOCTYPE OTHER", pkg: testPackage{repEdit: replace(`<FLocat LOCTYPE="URL"`, `<FLocat LOCTYPE="OTHER"`)},
			want: []string{"error CSIP77 representations/rep1/METS.xml"}},
		{name: "fileSec without ID", pkg: testPackage{metsEdit: replace(`<fileSec ID="fs">`, `<fileSec>`)},
			want: []string{"warning CSIP59 METS.xml"}},
		{name: "no structMap", pkg: testPackage{repEdit: func(s string) string {
			i, j := strings.Index(s, "  <structMap"), strings.Index(s, "</structMap>")
			return s[:i] + s[j+len("</structMap>"):]
		}}, want: []string{"error CSIP80 representations/rep1/METS.xml"}},
		{name: "fptr to nothing", pkg: testPackage{metsEdit: replace(`<fptr FILEID="grp-doc"/>`, `<fptr FILEID="grp-docs"/>`)},
			want: []string{"error CSIP116 METS.xml", "warning CSIP96 METS.xml"}},
		{name: "duplicate ID", pkg: testPackage{metsEdit: replace(`<fileGrp ID="grp-doc"`, `<fileGrp ID="grp-rep1"`)},
			want: []string{"error CSIP116 METS.xml", "error EARK_STRUCTMAP METS.xml"}}, // and fptr grp-doc dangles
		{name: "mptr to a missing METS", pkg: testPackage{metsEdit: replace(`<mptr LOCTYPE="URL" xlink:type="simple" xlink:href="representations/rep1/METS.xml"/>`,
			`<mptr LOCTYPE="URL" xlink:type="simple" xlink:href="representations/rep2/METS.xml"/>`)},
			want: []string{"error EARK_MISSING representations/rep2/METS.xml"}},
		{name: "referenced file missing", pkg: testPackage{after: func(t *testing.T, root string) {
			if err := os.Remove(filepath.Join(root, "representations/rep1/data/Übersicht.csv")); err != nil {
				t.Fatal(err)
			}
		}}, want: []string{"error EARK_MISSING representations/rep1/data/Übersicht.csv"}},
		{name: "reference differs in case", pkg: testPackage{repEdit: replace(`xlink:href="data/Akte 1/Brief.txt"`, `xlink:href="data/akte 1/brief.txt"`)},
			want: []string{"warning EARK_CASE representations/rep1/data/Akte 1/Brief.txt"}},
		{name: "percent-encoded references", pkg: testPackage{repEdit: replace(`xlink:href="data/Akte 1/Brief.txt"`, `xlink:href="data%2FAkte+1%2FBrief.txt"`)}},
		{name: "reference leaves the package", pkg: testPackage{repEdit: replace(`xlink:href="data/Akte 1/Brief.txt"`, `xlink:href="../../../x.txt"`)},
			want: []string{"error EARK_HREF representations/rep1/METS.xml", "warning EARK_UNREFERENCED representations/rep1/data/Akte 1/Brief.txt"}},
		{name: "reference to the web", pkg: testPackage{repEdit: replace(`xlink:href="data/Akte 1/Brief.txt"`, `xlink:href="https://example.org/Brief.txt"`)},
			want: []string{"error EARK_HREF representations/rep1/METS.xml", "warning EARK_UNREFERENCED representations/rep1/data/Akte 1/Brief.txt"}},
		{name: "absolute file URL", pkg: testPackage{repEdit: replace(`xlink:href="data/Akte 1/Brief.txt"`, `xlink:href="file:///mnt/x.txt"`)},
			want: []string{"error EARK_HREF representations/rep1/METS.xml", "warning EARK_UNREFERENCED representations/rep1/data/Akte 1/Brief.txt"}},
		{name: "unreferenced file", pkg: testPackage{after: func(t *testing.T, root string) {
			writeFile(t, root, "representations/rep1/data/Nachtrag.txt", "x")
		}}, want: []string{"warning EARK_UNREFERENCED representations/rep1/data/Nachtrag.txt"}},
		{name: "metadata file changed", pkg: testPackage{after: func(t *testing.T, root string) {
			writeFile(t, root, "metadata/preservation/premis.xml", premisFixture+" ")
		}}, want: []string{"error EARK_CHECKSUM metadata/preservation/premis.xml", "error EARK_SIZE metadata/preservation/premis.xml"}},
		{name: "representation METS changed after the package METS", pkg: testPackage{after: func(t *testing.T, root string) {
			writeFile(t, root, "representations/rep1/METS.xml", strings.Replace(readFile(t, root, "representations/rep1/METS.xml"),
				"Testpacker", "Testpackerin", 1))
		}}, want: []string{"error EARK_CHECKSUM representations/rep1/METS.xml", "error EARK_SIZE representations/rep1/METS.xml"}},
		{name: "SIZE wrong", pkg: testPackage{metsEdit: replace(`SIZE="`, `SIZE="1`)},
			want: []string{"error EARK_SIZE metadata/descriptive/ead.xml"}},
		{name: "representation without data and METS", pkg: testPackage{after: func(t *testing.T, root string) {
			writeFile(t, root, "representations/rep2/Data/x.txt", "x")
		}}, want: []string{"warning CSIPSTR11 representations/rep2/data", "warning CSIPSTR12 representations/rep2/METS.xml", "warning CSIPSTR13 representations/rep2/metadata", "warning EARK_UNREFERENCED representations/rep2/Data/x.txt"}},
		{name: "representation METS not referenced", pkg: testPackage{metsEdit: func(s string) string {
			s = replace(`<mptr LOCTYPE="URL" xlink:type="simple" xlink:href="representations/rep1/METS.xml"/>`, "")(s)
			i := strings.Index(s, `<file ID="rep1-mets"`)
			j := i + strings.Index(s[i:], "</file>") + len("</file>")
			return s[:i] + s[j:]
		}}, want: []string{"warning CSIP105 METS.xml", "warning CSIP66 METS.xml"}},
		{name: "empty optional SIP attribute", pkg: testPackage{repEdit: replace(`MIMETYPE="text/plain"`, `MIMETYPE="text/plain" sip:FILEFORMATNAME=""`)},
			want: []string{"warning SIP32 representations/rep1/METS.xml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := makePackage(t, tc.pkg)
			tr := read(t, root)
			ps := append(tr.Problems, verifyPayload(t, tr)...)
			want := append(append([]string(nil), base...), tc.want...)
			sort.Strings(want)
			if got := problemSet(ps); !slices.Equal(got, want) {
				t.Errorf("problems\n got %q\nwant %q\n%v", got, want, ps)
			}
			for _, p := range ps {
				if p.Message == "" {
					t.Errorf("%s without message", p.Code)
				}
			}
		})
	}
}

func readFile(t *testing.T, root, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSchemaValidation validates against a package's own METS schema,
// which imports XLink from the web: the XML catalog must map it to the
// package's copy (xmllint runs with --nonet).
func TestSchemaValidation(t *testing.T) {
	root := makePackage(t, testPackage{schemas: true, metsEdit: replace(`OBJID="sip-2024-017" `, ``)})
	tr := read(t, root)
	got := problemSet(tr.Problems)
	want := []string{"error CSIP1 METS.xml", "error EARK_METS_SCHEMA METS.xml"}
	if !slices.Equal(got, want) {
		t.Errorf("problems\n got %q\nwant %q\n%v", got, want, tr.Problems)
	}
	tr, err := Profile{Xmllint: "-"}.Read(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(problemSet(tr.Problems), "error EARK_METS_SCHEMA METS.xml") {
		t.Error("schema validation not switched off")
	}
	tr, err = Profile{Xmllint: "no-such-xmllint"}.Read(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(problemSet(tr.Problems), "warning EARK_SCHEMA_UNCHECKED ") {
		t.Errorf("no xmllint: %v", tr.Problems)
	}
}

// TestTestdata reads the committed packages in testdata/eark: valid/* must
// have no error, bad/<CODE>_<what> must report CODE as an error.
func TestTestdata(t *testing.T) {
	base := filepath.Join("..", "..", "testdata", "eark")
	for _, kind := range []string{"valid", "bad"} {
		dirs, err := os.ReadDir(filepath.Join(base, kind))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range dirs {
			dir := filepath.Join(base, kind, d.Name())
			t.Run(kind+"/"+d.Name(), func(t *testing.T) {
				ps := verdict(t, dir)
				if kind == "valid" {
					if ps.HasErrors() {
						t.Errorf("errors: %v", ps)
					}
					return
				}
				code := codeOf(d.Name())
				for _, p := range ps {
					if p.Code == code && p.Severity == preservation.SeverityError {
						return
					}
				}
				t.Errorf("no error %s: %v", code, ps)
			})
		}
	}
}

// codeOf returns the problem code a fixture directory is named after: the
// leading upper-case words, e.g. "EARK_MISSING" of
// "EARK_MISSING_data_file_absent".
func codeOf(name string) string {
	var words []string
	for _, w := range strings.Split(name, "_") {
		if w == "" || strings.ToUpper(w) != w {
			break
		}
		words = append(words, w)
	}
	return strings.Join(words, "_")
}

// TestCodesDocumented checks that every problem code is documented in
// docs/problem-codes.md.
func TestCodesDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "problem-codes.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range Codes() {
		if !strings.Contains(string(doc), "`"+code+"`") {
			t.Errorf("%s is not documented in docs/problem-codes.md", code)
		}
	}
}

// TestRepresentations checks that each representation with a data folder
// is reported with its name, the prefix of its data files and what its
// METS says about it, so that ingest keeps it as an AIP representation.
func TestRepresentations(t *testing.T) {
	tr := read(t, makePackage(t, testPackage{access: map[string]string{"Lesefassung.txt": "Bauakte\n"}}))
	if tr.Problems.HasErrors() {
		t.Fatalf("problems: %v", tr.Problems)
	}
	var got []string
	for _, r := range tr.Representations {
		got = append(got, fmt.Sprintf("%s %s %s %s %s", r.Name, r.Source, r.Prefix, r.SourceID, r.ContentInformationType))
	}
	want := []string{
		"rep1 representations/rep1 representations/rep1/data/ rep1 MIXED",
		"rep2 representations/rep2 representations/rep2/data/ rep2 MIXED",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("representations %q, want %q", got, want)
	}
	for _, f := range tr.Files {
		if !strings.HasPrefix(f.Name, "representations/rep1/data/") && !strings.HasPrefix(f.Name, "representations/rep2/data/") {
			t.Errorf("payload file %s outside the representations' data", f.Name)
		}
	}

	// A data folder spelled in another case is still the data (with a
	// CSIPSTR11 warning); a representation without one has none.
	root := makePackage(t, testPackage{})
	if err := os.Rename(filepath.Join(root, "representations/rep1/data"), filepath.Join(root, "representations/rep1/Data")); err != nil {
		t.Fatal(err)
	}
	tr = read(t, root)
	if len(tr.Representations) != 1 || tr.Representations[0].Prefix != "representations/rep1/Data/" {
		t.Errorf("representations with a Data folder: %+v", tr.Representations)
	}
}
