package web_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/magazin-archiv/magazin/access/accounts"
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
	ctx := browser(t)
	f := newFixture(t, 0)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	shots := newScreenshots(t)
	mustCreate(t, f, "clara@archiv.example", "Clara Archivarin", accounts.RoleArchivist)
	mustCreate(t, f, "bert@example.org", "Bert Forscher", accounts.RoleResearcher)

	var mu sync.Mutex
	var problems []string
	ignore := false
	cctx, stop := context.WithCancel(ctx)
	messages := chromedp.Console(cctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() {
				mu.Lock()
				if !ignore {
					problems = append(problems, m.String()+" ("+m.URL+")")
				}
				mu.Unlock()
			}
		}
	}()
	setIgnore := func(v bool) { mu.Lock(); ignore = v; mu.Unlock() }
	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	eval := func(js string) any {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[any](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	contrast := func(page string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			bad, err := chromedp.Evaluate[[]string](contrastJS)(ctx, tg)
			if err != nil {
				return err
			}
			for _, b := range bad {
				t.Errorf("%s: contrast below WCAG AA: %s", page, b)
			}
			return nil
		})
	}
	login := func(email string) {
		t.Helper()
		step("login "+email, chromedp.Navigate(ts.URL+"/anmelden"), chromedp.WaitVisible(chromedp.ID("email")),
			chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("passwort"), testPassword),
			chromedp.Click(`//main//button[.="Anmelden"]`), chromedp.WaitVisible(chromedp.CSS(".account .who")))
	}
	logout := func() {
		t.Helper()
		// Wait for the new page's notice, not one still on the page the
		// click leaves (a busy machine answers the POST after the check).
		step("logout", chromedp.Click(`//header//button[.="Abmelden"]`), chromedp.WaitVisible(`//*[contains(@class,"notice")][contains(.,"abgemeldet")]`))
		if n := text(".notice"); n != "Sie sind abgemeldet." {
			t.Errorf("after logout: %q", n)
		}
	}
	status := func() any {
		t.Helper()
		return eval(`performance.getEntriesByType('navigation')[0].responseStatus`)
	}
	unit := ts.URL + "/unit/" + short(idClosed)
	fileURL := unit + "/file/original/" + url.PathEscape("Bauantrag Kirchgasse.pdf")

	// Registration and login.
	step("register", chromedp.Navigate(ts.URL+"/"), chromedp.Click(`//header//a[.="Registrieren"]`),
		chromedp.WaitVisible(chromedp.ID("name")), contrast("registration"),
		chromedp.SendKeys(chromedp.ID("name"), "Ada Forscherin"), chromedp.SendKeys(chromedp.ID("email"), "ada@example.org"),
		chromedp.SendKeys(chromedp.ID("institution"), "Universität Leipzig"),
		chromedp.SendKeys(chromedp.ID("passwort"), testPassword), chromedp.SendKeys(chromedp.ID("passwort2"), testPassword),
		shots.take("a1-registrieren"),
		chromedp.Click(`//main//button[.="Konto anlegen"]`), chromedp.WaitVisible(`//*[contains(@class,"notice")][contains(.,"Konto")]`))
	if n := text(".notice"); !strings.Contains(n, "Konto ist angelegt") {
		t.Errorf("after registration: %q", n)
	}
	step("login page", contrast("login"), shots.take("a2-anmelden"))
	login("ada@example.org")
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/konto/antraege") {
		t.Errorf("after login: %s", loc)
	}

	// The closed unit: the lock, and the request.
	step("closed unit", chromedp.Navigate(unit), chromedp.WaitVisible(chromedp.CSS(".lock")),
		chromedp.Click(`//a[.="Verkürzung der Schutzfrist beantragen"]`), chromedp.WaitVisible(chromedp.ID("begruendung")),
		contrast("request form"))
	step("request", chromedp.Click(chromedp.ID("zweck-research")),
		chromedp.SendKeys(chromedp.ID("vorhaben"), "Bauen im ländlichen Raum 2000–2020"),
		chromedp.SendKeys(chromedp.ID("begruendung"), "Dissertation an der Universität Leipzig; Auswertung ohne Namen."),
		shots.take("a3-antrag"),
		chromedp.Click(`//main//button[.="Antrag stellen"]`), chromedp.WaitVisible(chromedp.CSS("table.requests")),
		contrast("my requests"), shots.take("a4-meine-antraege"))
	if s := text("table.requests tbody tr"); !strings.Contains(s, "20001 Nr. 1") || !strings.Contains(s, "in Bearbeitung") {
		t.Errorf("my requests: %q", s)
	}
	logout()

	// The archivist decides.
	login("clara@archiv.example")
	step("open requests", chromedp.Navigate(ts.URL+"/archiv/antraege"), chromedp.WaitVisible(chromedp.CSS("table.requests")),
		contrast("open requests"), shots.take("a5-offene-antraege"))
	if s := text("table.requests tbody"); !strings.Contains(s, "Ada Forscherin") || !strings.Contains(s, "Bauen im ländlichen Raum") {
		t.Errorf("open requests: %q", s)
	}
	step("decide", chromedp.Click(`//a[contains(., "Entscheiden")]`), chromedp.WaitVisible(chromedp.ID("auflagen")),
		chromedp.Click(chromedp.ID("genehmigen")), chromedp.SendKeys(chromedp.ID("auflagen"), "Nur anonymisierte Auswertung."),
		contrast("decision"), shots.take("a6-entscheidung"),
		chromedp.Click(`//main//button[.="Entscheidung speichern"]`), chromedp.WaitVisible(`//*[contains(@class,"notice")][contains(.,"Entscheidung")]`))
	if n := text(".notice"); n != "Die Entscheidung ist gespeichert." {
		t.Errorf("after the decision: %q", n)
	}
	setIgnore(true)
	step("the archivist and the file", chromedp.Navigate(fileURL), chromedp.WaitVisible(chromedp.CSS(".lock")))
	if st := status(); st != float64(403) {
		t.Errorf("the archivist gets the researcher's file: %v", st)
	}
	step("leave", chromedp.Navigate(ts.URL+"/"))
	setIgnore(false)
	logout()

	// The researcher: the decision, the unit, the file.
	login("ada@example.org")
	step("decision seen", chromedp.Navigate(ts.URL+"/konto/antraege"), chromedp.WaitVisible(chromedp.CSS(".status-approved")),
		shots.take("a7-genehmigt"))
	if s := text("table.requests tbody tr"); !strings.Contains(s, "Nur anonymisierte Auswertung.") {
		t.Errorf("decision: %q", s)
	}
	step("granted unit", chromedp.Click(`//a[.="Zur Einheit"]`), chromedp.WaitVisible(chromedp.CSS(".grant")),
		chromedp.WaitVisible(chromedp.CSS("table.files")), contrast("granted unit"), shots.take("a8-einheit-freigegeben"))
	if s := text(".grant"); !strings.Contains(s, "Nur anonymisierte Auswertung.") {
		t.Errorf("grant note: %q", s)
	}
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(fileURL))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || resp.MimeType != "application/pdf" {
		t.Errorf("the granted file: %d %s", resp.Status, resp.MimeType)
	}
	step("pdf", chromedp.Navigate(ts.URL+"/"))
	logout()

	// A second researcher and an anonymous visitor: 403.
	login("bert@example.org")
	setIgnore(true)
	step("second researcher", chromedp.Navigate(fileURL), chromedp.WaitVisible(chromedp.CSS(".lock")), shots.take("a9-andere-forscher-gesperrt"))
	if st := status(); st != float64(403) {
		t.Errorf("the second researcher gets the file: %v", st)
	}
	step("second researcher, unit", chromedp.Navigate(unit), chromedp.WaitVisible(chromedp.CSS(".lock")))
	if n := eval(`document.querySelectorAll('.grant, table.files').length`); n != float64(0) {
		t.Errorf("the second researcher sees the grant or files: %v", n)
	}
	step("leave", chromedp.Navigate(ts.URL+"/"))
	setIgnore(false)
	logout()
	setIgnore(true)
	step("anonymous", chromedp.Navigate(fileURL), chromedp.WaitVisible(chromedp.CSS(".lock")))
	if st := status(); st != float64(403) {
		t.Errorf("anonymous gets the file: %v", st)
	}
	step("leave", chromedp.Navigate("about:blank"))
	setIgnore(false)

	stop()
	<-done
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("browser console: %s", p)
	}
}
