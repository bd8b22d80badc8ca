package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/web"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/store"
)

// publicServer is the fixture's reading room as `magazin serve --archive
// … --public-url https://archiv.example.de` runs it behind a proxy.
func publicServer(t *testing.T, f *fixture) *web.Server {
	t.Helper()
	commit := func(ctx context.Context, entries ...journal.Entry) error { return f.cat.Commit(ctx, f.j, entries...) }
	srv, err := web.New(f.room, access.NewContent(f.room, f.cat, []store.Store{f.st}), nil,
		web.WithAuth(web.Auth{Accounts: f.acc, Decider: access.Decisions{Room: f.room, Commit: commit}, Origin: "https://archiv.example.de"}),
		web.WithArchiveName("Staatsarchiv Musterstadt"))
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// TestCitationUsesPublicURL: the Zitierlink and the suggested citation
// (Zitierweise) name the reading room's public address, not the internal
// host a reverse proxy forwards to, and cite archive, Bestand and Signatur
// in the usual German form. A closed person-related unit's citation holds
// only what its page shows.
func TestCitationUsesPublicURL(t *testing.T) {
	f := newFixture(t, 0)
	srv := publicServer(t, f)
	perma := "https://archiv.example.de/unit/" + short(idOpen)

	r := get(t, srv, "/unit/"+short(idOpen), "Host", "127.0.0.1:8080")
	mustContain(t, "open unit", r.body,
		`<a href="/unit/`+short(idOpen)+`">`+perma+`</a>`,
		"<dt>Zitierweise</dt>",
		"Staatsarchiv Musterstadt, 20001 Landratsamt Musterkreis, Nr. 3, "+perma+" (abgerufen am 26.11.2026)")
	mustNotContain(t, "open unit", r.body, "127.0.0.1")

	r = get(t, srv, "/unit/"+short(idPersonal), "Host", "127.0.0.1:8080")
	mustContain(t, "closed person-related unit", r.body,
		"Staatsarchiv Musterstadt, 20001 Landratsamt Musterkreis, Nr. 2, https://archiv.example.de/unit/"+short(idPersonal))
	mustNotContain(t, "closed person-related unit", r.body, secret, "Pflegeakte", "Erna", "Pflegeheim")

	// The Bestand cites itself; without --archive the citation starts with
	// the Bestand; without --public-url the request's host is all there is.
	r = get(t, srv, "/unit/"+short(idBestand))
	mustContain(t, "Bestand", r.body, "Staatsarchiv Musterstadt, 20001 Landratsamt Musterkreis, https://archiv.example.de/unit/"+short(idBestand)+" (abgerufen")
	r = get(t, f.srv, "/unit/"+short(idOpen))
	mustContain(t, "without --archive", r.body, "<p class=\"cite-text\">20001 Landratsamt Musterkreis, Nr. 3, http://example.com/unit/"+short(idOpen))
}

// TestFindbuchFieldsOnUnitPage: the fields an EAD Findbuch brings along
// (Darin, related material …) appear on the unit page with German labels;
// administrative xdomea fields do not; a Bestand's scope note is its
// "Inhalt", an Akte's its "Enthält"; a closed person-related unit shows
// none of them.
func TestFindbuchFieldsOnUnitPage(t *testing.T) {
	f := newFixture(t, 0)
	r := get(t, f.srv, "/unit/"+short(idOpen))
	mustContain(t, "open unit", r.body,
		`<dt>Darin, Vermerke</dt><dd class="extra">Darin: Zeitungsausschnitt
Darin: Lageplan</dd>`,
		`<dt>Verwandte Unterlagen</dt><dd class="extra">Vgl. 20002 Nr. 7</dd>`,
		"<dt>Enthält</dt><dd>Haushaltssatzung")
	mustNotContain(t, "open unit", r.body, "Aufbewahrungsdauer")

	r = get(t, f.srv, "/unit/"+short(idBestand))
	mustContain(t, "Bestand", r.body, "<dt>Inhalt</dt><dd>Bauaufsicht, Sozialwesen")

	r = get(t, f.srv, "/unit/"+short(idPersonal))
	mustNotContain(t, "closed person-related unit", r.body, "Darin", "Sonstige Erschließungsangaben", secret)
}

// TestSearchInsideBestand: a Bestand's page (and a Gliederung's) offers a
// search limited to the Bestand, and the search page keeps chosen filters
// when the words change, saying so.
func TestSearchInsideBestand(t *testing.T) {
	f := newFixture(t, 120)
	r := get(t, f.srv, "/unit/"+short(idBestand2))
	form := regexp.MustCompile(`(?s)<form class="search-in".*?</form>`).FindString(r.body)
	mustContain(t, "Bestand page", form, `action="/search"`, `name="bestand" value="`+idBestand2+`"`,
		`<label for="q-bestand">Suche im Bestand 20002 Stadtverwaltung Müllrose</label>`, `id="q-bestand"`)

	// What the form sends: only the Bestand and its 120 units.
	r = get(t, f.srv, "/search?"+url.Values{"bestand": {idBestand2}, "q": {"Müllrose"}}.Encode())
	if !strings.Contains(r.body, "121 Treffer") || strings.Contains(r.body, "Haushaltsplan der Stadt") {
		t.Errorf("search in the Bestand: want the Bestand and its 120 units only:\n%s", r.body)
	}
	// The big form of the results keeps the filters for the next words.
	form = regexp.MustCompile(`(?s)<form class="search-big".*?</form>`).FindString(r.body)
	mustContain(t, "search form", form, `<input type="hidden" name="bestand" value="`+idBestand2+`">`,
		"Die Suche bleibt auf die gewählten Filter beschränkt.")
	r = get(t, f.srv, "/search?"+url.Values{"bestand": {idBestand2}, "decade": {"1950"}, "q": {"Protokolle"}}.Encode())
	form = regexp.MustCompile(`(?s)<form class="search-big".*?</form>`).FindString(r.body)
	mustContain(t, "search form", form, `name="bestand" value="`+idBestand2+`"`, `name="decade" value="1950"`)

	// Without filters: no hidden fields, no note.
	r = get(t, f.srv, "/search?q=M%C3%BCllrose")
	mustNotContain(t, "unfiltered search", r.body, `type="hidden" name="bestand"`, "bleibt auf die gewählten Filter")

	// An Akte without children has no such form.
	r = get(t, f.srv, "/unit/"+short(idOpen))
	mustNotContain(t, "Akte", r.body, "search-in")
}

// TestMisspeltSearchSuggestsPrefix: a search that finds nothing because
// of a misspelt ending offers the search for the word beginnings, with its
// count; the suggestion is an ordinary public search, so words only a
// closed person-related unit holds suggest nothing.
func TestMisspeltSearchSuggestsPrefix(t *testing.T) {
	f := newFixture(t, 0)
	r := get(t, f.srv, "/search?q=Haushaltsplam")
	mustContain(t, "misspelt search", r.body, "Keine Treffer.",
		`Bei unsicherer Schreibweise hilft die Suche nach dem Wortanfang: <a href="/search?q=Haushaltspl%2A">Haushaltspl*</a> (1 Treffer)`)
	// Filters stay in the suggestion.
	r = get(t, f.srv, "/search?q=Haushaltsplam&bestand="+url.QueryEscape(idBestand2))
	mustNotContain(t, "misspelt search in another Bestand", r.body, "Bei unsicherer Schreibweise")
	mustContain(t, "misspelt search in another Bestand", r.body, "oder entfernen Sie Filter")

	for _, q := range []string{secret, secret + "x", "Pflegeheim"} {
		r = get(t, f.srv, "/search?q="+url.QueryEscape(q))
		mustContain(t, q, r.body, "Keine Treffer.")
		mustNotContain(t, q, r.body, "Bei unsicherer Schreibweise")
	}
	// Signaturen and short words are left alone.
	r = get(t, f.srv, "/search?q=20009")
	mustNotContain(t, "Signatur", r.body, "Bei unsicherer Schreibweise")
}

// TestUndeterminedClosureBadge: a unit whose period cannot be computed is
// listed as closed with an undetermined end, not as "Frist offen", which
// reads as "open".
func TestUndeterminedClosureBadge(t *testing.T) {
	f := newFixture(t, 0)
	r := get(t, f.srv, "/search?q=fehlerhafter+Datierung")
	mustContain(t, "search", r.body, "gesperrt, Fristende noch unbestimmt")
	mustNotContain(t, "search", r.body, "Frist offen")
}

// TestOneDigitisedPage: a unit with one digitised page offers "1 Seite",
// not "1 Seiten", on its page and in the image viewer.
func TestOneDigitisedPage(t *testing.T) {
	f := newFixture(t, 0)
	r := get(t, f.srv, "/unit/"+short(idOpen))
	mustContain(t, "unit page", r.body, "Digitalisat ansehen (1 Seite)</a>")
	r = get(t, f.srv, "/unit/"+short(idOpen)+"/digitalisat")
	mustContain(t, "image viewer", r.body, `role="status">1 Seite</span>`, "<title>Digitalisat (1 Seite) – ")
	mustNotContain(t, "image viewer", r.body, "1 Seiten")
}

// TestRequestLeadsThroughRegistration: a newcomer who presses
// "Verkürzung der Schutzfrist beantragen" learns on the login page why a
// login is needed, and registering and logging in bring them back to the
// request form of that unit, not to an empty "Meine Anträge".
func TestRequestLeadsThroughRegistration(t *testing.T) {
	f := newFixture(t, 0)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	c := newClient(t, ts)
	form := "/unit/" + short(idClosed) + "/antrag"

	r := c.get(form)
	login := r.h.Get("Location")
	if r.code != http.StatusSeeOther || login != "/anmelden?weiter="+url.QueryEscape(form) {
		t.Fatalf("anonymous request form: %d → %q", r.code, login)
	}
	r = c.get(login)
	mustContain(t, "login page", r.body, "Um die Verkürzung der Schutzfrist zu beantragen, melden Sie sich bitte an.",
		`<a href="/registrieren?weiter=`+strings.ToLower(url.QueryEscape(form))+`">`) // html/template writes %2f

	reg := "/registrieren?weiter=" + url.QueryEscape(form)
	r = c.get(reg)
	mustContain(t, "registration page", r.body, `<input type="hidden" name="weiter" value="`+form+`">`)
	r = c.post("/registrieren", url.Values{"csrf": {c.token(reg)}, "weiter": {form}, "name": {"Hanna Forscherin"},
		"email": {"hanna@uni.example"}, "institution": {"Universität Leipzig"}, "passwort": {"ein langes Passwort"}, "passwort2": {"ein langes Passwort"}})
	next := r.h.Get("Location")
	if r.code != http.StatusSeeOther || !strings.Contains(next, "hinweis=registriert") || !strings.Contains(next, "weiter="+url.QueryEscape(form)) {
		t.Fatalf("registration: %d → %q", r.code, next)
	}
	r = c.get(next)
	mustContain(t, "login after registration", r.body, "Ihr Konto ist angelegt.", `name="weiter" value="`+form+`"`)
	r = c.post("/anmelden", url.Values{"csrf": {c.token(next)}, "weiter": {form}, "email": {"hanna@uni.example"}, "passwort": {"ein langes Passwort"}})
	if r.code != http.StatusSeeOther || r.h.Get("Location") != form {
		t.Fatalf("login: %d → %q, want the request form", r.code, r.h.Get("Location"))
	}
	r = c.get(form)
	mustContain(t, "request form", r.body, "20001 Nr. 1")

	// A foreign target is dropped, as on the login page.
	r = c.get("/registrieren?weiter=" + url.QueryEscape("//evil.example/x"))
	mustNotContain(t, "registration with a foreign target", r.body, "evil.example")
}
