// Package web is magazin's HTTP front: the public reading room in German
// (search, Tektonik browser, unit pages, access-copy viewer and downloads)
// and the JSON API under /api/v1, described in openapi.yaml.
//
// Contract:
//   - Every answer about a unit comes from the reading room (Room: the
//     access service), which returns public views only (closure.Public);
//     every file comes from Files, which refuses the content of closed
//     units. Handlers never read the catalog, the index or a store.
//   - Handlers only read. Pages are rendered with html/template; the one
//     piece of raw HTML is a search fragment (search.Fragment.HTML, which
//     escapes the text and adds <mark> elements).
//   - Every route is registered through the routes table, so that Routes
//     lists them all (the route-enumeration test walks it).
//   - A closed unit's files answer 403 (its unit exists and is locked) or
//     404 (unknown unit, AIP or file); nothing of a closed unit's hidden
//     description appears in any response.
//   - Static assets are embedded; pages use no JavaScript and a strict
//     Content-Security-Policy. The one exception is the image viewer page
//     (/unit/{ref}/digitalisat, iiif.go): it loads the embedded IIIF
//     viewer from /iiif/viewer/ under script-src 'self' (viewerCSP).
//   - With accounts (WithAuth), a request's session cookie names its
//     viewer (access.WithViewer): a unit opened by a closure decision for
//     that user alone is shown whole, and its files delivered, to that
//     user only. Every state-changing form (POST) checks the origin
//     (Sec-Fetch-Site, Origin) and a CSRF token bound to the session (or,
//     before login, to a cookie); responses to logged-in users are
//     private and not stored.
package web

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/preservation"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

//go:embed openapi.yaml
var openAPI []byte

// Room is the reading room: the access service's public views.
type Room interface {
	Search(ctx context.Context, q search.Query) (*search.Results, error)
	// Children lists a unit's children, paged; parent "" lists the roots
	// of the Tektonik.
	Children(ctx context.Context, parent string, page, size int) (*search.Results, error)
	// Unit resolves an id, Signatur or submission id to the unit's public
	// view.
	Unit(ctx context.Context, ref string) (*access.PublicUnit, error)
	// Today is the day closure is decided for (YYYY-MM-DD).
	Today() string
}

// Files delivers the content of open units (access.Content). Both methods
// refuse the AIP of a unit that is closed today with an error matching
// fs.ErrPermission, and an unknown AIP or path with one matching
// fs.ErrNotExist.
type Files interface {
	// List returns the files of the AIP.
	List(ctx context.Context, aip string) ([]preservation.File, error)
	// Open opens the file with logical path path (preservation.File.Path).
	Open(ctx context.Context, aip, path string) (io.ReadSeekCloser, preservation.File, error)
}

// Server serves the reading room.
type Server struct {
	room   Room
	files  Files
	log    *slog.Logger
	tmpl   *template.Template
	mux    *http.ServeMux
	routes []string
	auth   *Auth // nil: no accounts
	ead    EAD   // nil: no EAD routes (SetEAD)
	// archive is the archive's name, the first part of a citation.
	archive string
}

// WithArchiveName names the archive in the citation suggested on unit
// pages (serve --archive); without it the citation starts with the
// Bestand.
func WithArchiveName(name string) Option {
	return func(s *Server) error {
		s.archive = strings.TrimSpace(name)
		return nil
	}
}

// New returns the web front over the reading room and its files. files may
// be nil: then no unit lists or delivers files. WithAuth adds accounts.
func New(room Room, files Files, log *slog.Logger, opts ...Option) (*Server, error) {
	if room == nil {
		return nil, errors.New("web: no reading room")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	s := &Server{room: room, files: files, log: log, tmpl: t, mux: http.NewServeMux()}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	for _, r := range []struct {
		pattern string
		h       http.HandlerFunc
	}{
		{"GET /healthz", s.healthz},
		{"GET /static/{name...}", staticHandler(static)},
		{"GET /favicon.ico", s.favicon},
		{"GET /{$}", s.home},
		{"GET /search", s.search},
		{"GET /signatur", s.signatur},
		{"GET /unit/{ref}", s.unitPage},
		{"GET /unit/{ref}/view/{path...}", s.viewPage},
		{"GET /unit/{ref}/digitalisat", s.iiifViewer},
		{"GET /unit/{ref}/file/{path...}", s.file},
		// Accounts (auth.go, requests.go): every POST checks the CSRF
		// token; the pages answer 404 when accounts are off.
		{"GET /anmelden", s.loginPage},
		{"POST /anmelden", s.login},
		{"POST /abmelden", s.logout},
		{"GET /registrieren", s.registerPage},
		{"POST /registrieren", s.register},
		{"GET /passwort-setzen", s.newPasswordPage},
		{"POST /passwort-setzen", s.newPassword},
		{"GET /konto/antraege", s.myRequests},
		{"GET /unit/{ref}/antrag", s.requestForm},
		{"POST /unit/{ref}/antrag", s.fileRequest},
		{"GET /archiv/antraege", s.staffRequests},
		{"GET /archiv/antraege/{id}", s.decisionPage},
		{"POST /archiv/antraege/{id}", s.decide},
		{"GET /api/v1/openapi.yaml", s.openapi},
		{"GET /api/v1/search", s.apiSearch},
		{"GET /api/v1/units", s.apiRoots},
		{"GET /api/v1/units/{ref}", s.apiUnit},
		{"GET /api/v1/units/{ref}/children", s.apiChildren},
		{"GET /api/v1/units/{ref}/files", s.apiFiles},
		{"GET /api/v1/units/{ref}/ead", s.apiUnitEAD},
		{"GET /api/v1/ead/findbuch/{bestand}", s.apiFindbuch},
		{"GET /api/v1/ead/tektonik", s.apiTektonik},
		{"/", s.notFound},
	} {
		s.mux.HandleFunc(r.pattern, r.h)
		s.routes = append(s.routes, r.pattern)
	}
	return s, nil
}

// Routes returns the patterns of every route the server answers.
func (s *Server) Routes() []string { return append([]string(nil), s.routes...) }

// pageCSP allows the page's own styles, images and framed access copies,
// and nothing else: no scripts, no foreign origins.
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	// Pages depend on the day (a period ends, a decision extends one).
	h.Set("Cache-Control", "no-cache")
	if s.auth != nil {
		// The answer may depend on who asks.
		h.Add("Vary", "Cookie")
		r = s.identify(r)
		if whoFrom(r.Context()) != nil {
			// What a logged-in user sees may be theirs alone.
			h.Set("Cache-Control", "private, no-store")
		}
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ok\n")
}

func staticHandler(fsys fs.FS) http.HandlerFunc {
	files := http.FileServerFS(fsys)
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if fi, err := fs.Stat(fsys, name); err != nil || fi.IsDir() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + name
		files.ServeHTTP(w, r2)
	}
}

// favicon answers the browsers that ask for /favicon.ico regardless of the
// page's icon link.
func (s *Server) favicon(w http.ResponseWriter, r *http.Request) {
	b, err := staticFS.ReadFile("static/favicon.svg")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(b)
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Write(openAPI)
}

// uuidRE matches a bare UUID, the short form of a unit id in URLs.
var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// unit resolves a unit reference from a URL: the unit's id, its id without
// "urn:uuid:", its Signatur, or its submission id.
func (s *Server) unit(ctx context.Context, ref string) (*access.PublicUnit, error) {
	if uuidRE.MatchString(ref) {
		pu, err := s.room.Unit(ctx, "urn:uuid:"+strings.ToLower(ref))
		if !errors.Is(err, fs.ErrNotExist) {
			return pu, err
		}
	}
	return s.room.Unit(ctx, ref)
}

// shortID is a unit id as it appears in URLs: without "urn:uuid:".
func shortID(id string) string {
	if s, ok := strings.CutPrefix(id, "urn:uuid:"); ok && uuidRE.MatchString(s) {
		return s
	}
	return id
}

// Status of an error for a response.
func status(err error) int {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return http.StatusNotFound
	case errors.Is(err, fs.ErrPermission):
		return http.StatusForbidden
	case errors.Is(err, search.ErrQuery), errors.Is(err, errBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, context.Canceled):
		return 499
	}
	return http.StatusInternalServerError
}

var errBadRequest = errors.New("bad request")
