package aip

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

const testLayout0004 = "0004-hashed-n-tuple-storage-layout"

// testRoot is a storage root under construction in a temporary directory.
type testRoot struct {
	t   *testing.T
	dir string
}

// newTestRoot makes an OCFL 1.1 storage root with the default 0004 layout.
func newTestRoot(t *testing.T) *testRoot {
	r := &testRoot{t: t, dir: t.TempDir()}
	r.write("0=ocfl_1.1", "ocfl_1.1\n")
	r.write("ocfl_layout.json", `{"extension":"`+testLayout0004+`","description":"hashed n-tuple"}`)
	r.write("extensions/"+testLayout0004+"/config.json", `{"extensionName":"`+testLayout0004+
		`","digestAlgorithm":"sha256","tupleSize":3,"numberOfTuples":3,"shortObjectRoot":false}`)
	return r
}

func (r *testRoot) write(rel, content string) {
	r.t.Helper()
	p := filepath.Join(r.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// addObject writes a test object with the given id at rel, or at the path
// 0004 maps the id to when rel is empty, and returns the path.
func (r *testRoot) addObject(id, rel string) string {
	r.t.Helper()
	if rel == "" {
		// Extension 0004 with its defaults: sha256 of the id, three tuples of
		// three characters, then the whole digest.
		d := ocflDigestAlgorithms["sha256"].digestBytes([]byte(id))
		rel = d[:3] + "/" + d[3:6] + "/" + d[6:9] + "/" + d
	}
	writeTestObject(r.t, filepath.Join(r.dir, filepath.FromSlash(rel)), id, testFiles, nil)
	return rel
}

func (r *testRoot) validate() (*ValidationResult, map[string]*ValidationResult) {
	return ValidateStorageRoot(r.t.Context(), os.DirFS(r.dir), ".")
}

func TestValidateStorageRootValid(t *testing.T) {
	r := newTestRoot(t)
	r.write("ocfl_1.1.md", "the specification, for people") // E087: ignored
	a := r.addObject("urn:uuid:11111111-1111-4111-8111-111111111111", "")
	b := r.addObject("urn:uuid:22222222-2222-4222-8222-222222222222", "")
	res, objects := r.validate()
	if len(res.Errors)+len(res.Warnings) > 0 {
		t.Errorf("root: %v %v", res.Errors, res.Warnings)
	}
	if len(objects) != 2 || objects[a] == nil || objects[b] == nil {
		t.Fatalf("objects %v, want %s and %s", objects, a, b)
	}
	for p, o := range objects {
		if len(o.Errors)+len(o.Warnings) > 0 {
			t.Errorf("object %s: %v %v", p, o.Errors, o.Warnings)
		}
	}
}

// The 0004 mapping with other parameters: example 2 of the extension.
func TestHashedNTupleLayoutExample(t *testing.T) {
	layout, err := ocflHashedNTupleLayout(map[string]any{"extensionName": testLayout0004,
		"digestAlgorithm": "md5", "tupleSize": jsonNumber(2), "numberOfTuples": jsonNumber(15), "shortObjectRoot": true})
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{
		"object-01":        "ff/75/53/44/92/48/5e/ab/b3/9f/86/35/67/28/88/4e",
		"..hor/rib:le-$id": "08/31/97/66/fb/6c/29/35/dd/17/5b/94/26/77/17/e0",
	} {
		if got, _ := layout(id); got != want {
			t.Errorf("%s: got %s, want %s", id, got, want)
		}
	}
	for _, bad := range []map[string]any{
		{"tupleSize": jsonNumber(0)},
		{"tupleSize": jsonNumber(40), "numberOfTuples": jsonNumber(2)},
		{"digestAlgorithm": "size"},
		{"digestAlgorithm": "sha256", "tupleSize": jsonNumber(32), "numberOfTuples": jsonNumber(2), "shortObjectRoot": true},
		{"tupleSize": "3"},
		{"unknown": true},
	} {
		if _, err := ocflHashedNTupleLayout(bad); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
}

func TestValidateStorageRootFindings(t *testing.T) {
	const id = "urn:uuid:11111111-1111-4111-8111-111111111111"
	cases := []struct {
		name   string
		change func(r *testRoot)
		want   string
		warn   bool
	}{
		{"no declaration", func(r *testRoot) { r.remove("0=ocfl_1.1") }, "E069", false},
		{"wrong declaration content", func(r *testRoot) { r.write("0=ocfl_1.1", "ocfl_1.1") }, "E080", false},
		{"two declarations", func(r *testRoot) { r.write("0=ocfl_1.0", "ocfl_1.0\n") }, "E076", false},
		{"declaration T is not 0", func(r *testRoot) { r.remove("0=ocfl_1.1"); r.write("1=ocfl_1.1", "ocfl_1.1\n") }, "E078", false},
		{"declaration of an unknown version", func(r *testRoot) { r.remove("0=ocfl_1.1"); r.write("0=ocfl_2.0", "ocfl_2.0\n") }, "E079", false},
		{"layout not JSON", func(r *testRoot) { r.write("ocfl_layout.json", "0004") }, "E070", false},
		{"layout without description", func(r *testRoot) { r.write("ocfl_layout.json", `{"extension":"`+testLayout0004+`"}`) }, "E070", false},
		{"layout names an unknown extension", func(r *testRoot) {
			r.write("ocfl_layout.json", `{"extension":"9999-mine","description":""}`)
		}, "E071", false},
		{"invalid layout configuration", func(r *testRoot) {
			r.write("extensions/"+testLayout0004+"/config.json", `{"extensionName":"`+testLayout0004+`","tupleSize":99}`)
		}, "E083", false},
		{"file in extensions", func(r *testRoot) { r.write("extensions/notes.txt", "") }, "E112", false},
		{"unregistered extension", func(r *testRoot) { r.write("extensions/9999-mine/config.json", "{}") }, "W016", true},
		{"object at the wrong path", func(r *testRoot) { r.addObject(id, "abc/def/ghi/wrong") }, "E083", false},
		{"same id twice", func(r *testRoot) { r.addObject(id, ""); r.addObject(id, "000/000/000/x") }, "E037", false},
		{"file in an intermediate directory", func(r *testRoot) {
			p := r.addObject(id, "")
			r.write(strings.SplitN(p, "/", 2)[0]+"/stray.txt", "")
		}, "E084", false},
		{"file in a directory without objects", func(r *testRoot) { r.write("abc/stray.txt", "") }, "E072", false},
		{"empty directory", func(r *testRoot) { r.mkdir("abc/def") }, "E073", false},
		{"hierarchy without object", func(r *testRoot) { r.mkdir("abc/def/ghi") }, "E073", false},
		{"object newer than the root", func(r *testRoot) {
			r.remove("0=ocfl_1.1")
			r.write("0=ocfl_1.0", "ocfl_1.0\n")
			r.addObject(id, "")
		}, "E081", false},
		{"symbolic link", func(r *testRoot) {
			if err := os.Symlink(r.dir, filepath.Join(r.dir, "loop")); err != nil {
				r.t.Skip("no symbolic links here:", err)
			}
		}, "E090", false},
		{"top-level and nested objects", func(r *testRoot) {
			r.remove("ocfl_layout.json")
			r.addObject(id, "top")
			r.addObject("urn:uuid:22222222-2222-4222-8222-222222222222", "")
		}, "W015", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newTestRoot(t)
			c.change(r)
			res, _ := r.validate()
			got := res.Errors
			if c.warn {
				got = res.Warnings
				if len(res.Errors) > 0 {
					t.Errorf("errors %v, want none", res.Errors)
				}
			}
			if !slices.Contains(codesOf(got), c.want) {
				t.Errorf("errors %v, warnings %v, want %s", res.Errors, res.Warnings, c.want)
			}
		})
	}
}

// Without ocfl_layout.json any object path is accepted; with the 0002 flat
// layout the path must be the id.
func TestValidateStorageRootOtherLayouts(t *testing.T) {
	const id = "urn:uuid:11111111-1111-4111-8111-111111111111"
	r := newTestRoot(t)
	r.remove("ocfl_layout.json")
	r.addObject(id, "anywhere/at/all")
	if res, _ := r.validate(); len(res.Errors)+len(res.Warnings) > 0 {
		t.Errorf("no layout: %v %v", res.Errors, res.Warnings)
	}

	r = newTestRoot(t)
	r.write("ocfl_layout.json", `{"extension":"0002-flat-direct-storage-layout","description":"flat"}`)
	r.addObject(id, id)
	if res, _ := r.validate(); len(res.Errors)+len(res.Warnings) > 0 {
		t.Errorf("0002: %v %v", res.Errors, res.Warnings)
	}
	r.addObject("urn:uuid:22222222-2222-4222-8222-222222222222", "elsewhere")
	if res, _ := r.validate(); !slices.Contains(codesOf(res.Errors), "E083") {
		t.Errorf("0002, misplaced object: %v, want E083", res.Errors)
	}
}

// A broken object is reported in its own result; the root stays valid.
func TestValidateStorageRootBrokenObject(t *testing.T) {
	r := newTestRoot(t)
	p := r.addObject("urn:uuid:11111111-1111-4111-8111-111111111111", "")
	r.write(p+"/v1/content/METS.xml", "changed")
	res, objects := r.validate()
	if !res.Valid() || objects[p].Valid() || !slices.Contains(codesOf(objects[p].Errors), "E092") {
		t.Errorf("root %v; object %v, want E092 in the object only", res.Errors, objects[p])
	}
}

func TestValidateStorageRootIncomplete(t *testing.T) {
	r := newTestRoot(t)
	r.addObject("urn:uuid:11111111-1111-4111-8111-111111111111", "")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	res, _ := ValidateStorageRoot(ctx, os.DirFS(r.dir), ".")
	if !slices.Equal(codesOf(res.Errors), []string{CodeCanceled}) {
		t.Errorf("cancelled: %v", res.Errors)
	}
	if res, _ := ValidateStorageRoot(t.Context(), os.DirFS(r.dir), "missing"); !slices.Equal(codesOf(res.Errors), []string{"E069"}) {
		t.Errorf("missing root: %v", res.Errors)
	}
}

// A storage root inside any fs.FS, e.g. a store adapter's, validates.
func TestValidateStorageRootOnMapFS(t *testing.T) {
	r := newTestRoot(t)
	p := r.addObject("urn:uuid:11111111-1111-4111-8111-111111111111", "")
	fsys := fstest.MapFS{}
	src := os.DirFS(r.dir)
	if err := fsWalkFiles(src, func(name string, data []byte) { fsys["bucket/ocfl/"+name] = &fstest.MapFile{Data: data} }); err != nil {
		t.Fatal(err)
	}
	res, objects := ValidateStorageRoot(t.Context(), fsys, "bucket/ocfl")
	if len(res.Errors)+len(res.Warnings) > 0 || len(objects) != 1 || len(objects[p].Errors)+len(objects[p].Warnings) > 0 {
		t.Errorf("root %v %v, objects %v", res.Errors, res.Warnings, objects)
	}
}

func (r *testRoot) remove(rel string) {
	r.t.Helper()
	if err := os.Remove(filepath.Join(r.dir, filepath.FromSlash(rel))); err != nil {
		r.t.Fatal(err)
	}
}

func (r *testRoot) mkdir(rel string) {
	r.t.Helper()
	if err := os.MkdirAll(filepath.Join(r.dir, filepath.FromSlash(rel)), 0o755); err != nil {
		r.t.Fatal(err)
	}
}
