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
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/desk"
	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/access/web"
	"github.com/magazin-archiv/magazin/internal/corpus"
)

// browser starts headless Chromium (Debian's chromium, as make test
// installs it) on a fresh profile and returns a context for chromedp, as
// access/web's browser test does.
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
// background is below WCAG 2.1 AA (4.5:1, 3:1 for large text); the same
// measure as access/web's browser test.
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
	ctx := browser(t)
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
	shots := newScreenshots(t)

	var mu sync.Mutex
	var problems []string
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
				problems = append(problems, m.String()+" ("+m.URL+")")
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
	active := func() string {
		t.Helper()
		return fmt.Sprint(eval(`(e => e.getAttribute('value') !== null && e.tagName === 'BUTTON' ? 'button:' + e.value : (e.id || e.name || e.textContent.trim()))(document.activeElement)`))
	}
	// waitOK waits for a confirmation that contains want (the page after
	// the form's redirect).
	waitOK := func(name, want string) {
		t.Helper()
		js := `(e => e !== null && e.textContent.includes(` + jsString(want) + `))(document.querySelector('.ok'))`
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			// A navigation under way interrupts the evaluation: try again.
			if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
				return
			}
		}
		t.Fatalf("%s: no confirmation %q (page says %q)", name, want, eval(`document.querySelector('main').innerText`))
	}
	checked := func(id string) string {
		t.Helper()
		return fmt.Sprint(eval(`(document.querySelector('input[name="d.` + id + `"]:checked') || {value: '?'}).value`))
	}

	// Without a login the desk sends to the login page.
	step("anonymous", chromedp.Navigate(ts.URL+"/archiv/bewertung"))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "/anmelden?weiter=%2Farchiv%2Fbewertung") {
		t.Errorf("anonymous went to %s", loc)
	}
	step("login", chromedp.Navigate(ts.URL+"/test-login?u=anna"), chromedp.WaitVisible(chromedp.CSS(".tiles")),
		contrast("start"), shots.take("desk-1-start"))
	step("offers", chromedp.Click(`//nav[@aria-label="Arbeitsplatz"]//a[.="Bewertung"]`), chromedp.WaitVisible(chromedp.CSS("table.grid")),
		contrast("offers"), shots.take("desk-2-anbietungen"),
		chromedp.Click(`//a[contains(., "Bauakte Kirchgasse 3; Personalakte")]`), chromedp.WaitVisible(chromedp.CSS("table.objects")),
		contrast("appraisal"), shots.take("desk-3-bewertung"))

	// Tab from the top: the skip link, the navigation, then the first
	// button of the form (save), then the bulk buttons of the first
	// file-plan unit in the table.
	step("focus top", chromedp.Navigate(ts.URL+"/archiv/bewertung/"+pid), chromedp.WaitVisible(chromedp.CSS("table.objects")))
	var order []string
	for range 16 {
		step("Tab", chromedp.KeyEvent(kb.Tab))
		order = append(order, active())
		if strings.HasPrefix(order[len(order)-1], "button:A:") {
			break
		}
	}
	if order[0] != "Zum Inhalt springen" || !slices.Contains(order, "button:speichern") || !strings.HasPrefix(order[len(order)-1], "button:A:") {
		t.Fatalf("Tab order from the top: %q; want the skip link, the navigation, save, then the bulk buttons", order)
	}

	// Bulk by typed prefix: type, Tab to "alle A", Enter.
	step("prefix", chromedp.Focus(chromedp.ID("praefix")), chromedp.KeyEvent("63-"), chromedp.KeyEvent(kb.Tab))
	if a := active(); a != "button:praefix-A" {
		t.Fatalf("after the prefix field Tab goes to %q", a)
	}
	step("bulk by prefix", chromedp.KeyEvent(kb.Enter))
	waitOK("bulk by prefix", "2 Objekt(e) der Aktenplaneinheit 63- auf A")
	if checked("o1") != "A" || checked("o2") != "A" || checked("o3") != "" {
		t.Errorf("after 63- A: o1=%s o2=%s o3=%s", checked("o1"), checked("o2"), checked("o3"))
	}
	step("after prefix", contrast("appraisal with confirmation"), shots.take("desk-4-sammelentscheidung"))

	// Bulk for a listed file-plan unit: focus its "alle V" button and press
	// Space.
	step("bulk V for 20", chromedp.Focus(chromedp.CSS(`button[value="V:20-241.3"]`)), chromedp.KeyEvent(" "))
	waitOK("bulk V for 20", "Aktenplaneinheit 20-241.3 auf V")
	if checked("o3") != "V" || checked("o1") != "A" {
		t.Errorf("after 20-241.3 V: o3=%s o1=%s", checked("o3"), checked("o1"))
	}

	// A radio with the arrow keys: o4 from "offen" to "V", then a note.
	step("radio", chromedp.Focus(chromedp.CSS(`input[name="d.o4"]:checked`)), chromedp.KeyEvent(kb.ArrowLeft))
	if checked("o4") != "V" {
		t.Errorf("ArrowLeft on o4: %s", checked("o4"))
	}
	step("note", chromedp.KeyEvent(kb.Tab))
	if a := active(); a != "o-o4-n" {
		t.Fatalf("Tab from the o4 decision goes to %q", a)
	}
	step("type note", chromedp.KeyEvent("Kassation nach Absprache"))
	// The finish, by keyboard.
	step("finish", chromedp.Focus(chromedp.CSS(`button[value="abschliessen"]`)), chromedp.KeyEvent(kb.Enter))
	waitOK("finish", "Die Bewertung ist abgeschlossen: 4 Entscheidung(en)")
	step("done", contrast("appraised"), shots.take("desk-5-bewertet"))
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
		step(p.path, chromedp.Navigate(ts.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)), contrast(p.path), shots.take(p.shot))
	}
	// Description editing: typing into the title and saving.
	step("edit", chromedp.Navigate(ts.URL+"/archiv/einheit/"+url.PathEscape(unitID)), chromedp.WaitVisible(chromedp.ID("titel")), chromedp.Focus(chromedp.ID("titel")), chromedp.KeyEvent(kb.End), chromedp.KeyEvent(" (Neubau)"),
		chromedp.Click(`//form[contains(@class,"describe")]//button[@type="submit"]`))
	waitOK("edit", "Die Verzeichnung ist gespeichert")
	if saved := descs.edits(); len(saved) != 1 || saved[0].Title != "Bauakte Kirchgasse 3 (Neubau)" {
		t.Errorf("saved: %+v", saved)
	}
	step("narrow", chromedp.EmulateViewport(390, 844), chromedp.Navigate(ts.URL+"/archiv/bewertung/"+pid),
		chromedp.WaitVisible(chromedp.CSS("table.objects")), shots.take("desk-10-bewertung-schmal"))
	// The tables scroll inside the page; the page itself is no wider than
	// the phone.
	if w := eval(`document.documentElement.scrollWidth`); w != float64(390) {
		t.Errorf("the appraisal page at phone width is %v px wide", w)
	}
	step("wide", chromedp.EmulateViewport(1280, 900))

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
