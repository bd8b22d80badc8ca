package folder

import (
	"context"
	"errors"
	"github.com/magazin-archiv/magazin/internal/corpus"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/profiles"
)

var _ profiles.Profile = New()

// writeTree creates files (name -> content, slash separated) below a new
// directory called name inside a temporary directory and returns its path.
func writeTree(t *testing.T, name string, files map[string]string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	for n, content := range files {
		p := filepath.Join(root, filepath.FromSlash(n))
		if strings.HasSuffix(n, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func codes(ps preservation.Problems) []string {
	var cs []string
	for _, p := range ps {
		cs = append(cs, p.Code)
	}
	return cs
}

func find(ps preservation.Problems, code string) *preservation.Problem {
	for i := range ps {
		if ps[i].Code == code {
			return &ps[i]
		}
	}
	return nil
}

func TestReadTree(t *testing.T) {
	root := writeTree(t, "Akte 17", map[string]string{
		"z.txt":                  "zz",
		"Brief.pdf":              "%PDF-1.7",
		"Vorgang 1/Anlage 1.tif": "II*\x00",
		"Vorgang 1/b/c.xml":      "<x/>",
		"ä-Umlaut.txt":           "ä",
		".hidden":                "h",
	})
	p := New()
	if p.Name() != "folder" || !p.Detect(root) || !p.Detect(filepath.Join(root, "does-not-exist")) {
		t.Fatal("Name/Detect")
	}
	tr, err := p.Read(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Problems) != 0 {
		t.Fatalf("problems: %v", tr.Problems)
	}
	if tr.Profile != "folder" || tr.Title != "Akte 17" {
		t.Errorf("Profile %q Title %q", tr.Profile, tr.Title)
	}
	want := []string{".hidden", "Brief.pdf", "Vorgang 1/Anlage 1.tif", "Vorgang 1/b/c.xml", "z.txt", "ä-Umlaut.txt"}
	var got []string
	for _, f := range tr.Files {
		got = append(got, f.Name)
		if !filepath.IsAbs(f.Path) {
			t.Errorf("%s: path %q not absolute", f.Name, f.Path)
		}
		b, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(b)) != f.Size {
			t.Errorf("%s: size %d, want %d", f.Name, f.Size, len(b))
		}
		if f.Declared != nil {
			t.Errorf("%s: Declared %v", f.Name, f.Declared)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("names\n got %q\nwant %q", got, want)
	}
	if len(tr.Metadata) != 0 {
		t.Errorf("metadata: %v", tr.Metadata)
	}
}

func TestReadRelativeRoot(t *testing.T) {
	root := writeTree(t, "rel", map[string]string{"a": "a"})
	t.Chdir(filepath.Dir(root))
	tr, err := New().Read(context.Background(), "rel")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Title != "rel" || len(tr.Files) != 1 || tr.Files[0].Path != filepath.Join(root, "a") {
		t.Errorf("got %+v", tr)
	}
}

func TestEmpty(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"nothing":   nil,
		"only-dirs": {"a/": "", "b/c/": ""},
	} {
		t.Run(name, func(t *testing.T) {
			tr, err := New().Read(context.Background(), writeTree(t, name, files))
			if err != nil {
				t.Fatal(err)
			}
			p := find(tr.Problems, CodeEmpty)
			if p == nil || p.Severity != preservation.SeverityError || !tr.Problems.HasErrors() {
				t.Errorf("problems %v", tr.Problems)
			}
		})
	}
}

func TestEmptyDir(t *testing.T) {
	root := writeTree(t, "x", map[string]string{"a.txt": "a", "leer/": "", "b/c/": "", "d/e.txt": "e"})
	tr, err := New().Read(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Problems.HasErrors() {
		t.Fatalf("errors: %v", tr.Problems)
	}
	var paths []string
	for _, p := range tr.Problems {
		if p.Code != CodeEmptyDir || p.Severity != preservation.SeverityWarning {
			t.Errorf("unexpected %v", p)
		}
		paths = append(paths, p.Path)
	}
	slices.Sort(paths)
	if !slices.Equal(paths, []string{"b/c", "leer"}) {
		t.Errorf("empty dirs %q", paths)
	}
}

func TestSymlink(t *testing.T) {
	root := writeTree(t, "x", map[string]string{"a.txt": "a", "sub/b.txt": "b"})
	outside := writeTree(t, "outside", map[string]string{"secret": "s"})
	for link, target := range map[string]string{
		"link-file":    filepath.Join(root, "a.txt"),
		"sub/link-dir": outside,
		"dangling":     filepath.Join(root, "nope"),
	} {
		if err := os.Symlink(target, filepath.Join(root, filepath.FromSlash(link))); err != nil {
			t.Skipf("symlinks not supported: %v", err)
		}
	}
	tr, err := New().Read(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	var links []string
	for _, p := range tr.Problems {
		if p.Code != CodeLink || p.Severity != preservation.SeverityError {
			t.Errorf("unexpected %v", p)
		}
		links = append(links, p.Path)
	}
	slices.Sort(links)
	if !slices.Equal(links, []string{"dangling", "link-file", "sub/link-dir"}) {
		t.Errorf("links %q", links)
	}
	for _, f := range tr.Files {
		if strings.Contains(f.Name, "link") || f.Name == "secret" || strings.HasSuffix(f.Name, "/secret") {
			t.Errorf("followed a link: %s", f.Name)
		}
	}
	if len(tr.Files) != 2 {
		t.Errorf("files %v", tr.Files)
	}
}

func TestInvalidUTF8Name(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs a file system that accepts arbitrary bytes in names")
	}
	root := writeTree(t, "x", map[string]string{"ok.txt": "a"})
	if err := os.WriteFile(filepath.Join(root, "bad\xff.txt"), []byte("b"), 0o644); err != nil {
		t.Skipf("file system refuses the name: %v", err)
	}
	if err := os.Mkdir(filepath.Join(root, "dir\xfe"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "dir\xfe", "inner.txt"), []byte("b"), 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := New().Read(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(tr.Problems); !slices.Equal(got, []string{CodeName, CodeName}) {
		t.Errorf("codes %v (%v)", got, tr.Problems)
	}
	if len(tr.Files) != 1 || tr.Files[0].Name != "ok.txt" {
		t.Errorf("files %v", tr.Files)
	}
}

func TestNotADirectory(t *testing.T) {
	root := writeTree(t, "x", map[string]string{"a.txt": "a"})
	if _, err := New().Read(context.Background(), filepath.Join(root, "a.txt")); err == nil {
		t.Error("file as root: no error")
	}
	if _, err := New().Read(context.Background(), filepath.Join(root, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing root: %v", err)
	}
}

func TestCancel(t *testing.T) {
	root := writeTree(t, "x", map[string]string{"a.txt": "a", "b/c.txt": "c"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New().Read(ctx, root); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// TestCorpus reads directories of the shared corpus as plain folders and
// compares the result with an independent walk.
func TestCorpus(t *testing.T) {
	croot := corpus.Dir(t, ".")
	for _, dir := range []string{"bagit-conformance-suite", "archivematica-sampledata"} {
		root := filepath.Join(croot, dir)
		t.Run(dir, func(t *testing.T) {
			tr, err := New().Read(context.Background(), root)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Problems.HasErrors() {
				t.Errorf("errors: %v", tr.Problems)
			}
			var want []string
			var size int64
			err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err != nil || !d.Type().IsRegular() {
					return err
				}
				rel, _ := filepath.Rel(root, p)
				want = append(want, filepath.ToSlash(rel))
				fi, err := d.Info()
				size += fi.Size()
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(want)
			var got []string
			var gotSize int64
			for _, f := range tr.Files {
				got = append(got, f.Name)
				gotSize += f.Size
			}
			if !slices.Equal(got, want) || gotSize != size {
				t.Errorf("%d files / %d bytes, want %d / %d", len(got), gotSize, len(want), size)
			}
			t.Logf("%s: %d files, %d bytes, %d problems", dir, len(got), gotSize, len(tr.Problems))
		})
	}
}

// TestCodesDocumented checks that every problem code is documented in
// docs/problem-codes.md.
func TestCodesDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "problem-codes.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{CodeLink, CodeSpecial, CodeEmpty, CodeName, CodeEmptyDir} {
		if !strings.Contains(string(doc), "`"+code+"`") {
			t.Errorf("%s is not documented in docs/problem-codes.md", code)
		}
	}
}
