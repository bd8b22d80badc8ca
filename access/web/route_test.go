package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/access/accounts"
	"github.com/magazin-archiv/magazin/access/closure"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/journal"
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
//
// With accounts, the same holds for a logged-in researcher while another
// researcher holds a grant (a closure decision for that researcher alone)
// on the closed person-related unit: the grant opens nothing to anyone
// else.
func TestClosedMeansClosedOnEveryRoute(t *testing.T) {
	other := hidden{secret: "Zimbelmann", content: "ANDERER-INHALT-ZB", first: "Hilde", home: "Altenheim", street: "Gartenweg"}
	a, b := newFixture(t, 0), newFixtureWith(t, 0, other)
	viewers := []string{"anonymous", "another researcher"}
	sessions := map[*fixture]string{}
	for _, f := range []*fixture{a, b} {
		holder := mustCreate(t, f, "ada@example.org", "Ada Forscherin", "researcher")
		grant(t, f, holder.ID, idPersonal)
		mustCreate(t, f, "bert@example.org", "Bert Forscher", "researcher")
		sessions[f] = loginSession(t, f, "bert@example.org")
	}

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
			case "{bestand}":
				vals = append([]string{"20001", short(idBestand), url.PathEscape(idBestand)}, refs...)
			case "{path...}":
				vals = paths
			case "{name...}":
				vals = []string{"style.css", "lock.svg"}
			case "{id}":
				vals = []string{"req-00000000000000000000000000000000", url.PathEscape(idPersonal)}
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
		case strings.Contains(path, "{ref}"), strings.Contains(path, "{bestand}"):
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
	for _, viewer := range viewers {
		for _, rq := range reqs {
			var ca, cb string
			if viewer != "anonymous" {
				ca, cb = sessions[a], sessions[b]
			}
			ra, pattern := serveAs(t, a.srv, rq.method, rq.target, ca)
			rb, _ := serveAs(t, b.srv, rq.method, rq.target, cb)
			matched[pattern] = true
			if ra.code != rb.code || ra.body != rb.body || ra.header.Get("Location") != rb.header.Get("Location") ||
				ra.header.Get("Content-Disposition") != rb.header.Get("Content-Disposition") {
				t.Errorf("%s %s as %s: the response depends on what closed units hide (%d vs %d)\n%s", rq.method, rq.target, viewer, ra.code, rb.code, diff(ra.body, rb.body))
				continue
			}
			unescaped, _ := url.QueryUnescape(rq.target)
			for _, word := range []string{secret, "Erna", "Pflegeheim", "Kirchgasse", secretContent, aipPersonal, short(aipPersonal), aipClosed,
				short(aipClosed), aipMixed, short(aipMixed), aipUndated, short(aipUndated)} {
				if strings.Contains(ra.body, word) && !strings.Contains(unescaped, word) {
					t.Errorf("%s %s as %s: the body shows %q", rq.method, rq.target, viewer, word)
				}
			}
			if strings.Contains(rq.pattern, "{path...}") || strings.HasSuffix(rq.pattern, "/files") {
				ref := strings.Split(strings.TrimPrefix(strings.TrimPrefix(rq.target, "/api/v1/units/"), "/unit/"), "/")[0]
				if isClosedRef[ref] && ra.code != http.StatusForbidden && ra.code != http.StatusNotFound {
					t.Errorf("%s %s as %s: %d, want 403 or 404", rq.method, rq.target, viewer, ra.code)
				}
			}
		}
	}
	for _, p := range a.srv.Routes() {
		if !matched[p] {
			t.Errorf("no request reached the route %q", p)
		}
	}
	t.Logf("%d requests on %d routes, each on two archives, as %d viewers", len(reqs), len(a.srv.Routes()), len(viewers))
}

// serve answers a request, following redirects within the server, and
// returns the final response and the route pattern of the first request.
func serve(t *testing.T, h http.Handler, method, target string) (response, string) {
	t.Helper()
	return serveAs(t, h, method, target, "")
}

// tokenRE finds the forms' CSRF tokens, random by design: responses are
// compared without them.
var tokenRE = regexp.MustCompile(`name="csrf" value="[^"]*"`)

// serveAs is serve with the session cookie session ("" for anonymous).
func serveAs(t *testing.T, h http.Handler, method, target, session string) (response, string) {
	t.Helper()
	var first string
	for range 5 {
		req := httptest.NewRequest(method, target, nil)
		if session != "" {
			req.AddCookie(&http.Cookie{Name: "magazin_session", Value: session})
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if first == "" {
			first = req.Pattern
		}
		b, _ := io.ReadAll(rec.Body)
		r := response{rec.Code, rec.Header(), tokenRE.ReplaceAllString(string(b), `name="csrf" value="…"`)}
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

// grant records a closure decision that opens unit for the account user
// alone, as an archivist's approval does.
func grant(t *testing.T, f *fixture, user, unit string) {
	t.Helper()
	ctx := context.Background()
	commit := func(ctx context.Context, entries ...journal.Entry) error { return f.cat.Commit(ctx, f.j, entries...) }
	d := closure.Decision{ID: "urn:uuid:d0000000-0000-4000-8000-" + fmt.Sprintf("%012d", len(user)), Unit: unit, Kind: closure.KindShorten,
		Scope: closure.ScopeUser, User: user, NewRelease: "2026-11-26", Ground: "§ 10 Abs. 4 SächsArchivG, wissenschaftliches Forschungsvorhaben",
		Approver: "acc-archivist", Date: "2026-11-26"}
	if err := f.room.Decide(ctx, commit, d); err != nil {
		t.Fatal(err)
	}
}

// loginSession logs the account in and returns the session id.
func loginSession(t *testing.T, f *fixture, email string) string {
	t.Helper()
	id, _, _, err := f.acc.Login(context.Background(), email, testPassword, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestStateChangingRoutesRefuseWithoutTokenOrSession enumerates every
// route that changes state (POST) and sends it: without a CSRF token,
// with a wrong one, with the right token from a foreign origin or a
// cross-site fetch, and — for the routes that need a login — with a valid
// pre-login token but no session. Every one is refused with 403 and
// changes nothing (no request filed, no decision journaled, no session
// ended or started).
func TestStateChangingRoutesRefuseWithoutTokenOrSession(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 0)
	ada := mustCreate(t, f, "ada@example.org", "Ada", "researcher")
	mustCreate(t, f, "clara@archiv.example", "Clara", "archivist")
	req, err := f.acc.CreateRequest(ctx, accounts.Request{User: ada.ID, Unit: idClosed, Purpose: "interest", Justification: "x"})
	if err != nil {
		t.Fatal(err)
	}
	researcher, archivist := loginSession(t, f, "ada@example.org"), loginSession(t, f, "clara@archiv.example")
	sessOf := func(id string) *accounts.Session {
		s, _, err := f.acc.Session(ctx, id)
		if err != nil {
			t.Fatalf("session ended: %v", err)
		}
		return s
	}
	const pre = "pre-login-token-pre-login-token-pre-login-token"
	form := url.Values{"email": {"ada@example.org"}, "passwort": {testPassword}, "name": {"Eve"}, "passwort2": {testPassword},
		"zweck": {"interest"}, "begruendung": {"x"}, "entscheidung": {"genehmigen"}, "freigabe": {"2026-11-26"}, "rechtsgrundlage": {"x"}}
	type attempt struct {
		name, session, token, cookie string
		hdr                          map[string]string
	}
	var posts int
	for _, pattern := range f.srv.Routes() {
		path, ok := strings.CutPrefix(pattern, "POST ")
		if !ok {
			if strings.HasPrefix(pattern, "/") {
				continue // the catch-all answers 404 to every method
			}
			if !strings.HasPrefix(pattern, "GET ") {
				t.Errorf("route %q: a method this test does not know", pattern)
			}
			continue
		}
		posts++
		target := strings.NewReplacer("{ref}", short(idClosed), "{id}", req.ID).Replace(path)
		needsLogin := path != "/anmelden" && path != "/registrieren" && path != "/passwort-setzen"
		attempts := []attempt{
			{name: "anonymous without a token"},
			{name: "anonymous with a token but no cookie", token: pre},
			{name: "researcher without a token", session: researcher},
			{name: "researcher with a wrong token", session: researcher, token: sessOf(archivist).CSRF},
			{name: "archivist without a token", session: archivist},
			{name: "archivist, right token, foreign origin", session: archivist, token: sessOf(archivist).CSRF, hdr: map[string]string{"Origin": "https://evil.example"}},
			{name: "archivist, right token, cross-site", session: archivist, token: sessOf(archivist).CSRF, hdr: map[string]string{"Sec-Fetch-Site": "cross-site"}},
		}
		if needsLogin {
			attempts = append(attempts, attempt{name: "anonymous with a valid pre-login token", token: pre, cookie: pre})
		}
		for _, at := range attempts {
			body := url.Values{}
			for k, v := range form {
				body[k] = v
			}
			if at.token != "" {
				body.Set("csrf", at.token)
			}
			r := httptest.NewRequest("POST", target, strings.NewReader(body.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range at.hdr {
				r.Header.Set(k, v)
			}
			if at.session != "" {
				r.AddCookie(&http.Cookie{Name: "magazin_session", Value: at.session})
			}
			if at.cookie != "" {
				r.AddCookie(&http.Cookie{Name: "magazin_csrf", Value: at.cookie})
			}
			rec := httptest.NewRecorder()
			f.srv.ServeHTTP(rec, r)
			if rec.Code != http.StatusForbidden {
				t.Errorf("%s as %s: %d, want 403", pattern, at.name, rec.Code)
			}
			for _, c := range rec.Result().Cookies() {
				if c.Name == "magazin_session" {
					t.Errorf("%s as %s: sets a session cookie", pattern, at.name)
				}
			}
		}
	}
	if posts < 5 {
		t.Errorf("only %d state-changing routes found", posts)
	}
	// Nothing changed.
	sessOf(researcher)
	sessOf(archivist)
	if rs, _ := f.acc.Requests(ctx, nil); len(rs) != 1 || rs[0].Status != accounts.RequestOpen {
		t.Errorf("requests: %+v", rs)
	}
	if ds, _ := f.cat.Decisions(ctx, idClosed); len(ds) != 0 {
		t.Errorf("decisions: %s", ds)
	}
	if us, _ := f.acc.Users(ctx); len(us) != 2 {
		t.Errorf("accounts: %d", len(us))
	}
}
