package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/preservation"
)

// The JSON API (/api/v1) answers from the same public views as the pages;
// its shapes are documented in openapi.yaml. Field names are English,
// messages German.

// apiUnit is the public view of one unit.
type apiUnit struct {
	ID       string `json:"id"`
	Level    string `json:"level"`
	Signatur string `json:"signatur,omitempty"`
	// Title is empty while a closed person-related unit hides it.
	Title        string      `json:"title,omitempty"`
	TitleHidden  bool        `json:"titleHidden,omitempty"`
	Scope        string      `json:"scope,omitempty"`
	Provenance   string      `json:"provenance,omitempty"`
	From         string      `json:"from,omitempty"`
	To           string      `json:"to,omitempty"`
	Extent       string      `json:"extent,omitempty"`
	Language     string      `json:"language,omitempty"`
	SourceRef    string      `json:"sourceRef,omitempty"`
	Persons      []apiPerson `json:"persons,omitempty"`
	Places       []string    `json:"places,omitempty"`
	Subjects     []string    `json:"subjects,omitempty"`
	Parent       string      `json:"parent,omitempty"`
	Bestand      string      `json:"bestand,omitempty"`
	BestandTitle string      `json:"bestandTitle,omitempty"`
	Open         bool        `json:"open"`
	// Release is the first day a closed unit is open ("9999-12-31": not
	// computable yet); absent for open units.
	Release string `json:"release,omitempty"`
	// Governing explains in German the rule that keeps the unit closed.
	Governing string            `json:"governing,omitempty"`
	Ancestors []access.Crumb    `json:"ancestors,omitempty"`
	Fragments []apiFragment     `json:"fragments,omitempty"`
	Links     map[string]string `json:"links"`
}

type apiPerson struct {
	Name  string `json:"name"`
	Birth string `json:"birth,omitempty"`
	Death string `json:"death,omitempty"`
}

type apiFragment struct {
	Field string    `json:"field"`
	Text  string    `json:"text"`
	Marks []apiSpan `json:"marks"`
}

// apiSpan is the byte range [start, end) of a fragment's text.
type apiSpan struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

func newAPIUnit(u preservation.Unit, open bool, release string) apiUnit {
	a := apiUnit{ID: u.ID, Level: u.Level, Signatur: u.Signatur, Title: u.Title, Scope: u.Scope, Provenance: u.Provenance,
		From: u.From, To: u.To, Extent: u.Extent, Language: u.Language, SourceRef: u.SourceRef, Places: u.Places,
		Subjects: u.Subjects, Parent: u.Parent, Bestand: u.Bestand, Open: open}
	for _, p := range u.Persons {
		a.Persons = append(a.Persons, apiPerson(p))
	}
	if !open {
		a.Release = release
		if a.Release == "" {
			a.Release = "9999-12-31"
		}
		a.TitleHidden = u.Title == ""
	}
	self := "/api/v1/units/" + url.PathEscape(shortID(u.ID))
	a.Links = map[string]string{"self": self, "html": unitURL(u.ID), "children": self + "/children"}
	if open && u.AIP != "" {
		a.Links["files"] = self + "/files"
	}
	return a
}

func newAPIHit(h search.Hit) apiUnit {
	a := newAPIUnit(h.Unit, h.Open, h.Release)
	a.BestandTitle = h.BestandTitle
	for _, f := range h.Fragments {
		fr := apiFragment{Field: f.Field, Text: f.Text, Marks: []apiSpan{}}
		for _, m := range f.Marks {
			fr.Marks = append(fr.Marks, apiSpan(m))
		}
		a.Fragments = append(a.Fragments, fr)
	}
	return a
}

// apiList is a page of units.
type apiList struct {
	Total  int        `json:"total"`
	Page   int        `json:"page"`
	Size   int        `json:"size"`
	Hits   []apiUnit  `json:"hits"`
	Facets *apiFacets `json:"facets,omitempty"`
}

type apiFacets struct {
	Bestand []apiFacetValue `json:"bestand"`
	Level   []apiFacetValue `json:"level"`
	Decade  []apiFacetValue `json:"decade"`
	Open    int             `json:"open"`
	Closed  int             `json:"closed"`
}

type apiFacetValue struct {
	Value string `json:"value"`
	Label string `json:"label,omitempty"`
	Count int    `json:"count"`
}

func newAPIList(res *search.Results) apiList {
	l := apiList{Total: res.Total, Page: res.Page, Size: res.Size, Hits: make([]apiUnit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		l.Hits = append(l.Hits, newAPIHit(h))
	}
	if f := res.Facets; f != nil {
		conv := func(vs []search.FacetValue) []apiFacetValue {
			out := make([]apiFacetValue, 0, len(vs))
			for _, v := range vs {
				out = append(out, apiFacetValue(v))
			}
			return out
		}
		l.Facets = &apiFacets{Bestand: conv(f.Bestand), Level: conv(f.Level), Decade: conv(f.Decade), Open: f.Open, Closed: f.Closed}
	}
	return l
}

// apiFile is one file of an open unit.
type apiFile struct {
	Name          string `json:"name"`
	Path          string `json:"path"`
	Size          int64  `json:"size"`
	SHA512        string `json:"sha512"`
	PUID          string `json:"puid,omitempty"`
	FormatName    string `json:"formatName,omitempty"`
	FormatVersion string `json:"formatVersion,omitempty"`
	MediaType     string `json:"mediaType"`
	// URL delivers the file (inline for PDFs and images); Download always
	// as an attachment.
	URL      string `json:"url"`
	Download string `json:"download"`
}

type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Release and Governing describe the closure of a closed unit.
	Release   string `json:"release,omitempty"`
	Governing string `json:"governing,omitempty"`
}

func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, code int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		s.log.Error("web: encode JSON", "err", err)
		code = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":{"status":500,"code":"internal","message":"Interner Fehler"}}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

func (s *Server) apiFail(w http.ResponseWriter, r *http.Request, pu *access.PublicUnit, err error) {
	code := status(err)
	b := apiErrorBody{Status: code}
	switch code {
	case http.StatusNotFound:
		b.Code, b.Message = "not_found", "Nicht gefunden."
	case http.StatusForbidden:
		b.Code, b.Message = "closed", "Die Unterlagen unterliegen einer Schutzfrist und sind noch nicht zugänglich."
		if pu != nil && !pu.Open {
			b.Release, b.Governing = pu.Release, pu.Governing
			if b.Release == "" {
				b.Release = "9999-12-31"
			}
		}
	case http.StatusBadRequest:
		b.Code, b.Message = "bad_request", strings.TrimPrefix(strings.TrimPrefix(err.Error(), "bad request\n"), "search: bad query: ")
	default:
		if code != 499 {
			s.log.Error("web: API request failed", "path", r.URL.Path, "err", err)
		}
		b.Code, b.Message = "internal", "Interner Fehler. Bitte versuchen Sie es später erneut."
	}
	s.writeJSON(w, r, code, apiError{b})
}

// apiPage reads page and size (defaults 1 and 20).
func apiPage(r *http.Request) (int, int, error) {
	p, err := pageParam(r, "page")
	if err != nil {
		return 0, 0, err
	}
	size := search.DefaultSize
	if v := r.URL.Query().Get("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > search.MaxSize {
			return 0, 0, errors.Join(errBadRequest, errors.New("size muss zwischen 1 und 1000 liegen."))
		}
		size = n
	}
	return p, size, nil
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	params, err := readSearchParams(r.URL.Query())
	if err != nil {
		s.apiFail(w, r, nil, err)
		return
	}
	p, size, err := apiPage(r)
	if err != nil {
		s.apiFail(w, r, nil, err)
		return
	}
	q := params.query()
	q.Page, q.Size = p, size
	q.Facets = r.URL.Query().Get("facets") != "0"
	res, err := s.room.Search(r.Context(), q)
	if err != nil {
		s.apiFail(w, r, nil, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, newAPIList(res))
}

func (s *Server) apiRoots(w http.ResponseWriter, r *http.Request) {
	s.apiList(w, r, "")
}

func (s *Server) apiChildren(w http.ResponseWriter, r *http.Request) {
	pu, err := s.unit(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.apiFail(w, r, nil, err)
		return
	}
	s.apiList(w, r, pu.Unit.ID)
}

func (s *Server) apiList(w http.ResponseWriter, r *http.Request, parent string) {
	p, size, err := apiPage(r)
	if err != nil {
		s.apiFail(w, r, nil, err)
		return
	}
	res, err := s.room.Children(r.Context(), parent, p, size)
	if err != nil {
		s.apiFail(w, r, nil, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, newAPIList(res))
}

func (s *Server) apiUnit(w http.ResponseWriter, r *http.Request) {
	pu, err := s.unit(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.apiFail(w, r, nil, err)
		return
	}
	a := newAPIUnit(pu.Unit, pu.Open, pu.Release)
	a.BestandTitle, a.Governing, a.Ancestors = pu.BestandTitle, pu.Governing, pu.Ancestors
	s.writeJSON(w, r, http.StatusOK, a)
}

func (s *Server) apiFiles(w http.ResponseWriter, r *http.Request) {
	pu, err := s.unit(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.apiFail(w, r, nil, err)
		return
	}
	if !pu.Open {
		s.apiFail(w, r, pu, access.ErrClosed)
		return
	}
	if pu.Unit.AIP == "" || s.files == nil {
		s.apiFail(w, r, pu, fs.ErrNotExist)
		return
	}
	files, err := s.files.List(r.Context(), string(pu.Unit.AIP))
	if err != nil {
		s.apiFail(w, r, pu, err)
		return
	}
	out := struct {
		Unit  string    `json:"unit"`
		Files []apiFile `json:"files"`
	}{Unit: pu.Unit.ID, Files: []apiFile{}}
	for _, f := range files {
		fv, ok := newFileView(pu.Unit.ID, f)
		if !ok {
			continue
		}
		out.Files = append(out.Files, apiFile{Name: f.Name, Path: f.Path, Size: f.Size, SHA512: f.SHA512, PUID: f.PUID,
			FormatName: f.FormatName, FormatVersion: f.FormatVersion, MediaType: contentType(f), URL: fv.URL, Download: fv.DownloadURL})
	}
	s.writeJSON(w, r, http.StatusOK, out)
}
