package desk_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/access/accounts"
	"github.com/magazin-archiv/magazin/access/desk"
)

const accPassword = "ein sehr langes Passwort"

// newAccounts opens an accounts database in memory with a pending
// registration (Rolf), an active researcher (Rita), an archivist (Bert)
// and an admin (Ida).
func newAccounts(t *testing.T) *accounts.DB {
	t.Helper()
	db, err := accounts.Open("", accounts.Options{Params: accounts.Params{Time: 1, Memory: 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, u := range []accounts.NewUser{
		{Email: "rita@example.org", Name: "Rita Forscherin", Institution: "Universität Musterstadt", Role: accounts.RoleResearcher},
		{Email: "rolf@example.org", Name: "Rolf Forscher", Role: accounts.RoleResearcher, Status: accounts.StatusPending},
		{Email: "bert@archiv.example", Name: "Bert Archivar", Role: accounts.RoleArchivist},
		{Email: "ida@archiv.example", Name: "Ida Admin", Role: accounts.RoleAdmin},
	} {
		u.Password = accPassword
		if _, err := db.Create(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// recordingAccounts records the calls that change an account.
type recordingAccounts struct {
	desk.Accounts
	calls *calls
}

func (r recordingAccounts) Act(ctx context.Context, id, action, role string, who desk.Identity) error {
	r.calls.add("Act %s %s %s by %s", id, action, role, who.ID)
	return r.Accounts.Act(ctx, id, action, role, who)
}

func (r recordingAccounts) Reset(ctx context.Context, id string, who desk.Identity) (string, time.Time, error) {
	r.calls.add("Reset %s by %s", id, who.ID)
	return r.Accounts.Reset(ctx, id, who)
}

func mustUser(t *testing.T, f *fixture, email string) *accounts.User {
	t.Helper()
	u, err := f.acc.ByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

var tempRE = regexp.MustCompile(`<code id="vorlaeufig">([^<]+)</code>`)

// The account administration: the list (pending first, with role, state,
// registration and last login), approval, disabling, enabling, a role
// change by an admin, a password reset whose temporary password is shown
// once and works only to set a new one, the refusals, and the log of who
// did what.
func TestAccounts(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	rolf, rita, bert := mustUser(t, f, "rolf@example.org"), mustUser(t, f, "rita@example.org"), mustUser(t, f, "bert@archiv.example")
	// Rita has logged in once.
	if _, _, _, err := f.acc.Login(ctx, rita.Email, accPassword, "10.0.0.9"); err != nil {
		t.Fatal(err)
	}
	res, body := f.do(t, "anna", "GET", "/archiv/konten", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("konten: %d\n%s", res.StatusCode, body)
	}
	for _, w := range []string{`<a href="/archiv/konten" aria-current="page">Konten</a>`, "<strong>1 Registrierung(en) warten auf Freischaltung</strong>",
		"wartet auf Freischaltung", "Universität Musterstadt", "Nutzerin/Nutzer", "Archivarin/Archivar", "Administration", "noch nie",
		`action="/archiv/konten/` + url.PathEscape(rolf.ID) + `"`, `Freischalten<span class="visually-hidden">: Rolf Forscher</span>`,
		`name="csrf" value="token-anna"`, "Noch keine Aktion protokolliert."} {
		if !strings.Contains(body, w) {
			t.Errorf("konten lacks %q", w)
		}
	}
	if i, j := strings.Index(body, "Rolf Forscher"), strings.Index(body, "Rita Forscherin"); i < 0 || j < 0 || i > j {
		t.Error("the pending registration is not listed first")
	}
	// An archivist has no buttons on staff accounts and no role selection.
	row := func(body, name string) string {
		i := strings.Index(body, "<th scope=\"row\">"+name)
		if i < 0 {
			t.Fatalf("no row for %s", name)
		}
		return body[i : i+strings.Index(body[i:], "</tr>")]
	}
	if r := row(body, "Bert Archivar"); strings.Contains(r, "<form") {
		t.Errorf("an archivist may administer an archivist's account: %s", r)
	}
	if strings.Contains(body, `name="rolle"`) {
		t.Error("an archivist is offered a role change")
	}
	if r := row(body, "Rita Forscherin"); strings.Contains(r, "noch nie") || !strings.Contains(r, "Sperren") || !strings.Contains(r, "Passwort zurücksetzen") {
		t.Errorf("Rita's row: %s", r)
	}

	// Approve the pending registration.
	res, _ = post(t, f, "/archiv/konten/"+rolf.ID, url.Values{"aktion": {desk.AccApprove}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/archiv/konten?") {
		t.Fatalf("approve: %d %q", res.StatusCode, loc)
	}
	if u := mustUser(t, f, rolf.Email); u.Status != accounts.StatusActive {
		t.Fatalf("after approval: %s", u.Status)
	}
	_, body = f.do(t, "anna", "GET", res.Header.Get("Location"), nil)
	if !strings.Contains(body, "Das Konto von Rolf Forscher (rolf@example.org) ist freigeschaltet.") || !strings.Contains(body, "Registrierung freigeschaltet") ||
		!strings.Contains(body, "Keine Registrierung wartet") {
		t.Errorf("the page after approval lacks the confirmation or the log entry")
	}
	// A crafted confirmation names no one the database does not know.
	if _, body = f.do(t, "anna", "GET", "/archiv/konten?ok=sperren&konto=%3Cb%3Eevil", nil); strings.Contains(body, "evil") {
		t.Error("the confirmation shows text from the link")
	}

	// Disable Rita: her session ends; enable her again.
	sid, _, _, err := f.acc.Login(ctx, rita.Email, accPassword, "10.0.0.9")
	if err != nil {
		t.Fatal(err)
	}
	if res, _ = post(t, f, "/archiv/konten/"+rita.ID, url.Values{"aktion": {desk.AccDisable}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", res.StatusCode)
	}
	if _, _, err := f.acc.Session(ctx, sid); err == nil {
		t.Error("Rita's session survived disabling")
	}
	if res, _ = post(t, f, "/archiv/konten/"+rita.ID, url.Values{"aktion": {desk.AccEnable}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("enable: %d", res.StatusCode)
	}
	if u := mustUser(t, f, rita.Email); u.Status != accounts.StatusActive {
		t.Fatalf("after enabling: %s", u.Status)
	}

	// Refused: an archivist disabling an archivist, granting a role, an
	// action on the wrong state, an unknown action and account.
	for _, c := range []struct {
		name, id string
		form     url.Values
		code     int
	}{
		{"disable an archivist", bert.ID, url.Values{"aktion": {desk.AccDisable}}, http.StatusForbidden},
		{"grant archivist", rita.ID, url.Values{"aktion": {desk.AccRole}, "rolle": {accounts.RoleArchivist}}, http.StatusForbidden},
		{"approve an active account", rita.ID, url.Values{"aktion": {desk.AccApprove}}, http.StatusUnprocessableEntity},
		{"unknown action", rita.ID, url.Values{"aktion": {"loeschen"}}, http.StatusUnprocessableEntity},
		{"unknown account", "acc-gibt-es-nicht", url.Values{"aktion": {desk.AccDisable}}, http.StatusNotFound},
	} {
		res, body := post(t, f, "/archiv/konten/"+c.id, c.form)
		if res.StatusCode != c.code || !strings.Contains(body, "ichts wurde geändert") && c.code != http.StatusNotFound {
			t.Errorf("%s: %d, want %d", c.name, res.StatusCode, c.code)
		}
	}
	if u := mustUser(t, f, bert.Email); u.Status != accounts.StatusActive || u.Role != accounts.RoleArchivist {
		t.Errorf("Bert after refused actions: %+v", u)
	}
	if u := mustUser(t, f, rita.Email); u.Role != accounts.RoleResearcher {
		t.Errorf("Rita's role after a refused change: %s", u.Role)
	}

	// An admin changes a role.
	res, body = f.do(t, "root", "GET", "/archiv/konten", nil)
	if !strings.Contains(row(body, "Bert Archivar"), `name="rolle"`) || !strings.Contains(body, `<label class="visually-hidden" for="rolle-`) {
		t.Errorf("the admin is not offered a role change")
	}
	f.do(t, "root", "POST", "/archiv/konten/"+rita.ID, url.Values{"csrf": {"token-root"}, "aktion": {desk.AccRole}, "rolle": {accounts.RoleArchivist}})
	if u := mustUser(t, f, rita.Email); u.Role != accounts.RoleArchivist {
		t.Errorf("after the admin's role change: %s", u.Role)
	}

	// Reset Rolf's password: the temporary password is in the answer to
	// the POST (not in a redirect), works only to set a new one.
	res, body = post(t, f, "/archiv/konten/"+rolf.ID, url.Values{"aktion": {desk.AccReset}})
	m := tempRE.FindStringSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil || res.Header.Get("Location") != "" || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("reset: %d %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	temp := m[1]
	if !strings.Contains(body, "Vorläufiges Passwort für Rolf Forscher") || !strings.Contains(body, "Es wird nur jetzt angezeigt") {
		t.Error("the reset page does not explain the temporary password")
	}
	if _, _, _, err := f.acc.Login(ctx, rolf.Email, accPassword, "10.0.0.9"); err == nil {
		t.Error("the old password works after the reset")
	}
	if _, _, _, err := f.acc.Login(ctx, rolf.Email, temp, "10.0.0.9"); err == nil || !strings.Contains(err.Error(), "temporary") {
		t.Errorf("login with the temporary password: %v, want ErrMustChange", err)
	}
	if _, _, _, err := f.acc.SetOwnPassword(ctx, rolf.Email, temp, "Rolfs neues Passwort", "10.0.0.9"); err != nil {
		t.Errorf("setting a new password with the temporary one: %v", err)
	}
	_, body = f.do(t, "anna", "GET", "/archiv/konten", nil)
	if strings.Contains(body, temp) {
		t.Error("the temporary password is shown again")
	}
	logStart := strings.Index(body, "Protokoll der Kontoverwaltung")
	for _, w := range []string{"eigenes Passwort festgelegt", "Passwort zurückgesetzt", "Rolle geändert: Nutzerin/Nutzer → Archivarin/Archivar", "Admin",
		"Anna Archivarin", "wieder freigeschaltet", "gesperrt", "Registrierung freigeschaltet"} {
		if logStart < 0 || !strings.Contains(body[logStart:], w) {
			t.Errorf("the log lacks %q", w)
		}
	}
	if c := f.calls.list(); len(c) != 10 {
		t.Errorf("calls: %q", c)
	}
}
