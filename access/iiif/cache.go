package iiif

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	_ "image/png" // masters: PNG
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	_ "golang.org/x/image/tiff" // masters: TIFF
)

// meta describes the derivatives of one master. Level k is the master
// scaled by 1/2^k (sizes rounded up); the last level fits into one tile.
type meta struct {
	Width    int     `json:"width"`
	Height   int     `json:"height"`
	TileSize int     `json:"tileSize"`
	Levels   []level `json:"levels"`
}

type level struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

// cache keeps the derivatives of masters under CacheDir/<2 hex>/<sha512>/:
// meta.json, s<k>.jpg (level k, whole) and t<k>_<col>_<row>.jpg (tiles of
// level k). A directory appears complete or not at all (written aside,
// then renamed).
type cache struct {
	cfg Config
	sem chan struct{}

	mu       sync.Mutex
	inflight map[string]*call
	dims     map[string][2]int // sha512 -> width, height of masters seen
}

type call struct {
	done chan struct{}
	m    *meta
	err  error
}

func newCache(cfg Config) *cache {
	return &cache{cfg: cfg, sem: make(chan struct{}, cfg.Parallel), inflight: map[string]*call{}, dims: map[string][2]int{}}
}

func (c *cache) dir(sha string) string {
	return filepath.Join(c.cfg.CacheDir, sha[:2], sha)
}

// opener opens a master for reading (through the closure decision).
type opener func(ctx context.Context) (io.ReadSeekCloser, error)

// get returns the derivatives' description of the master with digest sha,
// making them from open when the cache lacks them. Concurrent requests for
// one master wait for one making.
func (c *cache) get(ctx context.Context, sha string, open opener) (*meta, error) {
	if len(sha) < 16 {
		return nil, fmt.Errorf("iiif: master without digest")
	}
	if m, err := c.read(sha); err == nil {
		return m, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	c.mu.Lock()
	cl, ok := c.inflight[sha]
	if !ok {
		cl = &call{done: make(chan struct{})}
		c.inflight[sha] = cl
		go func() {
			// Made to the end even when the first asker leaves: the
			// others (a viewer asks for many tiles at once) wait for it.
			cl.m, cl.err = c.make(context.WithoutCancel(ctx), sha, open)
			c.mu.Lock()
			delete(c.inflight, sha)
			c.mu.Unlock()
			close(cl.done)
		}()
	}
	c.mu.Unlock()
	select {
	case <-cl.done:
		return cl.m, cl.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *cache) read(sha string) (*meta, error) {
	b, err := os.ReadFile(filepath.Join(c.dir(sha), "meta.json"))
	if err != nil {
		return nil, err
	}
	var m meta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("iiif: cache %s: %w", sha[:16], err)
	}
	return &m, nil
}

// size returns a master's width and height: from its derivatives when
// made, else from its header (a few kilobytes), remembered.
func (c *cache) size(ctx context.Context, sha string, open opener) (int, int, error) {
	c.mu.Lock()
	d, ok := c.dims[sha]
	c.mu.Unlock()
	if ok {
		return d[0], d[1], nil
	}
	if m, err := c.read(sha); err == nil {
		return m.Width, m.Height, nil
	}
	r, err := open(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer r.Close()
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return 0, 0, fmt.Errorf("iiif: master %s: %w", sha[:16], err)
	}
	c.mu.Lock()
	if len(c.dims) > 1_000_000 {
		clear(c.dims)
	}
	c.dims[sha] = [2]int{cfg.Width, cfg.Height}
	c.mu.Unlock()
	return cfg.Width, cfg.Height, nil
}

// make decodes the master and writes its derivatives.
func (c *cache) make(ctx context.Context, sha string, open opener) (*meta, error) {
	select {
	case c.sem <- struct{}{}:
		defer func() { <-c.sem }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if m, err := c.read(sha); err == nil {
		return m, nil // made meanwhile
	}
	img, err := c.decode(ctx, sha, open)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(c.dir(sha)), 0o750); err != nil {
		return nil, fmt.Errorf("iiif: cache: %w", err)
	}
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := filepath.Join(c.cfg.CacheDir, ".tmp-"+hex.EncodeToString(rnd[:]))
	if err := os.MkdirAll(tmp, 0o750); err != nil {
		return nil, fmt.Errorf("iiif: cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	ts := c.cfg.TileSize
	m := &meta{Width: img.Rect.Dx(), Height: img.Rect.Dy(), TileSize: ts}
	opts := &jpeg.Options{Quality: c.cfg.Quality}
	for k, lvl := 0, img; ; k++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		w, h := lvl.Rect.Dx(), lvl.Rect.Dy()
		m.Levels = append(m.Levels, level{w, h})
		if err := writeJPEG(filepath.Join(tmp, fmt.Sprintf("s%d.jpg", k)), lvl, opts); err != nil {
			return nil, err
		}
		for row := 0; row*ts < h; row++ {
			for col := 0; col*ts < w; col++ {
				r := image.Rect(col*ts, row*ts, min(col*ts+ts, w), min(row*ts+ts, h))
				if err := writeJPEG(filepath.Join(tmp, fmt.Sprintf("t%d_%d_%d.jpg", k, col, row)), lvl.SubImage(r), opts); err != nil {
					return nil, err
				}
			}
		}
		if w <= ts && h <= ts {
			break
		}
		lvl = halve(lvl)
	}
	b, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(tmp, "meta.json"), b, 0o640); err != nil {
		return nil, fmt.Errorf("iiif: cache: %w", err)
	}
	if err := os.Rename(tmp, c.dir(sha)); err != nil {
		if m2, err2 := c.read(sha); err2 == nil {
			return m2, nil // another process made it
		}
		return nil, fmt.Errorf("iiif: cache: %w", err)
	}
	return m, nil
}

// decode reads the master into an RGBA image at the origin.
func (c *cache) decode(ctx context.Context, sha string, open opener) (*image.RGBA, error) {
	r, err := open(ctx)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return nil, fmt.Errorf("iiif: master %s: %w", sha[:16], err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > c.cfg.MaxPixels {
		return nil, fmt.Errorf("iiif: master %s: %dx%d pixels exceed the limit of %d", sha[:16], cfg.Width, cfg.Height, c.cfg.MaxPixels)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	src, _, err := image.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("iiif: master %s: %w", sha[:16], err)
	}
	b := src.Bounds()
	if rgba, ok := src.(*image.RGBA); ok && b.Min == (image.Point{}) {
		return rgba, nil
	}
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Rect, src, b.Min, draw.Src)
	return dst, nil
}

// halve scales src (at the origin) to half its size, rounding up, by
// averaging 2x2 pixel blocks.
func halve(src *image.RGBA) *image.RGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	nw, nh := (w+1)/2, (h+1)/2
	dst := image.NewRGBA(image.Rect(0, 0, nw, nh))
	sp, st := src.Pix, src.Stride
	for y := range nh {
		r0 := 2 * y * st
		r1 := min(2*y+1, h-1) * st
		d := y * dst.Stride
		for x := range nw {
			c0 := 8 * x
			c1 := min(2*x+1, w-1) * 4
			for i := range 4 {
				s := int(sp[r0+c0+i]) + int(sp[r0+c1+i]) + int(sp[r1+c0+i]) + int(sp[r1+c1+i])
				dst.Pix[d+4*x+i] = uint8((s + 2) / 4)
			}
		}
	}
	return dst
}

func writeJPEG(p string, img image.Image, opts *jpeg.Options) error {
	f, err := os.Create(p)
	if err != nil {
		return fmt.Errorf("iiif: cache: %w", err)
	}
	if err := jpeg.Encode(f, img, opts); err != nil {
		f.Close()
		return fmt.Errorf("iiif: encode %s: %w", filepath.Base(p), err)
	}
	return f.Close()
}

// Forget removes the access derivatives of the masters with the given
// SHA-512 digests from the cache directory dir (Config.CacheDir): the
// masters a new version of an AIP no longer holds (a re-digitisation).
// The cache is keyed by the master's digest, so a new master never meets
// an old master's derivatives; Forget frees their space. Derivatives that
// another unit's identical master still needs are made again on its next
// request. A digest without derivatives is no error.
func Forget(dir string, sha512s ...string) error {
	var errs []error
	for _, sha := range sha512s {
		sha = strings.ToLower(sha)
		if len(sha) != 128 || strings.Trim(sha, "0123456789abcdef") != "" {
			errs = append(errs, fmt.Errorf("iiif: forget %q: not a SHA-512", sha))
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, sha[:2], sha)); err != nil {
			errs = append(errs, fmt.Errorf("iiif: forget %s: %w", sha[:16], err))
		}
	}
	return errors.Join(errs...)
}
