package desk_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/desk"
	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/access/web"
	"github.com/magazin-archiv/magazin/internal/browsertest"
)

// cookieAuth is the browser test's stand-in for sessions: the cookie
// "u" names the user (set by the test-only /test-login), the CSRF token
// is "token-" + the user.
type cookieAuth struct{ *testAuth }

func (a cookieAuth) name(r *http.Request) string {
	c, err := r.Cookie("u")
	if err != nil {
		return ""
	}
	return c.Value
}

func (a cookieAuth) User(r *http.Request) (desk.Identity, bool) {
	id, ok := a.users[a.name(r)]
	return id, ok
}

func (a cookieAuth) CSRFToken(r *http.Request) string { return "token-" + a.name(r) }

func (a cookieAuth) CheckCSRF(r *http.Request) error {
	if v := r.PostFormValue(desk.CSRFField); v == "" || v != "token-"+a.name(r) {
		return errors.New("bad csrf token")
	}
	return nil
}

// emptyRoom is a reading room without units: the browser test needs only
// the site's stylesheet and icons from access/web.
type emptyRoom struct{}

func (emptyRoom) Search(context.Context, search.Query) (*search.Results, error) {
	return &search.Results{}, nil
}
func (emptyRoom) Children(context.Context, string, int, int) (*search.Results, error) {
	return &search.Results{}, nil
}
func (emptyRoom) Unit(context.Context, string) (*access.PublicUnit, error) {
	return nil, fs.ErrNotExist
}
func (emptyRoom) Today() string { return "2026-11-26" }

// TestBrowserAppraisal appraises an offer in headless Chromium with the
// keyboard only: Tab from the top of the page to the bulk section, a
// bulk decision for a file-plan unit by typing its prefix and pressing
// Enter on the focused button, one for a listed file-plan unit with Space,
// a radio changed with the arrow keys, a note typed, and the finish; the
// fake Offers records the decisions sent. It checks contrast and the
// console on every desk page and saves screenshots.
func TestBrowserAppraisal(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := browsertest.Start(t)
	c := &calls{}
	offers, descs := newFakeOffers(c), newFakeDescriptions(c)
	dh, err := desk.New(desk.Config{Auth: cookieAuth{newTestAuth()}, Ingests: fakeIngests{}, Offers: offers, Descriptions: descs, Audits: fakeAudits{}})
	if err != nil {
		t.Fatal(err)
	}
	site, err := web.New(emptyRoom{}, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(desk.Prefix, dh)
	mux.HandleFunc("/test-login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "u", Value: r.URL.Query().Get("u"), Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		http.Redirect(w, r, "/archiv/", http.StatusSeeOther)
	})
	mux.HandleFunc("/anmelden", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!DOCTYPE html><html lang="de"><title>Anmeldung</title><p>Anmeldung</p></html>`)
	})
	mux.Handle("/", site)
	ts := httptest.NewServer(mux)
	defer ts.Close()

	checked := func(id string) string {
		t.Helper()
		return fmt.Sprint(b.Eval(`(document.querySelector('input[name="d.` + id + `"]:checked') || {value: '?'}).value`))
	}

	// Without a login the desk sends to the login page.
	b.Step("anonymous", chromedp.Navigate(ts.URL+"/archiv/bewertung"))
	if loc := b.Location(); !strings.Contains(loc, "/anmelden?weiter=%2Farchiv%2Fbewertung") {
		t.Errorf("anonymous went to %s", loc)
	}
	b.Step("login", chromedp.Navigate(ts.URL+"/test-login?u=anna"), chromedp.WaitVisible(chromedp.CSS(".tiles")),
		b.Contrast("start"), b.Shot("desk-1-start"))
	b.Step("offers", chromedp.Click(`//nav[@aria-label="Arbeitsplatz"]//a[.="Bewertung"]`), chromedp.WaitVisible(chromedp.CSS("table.grid")),
		b.Contrast("offers"), b.Shot("desk-2-anbietungen"),
		chromedp.Click(`//a[contains(., "Bauakte Kirchgasse 3; Personalakte")]`), chromedp.WaitVisible(chromedp.CSS("table.objects")),
		b.Contrast("appraisal"), b.Shot("desk-3-bewertung"))

	// Tab from the top: the skip link, the navigation, then the first
	// button of the form (save), then the bulk buttons of the first
	// file-plan unit in the table.
	b.Step("focus top", chromedp.Navigate(ts.URL+"/archiv/bewertung/"+pid), chromedp.WaitVisible(chromedp.CSS("table.objects")))
	order := b.TabUntil(16, b.Focused, func(focused string) bool { return strings.HasPrefix(focused, "button:A:") })
	if order[0] != "Zum Inhalt springen" || !slices.Contains(order, "button:speichern") || !strings.HasPrefix(order[len(order)-1], "button:A:") {
		t.Fatalf("Tab order from the top: %q; want the skip link, the navigation, save, then the bulk buttons", order)
	}

	// Bulk by typed prefix: type, Tab to "alle A", Enter.
	b.Step("prefix", chromedp.Focus(chromedp.ID("praefix")), chromedp.KeyEvent("63-"), chromedp.KeyEvent(kb.Tab))
	if a := b.Focused(); a != "button:praefix-A" {
		t.Fatalf("after the prefix field Tab goes to %q", a)
	}
	b.Step("bulk by prefix", chromedp.KeyEvent(kb.Enter))
	b.WaitText("bulk by prefix", ".ok", "2 Objekt(e) der Aktenplaneinheit 63- auf A")
	if checked("o1") != "A" || checked("o2") != "A" || checked("o3") != "" {
		t.Errorf("after 63- A: o1=%s o2=%s o3=%s", checked("o1"), checked("o2"), checked("o3"))
	}
	b.Step("after prefix", b.Contrast("appraisal with confirmation"), b.Shot("desk-4-sammelentscheidung"))

	// Bulk for a listed file-plan unit: focus its "alle V" button and press
	// Space.
	b.Step("bulk V for 20", chromedp.Focus(chromedp.CSS(`button[value="V:20-241.3"]`)), chromedp.KeyEvent(" "))
	b.WaitText("bulk V for 20", ".ok", "Aktenplaneinheit 20-241.3 auf V")
	if checked("o3") != "V" || checked("o1") != "A" {
		t.Errorf("after 20-241.3 V: o3=%s o1=%s", checked("o3"), checked("o1"))
	}

	// A radio with the arrow keys: o4 from "offen" to "V", then a note.
	b.Step("radio", chromedp.Focus(chromedp.CSS(`input[name="d.o4"]:checked`)), chromedp.KeyEvent(kb.ArrowLeft))
	if checked("o4") != "V" {
		t.Errorf("ArrowLeft on o4: %s", checked("o4"))
	}
	b.Step("note", chromedp.KeyEvent(kb.Tab))
	if a := b.Focused(); a != "o-o4-n" {
		t.Fatalf("Tab from the o4 decision goes to %q", a)
	}
	b.Step("type note", chromedp.KeyEvent("Kassation nach Absprache"))
	// The finish, by keyboard.
	b.Step("finish", chromedp.Focus(chromedp.CSS(`button[value="abschliessen"]`)), chromedp.KeyEvent(kb.Enter))
	b.WaitText("finish", ".ok", "Die Bewertung ist abgeschlossen: 4 Entscheidung(en)")
	b.Step("done", b.Contrast("appraised"), b.Shot("desk-5-bewertet"))
	appraised, _ := offers.sent()
	if len(appraised) != 1 {
		t.Fatalf("Appraise called %d times", len(appraised))
	}
	want := []desk.Decision{{ID: "o1", Value: "A"}, {ID: "o2", Value: "A"}, {ID: "o3", Value: "V"}, {ID: "o4", Value: "V", Note: "Kassation nach Absprache"}}
	if !slices.Equal(appraised[0], want) {
		t.Errorf("appraised\n got %+v\nwant %+v", appraised[0], want)
	}

	// The other pages: look, contrast, screenshots.
	for _, p := range []struct{ path, wait, shot string }{
		{"/archiv/uebernahmen", "table.grid", "desk-6-uebernahmen"},
		{"/archiv/einheit/" + url.PathEscape(unitID), "form.describe", "desk-7-erschliessung"},
		{"/archiv/pruefung", "table.grid", "desk-8-pruefberichte"},
		{"/archiv/aip/" + url.PathEscape("urn:uuid:aaaaaaaa-0000-4000-8000-000000000001"), "dl.facts", "desk-9-paket"},
	} {
		b.Step(p.path, chromedp.Navigate(ts.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)), b.Contrast(p.path), b.Shot(p.shot))
	}
	// Description editing: typing into the title and saving.
	b.Step("edit", chromedp.Navigate(ts.URL+"/archiv/einheit/"+url.PathEscape(unitID)), chromedp.WaitVisible(chromedp.ID("titel")), chromedp.Focus(chromedp.ID("titel")), chromedp.KeyEvent(kb.End), chromedp.KeyEvent(" (Neubau)"),
		chromedp.Click(`//form[contains(@class,"describe")]//button[@type="submit"]`))
	b.WaitText("edit", ".ok", "Die Verzeichnung ist gespeichert")
	if saved := descs.edits(); len(saved) != 1 || saved[0].Title != "Bauakte Kirchgasse 3 (Neubau)" {
		t.Errorf("saved: %+v", saved)
	}
	b.Step("narrow", chromedp.EmulateViewport(390, 844), chromedp.Navigate(ts.URL+"/archiv/bewertung/"+pid),
		chromedp.WaitVisible(chromedp.CSS("table.objects")), b.Shot("desk-10-bewertung-schmal"))
	// The tables scroll inside the page; the page itself is no wider than
	// the phone.
	if w := b.Eval(`document.documentElement.scrollWidth`); w != float64(390) {
		t.Errorf("the appraisal page at phone width is %v px wide", w)
	}
	b.Step("wide", chromedp.EmulateViewport(1280, 900))
}
