package web

import (
	"bytes"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/preservation"
)

// Page sizes of the HTML pages.
const (
	searchPageSize   = 20
	childrenPageSize = 50
	filesPageSize    = 200
)

// page is what every template gets.
type page struct {
	Title string
	// Query fills the search box in the header.
	Query string
	// HomeSearch: the page has its own big search box (no header box).
	HomeSearch bool
	Today      string
	Data       any
	// Accounts: the reading room has accounts (login link); User is the
	// logged-in user and CSRF the session's token (logout form).
	Accounts bool
	User     *accountView
	CSRF     string
}

// accountView is the logged-in user in the page header.
type accountView struct {
	Name  string
	Staff bool
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, p page) {
	p.Today = preservation.GermanDate(s.room.Today())
	p.Accounts = s.auth != nil
	if u := whoFrom(r.Context()); u != nil {
		p.User = &accountView{Name: u.user.Name, Staff: u.user.Staff()}
		p.CSRF = u.session.CSRF
	}
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, name, p); err != nil {
		s.log.Error("web: render", "template", name, "err", err)
		http.Error(w, "Interner Fehler. Bitte versuchen Sie es später erneut.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// errorPage describes a failed request.
type errorPage struct {
	Code    int
	Heading string
	Message string
	// Unit is set when the unit is known (e.g. a closed unit's file).
	Unit *unitSummary
}

type unitSummary struct {
	URL, Label    string
	Release       string
	Indefinite    bool
	Governing     string
	PersonRelated bool
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := status(err)
	e := errorPage{Code: code}
	switch code {
	case http.StatusNotFound:
		e.Heading, e.Message = "Nicht gefunden", "Unter dieser Adresse gibt es keine Verzeichnungseinheit und keine Datei."
	case http.StatusForbidden:
		e.Heading, e.Message = "Gesperrt", "Diese Unterlagen unterliegen einer Schutzfrist und sind noch nicht zugänglich."
	case http.StatusBadRequest:
		e.Heading, e.Message = "Ungültige Anfrage", err.Error()
	default:
		if code != 499 {
			s.log.Error("web: request failed", "path", r.URL.Path, "err", err)
		}
		e.Heading, e.Message = "Interner Fehler", "Bitte versuchen Sie es später erneut."
	}
	s.render(w, r, code, "error.html", page{Title: e.Heading, Data: e})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, fs.ErrNotExist)
}

// listView is a paged list of units.
type listView struct {
	Total int
	Hits  []hitView
	Pager pager
}

func newListView(res *search.Results, base string, q url.Values, param string) listView {
	l := listView{Total: res.Total, Pager: newPager(base, q, param, res.Page, res.Size, res.Total)}
	for _, h := range res.Hits {
		l.Hits = append(l.Hits, newHitView(h))
	}
	return l
}

// withoutBestand drops the Bestand from each row: inside a Bestand (or a
// unit of it) it is the same on every row.
func (l listView) withoutBestand() listView {
	for i := range l.Hits {
		l.Hits[i].BestandTitle = ""
	}
	return l
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	p, err := pageParam(r, "seite")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.room.Children(r.Context(), "", p, childrenPageSize)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "home.html", page{Title: "Digitaler Lesesaal", HomeSearch: true,
		Data: newListView(res, "/", url.Values{}, "seite")})
}

// pageParam reads a page number (1 if absent).
func pageParam(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, errors.Join(errBadRequest, errors.New("Die Seitenzahl muss eine positive ganze Zahl sein."))
	}
	return n, nil
}

// maxQuery is the longest search text accepted, in bytes.
const maxQuery = 1000

// searchParams are the parameters of a search, shared by page and API.
type searchParams struct {
	Q       string
	Bestand []string
	Level   []string
	Decade  string
	From    string
	To      string
	Open    string // "", "1" (open) or "0" (closed)
}

func readSearchParams(q url.Values) (searchParams, error) {
	p := searchParams{Q: strings.TrimSpace(q.Get("q")), Bestand: q["bestand"], Level: q["level"], Decade: q.Get("decade"),
		From: q.Get("from"), To: q.Get("to"), Open: q.Get("open")}
	if len(p.Q) > maxQuery {
		return p, errors.Join(errBadRequest, errors.New("Die Suchanfrage ist zu lang."))
	}
	if p.Decade != "" {
		if n, err := strconv.Atoi(p.Decade); err != nil || n%10 != 0 || len(p.Decade) != 4 {
			return p, errors.Join(errBadRequest, errors.New("Das Jahrzehnt muss vierstellig sein und auf 0 enden, z. B. 1950."))
		}
	}
	switch p.Open {
	case "", "1", "0":
	default:
		return p, errors.Join(errBadRequest, errors.New("open muss 1 (zugänglich) oder 0 (gesperrt) sein."))
	}
	return p, nil
}

func (p searchParams) query() search.Query {
	q := search.Query{Text: p.Q, Bestand: p.Bestand, Level: p.Level, From: p.From, To: p.To, Facets: true}
	if p.Decade != "" {
		n, _ := strconv.Atoi(p.Decade)
		q.From, q.To = p.Decade, strconv.Itoa(n+9)
	}
	if p.Open != "" {
		open := p.Open == "1"
		q.Open = &open
	}
	return q
}

func (p searchParams) values() url.Values {
	v := url.Values{}
	if p.Q != "" {
		v.Set("q", p.Q)
	}
	for _, b := range p.Bestand {
		v.Add("bestand", b)
	}
	for _, l := range p.Level {
		v.Add("level", l)
	}
	for k, val := range map[string]string{"decade": p.Decade, "from": p.From, "to": p.To, "open": p.Open} {
		if val != "" {
			v.Set(k, val)
		}
	}
	return v
}

// facetGroup is one facet with links that add or remove its values.
type facetGroup struct {
	Title  string
	Values []facetLink
}

type facetLink struct {
	Label  string
	Count  int
	URL    string
	Active bool
}

// activeFilter is a chosen facet value with the link that drops it.
type activeFilter struct{ Label, RemoveURL string }

type searchView struct {
	Params searchParams
	// Keep are the chosen filters as hidden fields of the search form, so
	// that new words search inside them.
	Keep []hiddenField
	// Prefix suggests a search for the beginnings of the words when a
	// search found nothing (a misspelt ending), with its count.
	Prefix   *prefixSuggestion
	List     listView
	Facets   []facetGroup
	Active   []activeFilter
	Error    string
	Searched bool
}

func searchURL(p searchParams) string {
	if e := p.values().Encode(); e != "" {
		return "/search?" + e
	}
	return "/search"
}

func toggle(vals []string, v string) []string {
	if i := slices.Index(vals, v); i >= 0 {
		return slices.Delete(slices.Clone(vals), i, i+1)
	}
	return append(slices.Clone(vals), v)
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	params, err := readSearchParams(r.URL.Query())
	pg, perr := pageParam(r, "seite")
	if err == nil {
		err = perr
	}
	view := searchView{Params: params}
	code := http.StatusOK
	var res *search.Results
	if err == nil {
		q := params.query()
		q.Page, q.Size = pg, searchPageSize
		res, err = s.room.Search(r.Context(), q)
	}
	if err != nil {
		if status(err) != http.StatusBadRequest {
			s.fail(w, r, err)
			return
		}
		code, view.Error = http.StatusBadRequest, strings.TrimPrefix(strings.TrimPrefix(err.Error(), "bad request\n"), "search: bad query: ")
		res = &search.Results{Page: 1, Size: searchPageSize}
	}
	view.Searched = true
	view.Keep = keepFilters(params)
	if err == nil && res.Total == 0 {
		view.Prefix = s.suggestPrefix(r, params)
	}
	view.List = newListView(res, "/search", params.values(), "seite")
	if res.Facets != nil {
		view.Facets, view.Active = facets(params, res.Facets)
	}
	title := "Suche"
	if params.Q != "" {
		title = "Suche nach „" + params.Q + "“"
	}
	s.render(w, r, code, "search.html", page{Title: title, Query: params.Q, HomeSearch: true, Data: view})
}

// keepFilters are a search's filters as hidden form fields, in a fixed
// order.
func keepFilters(p searchParams) []hiddenField {
	var out []hiddenField
	for _, b := range p.Bestand {
		out = append(out, hiddenField{"bestand", b})
	}
	for _, l := range p.Level {
		out = append(out, hiddenField{"level", l})
	}
	for _, kv := range [][2]string{{"decade", p.Decade}, {"from", p.From}, {"to", p.To}, {"open", p.Open}} {
		if kv[1] != "" {
			out = append(out, hiddenField{kv[0], kv[1]})
		}
	}
	return out
}

// prefixSuggestion is a search for word beginnings that finds something.
type prefixSuggestion struct {
	Q, URL string
	Total  int
}

// prefixWords shortens each word of five or more letters by two letters
// and makes it a prefix ("Mueler" → "Muel*", which finds Müller and
// Mueller); words with digits (Signaturen, years), short words and
// prefixes stay. It returns "" when nothing would change.
func prefixWords(q string) string {
	words := strings.Fields(q)
	changed := false
	for i, w := range words {
		r := []rune(w)
		if len(r) < 5 || strings.ContainsAny(w, `0123456789*"\`) {
			continue
		}
		words[i] = string(r[:len(r)-2]) + "*"
		changed = true
	}
	if !changed {
		return ""
	}
	return strings.Join(words, " ")
}

// suggestPrefix runs the prefix search of a search that found nothing and
// returns it when it finds something. It is an ordinary public search.
func (s *Server) suggestPrefix(r *http.Request, p searchParams) *prefixSuggestion {
	pq := prefixWords(p.Q)
	if pq == "" {
		return nil
	}
	p.Q = pq
	q := p.query()
	q.Page, q.Size, q.Facets = 1, 1, false
	res, err := s.room.Search(r.Context(), q)
	if err != nil || res.Total == 0 {
		return nil
	}
	return &prefixSuggestion{Q: pq, URL: searchURL(p), Total: res.Total}
}

// facets builds the facet links of a search and the list of chosen values.
func facets(p searchParams, f *search.Facets) ([]facetGroup, []activeFilter) {
	var groups []facetGroup
	var active []activeFilter
	labels := map[string]string{}
	if len(f.Bestand) > 0 {
		g := facetGroup{Title: "Bestand"}
		for _, v := range f.Bestand {
			label := v.Label
			if label == "" {
				label = "Bestand ohne Titel"
			}
			labels[v.Value] = label
			q := p
			q.Bestand = toggle(p.Bestand, v.Value)
			g.Values = append(g.Values, facetLink{Label: label, Count: v.Count, URL: searchURL(q), Active: slices.Contains(p.Bestand, v.Value)})
		}
		groups = append(groups, g)
	}
	if len(f.Level) > 0 {
		g := facetGroup{Title: "Verzeichnungsstufe"}
		for _, v := range f.Level {
			q := p
			q.Level = toggle(p.Level, v.Value)
			g.Values = append(g.Values, facetLink{Label: levelName(v.Value), Count: v.Count, URL: searchURL(q), Active: slices.Contains(p.Level, v.Value)})
		}
		groups = append(groups, g)
	}
	if len(f.Decade) > 0 {
		g := facetGroup{Title: "Laufzeit (Jahrzehnt)"}
		for _, v := range f.Decade {
			q := p
			q.Decade = v.Value
			if p.Decade == v.Value {
				q.Decade = ""
			}
			g.Values = append(g.Values, facetLink{Label: v.Value + "er", Count: v.Count, URL: searchURL(q), Active: p.Decade == v.Value})
		}
		groups = append(groups, g)
	}
	if f.Open+f.Closed > 0 {
		g := facetGroup{Title: "Zugang"}
		for _, o := range []struct {
			val, label string
			n          int
		}{{"1", "frei zugänglich", f.Open}, {"0", "gesperrt (Schutzfrist)", f.Closed}} {
			if o.n == 0 && p.Open != o.val {
				continue
			}
			q := p
			q.Open = o.val
			if p.Open == o.val {
				q.Open = ""
			}
			g.Values = append(g.Values, facetLink{Label: o.label, Count: o.n, URL: searchURL(q), Active: p.Open == o.val})
		}
		groups = append(groups, g)
	}
	for _, b := range p.Bestand {
		q := p
		q.Bestand = toggle(p.Bestand, b)
		label := labels[b]
		if label == "" {
			label = b
		}
		active = append(active, activeFilter{Label: "Bestand: " + label, RemoveURL: searchURL(q)})
	}
	for _, l := range p.Level {
		q := p
		q.Level = toggle(p.Level, l)
		active = append(active, activeFilter{Label: "Stufe: " + levelName(l), RemoveURL: searchURL(q)})
	}
	if p.Decade != "" {
		q := p
		q.Decade = ""
		active = append(active, activeFilter{Label: "Jahrzehnt: " + p.Decade + "er", RemoveURL: searchURL(q)})
	}
	if p.From != "" || p.To != "" {
		q := p
		q.From, q.To = "", ""
		active = append(active, activeFilter{Label: "Laufzeit: " + preservation.LaufzeitText(p.From, p.To), RemoveURL: searchURL(q)})
	}
	if p.Open != "" {
		q := p
		q.Open = ""
		label := "Zugang: frei zugänglich"
		if p.Open == "0" {
			label = "Zugang: gesperrt"
		}
		active = append(active, activeFilter{Label: label, RemoveURL: searchURL(q)})
	}
	return groups, active
}

func (s *Server) signatur(w http.ResponseWriter, r *http.Request) {
	sig := strings.TrimSpace(r.URL.Query().Get("s"))
	if sig == "" {
		http.Redirect(w, r, "/search", http.StatusSeeOther)
		return
	}
	pu, err := s.room.Unit(r.Context(), sig)
	if errors.Is(err, fs.ErrNotExist) {
		// Not an exact Signatur: search for it.
		http.Redirect(w, r, searchURL(searchParams{Q: sig}), http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, unitURL(pu.Unit.ID), http.StatusSeeOther)
}

// unitView is a unit page.
type unitView struct {
	ID         string
	URL        string
	Permalink  string // absolute, for citing
	Citation   string // suggested citation (Zitierweise)
	ScopeLabel string
	// ScopeText is the scope note without a leading repeat of its label
	// (a Findbuch's "Enthält u. a.: ..." under the label "Enthält").
	ScopeText string
	Extras    []fact
	// SearchIn is the Bestand a search from this page is limited to (the
	// Bestand itself and the units inside it); nil on other pages.
	SearchIn      *bestandRef
	Title         string
	Hidden        bool
	PersonRelated bool
	Level         string
	Signatur      string
	Laufzeit      string
	U             preservation.Unit
	BestandTitle  string
	Crumbs        []crumb
	Open          bool
	Release       string
	Indefinite    bool
	Governing     string
	Files         []fileView
	FilesPager    pager
	FilesTotal    int
	FilesNote     string
	Pages         int // digitised pages shown by the IIIF viewer
	Children      listView
	ChildLevel    string
	// Grant: the unit is open for the logged-in viewer alone.
	Grant *access.Grant
	// CanRequest: a logged-in or anonymous visitor may request a
	// shortening (accounts are on and the unit is closed).
	CanRequest bool
}

func (s *Server) newUnitView(pu *access.PublicUnit) unitView {
	u := pu.Unit
	v := unitView{ID: u.ID, URL: unitURL(u.ID), Title: u.Title, Level: levelName(u.Level), Signatur: u.Signatur,
		Laufzeit: preservation.LaufzeitText(u.From, u.To), U: u, BestandTitle: pu.BestandTitle, Crumbs: crumbs(pu), Open: pu.Open,
		Governing: pu.Governing, PersonRelated: !pu.Open && u.Closure.Personal && !u.PublishMetadata, Grant: pu.Grant,
		CanRequest: !pu.Open && s.auth != nil && u.Level != preservation.LevelTektonik && u.Level != preservation.LevelBestand &&
			u.Level != preservation.LevelGliederung}
	if v.Title == "" {
		v.Hidden = !pu.Open
		v.Title = untitled(u, pu.Open)
	}
	if !pu.Open {
		v.Release, v.Indefinite = releaseText(pu.Release)
	}
	v.ScopeLabel, v.Extras = scopeLabel(u.Level), extras(u)
	v.ScopeText = scopeText(v.ScopeLabel, u.Scope)
	return v
}

// bestandRef names a Bestand for the search form of its pages.
type bestandRef struct{ ID, Label string }

// bestandOf returns the Signatur and title of the unit's Bestand (the unit
// itself when it is one), from its public view.
func bestandOf(pu *access.PublicUnit) (id, sig, title string) {
	if pu.Unit.Level == preservation.LevelBestand {
		return pu.Unit.ID, pu.Unit.Signatur, pu.Unit.Title
	}
	for _, a := range pu.Ancestors {
		if a.Level == preservation.LevelBestand {
			return a.ID, a.Signatur, pu.BestandTitle
		}
	}
	return pu.Unit.Bestand, "", pu.BestandTitle
}

// absolute makes an absolute URL of path: under the public origin when
// accounts know it (serve --public-url), else on the host the request came
// to. Behind a reverse proxy the request's own host is an internal address
// nobody outside can cite.
func (s *Server) absolute(r *http.Request, path string) string {
	if s.auth != nil && s.auth.Origin != "" {
		if u, err := url.Parse(s.auth.Origin); err == nil {
			return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: path}).String()
		}
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: r.Host, Path: path}).String()
}

// heading is a unit's name for titles: "Signatur Titel".
func (v unitView) heading() string {
	if v.Hidden {
		return strings.TrimSpace(v.Signatur + " (" + v.Level + ", gesperrt)")
	}
	return strings.TrimSpace(v.Signatur + " " + v.Title)
}

func (s *Server) unitPage(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("ref")
	pu, err := s.unit(r.Context(), ref)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if canon := shortID(pu.Unit.ID); ref != canon {
		target := unitURL(pu.Unit.ID)
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusFound)
		return
	}
	cp, err := pageParam(r, "seite")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fp, err := pageParam(r, "dateien")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newUnitView(pu)
	v.Permalink = s.absolute(r, v.URL)
	bid, bsig, btitle := bestandOf(pu)
	cited := pu.Unit.Signatur
	switch {
	case pu.Unit.Level == preservation.LevelBestand:
		cited = ""
	case cited == "" && !v.Hidden:
		// Without a Signatur the title names the unit (what the page
		// shows: never a withheld title).
		cited = v.Title
	}
	v.Citation = citation(s.archive, bsig, btitle, cited, v.Permalink, preservation.GermanDate(s.room.Today()))
	kids, err := s.room.Children(r.Context(), pu.Unit.ID, cp, childrenPageSize)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	keep := url.Values{}
	if fp > 1 {
		keep.Set("dateien", strconv.Itoa(fp))
	}
	v.Children = newListView(kids, v.URL, keep, "seite").withoutBestand()
	if l := pu.Unit.Level; (l == preservation.LevelBestand || l == preservation.LevelGliederung) && bid != "" && kids.Total > 0 {
		label := strings.TrimSpace(bsig + " " + btitle)
		if label == "" {
			label = "diesem Bestand"
		}
		v.SearchIn = &bestandRef{ID: bid, Label: label}
	}
	if pu.Open && pu.Unit.AIP != "" && s.files != nil {
		files, err := s.files.List(r.Context(), string(pu.Unit.AIP))
		switch {
		case errors.Is(err, fs.ErrPermission):
			v.FilesNote = "Die Dateien gehören zu einem Archivpaket, von dem Teile noch einer Schutzfrist unterliegen. Sie sind deshalb noch nicht zugänglich."
		case errors.Is(err, fs.ErrNotExist):
			v.FilesNote = "Zu dieser Einheit sind keine Dateien verfügbar."
		case err != nil:
			s.fail(w, r, err)
			return
		default:
			v.FilesTotal = len(files)
			v.Pages = digitisedPages(files)
			from := (fp - 1) * filesPageSize
			if from < len(files) {
				for _, f := range files[from:min(from+filesPageSize, len(files))] {
					if fv, ok := newFileView(pu.Unit.ID, f); ok {
						v.Files = append(v.Files, fv)
					}
				}
			}
			keep := url.Values{}
			if cp > 1 {
				keep.Set("seite", strconv.Itoa(cp))
			}
			v.FilesPager = newPager(v.URL, keep, "dateien", fp, filesPageSize, len(files))
		}
	}
	s.render(w, r, http.StatusOK, "unit.html", page{Title: v.heading(), Data: v})
}

// viewerView is the access-copy viewer.
type viewerView struct {
	Unit unitView
	File fileView
}

func (s *Server) viewPage(w http.ResponseWriter, r *http.Request) {
	pu, f, err := s.openFile(r)
	if err != nil {
		s.failFile(w, r, pu, err)
		return
	}
	fv, _ := newFileView(pu.Unit.ID, f)
	if fv.Kind == "" {
		http.Redirect(w, r, fv.DownloadURL, http.StatusSeeOther)
		return
	}
	v := viewerView{Unit: s.newUnitView(pu), File: fv}
	v.Unit.Crumbs = append(v.Unit.Crumbs, crumb{URL: v.Unit.URL, Label: v.Unit.heading()})
	s.render(w, r, http.StatusOK, "viewer.html", page{Title: f.Name + " – " + v.Unit.heading(), Data: v})
}

// failFile answers a refused file request: the lock page when the unit is
// known and closed.
func (s *Server) failFile(w http.ResponseWriter, r *http.Request, pu *access.PublicUnit, err error) {
	if pu == nil || status(err) != http.StatusForbidden {
		s.fail(w, r, err)
		return
	}
	v := s.newUnitView(pu)
	e := errorPage{Code: http.StatusForbidden, Heading: "Gesperrt",
		Message: "Die Dateien dieser Einheit unterliegen einer Schutzfrist und sind noch nicht zugänglich.",
		Unit: &unitSummary{URL: v.URL, Label: v.heading(), Release: v.Release, Indefinite: v.Indefinite, Governing: v.Governing,
			PersonRelated: v.PersonRelated}}
	if pu.Open {
		e.Message = "Die Dateien gehören zu einem Archivpaket, von dem Teile noch einer Schutzfrist unterliegen."
		e.Unit.Release, e.Unit.Indefinite, e.Unit.Governing = "", false, ""
	}
	s.render(w, r, http.StatusForbidden, "error.html", page{Title: "Gesperrt", Data: e})
}
