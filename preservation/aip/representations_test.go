package aip_test

import (
	"context"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

// earkPackage is an AIP from an E-ARK SIP with two representations (rep1:
// a master and its description, rep2: an access PDF), a file outside both
// (kept in "original"), declared digests and the representations'
// records.
func earkPackage(t testing.TB) aip.Package {
	t.Helper()
	pkg := samplePackage(t)
	a := pkg.AIP
	a.Profile = "eark"
	a.Files, a.Size, pkg.Payload = nil, 0, nil
	for _, f := range []struct{ path, name, content string }{
		{"representations/rep1/data/Akte/Brief.txt", "representations/rep1/data/Akte/Brief.txt", "Sehr geehrte Frau Müller,\n"},
		{"representations/rep1/data/Akte/Anlage.txt", "representations/rep1/data/Akte/Anlage.txt", "Anlage\n"},
		{"representations/rep 2_x/data/Brief.pdf", "representations/rep 2_x/data/Brief.pdf", "%PDF-1.4\n%%EOF\n"},
		{"representations/original/data/extra/readme.txt", "extra/readme.txt", "lies mich\n"},
	} {
		b := []byte(f.content)
		pf := preservation.File{Path: f.path, Name: f.name, Size: int64(len(b)), SHA512: sum(b), PUID: "x-fmt/111",
			FormatName: "Plain Text File", MIME: "text/plain"}
		if strings.HasPrefix(f.path, "representations/rep") {
			pf.Declared = map[string]string{"sha256": strings.Repeat("ab", 32), "md5": strings.Repeat("cd", 16)}
		}
		a.Files = append(a.Files, pf)
		a.Size += pf.Size
		pkg.Payload = append(pkg.Payload, aip.BytesSource(pf.Path, b))
	}
	a.Representations = []preservation.Representation{
		{Name: "rep1", Source: "representations/rep1", SourceID: "SIP-1-rep1", Label: "Masters", ContentInformationType: "citsEAD"},
		{Name: "rep 2_x", Source: "representations/rep 2_x"},
	}
	return pkg
}

// TestRepresentationsInMETSAndPREMIS checks that an AIP keeps the
// representations a submission brought: one METS file group and
// structural division per representation (the submitted ones in their
// order after "original"), PREMIS representation objects that include
// their files and represent the intellectual entity, the declared digests
// as PREMIS fixity of the submission, and that reading the AIP back gives
// the same records. Both documents validate against their schemas.
func TestRepresentationsInMETSAndPREMIS(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	pkg := earkPackage(t)
	obj, err := aip.New(pkg)
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.Write(ctx, st, 1); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "aip")
	if _, err := aip.Export(ctx, st, obj.ID, out); err != nil {
		t.Fatal(err)
	}
	metsBytes, err := os.ReadFile(filepath.Join(out, aip.PathMETS))
	if err != nil {
		t.Fatal(err)
	}
	var mets struct {
		Groups []struct {
			ID    string `xml:"ID,attr"`
			Use   string `xml:"USE,attr"`
			Files []struct {
				FLocat struct {
					Href string `xml:"href,attr"`
				} `xml:"FLocat"`
			} `xml:"file"`
		} `xml:"fileSec>fileGrp"`
		Divs []struct {
			Label string `xml:"LABEL,attr"`
		} `xml:"structMap>div>div"`
	}
	if err := xml.Unmarshal(metsBytes, &mets); err != nil {
		t.Fatal(err)
	}
	var uses, divs []string
	ids := map[string]bool{}
	for _, g := range mets.Groups {
		uses = append(uses, g.Use)
		if ids[g.ID] {
			t.Errorf("fileGrp ID %q twice", g.ID)
		}
		ids[g.ID] = true
		for _, f := range g.Files {
			rep := strings.TrimPrefix(g.Use, "Representations/")
			if !strings.HasPrefix(f.FLocat.Href, "representations/"+strings.ReplaceAll(rep, " ", "%20")+"/data/") {
				t.Errorf("file %s in group %s", f.FLocat.Href, g.Use)
			}
		}
	}
	for _, d := range mets.Divs {
		divs = append(divs, d.Label)
	}
	want := []string{"Representations/original", "Representations/rep1", "Representations/rep 2_x"}
	if !reflect.DeepEqual(uses, want) || !reflect.DeepEqual(divs, want) {
		t.Errorf("METS file groups %q, divisions %q; want %q", uses, divs, want)
	}

	premisBytes, err := os.ReadFile(filepath.Join(out, aip.PathPREMIS))
	if err != nil {
		t.Fatal(err)
	}
	var premis struct {
		Objects []struct {
			Type         string `xml:"type,attr"`
			ID           string `xml:"objectIdentifier>objectIdentifierValue"`
			OriginalName string `xml:"originalName"`
			Fixity       []struct {
				Alg        string `xml:"messageDigestAlgorithm"`
				Digest     string `xml:"messageDigest"`
				Originator string `xml:"messageDigestOriginator"`
			} `xml:"objectCharacteristics>fixity"`
			Rels []struct {
				Sub     string   `xml:"relationshipSubType"`
				Related []string `xml:"relatedObjectIdentifier>relatedObjectIdentifierValue"`
			} `xml:"relationship"`
		} `xml:"object"`
	}
	if err := xml.Unmarshal(premisBytes, &premis); err != nil {
		t.Fatal(err)
	}
	rels := map[string]map[string][]string{} // object -> subtype -> related
	reps := map[string]string{}              // representation -> originalName
	declared := map[string][]string{}
	for _, o := range premis.Objects {
		rels[o.ID] = map[string][]string{}
		for _, r := range o.Rels {
			rels[o.ID][r.Sub] = append(rels[o.ID][r.Sub], r.Related...)
		}
		switch o.Type {
		case "representation":
			reps[o.ID] = o.OriginalName
		case "file":
			for _, f := range o.Fixity {
				if f.Originator == "submission" {
					declared[o.ID] = append(declared[o.ID], f.Alg+"="+f.Digest)
				}
			}
		}
	}
	wantReps := map[string]string{"representations/original": "", "representations/rep1": "representations/rep1",
		"representations/rep 2_x": "representations/rep 2_x"}
	if !reflect.DeepEqual(reps, wantReps) {
		t.Errorf("PREMIS representations %v, want %v", reps, wantReps)
	}
	if got := rels[string(pkg.AIP.ID)]["is represented by"]; !reflect.DeepEqual(got,
		[]string{"representations/original", "representations/rep1", "representations/rep 2_x"}) {
		t.Errorf("intellectual entity is represented by %q", got)
	}
	if got := rels["representations/rep1"]["includes"]; !reflect.DeepEqual(got,
		[]string{"representations/rep1/data/Akte/Anlage.txt", "representations/rep1/data/Akte/Brief.txt"}) &&
		!reflect.DeepEqual(got, []string{"representations/rep1/data/Akte/Brief.txt", "representations/rep1/data/Akte/Anlage.txt"}) {
		t.Errorf("rep1 includes %q", got)
	}
	if got := rels["representations/rep 2_x/data/Brief.pdf"]["is included in"]; !reflect.DeepEqual(got, []string{"representations/rep 2_x"}) {
		t.Errorf("Brief.pdf is included in %q", got)
	}
	wantDecl := []string{"MD5=" + strings.Repeat("cd", 16), "SHA-256=" + strings.Repeat("ab", 32)}
	if got := declared["representations/rep1/data/Akte/Brief.txt"]; !reflect.DeepEqual(got, wantDecl) {
		t.Errorf("declared fixity %q, want %q", got, wantDecl)
	}
	if got := declared["representations/original/data/extra/readme.txt"]; got != nil {
		t.Errorf("a file without declared digests has %q", got)
	}

	// The catalog view read back from storage (what rebuild sees).
	back, err := aip.Read(ctx, st, obj.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Representations, pkg.AIP.Representations) {
		t.Errorf("read back representations %+v, want %+v", back.Representations, pkg.AIP.Representations)
	}
	for _, f := range back.Files {
		var orig preservation.File
		for _, o := range pkg.AIP.Files {
			if o.Path == f.Path {
				orig = o
			}
		}
		if !reflect.DeepEqual(f.Declared, orig.Declared) || f.SHA512 != orig.SHA512 {
			t.Errorf("%s read back with declared %v, sha512 %s; want %v, %s", f.Path, f.Declared, f.SHA512, orig.Declared, orig.SHA512)
		}
	}

	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		corpus.Missing(t, "xmllint not installed (apt-get install libxml2-utils)")
	}
	schemas := corpus.Dir(t, "eark/eark-ip-test-corpus/corpus/SIP/SIP8/valid/minimal_SIP_plus_mets_SHOULD_MAY_items/schemas")
	catalog := filepath.Join(corpus.Dir(t, "ead"), "xml-catalog.xml")
	for _, c := range []struct{ file, xsd string }{{aip.PathMETS, "mets.xsd"}, {aip.PathPREMIS, "premis-v3-0.xsd"}} {
		cmd := exec.Command(xmllint, "--nonet", "--noout", "--schema", filepath.Join(schemas, c.xsd), filepath.Join(out, c.file))
		cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+catalog)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s does not validate against %s: %v\n%s", c.file, c.xsd, err, b)
		}
	}
}

// TestBuildRefusesDerivedPayload checks that a package's payload is made
// of submitted files in representations only.
func TestBuildRefusesDerivedPayload(t *testing.T) {
	for _, mod := range []func(*preservation.File){
		func(f *preservation.File) { f.DerivedFrom = "representations/original/data/x" },
		func(f *preservation.File) { f.Path = "metadata/other/Brief.txt" },
		func(f *preservation.File) { f.Path = "representations/rep1/Brief.txt" },
	} {
		pkg := earkPackage(t)
		mod(&pkg.AIP.Files[0])
		pkg.Payload[0].Path = pkg.AIP.Files[0].Path
		if _, err := aip.New(pkg); err == nil {
			t.Errorf("payload %+v accepted", pkg.AIP.Files[0])
		}
	}
}
