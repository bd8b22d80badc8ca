package desk_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/magazin-archiv/magazin/access/accounts"
	"github.com/magazin-archiv/magazin/access/desk"
	"github.com/magazin-archiv/magazin/access/web"
)

// TestBrowserAccounts administers accounts in headless Chromium with the
// keyboard only, over a real accounts database: Tab through the desk's
// navigation to Konten and Enter, Tab to the pending registration's
// "Freischalten" and Enter, then to its "Passwort zurücksetzen" and
// Space; the temporary password shown works only to set a new one. It
// checks contrast and the console and saves screenshots.
func TestBrowserAccounts(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	ctx := browser(t)
	acc := newAccounts(t)
	dh, err := desk.New(desk.Config{Auth: cookieAuth{newTestAuth()}, Accounts: desk.AccountsOver(acc)})
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
	mux.Handle("/", site)
	ts := httptest.NewServer(mux)
	defer ts.Close()
	shots := newScreenshots(t)

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
				problems = append(problems, m.String()+" ("+m.URL+")")
			}
		}
	}()
	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[any](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return fmt.Sprint(v)
	}
	contrast := func(page string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			bad, err := chromedp.Evaluate[[]string](contrastJS)(ctx, tg)
			for _, b := range bad {
				t.Errorf("%s: contrast below WCAG AA: %s", page, b)
			}
			return err
		})
	}
	focused := func() string { t.Helper(); return eval(`document.activeElement.textContent.trim()`) }
	// tabTo presses Tab until the focused element's text is want.
	tabTo := func(want string) {
		t.Helper()
		var seen []string
		for range 60 {
			step("Tab", chromedp.KeyEvent(kb.Tab))
			if f := focused(); f == want {
				return
			} else {
				seen = append(seen, f)
			}
		}
		t.Fatalf("Tab never reaches %q; focus went %q", want, seen)
	}
	// waitFor waits for an element matching css whose text contains want.
	waitFor := func(name, css, want string) {
		t.Helper()
		js := `(e => e !== null && e.textContent.includes(` + jsString(want) + `))(document.querySelector(` + jsString(css) + `))`
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
				return
			}
		}
		t.Fatalf("%s: no %s with %q (page says %q)", name, css, want, eval(`document.querySelector('main').innerText`))
	}
	rolf, err := acc.ByEmail(context.Background(), "rolf@example.org")
	if err != nil {
		t.Fatal(err)
	}

	// From the start page to Konten by keyboard.
	step("login", chromedp.Navigate(ts.URL+"/test-login?u=anna"), chromedp.WaitVisible(chromedp.CSS("nav.desk-nav")))
	tabTo("Konten")
	step("Enter on Konten", chromedp.KeyEvent(kb.Enter))
	waitFor("konten", "h1", "Konten des Lesesaals")
	step("konten", contrast("konten"), shots.take("desk-11-konten"))

	// Approve the pending registration: it is the first row.
	tabTo("Freischalten: Rolf Forscher")
	step("approve", chromedp.KeyEvent(kb.Enter))
	waitFor("approve", ".ok", "Das Konto von Rolf Forscher (rolf@example.org) ist freigeschaltet.")
	if u, _ := acc.User(context.Background(), rolf.ID); u.Status != accounts.StatusActive {
		t.Fatalf("after approval: %s", u.Status)
	}
	step("approved", contrast("konten after approval"), shots.take("desk-12-freigeschaltet"))

	// Reset his password with Space.
	tabTo("Passwort zurücksetzen: Rolf Forscher")
	step("reset", chromedp.KeyEvent(" "))
	waitFor("reset", "#issued-h", "Vorläufiges Passwort für Rolf Forscher")
	temp := eval(`document.getElementById('vorlaeufig').textContent`)
	step("reset page", contrast("reset"), shots.take("desk-13-passwort-zurueckgesetzt"))
	if _, _, _, err := acc.Login(context.Background(), rolf.Email, temp, "10.0.0.1"); !errors.Is(err, accounts.ErrMustChange) {
		t.Errorf("login with the temporary password %q shown: %v, want ErrMustChange", temp, err)
	}
	if log := eval(`document.querySelector('[aria-labelledby="log-h"]').innerText`); !strings.Contains(log, "Passwort zurückgesetzt") ||
		!strings.Contains(log, "Registrierung freigeschaltet") || !strings.Contains(log, "Anna Archivarin") {
		t.Errorf("the log on the page: %q", log)
	}
	step("narrow", chromedp.EmulateViewport(390, 844), chromedp.Navigate(ts.URL+"/archiv/konten"),
		chromedp.WaitVisible(chromedp.CSS("table.accounts")), shots.take("desk-14-konten-schmal"))
	if w := eval(`document.documentElement.scrollWidth`); w != "390" {
		t.Errorf("the accounts page at phone width is %s px wide", w)
	}

	stop()
	<-done
	for _, p := range problems {
		t.Errorf("browser console: %s", p)
	}
}
