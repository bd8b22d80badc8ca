package aip_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

// TestMETSAndPREMISValidateAgainstXSD checks our METS.xml and premis.xml
// against the official METS 1.12 and PREMIS 3.0 schemas (shipped in the
// E-ARK test corpus) with xmllint: of a new AIP, and of a later version
// with an access copy (a second representation, a derivation relationship
// and an event with source and outcome).
func TestMETSAndPREMISValidateAgainstXSD(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		corpus.Missing(t, "xmllint not installed (apt-get install libxml2-utils)")
	}
	schemas := corpus.Dir(t, "eark/eark-ip-test-corpus/corpus/SIP/SIP8/valid/minimal_SIP_plus_mets_SHOULD_MAY_items/schemas")
	// mets.xsd imports xlink from the web; the corpus has an offline catalog.
	catalog := filepath.Join(corpus.Dir(t, "ead"), "xml-catalog.xml")
	ctx := context.Background()
	st := mem.New()
	obj, err := aip.New(describedPackage(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.Write(ctx, st, 1); err != nil {
		t.Fatal(err)
	}
	check := func(version string) {
		out := filepath.Join(t.TempDir(), version)
		if _, err := aip.Export(ctx, st, obj.ID, out); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ file, xsd string }{
			{aip.PathMETS, "mets.xsd"},
			{aip.PathPREMIS, "premis-v3-0.xsd"},
		} {
			cmd := exec.Command(xmllint, "--nonet", "--noout", "--schema", filepath.Join(schemas, c.xsd), filepath.Join(out, c.file))
			cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+catalog)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s of %s does not validate against %s: %v\n%s", c.file, version, c.xsd, err, b)
			}
		}
	}
	check("v1")
	a, err := aip.Read(ctx, st, obj.ID)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	b, add := migrate(edit(a, "retitled", at), at)
	if err := revise(t, ctx, st, b, add, at).Write(ctx, st, 1); err != nil {
		t.Fatal(err)
	}
	check("v2")
}
