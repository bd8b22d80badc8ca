package formatcheck

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/internal/corpus"
)

func TestPDFValid(t *testing.T) {
	r := check(t, validPDF(), "fmt/18")
	want(t, "valid PDF", r, true)
	strict, err := New(Options{PDFStrict: true})
	if err != nil {
		t.Fatal(err)
	}
	r = checkWith(t, strict, validPDF(), "fmt/18")
	want(t, "valid PDF, strict mode", r, true)
	if !strings.Contains(r.Detail, "strict") {
		t.Errorf("detail %q does not name the mode", r.Detail)
	}
}

func TestPDFTruncated(t *testing.T) {
	pdf := validPDF()
	for _, n := range []int{len(pdf) / 2, len(pdf) - 30, 0} {
		r := check(t, pdf[:n], "fmt/18")
		want(t, "truncated PDF", r, false, CodeInvalid)
	}
}

func TestPDFNotAPDF(t *testing.T) {
	r := check(t, []byte("GIF89a this is not a PDF at all"), "fmt/276")
	want(t, "not a PDF", r, false, CodeInvalid)
}

// A damaged cross-reference table: pdfcpu rebuilds it silently, the offset
// check does not.
func TestPDFDamagedXref(t *testing.T) {
	pdf := validPDF()
	// object 3's entry points one byte too far
	i := bytes.Index(pdf, []byte("3 0 obj"))
	entry := []byte(fmt.Sprintf("%010d 00000 n", i))
	j := bytes.Index(pdf, entry)
	damaged := bytes.Clone(pdf)
	copy(damaged[j:], fmt.Sprintf("%010d 00000 n", i+1))
	r := check(t, damaged, "fmt/18")
	want(t, "wrong offset", r, false, CodeInvalid)
	if !hasMessage(r, "cross-reference table damaged: 1 of 5 objects") {
		t.Errorf("message: %s", problemText(r.Problems))
	}
	// one byte removed in the middle shifts everything after it
	removed := append(bytes.Clone(pdf[:i-1]), pdf[i:]...)
	want(t, "one byte missing", check(t, removed, "fmt/18"), false, CodeInvalid)
	// startxref pointing elsewhere
	k := bytes.LastIndex(pdf, []byte("startxref\n"))
	wrong := append(bytes.Clone(pdf[:k]), []byte("startxref\n17\n%%EOF\n")...)
	want(t, "wrong startxref", check(t, wrong, "fmt/18"), false, CodeInvalid)
}

func TestPDFEncrypted(t *testing.T) {
	owner := encryptPDF(t, validPDF(), "", "eigentümer")
	r := check(t, owner, "fmt/18")
	want(t, "owner password only", r, true, CodeEncrypted)

	user := encryptPDF(t, validPDF(), "geheim", "eigentümer")
	r = check(t, user, "fmt/18")
	want(t, "open password", r, false, CodeEncrypted)
	if !hasMessage(r, "open (user) password") {
		t.Errorf("message: %s", problemText(r.Problems))
	}
}

func TestPDFAClaim(t *testing.T) {
	cases := []struct {
		what  string
		pdf   []byte
		puid  string
		valid bool
		codes []string
		msg   string
	}{
		{"no XMP", validPDF(), "fmt/354", false, []string{CodePDFAClaim}, "no XMP metadata"},
		{"2b as attributes", pdfWithXMP(xmpPacket("2", "B", false)), "fmt/477", true, nil, ""},
		{"2b as elements", pdfWithXMP(xmpPacket("2", "B", true)), "fmt/477", true, nil, ""},
		{"lower-case conformance", pdfWithXMP(xmpPacket("1", "a", false)), "fmt/95", true, nil, ""},
		{"2b claimed as 2u", pdfWithXMP(xmpPacket("2", "B", false)), "fmt/478", false, []string{CodePDFAClaim}, "declares PDF/A-2b"},
		{"1b claimed as 2b", pdfWithXMP(xmpPacket("1", "B", false)), "fmt/477", false, []string{CodePDFAClaim}, "declares PDF/A-1b"},
		{"4 without conformance", pdfWithXMP(xmpPacket("4", "", false)), "fmt/1910", true, nil, ""},
		{"4f", pdfWithXMP(xmpPacket("4", "F", true)), "fmt/1912", true, nil, ""},
		{"XMP without pdfaid", pdfWithXMP(`<x:xmpmeta xmlns:x="adobe:ns:meta/"/>`), "fmt/480", false, []string{CodePDFAClaim}, "no pdfaid:part"},
		{"XMP not XML", pdfWithXMP(`<x:xmpmeta`), "fmt/480", false, []string{CodePDFAClaim}, "not well-formed"},
		{"plain PDF with XMP", pdfWithXMP(xmpPacket("2", "B", false)), "fmt/18", true, nil, ""},
	}
	for _, c := range cases {
		r := check(t, c.pdf, c.puid)
		want(t, c.what, r, c.valid, c.codes...)
		if c.msg != "" && !hasMessage(r, c.msg) {
			t.Errorf("%s: want a message with %q:\n%s", c.what, c.msg, problemText(r.Problems))
		}
		if strings.Contains(r.Detail, "PDF/A") != (c.puid != "fmt/18") {
			t.Errorf("%s: detail %q", c.what, r.Detail)
		}
	}
	enc := encryptPDF(t, pdfWithXMP(xmpPacket("2", "B", false)), "", "owner")
	r := check(t, enc, "fmt/477")
	want(t, "encrypted PDF/A", r, false, CodeEncrypted, CodePDFAClaim)
	if !hasMessage(r, "PDF/A forbids encryption") {
		t.Errorf("encrypted PDF/A:\n%s", problemText(r.Problems))
	}
}

func TestPDFSizeLimit(t *testing.T) {
	c, err := New(Options{Limits: Limits{MaxPDFSize: 100}})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "PDF over the size limit", checkWith(t, c, validPDF(), "fmt/18"), false, CodeLimit)
}

// The JHOVE PDF-hul pass/fail pair and the PDF Cabinet of Horrors.
func TestPDFCorpus(t *testing.T) {
	jhove := corpus.Dir(t, "archivematica-sampledata/SampleTransfers/JHOVEModulesValidation/pdf-hul")
	horrors := corpus.Dir(t, "format-id/format-corpus-subset/pdfCabinetOfHorrors")
	cases := []struct {
		path, puid string
		valid      bool
		codes      []string
	}{
		{filepath.Join(jhove, "pass.pdf"), "fmt/16", true, nil},
		{filepath.Join(jhove, "fail.pdf"), "fmt/354", false, []string{CodeInvalid}}, // one byte missing
		{filepath.Join(horrors, "corruptionOneByteMissing.pdf"), "fmt/354", false, []string{CodeInvalid}},
		{filepath.Join(horrors, "text_only_pdfa1b.pdf"), "fmt/354", true, nil},
		{filepath.Join(horrors, "veraPDFHiRes.pdf"), "fmt/354", true, nil},
		{filepath.Join(horrors, "encryption_openpassword.pdf"), "fmt/276", false, []string{CodeEncrypted}},
		{filepath.Join(horrors, "encryption_nocopy.pdf"), "fmt/276", true, []string{CodeEncrypted}},
		{filepath.Join(horrors, "encryption_noprinting.pdf"), "fmt/276", true, []string{CodeEncrypted}},
		{filepath.Join(horrors, "text_only_fontsEmbeddedAll.pdf"), "fmt/276", true, nil},
		{filepath.Join(horrors, "javascript.pdf"), "fmt/15", false, []string{CodeInvalid}}, // JavaScript in a PDF 1.1
	}
	for _, c := range cases {
		r, err := Check(t.Context(), c.path, c.puid)
		if err != nil {
			t.Fatal(err)
		}
		want(t, filepath.Base(c.path), r, c.valid, c.codes...)
	}
}
