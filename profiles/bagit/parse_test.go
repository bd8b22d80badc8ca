package bagit

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLines(t *testing.T) {
	for in, want := range map[string][]string{
		"":               nil,
		"a":              {"a"},
		"a\n":            {"a"},
		"a\r\nb\rc\nd":   {"a", "b", "c", "d"},
		"a\n\nb\r\n\r\n": {"a", "", "b", ""},
		"a\r":            {"a"},
		"\r\n":           {""},
		"a\n\r":          {"a", ""},
	} {
		var got []string
		for _, l := range lines([]byte(in)) {
			got = append(got, string(l))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("lines(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseDeclaration(t *testing.T) {
	good := map[string]Declaration{
		"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n":      {"1.0", 1, 0, "UTF-8"},
		"BagIt-Version: 0.97\r\nTag-File-Character-Encoding: UTF-8":     {"0.97", 0, 97, "UTF-8"},
		"BagIt-Version: 0.96\rTag-File-Character-Encoding: utf-8\r":     {"0.96", 0, 96, "utf-8"},
		"Tag-File-Character-Encoding: UTF-8\nBagIt-Version: 1.0\n\n":    {"1.0", 1, 0, "UTF-8"},
		"BagIt-Version: 1.0 \nTag-File-Character-Encoding:\tISO-8859-1": {"1.0", 1, 0, "ISO-8859-1"},
	}
	for in, want := range good {
		got, err := ParseDeclaration([]byte(in))
		if err != nil || got != want {
			t.Errorf("ParseDeclaration(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{
		"",
		"\uFEFFBagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
		"BagIt-Version : 1.0\nTag-File-Character-Encoding : UTF-8\n",
		"BagIt-Version:1.0\nTag-File-Character-Encoding: UTF-8\n",
		"BagIt-Version: 1.0\n",
		"Tag-File-Character-Encoding: UTF-8\n",
		"BagIt-Version: .97\nTag-File-Character-Encoding: UTF-8\n",
		"BagIt-Version: 1\nTag-File-Character-Encoding: UTF-8\n",
		"BagIt-Version: 1.0a\nTag-File-Character-Encoding: UTF-8\n",
		"BagIt-Version: 1.0\nBagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
		"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\nContact-Name: x\n",
		"BagIt-Version: 1.0\n\nTag-File-Character-Encoding: UTF-8\n",
		"bagit-version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
		"BagIt-Version 1.0\nTag-File-Character-Encoding: UTF-8\n",
	} {
		if d, err := ParseDeclaration([]byte(in)); err == nil {
			t.Errorf("ParseDeclaration(%q) = %+v, want an error", in, d)
		}
	}
	d := Declaration{Major: 0, Minor: 97}
	if !d.AtLeast(0, 96) || !d.AtLeast(0, 97) || d.AtLeast(1, 0) {
		t.Error("AtLeast")
	}
}

func TestParseBagInfo(t *testing.T) {
	in := "\uFEFFSource-Organization: Landesarchiv\r\n" +
		"External-Description: Akten des\n" +
		"   Bauamts\n" +
		"\t1990-2000\n" +
		"\n" +
		"Test-Tag : 3\n" +
		"Test-Tag    :   5\n" +
		"Empty:\n" +
		"   \n" +
		"URL: https://example.org/a:b\n" +
		"no colon here\n" +
		": no label\n"
	tags, errs := ParseBagInfo([]byte(in))
	want := []Tag{
		{1, "Source-Organization", "Landesarchiv"},
		{2, "External-Description", "Akten des Bauamts 1990-2000"},
		{6, "Test-Tag", "3"},
		{7, "Test-Tag", "5"},
		{8, "Empty", ""},
		{10, "URL", "https://example.org/a:b"},
	}
	if !reflect.DeepEqual(tags, want) {
		t.Errorf("tags\n got %+v\nwant %+v", tags, want)
	}
	if len(errs) != 2 || errs[0].Line != 11 || errs[1].Line != 12 {
		t.Errorf("errs %v", errs)
	}
	_, errs = ParseBagInfo([]byte("  leading continuation\nA: b\n"))
	if len(errs) != 1 || errs[0].Line != 1 {
		t.Errorf("errs %v", errs)
	}
}

func TestParseManifest(t *testing.T) {
	md5a := "751e32179ec8acd71081654527f2e771"
	in := md5a + "  data/a b.txt\r\n" +
		strings.ToUpper(md5a) + " data/%0Anewline%25%7E\n" +
		md5a + "\t./data/tab\n" +
		md5a + " *data/binary\n" +
		md5a + "  *data/star\n" +
		"\n" +
		md5a + "\n" +
		"xyz data/nothex\n" +
		md5a[:30] + " data/short\n" +
		" " + md5a + " data/leading\n" +
		md5a + " \n" +
		md5a + " data/trailing space \n"
	entries, errs := ParseManifest([]byte(in), "md5")
	want := []ManifestEntry{
		{1, md5a, "data/a b.txt", false},
		{2, md5a, "data/\nnewline%%7E", false},
		{3, md5a, "./data/tab", false},
		{4, md5a, "data/binary", true},
		{5, md5a, "*data/star", false},
		{12, md5a, "data/trailing space ", false},
	}
	if !reflect.DeepEqual(entries, want) {
		t.Errorf("entries\n got %+v\nwant %+v", entries, want)
	}
	var lines []int
	for _, e := range errs {
		lines = append(lines, e.Line)
	}
	if !reflect.DeepEqual(lines, []int{7, 8, 9, 10, 11}) {
		t.Errorf("error lines %v (%v)", lines, errs)
	}
	// An unknown algorithm skips the length check.
	if e, errs := ParseManifest([]byte("abc data/x"), "blake3"); len(errs) != 0 || len(e) != 1 {
		t.Errorf("unknown algorithm: %v %v", e, errs)
	}
}

func TestDecodeEncodePath(t *testing.T) {
	for in, want := range map[string]string{
		"data/plain":      "data/plain",
		"data/%0D%0a":     "data/\r\n",
		"data/%25":        "data/%",
		"data/%250A":      "data/%0A",
		"data/%7Etest":    "data/%7Etest",
		"data/%test2.txt": "data/%test2.txt",
		"data/%":          "data/%",
		"data/%2":         "data/%2",
		"%25%25":          "%%",
	} {
		if got := DecodePath(in); got != want {
			t.Errorf("DecodePath(%q) = %q, want %q", in, got, want)
		}
	}
	for _, s := range []string{"data/a\nb", "x%0Ay", "100%", "\r\r", "plain", "%25"} {
		if got := DecodePath(EncodePath(s)); got != s {
			t.Errorf("round trip %q -> %q -> %q", s, EncodePath(s), got)
		}
		if strings.ContainsAny(EncodePath(s), "\r\n") {
			t.Errorf("EncodePath(%q) = %q keeps a line break", s, EncodePath(s))
		}
	}
}

func TestCleanPath(t *testing.T) {
	for in, want := range map[string]string{
		"data/a":       "data/a",
		"./data/a":     "data/a",
		"././data/a b": "data/a b",
		"bagit.txt":    "bagit.txt",
		"data/..a":     "data/..a",
	} {
		if got, _, err := cleanPath(in); err != nil || got != want {
			t.Errorf("cleanPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "./", "/etc/passwd", "data/../x", "../x", "data//x", "data/./x", "data/", "data/x\x00", "data/.."} {
		if got, _, err := cleanPath(in); err == nil {
			t.Errorf("cleanPath(%q) = %q, want an error", in, got)
		}
	}
}

func FuzzParseManifest(f *testing.F) {
	for _, s := range []string{
		"751e32179ec8acd71081654527f2e771  data/bare-filename\n86e8261ae9e8397a3f57046923943a44  data/text-file.txt\n",
		"b1946ac92492d2347c6235b4d2611184 *data/hello.txt\r\n",
		"8ad8757baa8564dc136c1e07507f4a98 data/%7Edir2/test4.txt\r",
		"3e6ffc4a8a1f38a7094e15d2356d7252  ../../../README.md\n3e6ffc4a8a1f38a7094e15d2356d7252  \\.\\./README.md",
		"\uFEFFabc\tdata/%0D%0A%25\n\n  \nxyz",
		"e7c22b994c59d9cf2b48e549b1e24666636045930d3da7c1acb299d1c3b7f931f94aae41edda2c2b207a36e10f8bcb8d45223e54878f5b316e7ce3b6bc019629  ./data/hello.txt\n",
	} {
		f.Add([]byte(s), "md5")
		f.Add([]byte(s), "sha512")
	}
	f.Fuzz(func(t *testing.T, data []byte, alg string) {
		entries, errs := ParseManifest(data, alg)
		n := len(lines(data))
		last := 0
		for _, e := range entries {
			if e.Line <= last || e.Line > n {
				t.Fatalf("line %d out of order or range (last %d, %d lines)", e.Line, last, n)
			}
			last = e.Line
			if !isHex(e.Digest) || strings.ToLower(e.Digest) != e.Digest {
				t.Fatalf("digest %q", e.Digest)
			}
			if l, ok := digestLen[alg]; ok && len(e.Digest) != l {
				t.Fatalf("digest length %d for %s", len(e.Digest), alg)
			}
			if e.Path == "" {
				t.Fatal("empty path")
			}
			if DecodePath(EncodePath(e.Path)) != e.Path {
				t.Fatalf("path %q does not survive encoding", e.Path)
			}
			if clean, _, err := cleanPath(e.Path); err == nil {
				if strings.HasPrefix(clean, "/") || clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains(clean, "/../") {
					t.Fatalf("cleanPath(%q) = %q escapes", e.Path, clean)
				}
			}
		}
		for _, e := range errs {
			if e.Line < 1 || e.Line > n {
				t.Fatalf("error line %d of %d", e.Line, n)
			}
		}
	})
}

func FuzzParseBagInfo(f *testing.F) {
	for _, s := range []string{
		"Source-Organization: Spengler University\r\nExternal-Description: Uncompressed greyscale TIFF images from the\r\n         Yoshimuri papers collection.\r\n",
		"Bagging-Date: 2016-02-26\nBagging-Date: 2016-03-10\ncontact-name: Chris Adams\ncase-insensitivity-test: 3",
		"Test-Tag : 3\nTest-Tag    :   5\n",
		"FIELD_ORGANIZATION_ADDRESS: Suite 201\n   \n   New Westminster, BC\n\nX: y",
		"\uFEFF: nolabel\n  cont\nnocolon\n\xff\xfe: \x00",
		"Payload-Oxum: 58.2\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tags, errs := ParseBagInfo(data)
		last := 0
		for _, tag := range tags {
			if tag.Line <= last {
				t.Fatalf("line %d after %d", tag.Line, last)
			}
			last = tag.Line
			if tag.Label == "" || strings.TrimSpace(tag.Label) != tag.Label || strings.Contains(tag.Label, ":") {
				t.Fatalf("label %q", tag.Label)
			}
			if strings.TrimSpace(tag.Value) != tag.Value || strings.ContainsAny(tag.Value, "\r\n") {
				t.Fatalf("value %q", tag.Value)
			}
		}
		for _, e := range errs {
			if e.Line < 1 {
				t.Fatalf("error line %d", e.Line)
			}
		}
		if utf8.Valid(data) {
			for _, tag := range tags {
				if !utf8.ValidString(tag.Label + tag.Value) {
					t.Fatalf("invalid UTF-8 from valid input: %+v", tag)
				}
			}
		}
	})
}
