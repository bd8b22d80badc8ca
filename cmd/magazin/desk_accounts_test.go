package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDeskAccountsEndToEnd runs `magazin serve --registration approval`:
// a researcher registers and cannot log in; the archivist approves the
// registration on the desk's Konten page, then resets the researcher's
// password; the researcher's session ends, the temporary password leads
// only to choosing a new one, which signs them in. `magazin user log`
// shows who did it.
func TestDeskAccountsEndToEnd(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	g := []string{"--data", data}
	const pw = "ein sehr langes Passwort"
	r := magazinIn(t, pw+"\n", append(g, "user", "add", "--name", "Clara Archivarin", "--role", "archivist", "clara@archiv.example")...)
	if r.code != 0 {
		t.Fatalf("user add: %d %s", r.code, r.stderr)
	}
	clara, _, _ := strings.Cut(r.stdout, "\t")
	t.Setenv("MAGAZIN_REGISTRATION", "approval")
	base, stop := serveReadingRoom(t, g)

	rolf := newWebUser(t, base)
	code, loc, _ := rolf.do("POST", "/registrieren", url.Values{"csrf": {rolf.token("/registrieren")}, "email": {"rolf@example.org"},
		"name": {"Rolf Forscher"}, "passwort": {pw}, "passwort2": {pw}})
	if code != http.StatusSeeOther || loc != "/anmelden?hinweis=freischaltung" {
		t.Fatalf("registration: %d %q", code, loc)
	}
	if code := rolf.login("rolf@example.org", pw); code != http.StatusForbidden {
		t.Errorf("login of a pending account: %d", code)
	}

	arch := newWebUser(t, base)
	if code := arch.login("clara@archiv.example", pw); code != http.StatusSeeOther {
		t.Fatalf("archivist login: %d", code)
	}
	code, _, body := arch.do("GET", "/archiv/konten", nil)
	if code != http.StatusOK || !strings.Contains(body, "wartet auf Freischaltung") || !strings.Contains(body, `href="/archiv/konten" aria-current="page"`) {
		t.Fatalf("konten: %d\n%s", code, body)
	}
	m := regexp.MustCompile(`<th scope="row">Rolf Forscher(?s:.*?)action="/archiv/konten/(acc-[0-9a-f]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form for Rolf's account:\n%s", body)
	}
	page := "/archiv/konten/" + m[1]
	if code, _, _ := arch.do("POST", page, url.Values{"aktion": {"freischalten"}}); code != http.StatusForbidden {
		t.Errorf("approval without the CSRF token: %d", code)
	}
	if code, loc, _ := arch.do("POST", page, url.Values{"csrf": {arch.token("/archiv/konten")}, "aktion": {"freischalten"}}); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/archiv/konten?") {
		t.Fatalf("approval: %d %q", code, loc)
	}
	if code := rolf.login("rolf@example.org", pw); code != http.StatusSeeOther {
		t.Fatalf("login after approval: %d", code)
	}
	if code, _, _ := rolf.do("GET", "/konto/antraege", nil); code != http.StatusOK {
		t.Fatalf("researcher's page: %d", code)
	}

	// The reset.
	code, _, body = arch.do("POST", page, url.Values{"csrf": {arch.token("/archiv/konten")}, "aktion": {"zuruecksetzen"}})
	tm := regexp.MustCompile(`<code id="vorlaeufig">([^<]+)</code>`).FindStringSubmatch(body)
	if code != http.StatusOK || tm == nil {
		t.Fatalf("reset: %d\n%s", code, body)
	}
	if code, _, _ := rolf.do("GET", "/konto/antraege", nil); code != http.StatusSeeOther {
		t.Errorf("the researcher's session survived the reset: %d", code)
	}
	if code := rolf.login("rolf@example.org", pw); code != http.StatusUnauthorized {
		t.Errorf("the old password after the reset: %d", code)
	}
	code, _, body = rolf.do("POST", "/anmelden", url.Values{"csrf": {rolf.token("/anmelden")}, "email": {"rolf@example.org"}, "passwort": {tm[1]}})
	if code != http.StatusOK || !strings.Contains(body, "Neues Passwort festlegen") {
		t.Fatalf("login with the temporary password: %d\n%s", code, body)
	}
	const newPW = "Rolfs eigenes neues Passwort"
	code, loc, _ = rolf.do("POST", "/passwort-setzen", url.Values{"csrf": {rolf.token("/passwort-setzen")}, "email": {"rolf@example.org"},
		"vorlaeufig": {tm[1]}, "passwort": {newPW}, "passwort2": {newPW}})
	if code != http.StatusSeeOther || loc != "/konto/antraege" {
		t.Fatalf("new password: %d %q", code, loc)
	}
	if code, _, _ := rolf.do("GET", "/konto/antraege", nil); code != http.StatusOK {
		t.Errorf("signed in after the new password: %d", code)
	}
	stop()

	var log []struct{ Actor, Email, Action string }
	if err := json.Unmarshal([]byte(mustRun(t, append(g, "user", "log", "--json", "rolf@example.org")...)), &log); err != nil || len(log) != 3 ||
		log[0].Action != "password" || log[1].Action != "reset" || log[1].Actor != clara || log[2].Action != "approve" || log[2].Actor != clara {
		t.Errorf("user log: %+v %v", log, err)
	}
}
