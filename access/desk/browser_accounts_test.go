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

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/magazin-archiv/magazin/access/accounts"
	"github.com/magazin-archiv/magazin/access/desk"
	"github.com/magazin-archiv/magazin/access/web"
	"github.com/magazin-archiv/magazin/internal/browsertest"
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
	b := browsertest.Start(t)
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
	eval := func(js string) string { t.Helper(); return fmt.Sprint(b.Eval(js)) }
	// tabTo presses Tab until the focused element's text is want.
	tabTo := func(want string) {
		t.Helper()
		seen := b.TabUntil(60, b.FocusedText, func(f string) bool { return f == want })
		if seen[len(seen)-1] != want {
			t.Fatalf("Tab never reaches %q; focus went %q", want, seen)
		}
	}
	rolf, err := acc.ByEmail(context.Background(), "rolf@example.org")
	if err != nil {
		t.Fatal(err)
	}

	// From the start page to Konten by keyboard.
	b.Step("login", chromedp.Navigate(ts.URL+"/test-login?u=anna"), chromedp.WaitVisible(chromedp.CSS("nav.desk-nav")))
	tabTo("Konten")
	b.Step("Enter on Konten", chromedp.KeyEvent(kb.Enter))
	b.WaitText("konten", "h1", "Konten des Lesesaals")
	b.Step("konten", b.Contrast("konten"), b.Shot("desk-11-konten"))

	// Approve the pending registration: it is the first row.
	tabTo("Freischalten: Rolf Forscher")
	b.Step("approve", chromedp.KeyEvent(kb.Enter))
	b.WaitText("approve", ".ok", "Das Konto von Rolf Forscher (rolf@example.org) ist freigeschaltet.")
	if u, _ := acc.User(context.Background(), rolf.ID); u.Status != accounts.StatusActive {
		t.Fatalf("after approval: %s", u.Status)
	}
	b.Step("approved", b.Contrast("konten after approval"), b.Shot("desk-12-freigeschaltet"))

	// Reset his password with Space.
	tabTo("Passwort zurücksetzen: Rolf Forscher")
	b.Step("reset", chromedp.KeyEvent(" "))
	b.WaitText("reset", "#issued-h", "Vorläufiges Passwort für Rolf Forscher")
	temp := eval(`document.getElementById('vorlaeufig').textContent`)
	b.Step("reset page", b.Contrast("reset"), b.Shot("desk-13-passwort-zurueckgesetzt"))
	if _, _, _, err := acc.Login(context.Background(), rolf.Email, temp, "10.0.0.1"); !errors.Is(err, accounts.ErrMustChange) {
		t.Errorf("login with the temporary password %q shown: %v, want ErrMustChange", temp, err)
	}
	if log := eval(`document.querySelector('[aria-labelledby="log-h"]').innerText`); !strings.Contains(log, "Passwort zurückgesetzt") ||
		!strings.Contains(log, "Registrierung freigeschaltet") || !strings.Contains(log, "Anna Archivarin") {
		t.Errorf("the log on the page: %q", log)
	}
	b.Step("narrow", chromedp.EmulateViewport(390, 844), chromedp.Navigate(ts.URL+"/archiv/konten"),
		chromedp.WaitVisible(chromedp.CSS("table.accounts")), b.Shot("desk-14-konten-schmal"))
	if w := eval(`document.documentElement.scrollWidth`); w != "390" {
		t.Errorf("the accounts page at phone width is %s px wide", w)
	}
}
