package eark

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/profiles"
)

// codeTestDigest marks a payload digest mismatch found by verifyPayload.
// Verifying payload digests is the ingest pipeline's job (its single read
// per file); the tests do it themselves to reach a full verdict.
const codeTestDigest = "TEST_PAYLOAD_DIGEST"

// testNow is the "current time" of the tests (LASTMODDATE in the future).
var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func testProfile() Profile { return Profile{Now: func() time.Time { return testNow }} }

func read(t testing.TB, dir string) *profiles.Transfer {
	t.Helper()
	tr, err := testProfile().Read(context.Background(), dir)
	if err != nil {
		t.Fatalf("Read(%s): %v", dir, err)
	}
	return tr
}

// verifyPayload hashes every payload file with every declared algorithm.
func verifyPayload(t testing.TB, tr *profiles.Transfer) preservation.Problems {
	t.Helper()
	var ps preservation.Problems
	for _, f := range tr.Files {
		if len(f.Declared) == 0 {
			continue
		}
		got, err := hashFile(f.Path, sortedKeys(f.Declared))
		if err != nil {
			t.Fatal(err)
		}
		for _, alg := range sortedKeys(f.Declared) {
			if got[alg] != f.Declared[alg] {
				ps = append(ps, preservation.Problem{
					Code: codeTestDigest, Severity: preservation.SeverityError, Path: f.Name,
					Message: fmt.Sprintf("%s is %s, declared %s", alg, got[alg], f.Declared[alg]),
				})
			}
		}
	}
	return ps
}

// verdict reads the package at dir and verifies its payload digests.
func verdict(t testing.TB, dir string) preservation.Problems {
	t.Helper()
	tr := read(t, dir)
	return append(tr.Problems, verifyPayload(t, tr)...)
}

var reqID = regexp.MustCompile(`\b(CSIPSTR\d+|CSIP\d+|SIP\d+)\b`)

// cites reports whether a problem of the given severity has the
// requirement req as its code or names it in its message.
func cites(ps preservation.Problems, severity, req string) bool {
	for _, p := range ps {
		if p.Severity == severity && (p.Code == req || slices.Contains(reqID.FindAllString(p.Message, -1), req)) {
			return true
		}
	}
	return false
}

func errorCodes(ps preservation.Problems) []string {
	var cs []string
	for _, p := range ps {
		if p.Severity == preservation.SeverityError && !slices.Contains(cs, p.Code) {
			cs = append(cs, p.Code)
		}
	}
	return cs
}

func errorsOnly(ps preservation.Problems) preservation.Problems {
	var out preservation.Problems
	for _, p := range ps {
		if p.Severity == preservation.SeverityError {
			out = append(out, p)
		}
	}
	return out
}

// unpack extracts a ZIP, TAR or gzipped TAR archive (told by its content)
// into a new directory and returns it.
func unpack(t testing.TB, archive string) string {
	t.Helper()
	dest := t.TempDir()
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, r io.Reader, dir bool) {
		name = filepath.ToSlash(filepath.Clean(name))
		if name == "." || strings.HasPrefix(name, "../") || strings.HasPrefix(name, "/") {
			t.Fatalf("%s: unsafe entry %q", archive, name)
		}
		p := filepath.Join(dest, filepath.FromSlash(name))
		if dir {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			return
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(f, r); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	switch {
	case bytes.HasPrefix(data, []byte("PK")):
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			write(f.Name, rc, strings.HasSuffix(f.Name, "/"))
			rc.Close()
		}
	default:
		var r io.Reader = bytes.NewReader(data)
		if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
			gz, err := gzip.NewReader(r)
			if err != nil {
				t.Fatal(err)
			}
			r = gz
		}
		tr := tar.NewReader(bufio.NewReader(r))
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", archive, err)
			}
			switch h.Typeflag {
			case tar.TypeDir:
				write(h.Name, nil, true)
			case tar.TypeReg:
				write(h.Name, tr, false)
			}
		}
	}
	return dest
}

// crlfRestored counts the files corpusCopy converted back to CRLF.
var crlfRestored atomic.Int64

// corpusCopy works around how the E-ARK test corpus is stored: its
// packages were made on Windows, so the checksums and sizes in their METS
// documents are those of text files with CRLF line ends, but Git stores
// (and our corpus copy holds) the files with LF. When a file's declared
// checksum does not match but matches the file with CRLF line ends,
// corpusCopy copies the package to a temporary folder and writes such
// files with CRLF, as a Windows checkout would. It returns dir unchanged
// when no file needs it. Only the tests do this; a submitted package must
// match its METS as it is.
func corpusCopy(t testing.TB, dir string) string {
	t.Helper()
	probe := testProfile()
	probe.Xmllint = "-" // only the declared digests are needed here
	tr, err := probe.Read(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	fix := map[string]bool{}
	for _, f := range append(append([]profiles.File(nil), tr.Files...), tr.Metadata...) {
		if len(f.Declared) == 0 {
			continue
		}
		got, err := hashFile(f.Path, sortedKeys(f.Declared))
		if err != nil {
			t.Fatal(err)
		}
		mismatch := false
		for alg, want := range f.Declared {
			mismatch = mismatch || got[alg] != want
		}
		if !mismatch {
			continue
		}
		data, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		crlf := toCRLF(data)
		ok := true
		for alg, want := range f.Declared {
			h := preservation.NewHash(alg)
			h.Write(crlf)
			ok = ok && hex.EncodeToString(h.Sum(nil)) == want
		}
		if ok {
			fix[f.Path] = true
		}
	}
	if len(fix) == 0 {
		return dir
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if pkg, ok := packageRoot(root); ok {
		root = pkg
	}
	dest := filepath.Join(t.TempDir(), filepath.Base(root))
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		target := filepath.Join(dest, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if fix[p] {
			data = toCRLF(data)
			crlfRestored.Add(1)
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dest
}

// toCRLF turns LF line ends into CRLF.
func toCRLF(data []byte) []byte {
	return bytes.ReplaceAll(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
}
