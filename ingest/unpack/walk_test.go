package unpack

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// tree creates files (name -> content) below a new directory.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestWalk(t *testing.T) {
	root := tree(t, map[string]string{
		"b.txt":               "bb",
		"a/z.pdf":             "zzz",
		"a/Ä/ü.txt":           "",
		"Akte 2/Brief 1.docx": "1",
	})
	if err := os.Mkdir(filepath.Join(root, "leer"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, ps, err := Walk(context.Background(), root, Limits{})
	if err != nil || len(ps) > 0 {
		t.Fatalf("Walk: %v%s", err, problemText(ps))
	}
	want := []Entry{
		{"Akte 2/Brief 1.docx", filepath.Join(root, "Akte 2", "Brief 1.docx"), 1},
		{"a/z.pdf", filepath.Join(root, "a", "z.pdf"), 3},
		{"a/Ä/ü.txt", filepath.Join(root, "a", "Ä", "ü.txt"), 0},
		{"b.txt", filepath.Join(root, "b.txt"), 2},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%v\nwant\n%v", got, want)
	}
}

func TestWalkRelativeRoot(t *testing.T) {
	root := tree(t, map[string]string{"a.txt": "x"})
	t.Chdir(root)
	got, ps, err := Walk(context.Background(), ".", Limits{})
	if err != nil || len(ps) > 0 || len(got) != 1 || got[0].Path != filepath.Join(root, "a.txt") {
		t.Errorf("got %v, %v%s", got, err, problemText(ps))
	}
}

func TestWalkHostile(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, root string)
		lim   Limits
		want  string
		path  string
	}{
		{"symlink to file", func(t *testing.T, root string) {
			must(t, os.Symlink("/etc/passwd", filepath.Join(root, "passwd")))
		}, Limits{}, CodeLink, "passwd"},
		{"symlink to directory outside", func(t *testing.T, root string) {
			must(t, os.Symlink(t.TempDir(), filepath.Join(root, "out")))
		}, Limits{}, CodeLink, "out"},
		{"dangling symlink", func(t *testing.T, root string) {
			must(t, os.Symlink("nowhere", filepath.Join(root, "d", "dangling")))
		}, Limits{}, CodeLink, "d/dangling"},
		{"fifo", func(t *testing.T, root string) {
			must(t, syscall.Mkfifo(filepath.Join(root, "pipe"), 0o644))
		}, Limits{}, CodeSpecial, "pipe"},
		{"socket", func(t *testing.T, root string) {
			l, err := net.Listen("unix", filepath.Join(root, "sock"))
			must(t, err)
			t.Cleanup(func() { l.Close() })
		}, Limits{}, CodeSpecial, "sock"},
		{"control character", func(t *testing.T, root string) {
			must(t, os.WriteFile(filepath.Join(root, "a\x01b"), nil, 0o644))
		}, Limits{}, CodeName, `a\x01b`},
		{"backslash", func(t *testing.T, root string) {
			must(t, os.WriteFile(filepath.Join(root, `a\b`), nil, 0o644))
		}, Limits{}, CodeName, `a\b`},
		{"invalid UTF-8", func(t *testing.T, root string) {
			must(t, os.WriteFile(filepath.Join(root, "\xff.txt"), nil, 0o644))
		}, Limits{}, CodeName, `\xff.txt`},
		{"case duplicate", func(t *testing.T, root string) {
			must(t, os.WriteFile(filepath.Join(root, "d", "brief.txt"), nil, 0o644))
			must(t, os.WriteFile(filepath.Join(root, "d", "Brief.txt"), nil, 0o644))
		}, Limits{}, CodeDuplicate, "d/brief.txt"}, // ReadDir sorts: "Brief.txt" first
		{"NFD duplicate", func(t *testing.T, root string) {
			must(t, os.WriteFile(filepath.Join(root, "d", "\u00e4.txt"), nil, 0o644))
			must(t, os.WriteFile(filepath.Join(root, "d", "a\u0308.txt"), nil, 0o644))
		}, Limits{}, CodeDuplicate, "d/\u00e4.txt"},
		{"too many", func(t *testing.T, root string) {
			for _, n := range []string{"a", "b", "c"} {
				must(t, os.WriteFile(filepath.Join(root, n), nil, 0o644))
			}
		}, Limits{MaxFiles: 3}, CodeTooMany, ""}, // "d" counts too
		{"file too large", func(t *testing.T, root string) {
			must(t, os.WriteFile(filepath.Join(root, "big"), make([]byte, 2000), 0o644))
		}, Limits{MaxFileSize: 1000}, CodeTooLarge, "big"},
		{"total too large", func(t *testing.T, root string) {
			must(t, os.WriteFile(filepath.Join(root, "a"), make([]byte, 600), 0o644))
			must(t, os.WriteFile(filepath.Join(root, "b"), make([]byte, 600), 0o644))
		}, Limits{MaxTotalSize: 1000}, CodeTooLarge, ""},
		{"too deep", func(t *testing.T, root string) {
			must(t, os.MkdirAll(filepath.Join(root, "1", "2", "3", "4"), 0o755))
		}, Limits{MaxDepth: 3}, CodeName, "1/2/3/4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			must(t, os.Mkdir(filepath.Join(root, "d"), 0o755))
			tc.setup(t, root)
			files, ps, err := Walk(context.Background(), root, tc.lim)
			if err != nil {
				t.Fatal(err)
			}
			if got := errorCodes(ps); !slices.Equal(got, []string{tc.want}) {
				t.Fatalf("codes %v, want [%s]:%s", got, tc.want, problemText(ps))
			}
			if ps[0].Path != tc.path {
				t.Errorf("Path = %q, want %q", ps[0].Path, tc.path)
			}
			t.Log(problemText(ps))
			for _, f := range files {
				fi, err := os.Lstat(f.Path)
				if err != nil || !fi.Mode().IsRegular() {
					t.Errorf("listed %s, not a regular file (%v)", f.Name, err)
				}
			}
		})
	}
}

// Root can read files whatever their permissions, so unreadable files are
// simulated by replacing Walk's open and readDir.
func TestWalkUnreadable(t *testing.T) {
	root := tree(t, map[string]string{"ok.txt": "x", "kaputt.txt": "x", "d/ok.txt": "x", "bad/x.txt": "x"})
	eio := &fs.PathError{Op: "read", Path: "x", Err: syscall.EIO}
	w := walker{
		open: func(r *os.Root, name string) (io.ReadCloser, error) {
			if name == "kaputt.txt" {
				return nil, eio
			}
			return r.Open(name)
		},
		readDir: func(r *os.Root, name string, limit int) ([]fs.DirEntry, error) {
			if name == "bad" {
				return nil, eio
			}
			return readDirRoot(r, name, limit)
		},
	}
	files, ps, err := w.walk(context.Background(), root, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Code+" "+p.Path)
	}
	want := []string{CodeUnreadable + " bad", CodeUnreadable + " kaputt.txt"}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("problems %v, want %v", got, want)
	}
	if len(files) != 2 {
		t.Errorf("files %v, want d/ok.txt and ok.txt", files)
	}
}

// A file even root cannot read: sysfs attributes without a read handler
// (write-only, mode 0200) refuse to be opened for reading.
func TestWalkUnreadableSysfs(t *testing.T) {
	const dir = "/sys/bus/pci"
	f, err := os.Open(filepath.Join(dir, "rescan"))
	if err == nil {
		f.Close()
		t.Skipf("%s/rescan is readable here", dir)
	}
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("no %s/rescan here", dir)
	}
	_, ps, werr := Walk(context.Background(), dir, Limits{})
	if werr != nil {
		t.Fatal(werr)
	}
	for _, p := range ps {
		if p.Code == CodeUnreadable && p.Path == "rescan" {
			return
		}
	}
	t.Errorf("no READ_UNREADABLE for rescan:%s", problemText(ps))
}

func TestWalkRootProblems(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	must(t, os.WriteFile(file, nil, 0o644))
	for name, root := range map[string]string{"missing": filepath.Join(t.TempDir(), "nope"), "file": file} {
		_, ps, err := Walk(context.Background(), root, Limits{})
		if err != nil || !slices.Equal(codes(ps), []string{CodeUnreadable}) {
			t.Errorf("%s: %v%s", name, err, problemText(ps))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Walk(ctx, t.TempDir(), Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestWalkHardLinks checks that a file with a name outside the walked
// directory is refused (its content is not the submission's own: whoever
// made the link may not be able to read the file otherwise), while hard
// links among the submission's own files are fine.
func TestWalkHardLinks(t *testing.T) {
	outside := tree(t, map[string]string{"geheim.txt": "secret"})
	root := tree(t, map[string]string{"Akte/Brief.txt": "brief", "Akte/Anlage.txt": "anlage"})
	if err := os.Link(filepath.Join(root, "Akte/Brief.txt"), filepath.Join(root, "Akte/Brief-Kopie.txt")); err != nil {
		t.Skipf("no hard links here: %v", err)
	}
	es, ps, err := Walk(context.Background(), root, Limits{})
	if err != nil || len(ps) != 0 || len(es) != 3 {
		t.Fatalf("links inside: entries %v, problems %v, %v", es, ps, err)
	}
	if err := os.Link(filepath.Join(outside, "geheim.txt"), filepath.Join(root, "Akte/geheim.txt")); err != nil {
		t.Fatal(err)
	}
	_, ps, err = Walk(context.Background(), root, Limits{})
	if err != nil || len(ps) != 1 || ps[0].Code != CodeHardLink || ps[0].Path != "Akte/geheim.txt" ||
		ps[0].Severity != "error" {
		t.Fatalf("a link from outside: problems %v, %v", ps, err)
	}
	// Walking the parent of both sees every name: fine again.
	parent := t.TempDir()
	os.Rename(outside, filepath.Join(parent, "a"))
	os.Rename(root, filepath.Join(parent, "b"))
	if _, ps, _ := Walk(context.Background(), parent, Limits{}); len(ps) != 0 {
		t.Errorf("all names inside: %v", ps)
	}
}
