package xdomea

import (
	"archive/zip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/preservation"
)

// testdataDir is the repository's synthetic xdomea processes.
const testdataDir = "../../testdata/xdomea"

// schemaProfile returns the profile validating against the KoSIT schemas of
// the shared corpus (x-man/xsd: 2.3.0, 2.4.0, 3.0.0, 3.1.0), skipping the
// test when the corpus or xmllint is missing (failing under CI=true).
func schemaProfile(t testing.TB) Profile {
	t.Helper()
	dir := corpus.Dir(t, "xdomea/x-man/xsd")
	if _, err := exec.LookPath("xmllint"); err != nil {
		corpus.Missing(t, "xmllint is not installed (apt-get install libxml2-utils)")
	}
	return New(dir)
}

// codes returns the problem codes, sorted, with duplicates.
func codes(ps preservation.Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Code)
	}
	slices.Sort(out)
	return out
}

// errorCodes returns the codes of error-severity problems, sorted and
// without duplicates.
func errorCodes(ps preservation.Problems) []string {
	var out []string
	for _, p := range ps {
		if p.Severity == preservation.SeverityError {
			out = append(out, p.Code)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func hasCode(ps preservation.Problems, code, path string) bool {
	for _, p := range ps {
		if p.Code == code && (path == "" || p.Path == path) {
			return true
		}
	}
	return false
}

// zipDir packs the regular files of dir (flat) into a ZIP at zipPath.
func zipDir(t testing.TB, dir, zipPath string) {
	t.Helper()
	out, err := os.Create(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		w, err := zw.Create(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		in, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// unzip extracts a flat ZIP into dest (test data only: names are trusted
// after a check).
func unzip(t testing.TB, zipPath, dest string) {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if err := os.MkdirAll(dest, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if strings.ContainsAny(f.Name, "/\\") || f.Name == ".." {
			t.Fatalf("unexpected entry %q", f.Name)
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dest, f.Name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// containerRoundTrip zips dir per the naming rules (container name = the
// directory's base name + ".zip") and unpacks it into a fresh directory the
// way the pipeline does, returning that directory and the container name.
func containerRoundTrip(t testing.TB, dir, containerName string) (string, string) {
	t.Helper()
	tmp := t.TempDir()
	zp := filepath.Join(tmp, containerName)
	zipDir(t, dir, zp)
	dest := filepath.Join(tmp, "content")
	unzip(t, zp, dest)
	return dest, containerName
}

// copyDir copies the regular files of a flat directory.
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustValid validates a message against its schema and fails on any
// problem.
func mustValid(t testing.TB, p Profile, data []byte, name, version string) {
	t.Helper()
	ps, err := p.ValidateSchema(context.Background(), data, name, version)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) > 0 {
		t.Errorf("%s is not valid against the %s schema: %v", name, version, ps)
	}
}

// fixedNow is the creation time of every message the tests write.
var fixedNow = time.Date(2026, 11, 20, 10, 0, 0, 0, time.FixedZone("CET", 3600))
