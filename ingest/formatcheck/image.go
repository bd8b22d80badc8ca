package formatcheck

import (
	"context"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"strings"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

// xImageModuleVersion is the version of golang.org/x/image in go.mod, for
// binaries without build information (tests); TestToolVersions keeps it
// in step.
const xImageModuleVersion = "v0.44.0"

var xImageVersion = moduleVersion("golang.org/x/image", xImageModuleVersion)

// decoder decodes one raster format.
type decoder struct {
	name   string
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
	// unsupported reports whether err means a valid feature the decoder
	// lacks, rather than a defect of the file.
	unsupported func(error) bool
	// precheck may decline a file before decoding (returning why).
	precheck func(src *source) (unsupported string)
}

func imageKind(tool string, version func() string, d *decoder) *kind {
	return &kind{tool: tool, version: version, check: func(ctx context.Context, c *Checker, src *source, _ string, rep *report) (string, bool) {
		return checkImage(c, src, d, rep)
	}}
}

var (
	pngKind = imageKind("Go image/png", goVersion, &decoder{
		name: "PNG", config: png.DecodeConfig, decode: png.Decode,
		unsupported: func(err error) bool { var u png.UnsupportedError; return errors.As(err, &u) },
	})
	jpegKind = imageKind("Go image/jpeg", goVersion, &decoder{
		name: "JPEG", config: jpeg.DecodeConfig, decode: jpeg.Decode,
		unsupported: func(err error) bool { var u jpeg.UnsupportedError; return errors.As(err, &u) },
	})
	tiffKind = imageKind("golang.org/x/image/tiff", xImageVersion, &decoder{
		name: "TIFF", config: tiff.DecodeConfig, decode: tiff.Decode,
		unsupported: func(err error) bool { var u tiff.UnsupportedError; return errors.As(err, &u) },
	})
	bmpKind = imageKind("golang.org/x/image/bmp", xImageVersion, &decoder{
		name: "BMP", config: bmp.DecodeConfig, decode: bmp.Decode,
		unsupported: func(err error) bool { return errors.Is(err, bmp.ErrUnsupported) },
	})
	webpKind = imageKind("golang.org/x/image/webp", xImageVersion, &decoder{
		name: "WebP", config: webp.DecodeConfig, decode: webp.Decode,
		unsupported: func(error) bool { return false },
		precheck:    webpAnimated,
	})
	gifKind = &kind{tool: "Go compress/lzw (GIF block structure)", version: goVersion, check: func(ctx context.Context, c *Checker, src *source, _ string, rep *report) (string, bool) {
		return checkGIF(c, src, rep)
	}}
)

// imageKinds maps image PUIDs to their checks. TIFF-based raw formats
// (DNG), BigTIFF and JPEG 2000 have no decoder here and are not checked.
var imageKinds = func() map[string]*kind {
	m := map[string]*kind{}
	for k, puids := range map[*kind][]string{
		pngKind:  {"fmt/11", "fmt/12", "fmt/13", "fmt/935"},
		jpegKind: {"fmt/41", "fmt/42", "fmt/43", "fmt/44", "fmt/645", "fmt/1507", "x-fmt/390", "x-fmt/391", "x-fmt/398"},
		tiffKind: {"fmt/353", "fmt/7", "fmt/8", "fmt/9", "fmt/10", "fmt/155", "fmt/153", "fmt/154", "fmt/156",
			"x-fmt/387", "x-fmt/388", "x-fmt/399"},
		bmpKind:  {"fmt/114", "fmt/115", "fmt/116", "fmt/117", "fmt/118", "fmt/119"},
		webpKind: {"fmt/566", "fmt/567", "fmt/568"},
		gifKind:  {"fmt/3", "fmt/4"},
	} {
		for _, p := range puids {
			m[p] = k
		}
	}
	return m
}()

// checkImage decodes the header, checks the pixel count against the
// limit, and decodes the whole image.
func checkImage(c *Checker, src *source, d *decoder, rep *report) (string, bool) {
	detail := d.name + " decodability: header, then the full image"
	if d.precheck != nil {
		if why := d.precheck(src); why != "" {
			return d.name + " not checked: " + why, false
		}
	}
	cfg, err := d.config(src.reader())
	if err != nil {
		if d.unsupported(err) {
			return d.name + " not checked: the decoder does not support " + err.Error(), false
		}
		rep.add(CodeInvalid, "%s header cannot be decoded: %v", d.name, describe(err))
		return detail, true
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		rep.add(CodeInvalid, "%s declares %d×%d pixels", d.name, cfg.Width, cfg.Height)
		return detail, true
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > c.lim.MaxPixels {
		rep.add(CodeLimit, "%s not decoded: %d×%d = %d pixels exceed the limit of %d (possible decompression bomb)",
			d.name, cfg.Width, cfg.Height, px, c.lim.MaxPixels)
		return detail, true
	}
	if _, err := d.decode(src.reader()); err != nil {
		if d.unsupported(err) {
			return d.name + " header checked, image not decoded: the decoder does not support " + err.Error(), false
		}
		rep.add(CodeInvalid, "%s image cannot be decoded: %v", d.name, describe(err))
	}
	return detail, true
}

// describe names truncation plainly.
func describe(err error) string {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || strings.HasSuffix(err.Error(), "unexpected EOF") {
		return "the file ends early (truncated): " + err.Error()
	}
	return err.Error()
}

// webpAnimated declines animated WebP, which x/image/webp cannot decode.
func webpAnimated(src *source) string {
	var h [21]byte
	if n, _ := src.ReadAt(h[:], 0); n < len(h) {
		return ""
	}
	// RIFF....WEBPVP8X, then the chunk size, then the flags byte.
	if string(h[0:4]) == "RIFF" && string(h[8:16]) == "WEBPVP8X" && h[20]&0x02 != 0 {
		return "animated WebP (the decoder supports still images only)"
	}
	return ""
}
