package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/preservation/aip"
)

// TestClosedMeansClosedOnEveryRoute enumerates the server's routes and
// requests each of them anonymously for the closed units of the fixture —
// by id, short id, Signatur, by their AIP's id, their files' paths, with
// search words taken from what they hide — on two archives that differ only
// in what the closed units hide (titles, scope, persons, file names, file
// content). Every response must be the same on both: whatever a closed
// unit hides cannot reach a response (HTML, JSON, snippets, facet counts,
// hit counts, downloads) if changing it changes nothing. In addition,
// every file route answers 403 or 404 for a closed unit's files, and the
// hidden words appear in no body unless the request itself carries them.
//
// A new route is requested automatically: its wildcards are filled from the
// table below, and a wildcard the table does not know fails the test.
func TestClosedMeansClosedOnEveryRoute(t *testing.T) {
	other := hidden{secret: "Zimbelmann", content: "ANDERER-INHALT-ZB", first: "Hilde", home: "Altenheim", street: "Gartenweg"}
	a, b := newFixture(t, 0), newFixtureWith(t, 0, other)

	closedUnits := map[string]string{ // id -> Signatur
		idClosed: "20001 Nr. 1", idPersonal: "20001 Nr. 2", idPersDoc: "20001 Nr. 2/1",
		idMixedDoc: "20001 Nr. 4/1", idUndated: "20001 Nr. 5",
	}
	// Units whose files are closed: the closed ones, and the open Akte whose
	// AIP holds a closed document.
	filesClosed := map[string]bool{idMixed: true}
	var refs []string
	add := func(id, sig string) {
		refs = append(refs, url.PathEscape(id), short(id))
		if sig != "" {
			refs = append(refs, url.PathEscape(sig))
		}
	}
	for id, sig := range closedUnits {
		add(id, sig)
		filesClosed[id] = true
	}
	add(idMixed, "20001 Nr. 4")
	closedAIPs := []string{aipClosed, aipPersonal, aipMixed, aipUndated}
	for _, id := range closedAIPs {
		add(id, "") // an AIP id is no unit reference
	}
	add(idOpen, "20001 Nr. 3") // closed files' paths under an open unit
	isClosedRef := map[string]bool{}
	for _, r := range refs {
		for id := range filesClosed {
			if r == url.PathEscape(id) || r == short(id) || r == url.PathEscape(closedUnits[id]) || (id == idMixed && r == url.PathEscape("20001 Nr. 4")) {
				isClosedRef[r] = true
			}
		}
		for _, id := range closedAIPs {
			if r == url.PathEscape(id) || r == short(id) {
				isClosedRef[r] = true
			}
		}
	}

	// Paths of files: every closed file in both archives, an open file, and
	// the AIP's metadata.
	var paths []string
	for _, f := range []*fixture{a, b} {
		for k := range f.files {
			id, p, _ := strings.Cut(k, "|")
			if id == aipOpen && !strings.HasSuffix(p, pdfName) {
				continue
			}
			rest := strings.TrimPrefix(p, aip.PrefixOriginal)
			paths = append(paths, "original/"+escapeSegments(rest))
		}
	}
	paths = append(paths, "original/"+url.PathEscape(pdfName), "METS.xml", "metadata/descriptive/description.json",
		"metadata/preservation/premis.xml", "original/..%2F..%2FMETS.xml")

	searchQueries := []string{"", "q=" + secret, "q=" + secret + "*", "q=Quap*", "q=Erna", "q=Pflegeheim", "q=Gutachten", "q=Zeugnis",
		"q=Kirchgasse", "q=50-" + secret + "%2F2001", "q=M%C3%BCllrose", "q=M%C3%BCllrose&open=0", "q=Erna&open=0&level=akte",
		"q=" + secret + "&bestand=" + url.QueryEscape(idBestand) + "&decade=2010", "level=dokument", "open=0", "decade=2010&open=0",
		"s=" + url.QueryEscape("20001 Nr. 2"), "s=" + secret, "page=1&size=1000", "seite=1", "facets=1&q=" + secret}
	refQueries := []string{"", "seite=1&dateien=1", "page=1&size=1000"}
	fileQueries := []string{"", "download=1"}

	type req struct{ method, target, pattern string }
	var reqs []req
	wild := regexp.MustCompile(`\{[^}]*\}`)
	for _, pattern := range a.srv.Routes() {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			method, path = "", pattern
		}
		targets := []string{path}
		for _, w := range wild.FindAllString(path, -1) {
			var vals []string
			switch w {
			case "{$}":
				vals = []string{""}
			case "{ref}":
				vals = refs
			case "{path...}":
				vals = paths
			case "{name...}":
				vals = []string{"style.css", "lock.svg"}
			default:
				t.Fatalf("route %q has the wildcard %s, which this test cannot fill: teach it", pattern, w)
			}
			var next []string
			for _, tg := range targets {
				for _, v := range vals {
					next = append(next, strings.Replace(tg, w, v, 1))
				}
			}
			targets = next
		}
		queries := searchQueries
		switch {
		case strings.Contains(path, "{path...}"):
			queries = fileQueries
		case strings.Contains(path, "{ref}"):
			queries = refQueries
		}
		if path == "/" {
			// The catch-all: guessable URLs of archival packages and
			// their files.
			targets = nil
			for _, id := range closedAIPs {
				for _, form := range []string{id, short(id)} {
					targets = append(targets, "/aip/"+form, "/aips/"+form, "/api/v1/aips/"+form, "/files/"+form+"/original/undatiert.pdf",
						"/"+aip.ObjectKey(id)+"/inventory.json", "/download/"+form, "/api/v1/files/"+form)
				}
			}
			targets = append(targets, "/aip", "/aips", "/admin", "/api/v1/units/"+short(idClosed)+"/files/original/x.pdf")
		}
		methods := []string{method}
		if method == "" {
			methods = []string{"GET", "POST"}
		}
		for _, m := range methods {
			for _, tg := range targets {
				for _, q := range queries {
					target := tg
					if q != "" {
						target += "?" + q
					}
					reqs = append(reqs, req{m, target, pattern})
				}
			}
		}
	}

	matched := map[string]bool{}
	for _, rq := range reqs {
		ra, pattern := serve(t, a.srv, rq.method, rq.target)
		rb, _ := serve(t, b.srv, rq.method, rq.target)
		matched[pattern] = true
		if ra.code != rb.code || ra.body != rb.body || ra.header.Get("Location") != rb.header.Get("Location") ||
			ra.header.Get("Content-Disposition") != rb.header.Get("Content-Disposition") {
			t.Errorf("%s %s: the response depends on what closed units hide (%d vs %d)\n%s", rq.method, rq.target, ra.code, rb.code, diff(ra.body, rb.body))
			continue
		}
		unescaped, _ := url.QueryUnescape(rq.target)
		for _, word := range []string{secret, "Erna", "Pflegeheim", "Kirchgasse", secretContent, aipPersonal, short(aipPersonal), aipClosed,
			short(aipClosed), aipMixed, short(aipMixed), aipUndated, short(aipUndated)} {
			if strings.Contains(ra.body, word) && !strings.Contains(unescaped, word) {
				t.Errorf("%s %s: the body shows %q", rq.method, rq.target, word)
			}
		}
		if strings.Contains(rq.pattern, "{path...}") || strings.HasSuffix(rq.pattern, "/files") {
			ref := strings.Split(strings.TrimPrefix(strings.TrimPrefix(rq.target, "/api/v1/units/"), "/unit/"), "/")[0]
			if isClosedRef[ref] && ra.code != http.StatusForbidden && ra.code != http.StatusNotFound {
				t.Errorf("%s %s: %d, want 403 or 404", rq.method, rq.target, ra.code)
			}
		}
	}
	for _, p := range a.srv.Routes() {
		if !matched[p] {
			t.Errorf("no request reached the route %q", p)
		}
	}
	t.Logf("%d requests on %d routes, each on two archives", len(reqs), len(a.srv.Routes()))
}

// serve answers a request, following redirects within the server, and
// returns the final response and the route pattern of the first request.
func serve(t *testing.T, h http.Handler, method, target string) (response, string) {
	t.Helper()
	var first string
	for range 5 {
		req := httptest.NewRequest(method, target, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if first == "" {
			first = req.Pattern
		}
		b, _ := io.ReadAll(rec.Body)
		r := response{rec.Code, rec.Header(), string(b)}
		loc := rec.Header().Get("Location")
		if rec.Code < 300 || rec.Code >= 400 || loc == "" {
			return r, first
		}
		u, err := url.Parse(loc)
		if err != nil || u.Host != "" {
			t.Fatalf("%s %s redirects to %q", method, target, loc)
		}
		if !strings.HasPrefix(loc, "/") {
			base, _ := url.Parse(target)
			loc = base.ResolveReference(u).String()
		}
		target, method = loc, "GET"
	}
	t.Fatalf("%s: too many redirects", target)
	return response{}, ""
}

func escapeSegments(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// diff shows where two bodies part.
func diff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	return fmt.Sprintf("…%s…\nvs …%s…", a[from:min(len(a), i+80)], b[from:min(len(b), i+80)])
}
