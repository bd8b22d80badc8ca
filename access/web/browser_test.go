package web_test

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/magazin-archiv/magazin/internal/browsertest"
)

// TestBrowser walks the public flow in headless Chromium: the keyboard to
// the search field, search → unit → access copy (image and PDF) for an
// open unit, the lock of a closed one, and the Bestand browser; it checks
// contrast and that the pages write no error to the console (a CSP
// violation would be one), and saves screenshots of the main pages.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := browsertest.Start(t)
	f := newFixture(t, 120)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()

	// The start page: Tab reaches the skip link first, then soon the search
	// field (after the brand and the two account links of the header);
	// typing and Enter search.
	b.Step("start page", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.ID("q")), b.Contrast("start page"), b.Shot("1-start"))
	order := b.TabUntil(7, b.Focused, func(focused string) bool { return focused == "q" })
	if order[len(order)-1] != "q" || order[0] != "Zum Inhalt springen" || len(order) > 5 {
		t.Fatalf("Tab order from the top: %q; want the skip link, then soon the search field", order)
	}
	b.Step("search", chromedp.KeyEvent("Haushaltsplan Müllrose"), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(".results .unit-title")))
	if loc := b.Location(); !strings.Contains(loc, "/search?q=Haushaltsplan+M%C3%BCllrose") {
		t.Errorf("search went to %s", loc)
	}
	if n := b.Text(".count"); n != "1 Treffer" {
		t.Errorf("count = %q", n)
	}
	if marks := fmt.Sprint(b.Eval(`[...document.querySelectorAll('.results mark')].map(m => m.textContent).join(' ')`)); !strings.HasPrefix(marks, "Haushaltsplan Müllrose") {
		t.Errorf("highlighted words: %q", marks)
	}

	// A broader search for the facets, then on to the unit.
	b.Step("search with facets", chromedp.Navigate(ts.URL+"/search?q=M%C3%BCllrose"), chromedp.WaitVisible(chromedp.CSS(".facets")),
		b.Contrast("search page"), b.Shot("2-suche"),
		chromedp.Click(`//a[contains(@class,"unit-title")][contains(., "Haushaltsplan der Stadt")]`),
		chromedp.WaitVisible(chromedp.CSS("table.files")), b.Contrast("open unit"), b.Shot("3-einheit-offen"))
	if h := b.Text("h1"); h != "Haushaltsplan der Stadt Müllrose 1990" {
		t.Errorf("unit heading = %q", h)
	}

	// The access copy: the image in the viewer, loaded.
	b.Step("image viewer", chromedp.Click(`//tr[contains(., "`+pngName+`")]//a[contains(., "Ansehen")]`),
		chromedp.WaitVisible(chromedp.CSS(".viewer img")))
	if _, err := chromedp.Run(b.Context(), chromedp.Poll[bool](`document.querySelector('.viewer img').complete`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatal(err)
	}
	if w := b.Eval(`document.querySelector('.viewer img').naturalWidth`); w != float64(640) {
		t.Errorf("image not shown: naturalWidth %v", w)
	}
	b.Step("image viewer", b.Contrast("image viewer"), b.Shot("4-ansicht-bild"))

	// The PDF: framed by the viewer, and fetched by the browser as a PDF.
	pdfURL := "/unit/" + short(idOpen) + "/file/original/" + url.PathEscape(pdfName)
	b.Step("PDF viewer", chromedp.Navigate(ts.URL+"/unit/"+short(idOpen)+"/view/original/"+url.PathEscape(pdfName)),
		chromedp.WaitVisible(chromedp.CSS(".viewer iframe")), chromedp.Sleep(time.Second), b.Shot("5-ansicht-pdf"))
	resp, err := chromedp.Run(b.Context(), chromedp.NavigateResponse(ts.URL+pdfURL))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || resp.MimeType != "application/pdf" || !strings.HasPrefix(fmt.Sprint(resp.Headers["Content-Disposition"]), "inline") {
		t.Errorf("PDF in the browser: %d %s %v", resp.Status, resp.MimeType, resp.Headers)
	}
	b.Step("PDF", chromedp.Sleep(500*time.Millisecond), b.Shot("5b-pdf"))

	// A closed person-related unit: the lock with the date and the rule, no
	// title, no files; its file URL is refused with the lock.
	b.Step("closed unit", chromedp.Navigate(ts.URL+"/signatur?s="+url.QueryEscape("20001 Nr. 2")), chromedp.WaitVisible(chromedp.CSS(".lock")),
		b.Contrast("closed unit"), b.Shot("6-einheit-gesperrt"))
	if h := b.Text(".lock h2"); h != "Gesperrt – zugänglich ab 25.07.2078" {
		t.Errorf("lock heading = %q", h)
	}
	if body := b.Text("main"); !strings.Contains(body, "60 Jahre nach Entstehung") || strings.Contains(body, secret) || strings.Contains(body, "Herunterladen") {
		t.Errorf("closed unit page: %s", body)
	}
	b.IgnoreConsole(true) // the refused request below is logged as a failed resource
	b.Step("closed file", chromedp.Navigate(ts.URL+"/unit/"+short(idClosed)+"/file/original/"+url.PathEscape("Bauantrag Kirchgasse.pdf")),
		chromedp.WaitVisible(chromedp.CSS(".lock")), b.Shot("7-datei-gesperrt"))
	if st := b.Status(); st != float64(403) {
		t.Errorf("closed file: status %v", st)
	}
	b.Step("leave", chromedp.Navigate("about:blank"))
	b.IgnoreConsole(false)

	// The Bestand browser, paged, with the breadcrumbs.
	b.Step("Bestand", chromedp.Navigate(ts.URL+"/"),
		chromedp.Click(`//a[contains(., "Staatliche Verwaltung")]`), chromedp.WaitVisible(chromedp.CSS(".children")),
		chromedp.Click(`//a[contains(., "Stadtverwaltung Müllrose")]`), chromedp.WaitVisible(chromedp.CSS(".pager")),
		chromedp.Click(`//a[@rel="next"]`), chromedp.WaitVisible(`//a[@aria-current="page"][.="2"]`),
		b.Contrast("Bestand"), b.Shot("8-bestand"))
	if rows := b.Eval(`document.querySelectorAll('.children .unit-row').length`); rows != float64(50) {
		t.Errorf("page 2 of the Bestand shows %v units", rows)
	}
	if c := b.Text(".crumbs"); !strings.Contains(c, "Staatliche Verwaltung") {
		t.Errorf("breadcrumbs = %q", c)
	}

	// Narrow screens: the search page at phone width.
	b.Step("narrow", chromedp.EmulateViewport(390, 844), chromedp.Navigate(ts.URL+"/search?q=Akte*"),
		chromedp.WaitVisible(chromedp.CSS(".results")), b.Shot("9-suche-schmal"), chromedp.EmulateViewport(1280, 900))
}
