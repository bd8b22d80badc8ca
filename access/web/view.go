package web

import (
	"html/template"
	"mime"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/closure"
	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
)

var funcs = template.FuncMap{
	"date":     preservation.GermanDate,
	"bytes":    humanBytes,
	"level":    levelName,
	"levelPl":  levelPlural,
	"laufzeit": preservation.LaufzeitText,
	"num":      germanNumber,
	// fragment is the only way raw HTML reaches a page: search.Fragment.HTML
	// escapes the field's text and adds <mark> elements around the marks.
	"fragment": func(f search.Fragment) template.HTML { return template.HTML(f.HTML()) },
	"field":    fieldName,
	"sform":    func(q string, keep []hiddenField) searchForm { return searchForm{Q: q, Keep: keep} },
}

// searchForm fills the big search form: the words, and the chosen filters
// a new search keeps (the search page's facets).
type searchForm struct {
	Q    string
	Keep []hiddenField
}

var levelNames = map[string][2]string{
	preservation.LevelTektonik:   {"Tektonikgruppe", "Tektonikgruppen"},
	preservation.LevelBestand:    {"Bestand", "Bestände"},
	preservation.LevelGliederung: {"Gliederungspunkt", "Gliederungspunkte"},
	preservation.LevelAkte:       {"Akte", "Akten"},
	preservation.LevelVorgang:    {"Vorgang", "Vorgänge"},
	preservation.LevelDokument:   {"Dokument", "Dokumente"},
}

func levelName(l string) string {
	if n, ok := levelNames[l]; ok {
		return n[0]
	}
	return l
}

func levelPlural(l string) string {
	if n, ok := levelNames[l]; ok {
		return n[1]
	}
	return l
}

var fieldNames = map[string]string{
	"title": "Titel", "scope": "Enthält", "persons": "Person", "places": "Ort",
	"subjects": "Sachbegriff", "sourceRef": "Aktenzeichen", "provenance": "Provenienz",
}

func fieldName(f string) string {
	if n, ok := fieldNames[f]; ok {
		return n
	}
	return f
}

// germanNumber writes n with a dot every three digits: 100.000.
func germanNumber(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + germanNumber(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB"}
	f := float64(n) / unit
	i := 0
	for f >= unit && i < len(units)-1 {
		f /= unit
		i++
	}
	s := strconv.FormatFloat(f, 'f', 1, 64)
	s = strings.TrimSuffix(strings.TrimSuffix(s, "0"), ".")
	return strings.Replace(s, ".", ",", 1) + " " + units[i]
}

// unitURL is the permalink of a unit.
func unitURL(id string) string { return "/unit/" + url.PathEscape(shortID(id)) }

// filePart is the part of a file's URL after /unit/{ref}/file/: the
// representation, then the path inside its data directory, each segment
// escaped: "original/Akte%201/Brief.pdf".
func filePart(logical string) (string, bool) {
	rest, ok := strings.CutPrefix(logical, "representations/")
	if !ok {
		return "", false
	}
	rep, inside, ok := strings.Cut(rest, "/data/")
	if !ok || rep == "" || strings.Contains(rep, "/") || inside == "" {
		return "", false
	}
	segs := strings.Split(rep+"/"+inside, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/"), true
}

// logicalPath is the inverse of filePart (on the unescaped path value).
func logicalPath(part string) (string, bool) {
	rep, inside, ok := strings.Cut(part, "/")
	if !ok || rep == "" || inside == "" {
		return "", false
	}
	return "representations/" + rep + "/data/" + inside, true
}

// inline types are shown in the browser; everything else is downloaded.
var inline = map[string]string{
	"application/pdf": "pdf",
	"image/png":       "image",
	"image/jpeg":      "image",
	"image/gif":       "image",
	"image/webp":      "image",
}

// contentType is the media type a file is served with: the identified
// format's, else one guessed from the name, else application/octet-stream.
func contentType(f preservation.File) string {
	for _, m := range []string{f.MIME, mime.TypeByExtension(strings.ToLower(path.Ext(f.Name)))} {
		// siegfried may name several types: "image/jpeg, image/pjpeg"
		m, _, _ = strings.Cut(m, ",")
		if mt, params, err := mime.ParseMediaType(strings.TrimSpace(m)); err == nil && strings.Contains(mt, "/") {
			delete(params, "name")
			return mime.FormatMediaType(mt, params)
		}
	}
	return "application/octet-stream"
}

// kind is "pdf" or "image" for a file shown inline, else "".
func kind(f preservation.File) string {
	mt, _, _ := mime.ParseMediaType(contentType(f))
	return inline[mt]
}

// fileView is one row of a unit's file list.
type fileView struct {
	Name, Format, PUID string
	Size               int64
	Kind               string // "pdf", "image" or ""
	ViewURL, URL       string
	DownloadURL        string
}

func newFileView(unitID string, f preservation.File) (fileView, bool) {
	part, ok := filePart(f.Path)
	if !ok {
		return fileView{}, false
	}
	base := unitURL(unitID)
	v := fileView{Name: displayName(f), PUID: f.PUID, Size: f.Size, Kind: kind(f),
		URL: base + "/file/" + part, DownloadURL: base + "/file/" + part + "?download=1"}
	v.Format = f.FormatName
	if f.FormatVersion != "" && !strings.Contains(f.FormatName, f.FormatVersion) {
		v.Format += " " + f.FormatVersion
	}
	v.Format = strings.TrimSpace(v.Format)
	if v.Kind != "" {
		v.ViewURL = base + "/view/" + part
	}
	return v, true
}

// displayName is a file's name for readers: its submitted name, but a
// file an E-ARK package brought in a representation of its own, whose
// submitted name is its package path ("representations/rep1/data/Akte
// 1/Brief.pdf"), is named by the representation and the path inside its
// data folder ("rep1/Akte 1/Brief.pdf").
func displayName(f preservation.File) string {
	rep, rest := aip.SplitRepresentation(f.Name)
	if rep == "" || f.Name != f.Path {
		return f.Name
	}
	return rep + "/" + rest
}

// hitView is one unit in a list (search hits, children, roots).
type hitView struct {
	URL                string
	Title              template.HTML // escaped, with marks when searched
	Hidden             bool          // the title is withheld
	Signatur, Level    string
	Laufzeit           string
	BestandTitle       string
	Open               bool
	Release            string // German date, "" when open
	Indefinite         bool
	Fragments          []search.Fragment
	ChildLabel         string
	HasTitleHighlights bool
}

func newHitView(h search.Hit) hitView {
	u := h.Unit
	v := hitView{URL: unitURL(u.ID), Signatur: u.Signatur, Level: levelName(u.Level), Laufzeit: preservation.LaufzeitText(u.From, u.To),
		BestandTitle: h.BestandTitle, Open: h.Open}
	if !h.Open {
		v.Release, v.Indefinite = releaseText(h.Release)
	}
	v.Title = template.HTML(template.HTMLEscapeString(u.Title))
	for _, f := range h.Fragments {
		if f.Field == "title" && f.Text == u.Title {
			v.Title = template.HTML(f.HTML())
			v.HasTitleHighlights = true
			continue
		}
		v.Fragments = append(v.Fragments, f)
	}
	if u.Title == "" {
		v.Hidden = !h.Open
		v.Title = template.HTML(template.HTMLEscapeString(untitled(u, h.Open)))
	}
	return v
}

// untitled is what a unit without a public title is called.
func untitled(u preservation.Unit, open bool) string {
	if !open {
		return "Titel gesperrt (personenbezogenes Archivgut)"
	}
	return "Ohne Titel"
}

// releaseText is the German release date, or "" and true when the period
// cannot be computed yet.
func releaseText(release string) (string, bool) {
	if release == "" || release == closure.Indefinitely {
		return "", true
	}
	return preservation.GermanDate(release), false
}

// crumb is one step of the breadcrumbs.
type crumb struct{ URL, Label string }

func crumbs(pu *access.PublicUnit) []crumb {
	out := []crumb{{URL: "/", Label: "Tektonik"}}
	for _, a := range pu.Ancestors {
		label := strings.TrimSpace(a.Signatur + " " + a.Title)
		if a.Title == "" && a.Level != preservation.LevelTektonik {
			label = strings.TrimSpace(a.Signatur + " (" + levelName(a.Level) + ")")
		}
		if label == "" {
			label = levelName(a.Level)
		}
		out = append(out, crumb{URL: unitURL(a.ID), Label: label})
	}
	return out
}

// pager is a page navigation.
type pager struct {
	Page, Pages, Total int
	First, Prev        string
	Next, Last         string
	Numbers            []pageLink
	// Param and Hidden let a small form jump to a page.
	Param  string
	Action string
	Hidden []hiddenField
}

type pageLink struct {
	N       int
	URL     string
	Current bool
	Gap     bool
}

type hiddenField struct{ Name, Value string }

// newPager builds the navigation for total items, size per page, on page,
// linking to base with the page number in param.
func newPager(base string, q url.Values, param string, page, size, total int) pager {
	pages := max(1, (total+size-1)/size)
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			if k != param {
				v[k] = vs
			}
		}
		if n > 1 {
			v.Set(param, strconv.Itoa(n))
		}
		if e := v.Encode(); e != "" {
			return base + "?" + e
		}
		return base
	}
	p := pager{Page: page, Pages: pages, Total: total, Param: param, Action: base}
	for k, vs := range q {
		if k == param {
			continue
		}
		for _, val := range vs {
			p.Hidden = append(p.Hidden, hiddenField{k, val})
		}
	}
	if page > 1 {
		p.First, p.Prev = link(1), link(min(page-1, pages))
	}
	if page < pages {
		p.Next, p.Last = link(page+1), link(pages)
	}
	lastGap := false
	for n := 1; n <= pages; n++ {
		if n == 1 || n == pages || (n >= page-2 && n <= page+2) {
			p.Numbers = append(p.Numbers, pageLink{N: n, URL: link(n), Current: n == page})
			lastGap = false
		} else if !lastGap {
			p.Numbers = append(p.Numbers, pageLink{Gap: true})
			lastGap = true
			// jump over the middle: pages can be many thousands
			if n < page-2 {
				n = page - 3
			} else {
				n = pages - 1
			}
		}
	}
	return p
}

// fact is one labelled line of a unit's description.
type fact struct{ Label, Value string }

// extraFacts are the descriptive fields a finding aid brought along
// (preservation.Unit.Extra, written by the EAD reader, profiles/ead) that a
// researcher reads on the unit page, in the order of a printed Findbuch,
// with their German names. Other Extra keys (the xdomea profile's
// administrative data such as retention or appraisal proposals, the
// closure notes the closure engine already shows) stay off the page.
// closure.Public drops Extra of a closed person-related unit.
var extraFacts = []struct{ key, label string }{
	{"unitdate", "Datierung (laut Findbuch)"},
	{"abstract", "Darin, Vermerke"},
	{"genreform", "Archivalientyp"},
	{"vorprovenienz", "Vorprovenienz"},
	{"urheber", "Urheber"},
	{"materialspec", "Material"},
	{"dimensions", "Maße"},
	{"bioghist", "Geschichte des Bestandsbildners"},
	{"custodhist", "Bestandsgeschichte"},
	{"arrangement", "Ordnung"},
	{"odd", "Sonstige Erschließungsangaben"},
	{"relatedmaterial", "Verwandte Unterlagen"},
	{"separatedmaterial", "Ausgelagerte Unterlagen"},
	{"originalsloc", "Verbleib der Originale"},
	{"altformavail", "Andere Überlieferungsformen"},
	{"bibliography", "Literatur"},
	{"phystech", "Erhaltungszustand"},
	{"userestrict", "Nutzungsbedingungen"},
	{"prefercite", "Zitierweise laut Findbuch"},
	{"Aktenplaneinheit", "Aktenplaneinheit"},
}

func extras(u preservation.Unit) []fact {
	var out []fact
	for _, e := range extraFacts {
		if v := strings.TrimSpace(u.Extra[e.key]); v != "" {
			out = append(out, fact{Label: e.label, Value: v})
		}
	}
	return out
}

// scopeLabel names a unit's scope note: "Enthält" for files and documents,
// as in a Findbuch; a description of a Bestand or a group is its "Inhalt".
func scopeLabel(level string) string {
	switch level {
	case preservation.LevelTektonik, preservation.LevelBestand, preservation.LevelGliederung:
		return "Inhalt"
	}
	return "Enthält"
}

// scopeText returns a scope note for showing under label: a leading
// repeat of the label ("Enthält u. a.: Briefe" under "Enthält") loses the
// label word and its colon ("u. a.: Briefe"); other text stays as it is.
func scopeText(label, text string) string {
	t := strings.TrimSpace(text)
	if len(t) < len(label) || !strings.EqualFold(t[:len(label)], label) {
		return text
	}
	rest := t[len(label):]
	if rest != "" && rest[0] != ' ' && rest[0] != ':' {
		return text // a longer word ("Enthältnis")
	}
	rest = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), ":"))
	if rest == "" {
		return text
	}
	return rest
}

// citation is the suggested way to cite a unit in German footnote style:
// archive, Bestand, Signatur, then the stable URL and the day it was read,
// e.g. "Sächsisches Staatsarchiv, 20050 Kreisamt Grimma, Nr. 36,
// https://…/unit/… (abgerufen am 26.11.2026)". The Bestand's Signatur is
// not repeated when the unit's Signatur starts with it. It uses only what
// the page shows: no title, so a closed unit's citation hides nothing.
func citation(archive, bestandSig, bestandTitle, signatur, permalink, today string) string {
	var parts []string
	if archive != "" {
		parts = append(parts, archive)
	}
	if b := strings.TrimSpace(bestandSig + " " + bestandTitle); b != "" && bestandSig != signatur {
		parts = append(parts, b)
		if rest, ok := strings.CutPrefix(signatur, bestandSig+" "); ok && bestandSig != "" {
			signatur = rest
		}
	}
	if signatur != "" {
		parts = append(parts, signatur)
	}
	parts = append(parts, permalink+" (abgerufen am "+today+")")
	return strings.Join(parts, ", ")
}
