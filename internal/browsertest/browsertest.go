// Package browsertest drives headless Chromium through chromedp for the
// browser tests of the web UI (access/web, access/desk and the IIIF viewer
// of cmd/magazin): it starts the browser, runs steps that fail the test
// when they fail, checks colour contrast and the console, walks the page
// with the keyboard and saves screenshots for inspection.
//
// Contract:
//   - Only _test.go files import it (layout_test.go checks this).
//   - Start finds Chromium on PATH (chromium, chromium-browser or
//     google-chrome; scripts/test.sh installs Debian's chromium). Without
//     one the test is skipped, or fails when CI=true
//     (internal/corpus.Missing), so CI never passes by skipping.
//   - Each browser runs headless on a fresh profile in a temporary
//     directory, with German as its language and a 1280×900 window, and is
//     closed when the test ends.
//   - Errors, warnings and uncaught exceptions on the page's console fail
//     the test when it ends (a CSP violation is one), except those that
//     arrive while IgnoreConsole is on.
//   - Step, Text, Eval, Location, Status, Focused, FocusedText, TabUntil
//     and WaitText end the test with t.Fatalf when the browser fails or
//     takes longer than StepTimeout (WaitTimeout for WaitText): a page that
//     never shows what a step waits for fails the test instead of hanging
//     it. Contrast reports every text element below WCAG 2.1 AA with
//     t.Errorf and goes on.
//   - Shot writes a full-page PNG into the test's temporary directory and,
//     when the environment variable MAGAZIN_SCREENSHOTS names a directory,
//     there too.
package browsertest

import (
	"context"
	"fmt"
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

const (
	// StepTimeout bounds each step and each query of the page.
	StepTimeout = 90 * time.Second
	// WaitTimeout bounds WaitText.
	WaitTimeout = 20 * time.Second
)

// Browser is one headless Chromium with one tab, bound to a test.
type Browser struct {
	t       testing.TB
	ctx     context.Context
	timeout time.Duration // of each step: StepTimeout
	shots   []string      // directories the screenshots go to

	mu       sync.Mutex
	ignore   bool
	problems []string
}

// Start starts headless Chromium for t and watches its console; both end
// with the test.
func Start(t testing.TB) *Browser {
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
	// The first call starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	b := &Browser{t: t, ctx: ctx, timeout: StepTimeout, shots: []string{t.TempDir()}}
	if d := os.Getenv("MAGAZIN_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		b.shots = append(b.shots, d)
	}

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
				b.mu.Lock()
				if !b.ignore {
					b.problems = append(b.problems, m.String()+" ("+m.URL+")")
				}
				b.mu.Unlock()
			}
		}
	}()
	// Registered last, so it runs before the browser is closed.
	t.Cleanup(func() {
		stop()
		<-done
		for _, p := range b.Problems() {
			t.Errorf("browser console: %s", p)
		}
	})
	return b
}

// Context returns the chromedp context of the browser's tab, for actions
// the helpers do not cover (derive a timeout from it, never set one on it).
func (b *Browser) Context() context.Context { return b.ctx }

// IgnoreConsole turns the console check off (on=true) while a page is
// expected to log an error, such as a refused request, and on again.
func (b *Browser) IgnoreConsole(on bool) {
	b.mu.Lock()
	b.ignore = on
	b.mu.Unlock()
}

// Problems returns the console errors, warnings and exceptions seen so
// far (the test fails with them when it ends).
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// Step runs the actions in order and ends the test if one fails; name
// says which step failed.
func (b *Browser) Step(name string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := b.do(actions...); err != nil {
		b.t.Fatalf("%s: %v", name, err)
	}
}

// do runs the actions within the step timeout.
func (b *Browser) do(actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// Text returns the visible text of the first element matching the CSS
// selector sel, waiting for it to appear.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// Eval evaluates the JavaScript expression js (awaiting a promise) and
// returns its value as encoding/json decodes it (numbers are float64).
func (b *Browser) Eval(js string) any {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[any](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: %v", js, err)
	}
	return v
}

// Location returns the URL of the current page.
func (b *Browser) Location() string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	return loc
}

// Status returns the HTTP status of the current page's navigation (a
// page that shows an error has one too, 403 for a locked file).
func (b *Browser) Status() any {
	b.t.Helper()
	return b.Eval(`performance.getEntriesByType('navigation')[0].responseStatus`)
}

// focusedJS describes the focused element: "button:" and the value of a
// button with a value, else its id, its name or its text.
const focusedJS = `(e => e.getAttribute('value') !== null && e.tagName === 'BUTTON' ? 'button:' + e.value : (e.id || e.name || e.textContent.trim()))(document.activeElement)`

// Focused describes the element that has the keyboard focus: "button:"
// and the value for a button with a value, else its id, its name or its
// text.
func (b *Browser) Focused() string {
	b.t.Helper()
	return fmt.Sprint(b.Eval(focusedJS))
}

// FocusedText returns the text of the element that has the keyboard focus
// (what a screen reader would read for a link or a button).
func (b *Browser) FocusedText() string {
	b.t.Helper()
	return fmt.Sprint(b.Eval(`document.activeElement.textContent.trim()`))
}

// TabUntil presses Tab at most max times, describing the focused element
// with describe (b.Focused or b.FocusedText) after each press, and stops
// early when stop accepts a description. It returns the descriptions in
// order: the tab order as a keyboard user meets it.
func (b *Browser) TabUntil(max int, describe func() string, stop func(focused string) bool) []string {
	b.t.Helper()
	var order []string
	for range max {
		b.Step("Tab", chromedp.KeyEvent(kb.Tab))
		order = append(order, describe())
		if stop(order[len(order)-1]) {
			break
		}
	}
	return order
}

// WaitText waits up to WaitTimeout for an element matching the CSS
// selector css whose text contains want (the page after a form's
// redirect), and ends the test with what the page says if none comes;
// name says which step waited.
func (b *Browser) WaitText(name, css, want string) {
	b.t.Helper()
	js := `(e => e !== null && e.textContent.includes(` + JSString(want) + `))(document.querySelector(` + JSString(css) + `))`
	for deadline := time.Now().Add(WaitTimeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		// A navigation under way interrupts the evaluation: try again.
		ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		cancel()
		if err == nil && ok {
			return
		}
	}
	b.t.Fatalf("%s: no %s with %q (page says %q)", name, css, want, b.Eval(`document.querySelector('main').innerText`))
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

// Contrast is a step that reports, with t.Errorf, every visible text
// element of the current page whose contrast with its background is below
// WCAG 2.1 AA (4.5:1, 3:1 for large text); page names the page in the
// message.
func (b *Browser) Contrast(page string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		bad, err := chromedp.Evaluate[[]string](contrastJS)(ctx, tg)
		if err != nil {
			return err
		}
		for _, s := range bad {
			b.t.Errorf("%s: contrast below WCAG AA: %s", page, s)
		}
		return nil
	})
}

// Shot is a step that saves a full-page screenshot as name + ".png".
func (b *Browser) Shot(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		buf, err := chromedp.FullScreenshot(100)(ctx, tg)
		if err != nil {
			return err
		}
		for _, d := range b.shots {
			if err := os.WriteFile(filepath.Join(d, name+".png"), buf, 0o644); err != nil {
				return err
			}
		}
		b.t.Logf("screenshot %s.png (%d bytes) in %s", name, len(buf), strings.Join(b.shots, ", "))
		return nil
	})
}

// JSString quotes s as a JavaScript string literal.
func JSString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\r", `\r`).Replace(s) + "'"
}
