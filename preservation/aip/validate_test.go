package aip

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/magazin-archiv/magazin/internal/corpus"
)

// ocflFixture is one row of EXPECTED-1.1.tsv.
type ocflFixture struct {
	category string // good-objects, warn-objects or bad-objects
	object   string
	codes    []string
}

func readOCFLFixtures(t *testing.T) (string, []ocflFixture) {
	t.Helper()
	dir := corpus.Dir(t, "ocfl-fixtures")
	f, err := os.Open(filepath.Join(dir, "EXPECTED-1.1.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []ocflFixture
	sc := bufio.NewScanner(f)
	for line := 0; sc.Scan(); line++ {
		cols := strings.Split(sc.Text(), "\t")
		if line == 0 || len(cols) < 3 {
			continue
		}
		row := ocflFixture{category: cols[0], object: cols[1]}
		if len(cols) > 3 && cols[3] != "" {
			row.codes = strings.Split(cols[3], ",")
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "1.1"), rows
}

func codesOf(cs []ValidationCode) []string {
	var out []string
	for _, c := range cs {
		if !slices.Contains(out, c.Code) {
			out = append(out, c.Code)
		}
	}
	return out
}

func TestValidateObjectFixtures(t *testing.T) {
	root, rows := readOCFLFixtures(t)
	if len(rows) != 80 {
		t.Errorf("EXPECTED-1.1.tsv has %d rows, want 80", len(rows))
	}
	for _, row := range rows {
		t.Run(row.category+"/"+row.object, func(t *testing.T) {
			t.Parallel()
			res := ValidateObject(t.Context(), os.DirFS(filepath.Join(root, row.category, row.object)), ".")
			for _, e := range res.Errors {
				t.Logf("error   %v", e)
			}
			for _, w := range res.Warnings {
				t.Logf("warning %v", w)
			}
			errs, warns := codesOf(res.Errors), codesOf(res.Warnings)
			switch row.category {
			case "good-objects":
				if len(errs)+len(warns) > 0 {
					t.Errorf("good object: got errors %v and warnings %v, want none", errs, warns)
				}
			case "warn-objects":
				if len(errs) > 0 {
					t.Errorf("warn object: got errors %v, want none", errs)
				}
				for _, c := range row.codes {
					if !slices.Contains(warns, c) {
						t.Errorf("warn object: warning %s not reported (got %v)", c, warns)
					}
				}
			case "bad-objects":
				if res.Valid() {
					t.Fatalf("bad object reported valid")
				}
				for _, c := range row.codes {
					if !slices.Contains(errs, c) {
						t.Errorf("bad object: error %s not reported (got %v)", c, errs)
					}
				}
			default:
				t.Fatalf("unknown category %q", row.category)
			}
		})
	}
}

// Every fixture directory is listed in EXPECTED-1.1.tsv, so none is skipped.
func TestOCFLFixturesListed(t *testing.T) {
	root, rows := readOCFLFixtures(t)
	listed := map[string]bool{}
	for _, r := range rows {
		listed[r.category+"/"+r.object] = true
	}
	for _, cat := range []string{"good-objects", "warn-objects", "bad-objects"} {
		entries, err := os.ReadDir(filepath.Join(root, cat))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !listed[cat+"/"+e.Name()] {
				t.Errorf("fixture %s/%s is not in EXPECTED-1.1.tsv", cat, e.Name())
			}
		}
	}
}

// testFile is a content file of a test object.
type testFile struct{ logical, content string }

// writeTestObject writes a one-version OCFL 1.1 object into dir, made the
// way the specification describes it: content under v1/content, an sha512
// inventory written with Marshal, identical root and version inventories and
// their sidecars. edit may change the inventory before it is written.
func writeTestObject(t *testing.T, dir, id string, files []testFile, edit func(*Inventory)) {
	t.Helper()
	inv := &Inventory{ID: id, Type: ocflInventoryType11, DigestAlgorithm: "sha512", Head: "v1",
		Manifest: map[string][]string{}, Versions: map[string]*Version{"v1": {
			Created: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), State: map[string][]string{},
			Message: "test", User: &User{Name: "Test", Address: "mailto:test@example.org"}}}}
	write := func(rel string, data []byte) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		d := ocflDigestAlgorithms["sha512"].digestBytes([]byte(f.content))
		cp := "v1/content/" + f.logical
		if _, ok := inv.Manifest[d]; !ok {
			inv.Manifest[d] = []string{cp}
			write(cp, []byte(f.content))
		}
		inv.Versions["v1"].State[d] = append(inv.Versions["v1"].State[d], f.logical)
	}
	if edit != nil {
		edit(inv)
	}
	data, err := inv.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	write("0=ocfl_object_1.1", []byte("ocfl_object_1.1\n"))
	writeTestInventory(t, dir, data)
	writeTestInventory(t, filepath.Join(dir, "v1"), data)
}

// writeTestInventory writes inventory.json and its sha512 sidecar into dir.
func writeTestInventory(t *testing.T, dir string, data []byte) {
	t.Helper()
	sidecar := ocflDigestAlgorithms["sha512"].digestBytes(data) + " inventory.json\n"
	if err := os.WriteFile(filepath.Join(dir, "inventory.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "inventory.json.sha512"), []byte(sidecar), 0o644); err != nil {
		t.Fatal(err)
	}
}

var testFiles = []testFile{
	{"representations/original/data/Brief <1>.txt", "Sehr geehrte Damen und Herren,\n"},
	{"representations/original/data/empty.txt", ""},
	{"METS.xml", "<mets/>\n"},
	{"copy-of-empty.txt", ""},
}

// The digests OCFL documents for the empty bitstream (OCFL 1.1 §3.4,
// extensions 0001 and 0009).
func TestDigestAlgorithmsOfEmptyInput(t *testing.T) {
	want := map[string]string{
		"md5":         "d41d8cd98f00b204e9800998ecf8427e",
		"sha1":        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
		"sha256":      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4",
		"sha512":      "cf83e1357eefb8bdf1542850d66d8007d620e405",
		"blake2b-512": "786a02f742015903c6c6fd852552d272912f4740",
		"blake2b-160": "3345524abf6bbe1809449224b5972c41790b6cf2",
		"blake2b-256": "0e5751c026e543b2e8ab2eb06099daa1d1e5df47",
		"blake2b-384": "b32811423377f52d7862286ee1a72ee540524380",
		"sha512/256":  "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7",
		"size":        "0",
	}
	if len(want) != len(ocflDigestAlgorithms) {
		t.Errorf("%d algorithms registered, %d expected", len(ocflDigestAlgorithms), len(want))
	}
	for name, prefix := range want {
		alg := ocflDigestAlgorithms[name]
		if alg == nil {
			t.Errorf("%s not registered", name)
			continue
		}
		got := alg.digestBytes(nil)
		if !strings.HasPrefix(got, prefix) || !alg.wellFormed(got) {
			t.Errorf("%s of empty input = %s, want %s…", name, got, prefix)
		}
	}
}

// An object written as the specification describes, with fixity values in
// every algorithm, is valid without warnings; one wrong fixity value is E093.
func TestValidateObjectWithAllFixityAlgorithms(t *testing.T) {
	addFixity := func(wrong string) func(*Inventory) {
		return func(inv *Inventory) {
			inv.Fixity = map[string]map[string][]string{}
			for name, alg := range ocflDigestAlgorithms {
				block := map[string][]string{}
				for _, f := range testFiles {
					d := alg.digestBytes([]byte(f.content))
					if name == wrong && f.content != "" {
						d = alg.digestBytes([]byte("something else"))
					}
					cp := "v1/content/" + f.logical
					if f.logical == "copy-of-empty.txt" { // deduplicated: no content path of its own
						continue
					}
					block[d] = append(block[d], cp)
				}
				inv.Fixity[name] = block
			}
		}
	}
	dir := t.TempDir()
	writeTestObject(t, dir, "urn:uuid:6f0b1c0e-5d7a-4c3e-9a57-1b1e8c7d2f10", testFiles, addFixity(""))
	// Digests are case-insensitive, in the sidecar too.
	sidecar := filepath.Join(dir, "inventory.json.sha512")
	data, err := os.ReadFile(sidecar)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sidecar, append(bytes.ToUpper(data[:128]), "  inventory.json"...), 0o644); err != nil {
		t.Fatal(err)
	}
	res := ValidateObject(t.Context(), os.DirFS(dir), ".")
	if len(res.Errors)+len(res.Warnings) > 0 {
		t.Fatalf("errors %v, warnings %v", res.Errors, res.Warnings)
	}
	for name := range ocflDigestAlgorithms {
		t.Run(strings.ReplaceAll(name, "/", "_"), func(t *testing.T) {
			dir := t.TempDir()
			writeTestObject(t, dir, "urn:uuid:6f0b1c0e-5d7a-4c3e-9a57-1b1e8c7d2f10", testFiles, addFixity(name))
			res := ValidateObject(t.Context(), os.DirFS(dir), ".")
			if got := codesOf(res.Errors); !slices.Equal(got, []string{"E093"}) {
				t.Errorf("errors %v, want only E093", res.Errors)
			}
		})
	}
}

// Findings beyond the fixture corpus, each made by changing a valid object.
func TestValidateObjectFindings(t *testing.T) {
	rewriteInventory := func(t *testing.T, dir string, f func([]byte) []byte) {
		data, err := os.ReadFile(filepath.Join(dir, "inventory.json"))
		if err != nil {
			t.Fatal(err)
		}
		data = f(data)
		writeTestInventory(t, dir, data)
		writeTestInventory(t, filepath.Join(dir, "v1"), data)
	}
	cases := []struct {
		name   string
		change func(t *testing.T, dir string)
		want   string
	}{
		{"symbolic link in content", func(t *testing.T, dir string) {
			if err := os.Symlink("empty.txt", filepath.Join(dir, "v1/content/representations/original/data/link")); err != nil {
				t.Skip("no symbolic links here:", err)
			}
		}, "E090"},
		{"symbolic link in object root", func(t *testing.T, dir string) {
			if err := os.Symlink("v1", filepath.Join(dir, "v2")); err != nil {
				t.Skip("no symbolic links here:", err)
			}
		}, "E090"},
		{"empty directory in content", func(t *testing.T, dir string) {
			if err := os.Mkdir(filepath.Join(dir, "v1/content/empty"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, "E024"},
		{"duplicate JSON key", func(t *testing.T, dir string) {
			rewriteInventory(t, dir, func(b []byte) []byte {
				return bytes.Replace(b, []byte(`"head": "v1",`), []byte(`"head": "v1", "head": "v1",`), 1)
			})
		}, "E033"},
		{"invalid UTF-8", func(t *testing.T, dir string) {
			rewriteInventory(t, dir, func(b []byte) []byte {
				return bytes.Replace(b, []byte(`"message": "test"`), []byte("\"message\": \"t\xffst\""), 1)
			})
		}, "E033"},
		{"data after the JSON object", func(t *testing.T, dir string) {
			rewriteInventory(t, dir, func(b []byte) []byte { return append(b, "{}"...) })
		}, "E033"},
		{"key in other case", func(t *testing.T, dir string) {
			rewriteInventory(t, dir, func(b []byte) []byte {
				return bytes.Replace(b, []byte(`"message":`), []byte(`"Message":`), 1)
			})
		}, "E102"},
		{"unknown fixity algorithm", func(t *testing.T, dir string) {
			rewriteInventory(t, dir, func(b []byte) []byte {
				return bytes.Replace(b, []byte(`"head": "v1",`), []byte(`"head": "v1", "fixity": {"crc99": {}},`), 1)
			})
		}, "E056"},
		{"sidecar of another algorithm", func(t *testing.T, dir string) {
			if err := os.Rename(filepath.Join(dir, "inventory.json.sha512"), filepath.Join(dir, "inventory.json.sha256")); err != nil {
				t.Fatal(err)
			}
		}, "E059"},
		{"wrong sidecar digest", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "inventory.json.sha512"), []byte(strings.Repeat("A", 128)+"\tinventory.json\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "E060"},
		{"version directory without content directory holding a file", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "v1/stray.txt"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "E015"},
		{"unlisted content file", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "v1/content/.DS_Store"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "E023"},
		{"corrupted content", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "v1/content/METS.xml"), []byte("<mets/>\r\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "E092"},
		{"missing content", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "v1/content/METS.xml")); err != nil {
				t.Fatal(err)
			}
		}, "E092"},
		{"object declaration of another kind", func(t *testing.T, dir string) {
			if err := os.Rename(filepath.Join(dir, "0=ocfl_object_1.1"), filepath.Join(dir, "0=ocfl_1.1")); err != nil {
				t.Fatal(err)
			}
		}, "E006"},
		{"declaration with T other than 0", func(t *testing.T, dir string) {
			if err := os.Rename(filepath.Join(dir, "0=ocfl_object_1.1"), filepath.Join(dir, "1=ocfl_object_1.1")); err != nil {
				t.Fatal(err)
			}
		}, "E005"},
		{"OCFL 1.0 declaration with a 1.1 inventory", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "0=ocfl_object_1.1")); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "0=ocfl_object_1.0"), []byte("ocfl_object_1.0\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "E038"},
		{"second version directory not in the inventory", func(t *testing.T, dir string) {
			if err := os.CopyFS(filepath.Join(dir, "v2"), os.DirFS(filepath.Join(dir, "v1"))); err != nil {
				t.Fatal(err)
			}
		}, "E046"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTestObject(t, dir, "urn:uuid:6f0b1c0e-5d7a-4c3e-9a57-1b1e8c7d2f10", testFiles, nil)
			c.change(t, dir)
			res := ValidateObject(t.Context(), os.DirFS(dir), ".")
			if res.Valid() || !slices.Contains(codesOf(res.Errors), c.want) {
				t.Errorf("errors %v, want %s", res.Errors, c.want)
			}
		})
	}
}

// faultyFS wraps an fs.FS: opening a file whose name ends in failSuffix
// fails with err, after calling onOpen.
type faultyFS struct {
	fs.FS
	failSuffix string
	err        error
	onOpen     func()
}

func (f faultyFS) Open(name string) (fs.File, error) {
	if strings.HasSuffix(name, f.failSuffix) {
		if f.onOpen != nil {
			f.onOpen()
		}
		if f.err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: f.err}
		}
	}
	return f.FS.Open(name)
}

func (f faultyFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(f.FS, name) }

func TestValidateObjectIncomplete(t *testing.T) {
	dir := t.TempDir()
	writeTestObject(t, dir, "urn:uuid:6f0b1c0e-5d7a-4c3e-9a57-1b1e8c7d2f10", testFiles, nil)
	onlyCode := func(t *testing.T, res *ValidationResult, code string) {
		t.Helper()
		if res.Valid() || !slices.Equal(codesOf(res.Errors), []string{code}) {
			t.Errorf("errors %v, want only %s", res.Errors, code)
		}
	}
	t.Run("cancelled before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		onlyCode(t, ValidateObject(ctx, os.DirFS(dir), "."), CodeCanceled)
	})
	t.Run("cancelled while reading content", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		fsys := faultyFS{FS: os.DirFS(dir), failSuffix: "METS.xml", onOpen: cancel}
		onlyCode(t, ValidateObject(ctx, fsys, "."), CodeCanceled)
	})
	t.Run("content unreadable", func(t *testing.T) {
		fsys := faultyFS{FS: os.DirFS(dir), failSuffix: "METS.xml", err: errors.New("i/o error")}
		onlyCode(t, ValidateObject(t.Context(), fsys, "."), CodeReadError)
	})
	t.Run("inventory over the size limit", func(t *testing.T) {
		if testing.Short() {
			t.Skip("reads 64 MiB")
		}
		fsys := fstest.MapFS{}
		if err := fsWalkFiles(os.DirFS(dir), func(name string, data []byte) { fsys[name] = &fstest.MapFile{Data: data} }); err != nil {
			t.Fatal(err)
		}
		fsys["inventory.json"] = &fstest.MapFile{Data: bytes.Repeat([]byte(" "), ocflMaxInventorySize+1)}
		res := ValidateObject(t.Context(), fsys, ".")
		if !slices.Contains(codesOf(res.Errors), CodeLimit) {
			t.Errorf("errors %v, want %s", res.Errors, CodeLimit)
		}
	})
	t.Run("no such directory", func(t *testing.T) {
		onlyCode(t, ValidateObject(t.Context(), os.DirFS(dir), "missing"), "E003")
	})
	t.Run("invalid path", func(t *testing.T) {
		onlyCode(t, ValidateObject(t.Context(), os.DirFS(dir), "../x"), CodeReadError)
	})
}

// ValidateObject works on any fs.FS, for an object anywhere in it, and gives
// the same findings as on the local directory.
func TestValidateObjectOnMapFS(t *testing.T) {
	root, _ := readOCFLFixtures(t)
	for _, fixture := range []string{"good-objects/spec-ex-full", "bad-objects/E092_algorithm_change_incorrect_digest", "warn-objects/W011_version_inv_diff_metadata"} {
		t.Run(fixture, func(t *testing.T) {
			src := os.DirFS(filepath.Join(root, filepath.FromSlash(fixture)))
			fsys := fstest.MapFS{}
			if err := fsWalkFiles(src, func(name string, data []byte) { fsys["store/objects/x/"+name] = &fstest.MapFile{Data: data} }); err != nil {
				t.Fatal(err)
			}
			want := ValidateObject(t.Context(), src, ".")
			got := ValidateObject(t.Context(), fsys, "store/objects/x")
			if !reflect.DeepEqual(got, want) {
				t.Errorf("on MapFS: %v %v\non DirFS: %v %v", got.Errors, got.Warnings, want.Errors, want.Warnings)
			}
		})
	}
}

// fsWalkFiles calls f with the path and content of every file in fsys.
func fsWalkFiles(fsys fs.FS, f func(name string, data []byte)) error {
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		f(p, data)
		return err
	})
}

func jsonNumber(n int) json.Number { return json.Number(strconv.Itoa(n)) }

// reportingFS hands out files that report a SHA-512 of their own
// (SHA512Reporter), as the fixity audit's files do: the true one, or a
// wrong one for names ending in lie.
type reportingFS struct {
	fs.FS
	lie     string
	reports *atomic.Int64
}

func (r reportingFS) Open(name string) (fs.File, error) {
	f, err := r.FS.Open(name)
	if err != nil {
		return nil, err
	}
	return &reportingFile{File: f, h: sha512.New(), lie: r.lie != "" && strings.HasSuffix(name, r.lie), reports: r.reports}, nil
}

func (r reportingFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(r.FS, name) }

type reportingFile struct {
	fs.File
	h       hash.Hash
	done    bool
	lie     bool
	reports *atomic.Int64
}

func (f *reportingFile) Read(p []byte) (int, error) {
	n, err := f.File.Read(p)
	f.h.Write(p[:n])
	f.done = err == io.EOF
	return n, err
}

func (f *reportingFile) SHA512() (string, bool) {
	f.reports.Add(1)
	if f.lie {
		return strings.Repeat("0", 128), f.done
	}
	return hex.EncodeToString(f.h.Sum(nil)), f.done
}

// The validator takes the SHA-512 of a content file from a file that
// reports it instead of hashing it again, and still compares it.
func TestValidateObjectUsesReportedSHA512(t *testing.T) {
	dir := t.TempDir()
	writeTestObject(t, dir, "urn:uuid:6f0b1c0e-5d7a-4c3e-9a57-1b1e8c7d2f10", testFiles, nil)
	var n atomic.Int64
	if res := ValidateObject(t.Context(), reportingFS{FS: os.DirFS(dir), reports: &n}, "."); !res.Valid() {
		t.Fatalf("honest reports: errors %v", res.Errors)
	}
	if n.Load() == 0 {
		t.Fatal("the validator asked no file for its SHA-512")
	}
	res := ValidateObject(t.Context(), reportingFS{FS: os.DirFS(dir), lie: "METS.xml", reports: &n}, ".")
	if !slices.Contains(codesOf(res.Errors), "E092") {
		t.Errorf("a wrong reported digest: errors %v, want E092", res.Errors)
	}
}
