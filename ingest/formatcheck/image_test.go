package formatcheck

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/tiff"

	"github.com/magazin-archiv/magazin/internal/corpus"
)

func TestImagesValid(t *testing.T) {
	for _, c := range []struct {
		what, puid string
		data       []byte
		tool       string
	}{
		{"PNG", "fmt/13", pngBytes(t, 50, 40), "Go image/png"},
		{"JPEG", "fmt/43", jpegBytes(t, 50, 40), "Go image/jpeg"},
		{"GIF animation", "fmt/4", gifBytes(t, 30, 20, 3), "Go compress/lzw (GIF block structure)"},
		{"TIFF uncompressed", "fmt/353", tiffBytes(t, 50, 40, tiff.Uncompressed), "golang.org/x/image/tiff"},
		{"TIFF deflate", "fmt/10", tiffBytes(t, 50, 40, tiff.Deflate), "golang.org/x/image/tiff"},
		{"BMP", "fmt/116", bmpBytes(t, 50, 40), "golang.org/x/image/bmp"},
		{"WebP lossless", "fmt/567", webpLossless(7, 5, 200, 100, 50, 255), "golang.org/x/image/webp"},
	} {
		r := check(t, c.data, c.puid)
		want(t, c.what, r, true)
		if r.Tool != c.tool || r.ToolVersion == "" {
			t.Errorf("%s: tool %q %q, want %q", c.what, r.Tool, r.ToolVersion, c.tool)
		}
	}
}

func TestImagesTruncated(t *testing.T) {
	for _, c := range []struct {
		what, puid string
		data       []byte
	}{
		{"PNG", "fmt/13", pngBytes(t, 50, 40)},
		{"JPEG", "fmt/43", jpegBytes(t, 50, 40)},
		{"GIF", "fmt/4", gifBytes(t, 30, 20, 3)},
		{"TIFF", "fmt/353", tiffBytes(t, 50, 40, tiff.Uncompressed)},
		{"BMP", "fmt/116", bmpBytes(t, 50, 40)},
		{"WebP", "fmt/567", webpLossless(7, 5, 1, 2, 3, 4)},
	} {
		for _, n := range []int{len(c.data) * 2 / 3, 20, 0} {
			r := check(t, c.data[:n], c.puid)
			want(t, c.what+" truncated", r, false, CodeInvalid)
		}
	}
	// "ends early" is said plainly
	png := pngBytes(t, 50, 40)
	if r := check(t, png[:len(png)-20], "fmt/13"); !hasMessage(r, "truncated") {
		t.Errorf("PNG truncated:\n%s", problemText(r.Problems))
	}
}

func TestImageCorrupt(t *testing.T) {
	// a flipped byte in the PNG image data breaks its CRC
	png := pngBytes(t, 50, 40)
	i := bytes.Index(png, []byte("IDAT")) + 10
	bad := bytes.Clone(png)
	bad[i] ^= 0xff
	want(t, "PNG with a bad CRC", check(t, bad, "fmt/13"), false, CodeInvalid)

	// a JPEG without its end
	jpg := jpegBytes(t, 50, 40)
	want(t, "JPEG cut in the scan", check(t, jpg[:len(jpg)-100], "fmt/43"), false, CodeInvalid)

	// a GIF frame outside the logical screen
	g := gifBytes(t, 30, 20, 1)
	j := gifDescriptor(t, g)
	bad = bytes.Clone(g)
	binary.LittleEndian.PutUint16(bad[j+1:], 5) // left = 5
	r := check(t, bad, "fmt/4")
	want(t, "GIF frame out of bounds", r, false, CodeInvalid)
	if !hasMessage(r, "outside the logical screen") {
		t.Errorf("GIF bounds:\n%s", problemText(r.Problems))
	}
	// a GIF without trailer
	want(t, "GIF without trailer", check(t, g[:len(g)-1], "fmt/4"), false, CodeInvalid)
	// GIF with no frames
	want(t, "GIF without frames", check(t, append(bytes.Clone(g[:j]), 0x3b), "fmt/4"), false, CodeInvalid)
	// a pixel outside a 2-colour table
	small := bytes.Clone(g[:13])
	small[10] = 0x80 // global table of 2 colours
	small = append(small, 0, 0, 0, 255, 255, 255)
	small = append(small, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0) // 1×1 frame
	small = append(small, 2, 2, 0x5c, 0x01, 0, 0x3b)       // LZW: clear, 3 (out of range), end
	r = check(t, small, "fmt/4")
	want(t, "GIF pixel outside the table", r, false, CodeInvalid)
}

// gifDescriptor returns the offset of the first image descriptor of g.
func gifDescriptor(t testing.TB, g []byte) int {
	i := 13
	if g[10]&0x80 != 0 {
		i += 3 << (g[10]&7 + 1)
	}
	for g[i] == 0x21 {
		i += 2
		for g[i] != 0 {
			i += int(g[i]) + 1
		}
		i++
	}
	if g[i] != 0x2c {
		t.Fatalf("no image descriptor at %d", i)
	}
	return i
}

// A PNG header declaring 10^10 pixels is not decoded.
func TestDecompressionBomb(t *testing.T) {
	bomb := bombPNG(100000, 100000)
	start := time.Now()
	r := check(t, bomb, "fmt/13")
	want(t, "PNG bomb", r, false, CodeLimit)
	if !hasMessage(r, "decompression bomb") {
		t.Errorf("message:\n%s", problemText(r.Problems))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the bomb took %v", d)
	}
	// a smaller limit stops an ordinary image too
	c, err := New(Options{Limits: Limits{MaxPixels: 100}})
	if err != nil {
		t.Fatal(err)
	}
	for puid, data := range map[string][]byte{
		"fmt/43": jpegBytes(t, 20, 20), "fmt/4": gifBytes(t, 20, 20, 1), "fmt/353": tiffBytes(t, 20, 20, tiff.Uncompressed),
		"fmt/567": webpLossless(20, 20, 1, 1, 1, 1),
	} {
		want(t, puid+" over MaxPixels", checkWith(t, c, data, puid), false, CodeLimit)
	}
	// and a GIF whose many small frames add up
	c, err = New(Options{Limits: Limits{MaxPixels: 500}})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "GIF frames adding up", checkWith(t, c, gifBytes(t, 20, 20, 40), "fmt/4"), false, CodeLimit)
}

// Valid files whose features the decoders lack are not checked, not
// invalid.
func TestImageUnsupported(t *testing.T) {
	// an animated WebP (VP8X with the animation flag)
	anim := []byte("RIFF\x1a\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	r := check(t, anim, "fmt/568")
	if r.Checked || r.Valid || len(r.Problems) > 0 || !strings.Contains(r.Detail, "animated") {
		t.Errorf("animated WebP: %+v", r)
	}
	// a BMP with RLE compression
	rle := bmpBytes(t, 8, 8)
	binary.LittleEndian.PutUint32(rle[30:], 1)
	r = check(t, rle, "fmt/116")
	if r.Checked || r.Valid || len(r.Problems) > 0 || !strings.Contains(r.Detail, "does not support") {
		t.Errorf("RLE BMP: %+v", r)
	}
}

// The JHOVE module pass/fail pairs of Archivematica's sample data.
func TestImageCorpus(t *testing.T) {
	dir := corpus.Dir(t, "archivematica-sampledata/SampleTransfers/JHOVEModulesValidation")
	cases := []struct {
		file, puid string
		valid      bool
		codes      []string
	}{
		{"gif-hul/pass.gif", "fmt/4", true, nil},
		{"gif-hul/fail.gif", "fmt/4", false, []string{CodeInvalid}},
		{"jpeg-hul/pass.jpg", "fmt/43", true, nil},
		{"jpeg-hul/fail.jpg", "fmt/44", false, []string{CodeInvalid}},
		{"tiff-hul/pass.tif", "fmt/353", true, nil},
		{"tiff-hul/fail.tif", "fmt/353", false, []string{CodeInvalid}},
	}
	for _, c := range cases {
		r, err := Check(t.Context(), filepath.Join(dir, c.file), c.puid)
		if err != nil {
			t.Fatal(err)
		}
		want(t, c.file, r, c.valid, c.codes...)
	}
	// TIFF with old-style JPEG compression: valid, but not decodable here
	old := filepath.Join(corpus.Dir(t, "format-id/format-corpus-subset/tiff-examples"),
		"old-style-jpeg-compression", "old-style-jpeg-compression.tif")
	r, err := Check(t.Context(), old, "fmt/353")
	if err != nil {
		t.Fatal(err)
	}
	if r.Checked || len(r.Problems) > 0 || !strings.Contains(r.Detail, "not") {
		t.Errorf("old-style JPEG TIFF: %+v", r)
	}
}
