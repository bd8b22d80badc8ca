package formatcheck

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/tiff"
)

// fuzzChecker has small limits, so that the fuzzer cannot allocate much.
func fuzzChecker(t testing.TB) *Checker {
	c, err := New(Options{Limits: Limits{
		Timeout: 20 * time.Second, MaxPixels: 1 << 20, MaxXMLDepth: 64, MaxXMLToken: 1 << 20,
		MaxZipEntries: 100, MaxZipDirectory: 1 << 20, MaxZipUncompressed: 8 << 20,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// runBytes checks data as puid without a file.
func runBytes(t *testing.T, c *Checker, data []byte, puid string) Result {
	ctx, cancel := context.WithTimeout(context.Background(), c.lim.Timeout)
	defer cancel()
	src := newSource(ctx, bytes.NewReader(data), int64(len(data)), nil)
	r, err := c.run(ctx, kindOf(puid), src, puid)
	if err != nil {
		t.Fatalf("%s: error %v for a format problem", puid, err)
	}
	return r
}

// invariants holds for every result of a check that ran.
func invariants(t *testing.T, r Result) {
	t.Helper()
	if r.Tool == "" || r.ToolVersion == "" || r.Detail == "" {
		t.Fatalf("result without tool or detail: %+v", r)
	}
	if r.Valid && !r.Checked {
		t.Fatalf("valid but not checked: %+v", r)
	}
	for _, p := range r.Problems {
		if p.Code == CodeInvalid || p.Code == CodeLimit || p.Code == CodeToolFailed || p.Code == CodePDFAClaim {
			if r.Valid {
				t.Fatalf("valid with %s: %+v", p.Code, r)
			}
		}
		if p.Message == "" || strings.ContainsAny(p.Message, "\x00\n") {
			t.Fatalf("bad message %q", p.Message)
		}
	}
	if !r.Checked && len(r.Problems) > 0 {
		t.Fatalf("problems for an unchecked file: %+v", r)
	}
}

// FuzzXML: whatever the bytes, the XML check ends without panic or error,
// and its verdict does not depend on how the input is read.
func FuzzXML(f *testing.F) {
	for _, s := range []string{
		`<?xml version="1.0" encoding="UTF-8"?><a b="c"><d>text &amp; &#228;</d><!-- c --><?pi?></a>`,
		`<!DOCTYPE a [<!ENTITY e "x"><!ENTITY f SYSTEM "f">]><a>&e;&f;</a>`,
		`<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x.dtd"><html>&nbsp;</html>`,
		`<?xml version="1.0" encoding="ISO-8859-1"?><a>` + "\xe4" + `</a>`,
		"\xff\xfe<\x00a\x00/\x00>\x00",
		"\ufeff<a/>",
		`<a/><b/>`, `<a>`, `<a b="1" b="2"/>`, `<?xml version="1.1"?><a/>`, ``,
		strings.Repeat("<a>", 70),
	} {
		f.Add([]byte(s))
	}
	c := fuzzChecker(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := runBytes(t, c, data, "fmt/101")
		invariants(t, r)
		// one byte at a time: the same verdict
		err1 := wellFormed(bytes.NewReader(data), c.lim, false, nil)
		err2 := wellFormed(&oneByteReader{data}, c.lim, false, nil)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("verdict depends on the reader: %v vs %v", err1, err2)
		}
	})
}

type oneByteReader struct{ b []byte }

func (o *oneByteReader) Read(p []byte) (int, error) {
	if len(o.b) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = o.b[0]
	o.b = o.b[1:]
	return 1, nil
}

// imageFuzzPUIDs are the image kinds FuzzImage chooses from.
var imageFuzzPUIDs = []string{"fmt/13", "fmt/43", "fmt/4", "fmt/353", "fmt/116", "fmt/567"}

// FuzzImage: whatever the bytes, each image check ends without panic or
// error, within the pixel limit.
func FuzzImage(f *testing.F) {
	seeds := [][]byte{
		pngBytes(f, 7, 5), jpegBytes(f, 9, 9), gifBytes(f, 6, 4, 2),
		tiffBytes(f, 5, 5, tiff.Deflate), bmpBytes(f, 4, 3), webpLossless(3, 2, 1, 2, 3, 4),
	}
	for i, s := range seeds {
		f.Add(s, uint8(i))
	}
	f.Add(bombPNG(1<<16, 1<<16), uint8(0))
	c := fuzzChecker(f)
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		puid := imageFuzzPUIDs[int(which)%len(imageFuzzPUIDs)]
		r := runBytes(t, c, data, puid)
		if r.Checked || r.Detail != "" {
			invariants(t, r)
		}
	})
}

// FuzzZip: whatever the bytes, the container check ends without panic or
// error, as a plain ZIP, as ODF and as OOXML.
func FuzzZip(f *testing.F) {
	f.Add(buildZip(f, odtEntries()...))
	f.Add(buildZip(f, docxEntries()...))
	f.Add(setEncryptedFlag(buildZip(f, zent{name: "a", data: "b", method: zip.Store})))
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	c := fuzzChecker(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, puid := range []string{"x-fmt/263", "fmt/291", "fmt/412"} {
			invariants(t, runBytes(t, c, data, puid))
		}
	})
}
