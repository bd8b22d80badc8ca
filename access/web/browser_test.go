package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/magazin-archiv/magazin/internal/corpus"
)

// browser starts headless Chromium (Debian's chromium, as make test
// installs it) on a fresh profile and returns a context for chromedp.
func browser(t *testing.T) context.Context {
	t.Helper()
	var exe string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			exe = p
			break
		}
	}
	if exe == "" {
		corpus.Missing(t, "no Chromium for the browser tests: install it (apt-get install -y chromium; make test does this as root)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "de-DE"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	return ctx
}

// screenshots saves full-page screenshots into the test's temp dir and,
// when MAGAZIN_SCREENSHOTS names a directory, there too.
type screenshots struct {
	t    *testing.T
	dirs []string
}

func newScreenshots(t *testing.T) *screenshots {
	s := &screenshots{t: t, dirs: []string{t.TempDir()}}
	if d := os.Getenv("MAGAZIN_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		s.dirs = append(s.dirs, d)
	}
	return s
}

func (s *screenshots) take(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		buf, err := chromedp.FullScreenshot(100)(ctx, t)
		if err != nil {
			return err
		}
		for _, d := range s.dirs {
			if err := os.WriteFile(filepath.Join(d, name+".png"), buf, 0o644); err != nil {
				return err
			}
		}
		s.t.Logf("screenshot %s.png (%d bytes) in %s", name, len(buf), strings.Join(s.dirs, ", "))
		return nil
	})
}

// contrastJS returns the text elements whose contrast with their effective
// background is below WCAG 2.1 AA (4.5:1, 3:1 for large text).
const contrastJS = `(() => {
  const parse = c => { const m = c.match(/[\d.]+/g); return m ? m.map(Number) : [0,0,0,0]; };
  const lum = ([r,g,b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v/12.92 : Math.pow((v+0.055)/1.055, 2.4); };
    return 0.2126*f(r) + 0.7152*f(g) + 0.0722*f(b); };
  const bg = el => { for (; el; el = el.parentElement) { const c = parse(getComputedStyle(el).backgroundColor);
    if (c.length < 4 || c[3] > 0.5) return c; } return [255,255,255]; };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const r = el.getBoundingClientRect(), st = getComputedStyle(el);
    if (r.width <= 1 || r.height <= 1 || st.visibility === 'hidden' || r.right < 0) continue;
    const l1 = lum(parse(st.color)), l2 = lum(bg(el));
    const ratio = (Math.max(l1,l2)+0.05)/(Math.min(l1,l2)+0.05);
    const size = parseFloat(st.fontSize), large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) bad.push(el.tagName + ' "' + el.textContent.trim().slice(0,40) + '" ' + ratio.toFixed(2));
  }
  return bad;
})()`

// TestBrowser walks the public flow in headless Chromium: the keyboard to
// the search field, search → unit → access copy (image and PDF) for an
// open unit, the lock of a closed one, and the Bestand browser; it checks
// contrast and that the pages write no error to the console (a CSP
// violation would be one), and saves screenshots of the main pages.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	ctx := browser(t)
	f := newFixture(t, 120)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	shots := newScreenshots(t)

	var mu sync.Mutex
	var problems []string
	ignore := false // while a refused request is expected
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
		v, err := chromedp.Run(ctx, chromedp.Evaluate[any](js, chromedp.EvalAwaitPromise))
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

	// The start page: Tab reaches the skip link first, then soon the search
	// field (after the brand and the two account links of the header);
	// typing and Enter search.
	step("start page", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.ID("q")), contrast("start page"), shots.take("1-start"))
	var order []string
	for i := 0; i < 7; i++ {
		step("Tab", chromedp.KeyEvent(kb.Tab))
		order = append(order, fmt.Sprint(eval(`document.activeElement.id || document.activeElement.textContent.trim()`)))
		if order[len(order)-1] == "q" {
			break
		}
	}
	if order[len(order)-1] != "q" || order[0] != "Zum Inhalt springen" || len(order) > 5 {
		t.Fatalf("Tab order from the top: %q; want the skip link, then soon the search field", order)
	}
	step("search", chromedp.KeyEvent("Haushaltsplan Müllrose"), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(".results .unit-title")))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "/search?q=Haushaltsplan+M%C3%BCllrose") {
		t.Errorf("search went to %s", loc)
	}
	if n := text(".count"); n != "1 Treffer" {
		t.Errorf("count = %q", n)
	}
	if marks := fmt.Sprint(eval(`[...document.querySelectorAll('.results mark')].map(m => m.textContent).join(' ')`)); !strings.HasPrefix(marks, "Haushaltsplan Müllrose") {
		t.Errorf("highlighted words: %q", marks)
	}

	// A broader search for the facets, then on to the unit.
	step("search with facets", chromedp.Navigate(ts.URL+"/search?q=M%C3%BCllrose"), chromedp.WaitVisible(chromedp.CSS(".facets")),
		contrast("search page"), shots.take("2-suche"),
		chromedp.Click(`//a[contains(@class,"unit-title")][contains(., "Haushaltsplan der Stadt")]`),
		chromedp.WaitVisible(chromedp.CSS("table.files")), contrast("open unit"), shots.take("3-einheit-offen"))
	if h := text("h1"); h != "Haushaltsplan der Stadt Müllrose 1990" {
		t.Errorf("unit heading = %q", h)
	}

	// The access copy: the image in the viewer, loaded.
	step("image viewer", chromedp.Click(`//tr[contains(., "`+pngName+`")]//a[contains(., "Ansehen")]`),
		chromedp.WaitVisible(chromedp.CSS(".viewer img")))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('.viewer img').complete`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatal(err)
	}
	if w := eval(`document.querySelector('.viewer img').naturalWidth`); w != float64(640) {
		t.Errorf("image not shown: naturalWidth %v", w)
	}
	step("image viewer", contrast("image viewer"), shots.take("4-ansicht-bild"))

	// The PDF: framed by the viewer, and fetched by the browser as a PDF.
	pdfURL := "/unit/" + short(idOpen) + "/file/original/" + url.PathEscape(pdfName)
	step("PDF viewer", chromedp.Navigate(ts.URL+"/unit/"+short(idOpen)+"/view/original/"+url.PathEscape(pdfName)),
		chromedp.WaitVisible(chromedp.CSS(".viewer iframe")), chromedp.Sleep(time.Second), shots.take("5-ansicht-pdf"))
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(ts.URL+pdfURL))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || resp.MimeType != "application/pdf" || !strings.HasPrefix(fmt.Sprint(resp.Headers["Content-Disposition"]), "inline") {
		t.Errorf("PDF in the browser: %d %s %v", resp.Status, resp.MimeType, resp.Headers)
	}
	step("PDF", chromedp.Sleep(500*time.Millisecond), shots.take("5b-pdf"))

	// A closed person-related unit: the lock with the date and the rule, no
	// title, no files; its file URL is refused with the lock.
	step("closed unit", chromedp.Navigate(ts.URL+"/signatur?s="+url.QueryEscape("20001 Nr. 2")), chromedp.WaitVisible(chromedp.CSS(".lock")),
		contrast("closed unit"), shots.take("6-einheit-gesperrt"))
	if h := text(".lock h2"); h != "Gesperrt – zugänglich ab 25.07.2078" {
		t.Errorf("lock heading = %q", h)
	}
	if body := text("main"); !strings.Contains(body, "60 Jahre nach Entstehung") || strings.Contains(body, secret) || strings.Contains(body, "Herunterladen") {
		t.Errorf("closed unit page: %s", body)
	}
	mu.Lock()
	ignore = true // the refused request below is logged as a failed resource
	mu.Unlock()
	step("closed file", chromedp.Navigate(ts.URL+"/unit/"+short(idClosed)+"/file/original/"+url.PathEscape("Bauantrag Kirchgasse.pdf")),
		chromedp.WaitVisible(chromedp.CSS(".lock")), shots.take("7-datei-gesperrt"))
	if st := eval(`performance.getEntriesByType('navigation')[0].responseStatus`); st != float64(403) {
		t.Errorf("closed file: status %v", st)
	}
	step("leave", chromedp.Navigate("about:blank"))
	mu.Lock()
	ignore = false
	mu.Unlock()

	// The Bestand browser, paged, with the breadcrumbs.
	step("Bestand", chromedp.Navigate(ts.URL+"/"),
		chromedp.Click(`//a[contains(., "Staatliche Verwaltung")]`), chromedp.WaitVisible(chromedp.CSS(".children")),
		chromedp.Click(`//a[contains(., "Stadtverwaltung Müllrose")]`), chromedp.WaitVisible(chromedp.CSS(".pager")),
		chromedp.Click(`//a[@rel="next"]`), chromedp.WaitVisible(`//a[@aria-current="page"][.="2"]`),
		contrast("Bestand"), shots.take("8-bestand"))
	if rows := eval(`document.querySelectorAll('.children .unit-row').length`); rows != float64(50) {
		t.Errorf("page 2 of the Bestand shows %v units", rows)
	}
	if c := text(".crumbs"); !strings.Contains(c, "Staatliche Verwaltung") {
		t.Errorf("breadcrumbs = %q", c)
	}

	// Narrow screens: the search page at phone width.
	step("narrow", chromedp.EmulateViewport(390, 844), chromedp.Navigate(ts.URL+"/search?q=Akte*"),
		chromedp.WaitVisible(chromedp.CSS(".results")), shots.take("9-suche-schmal"), chromedp.EmulateViewport(1280, 900))

	stop()
	<-done
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("browser console: %s", p)
	}
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
