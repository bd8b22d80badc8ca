package digitised

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/image/tiff"

	"github.com/magazin-archiv/magazin/preservation"
)

// img encodes a small image in the format of name's extension.
func img(t *testing.T, name string) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 8, 6))
	for i := range m.Pix {
		m.Pix[i] = byte(i)
	}
	m.Set(0, 0, color.Black)
	var b bytes.Buffer
	var err error
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png":
		err = png.Encode(&b, m)
	case ".tif", ".tiff":
		err = tiff.Encode(&b, m, nil)
	default:
		err = jpeg.Encode(&b, m, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// write creates files below root; a value of "IMG" is replaced by an
// image in the format of the name.
func write(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		b := []byte(content)
		if content == "IMG" {
			b = img(t, name)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func codes(ps preservation.Problems) []string {
	var cs []string
	for _, p := range ps {
		cs = append(cs, p.Code+" "+p.Path)
	}
	slices.Sort(cs)
	return cs
}

func TestBatch(t *testing.T) {
	root := t.TempDir()
	write(t, root, map[string]string{
		MappingFile:          "Signatur;Ordner\n10001 Nr. 1;akte1\n\"10001 Nr. 2\"; scans/akte2/\n",
		"akte1/seite10.tif":  "IMG",
		"akte1/seite2.jpg":   "IMG",
		"akte1/seite1.png":   "IMG",
		"scans/akte2/1.TIFF": "IMG",
	})
	p := New()
	if !p.Detect(root) {
		t.Fatal("Detect: batch not recognised")
	}
	if p.Detect(filepath.Join(root, "akte1")) {
		t.Error("Detect: a unit folder without mapping taken for a batch")
	}
	tr, err := p.Read(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Problems) > 0 {
		t.Fatalf("problems: %v", tr.Problems)
	}
	if len(tr.Units) != 2 {
		t.Fatalf("units = %d, want 2", len(tr.Units))
	}
	u := tr.Units[0]
	if !u.Existing || u.Signatur != "10001 Nr. 1" || u.SourceID != SourcePrefix+"10001 Nr. 1" {
		t.Errorf("unit = %+v", u)
	}
	if want := []string{"akte1/seite1.png", "akte1/seite2.jpg", "akte1/seite10.tif"}; !slices.Equal(u.Files, want) {
		t.Errorf("page order = %q, want %q", u.Files, want)
	}
	if got := tr.Units[1].Files; !slices.Equal(got, []string{"scans/akte2/1.TIFF"}) {
		t.Errorf("unit 2 files = %q", got)
	}
	if len(tr.Files) != 4 || len(tr.Metadata) != 1 || tr.Metadata[0].Name != MappingFile {
		t.Errorf("files %d, metadata %v", len(tr.Files), tr.Metadata)
	}
	if tr.Description["digitisedPages"] != 4 {
		t.Errorf("description = %v", tr.Description)
	}
}

// TestBatchMode: the optional third column Modus marks the pages of a unit
// as a supplement (ergaenzen, also spelt ergänzen) or a replacement
// (ersetzen, the default); any other Modus is DIGITISED_MAPPING.
func TestBatchMode(t *testing.T) {
	root := t.TempDir()
	write(t, root, map[string]string{
		MappingFile: "Signatur;Ordner;Modus\nA;a;ergaenzen\nB;b;Ersetzen\nC;c\nD;d;ergänzen\nE;e;\n",
		"a/5.png":   "IMG", "b/1.png": "IMG", "c/1.png": "IMG", "d/1.png": "IMG", "e/1.png": "IMG",
	})
	tr, err := New().Read(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Problems) > 0 || len(tr.Units) != 5 {
		t.Fatalf("problems %v, %d units", tr.Problems, len(tr.Units))
	}
	for i, want := range []bool{true, false, false, true, false} {
		if u := tr.Units[i]; u.Supplement != want || !u.Existing {
			t.Errorf("%s: Supplement %v, want %v", u.Signatur, u.Supplement, want)
		}
	}
	bad := t.TempDir()
	write(t, bad, map[string]string{MappingFile: "A;a;anhaengen\nB;b;ersetzen;x\n", "a/1.png": "IMG", "b/1.png": "IMG"})
	tr, err = New().Read(context.Background(), bad)
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(tr.Problems); !slices.Equal(got, []string{"DIGITISED_MAPPING " + MappingFile, "DIGITISED_MAPPING " + MappingFile,
		"DIGITISED_UNMAPPED a", "DIGITISED_UNMAPPED b"}) {
		t.Errorf("problems = %q", got)
	}
}

func TestOneUnit(t *testing.T) {
	root := filepath.Join(t.TempDir(), "A 12")
	write(t, root, map[string]string{"0001.jpg": "IMG", "0002.jpg": "IMG"})
	tr, err := New().Read(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Problems) > 0 || len(tr.Units) != 1 || tr.Units[0].Signatur != "A 12" || len(tr.Units[0].Files) != 2 {
		t.Fatalf("transfer = %+v", tr)
	}
}

func TestOneUnitBag(t *testing.T) {
	root := filepath.Join(t.TempDir(), "bag")
	write(t, root, map[string]string{
		"bagit.txt":        "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
		"bag-info.txt":     "External-Identifier: 10001 Nr. 7\n",
		"data/p1.png":      "IMG",
		"manifest-md5.txt": "",
	})
	// A manifest with the real digest.
	b, _ := os.ReadFile(filepath.Join(root, "data/p1.png"))
	write(t, root, map[string]string{"manifest-md5.txt": md5hex(b) + "  data/p1.png\n"})
	tr, err := New().Read(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Problems) > 0 {
		t.Fatalf("problems: %v", tr.Problems)
	}
	if tr.Units[0].Signatur != "10001 Nr. 7" || !slices.Equal(tr.Units[0].Files, []string{"p1.png"}) {
		t.Errorf("unit = %+v", tr.Units[0])
	}
	if tr.Files[0].Declared["md5"] == "" || len(tr.Units[0].Metadata) == 0 {
		t.Errorf("bag digests or tag files lost: %+v", tr.Files[0])
	}
}

func TestProblems(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"unknown folder and bad lines", map[string]string{
			MappingFile: "A;fehlt\nB\nC;../draussen\nD;ok\n", "ok/1.png": "IMG"},
			[]string{"DIGITISED_MAPPING " + MappingFile, "DIGITISED_MAPPING " + MappingFile, "DIGITISED_MAPPING " + MappingFile}},
		{"Signatur twice", map[string]string{
			MappingFile: "A;x\nA;y\n", "x/1.png": "IMG", "y/1.png": "IMG"},
			[]string{"DIGITISED_SIGNATUR_DUPLICATE " + MappingFile, "DIGITISED_UNMAPPED y"}},
		{"folder twice", map[string]string{
			MappingFile: "A;x\nB;x/\n", "x/1.png": "IMG"},
			[]string{"DIGITISED_MAPPING " + MappingFile}},
		{"unmapped", map[string]string{
			MappingFile: "A;x\n", "x/1.png": "IMG", "liesmich.txt": "hallo", "z/1.png": "IMG"},
			[]string{"DIGITISED_UNMAPPED liesmich.txt", "DIGITISED_UNMAPPED z"}},
		{"empty folder", map[string]string{
			MappingFile: "A;x\nB;y\n", "x/1.png": "IMG", "y/.keep/": ""},
			nil},
		{"not an image", map[string]string{
			MappingFile: "A;x\n", "x/1.png": "IMG", "x/Thumbs.db": "junk", "x/2.pdf": "%PDF-1.4"},
			[]string{"DIGITISED_NOT_IMAGE x/2.pdf", "DIGITISED_NOT_IMAGE x/Thumbs.db"}},
		{"duplicate pages", map[string]string{
			MappingFile: "A;x\n", "x/0001.tif": "IMG", "x/1.jpg": "IMG", "x/seite_002.png": "IMG", "x/seite_2.png": "IMG", "x/3.png": "IMG"},
			[]string{"DIGITISED_PAGE_DUPLICATE x/0001.tif", "DIGITISED_PAGE_DUPLICATE x/seite_002.png"}},
		{"unreadable", map[string]string{
			MappingFile: "A;x\n", "x/1.tif": "II*\x00garbage", "x/2.jpg": "not a jpeg at all", "x/3.png": "IMG"},
			[]string{"DIGITISED_UNREADABLE x/1.tif", "DIGITISED_UNREADABLE x/2.jpg"}},
		{"subfolder", map[string]string{
			MappingFile: "A;x\n", "x/1.png": "IMG", "x/sub/2.png": "IMG"},
			[]string{"DIGITISED_LAYOUT x/sub"}},
		{"empty mapping", map[string]string{MappingFile: "Signatur;Ordner\n"},
			[]string{"DIGITISED_MAPPING " + MappingFile}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			files := map[string]string{}
			for n, v := range c.files {
				if strings.HasSuffix(n, "/") {
					if err := os.MkdirAll(filepath.Join(root, n), 0o755); err != nil {
						t.Fatal(err)
					}
					continue
				}
				files[n] = v
			}
			write(t, root, files)
			tr, err := New().Read(context.Background(), root)
			if err != nil {
				t.Fatal(err)
			}
			want := c.want
			if c.name == "empty folder" {
				// y holds only an (empty) subfolder: a layout problem
				// and no image.
				want = []string{"DIGITISED_EMPTY y", "DIGITISED_LAYOUT y/.keep"}
			}
			slices.Sort(want)
			if got := codes(tr.Problems); !slices.Equal(got, want) {
				t.Errorf("problems = %q\nwant       %q\n%v", got, want, tr.Problems)
			}
			for _, p := range tr.Problems {
				if p.Severity != preservation.SeverityError || !strings.HasPrefix(p.Code, "DIGITISED_") || p.Message == "" {
					t.Errorf("problem %+v: want a coded error with a message", p)
				}
			}
		})
	}
}

func TestPageNumber(t *testing.T) {
	for name, want := range map[string]string{"0001.tif": "1", "a/seite_012.png": "12", "scan-3-v2.jpg": "2", "000.tif": "0", "titel.tif": ""} {
		got, ok := PageNumber(name)
		if got != want || ok != (want != "") {
			t.Errorf("PageNumber(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
}

// TestCodesDocumented checks that every problem code is documented in
// docs/problem-codes.md.
func TestCodesDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "problem-codes.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range Codes() {
		if !strings.Contains(string(doc), "| `"+code+"` | error |") {
			t.Errorf("%s is not documented in docs/problem-codes.md", code)
		}
	}
}
