package iiif

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
)

// Room is the reading room's public view of units (access.Service).
type Room interface {
	Unit(ctx context.Context, ref string) (*access.PublicUnit, error)
}

// Files delivers the content of open units (access.Content): both methods
// refuse the AIP of a unit closed today with an error matching
// fs.ErrPermission.
type Files interface {
	List(ctx context.Context, aip string) ([]preservation.File, error)
	Open(ctx context.Context, aip, path string) (io.ReadSeekCloser, preservation.File, error)
}

// Config configures the IIIF server.
type Config struct {
	// CacheDir holds the access derivatives (data dir "iiif/").
	CacheDir string
	// BaseURL is the public URL of the server's root (e.g.
	// "https://archiv.example.de"); empty: taken from each request.
	BaseURL string
	// TileSize is the edge of a tile in pixels (default 512).
	TileSize int
	// Quality is the JPEG quality of derivatives (default 85).
	Quality int
	// MaxPixels bounds the masters decoded (default 200 million pixels).
	MaxPixels int
	// Parallel is how many masters are turned into derivatives at once
	// (default 2; each takes about 8 bytes per pixel of memory).
	Parallel int
}

// DefaultConfig returns the defaults with the cache in dir.
func DefaultConfig(dir string) Config {
	return Config{CacheDir: dir, TileSize: 512, Quality: 85, MaxPixels: 200_000_000, Parallel: 2}
}

// Server serves IIIF. It is an http.Handler and safe for concurrent use.
type Server struct {
	cfg   Config
	room  Room
	files Files
	log   *slog.Logger
	mux   *http.ServeMux
	cache *cache
}

//go:embed viewer
var viewerFS embed.FS

// New returns the IIIF server over the reading room and its files.
func New(cfg Config, room Room, files Files, log *slog.Logger) (*Server, error) {
	if room == nil || files == nil {
		return nil, errors.New("iiif: no reading room or files")
	}
	if cfg.CacheDir == "" {
		return nil, errors.New("iiif: no cache directory")
	}
	d := DefaultConfig(cfg.CacheDir)
	if cfg.TileSize <= 0 {
		cfg.TileSize = d.TileSize
	}
	if cfg.Quality <= 0 || cfg.Quality > 100 {
		cfg.Quality = d.Quality
	}
	if cfg.MaxPixels <= 0 {
		cfg.MaxPixels = d.MaxPixels
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = d.Parallel
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, room: room, files: files, log: log, mux: http.NewServeMux()}
	s.cache = newCache(cfg)
	viewer, err := fs.Sub(viewerFS, "viewer")
	if err != nil {
		return nil, err
	}
	s.mux.HandleFunc("GET /iiif/manifest/{unit}", s.manifest)
	s.mux.HandleFunc("GET /iiif/image/{id}", s.imageBase)
	s.mux.HandleFunc("GET /iiif/image/{id}/info.json", s.info)
	s.mux.HandleFunc("GET /iiif/image/{id}/{region}/{size}/{rotation}/{qf}", s.image)
	s.mux.Handle("GET /iiif/viewer/{name...}", viewerHandler(viewer))
	s.mux.HandleFunc("/iiif/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, fmt.Errorf("%w: no such IIIF resource", fs.ErrNotExist))
	})
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Accept, Range")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// page is one digitised page of a unit.
type page struct {
	n    int // from 1
	aip  string
	file preservation.File
}

// uuidRE matches a bare UUID, the short form of a unit id in URLs.
var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// pages is the closure decision for everything this package serves: the
// public view of the unit ref must be open and its AIP's files deliverable
// (access.Content refuses a closed AIP). It returns the view and the
// unit's pages in order. A closed unit is an error matching
// fs.ErrPermission, an unknown one or one without pages fs.ErrNotExist.
// It is the one place that asks. The viewer is the one of ctx
// (access.ViewerFrom; the public unless the web front's session check set
// one, see web.Server.Identify): a unit opened by a closure decision for a
// researcher alone is served to that researcher only, and the reading room
// records each such access.
func (s *Server) pages(ctx context.Context, ref string) (*access.PublicUnit, []page, error) {
	if uuidRE.MatchString(ref) {
		ref = "urn:uuid:" + strings.ToLower(ref)
	}
	pu, err := s.room.Unit(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	if !pu.Open {
		return nil, nil, access.ErrClosed
	}
	if pu.Unit.AIP == "" {
		return nil, nil, fmt.Errorf("%w: unit %s has no digitised pages", fs.ErrNotExist, pu.Unit.ID)
	}
	files, err := s.files.List(ctx, string(pu.Unit.AIP))
	if err != nil {
		return nil, nil, err
	}
	var ps []page
	for _, f := range Pages(files) {
		ps = append(ps, page{n: len(ps) + 1, aip: string(pu.Unit.AIP), file: f})
	}
	if len(ps) == 0 {
		return nil, nil, fmt.Errorf("%w: unit %s has no digitised pages", fs.ErrNotExist, pu.Unit.ID)
	}
	return pu, ps, nil
}

// Pages returns the files of an AIP that are pages: the submitted TIFF,
// JPEG and PNG files of its original representation, in natural order of
// their names. An AIP without images there (an E-ARK package brings its
// own representations) shows those of the first of its representations,
// by name, that has images, so that a master and an access representation
// of the same pages do not show each page twice.
func Pages(files []preservation.File) []preservation.File {
	byRep := map[string][]preservation.File{}
	var reps []string
	for _, f := range files {
		r, _ := aip.SplitRepresentation(f.Path)
		if f.DerivedFrom != "" || r == "" || !isImage(f) {
			continue
		}
		if byRep[r] == nil {
			reps = append(reps, r)
		}
		byRep[r] = append(byRep[r], f)
	}
	var out []preservation.File
	if o := byRep[preservation.RepresentationOriginal]; len(o) > 0 {
		out = o
	} else if len(reps) > 0 {
		slices.Sort(reps)
		out = byRep[reps[0]]
	}
	slices.SortStableFunc(out, func(a, b preservation.File) int { return preservation.NaturalCompare(a.Name, b.Name) })
	return out
}

func isImage(f preservation.File) bool {
	switch f.MIME {
	case "image/tiff", "image/jpeg", "image/png":
		return true
	case "":
		switch strings.ToLower(path.Ext(f.Name)) {
		case ".tif", ".tiff", ".jpg", ".jpeg", ".png":
			return true
		}
	}
	return false
}

// page resolves an image id "<unit>~<n>" to its page, through pages.
func (s *Server) page(ctx context.Context, id string) (*access.PublicUnit, page, error) {
	unit, num, ok := strings.Cut(id, "~")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n < 1 || unit == "" {
		return nil, page{}, fmt.Errorf("%w: no image %q", fs.ErrNotExist, id)
	}
	pu, ps, err := s.pages(ctx, unit)
	if err != nil {
		return nil, page{}, err
	}
	if n > len(ps) {
		return nil, page{}, fmt.Errorf("%w: unit has %d pages", fs.ErrNotExist, len(ps))
	}
	return pu, ps[n-1], nil
}

// ImageID is the image id of page n (from 1) of the unit id.
func ImageID(unitID string, n int) string { return shortID(unitID) + "~" + strconv.Itoa(n) }

// ManifestPath is the path of the manifest of the unit id.
func ManifestPath(unitID string) string { return "/iiif/manifest/" + url.PathEscape(shortID(unitID)) }

func shortID(id string) string {
	if s, ok := strings.CutPrefix(id, "urn:uuid:"); ok && uuidRE.MatchString(s) {
		return s
	}
	return id
}

// base is the public URL of the server's root for r.
func (s *Server) base(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) imageURL(r *http.Request, id string) string {
	return s.base(r) + "/iiif/image/" + url.PathEscape(id)
}

// errBadRequest marks a malformed or unsupported IIIF request.
var errBadRequest = errors.New("iiif: bad request")

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := http.StatusInternalServerError
	msg := "Interner Fehler"
	switch {
	case errors.Is(err, fs.ErrNotExist):
		code, msg = http.StatusNotFound, "Nicht gefunden"
	case errors.Is(err, fs.ErrPermission):
		code, msg = http.StatusForbidden, "Gesperrt: die Einheit unterliegt einer Schutzfrist"
	case errors.Is(err, errBadRequest):
		code, msg = http.StatusBadRequest, err.Error()
	case errors.Is(err, context.Canceled):
		return
	default:
		s.log.Error("iiif", "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	io.WriteString(w, msg+"\n")
}

func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, v any, profile string) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ct := "application/json"
	if strings.Contains(r.Header.Get("Accept"), "application/ld+json") {
		ct = `application/ld+json;profile="` + profile + `"`
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", cacheControl(r))
	w.Write(append(b, '\n'))
}

// cacheControl is the caching of an answer: revalidated on every use,
// since closure depends on the day, and kept by the browser alone when a
// grant for its logged-in viewer may have opened it.
func cacheControl(r *http.Request) string {
	if access.ViewerFrom(r.Context()).User != "" {
		return "private, no-cache"
	}
	return "no-cache"
}

func viewerHandler(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if fi, err := fs.Stat(fsys, name); err != nil || fi.IsDir() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + name
		files.ServeHTTP(w, r2)
	})
}
