package desk_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/access/accounts"
	"github.com/magazin-archiv/magazin/access/desk"
)

type fixture struct {
	h     *desk.Handler
	calls *calls
	offer *fakeOffers
	desc  *fakeDescriptions
	quar  *fakeQuarantine
	// acc is a real accounts database (in memory) with the accounts of
	// newAccounts.
	acc *accounts.DB
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	c := &calls{}
	f := &fixture{calls: c, offer: newFakeOffers(c), desc: newFakeDescriptions(c), acc: newAccounts(t)}
	f.quar = newFakeQuarantine(c)
	h, err := desk.New(desk.Config{Auth: newTestAuth(), Ingests: fakeIngests{}, Offers: f.offer, Descriptions: f.desc, Audits: fakeAudits{},
		Accounts: recordingAccounts{desk.AccountsOver(f.acc), c}, Quarantine: f.quar})
	if err != nil {
		t.Fatal(err)
	}
	f.h = h
	return f
}

// do sends a request as user ("" = anonymous); form != nil makes it a
// POST.
func (f *fixture) do(t *testing.T, user, method, target string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if user != "" {
		r.Header.Set("X-Test-User", user)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// targets fills the wildcards of every route.
func targets(t *testing.T, f *fixture) []struct{ method, path string } {
	h := f.h
	t.Helper()
	fill := strings.NewReplacer("{$}", "", "{process}", url.PathEscape(pid), "{id}", url.PathEscape(unitID), "{job}", "j2")
	// Account routes name an account that exists.
	if u, err := f.acc.ByEmail(context.Background(), "rolf@example.org"); err == nil {
		fill = strings.NewReplacer("{$}", "", "{process}", url.PathEscape(pid), "konten/{id}", "konten/"+u.ID, "{id}", url.PathEscape(unitID), "{job}", "j2")
	}
	var out []struct{ method, path string }
	for _, p := range h.Routes() {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			method, path = "GET", p+"gibt-es-nicht"
		}
		path = fill.Replace(path)
		if strings.Contains(path, "{") {
			t.Fatalf("route %q has a wildcard the test does not know", p)
		}
		out = append(out, struct{ method, path string }{method, path})
		if method == "GET" {
			out = append(out, struct{ method, path string }{"POST", path})
		}
	}
	return out
}

// Every route refuses anonymous requests (pages go to the login, forms get
// 401) and identities that are neither archivist nor admin (403), and
// nothing reaches a source that changes something.
func TestEveryRouteRefusesOthers(t *testing.T) {
	f := newFixture(t)
	for _, tg := range targets(t, f) {
		form := url.Values(nil)
		if tg.method == "POST" {
			form = url.Values{"csrf": {"token-"}, "aktion": {"abschliessen"}, "titel": {"x"}}
		}
		res, body := f.do(t, "", tg.method, tg.path, form)
		if tg.method == "GET" {
			loc := res.Header.Get("Location")
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/anmelden?weiter=") {
				t.Errorf("anonymous GET %s: %d %q, want 303 to /anmelden", tg.path, res.StatusCode, loc)
			}
			if next, _ := url.QueryUnescape(strings.TrimPrefix(loc, "/anmelden?weiter=")); next != tg.path {
				t.Errorf("anonymous GET %s: weiter=%q", tg.path, next)
			}
		} else if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous POST %s: %d, want 401", tg.path, res.StatusCode)
		}
		for _, user := range []string{"rolf", "amt", "weird"} {
			if form != nil {
				form.Set("csrf", "token-"+user)
			}
			res, body = f.do(t, user, tg.method, tg.path, form)
			if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Kein Zugang zum Arbeitsplatz") {
				t.Errorf("%s %s %s: %d, want 403 with an explanation", user, tg.method, tg.path, res.StatusCode)
			}
			if strings.Contains(body, "Bauakte") {
				t.Errorf("%s %s %s: the refusal shows data", user, tg.method, tg.path)
			}
		}
	}
	if c := f.calls.list(); len(c) > 0 {
		t.Errorf("refused requests changed something: %q", c)
	}
	// Archivists and admins get in.
	for _, user := range []string{"anna", "root"} {
		if res, _ := f.do(t, user, "GET", "/archiv/", nil); res.StatusCode != http.StatusOK {
			t.Errorf("%s: start page %d", user, res.StatusCode)
		}
	}
}

// Every POST refuses a missing or wrong CSRF token with 403, and changes
// nothing.
func TestEveryPostNeedsCSRF(t *testing.T) {
	f := newFixture(t)
	posts := 0
	for _, tg := range targets(t, f) {
		if tg.method != "POST" {
			continue
		}
		posts++
		for _, tok := range []string{"", "token-rolf", "token-anna-alt", "token-anna\x00"} {
			form := url.Values{"aktion": {"abschliessen"}, "titel": {"Neu"}, "d.o1": {"A"}, "d.o2": {"A"}, "d.o3": {"V"}, "d.o4": {"A"}}
			if tok != "" {
				form.Set("csrf", tok)
			}
			res, body := f.do(t, "anna", "POST", tg.path, form)
			if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Sicherheitsprüfung fehlgeschlagen") {
				t.Errorf("POST %s with token %q: %d, want 403", tg.path, tok, res.StatusCode)
			}
		}
		// The token in the query string does not count either.
		res, _ := f.do(t, "anna", "POST", tg.path+"?csrf=token-anna", url.Values{"aktion": {"abschliessen"}})
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s with the token in the URL: %d, want 403", tg.path, res.StatusCode)
		}
	}
	if posts < 3 {
		t.Fatalf("only %d POST targets", posts)
	}
	if c := f.calls.list(); len(c) > 0 {
		t.Errorf("requests without a valid token changed something: %q", c)
	}
}

func TestPagesRender(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		path string
		want []string
	}{
		{"/archiv/", []string{"Arbeitsplatz", "<strong>1</strong> Anbietung(en) warten", "<strong>1</strong> Einlieferung(en) in Quarantäne", "<strong>1 mit Schäden</strong>", `aria-current="page"`}},
		{"/archiv/uebernahmen", []string{"XDOMEA_FILE_MISSING", "abgelehnt (Quarantäne)", `<progress max="8" value="3"`, "120,6 KiB", "läuft", "/archiv/aip/urn:uuid:aaaaaaaa"}},
		{"/archiv/bewertung", []string{"Bauakte Kirchgasse 3; Personalakte", "angeboten, zu bewerten", "/archiv/bewertung/" + pid}},
		{"/archiv/bewertung/" + pid, []string{"Sammelentscheidung nach Aktenplan", `value="A:63-612.11"`, `value="V:63-612"`, "0 von 4 Objekten", "wie übergeordnet", "B (bewerten)"}},
		{"/archiv/erschliessung", []string{`<label for="ref">`}},
		{"/archiv/einheit/" + url.PathEscape(unitID), []string{"Gesperrt – zugänglich ab 04.02.2050", "100 Jahre nach der Geburt", `value="Erika Muster"`, `name="personen" value="3"`, `>30010</a>`}},
		{"/archiv/pruefung", []string{"Vollständiger Durchlauf", "1 mit verbliebenen Schäden", "OCFL_E093", "repariert", "1 Paket(e), 2 Datei(en)"}},
		{"/archiv/aip/" + url.PathEscape("urn:uuid:aaaaaaaa-0000-4000-8000-000000000001"), []string{"Reparatur aus Replikat", "v2", "30010 Nr. 1 – Bauakte"}},
	} {
		res, body := f.do(t, "anna", "GET", c.path, nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: %d\n%s", c.path, res.StatusCode, body)
			continue
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script") {
			t.Errorf("%s: CSP %q", c.path, csp)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q", c.path, cc)
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", c.path, w)
			}
		}
		if strings.Contains(body, "<script") {
			t.Errorf("%s has a script", c.path)
		}
		if strings.Contains(body, "<form") && strings.Contains(body, `method="post"`) && !strings.Contains(body, `name="csrf" value="token-anna"`) {
			t.Errorf("%s: a form without the CSRF token", c.path)
		}
	}
	res, body := f.do(t, "anna", "GET", "/archiv/bewertung/unbekannt", nil)
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "Nicht gefunden") {
		t.Errorf("unknown process: %d", res.StatusCode)
	}
	res, _ = f.do(t, "anna", "GET", "/archiv/erschliessung?ref="+url.QueryEscape("30010 Nr. 1"), nil)
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/archiv/einheit/"+url.PathEscape(unitID) {
		t.Errorf("find by Signatur: %d %q", res.StatusCode, loc)
	}
	res, body = f.do(t, "anna", "GET", "/archiv/erschliessung?ref=99999", nil)
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "Keine Verzeichnungseinheit") {
		t.Errorf("find unknown: %d", res.StatusCode)
	}
	// The stylesheet needs no login.
	res, body = f.do(t, "", "GET", "/archiv/static/desk.css", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, ".desk-nav") {
		t.Errorf("desk.css: %d", res.StatusCode)
	}
}

func post(t *testing.T, f *fixture, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	form.Set("csrf", "token-anna")
	return f.do(t, "anna", "POST", path, form)
}

// The appraisal through the desk: a bulk decision by file-plan unit, the
// agency's proposals, a refused incomplete finish, then the finish that
// calls Appraise with every decision and the archivist's identity.
func TestAppraisal(t *testing.T) {
	f := newFixture(t)
	path := "/archiv/bewertung/" + pid

	// Bulk: everything under 63- is archived; the note typed meanwhile is
	// kept.
	res, _ := post(t, f, path, url.Values{"aktion": {"A:63"}, "n.o2": {"Bauhistorisch wichtig"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("bulk: %d", res.StatusCode)
	}
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, path+"?") {
		t.Fatalf("bulk redirected to %q", loc)
	}
	if d := f.offer.draft("o1"); d.Value != "A" {
		t.Errorf("o1 after bulk 63: %+v", d)
	}
	if d := f.offer.draft("o2"); d.Value != "A" || d.Note != "Bauhistorisch wichtig" {
		t.Errorf("o2 after bulk 63: %+v", d)
	}
	if d := f.offer.draft("o3"); d.Value != "" {
		t.Errorf("o3 is not under 63: %+v", d)
	}
	if d := f.offer.draft("o1.1"); d.Value != "" {
		t.Errorf("bulk decisions are for top-level objects only: %+v", d)
	}
	_, body := f.do(t, "anna", "GET", loc, nil)
	for _, w := range []string{"2 Objekt(e) der Aktenplaneinheit 63 auf A (archivwürdig) gesetzt", `name="d.o1" value="A" checked`, "2 von 4 Objekten", `value="Bauhistorisch wichtig"`} {
		if !strings.Contains(body, w) {
			t.Errorf("page after bulk lacks %q", w)
		}
	}

	// A free prefix: V for 20-.
	res, _ = post(t, f, path, url.Values{"aktion": {"praefix-V"}, "praefix": {"20-"}, "d.o1": {"A"}, "d.o2": {"A"}})
	if res.StatusCode != http.StatusSeeOther || f.offer.draft("o3").Value != "V" {
		t.Fatalf("prefix bulk: %d %+v", res.StatusCode, f.offer.draft("o3"))
	}
	// An empty prefix is refused with an explanation.
	res, body = post(t, f, path, url.Values{"aktion": {"praefix-A"}, "praefix": {" "}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Bitte geben Sie den Anfang eines Aktenplankennzeichens ein") {
		t.Errorf("empty prefix: %d", res.StatusCode)
	}
	// Finishing with o4 open is refused; the input is kept.
	res, body = post(t, f, path, url.Values{"aktion": {"abschliessen"}, "d.o1": {"A"}, "d.o2": {"A"}, "d.o3": {"V"}, "d.o4": {""}, "n.o1": {"Bauakte von bleibendem Wert"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "für 1 Objekt(e) der obersten Ebene fehlt die Entscheidung") {
		t.Errorf("incomplete finish: %d\n%s", res.StatusCode, body)
	}
	if d := f.offer.draft("o1"); d.Note != "Bauakte von bleibendem Wert" {
		t.Errorf("the note of the refused finish was not kept: %+v", d)
	}
	// An invalid value is refused.
	res, body = post(t, f, path, url.Values{"aktion": {"speichern"}, "d.o4": {"X"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "erlaubt sind nur A") {
		t.Errorf("invalid value: %d", res.StatusCode)
	}
	// Take the agency's proposal for the open o4 (A), then finish.
	res, _ = post(t, f, path, url.Values{"aktion": {"vorschlag"}})
	if res.StatusCode != http.StatusSeeOther || f.offer.draft("o4").Value != "A" || f.offer.draft("o3").Value != "V" {
		t.Fatalf("proposal: %d o4=%+v o3=%+v", res.StatusCode, f.offer.draft("o4"), f.offer.draft("o3"))
	}
	if len(f.offer.appraised) != 0 {
		t.Fatal("Appraise was called before the finish")
	}
	// A refusal of the source is shown; an error of the source is a 500;
	// the input is kept both times.
	f.offer.fail = fmt.Errorf("%w: Objekt o9 gehört nicht zur Anbietung", desk.ErrInvalid)
	res, body = post(t, f, path, url.Values{"aktion": {"abschliessen"}, "d.o1.1": {"V"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Die Bewertung wurde nicht gesendet: Objekt o9") {
		t.Errorf("refused appraisal: %d\n%s", res.StatusCode, body)
	}
	f.offer.fail = errors.New("store down")
	res, body = post(t, f, path, url.Values{"aktion": {"abschliessen"}, "d.o1.1": {"V"}})
	if res.StatusCode != http.StatusInternalServerError || strings.Contains(body, "store down") {
		t.Errorf("failed appraisal: %d\n%s", res.StatusCode, body)
	}
	if d := f.offer.draft("o1.1"); d.Value != "V" {
		t.Errorf("the input of the failed finish was not kept: %+v", d)
	}
	f.offer.fail = nil
	res, _ = post(t, f, path, url.Values{"aktion": {"abschliessen"}, "d.o1.1": {"V"}, "n.o1.1": {"Doppelüberlieferung"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("finish: %d", res.StatusCode)
	}
	if len(f.offer.appraised) != 1 {
		t.Fatalf("Appraise called %d times", len(f.offer.appraised))
	}
	got := f.offer.appraised[0]
	want := []desk.Decision{{ID: "o1", Value: "A", Note: "Bauakte von bleibendem Wert"}, {ID: "o1.1", Value: "V", Note: "Doppelüberlieferung"},
		{ID: "o2", Value: "A", Note: "Bauhistorisch wichtig"}, {ID: "o3", Value: "V"}, {ID: "o4", Value: "A"}}
	if !slices.Equal(got, want) {
		t.Errorf("appraised\n got %+v\nwant %+v", got, want)
	}
	if f.offer.who[0].ID != "anna" {
		t.Errorf("appraised by %+v", f.offer.who[0])
	}
	_, body = f.do(t, "anna", "GET", res.Header.Get("Location"), nil)
	if !strings.Contains(body, "Die Bewertung ist abgeschlossen: 5 Entscheidung(en)") || !strings.Contains(body, "bewertet (0502 gesendet)") || !strings.Contains(body, "gesendet: A") {
		t.Errorf("page after the finish:\n%s", body)
	}
	// A wrong method on a page is refused.
	if res, _ := post(t, f, "/archiv/pruefung", url.Values{}); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST to a page: %d", res.StatusCode)
	}
}

func TestDescribe(t *testing.T) {
	f := newFixture(t)
	path := "/archiv/einheit/" + url.PathEscape(unitID)
	form := url.Values{"titel": {"Bauakte Kirchgasse 3, Müllrose"}, "enthaelt": {"Bauantrag; Genehmigung; Abnahme"}, "provenienz": {"Bauamt"},
		"von": {"2015-01"}, "bis": {"2018"}, "personenbezogen": {"1"}, "entstanden": {"2018-07-24"}, "genauigkeit": {"year"},
		"personen": {"3"}, "p0.name": {"Erika Muster"}, "p0.geburt": {"1950-02-03"}, "p0.tod": {"2001-05-06"}, "p1.name": {""}, "p2.name": {"Max Beispiel"}, "p2.geburt": {"1960"}}
	// Bad dates and an empty title are refused before anything is saved.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("von", "12.01.2015")
	bad.Set("titel", "")
	res, body := post(t, f, path, bad)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Laufzeit von: bitte als JJJJ") || !strings.Contains(body, "Der Titel darf nicht leer sein") {
		t.Errorf("bad input: %d\n%s", res.StatusCode, body)
	}
	if !strings.Contains(body, `value="12.01.2015"`) {
		t.Error("the refused input is not shown again")
	}
	// The source's own check (ErrInvalid) is shown too.
	bad = url.Values{"titel": {"x"}, "entstanden": {"kaputt"}}
	res, body = post(t, f, path, bad)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Nicht gespeichert") {
		t.Errorf("invalid facts: %d", res.StatusCode)
	}
	if len(f.desc.saved) != 0 {
		t.Fatalf("saved despite errors: %+v", f.desc.saved)
	}
	res, _ = post(t, f, path, form)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != path+"?ok=einheit" {
		t.Fatalf("save: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if len(f.desc.saved) != 1 {
		t.Fatal("not saved")
	}
	e := f.desc.saved[0]
	if e.Title != "Bauakte Kirchgasse 3, Müllrose" || e.Scope != "Bauantrag; Genehmigung; Abnahme" || e.Provenance != "Bauamt" || e.From != "2015-01" || e.To != "2018" {
		t.Errorf("description: %+v", e)
	}
	c := e.Closure
	if !c.Personal || c.Secrecy || c.Published || c.GDR || c.Created != "2018-07-24" || c.Granularity != "year" || len(c.Persons) != 2 ||
		c.Persons[0].Death != "2001-05-06" || c.Persons[1].Name != "Max Beispiel" || c.Persons[1].Birth != "1960" {
		t.Errorf("closure facts: %+v", c)
	}
	if c := f.calls.list(); !slices.Contains(c, "Save "+unitID+" by anna") {
		t.Errorf("calls: %q", c)
	}
	_, body = f.do(t, "anna", "GET", path+"?ok=einheit", nil)
	if !strings.Contains(body, "Die Verzeichnung ist gespeichert") || !strings.Contains(body, `value="Bauakte Kirchgasse 3, Müllrose"`) {
		t.Errorf("page after saving:\n%s", body)
	}
}

// A crafted confirmation link cannot make the page say anything but the
// fixed texts.
func TestConfirmationIsNotInjectable(t *testing.T) {
	f := newFixture(t)
	_, body := f.do(t, "anna", "GET", "/archiv/bewertung/"+pid+"?ok=Ihr+Passwort+ist+abgelaufen", nil)
	if strings.Contains(body, "Passwort") || strings.Contains(body, `class="ok"`) {
		t.Error("an unknown confirmation was shown")
	}
	_, body = f.do(t, "anna", "GET", "/archiv/bewertung/"+pid+"?ok=sammel&n=2&wert=A&gruppe=%3Cscript%3E", nil)
	if strings.Contains(body, "<script>") {
		t.Error("the group is not escaped")
	}
}

// Paths under /archiv/ that are not the desk's go to the fallback (the
// reading room's own pages there) untouched; the desk's own routes keep
// their checks.
func TestFallback(t *testing.T) {
	var got []string
	fb := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.Path)
		w.WriteHeader(http.StatusTeapot)
	})
	h, err := desk.New(desk.Config{Auth: newTestAuth(), Offers: newFakeOffers(&calls{}), Fallback: fb})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/archiv/antraege", http.StatusTeapot},
		{"POST", "/archiv/antraege/a1", http.StatusTeapot},
		{"GET", "/archiv/bewertung", http.StatusSeeOther},
		{"POST", "/archiv/bewertung/" + pid, http.StatusUnauthorized},
		{"GET", "/archiv/", http.StatusSeeOther},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(c.method, c.path, nil))
		if w.Code != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, w.Code, c.want)
		}
	}
	if want := []string{"GET /archiv/antraege", "POST /archiv/antraege/a1"}; !slices.Equal(got, want) {
		t.Errorf("fallback saw %q, want %q", got, want)
	}
}

// copyAuth reads the form from a copy of the request, as the reading
// room's sessions do (r.WithContext): the desk must still see the form.
type copyAuth struct{ *testAuth }

func (a copyAuth) CheckCSRF(r *http.Request) error {
	return a.testAuth.CheckCSRF(r.WithContext(r.Context()))
}

func TestFormSurvivesAuthOnACopy(t *testing.T) {
	c := &calls{}
	offers := newFakeOffers(c)
	h, err := desk.New(desk.Config{Auth: copyAuth{newTestAuth()}, Offers: offers})
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"csrf": {"token-anna"}, "aktion": {"A:63"}, "n.o3": {"Notiz"}}
	r := httptest.NewRequest("POST", "/archiv/bewertung/"+pid, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Test-User", "anna")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther || offers.draft("o1").Value != "A" || offers.draft("o3").Note != "Notiz" {
		t.Errorf("%d, o1 %+v, o3 %+v", w.Code, offers.draft("o1"), offers.draft("o3"))
	}
	// An oversized form is refused before any check.
	big := "csrf=token-anna&n.o3=" + strings.Repeat("x", 9<<20)
	r = httptest.NewRequest("POST", "/archiv/bewertung/"+pid, strings.NewReader(big))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Test-User", "anna")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusBadRequest || offers.draft("o3").Note != "Notiz" {
		t.Errorf("oversized form: %d", w.Code)
	}
}
