// Package web is magazin's HTTP front: the reading room's HTML pages (in
// German) and, in later issues, the JSON API, authentication and downloads.
//
// Contract: handlers only read; they take what they need through the small
// Catalog interface, never from stores directly. Every page is rendered
// with html/template (contextual escaping).
package web

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"iter"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // German local time even on hosts without a tz database

	"github.com/magazin-archiv/magazin/preservation"
)

//go:embed templates/*.html
var templateFS embed.FS

// Catalog is what the web front reads.
type Catalog interface {
	AIPs(ctx context.Context) iter.Seq2[*preservation.AIP, error]
	AIP(ctx context.Context, id string) (*preservation.AIP, error)
}

// Server serves the web UI.
type Server struct {
	cat  Catalog
	log  *slog.Logger
	tmpl *template.Template
	mux  *http.ServeMux
}

// New returns the web front over cat.
func New(cat Catalog, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t, err := template.New("").Funcs(template.FuncMap{
		"date":  func(t time.Time) string { return t.In(berlin()).Format("02.01.2006 15:04") },
		"bytes": humanBytes,
	}).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	s := &Server{cat: cat, log: log, tmpl: t, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /{$}", s.index)
	s.mux.HandleFunc("GET /aip/{id}", s.detail)
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'")
	s.mux.ServeHTTP(w, r)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	var list []*preservation.AIP
	for a, err := range s.cat.AIPs(r.Context()) {
		if err != nil {
			s.fail(w, err)
			return
		}
		list = append(list, a)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].Created.After(list[j].Created) })
	s.render(w, "index.html", map[string]any{"AIPs": list})
}

func (s *Server) detail(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !strings.HasPrefix(id, "urn:uuid:") {
		id = "urn:uuid:" + id
	}
	a, err := s.cat.AIP(r.Context(), id)
	if errors.Is(err, fs.ErrNotExist) {
		w.WriteHeader(http.StatusNotFound)
		s.render(w, "notfound.html", nil)
		return
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	s.render(w, "aip.html", map[string]any{"AIP": a})
}

func (s *Server) render(w http.ResponseWriter, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := s.tmpl.ExecuteTemplate(w, name, data); err != nil {
		s.log.Error("render", "template", name, "err", err)
	}
}

func (s *Server) fail(w http.ResponseWriter, err error) {
	s.log.Error("request failed", "err", err)
	http.Error(w, "Interner Fehler. Bitte versuchen Sie es später erneut.", http.StatusInternalServerError)
}

func berlin() *time.Location {
	if l, err := time.LoadLocation("Europe/Berlin"); err == nil {
		return l
	}
	return time.UTC
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return itoa(n) + " B"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB"}
	f := float64(n) / unit
	i := 0
	for f >= unit && i < len(units)-1 {
		f /= unit
		i++
	}
	s := strings.Replace(strings.TrimRight(strings.TrimRight(ftoa(f), "0"), "."), ".", ",", 1)
	return s + " " + units[i]
}
