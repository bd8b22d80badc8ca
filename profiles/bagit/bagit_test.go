package bagit

import (
	"context"
	"crypto/sha3"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/profiles"
)

var _ profiles.Profile = New()

// testBag describes a bag for makeBag.
type testBag struct {
	version string            // BagIt-Version, default "1.0"
	payload map[string]string // path below data/ -> content
	algs    []string          // payload manifest algorithms, default sha512
	info    string            // bag-info.txt content; "" writes a default one with Payload-Oxum
	noInfo  bool              // write no bag-info.txt
	tagAlgs []string          // tag manifest algorithms, default sha256
}

// makeBag writes a valid bag into a new directory "bag" and returns its path.
func makeBag(t *testing.T, b testBag) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "bag")
	if b.version == "" {
		b.version = "1.0"
	}
	if b.payload == nil {
		b.payload = map[string]string{"Akte 1/Brief.txt": "Sehr geehrte Damen und Herren,\n", "Übersicht.txt": "Übersicht\n"}
	}
	if b.algs == nil {
		b.algs = []string{"sha512"}
	}
	if b.tagAlgs == nil {
		b.tagAlgs = []string{"sha256"}
	}
	write(t, root, "bagit.txt", "BagIt-Version: "+b.version+"\nTag-File-Character-Encoding: UTF-8\n")
	names := make([]string, 0, len(b.payload))
	var octets int
	for name, content := range b.payload {
		write(t, root, "data/"+name, content)
		names = append(names, name)
		octets += len(content)
	}
	if len(b.payload) == 0 {
		if err := os.MkdirAll(filepath.Join(root, "data"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(names)
	for _, alg := range b.algs {
		var m strings.Builder
		for _, name := range names {
			fmt.Fprintf(&m, "%s  %s\n", digest(t, alg, b.payload[name]), EncodePath("data/"+name))
		}
		write(t, root, "manifest-"+alg+".txt", m.String())
	}
	if !b.noInfo {
		info := b.info
		if info == "" {
			info = fmt.Sprintf("Source-Organization: Stadtarchiv\nBagging-Date: 2024-05-02\nPayload-Oxum: %d.%d\n", octets, len(names))
		}
		write(t, root, "bag-info.txt", info)
	}
	retag(t, root, b.tagAlgs...)
	return root
}

// retag rewrites the tag manifests of the given algorithms over every tag
// file at the root except tag manifests.
func retag(t *testing.T, root string, algs ...string) {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range algs {
		var m strings.Builder
		for _, e := range entries {
			if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), "tagmanifest-") {
				continue
			}
			b, err := os.ReadFile(filepath.Join(root, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&m, "%s %s\n", digest(t, alg, string(b)), e.Name())
		}
		write(t, root, "tagmanifest-"+alg+".txt", m.String())
	}
}

func write(t *testing.T, root, name, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendTo(t *testing.T, root, name, content string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	write(t, root, name, string(b)+content)
}

func remove(t *testing.T, root, name string) {
	t.Helper()
	if err := os.RemoveAll(filepath.Join(root, filepath.FromSlash(name))); err != nil {
		t.Fatal(err)
	}
}

func digest(t *testing.T, alg, content string) string {
	t.Helper()
	h := newHash(alg)
	if h == nil {
		switch alg {
		case "sha3-256":
			h = sha3.New256()
		default:
			t.Fatalf("no hash %s", alg)
		}
	}
	h.Write([]byte(content))
	return hex.EncodeToString(h.Sum(nil))
}

func read(t *testing.T, root string) *profiles.Transfer {
	t.Helper()
	tr, err := New().Read(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// problemSet renders problems as "severity CODE path" for comparison.
func problemSet(ps preservation.Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Severity+" "+p.Code+" "+p.Path)
	}
	slices.Sort(out)
	return out
}

func TestValidBag(t *testing.T) {
	root := makeBag(t, testBag{
		algs: []string{"sha512", "md5", "sha256", "sha1"},
		info: "Source-Organization: Stadtarchiv\n" +
			"External-Identifier: AZ 4711\n" +
			"source-organization: Kreisarchiv\n" +
			"Contact-Name: A\nCONTACT-NAME: B\ncontact-name: C\n" +
			"X-Custom: eins\n  zwei\n" +
			"Payload-Oxum: 42.2\n",
		tagAlgs: []string{"sha256", "md5"},
	})
	write(t, root, "tags/extra.xml", "<x/>")
	p := New()
	if p.Name() != "bagit" || !p.Detect(root) {
		t.Fatal("Name/Detect")
	}
	tr := read(t, root)
	if len(tr.Problems) != 0 {
		t.Fatalf("problems: %v", tr.Problems)
	}
	if tr.Profile != "bagit" || tr.Title != "AZ 4711" {
		t.Errorf("Profile %q Title %q", tr.Profile, tr.Title)
	}
	payload := map[string]string{"Akte 1/Brief.txt": "Sehr geehrte Damen und Herren,\n", "Übersicht.txt": "Übersicht\n"}
	var names []string
	for _, f := range tr.Files {
		names = append(names, f.Name)
		content := payload[f.Name]
		if f.Size != int64(len(content)) || f.Path != filepath.Join(root, "data", filepath.FromSlash(f.Name)) {
			t.Errorf("%s: size %d path %s", f.Name, f.Size, f.Path)
		}
		want := map[string]string{}
		for _, alg := range []string{"md5", "sha1", "sha256", "sha512"} {
			want[alg] = digest(t, alg, content)
		}
		if !equalMaps(f.Declared, want) {
			t.Errorf("%s: declared %v, want %v", f.Name, f.Declared, want)
		}
	}
	if !slices.Equal(names, []string{"Akte 1/Brief.txt", "Übersicht.txt"}) {
		t.Errorf("names %q", names)
	}
	var meta []string
	for _, f := range tr.Metadata {
		meta = append(meta, f.Name)
		if f.Path != filepath.Join(root, filepath.FromSlash(f.Name)) {
			t.Errorf("%s: path %s", f.Name, f.Path)
		}
	}
	wantMeta := []string{"bag-info.txt", "bagit.txt", "manifest-md5.txt", "manifest-sha1.txt", "manifest-sha256.txt",
		"manifest-sha512.txt", "tagmanifest-md5.txt", "tagmanifest-sha256.txt", "tags/extra.xml"}
	if !slices.Equal(meta, wantMeta) {
		t.Errorf("metadata\n got %q\nwant %q", meta, wantMeta)
	}
	if d := tr.Metadata[1].Declared; d["md5"] == "" || d["sha256"] == "" {
		t.Errorf("bagit.txt declared %v", d)
	}
	desc := tr.Description
	for k, want := range map[string]any{
		"BagIt-Version":       "1.0",
		"Source-Organization": []string{"Stadtarchiv", "Kreisarchiv"},
		"External-Identifier": "AZ 4711",
		"Contact-Name":        []string{"A", "B", "C"},
		"X-Custom":            "eins zwei",
		"Payload-Oxum":        "42.2",
	} {
		if fmt.Sprint(desc[k]) != fmt.Sprint(want) {
			t.Errorf("Description[%s] = %#v, want %#v", k, desc[k], want)
		}
	}
	if len(desc) != 6 {
		t.Errorf("Description %v", desc)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestTitle(t *testing.T) {
	for info, want := range map[string]string{
		"External-Description: Bauakten\nExternal-Identifier: AZ 1\n": "Bauakten",
		"External-Identifier: AZ 1\nExternal-Identifier: AZ 2\n":      "AZ 1",
		"Source-Organization: X\n":                                    "bag",
		"External-Description:\nExternal-Identifier: AZ 3\n":          "AZ 3",
	} {
		root := makeBag(t, testBag{info: info})
		if tr := read(t, root); tr.Title != want || tr.Problems.HasErrors() {
			t.Errorf("%q: title %q, problems %v", info, tr.Title, tr.Problems)
		}
	}
	root := makeBag(t, testBag{noInfo: true})
	if tr := read(t, root); tr.Title != "bag" || len(tr.Problems) != 0 {
		t.Errorf("no bag-info: title %q problems %v", tr.Title, tr.Problems)
	}
}

func TestEncodedNames(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("names with line breaks")
	}
	payload := map[string]string{
		"line\nbreak.txt": "a",
		"car\rriage.txt":  "b",
		"100%.txt":        "c",
		"x%0Ay.txt":       "d",
		"%7Etilde.txt":    "e",
	}
	root := makeBag(t, testBag{payload: payload})
	b, _ := os.ReadFile(filepath.Join(root, "manifest-sha512.txt"))
	for _, enc := range []string{"data/line%0Abreak.txt", "data/car%0Driage.txt", "data/100%25.txt", "data/x%250Ay.txt", "data/%257Etilde.txt"} {
		if !strings.Contains(string(b), enc) {
			t.Errorf("manifest lacks %q:\n%s", enc, b)
		}
	}
	tr := read(t, root)
	if len(tr.Problems) != 0 {
		t.Fatalf("problems %v", tr.Problems)
	}
	for _, f := range tr.Files {
		if f.Declared["sha512"] != digest(t, "sha512", payload[f.Name]) {
			t.Errorf("%q: declared %v", f.Name, f.Declared)
		}
	}
	if len(tr.Files) != len(payload) {
		t.Errorf("files %v", tr.Files)
	}
}

func TestLineEndings(t *testing.T) {
	for name, eol := range map[string]string{"crlf": "\r\n", "cr": "\r"} {
		t.Run(name, func(t *testing.T) {
			root := makeBag(t, testBag{algs: []string{"md5"}})
			for _, f := range []string{"bagit.txt", "bag-info.txt", "manifest-md5.txt"} {
				b, _ := os.ReadFile(filepath.Join(root, f))
				write(t, root, f, strings.TrimSuffix(strings.ReplaceAll(string(b), "\n", eol), eol))
			}
			retag(t, root, "sha256")
			if tr := read(t, root); len(tr.Problems) != 0 || len(tr.Files[0].Declared) != 1 {
				t.Errorf("problems %v files %v", tr.Problems, tr.Files)
			}
		})
	}
}

func TestPackageInfo(t *testing.T) {
	root := makeBag(t, testBag{version: "0.95", noInfo: true})
	write(t, root, "package-info.txt", "External-Identifier: alt\nPayload-Oxum: 1.1\n")
	tr := read(t, root)
	if tr.Title != "alt" || !slices.Equal(problemSet(tr.Problems), []string{"error BAGIT_OXUM bag-info.txt"}) {
		t.Errorf("title %q problems %v", tr.Title, tr.Problems)
	}
	// From 0.96 on package-info.txt is just another tag file.
	root = makeBag(t, testBag{version: "0.96", noInfo: true})
	write(t, root, "package-info.txt", "External-Identifier: alt\n")
	if tr := read(t, root); tr.Title != "bag" || len(tr.Problems) != 0 {
		t.Errorf("0.96: title %q problems %v", tr.Title, tr.Problems)
	}
}

func TestProblems(t *testing.T) {
	const md5x = "9dd4e461268c8034f5c8564e155c67a6"
	sha512x := strings.Repeat("ab", 64)
	tests := []struct {
		name  string
		bag   testBag
		edit  func(t *testing.T, root string)
		want  []string // problemSet
		retag bool     // rewrite the tag manifest after edit
	}{
		{name: "no declaration",
			edit: func(t *testing.T, root string) { remove(t, root, "bagit.txt") },
			want: []string{"error BAGIT_NO_DECLARATION bagit.txt", "error BAGIT_TAG_MISSING bagit.txt"}},
		{name: "declaration with BOM", retag: true,
			edit: func(t *testing.T, root string) {
				write(t, root, "bagit.txt", "\uFEFFBagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
			},
			want: []string{"error BAGIT_DECLARATION bagit.txt"}},
		{name: "declaration whitespace before colon", retag: true,
			edit: func(t *testing.T, root string) {
				write(t, root, "bagit.txt", "BagIt-Version : 1.0\nTag-File-Character-Encoding : UTF-8\n")
			},
			want: []string{"error BAGIT_DECLARATION bagit.txt"}},
		{name: "declaration version 2", retag: true,
			edit: func(t *testing.T, root string) {
				write(t, root, "bagit.txt", "BagIt-Version: 2.0\nTag-File-Character-Encoding: UTF-8\n")
			},
			want: []string{"error BAGIT_DECLARATION bagit.txt"}},
		{name: "declared encoding not supported", retag: true,
			edit: func(t *testing.T, root string) {
				write(t, root, "bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: Shift_JIS\n")
				write(t, root, "bag-info.txt", "Source-Organization: M\xfcnchen\n")
			},
			want: []string{"error BAGIT_ENCODING bagit.txt"}},
		{name: "bag-info not in the declared encoding", retag: true,
			edit: func(t *testing.T, root string) {
				write(t, root, "bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: US-ASCII\n")
				write(t, root, "bag-info.txt", "Source-Organization: M\xfcnchen\n")
				b, _ := os.ReadFile(filepath.Join(root, "manifest-sha512.txt"))
				write(t, root, "manifest-sha512.txt", strings.ReplaceAll(string(b), "\u00dc", "\xdc"))
			},
			want: []string{"error BAGIT_ENCODING bag-info.txt", "error BAGIT_ENCODING manifest-sha512.txt"}},
		{name: "bag-info not UTF-8", retag: true,
			edit: func(t *testing.T, root string) {
				write(t, root, "bag-info.txt", "Source-Organization: M\xfcnchen\n")
			},
			want: []string{"error BAGIT_ENCODING bag-info.txt"}},
		{name: "bag-info syntax", retag: true,
			edit: func(t *testing.T, root string) { appendTo(t, root, "bag-info.txt", "no colon\n") },
			want: []string{"error BAGIT_BAGINFO_SYNTAX bag-info.txt"}},
		{name: "no payload directory",
			bag:  testBag{payload: map[string]string{}, noInfo: true},
			edit: func(t *testing.T, root string) { remove(t, root, "data") },
			want: []string{"error BAGIT_NO_PAYLOAD data"}},
		{name: "no manifest",
			edit: func(t *testing.T, root string) { remove(t, root, "manifest-sha512.txt") },
			want: []string{"error BAGIT_NO_MANIFEST ", "error BAGIT_TAG_MISSING manifest-sha512.txt"}},
		{name: "only unsupported algorithm",
			bag:  testBag{algs: []string{"sha3-256"}},
			want: []string{"error BAGIT_NO_MANIFEST ", "warning BAGIT_ALGORITHM manifest-sha3-256.txt"}},
		{name: "unsupported tag manifest algorithm",
			bag:  testBag{tagAlgs: []string{"sha3-256"}},
			want: []string{"warning BAGIT_ALGORITHM tagmanifest-sha3-256.txt"}},
		{name: "extra payload file",
			bag:  testBag{noInfo: true},
			edit: func(t *testing.T, root string) { write(t, root, "data/extra.txt", "x") },
			want: []string{"error BAGIT_UNLISTED data/extra.txt"}},
		{name: "file not in every manifest", retag: true,
			bag: testBag{algs: []string{"sha512", "md5"}},
			edit: func(t *testing.T, root string) {
				b, _ := os.ReadFile(filepath.Join(root, "manifest-md5.txt"))
				write(t, root, "manifest-md5.txt", strings.SplitAfter(string(b), "\n")[0])
			},
			want: []string{"error BAGIT_UNLISTED data/Übersicht.txt"}},
		{name: "manifest entry without file", retag: true,
			bag:  testBag{noInfo: true},
			edit: func(t *testing.T, root string) { remove(t, root, "data/Übersicht.txt") },
			want: []string{"error BAGIT_MISSING data/Übersicht.txt"}},
		{name: "manifest entry for a directory", retag: true,
			edit: func(t *testing.T, root string) {
				appendTo(t, root, "manifest-sha512.txt", sha512x+"  data/Akte 1\n")
			},
			want: []string{"error BAGIT_MISSING data/Akte 1"}},
		{name: "traversal", retag: true,
			edit: func(t *testing.T, root string) {
				appendTo(t, root, "manifest-sha512.txt", sha512x+"  data/../../etc/passwd\n")
				appendTo(t, root, "manifest-sha512.txt", sha512x+"  ../outside\n")
			},
			want: []string{"error BAGIT_BAD_PATH manifest-sha512.txt", "error BAGIT_BAD_PATH manifest-sha512.txt"}},
		{name: "absolute path", retag: true,
			edit: func(t *testing.T, root string) { appendTo(t, root, "manifest-sha512.txt", sha512x+"  /etc/passwd\n") },
			want: []string{"error BAGIT_BAD_PATH manifest-sha512.txt"}},
		{name: "payload manifest lists tag file", retag: true,
			edit: func(t *testing.T, root string) { appendTo(t, root, "manifest-sha512.txt", sha512x+"  bagit.txt\n") },
			want: []string{"error BAGIT_BAD_PATH manifest-sha512.txt"}},
		{name: "tag manifest lists payload file",
			edit: func(t *testing.T, root string) {
				appendTo(t, root, "tagmanifest-sha256.txt", digest(t, "sha256", "Übersicht\n")+" data/Übersicht.txt\n")
			},
			want: []string{"error BAGIT_BAD_PATH tagmanifest-sha256.txt"}},
		{name: "tag manifest traversal",
			edit: func(t *testing.T, root string) {
				appendTo(t, root, "tagmanifest-sha256.txt", strings.Repeat("0", 64)+" ../../secret\n")
			},
			want: []string{"error BAGIT_BAD_PATH tagmanifest-sha256.txt"}},
		{name: "manifest syntax", retag: true,
			edit: func(t *testing.T, root string) {
				appendTo(t, root, "manifest-sha512.txt", "nothex data/x\n"+md5x+" data/Übersicht.txt\njustonefield\n")
			},
			want: []string{"error BAGIT_MANIFEST_SYNTAX manifest-sha512.txt", "error BAGIT_MANIFEST_SYNTAX manifest-sha512.txt",
				"error BAGIT_MANIFEST_SYNTAX manifest-sha512.txt"}},
		{name: "duplicate same digest 1.0", retag: true,
			edit: func(t *testing.T, root string) {
				appendTo(t, root, "manifest-sha512.txt", digest(t, "sha512", "Übersicht\n")+"  data/Übersicht.txt\n")
			},
			want: []string{"error BAGIT_DUPLICATE manifest-sha512.txt"}},
		{name: "duplicate same digest 0.97", retag: true,
			bag: testBag{version: "0.97"},
			edit: func(t *testing.T, root string) {
				appendTo(t, root, "manifest-sha512.txt", digest(t, "sha512", "Übersicht\n")+"  ./data/Übersicht.txt\n")
			},
			want: []string{"warning BAGIT_DOT_PATH manifest-sha512.txt", "warning BAGIT_DUPLICATE manifest-sha512.txt"}},
		{name: "duplicate different digest 0.97", retag: true,
			bag: testBag{version: "0.97"},
			edit: func(t *testing.T, root string) {
				appendTo(t, root, "manifest-sha512.txt", sha512x+"  data/Übersicht.txt\n")
			},
			want: []string{"error BAGIT_DUPLICATE manifest-sha512.txt"}},
		{name: "oxum mismatch", retag: true,
			edit: func(t *testing.T, root string) { appendTo(t, root, "bag-info.txt", "Payload-Oxum: 42.3\n") },
			want: []string{"error BAGIT_OXUM bag-info.txt"}},
		{name: "oxum malformed", retag: true,
			bag:  testBag{info: "Payload-Oxum: 42\n"},
			want: []string{"error BAGIT_OXUM bag-info.txt"}},
		{name: "oxum sign", retag: true,
			bag:  testBag{info: "Payload-Oxum: +42.2\n"},
			want: []string{"error BAGIT_OXUM bag-info.txt"}},
		{name: "fetch a file listed in the manifest", retag: true,
			edit: func(t *testing.T, root string) {
				appendTo(t, root, "manifest-sha512.txt", sha512x+"  data/x y\n")
				appendTo(t, root, "bag-info.txt", "Payload-Oxum: 43.3\n")
				write(t, root, "fetch.txt", "https://example.org/x%20y 1 data/x y\n")
			},
			want: []string{"error BAGIT_FETCH data/x y"}},
		{name: "fetch a file not in the manifest", retag: true,
			bag:  testBag{noInfo: true},
			edit: func(t *testing.T, root string) { write(t, root, "fetch.txt", "https://example.org/x - data/x\n") },
			want: []string{"error BAGIT_FETCH data/x", "error BAGIT_UNLISTED data/x"}},
		{name: "fetch lists files already in the bag", retag: true,
			edit: func(t *testing.T, root string) {
				write(t, root, "fetch.txt", "https://example.org/a 31 data/Akte%201/Brief.txt\r\n"+
					"ftp://example.org/b\t-\tdata/%C3%9Cbersicht.txt\r\n")
				write(t, root, "fetch.txt", "https://example.org/a 31 data/Akte 1/Brief.txt\r\nftp://example.org/b\t-\tdata/Übersicht.txt\r\n")
			},
			want: []string{"warning BAGIT_FETCH fetch.txt"}},
		{name: "fetch length differs", retag: true,
			edit: func(t *testing.T, root string) {
				write(t, root, "fetch.txt", "https://example.org/a 30 data/Akte 1/Brief.txt\n")
			},
			want: []string{"warning BAGIT_FETCH data/Akte 1/Brief.txt", "warning BAGIT_FETCH fetch.txt"}},
		{name: "fetch syntax", retag: true,
			edit: func(t *testing.T, root string) {
				write(t, root, "fetch.txt", "example.org/a - data/a\nhttps://example.org/b 12k data/b\n"+
					"https://example.org/c 1\n https://example.org/d - data/d\n"+
					"https://example.org/a 31 data/Akte 1/Brief.txt\nhttps://example.org/a 31 data/Akte 1/Brief.txt\n")
			},
			want: []string{"error BAGIT_FETCH_SYNTAX fetch.txt", "error BAGIT_FETCH_SYNTAX fetch.txt", "error BAGIT_FETCH_SYNTAX fetch.txt",
				"error BAGIT_FETCH_SYNTAX fetch.txt", "error BAGIT_FETCH_SYNTAX fetch.txt", "warning BAGIT_FETCH fetch.txt"}},
		{name: "fetch paths out of scope", retag: true,
			edit: func(t *testing.T, root string) {
				write(t, root, "fetch.txt", "https://example.org/a - ../../../README.md\nhttps://example.org/b - /tmp/test.txt\n"+
					"https://example.org/c - ~/test.txt\nhttps://example.org/d - C:\\Windows\\System32\\setx.exe\n"+
					"https://example.org/e - bag-info.txt\n")
			},
			want: []string{"error BAGIT_BAD_PATH fetch.txt", "error BAGIT_BAD_PATH fetch.txt", "error BAGIT_BAD_PATH fetch.txt",
				"error BAGIT_BAD_PATH fetch.txt", "error BAGIT_BAD_PATH fetch.txt"}},
		{name: "empty fetch", retag: true,
			edit: func(t *testing.T, root string) { write(t, root, "fetch.txt", "\n  \r\n") },
			want: nil},
		{name: "tag file missing",
			edit: func(t *testing.T, root string) { remove(t, root, "bag-info.txt") },
			want: []string{"error BAGIT_TAG_MISSING bag-info.txt"}},
		{name: "tag file changed",
			edit: func(t *testing.T, root string) { appendTo(t, root, "bag-info.txt", "Contact-Name: X\n") },
			want: []string{"error BAGIT_TAG_DIGEST bag-info.txt"}},
		{name: "binary marker", retag: true,
			bag: testBag{algs: []string{"md5"}},
			edit: func(t *testing.T, root string) {
				b, _ := os.ReadFile(filepath.Join(root, "manifest-md5.txt"))
				write(t, root, "manifest-md5.txt", strings.ReplaceAll(string(b), "  data/", " *data/"))
			},
			want: []string{"warning BAGIT_BINARY_MARKER manifest-md5.txt"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := makeBag(t, tc.bag)
			if tc.edit != nil {
				tc.edit(t, root)
			}
			if tc.retag {
				retag(t, root, "sha256")
			}
			tr := read(t, root)
			if got := problemSet(tr.Problems); !slices.Equal(got, tc.want) {
				t.Errorf("problems\n got %q\nwant %q\n%v", got, tc.want, tr.Problems)
			}
			for _, p := range tr.Problems {
				if p.Message == "" {
					t.Errorf("%s without message", p.Code)
				}
			}
		})
	}
}

func TestLinks(t *testing.T) {
	root := makeBag(t, testBag{noInfo: true})
	outside := t.TempDir()
	write(t, outside, "secret", "s")
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "data", "link.txt")); err != nil {
		t.Skipf("symlinks: %v", err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "data", "Akte 1", "linkdir")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "extra-tag.txt")); err != nil {
		t.Fatal(err)
	}
	// A manifest entry for the link is not also "missing".
	appendTo(t, root, "manifest-sha512.txt", digest(t, "sha512", "s")+"  data/link.txt\n")
	retag(t, root, "sha256")
	tr := read(t, root)
	want := []string{"error BAGIT_LINK data/Akte 1/linkdir", "error BAGIT_LINK data/link.txt", "error BAGIT_LINK extra-tag.txt"}
	if got := problemSet(tr.Problems); !slices.Equal(got, want) {
		t.Errorf("problems\n got %q\nwant %q", got, want)
	}
	for _, f := range append(tr.Files, tr.Metadata...) {
		if strings.Contains(f.Name, "link") || strings.Contains(f.Name, "secret") || f.Name == "extra-tag.txt" {
			t.Errorf("followed a link: %s", f.Name)
		}
	}

	// A linked payload directory or declaration.
	root = makeBag(t, testBag{noInfo: true})
	remove(t, root, "data")
	if err := os.Symlink(outside, filepath.Join(root, "data")); err != nil {
		t.Fatal(err)
	}
	remove(t, root, "bagit.txt")
	write(t, outside, "bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
	if err := os.Symlink(filepath.Join(outside, "bagit.txt"), filepath.Join(root, "bagit.txt")); err != nil {
		t.Fatal(err)
	}
	if New().Detect(root) {
		t.Error("Detect follows a linked bagit.txt")
	}
	tr = read(t, root)
	want = []string{"error BAGIT_LINK bagit.txt", "error BAGIT_LINK data", "error BAGIT_NO_PAYLOAD data"}
	if got := problemSet(tr.Problems); !slices.Equal(got, want) {
		t.Errorf("problems\n got %q\nwant %q", got, want)
	}
	if len(tr.Files) != 0 {
		t.Errorf("files %v", tr.Files)
	}
}

func TestDetect(t *testing.T) {
	root := makeBag(t, testBag{})
	if !New().Detect(root) {
		t.Error("bag not detected")
	}
	remove(t, root, "bagit.txt")
	if New().Detect(root) {
		t.Error("detected without bagit.txt")
	}
	if New().Detect(filepath.Join(root, "missing")) {
		t.Error("detected a missing directory")
	}
}

func TestReadErrors(t *testing.T) {
	root := makeBag(t, testBag{})
	if _, err := New().Read(context.Background(), filepath.Join(root, "bagit.txt")); err == nil {
		t.Error("file as root: no error")
	}
	if _, err := New().Read(context.Background(), filepath.Join(root, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing root: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New().Read(ctx, root); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestTestdata reads the committed bags in testdata/bagit: valid/* must
// have no error, bad/<CODE>_<what> must report CODE as an error.
func TestTestdata(t *testing.T) {
	base := filepath.Join("..", "..", "testdata", "bagit")
	for _, kind := range []string{"valid", "bad"} {
		dirs, err := os.ReadDir(filepath.Join(base, kind))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range dirs {
			dir := filepath.Join(base, kind, d.Name())
			t.Run(kind+"/"+d.Name(), func(t *testing.T) {
				tr := read(t, dir)
				ps := append(tr.Problems, verifyPayload(t, tr)...)
				if kind == "valid" {
					if ps.HasErrors() {
						t.Errorf("errors: %v", ps)
					}
					return
				}
				code := codeOf(d.Name())
				for _, p := range ps {
					if p.Code == code && p.Severity == preservation.SeverityError {
						return
					}
				}
				t.Errorf("no error %s: %v", code, ps)
			})
		}
	}
}

// codeOf returns the problem code a fixture directory is named after: the
// leading upper-case words, e.g. "BAGIT_TAG_DIGEST" of
// "BAGIT_TAG_DIGEST_bag_info_changed".
func codeOf(name string) string {
	var words []string
	for _, w := range strings.Split(name, "_") {
		if w == "" || strings.ToUpper(w) != w {
			break
		}
		words = append(words, w)
	}
	return strings.Join(words, "_")
}

// TestCodesDocumented checks that every problem code is documented in
// docs/problem-codes.md.
func TestCodesDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "problem-codes.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{
		CodeNoDeclaration, CodeDeclaration, CodeEncoding, CodeNoPayload, CodeNoManifest, CodeAlgorithm,
		CodeManifestSyntax, CodeDuplicate, CodeBadPath, CodeDotPath, CodeBinaryMarker, CodeUnlisted,
		CodeMissing, CodeBagInfo, CodeOxum, CodeFetch, CodeLink, CodeSpecial, CodeTagMissing,
		CodeTagDigest, CodeTooLarge, CodeFetchSyntax, CodeCase, CodeNormalization, CodeSystemFile,
	} {
		if !strings.Contains(string(doc), "`"+code+"`") {
			t.Errorf("%s is not documented in docs/problem-codes.md", code)
		}
	}
}

func TestAlgorithms(t *testing.T) {
	a := Algorithms()
	if !slices.Equal(a, []string{"sha512", "sha384", "sha256", "sha224", "sha1", "md5"}) {
		t.Errorf("Algorithms() = %v", a)
	}
	a[0] = "changed"
	if Algorithms()[0] != "sha512" {
		t.Error("Algorithms() shares its slice")
	}
	for _, alg := range a[1:] {
		if newHash(alg) == nil {
			t.Errorf("no hash for %s", alg)
		}
	}
}
