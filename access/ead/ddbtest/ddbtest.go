// Package ddbtest validates EAD(DDB) 1.2 files against the official XSD
// 1.0 schemas of the shared corpus (../shared/corpus/ead/ead-ddb), offline:
// xmllint with --nonet and the corpus's XML catalog for the xlink import.
package ddbtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/magazin-archiv/magazin/internal/corpus"
)

// Kinds of EAD(DDB) file.
const (
	Findbuch = "Findbuch"
	Tektonik = "Tektonik"
)

// Validate fails t unless every file validates against the EAD(DDB) 1.2
// schema of kind. Without xmllint or the corpus the test is skipped (a
// failure with CI=true).
func Validate(t testing.TB, kind string, files ...string) {
	t.Helper()
	if len(files) == 0 {
		return
	}
	dir := corpus.Dir(t, "ead")
	tool, err := exec.LookPath("xmllint")
	if err != nil {
		corpus.Missing(t, "xmllint not found (apt-get install libxml2-utils)")
		return
	}
	xsd := filepath.Join(dir, "ead-ddb", "ead_ddb", "1.2", "schema", "EAD_DDB_1.2_"+kind+"_XSD1.0.xsd")
	for start := 0; start < len(files); start += 200 {
		batch := files[start:min(start+200, len(files))]
		cmd := exec.Command(tool, append([]string{"--nonet", "--noout", "--schema", xsd}, batch...)...)
		cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+filepath.Join(dir, "xml-catalog.xml"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("EAD(DDB) 1.2 %s schema: %v\n%s", kind, err, truncate(string(out), 4000))
		}
	}
}

// ValidateBytes writes data to a temporary file and validates it.
func ValidateBytes(t testing.TB, kind string, data []byte) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "record.xml")
	if err := os.WriteFile(f, data, 0o600); err != nil {
		t.Fatal(err)
	}
	Validate(t, kind, f)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "\n…"
}
