package desk_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/magazin-archiv/magazin/access/desk"
	"github.com/magazin-archiv/magazin/access/web"
	"github.com/magazin-archiv/magazin/internal/browsertest"
)

// TestBrowserQuarantine discards a quarantined submission in headless
// Chromium with the keyboard only: from the Übernahmen page Enter on the
// entry's link, Tab through the page to the Begründung field; the
// Verwerfen button with the field empty sends nothing (the field is
// required), then a reason typed, Tab, Enter: the confirmation comes and
// the fake records the archivist and the reason. Contrast is checked on
// both pages.
func TestBrowserQuarantine(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := browsertest.Start(t)
	c := &calls{}
	quar := newFakeQuarantine(c)
	dh, err := desk.New(desk.Config{Auth: cookieAuth{newTestAuth()}, Ingests: fakeIngests{}, Quarantine: quar})
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
		http.Redirect(w, r, "/archiv/uebernahmen", http.StatusSeeOther)
	})
	mux.Handle("/", site)
	ts := httptest.NewServer(mux)
	defer ts.Close()

	b.Step("login", chromedp.Navigate(ts.URL+"/test-login?u=anna"), chromedp.WaitVisible(chromedp.ID("quarantaene")),
		b.Contrast("uebernahmen"), b.Shot("desk-q1-uebernahmen"))
	b.Step("open entry", chromedp.Focus(chromedp.CSS(`a[href="/archiv/quarantaene/j2"]`)), chromedp.KeyEvent(kb.Enter))
	b.WaitText("open entry", "h1", "Abgelehnte Einlieferung")
	b.Step("entry", b.Contrast("quarantaene"), b.Shot("desk-q2-eintrag"))
	// Tab from the top of the page: the retry button comes before the
	// Begründung field.
	order := b.TabUntil(30, b.Focused, func(f string) bool { return f == "begruendung" })
	if order[len(order)-1] != "begruendung" || !slices.Contains(order, "button:erneut") ||
		slices.Index(order, "button:erneut") > slices.Index(order, "begruendung") {
		t.Fatalf("Tab order: %q", order)
	}
	// Verwerfen with the field empty: the browser refuses to send it.
	b.Step("empty", chromedp.KeyEvent(kb.Tab))
	if f := b.Focused(); f != "button:verwerfen" {
		t.Fatalf("after the Begründung Tab goes to %q", f)
	}
	b.Step("send empty", chromedp.KeyEvent(kb.Enter))
	if calls := c.list(); len(calls) > 0 {
		t.Fatalf("an empty Begründung was sent: %q", calls)
	}
	if v := fmt.Sprint(b.Eval(`document.getElementById('begruendung').validity.valueMissing`)); v != "true" {
		t.Errorf("the Begründung field is not marked missing: %s", v)
	}
	b.Step("type reason", chromedp.Focus(chromedp.ID("begruendung")), chromedp.KeyEvent("Dublette"), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter))
	b.WaitText("discard", ".ok", "ist verworfen")
	b.Step("discarded", b.Contrast("verworfen"), b.Shot("desk-q3-verworfen"))
	if calls := c.list(); !slices.Equal(calls, []string{"Discard j2 by anna: Dublette"}) {
		t.Errorf("calls = %q", calls)
	}
	if text := fmt.Sprint(b.Eval(`document.querySelector('main').innerText`)); !strings.Contains(text, "Dublette") {
		t.Errorf("the page does not show the reason:\n%s", text)
	}
}
