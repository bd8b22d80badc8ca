package formatcheck

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/magazin-archiv/magazin/preservation"
)

func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// check runs the default checker on data written to a file.
func check(t testing.TB, data []byte, puid string) Result {
	t.Helper()
	return checkWith(t, defaultChecker(), data, puid)
}

// checkWith runs c on data twice: from a file (Check) and from memory
// (CheckReaderAt, as the ingest pipeline does for small files), and fails
// unless both give the same result.
func checkWith(t testing.TB, c *Checker, data []byte, puid string) Result {
	t.Helper()
	res, err := c.Check(context.Background(), writeTemp(t, "f", data), puid)
	if err != nil {
		t.Fatalf("Check(%s): %v", puid, err)
	}
	mem, err := c.CheckReaderAt(context.Background(), bytes.NewReader(data), int64(len(data)), "f", puid)
	if err != nil {
		t.Fatalf("CheckReaderAt(%s): %v", puid, err)
	}
	if !reflect.DeepEqual(res, mem) {
		t.Errorf("%s: Check and CheckReaderAt differ:\nfile:   %+v\nmemory: %+v", puid, res, mem)
	}
	return res
}

func codes(ps preservation.Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Code)
	}
	return out
}

// want asserts the outcome of a check: checked and valid, and the problem
// codes in order.
func want(t testing.TB, what string, r Result, valid bool, wantCodes ...string) {
	t.Helper()
	got := codes(r.Problems)
	if !r.Checked || r.Valid != valid || !slices.Equal(got, wantCodes) {
		t.Errorf("%s: checked %v valid %v problems %v, want checked valid %v problems %v\n%s\ndetail: %s",
			what, r.Checked, r.Valid, got, valid, wantCodes, problemText(r.Problems), r.Detail)
	}
	for _, p := range r.Problems {
		if p.Path != "" || p.Message == "" || p.Severity == "" {
			t.Errorf("%s: malformed problem %+v", what, p)
		}
	}
}

func problemText(ps preservation.Problems) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "  %s\n", p)
	}
	return b.String()
}

func hasMessage(r Result, sub string) bool {
	for _, p := range r.Problems {
		if strings.Contains(p.Message, sub) {
			return true
		}
	}
	return false
}

// --- PDF ---

// buildPDF writes a PDF 1.4 file with the given objects (numbered from 1,
// object 1 the catalog) and a correct cross-reference table.
func buildPDF(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] >>\nstartxref\n%d\n%%%%EOF\n",
		len(objs)+1, xref)
	return b.Bytes()
}

func stream(dict, data string) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// pdfObjects are a one-page document; extraCatalog goes into the catalog.
func pdfObjects(extraCatalog string) []string {
	return []string{
		"<< /Type /Catalog /Pages 2 0 R " + extraCatalog + ">>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		stream("", "BT /F1 24 Tf 72 720 Td (Hallo Archiv) Tj ET"),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
}

func validPDF() []byte { return buildPDF(pdfObjects("")...) }

// xmpPacket returns XMP metadata declaring PDF/A part and conformance, as
// attributes or as elements.
func xmpPacket(part, conformance string, elements bool) string {
	desc := fmt.Sprintf(`<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" pdfaid:part="%s" pdfaid:conformance="%s"/>`, part, conformance)
	if elements {
		desc = fmt.Sprintf(`<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"><pdfaid:part>%s</pdfaid:part><pdfaid:conformance>%s</pdfaid:conformance></rdf:Description>`, part, conformance)
	}
	return `<?xpacket begin="` + "\ufeff" + `" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` + desc + `</rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>`
}

func pdfWithXMP(xmp string) []byte {
	objs := pdfObjects("/Metadata 6 0 R ")
	objs = append(objs, stream("/Type /Metadata /Subtype /XML", xmp))
	return buildPDF(objs...)
}

// pdfcpuConf is a pdfcpu configuration built by hand, so that the tests,
// like the package, never create pdfcpu's configuration directory.
func pdfcpuConf() *model.Configuration {
	return &model.Configuration{
		Version:           model.VersionStr,
		Reader15:          true,
		ValidationMode:    model.ValidationRelaxed,
		Eol:               types.EolLF,
		WriteObjectStream: true,
		WriteXRefStream:   true,
		EncryptUsingAES:   true,
		EncryptKeyLength:  256,
		Permissions:       model.PermissionsNone,
		Offline:           true,
		Limits:            model.DefaultResourceLimits(),
	}
}

// encryptPDF encrypts a PDF with pdfcpu's API (AES-256).
func encryptPDF(t testing.TB, pdf []byte, userPW, ownerPW string) []byte {
	t.Helper()
	conf := pdfcpuConf()
	conf.UserPW, conf.OwnerPW = userPW, ownerPW
	var out bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(pdf), &out, conf); err != nil {
		t.Fatalf("pdfcpu encrypt: %v", err)
	}
	return out.Bytes()
}

// --- images ---

func testImage(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.NRGBA{uint8(x * 7), uint8(y * 11), uint8(x ^ y), 255})
		}
	}
	return m
}

func pngBytes(t testing.TB, w, h int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, testImage(w, h)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegBytes(t testing.TB, w, h int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(w, h), &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func tiffBytes(t testing.TB, w, h int, compression tiff.CompressionType) []byte {
	var b bytes.Buffer
	if err := tiff.Encode(&b, testImage(w, h), &tiff.Options{Compression: compression}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func bmpBytes(t testing.TB, w, h int) []byte {
	var b bytes.Buffer
	if err := bmp.Encode(&b, testImage(w, h)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// gifBytes encodes an animation of frames frames.
func gifBytes(t testing.TB, w, h, frames int) []byte {
	g := &gif.GIF{}
	for i := range frames {
		m := image.NewPaletted(image.Rect(0, 0, w, h), palette.Plan9)
		for y := range h {
			for x := range w {
				m.SetColorIndex(x, y, uint8(x+y+i))
			}
		}
		g.Image = append(g.Image, m)
		g.Delay = append(g.Delay, 10)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngChunk returns a PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	return b.Bytes()
}

// bombPNG is a small, well-formed PNG header declaring w×h pixels (8-bit
// grey), with a little zlib data: a decompression bomb's first bytes.
func bombPNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0 // bit depth 8, greyscale
	b.Write(pngChunk("IHDR", ihdr))
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 1<<16))
	zw.Close()
	b.Write(pngChunk("IDAT", z.Bytes()))
	b.Write(pngChunk("IEND", nil))
	return b.Bytes()
}

// bitWriter writes the LSB-first bit stream of VP8L.
type bitWriter struct {
	buf   []byte
	acc   uint64
	nbits uint
}

func (w *bitWriter) write(v uint64, n uint) {
	w.acc |= v << w.nbits
	w.nbits += n
	for w.nbits >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.nbits -= 8
	}
}

func (w *bitWriter) bytes() []byte {
	if w.nbits > 0 {
		w.buf = append(w.buf, byte(w.acc))
	}
	return w.buf
}

// webpLossless encodes a w×h lossless WebP of one colour: every prefix
// code has a single symbol, so the pixels take no bits at all.
func webpLossless(w, h int, r, g, b, a uint8) []byte {
	var bw bitWriter
	bw.write(0x2f, 8)         // signature
	bw.write(uint64(w-1), 14) // width - 1
	bw.write(uint64(h-1), 14) // height - 1
	bw.write(0, 1)            // alpha is used
	bw.write(0, 3)            // version
	bw.write(0, 1)            // no transform
	bw.write(0, 1)            // no color cache
	bw.write(0, 1)            // no meta prefix codes
	for _, sym := range []uint8{g, r, b, a} {
		bw.write(1, 1) // simple code
		bw.write(0, 1) // one symbol
		bw.write(1, 1) // eight-bit symbol
		bw.write(uint64(sym), 8)
	}
	bw.write(1, 1) // distance: simple code,
	bw.write(0, 1) // one symbol,
	bw.write(0, 1) // one-bit symbol
	bw.write(0, 1) // 0
	data := bw.bytes()
	var out bytes.Buffer
	chunk := len(data)
	pad := chunk & 1
	out.WriteString("RIFF")
	binary.Write(&out, binary.LittleEndian, uint32(4+8+chunk+pad))
	out.WriteString("WEBPVP8L")
	binary.Write(&out, binary.LittleEndian, uint32(chunk))
	out.Write(data)
	if pad == 1 {
		out.WriteByte(0)
	}
	return out.Bytes()
}

// --- ZIP ---

type zent struct {
	name   string
	data   string
	method uint16
	extra  []byte
}

func buildZip(t testing.TB, entries ...zent) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: e.method, Extra: e.extra})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.data))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const (
	odfManifest = `<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>`
	odfContent   = `<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>`
	contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`
	rels = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>`
)

func odtEntries() []zent {
	return []zent{
		{name: "mimetype", data: "application/vnd.oasis.opendocument.text", method: zip.Store},
		{name: "content.xml", data: odfContent, method: zip.Deflate},
		{name: "META-INF/manifest.xml", data: odfManifest, method: zip.Deflate},
	}
}

func docxEntries() []zent {
	return []zent{
		{name: "[Content_Types].xml", data: contentTypes, method: zip.Deflate},
		{name: "_rels/.rels", data: rels, method: zip.Deflate},
		{name: "word/document.xml", data: `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>`, method: zip.Deflate},
	}
}

// localHeaders returns the offsets of the local file headers of z.
func localHeaders(z []byte) []int {
	var out []int
	for i := 0; ; {
		j := bytes.Index(z[i:], []byte("PK\x03\x04"))
		if j < 0 {
			return out
		}
		out = append(out, i+j)
		i += j + 4
	}
}

// setEncryptedFlag sets the "encrypted" flag bit of every header of z.
func setEncryptedFlag(z []byte) []byte {
	z = bytes.Clone(z)
	for _, sig := range []string{"PK\x03\x04", "PK\x01\x02"} {
		flagAt := 6 // general purpose flag in the local header
		if sig == "PK\x01\x02" {
			flagAt = 8
		}
		for i := 0; ; {
			j := bytes.Index(z[i:], []byte(sig))
			if j < 0 {
				break
			}
			z[i+j+flagAt] |= 1
			i += j + 4
		}
	}
	return z
}
