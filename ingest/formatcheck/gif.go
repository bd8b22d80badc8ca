package formatcheck

import (
	"bufio"
	"compress/lzw"
	"errors"
	"fmt"
	"io"
)

// checkGIF walks a GIF's block structure and decompresses every frame's
// LZW data without keeping it, so that memory stays constant however many
// frames there are (image/gif's DecodeAll keeps them all, Decode reads
// only the first). It follows image/gif's rules: frames inside the
// logical screen, a color table for every frame, pixel values inside it
// (a transparent index may extend it), exactly width×height pixels, LZW
// code width 2-8. Bytes after the trailer are ignored.
func checkGIF(c *Checker, src *source, rep *report) (string, bool) {
	const detail = "GIF block structure; LZW image data of every frame, pixel count and color indexes"
	if err := walkGIF(c, bufio.NewReader(src.reader()), rep); err != nil {
		rep.add(CodeInvalid, "GIF: %v", describe(err))
	}
	return detail, true
}

func walkGIF(c *Checker, br *bufio.Reader, rep *report) error {
	var hdr [13]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	if v := string(hdr[:6]); v != "GIF87a" && v != "GIF89a" {
		return fmt.Errorf("not a GIF header: %q", hdr[:6])
	}
	width, height := le16(hdr[6:]), le16(hdr[8:])
	globalColors := 0
	if hdr[10]&0x80 != 0 {
		globalColors = 1 << (hdr[10]&7 + 1)
		if _, err := br.Discard(3 * globalColors); err != nil {
			return fmt.Errorf("global color table: %w", err)
		}
	}
	frames := 0
	var total int64
	transparent := -1
	for {
		b, err := br.ReadByte()
		if err != nil {
			return fmt.Errorf("after %d frames, before the trailer: %w", frames, err)
		}
		switch b {
		case 0x21: // extension
			label, err := br.ReadByte()
			if err != nil {
				return fmt.Errorf("extension: %w", err)
			}
			sb := &subBlocks{r: br}
			if label == 0xf9 { // graphic control: packed, delay(2), transparent index
				var gce [4]byte
				if n, err := io.ReadFull(sb, gce[:]); err != nil {
					return fmt.Errorf("graphic control extension: %d bytes: %w", n, err)
				}
				transparent = -1
				if gce[0]&1 != 0 {
					transparent = int(gce[3])
				}
			}
			if err := sb.drain(); err != nil {
				return fmt.Errorf("extension 0x%02x: %w", label, err)
			}
		case 0x2c: // image descriptor
			frames++
			var d [9]byte
			if _, err := io.ReadFull(br, d[:]); err != nil {
				return fmt.Errorf("frame %d: image descriptor: %w", frames, err)
			}
			left, top, w, h := le16(d[0:]), le16(d[2:]), le16(d[4:]), le16(d[6:])
			colors := globalColors
			if d[8]&0x80 != 0 {
				colors = 1 << (d[8]&7 + 1)
				if _, err := br.Discard(3 * colors); err != nil {
					return fmt.Errorf("frame %d: local color table: %w", frames, err)
				}
			}
			if colors == 0 {
				return fmt.Errorf("frame %d: no color table", frames)
			}
			if left+w > width || top+h > height {
				return fmt.Errorf("frame %d: bounds (%d,%d)+%d×%d outside the logical screen %d×%d", frames, left, top, w, h, width, height)
			}
			px := int64(w) * int64(h)
			total += px
			if px > c.lim.MaxPixels || total > 16*c.lim.MaxPixels {
				rep.add(CodeLimit, "GIF not completely decoded: frame %d (%d×%d) brings the pixels to %d, over the limit of %d per frame and %d in all (possible decompression bomb)",
					frames, w, h, total, c.lim.MaxPixels, 16*c.lim.MaxPixels)
				return nil
			}
			if transparent >= colors {
				colors = transparent + 1 // as image/gif and browsers do
			}
			transparent = -1
			if err := gifFrame(br, px, colors); err != nil {
				return fmt.Errorf("frame %d: %w", frames, err)
			}
		case 0x3b: // trailer
			if frames == 0 {
				return errors.New("no image data")
			}
			return nil
		default:
			return fmt.Errorf("after %d frames: unknown block type 0x%02x", frames, b)
		}
	}
}

// gifFrame decompresses one frame's image data, checking the pixel count
// and that every pixel indexes the color table.
func gifFrame(br *bufio.Reader, px int64, colors int) error {
	litWidth, err := br.ReadByte()
	if err != nil {
		return fmt.Errorf("LZW code size: %w", err)
	}
	if litWidth < 2 || litWidth > 8 {
		return fmt.Errorf("LZW code size %d not in 2-8", litWidth)
	}
	sb := &subBlocks{r: br}
	lr := lzw.NewReader(sb, lzw.LSB, int(litWidth))
	defer lr.Close()
	pc := &pixelCheck{colors: colors, bad: -1}
	n, err := io.CopyN(pc, lr, px)
	if pc.bad >= 0 {
		return fmt.Errorf("pixel value %d outside the color table of %d entries", pc.bad, colors)
	}
	if err != nil {
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) && sb.done {
			return fmt.Errorf("not enough image data: %d of %d pixels", n, px)
		}
		return fmt.Errorf("image data after %d of %d pixels: %w", n, px, err)
	}
	// As image/gif: more data before the LZW end code is an error; a
	// missing end code is tolerated (giflib does not write it always).
	var one [1]byte
	if m, err := io.ReadFull(lr, one[:]); m != 0 {
		return errors.New("too much image data")
	} else if err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("image data: %w", err)
	}
	if err := sb.drain(); err != nil {
		return fmt.Errorf("image data: %w", err)
	}
	return nil
}

// pixelCheck counts pixels and remembers the first out of range.
type pixelCheck struct {
	colors int
	bad    int
}

func (p *pixelCheck) Write(b []byte) (int, error) {
	if p.colors < 256 && p.bad < 0 {
		for _, v := range b {
			if int(v) >= p.colors {
				p.bad = int(v)
				return 0, errors.New("bad pixel")
			}
		}
	}
	return len(b), nil
}

// subBlocks reads a sequence of GIF data sub-blocks up to the block
// terminator (a zero length byte), then returns io.EOF.
type subBlocks struct {
	r    *bufio.Reader
	n    int // bytes left in the current sub-block
	done bool
}

func (s *subBlocks) Read(p []byte) (int, error) {
	if s.done {
		return 0, io.EOF
	}
	for s.n == 0 {
		b, err := s.r.ReadByte()
		if err != nil {
			return 0, noEOF(err)
		}
		if b == 0 {
			s.done = true
			return 0, io.EOF
		}
		s.n = int(b)
	}
	if len(p) > s.n {
		p = p[:s.n]
	}
	n, err := s.r.Read(p)
	s.n -= n
	if err != nil {
		return n, noEOF(err)
	}
	return n, nil
}

// drain skips the remaining sub-blocks up to the terminator.
func (s *subBlocks) drain() error {
	for !s.done {
		if s.n > 0 {
			k, err := s.r.Discard(s.n)
			s.n -= k
			if err != nil {
				return fmt.Errorf("sub-blocks: %w", noEOF(err))
			}
			continue
		}
		c, err := s.r.ReadByte()
		if err != nil {
			return fmt.Errorf("sub-blocks: %w", noEOF(err))
		}
		if c == 0 {
			s.done = true
		} else {
			s.n = int(c)
		}
	}
	return nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func le16(b []byte) int { return int(b[0]) | int(b[1])<<8 }
