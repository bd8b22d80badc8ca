package iiif

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	xdraw "golang.org/x/image/draw"
)

// Image API 3.0 constants.
const (
	imageContext = "http://iiif.io/api/image/3/context.json"
	imageProfile = "http://iiif.io/api/image/3/context.json"
)

// imageBase redirects the bare image id to its info.json (Image API 3.0 §2.2).
func (s *Server) imageBase(w http.ResponseWriter, r *http.Request) {
	if _, _, err := s.page(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, s.imageURL(r, r.PathValue("id"))+"/info.json", http.StatusSeeOther)
}

// derivatives returns the derivatives of page id, made when missing; the
// page goes through the closure decision first.
func (s *Server) derivatives(ctx context.Context, id string) (page, *meta, error) {
	_, p, err := s.page(ctx, id)
	if err != nil {
		return p, nil, err
	}
	m, err := s.cache.get(ctx, p.file.SHA512, s.opener(p))
	return p, m, err
}

func (s *Server) opener(p page) opener {
	return func(ctx context.Context) (io.ReadSeekCloser, error) {
		rc, _, err := s.files.Open(ctx, p.aip, p.file.Path)
		return rc, err
	}
}

type sizeJSON struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

type tileJSON struct {
	Width        int   `json:"width"`
	Height       int   `json:"height"`
	ScaleFactors []int `json:"scaleFactors"`
}

type infoJSON struct {
	Context          string     `json:"@context"`
	ID               string     `json:"id"`
	Type             string     `json:"type"`
	Protocol         string     `json:"protocol"`
	Profile          string     `json:"profile"`
	Width            int        `json:"width"`
	Height           int        `json:"height"`
	Sizes            []sizeJSON `json:"sizes"`
	Tiles            []tileJSON `json:"tiles"`
	PreferredFormats []string   `json:"preferredFormats"`
}

// info answers info.json.
func (s *Server) info(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	_, m, err := s.derivatives(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in := infoJSON{Context: imageContext, ID: s.imageURL(r, id), Type: "ImageService3", Protocol: "http://iiif.io/api/image",
		Profile: "level1", Width: m.Width, Height: m.Height, PreferredFormats: []string{"jpg"}}
	t := tileJSON{Width: m.TileSize, Height: m.TileSize}
	for k := len(m.Levels) - 1; k >= 0; k-- {
		in.Sizes = append(in.Sizes, sizeJSON{m.Levels[k].Width, m.Levels[k].Height})
	}
	for k := range m.Levels {
		t.ScaleFactors = append(t.ScaleFactors, 1<<k)
	}
	in.Tiles = []tileJSON{t}
	s.writeJSON(w, r, in, imageContext)
}

// image answers an image request {region}/{size}/{rotation}/{quality}.{format}.
func (s *Server) image(w http.ResponseWriter, r *http.Request) {
	rot, qf := r.PathValue("rotation"), r.PathValue("qf")
	if err := checkRotationQuality(rot, qf); err != nil {
		s.fail(w, r, err)
		return
	}
	p, m, err := s.derivatives(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reg, err := parseRegion(r.PathValue("region"), m.Width, m.Height)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ow, oh, err := parseSize(r.PathValue("size"), reg.Dx(), reg.Dy())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	dir := s.cache.dir(p.file.SHA512)
	if name, ok := cached(m, reg, ow, oh); ok {
		s.serveFile(w, r, filepath.Join(dir, name))
		return
	}
	b, err := render(dir, m, reg, ow, oh, s.cfg.Quality)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", cacheControl(r))
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, p string) {
	f, err := os.Open(p)
	if err != nil {
		s.fail(w, r, fmt.Errorf("iiif: derivative missing from the cache: %w", err))
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	// Revalidated on every use: closure is decided per request.
	w.Header().Set("Cache-Control", cacheControl(r))
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

func checkRotationQuality(rot, qf string) error {
	if rot != "0" {
		return fmt.Errorf("%w: rotation %q is not supported (only 0)", errBadRequest, rot)
	}
	q, f, ok := strings.Cut(qf, ".")
	if !ok || (q != "default" && q != "color") || f != "jpg" {
		return fmt.Errorf("%w: quality and format %q are not supported (default.jpg)", errBadRequest, qf)
	}
	return nil
}

// parseRegion parses a region for an image of w x h pixels and clips it.
func parseRegion(s string, w, h int) (image.Rectangle, error) {
	full := image.Rect(0, 0, w, h)
	switch {
	case s == "full":
		return full, nil
	case s == "square":
		d := min(w, h)
		x, y := (w-d)/2, (h-d)/2
		return image.Rect(x, y, x+d, y+d), nil
	}
	var v [4]float64
	pct := strings.HasPrefix(s, "pct:")
	parts := strings.Split(strings.TrimPrefix(s, "pct:"), ",")
	if len(parts) != 4 {
		return image.Rectangle{}, fmt.Errorf("%w: region %q", errBadRequest, s)
	}
	for i, p := range parts {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f < 0 || (!pct && strings.ContainsAny(p, ".eE")) || math.IsInf(f, 0) {
			return image.Rectangle{}, fmt.Errorf("%w: region %q", errBadRequest, s)
		}
		v[i] = f
	}
	if pct {
		v[0], v[2] = v[0]*float64(w)/100, v[2]*float64(w)/100
		v[1], v[3] = v[1]*float64(h)/100, v[3]*float64(h)/100
	}
	if v[0] > 1e9 || v[1] > 1e9 || v[2] > 1e9 || v[3] > 1e9 {
		return image.Rectangle{}, fmt.Errorf("%w: region %q", errBadRequest, s)
	}
	x, y := int(math.Round(v[0])), int(math.Round(v[1]))
	rect := image.Rect(x, y, x+int(math.Round(v[2])), y+int(math.Round(v[3]))).Intersect(full)
	if v[2] <= 0 || v[3] <= 0 || rect.Empty() {
		return image.Rectangle{}, fmt.Errorf("%w: region %q lies outside the image (%dx%d)", errBadRequest, s, w, h)
	}
	return rect, nil
}

// parseSize parses a size for a region of rw x rh pixels. Upscaling is
// not supported.
func parseSize(s string, rw, rh int) (int, int, error) {
	bad := fmt.Errorf("%w: size %q", errBadRequest, s)
	if strings.HasPrefix(s, "^") {
		return 0, 0, fmt.Errorf("%w: size %q: upscaling is not supported", errBadRequest, s)
	}
	var w, h int
	switch {
	case s == "max":
		return rw, rh, nil
	case strings.HasPrefix(s, "pct:"):
		n, err := strconv.ParseFloat(s[4:], 64)
		if err != nil || n <= 0 || n > 100 {
			return 0, 0, bad
		}
		w, h = int(math.Round(float64(rw)*n/100)), int(math.Round(float64(rh)*n/100))
	default:
		fit := strings.HasPrefix(s, "!")
		ws, hs, ok := strings.Cut(strings.TrimPrefix(s, "!"), ",")
		if !ok {
			return 0, 0, bad
		}
		var err error
		num := func(t string) int {
			if t == "" || err != nil {
				return 0
			}
			var n int
			n, err = strconv.Atoi(t)
			if n <= 0 || strings.HasPrefix(t, "+") {
				err = bad
			}
			return n
		}
		w, h = num(ws), num(hs)
		if err != nil || (w == 0 && h == 0) || (fit && (w == 0 || h == 0)) {
			return 0, 0, bad
		}
		switch {
		case fit:
			scale := min(float64(w)/float64(rw), float64(h)/float64(rh))
			w, h = int(math.Round(float64(rw)*scale)), int(math.Round(float64(rh)*scale))
		case h == 0:
			h = int(math.Round(float64(rh) * float64(w) / float64(rw)))
		case w == 0:
			w = int(math.Round(float64(rw) * float64(h) / float64(rh)))
		}
	}
	w, h = max(w, 1), max(h, 1)
	if w > rw || h > rh {
		return 0, 0, fmt.Errorf("%w: size %q is larger than the region (%dx%d); upscaling is not supported", errBadRequest, s, rw, rh)
	}
	return w, h, nil
}

// cached names the derivative that answers region reg at ow x oh, if one
// does: a whole level or a tile (heights may differ by a pixel of
// rounding).
func cached(m *meta, reg image.Rectangle, ow, oh int) (string, bool) {
	near := func(a, b int) bool { return a-b <= 1 && b-a <= 1 }
	if reg == image.Rect(0, 0, m.Width, m.Height) {
		for k, l := range m.Levels {
			if near(ow, l.Width) && near(oh, l.Height) {
				return fmt.Sprintf("s%d.jpg", k), true
			}
		}
	}
	ts := m.TileSize
	for k := range m.Levels {
		sf := 1 << k
		span := ts * sf
		if reg.Min.X%span != 0 || reg.Min.Y%span != 0 {
			continue
		}
		if reg.Dx() != min(span, m.Width-reg.Min.X) || reg.Dy() != min(span, m.Height-reg.Min.Y) {
			continue
		}
		tw, th := (reg.Dx()+sf-1)/sf, (reg.Dy()+sf-1)/sf
		if near(ow, tw) && near(oh, th) {
			return fmt.Sprintf("t%d_%d_%d.jpg", k, reg.Min.X/span, reg.Min.Y/span), true
		}
	}
	return "", false
}

// render computes region reg at ow x oh from the finest level that has at
// least the resolution asked for.
func render(dir string, m *meta, reg image.Rectangle, ow, oh, quality int) ([]byte, error) {
	k := 0
	for k+1 < len(m.Levels) {
		sf := float64(int(1) << (k + 1))
		if float64(reg.Dx())/sf < float64(ow) || float64(reg.Dy())/sf < float64(oh) {
			break
		}
		k++
	}
	f, err := os.Open(filepath.Join(dir, fmt.Sprintf("s%d.jpg", k)))
	if err != nil {
		return nil, fmt.Errorf("iiif: derivative missing from the cache: %w", err)
	}
	src, err := jpeg.Decode(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("iiif: derivative s%d: %w", k, err)
	}
	sf := 1 << k
	sr := image.Rect(reg.Min.X/sf, reg.Min.Y/sf, (reg.Max.X+sf-1)/sf, (reg.Max.Y+sf-1)/sf).Intersect(src.Bounds())
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	xdraw.CatmullRom.Scale(dst, dst.Rect, src, sr, xdraw.Src, nil)
	var b bytes.Buffer
	if err := jpeg.Encode(&b, dst, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
