package bagit

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseDeclaration: bagit.txt never panics the parser; what it accepts
// has both elements, a version that is M.N with the numbers it reports, and
// written out again in the canonical form it parses to the same declaration.
func FuzzParseDeclaration(f *testing.F) {
	for _, s := range []string{
		"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
		"BagIt-Version: 0.97\r\nTag-File-Character-Encoding: ISO-8859-1\r\n",
		"Tag-File-Character-Encoding: UTF-8\rBagIt-Version: 1.0\r\r\n",
		"\xEF\xBB\xBFBagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
		"BagIt-Version:1.0\nTag-File-Character-Encoding: UTF-8\n",
		"BagIt-Version: 1.0\nBagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
		"BagIt-Version: 1000000.0\nTag-File-Character-Encoding: UTF-8\n",
		"BagIt-Version: 1.\nTag-File-Character-Encoding: \t\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDeclaration(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("error without message")
			}
			return
		}
		if d.Version == "" || d.Encoding == "" || d.Major < 0 || d.Minor < 0 {
			t.Fatalf("accepted %+v", d)
		}
		maj, min, _ := strings.Cut(d.Version, ".")
		if trimZeros(maj) != fmt.Sprint(d.Major) || trimZeros(min) != fmt.Sprint(d.Minor) {
			t.Fatalf("version %q parsed as %d.%d", d.Version, d.Major, d.Minor)
		}
		again, err := ParseDeclaration([]byte("BagIt-Version: " + d.Version + "\nTag-File-Character-Encoding: " + d.Encoding + "\n"))
		if err != nil || again != d {
			t.Fatalf("canonical form of %+v parses to %+v, %v", d, again, err)
		}
	})
}

func trimZeros(s string) string {
	if t := strings.TrimLeft(s, "0"); t != "" {
		return t
	}
	return "0"
}

// FuzzParseFetch: fetch.txt never panics the parser; entries and errors
// carry line numbers in order and in range, each entry has an absolute URL,
// a length of -1 or more and a path, and the entries written out again
// (path percent-encoded) parse to the same entries.
func FuzzParseFetch(f *testing.F) {
	for _, s := range []string{
		"https://example.org/a.txt 5 data/a.txt\n",
		"http://x/y - data/with space.txt\r\nftp://h/z 0\tdata/%0A.txt\r",
		"\xEF\xBB\xBFhttps://e/x 12 ../../etc/passwd\n  indented 1 data/x\n",
		"relative/url 1 data/x\nhttps://e/x -1 data/x\nhttps://e/x 99999999999999999999 data/x\n",
		"https://e/x 1 data/x\nhttps://e/x 1 data/x\n\n\nmailto:a@b 1 /abs\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, errs := ParseFetch(data)
		n := len(lines(trimBOM(data)))
		last := 0
		var out strings.Builder
		for _, e := range entries {
			if e.Line <= last || e.Line > n {
				t.Fatalf("line %d after %d of %d", e.Line, last, n)
			}
			last = e.Line
			if u, err := url.Parse(e.URL); err != nil || !u.IsAbs() || strings.ContainsAny(e.URL, " \t\r\n") {
				t.Fatalf("URL %q", e.URL)
			}
			if e.Length < -1 || e.Path == "" {
				t.Fatalf("entry %+v", e)
			}
			length := "-"
			if e.Length >= 0 {
				length = fmt.Sprint(e.Length)
			}
			fmt.Fprintf(&out, "%s %s %s\n", e.URL, length, EncodePath(e.Path))
		}
		for _, e := range errs {
			if e.Line < 1 || e.Line > n || e.Msg == "" {
				t.Fatalf("error %+v of %d lines", e, n)
			}
		}
		again, errs2 := ParseFetch([]byte(out.String()))
		if len(errs2) > 0 || len(again) != len(entries) {
			t.Fatalf("written out again: %d entries, errors %v (was %d)\n%s", len(again), errs2, len(entries), out.String())
		}
		for i := range again {
			a, b := again[i], entries[i]
			if a.URL != b.URL || a.Length != b.Length || a.Path != b.Path {
				t.Fatalf("entry %d: %+v, was %+v", i, a, b)
			}
		}
	})
}

// FuzzDecode: every supported tag file encoding turns any bytes into valid
// UTF-8, with or without an error, and valid input decodes without one in
// the single-byte encodings that define every byte.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("Source-Organization: Stadtarchiv M\xfcnchen\n"))
	f.Add([]byte("\xff\xfeS\x00o\x00"))
	f.Add([]byte("\xfe\xff\x00S\xd8\x00"))
	f.Add([]byte("\x81\x8d\x8f\x90\x9d"))
	f.Add([]byte("\xEF\xBB\xBFBag\xc3"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range SupportedEncodings() {
			e, ok := LookupEncoding(name)
			if !ok {
				t.Fatalf("supported encoding %q not found", name)
			}
			out, err := Decode(e, data)
			if !utf8.Valid(out) {
				t.Fatalf("%s: invalid UTF-8 out of %q (err %v)", name, data, err)
			}
			if e == EncodingLatin1 && err != nil {
				t.Fatalf("ISO-8859-1 defines every byte, got %v", err)
			}
			if e == EncodingUTF8 && err == nil && string(out) != strings.TrimPrefix(string(data), "\xEF\xBB\xBF") {
				t.Fatalf("UTF-8 changed valid input")
			}
		}
	})
}
