package aiptest_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	ocfl "github.com/srerickson/ocfl-go"
	ocflfs "github.com/srerickson/ocfl-go/fs"

	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/aip/aiptest"
)

const layout0004 = "0004-hashed-n-tuple-storage-layout"

// newStorageRoot makes an OCFL 1.1 storage root with the default 0004 layout
// in a temporary directory and copies the fixture objects into it at the
// paths their ids map to. If misplace is set, the objects go to a path that
// is not theirs.
func newStorageRoot(t *testing.T, misplace bool, objects ...string) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"0=ocfl_1.1":       "ocfl_1.1\n",
		"ocfl_layout.json": `{"extension":"` + layout0004 + `","description":"hashed n-tuple layout"}`,
		"extensions/" + layout0004 + "/config.json": `{"extensionName":"` + layout0004 +
			`","digestAlgorithm":"sha256","tupleSize":3,"numberOfTuples":3,"shortObjectRoot":false}`,
	}
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, obj := range objects {
		rel := path0004(t, objectID(t, obj))
		if misplace {
			rel = "000/000/000/" + strings.Repeat("0", 64)
		}
		if err := os.CopyFS(filepath.Join(root, filepath.FromSlash(rel)), os.DirFS(obj)); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// path0004 is the object root path of extension 0004 with its defaults,
// computed here without either validator's code.
func path0004(t *testing.T, id string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(id))
	d := hex.EncodeToString(sum[:])
	return d[0:3] + "/" + d[3:6] + "/" + d[6:9] + "/" + d
}

func objectID(t *testing.T, obj string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(obj, "inventory.json"))
	if err != nil {
		t.Fatal(err)
	}
	var inv struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(data, &inv); err != nil {
		t.Fatal(err)
	}
	return inv.ID
}

// The 0004 mapping of path0004 matches the example of the extension's
// specification, so that the fixture roots below are laid out correctly.
func TestPath0004(t *testing.T) {
	got := path0004(t, "object-01")
	want := "3c0/ff4/240/3c0ff4240c1e116dba14c7627f2319b58aa3d77606d0d90dfc6161608ac987d4"
	if got != want {
		t.Fatalf("path0004(object-01) = %s, want %s", got, want)
	}
}

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	*testing.T
	mu       sync.Mutex
	failures []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *recorder) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }
func (r *recorder) Fail()             { r.Errorf("Fail called") }
func (r *recorder) Failed() bool      { r.mu.Lock(); defer r.mu.Unlock(); return len(r.failures) > 0 }
func (r *recorder) FailNow()          { r.Errorf("FailNow called"); runtime.Goexit() }
func (r *recorder) Fatal(args ...any) { r.Error(args...); runtime.Goexit() }
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

// validateRecorded runs ValidateIndependently with a recorder on its own
// goroutine (so that a FailNow would not end the calling test) and returns
// the failures reported.
func validateRecorded(t *testing.T, root string) []string {
	rec := &recorder{T: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		aiptest.ValidateIndependently(rec, root)
	}()
	<-done
	return rec.failures
}

func fixtureObjects(t *testing.T, category string) []string {
	t.Helper()
	dir := filepath.Join(corpus.Dir(t, "ocfl-fixtures"), "1.1", category)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, filepath.Join(dir, e.Name()))
	}
	return out
}

// Each good fixture, placed in a storage root of its own (several share an
// id), passes ocfl-go with no error and no warning — and passes aip's own
// storage root validation the same way.
func TestValidateIndependentlyGoodFixtures(t *testing.T) {
	for _, obj := range fixtureObjects(t, "good-objects") {
		t.Run(filepath.Base(obj), func(t *testing.T) {
			root := newStorageRoot(t, false, obj)
			aiptest.ValidateIndependently(t, root)

			res, objects := aip.ValidateStorageRoot(t.Context(), os.DirFS(root), ".")
			if len(res.Errors)+len(res.Warnings) > 0 || len(objects) != 1 {
				t.Errorf("aip.ValidateStorageRoot: root %v %v, %d objects", res.Errors, res.Warnings, len(objects))
			}
			for p, r := range objects {
				if len(r.Errors)+len(r.Warnings) > 0 {
					t.Errorf("aip.ValidateStorageRoot: object %s: %v %v", p, r.Errors, r.Warnings)
				}
			}
		})
	}
}

func TestValidateIndependentlyFails(t *testing.T) {
	fixtures := filepath.Join(corpus.Dir(t, "ocfl-fixtures"), "1.1")
	cases := []struct {
		name     string
		object   string
		misplace bool
		want     string // in one of the failures
	}{
		{"content digest mismatch", "bad-objects/E092_content_file_digest_mismatch", false, "E092"},
		{"warning only", "warn-objects/W004_uses_sha256", false, "W004"},
		{"object at the wrong path", "good-objects/spec-ex-full", true, "maps id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := newStorageRoot(t, c.misplace, filepath.Join(fixtures, filepath.FromSlash(c.object)))
			failures := validateRecorded(t, root)
			if !slices.ContainsFunc(failures, func(f string) bool { return strings.Contains(f, c.want) }) {
				t.Errorf("ValidateIndependently reported %q, want a failure mentioning %s", failures, c.want)
			}
		})
	}
	t.Run("not a storage root", func(t *testing.T) {
		if failures := validateRecorded(t, t.TempDir()); len(failures) == 0 {
			t.Error("ValidateIndependently accepted an empty directory as storage root")
		}
	})
}

// TestOCFLGoVerdicts compares ocfl-go's verdict on every fixture with the
// expectation: good objects without errors or warnings, warn objects without
// errors, bad objects with errors. It logs which listed codes ocfl-go does
// not report; those are not failures (the fixtures allow other codes).
func TestOCFLGoVerdicts(t *testing.T) {
	agree, total := 0, 0
	for _, cat := range []string{"good-objects", "warn-objects", "bad-objects"} {
		for _, obj := range fixtureObjects(t, cat) {
			name := filepath.Base(obj)
			v := ocfl.ValidateObject(t.Context(), ocflfs.DirFS(obj), ".")
			errs, warns := ocflCodes(v.Errors()), ocflCodes(v.WarnErrors())
			total++
			var ok bool
			switch cat {
			case "good-objects":
				ok = len(errs)+len(warns) == 0
			case "warn-objects":
				ok = len(errs) == 0
				for _, c := range codesInName(name, "W") {
					if !slices.Contains(warns, c) {
						t.Logf("ocfl-go does not report %s for %s/%s (warnings %v)", c, cat, name, warns)
					}
				}
			case "bad-objects":
				ok = len(errs) > 0
				for _, c := range codesInName(name, "E") {
					if !slices.Contains(errs, c) {
						t.Logf("ocfl-go does not report %s for %s/%s (errors %v)", c, cat, name, errs)
					}
				}
			}
			if ok {
				agree++
			} else {
				t.Errorf("ocfl-go verdict on %s/%s disagrees with the fixture: errors %v, warnings %v", cat, name, errs, warns)
			}
		}
	}
	t.Logf("ocfl-go agrees with %d of %d fixture verdicts", agree, total)
}

// codesInName returns the codes with the given prefix a fixture name starts
// with, e.g. E049, E050, E054 for "E049_E050_E054_bad_version_block_values".
func codesInName(name, prefix string) []string {
	var out []string
	for _, part := range strings.Split(name, "_") {
		if len(part) != 4 || !strings.HasPrefix(part, prefix) {
			break
		}
		out = append(out, part)
	}
	return out
}

func ocflCodes(errs []error) []string {
	var out []string
	for _, err := range errs {
		code := "?"
		var verr *ocfl.ValidationError
		if errors.As(err, &verr) {
			code = verr.Code
		}
		if !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	return out
}
