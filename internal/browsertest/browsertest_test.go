package browsertest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// recorder is a testing.TB that keeps what Errorf reports instead of
// failing, so that the checks of a Browser can be tested; everything else
// goes to the real test.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) reported() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.errs)
}

// pages serves each of the given HTML bodies at its path.
func pages(t *testing.T, bodies map[string]string) string {
	t.Helper()
	mux := http.NewServeMux()
	for path, body := range bodies {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!DOCTYPE html><html lang="de"><head><title>Test</title><link rel="icon" href="data:,"></head><body>`+body+`</body></html>`)
		})
	}
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts.URL
}

// wait polls cond for up to ten seconds.
func wait(cond func() bool) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// TestContrast shows that Contrast reports grey text on white and passes
// black text, and that Shot writes the screenshot.
func TestContrast(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	base := pages(t, map[string]string{
		"/": `<p style="color:#000">Schwarz auf Weiß</p><p style="color:#999">Grau auf Weiß</p>` +
			`<h1 style="color:#888;font-size:30px">Groß und grau</h1>`,
	})
	shots := t.TempDir()
	t.Setenv("MAGAZIN_SCREENSHOTS", shots)
	rec := &recorder{}
	t.Run("browser", func(t *testing.T) {
		rec.TB = t
		b := Start(rec)
		b.Step("page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("p")), b.Contrast("Testseite"), b.Shot("kontrast"))
	})
	got := rec.reported()
	if len(got) != 1 || !strings.HasPrefix(got[0], `Testseite: contrast below WCAG AA: P "Grau auf Weiß" 2.85`) {
		t.Errorf("Contrast reported %q; want the grey paragraph only (2.85:1; the large heading at 3.54:1 passes)", got)
	}
	if fi, err := os.Stat(filepath.Join(shots, "kontrast.png")); err != nil || fi.Size() < 1000 {
		t.Errorf("screenshot in MAGAZIN_SCREENSHOTS: %v", err)
	}
}

// TestConsole shows that console errors fail the test when it ends, and
// that those logged while IgnoreConsole is on do not.
func TestConsole(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	base := pages(t, map[string]string{
		"/ignored": `<p>a</p><script>console.error("erwartet")</script>`,
		"/error":   `<p>b</p><script>console.error("kaputt")</script>`,
		"/warning": `<p>c</p><script>console.warn("Vorsicht")</script>`,
	})
	rec := &recorder{}
	t.Run("browser", func(t *testing.T) {
		rec.TB = t
		b := Start(rec)
		b.IgnoreConsole(true)
		b.Step("ignored", chromedp.Navigate(base+"/ignored"), chromedp.WaitVisible(chromedp.CSS("p")))
		if !wait(func() bool { return b.Eval(`document.readyState`) == "complete" }) {
			t.Fatal("page not loaded")
		}
		b.Step("leave", chromedp.Navigate("about:blank"))
		b.IgnoreConsole(false)
		for _, p := range []string{"/error", "/warning"} {
			b.Step(p, chromedp.Navigate(base+p), chromedp.WaitVisible(chromedp.CSS("p")))
		}
		if !wait(func() bool { return len(b.Problems()) >= 2 }) {
			t.Errorf("console problems seen: %q", b.Problems())
		}
	})
	got := strings.Join(rec.reported(), "\n")
	if !strings.Contains(got, "browser console: ") || !strings.Contains(got, "kaputt") || !strings.Contains(got, "Vorsicht") || strings.Contains(got, "erwartet") {
		t.Errorf("at the end of the test the console check reported:\n%s\nwant the error and the warning, not the ignored error", got)
	}
}

// TestKeyboard shows the tab order as TabUntil and Focused describe it.
func TestKeyboard(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	base := pages(t, map[string]string{
		"/": `<a href="#x">Zum Inhalt springen</a><button name="b" value="speichern">Speichern</button>` +
			`<input name="titel"><input id="q" name="suche"><a href="#y">Danach</a><p id="ok"></p>` +
			`<script>document.querySelector('button').onclick = () => setTimeout(() => document.getElementById('ok').textContent = "gespeichert: 'ja'", 300)</script>`,
	})
	b := Start(t)
	b.Step("page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("q")))
	order := b.TabUntil(10, b.Focused, func(s string) bool { return s == "q" })
	if want := []string{"Zum Inhalt springen", "button:speichern", "titel", "q"}; !slices.Equal(order, want) {
		t.Errorf("tab order %q, want %q", order, want)
	}
	b.Step("top", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("q")))
	order = b.TabUntil(3, b.FocusedText, func(s string) bool { return s == "Danach" })
	if want := []string{"Zum Inhalt springen", "Speichern", ""}; !slices.Equal(order, want) {
		t.Errorf("tab order by text %q, want %q (not reaching the last link in 3)", order, want)
	}
	b.Step("enter", chromedp.Click(`//button`))
	b.WaitText("after the click", "#ok", "gespeichert: 'ja'")
	if st := b.Status(); st != float64(200) {
		t.Errorf("status %v", st)
	}
	if loc := b.Location(); loc != base+"/" {
		t.Errorf("location %s", loc)
	}
	if s := b.Eval(`document.querySelector('button').textContent === ` + JSString(`Speichern`)); s != true {
		t.Errorf("JSString in a comparison: %v", s)
	}
}

// TestStepTimeout shows that a step waiting for what never comes ends
// with an error after the step timeout instead of hanging the test.
func TestStepTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	base := pages(t, map[string]string{"/": `<p>Seite</p>`})
	b := Start(t)
	b.Step("page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("p")))
	b.timeout = time.Second
	start := time.Now()
	err := b.do(chromedp.WaitVisible(chromedp.ID("nie")))
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 20*time.Second {
		t.Errorf("waiting for a missing element: %v after %v", err, time.Since(start))
	}
	if StepTimeout < 30*time.Second {
		t.Errorf("StepTimeout %v is too short for a busy machine", StepTimeout)
	}
}

func TestJSString(t *testing.T) {
	for in, want := range map[string]string{
		`Akte`:         `'Akte'`,
		`Zum 'Anker'`:  `'Zum \'Anker\''`,
		`C:\Akten`:     `'C:\\Akten'`,
		"zwei\nZeilen": `'zwei\nZeilen'`,
	} {
		if got := JSString(in); got != want {
			t.Errorf("JSString(%q) = %s, want %s", in, got, want)
		}
	}
}
