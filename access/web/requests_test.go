package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/access/accounts"
	"github.com/magazin-archiv/magazin/access/closure"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/store"
)

type noDecider struct{}

func (noDecider) Base(context.Context, string) (closure.Result, string, error) {
	return closure.Result{}, "", errors.New("no decisions here")
}
func (noDecider) Decide(context.Context, closure.Decision) error {
	return errors.New("no decisions here")
}

var requestIDRE = regexp.MustCompile(`/archiv/antraege/(req-[0-9a-f]+)`)

// A researcher requests a shortening for a closed person-related unit; an
// archivist approves it with conditions: the unit and its files open for
// that researcher only, every access is recorded, and the grant survives
// a rebuild of the catalog from the journal.
func TestShorteningRequestGrantsOneResearcher(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 0)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	ada := mustCreate(t, f, "ada@example.org", "Ada Forscherin", accounts.RoleResearcher)
	mustCreate(t, f, "bert@example.org", "Bert Forscher", accounts.RoleResearcher)
	mustCreate(t, f, "clara@archiv.example", "Clara Archivarin", accounts.RoleArchivist)
	unit := "/unit/" + short(idPersonal)
	fileURL := unit + "/file/original/" + url.PathEscape("Gutachten "+secret+".pdf")

	anon := newClient(t, ts)
	if r := anon.get(unit + "/antrag"); r.code != http.StatusSeeOther || r.h.Get("Location") != "/anmelden?weiter="+url.QueryEscape(unit+"/antrag") {
		t.Errorf("anonymous request form: %d %s", r.code, r.h.Get("Location"))
	}
	if r := anon.get(unit); !strings.Contains(r.body, "Verkürzung der Schutzfrist beantragen") {
		t.Error("the closed unit's page offers no request")
	}

	a := newClient(t, ts)
	if r := a.login("ada@example.org", testPassword); r.code != http.StatusSeeOther {
		t.Fatalf("login: %d", r.code)
	}
	tok := a.token(unit + "/antrag")
	form := url.Values{"csrf": {tok}, "zweck": {"research"}, "vorhaben": {"Pflege im ländlichen Raum 1990–2020"},
		"institution": {"Universität Leipzig"}, "begruendung": {"Dissertation; Auswertung nur anonymisiert."}}
	noTok := url.Values{}
	for k, v := range form {
		noTok[k] = v
	}
	noTok.Del("csrf")
	if r := a.post(unit+"/antrag", noTok); r.code != http.StatusForbidden {
		t.Errorf("request without the token: %d", r.code)
	}
	if r := anon.post(unit+"/antrag", form); r.code != http.StatusForbidden {
		t.Errorf("anonymous request with a token: %d", r.code)
	}
	bad := url.Values{"csrf": {tok}, "zweck": {"research"}, "begruendung": {"x"}}
	if r := a.post(unit+"/antrag", bad); r.code != http.StatusBadRequest || !strings.Contains(r.body, "Titel") {
		t.Errorf("research without a title: %d", r.code)
	}
	if r := a.post(unit+"/antrag", form); r.code != http.StatusSeeOther {
		t.Fatalf("request: %d %s", r.code, r.body)
	}
	if r := a.post(unit+"/antrag", form); r.code != http.StatusSeeOther || r.h.Get("Location") != "/konto/antraege?hinweis=offen" {
		t.Errorf("a second request on the unit: %d %s", r.code, r.h.Get("Location"))
	}
	if r := a.get("/konto/antraege"); !strings.Contains(r.body, "in Bearbeitung") || !strings.Contains(r.body, "20001 Nr. 2") {
		t.Errorf("my requests: %s", r.body)
	}
	if r := a.get("/archiv/antraege"); r.code != http.StatusForbidden {
		t.Errorf("a researcher on the archivists' page: %d", r.code)
	}
	if r := a.get(fileURL); r.code != http.StatusForbidden {
		t.Errorf("file before the decision: %d", r.code)
	}

	arch := newClient(t, ts)
	if r := arch.login("clara@archiv.example", testPassword); r.code != http.StatusSeeOther || r.h.Get("Location") != "/archiv/antraege" {
		t.Fatalf("archivist login: %d %s", r.code, r.h.Get("Location"))
	}
	list := arch.get("/archiv/antraege")
	m := requestIDRE.FindStringSubmatch(list.body)
	if m == nil || !strings.Contains(list.body, "Ada Forscherin") {
		t.Fatalf("open requests: %s", list.body)
	}
	page := "/archiv/antraege/" + m[1]
	dp := arch.get(page)
	if !strings.Contains(dp.body, "§ 10 Abs. 4 SächsArchivG, Wissenschaftliches Forschungsvorhaben") || !strings.Contains(dp.body, "25.07.2078") {
		t.Errorf("decision page: %s", dp.body)
	}
	dtok := csrfRE.FindStringSubmatch(dp.body)[1]
	decide := url.Values{"csrf": {dtok}, "entscheidung": {"genehmigen"}, "freigabe": {"2026-11-26"},
		"rechtsgrundlage": {"§ 10 Abs. 4 SächsArchivG, wissenschaftliches Forschungsvorhaben"}, "auflagen": {"Nur anonymisierte Auswertung."}}
	if r := a.post(page, decide); r.code != http.StatusForbidden {
		t.Errorf("the researcher decides: %d", r.code)
	}
	late := url.Values{"csrf": {dtok}, "entscheidung": {"genehmigen"}, "freigabe": {"2090-01-01"}, "rechtsgrundlage": {"x"}}
	if r := arch.post(page, late); r.code != http.StatusBadRequest || !strings.Contains(r.body, "nicht zulässig") {
		t.Errorf("a shortening to a later date: %d", r.code)
	}
	if r := arch.post(page, decide); r.code != http.StatusSeeOther {
		t.Fatalf("approval: %d %s", r.code, r.body)
	}
	if r := arch.post(page, decide); r.code != http.StatusBadRequest {
		t.Errorf("deciding twice: %d", r.code)
	}

	// The researcher: the whole unit, its document, and the file.
	r := a.get(unit)
	if r.code != 200 || !strings.Contains(r.body, "Pflegeakte "+secret) || !strings.Contains(r.body, "Für Sie freigegeben") ||
		!strings.Contains(r.body, "Nur anonymisierte Auswertung.") || !strings.Contains(r.body, "Herunterladen") {
		t.Errorf("granted unit page: %d %s", r.code, r.body)
	}
	if r := a.get(fileURL); r.code != 200 || r.body != string(f.files[aipPersonal+"|"+aip.PrefixOriginal+"Gutachten "+secret+".pdf"]) {
		t.Errorf("granted file: %d", r.code)
	}
	if r := a.get("/konto/antraege"); !strings.Contains(r.body, "genehmigt") || !strings.Contains(r.body, "Nur anonymisierte Auswertung.") {
		t.Errorf("my requests after the decision: %s", r.body)
	}
	// Nobody else.
	b := newClient(t, ts)
	if r := b.login("bert@example.org", testPassword); r.code != http.StatusSeeOther {
		t.Fatal(r.code)
	}
	for who, c := range map[string]*client{"anonymous": anon, "another researcher": b, "the archivist": arch} {
		if r := c.get(fileURL); r.code != http.StatusForbidden {
			t.Errorf("%s gets the file: %d", who, r.code)
		}
		if r := c.get(unit); strings.Contains(r.body, secret) {
			t.Errorf("%s sees the hidden title", who)
		}
		if r := c.get("/api/v1/units/" + short(idPersonal)); strings.Contains(r.body, secret) {
			t.Errorf("%s sees the hidden title in the API", who)
		}
	}
	// Another closed unit stays closed for the researcher.
	if r := a.get("/unit/" + short(idClosed) + "/file/original/" + url.PathEscape("Bauantrag Kirchgasse.pdf")); r.code != http.StatusForbidden {
		t.Errorf("another closed unit's file for the granted researcher: %d", r.code)
	}
	evs, err := f.acc.Accesses(ctx, ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	var files int
	for _, ev := range evs {
		if ev.Unit != idPersonal || ev.User != ada.ID || ev.Decision == "" {
			t.Errorf("access event %+v", ev)
		}
		if ev.What == "file" {
			files++
		}
	}
	if len(evs) < 3 || files != 1 {
		t.Errorf("access events: %+v", evs)
	}
	if all, _ := f.acc.Accesses(ctx, ""); len(all) != len(evs) {
		t.Errorf("access events of others: %d of %d", len(all)-len(evs), len(all))
	}

	// The grant is journaled: a catalog rebuilt from the store has it.
	rebuilt, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rebuilt.Close()
	if _, err := rebuilt.Rebuild(ctx, []store.Store{f.st}, nil); err != nil {
		t.Fatal(err)
	}
	ds, err := rebuilt.Decisions(ctx, idPersonal)
	if err != nil || len(ds) != 1 || !strings.Contains(string(ds[0]), `"user":"`+ada.ID+`"`) || !strings.Contains(string(ds[0]), `"scope":"user"`) {
		t.Errorf("rebuilt decisions: %s, %v", ds, err)
	}
	if strings.Contains(string(ds[0]), "ada@example.org") || strings.Contains(string(ds[0]), "Ada") {
		t.Errorf("the journaled decision holds personal data: %s", ds[0])
	}
}

// A rejection with its reason reaches the researcher; the unit stays
// closed.
func TestShorteningRequestRejected(t *testing.T) {
	f := newFixture(t, 0)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	mustCreate(t, f, "ada@example.org", "Ada", accounts.RoleResearcher)
	mustCreate(t, f, "clara@archiv.example", "Clara", accounts.RoleAdmin)
	unit := "/unit/" + short(idClosed)
	a := newClient(t, ts)
	a.login("ada@example.org", testPassword)
	if r := a.post(unit+"/antrag", url.Values{"csrf": {a.token(unit + "/antrag")}, "zweck": {"interest"}, "begruendung": {"Nachbarschaftsstreit"}}); r.code != http.StatusSeeOther {
		t.Fatalf("request: %d", r.code)
	}
	arch := newClient(t, ts)
	arch.login("clara@archiv.example", testPassword)
	m := requestIDRE.FindStringSubmatch(arch.get("/archiv/antraege").body)
	if m == nil {
		t.Fatal("no open request")
	}
	page := "/archiv/antraege/" + m[1]
	tok := arch.token(page)
	if r := arch.post(page, url.Values{"csrf": {tok}, "entscheidung": {"ablehnen"}}); r.code != http.StatusBadRequest {
		t.Errorf("rejection without a reason: %d", r.code)
	}
	if r := arch.post(page, url.Values{"csrf": {tok}, "entscheidung": {"ablehnen"}, "ablehnungsgrund": {"Kein berechtigtes Interesse dargelegt."}}); r.code != http.StatusSeeOther {
		t.Fatalf("rejection: %d", r.code)
	}
	if r := a.get("/konto/antraege"); !strings.Contains(r.body, "abgelehnt") || !strings.Contains(r.body, "Kein berechtigtes Interesse dargelegt.") {
		t.Errorf("my requests: %s", r.body)
	}
	if r := a.get(unit + "/file/original/" + url.PathEscape("Bauantrag Kirchgasse.pdf")); r.code != http.StatusForbidden {
		t.Errorf("file after a rejection: %d", r.code)
	}
	if ds, _ := f.cat.Decisions(context.Background(), idClosed); len(ds) != 0 {
		t.Errorf("a rejection journaled a decision: %s", ds)
	}
}
