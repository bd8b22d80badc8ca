package bagit

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
)

func TestLookupEncoding(t *testing.T) {
	for name, want := range map[string]Encoding{
		"UTF-8": EncodingUTF8, "utf-8": EncodingUTF8, " UTF8 ": EncodingUTF8,
		"ISO-8859-1": EncodingLatin1, "latin1": EncodingLatin1, "ISO_8859-1:1987": EncodingLatin1,
		"Windows-1252": EncodingCP1252, "US-ASCII": EncodingASCII,
		"UTF-16": EncodingUTF16, "utf-16be": EncodingUTF16BE, "UTF-16LE": EncodingUTF16LE,
	} {
		if got, ok := LookupEncoding(name); !ok || got != want {
			t.Errorf("LookupEncoding(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
	for _, name := range []string{"", "Shift_JIS", "EBCDIC-US", "UTF-32", "ISO-8859-15"} {
		if _, ok := LookupEncoding(name); ok {
			t.Errorf("LookupEncoding(%q) is supported", name)
		}
	}
	for _, name := range SupportedEncodings() {
		if e, ok := LookupEncoding(name); !ok || string(e) != name {
			t.Errorf("SupportedEncodings lists %q, LookupEncoding gives %q, %v", name, e, ok)
		}
	}
}

func utf16Bytes(s string, bigEndian, bom bool) []byte {
	var b []byte
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	for _, u := range units {
		if bigEndian {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return b
}

func TestDecode(t *testing.T) {
	const text = "Source-Organization: Stadtarchiv München – Außenstelle 𝄞\n"
	good := []struct {
		enc  Encoding
		in   []byte
		want string
	}{
		{EncodingUTF8, []byte(text), text},
		{EncodingUTF8, append([]byte{0xEF, 0xBB, 0xBF}, text...), text},
		{EncodingLatin1, []byte("M\xfcnchen \xa9 \x80"), "München © \u0080"},
		{EncodingCP1252, []byte("M\xfcnchen \x96 \x80"), "München – €"},
		{EncodingASCII, []byte("plain"), "plain"},
		{EncodingUTF16, utf16Bytes(text, true, true), text},
		{EncodingUTF16, utf16Bytes(text, false, true), text},
		{EncodingUTF16, utf16Bytes(text, true, false), text}, // big-endian without a BOM
		{EncodingUTF16BE, utf16Bytes(text, true, false), text},
		{EncodingUTF16LE, utf16Bytes(text, false, false), text},
		{EncodingUTF16LE, utf16Bytes(text, false, true), text},
	}
	for _, c := range good {
		got, err := Decode(c.enc, c.in)
		if err != nil || string(got) != c.want {
			t.Errorf("Decode(%s, % x) = %q, %v; want %q", c.enc, c.in, got, err, c.want)
		}
	}
	bad := []struct {
		enc Encoding
		in  []byte
	}{
		{EncodingUTF8, []byte("M\xfcnchen")},
		{EncodingASCII, []byte("M\xfcnchen")},
		{EncodingCP1252, []byte("x\x81y")},
		{EncodingUTF16BE, []byte{0, 'a', 0}},
		{EncodingUTF16BE, []byte{0xD8, 0x00, 0, 'a'}}, // high surrogate without low
		{EncodingUTF16LE, []byte{0x00, 0xDC}},         // lone low surrogate
		{"EBCDIC", []byte("x")},
	}
	for _, c := range bad {
		if got, err := Decode(c.enc, c.in); err == nil {
			t.Errorf("Decode(%s, % x) = %q, no error", c.enc, c.in, got)
		}
	}
}

// encodeAs encodes UTF-8 text in a tag file encoding for test bags.
func encodeAs(t *testing.T, enc Encoding, s string) string {
	t.Helper()
	switch enc {
	case EncodingUTF8:
		return s
	case EncodingLatin1:
		var b []byte
		for _, r := range s {
			if r > 0xFF {
				t.Fatalf("%q not in Latin-1", r)
			}
			b = append(b, byte(r))
		}
		return string(b)
	case EncodingUTF16:
		return string(utf16Bytes(s, false, true))
	case EncodingUTF16BE:
		return string(utf16Bytes(s, true, false))
	}
	t.Fatalf("encodeAs %s", enc)
	return ""
}

// TestTagFileEncodings reads bags whose tag files are in ISO-8859-1 and
// UTF-16 (RFC 8493 §2.1.1 allows any encoding bagit.txt declares).
func TestTagFileEncodings(t *testing.T) {
	for _, enc := range []Encoding{EncodingLatin1, EncodingUTF16, EncodingUTF16BE} {
		t.Run(string(enc), func(t *testing.T) {
			root := makeBag(t, testBag{noInfo: true})
			write(t, root, "bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: "+string(enc)+"\n")
			manifest := fmt.Sprintf("%s  data/Akte 1/Brief.txt\n%s  data/Übersicht.txt\n",
				digest(t, "sha512", "Sehr geehrte Damen und Herren,\n"), digest(t, "sha512", "Übersicht\n"))
			write(t, root, "manifest-sha512.txt", encodeAs(t, enc, manifest))
			write(t, root, "bag-info.txt", encodeAs(t, enc, "Source-Organization: Stadtarchiv Görlitz\nPayload-Oxum: 42.2\n"))
			write(t, root, "fetch.txt", encodeAs(t, enc, "https://example.org/ü - data/Übersicht.txt\n"))
			retag(t, root, "sha256")
			tm, err := os.ReadFile(filepath.Join(root, "tagmanifest-sha256.txt"))
			if err != nil {
				t.Fatal(err)
			}
			write(t, root, "tagmanifest-sha256.txt", encodeAs(t, enc, string(tm)))
			tr := read(t, root)
			if got := problemSet(tr.Problems); !slices.Equal(got, []string{"warning BAGIT_FETCH fetch.txt"}) {
				t.Fatalf("problems %v", tr.Problems)
			}
			if got := tr.Description["Source-Organization"]; got != "Stadtarchiv Görlitz" {
				t.Errorf("Source-Organization %q", got)
			}
			if got := tr.Description["Tag-File-Character-Encoding"]; got != string(enc) {
				t.Errorf("Tag-File-Character-Encoding %q", got)
			}
			for _, f := range tr.Files {
				if f.Declared["sha512"] == "" {
					t.Errorf("%s: no declared digest", f.Name)
				}
			}
			ps := verifyPayload(t, tr)
			if len(ps) != 0 {
				t.Errorf("payload: %v", ps)
			}
		})
	}
}

func TestDecodeNeverPanics(t *testing.T) {
	inputs := [][]byte{nil, {0xFE}, {0xFF, 0xFE, 0x00}, {0xFE, 0xFF, 0xD8, 0x00, 0xDC}, bytes.Repeat([]byte{0x9D}, 3)}
	for _, e := range SupportedEncodings() {
		for _, in := range inputs {
			out, _ := Decode(Encoding(e), in)
			if !strings.Contains(string(out)+"x", "x") {
				t.Fatal("unreachable")
			}
		}
	}
}
