// Package benchdata writes the synthetic submissions of `make bench`
// (internal/tools/bench) and of the ingest benchmarks: small files of
// mixed, real and valid formats (PDF, PNG, JPEG, plain text, XML and a
// DOCX-like OOXML ZIP) that siegfried identifies and ingest/formatcheck
// validates, large files (PDF and ZIP), all from a fixed seed, so that two
// runs write the same bytes.
//
// It uses only the standard library and never prints.
package benchdata

import (
	"archive/zip"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Kinds are the formats of the small files, in the order they are dealt.
var Kinds = []string{"pdf", "png", "jpg", "txt", "xml", "docx"}

// Small writes n files of 1–64 KiB into dir, in subdirectories of 100
// files each ("Akte-0001/…"), the formats taking turns. It returns the
// total number of bytes written.
func Small(dir string, n int, seed uint64) (int64, error) {
	r := rand.New(rand.NewPCG(seed, 0x6d61677a))
	var total int64
	for i := range n {
		sub := filepath.Join(dir, fmt.Sprintf("Akte-%04d", i/100+1))
		if i%100 == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return total, err
			}
		}
		kind := Kinds[i%len(Kinds)]
		size := 1<<10 + r.IntN(63<<10)
		b, err := File(r, kind, size)
		if err != nil {
			return total, err
		}
		name := filepath.Join(sub, fmt.Sprintf("%s-%05d.%s", docName(r), i+1, kind))
		if err := os.WriteFile(name, b, 0o644); err != nil {
			return total, err
		}
		total += int64(len(b))
	}
	return total, nil
}

// Large writes n files of size bytes each into dir, PDF and ZIP taking
// turns, and returns the bytes written.
func Large(dir string, n int, size int64, seed uint64) (int64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	r := rand.New(rand.NewPCG(seed, 0x6c617267))
	var total int64
	for i := range n {
		var (
			name string
			err  error
			w    int64
		)
		if i%2 == 0 {
			name = filepath.Join(dir, fmt.Sprintf("Scan-%02d.pdf", i+1))
			w, err = writeFile(name, func(f io.Writer) error { return largePDF(f, r, size) })
		} else {
			name = filepath.Join(dir, fmt.Sprintf("Daten-%02d.zip", i+1))
			w, err = writeFile(name, func(f io.Writer) error { return largeZip(f, r, size) })
		}
		if err != nil {
			return total, fmt.Errorf("benchdata: %s: %w", name, err)
		}
		total += w
	}
	return total, nil
}

func writeFile(name string, fill func(io.Writer) error) (int64, error) {
	f, err := os.Create(name)
	if err != nil {
		return 0, err
	}
	cw := &countWriter{w: f}
	if err := fill(cw); err != nil {
		f.Close()
		return 0, err
	}
	return cw.n, f.Close()
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// File returns a valid file of the kind (one of Kinds) of about size bytes
// (images: roughly).
func File(r *rand.Rand, kind string, size int) ([]byte, error) {
	switch kind {
	case "pdf":
		return smallPDF(r, size), nil
	case "png":
		return noiseImage(r, size, false)
	case "jpg":
		return noiseImage(r, size, true)
	case "txt":
		return []byte(germanText(r, size)), nil
	case "xml":
		return xmlDoc(r, size), nil
	case "docx":
		return docx(r, size)
	}
	return nil, fmt.Errorf("benchdata: unknown kind %q", kind)
}

var (
	words = strings.Fields("Bauantrag Baugenehmigung Schriftwechsel Haushaltsplan Sitzungsprotokoll Beschluss Vertrag " +
		"Grundstück Vermessung Flurbereinigung Straßenbau Schulbau Kindergarten Wasserversorgung Abwasser Denkmalpflege " +
		"Gewerbeanmeldung Wahl Eingabe Statistik Jahresbericht Gutachten Kaufvertrag Pachtvertrag Förderantrag " +
		"Rechnungsprüfung Personal Gemeindevertretung Kreistag Müllrose Beeskow Fürstenwalde Eisenhüttenstadt Storkow " +
		"Erkner der die das und für über zur im am mit vom nach gemäß Anlage Bescheid Widerspruch Stellungnahme")
	names = strings.Fields("Bauantrag Bescheid Vermerk Protokoll Lageplan Gutachten Vertrag Stellungnahme Anlage Rechnung")
)

func docName(r *rand.Rand) string { return names[r.IntN(len(names))] }

func sentence(r *rand.Rand) string {
	n := 6 + r.IntN(10)
	ws := make([]string, n)
	for i := range ws {
		ws[i] = words[r.IntN(len(words))]
	}
	return strings.Join(ws, " ") + "."
}

func germanText(r *rand.Rand, size int) string {
	var b strings.Builder
	for b.Len() < size {
		b.WriteString(sentence(r))
		if r.IntN(4) == 0 {
			b.WriteString("\n\n")
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	for _, c := range s {
		switch c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

func xmlDoc(r *rand.Rand, size int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<akte xmlns=\"urn:example:akte\">\n")
	for i := 1; b.Len() < size; i++ {
		fmt.Fprintf(&b, "  <eintrag nr=\"%d\" datum=\"%04d-%02d-%02d\">\n    <betreff>%s</betreff>\n  </eintrag>\n",
			i, 1950+r.IntN(70), 1+r.IntN(12), 1+r.IntN(28), xmlEscape(sentence(r)))
	}
	b.WriteString("</akte>\n")
	return b.Bytes()
}

// pdfText escapes s for a PDF literal string (the text is ASCII-folded:
// the standard font's encoding is not UTF-8).
func pdfText(s string) string {
	repl := strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue", "(", "", ")", "", "\\", "")
	return repl.Replace(s)
}

// pdf writes a one-page PDF 1.4 whose page content is content, with a
// correct cross-reference table.
func pdf(w io.Writer, content func(io.Writer) (int64, error), length int64) error {
	cw := &countWriter{w: w}
	var offs []int64
	obj := func(body string) {
		offs = append(offs, cw.n)
		fmt.Fprintf(cw, "%d 0 obj\n%s\nendobj\n", len(offs), body)
	}
	io.WriteString(cw, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>")
	offs = append(offs, cw.n)
	fmt.Fprintf(cw, "4 0 obj\n<< /Length %d >>\nstream\n", length)
	n, err := content(cw)
	if err != nil {
		return err
	}
	if n != length {
		return fmt.Errorf("content stream: wrote %d bytes, declared %d", n, length)
	}
	io.WriteString(cw, "\nendstream\nendobj\n")
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	xref := cw.n
	fmt.Fprintf(cw, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(cw, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(cw, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return nil
}

func smallPDF(r *rand.Rand, size int) []byte {
	var c bytes.Buffer
	c.WriteString("BT /F1 10 Tf 50 800 Td 12 TL\n")
	for c.Len() < size-700 {
		fmt.Fprintf(&c, "(%s) '\n", pdfText(sentence(r)))
	}
	c.WriteString("ET")
	var b bytes.Buffer
	pdf(&b, func(w io.Writer) (int64, error) { n, err := w.Write(c.Bytes()); return int64(n), err }, int64(c.Len()))
	return b.Bytes()
}

// largePDF writes a PDF whose page content stream is about size bytes:
// text operators followed by a long comment of random printable bytes (as
// incompressible as a scan, and still a valid content stream).
func largePDF(w io.Writer, r *rand.Rand, size int64) error {
	head := []byte("BT /F1 10 Tf 50 800 Td (" + pdfText(sentence(r)) + ") Tj ET\n%")
	length := max(size-1024, int64(len(head))+1)
	return pdf(w, func(w io.Writer) (int64, error) {
		n, err := w.Write(head)
		if err != nil {
			return int64(n), err
		}
		total := int64(n)
		buf := make([]byte, 1<<20)
		for total < length {
			k := min(int64(len(buf)), length-total)
			for i := range buf[:k] {
				buf[i] = byte(0x21 + r.IntN(94)) // printable, no line end
			}
			m, err := w.Write(buf[:k])
			total += int64(m)
			if err != nil {
				return total, err
			}
		}
		return total, nil
	}, length)
}

// largeZip writes a ZIP of stored (uncompressed) members of random bytes,
// 8 MiB each, about size bytes in all.
func largeZip(w io.Writer, r *rand.Rand, size int64) error {
	zw := zip.NewWriter(w)
	buf := make([]byte, 1<<20)
	const member = 8 << 20
	for i := 0; int64(i)*member < size-4096; i++ {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("daten/teil-%03d.bin", i+1), Method: zip.Store})
		if err != nil {
			return err
		}
		n := min(int64(member), size-4096-int64(i)*member)
		for n > 0 {
			k := min(int64(len(buf)), n)
			for j := 0; j < int(k); j += 8 {
				v := r.Uint64()
				for b := 0; b < 8 && j+b < int(k); b++ {
					buf[j+b] = byte(v >> (8 * b))
				}
			}
			if _, err := fw.Write(buf[:k]); err != nil {
				return err
			}
			n -= k
		}
	}
	return zw.Close()
}

// noiseImage encodes an image of random pixels whose encoding is about
// size bytes.
func noiseImage(r *rand.Rand, size int, asJPEG bool) ([]byte, error) {
	// Noise costs about 3 bytes per pixel in PNG (RGB) and about 1.5 in a
	// JPEG of quality 75.
	perPixel := 3.0
	if asJPEG {
		perPixel = 1.5
	}
	px := max(64, int(float64(size)/perPixel))
	w := 16
	for w*w < px {
		w++
	}
	h := max(8, px/w)
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		v := r.Uint32()
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = byte(v), byte(v>>8), byte(v>>16), 0xff
	}
	var b bytes.Buffer
	var err error
	if asJPEG {
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 75})
	} else {
		rgb := image.NewRGBA(img.Rect)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				rgb.Set(x, y, color.NRGBAModel.Convert(img.At(x, y)))
			}
		}
		err = png.Encode(&b, rgb)
	}
	return b.Bytes(), err
}

const (
	ctTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`
	rels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`
)

// docx writes a minimal WordprocessingML package: its document holds
// random text and, to reach about size bytes compressed, a stored member
// of random bytes (an embedded "image").
func docx(r *rand.Rand, size int) ([]byte, error) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	add := func(name string, method uint16, data []byte) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	var doc strings.Builder
	doc.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	for range 5 + r.IntN(20) {
		doc.WriteString("<w:p><w:r><w:t>" + xmlEscape(sentence(r)) + "</w:t></w:r></w:p>")
	}
	doc.WriteString("</w:body></w:document>")
	if err := add("[Content_Types].xml", zip.Deflate, []byte(ctTypes)); err != nil {
		return nil, err
	}
	if err := add("_rels/.rels", zip.Deflate, []byte(rels)); err != nil {
		return nil, err
	}
	if err := add("word/document.xml", zip.Deflate, []byte(doc.String())); err != nil {
		return nil, err
	}
	if pad := size - 2000; pad > 0 {
		media := make([]byte, pad)
		for i := range media {
			media[i] = byte(r.Uint32())
		}
		if err := add("word/media/image1.bin", zip.Store, media); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
