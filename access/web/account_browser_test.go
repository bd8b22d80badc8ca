package web_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/magazin-archiv/magazin/access/accounts"
	"github.com/magazin-archiv/magazin/internal/browsertest"
)

// TestBrowserShorteningRequest walks a request to shorten a closure period
// in headless Chromium: a researcher registers and logs in, opens a closed
// unit and files a request for a research project; an archivist logs in,
// sees the request and approves it with conditions; the researcher sees
// the decision and opens the unit's file. A second researcher and an
// anonymous visitor still get 403 for the file. Forms are filled and sent
// as a user would, through the real CSRF tokens and cookies; the pages
// are checked for contrast and console errors, and screenshots saved.
func TestBrowserShorteningRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := browsertest.Start(t)
	f := newFixture(t, 0)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	mustCreate(t, f, "clara@archiv.example", "Clara Archivarin", accounts.RoleArchivist)
	mustCreate(t, f, "bert@example.org", "Bert Forscher", accounts.RoleResearcher)

	login := func(email string) {
		t.Helper()
		b.Step("login "+email, chromedp.Navigate(ts.URL+"/anmelden"), chromedp.WaitVisible(chromedp.ID("email")),
			chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("passwort"), testPassword),
			chromedp.Click(`//main//button[.="Anmelden"]`), chromedp.WaitVisible(chromedp.CSS(".account .who")))
	}
	logout := func() {
		t.Helper()
		// Wait for the new page's notice, not one still on the page the
		// click leaves (a busy machine answers the POST after the check).
		b.Step("logout", chromedp.Click(`//header//button[.="Abmelden"]`), chromedp.WaitVisible(`//*[contains(@class,"notice")][contains(.,"abgemeldet")]`))
		if n := b.Text(".notice"); n != "Sie sind abgemeldet." {
			t.Errorf("after logout: %q", n)
		}
	}
	unit := ts.URL + "/unit/" + short(idClosed)
	fileURL := unit + "/file/original/" + url.PathEscape("Bauantrag Kirchgasse.pdf")

	// Registration and login.
	b.Step("register", chromedp.Navigate(ts.URL+"/"), chromedp.Click(`//header//a[.="Registrieren"]`),
		chromedp.WaitVisible(chromedp.ID("name")), b.Contrast("registration"),
		chromedp.SendKeys(chromedp.ID("name"), "Ada Forscherin"), chromedp.SendKeys(chromedp.ID("email"), "ada@example.org"),
		chromedp.SendKeys(chromedp.ID("institution"), "Universität Leipzig"),
		chromedp.SendKeys(chromedp.ID("passwort"), testPassword), chromedp.SendKeys(chromedp.ID("passwort2"), testPassword),
		b.Shot("a1-registrieren"),
		chromedp.Click(`//main//button[.="Konto anlegen"]`), chromedp.WaitVisible(`//*[contains(@class,"notice")][contains(.,"Konto")]`))
	if n := b.Text(".notice"); !strings.Contains(n, "Konto ist angelegt") {
		t.Errorf("after registration: %q", n)
	}
	b.Step("login page", b.Contrast("login"), b.Shot("a2-anmelden"))
	login("ada@example.org")
	if loc := b.Location(); !strings.HasSuffix(loc, "/konto/antraege") {
		t.Errorf("after login: %s", loc)
	}

	// The closed unit: the lock, and the request.
	b.Step("closed unit", chromedp.Navigate(unit), chromedp.WaitVisible(chromedp.CSS(".lock")),
		chromedp.Click(`//a[.="Verkürzung der Schutzfrist beantragen"]`), chromedp.WaitVisible(chromedp.ID("begruendung")),
		b.Contrast("request form"))
	b.Step("request", chromedp.Click(chromedp.ID("zweck-research")),
		chromedp.SendKeys(chromedp.ID("vorhaben"), "Bauen im ländlichen Raum 2000–2020"),
		chromedp.SendKeys(chromedp.ID("begruendung"), "Dissertation an der Universität Leipzig; Auswertung ohne Namen."),
		b.Shot("a3-antrag"),
		chromedp.Click(`//main//button[.="Antrag stellen"]`), chromedp.WaitVisible(chromedp.CSS("table.requests")),
		b.Contrast("my requests"), b.Shot("a4-meine-antraege"))
	if s := b.Text("table.requests tbody tr"); !strings.Contains(s, "20001 Nr. 1") || !strings.Contains(s, "in Bearbeitung") {
		t.Errorf("my requests: %q", s)
	}
	logout()

	// The archivist decides.
	login("clara@archiv.example")
	b.Step("open requests", chromedp.Navigate(ts.URL+"/archiv/antraege"), chromedp.WaitVisible(chromedp.CSS("table.requests")),
		b.Contrast("open requests"), b.Shot("a5-offene-antraege"))
	if s := b.Text("table.requests tbody"); !strings.Contains(s, "Ada Forscherin") || !strings.Contains(s, "Bauen im ländlichen Raum") {
		t.Errorf("open requests: %q", s)
	}
	b.Step("decide", chromedp.Click(`//a[contains(., "Entscheiden")]`), chromedp.WaitVisible(chromedp.ID("auflagen")),
		chromedp.Click(chromedp.ID("genehmigen")), chromedp.SendKeys(chromedp.ID("auflagen"), "Nur anonymisierte Auswertung."),
		b.Contrast("decision"), b.Shot("a6-entscheidung"),
		chromedp.Click(`//main//button[.="Entscheidung speichern"]`), chromedp.WaitVisible(`//*[contains(@class,"notice")][contains(.,"Entscheidung")]`))
	if n := b.Text(".notice"); n != "Die Entscheidung ist gespeichert." {
		t.Errorf("after the decision: %q", n)
	}
	b.IgnoreConsole(true)
	b.Step("the archivist and the file", chromedp.Navigate(fileURL), chromedp.WaitVisible(chromedp.CSS(".lock")))
	if st := b.Status(); st != float64(403) {
		t.Errorf("the archivist gets the researcher's file: %v", st)
	}
	b.Step("leave", chromedp.Navigate(ts.URL+"/"))
	b.IgnoreConsole(false)
	logout()

	// The researcher: the decision, the unit, the file.
	login("ada@example.org")
	b.Step("decision seen", chromedp.Navigate(ts.URL+"/konto/antraege"), chromedp.WaitVisible(chromedp.CSS(".status-approved")),
		b.Shot("a7-genehmigt"))
	if s := b.Text("table.requests tbody tr"); !strings.Contains(s, "Nur anonymisierte Auswertung.") {
		t.Errorf("decision: %q", s)
	}
	b.Step("granted unit", chromedp.Click(`//a[.="Zur Einheit"]`), chromedp.WaitVisible(chromedp.CSS(".grant")),
		chromedp.WaitVisible(chromedp.CSS("table.files")), b.Contrast("granted unit"), b.Shot("a8-einheit-freigegeben"))
	if s := b.Text(".grant"); !strings.Contains(s, "Nur anonymisierte Auswertung.") {
		t.Errorf("grant note: %q", s)
	}
	resp, err := chromedp.Run(b.Context(), chromedp.NavigateResponse(fileURL))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || resp.MimeType != "application/pdf" {
		t.Errorf("the granted file: %d %s", resp.Status, resp.MimeType)
	}
	b.Step("pdf", chromedp.Navigate(ts.URL+"/"))
	logout()

	// A second researcher and an anonymous visitor: 403.
	login("bert@example.org")
	b.IgnoreConsole(true)
	b.Step("second researcher", chromedp.Navigate(fileURL), chromedp.WaitVisible(chromedp.CSS(".lock")), b.Shot("a9-andere-forscher-gesperrt"))
	if st := b.Status(); st != float64(403) {
		t.Errorf("the second researcher gets the file: %v", st)
	}
	b.Step("second researcher, unit", chromedp.Navigate(unit), chromedp.WaitVisible(chromedp.CSS(".lock")))
	if n := b.Eval(`document.querySelectorAll('.grant, table.files').length`); n != float64(0) {
		t.Errorf("the second researcher sees the grant or files: %v", n)
	}
	b.Step("leave", chromedp.Navigate(ts.URL+"/"))
	b.IgnoreConsole(false)
	logout()
	b.IgnoreConsole(true)
	b.Step("anonymous", chromedp.Navigate(fileURL), chromedp.WaitVisible(chromedp.CSS(".lock")))
	if st := b.Status(); st != float64(403) {
		t.Errorf("anonymous gets the file: %v", st)
	}
	b.Step("leave", chromedp.Navigate("about:blank"))
	b.IgnoreConsole(false)
}
