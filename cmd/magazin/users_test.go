package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// magazinIn runs magazin with stdin.
func magazinIn(t *testing.T, stdin string, args ...string) run {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var o, e bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &o, &e
	err := cmd.Run()
	r := run{stdout: o.String(), stderr: e.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("magazin %v: %v", args, err)
	}
	return r
}

// webUser is a browser-like HTTP client of the reading room.
type webUser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newWebUser(t *testing.T, base string) *webUser {
	jar, _ := cookiejar.New(nil)
	return &webUser{t, base, &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (u *webUser) do(method, path string, form url.Values) (int, string, string) {
	u.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", u.base)
	}
	resp, err := u.c.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

var csrfInPage = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (u *webUser) token(path string) string {
	u.t.Helper()
	_, _, b := u.do("GET", path, nil)
	m := csrfInPage.FindStringSubmatch(b)
	if m == nil {
		u.t.Fatalf("no CSRF token on %s", path)
	}
	return m[1]
}

func (u *webUser) login(email, pw string) int {
	u.t.Helper()
	code, _, _ := u.do("POST", "/anmelden", url.Values{"csrf": {u.token("/anmelden")}, "email": {email}, "passwort": {pw}})
	return code
}

// TestUserVerbsAndGrantSurvivesRebuild manages accounts with `magazin
// user`, then walks a shortening request through `magazin serve`: the
// archivist's approval opens the closed unit's file for the researcher
// only, and still does after `magazin rebuild` (the decision is
// journaled); a disabled account cannot log in.
func TestUserVerbsAndGrantSurvivesRebuild(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	g := []string{"--data", data}
	const pw = "ein sehr langes Passwort"
	mustRun(t, append(g, "ingest", "--profile", "folder", sampleDir(t))...)
	var found struct{ Hits []struct{ ID string } }
	if err := json.Unmarshal([]byte(mustRun(t, append(g, "search", "--json", "--level", "akte")...)), &found); err != nil || len(found.Hits) != 1 {
		t.Fatalf("search: %+v %v", found, err)
	}
	id := found.Hits[0].ID
	mustRun(t, append(g, "closure", "set", "--personal", "--created", "2020-01-01", id)...)

	for _, a := range [][]string{
		{"ada@example.org", "Ada Forscherin", "researcher"},
		{"bert@example.org", "Bert Forscher", "researcher"},
		{"clara@archiv.example", "Clara Archivarin", "archivist"},
	} {
		if r := magazinIn(t, pw+"\n", append(g, "user", "add", "--name", a[1], "--role", a[2], a[0])...); r.code != 0 || !strings.Contains(r.stdout, a[0]) {
			t.Fatalf("user add %s: %d %s %s", a[0], r.code, r.stdout, r.stderr)
		}
	}
	if r := magazinIn(t, pw+"\n", append(g, "user", "add", "--name", "X", "ADA@example.org")...); r.code != 2 {
		t.Errorf("a second account for one address: exit %d", r.code)
	}
	if r := magazinIn(t, "kurz\n", append(g, "user", "add", "--name", "X", "x@example.org")...); r.code != 2 || !strings.Contains(r.stderr, "at least 12") {
		t.Errorf("a short password: exit %d %s", r.code, r.stderr)
	}
	if r := magazinIn(t, pw+"\n", append(g, "user", "add", "--name", "X", "--role", "root", "x@example.org")...); r.code != 2 {
		t.Errorf("an unknown role: exit %d", r.code)
	}
	var list []struct{ Email, Role, Status string }
	if err := json.Unmarshal([]byte(mustRun(t, append(g, "user", "list", "--json")...)), &list); err != nil || len(list) != 3 ||
		list[2].Email != "clara@archiv.example" || list[2].Role != "archivist" || list[0].Status != "active" {
		t.Fatalf("user list: %+v %v", list, err)
	}
	if r := magazinIn(t, "noch ein langes Passwort\n", append(g, "user", "passwd", "bert@example.org")...); r.code != 0 {
		t.Fatalf("passwd: %d %s", r.code, r.stderr)
	}

	short := strings.TrimPrefix(id, "urn:uuid:")
	base, stop := serveReadingRoom(t, g)
	ada, clara := newWebUser(t, base), newWebUser(t, base)
	if c := ada.login("ada@example.org", pw); c != http.StatusSeeOther {
		t.Fatalf("login: %d", c)
	}
	var files struct{ Files []struct{ URL string } }
	code, _, body := newWebUser(t, base).do("GET", "/api/v1/units/"+short+"/files", nil)
	if code != 403 {
		t.Fatalf("files of the closed unit: %d %s", code, body)
	}
	code, _, _ = ada.do("POST", "/unit/"+short+"/antrag", url.Values{"csrf": {ada.token("/unit/" + short + "/antrag")}, "zweck": {"consent"},
		"begruendung": {"Die betroffene Person hat schriftlich eingewilligt."}})
	if code != http.StatusSeeOther {
		t.Fatalf("request: %d", code)
	}
	if c := clara.login("clara@archiv.example", pw); c != http.StatusSeeOther {
		t.Fatalf("archivist login: %d", c)
	}
	_, _, page := clara.do("GET", "/archiv/antraege", nil)
	m := regexp.MustCompile(`/archiv/antraege/(req-[0-9a-f]+)`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no open request: %s", page)
	}
	code, _, body = clara.do("POST", "/archiv/antraege/"+m[1], url.Values{"csrf": {clara.token("/archiv/antraege/" + m[1])}, "entscheidung": {"genehmigen"},
		"freigabe": {"2000-01-01"}, "rechtsgrundlage": {"§ 10 Abs. 4 SächsArchivG, Einwilligung der betroffenen Person"}})
	if code != http.StatusSeeOther {
		t.Fatalf("approval: %d %s", code, body)
	}
	check := func(when string) {
		t.Helper()
		code, _, body := ada.do("GET", "/api/v1/units/"+short+"/files", nil)
		if err := json.Unmarshal([]byte(body), &files); code != 200 || err != nil || len(files.Files) == 0 {
			t.Fatalf("%s: the researcher's files: %d %s", when, code, body)
		}
		for _, f := range files.Files {
			if code, _, _ := ada.do("GET", f.URL, nil); code != 200 {
				t.Errorf("%s: the researcher gets %s: %d", when, f.URL, code)
			}
			bert := newWebUser(t, base)
			bert.login("bert@example.org", "noch ein langes Passwort")
			for who, u := range map[string]*webUser{"anonymous": newWebUser(t, base), "another researcher": bert, "the archivist": clara} {
				if code, _, _ := u.do("GET", f.URL, nil); code != 403 {
					t.Errorf("%s: %s gets %s: %d", when, who, f.URL, code)
				}
			}
		}
	}
	check("after the approval")
	stop()

	mustRun(t, append(g, "rebuild")...)
	base, stop = serveReadingRoom(t, g)
	ada, clara = newWebUser(t, base), newWebUser(t, base)
	ada.login("ada@example.org", pw)
	clara.login("clara@archiv.example", pw)
	check("after a rebuild")
	stop()

	var evs []struct{ User, Unit, What, Path, Decision string }
	if err := json.Unmarshal([]byte(mustRun(t, append(g, "user", "accesses", "--json", "ada@example.org")...)), &evs); err != nil || len(evs) == 0 {
		t.Fatalf("accesses: %+v %v", evs, err)
	}
	var fileEvents int
	for _, e := range evs {
		if e.Unit != id || e.Decision == "" || !strings.HasPrefix(e.User, "acc-") {
			t.Errorf("access event %+v", e)
		}
		if e.What == "file" {
			fileEvents++
		}
	}
	if fileEvents < 2*len(files.Files) {
		t.Errorf("%d file accesses recorded, want one per file and run (%d files)", fileEvents, len(files.Files))
	}
	if out := mustRun(t, append(g, "user", "accesses", "--json", "bert@example.org")...); strings.TrimSpace(out) != "[]" {
		t.Errorf("accesses of bert: %s", out)
	}
	mustRun(t, append(g, "user", "disable", "ada@example.org")...)
	mustRun(t, append(g, "user", "role", "--role", "admin", "clara@archiv.example")...)
	var log []struct{ Actor, Email, Action, From, To string }
	if err := json.Unmarshal([]byte(mustRun(t, append(g, "user", "log", "--json")...)), &log); err != nil || len(log) != 2 ||
		log[0].Action != "role" || log[0].Email != "clara@archiv.example" || log[0].To != "admin" || !strings.HasPrefix(log[0].Actor, "cli:") ||
		log[1].Action != "disable" || log[1].Email != "ada@example.org" || log[1].From != "active" {
		t.Errorf("user log: %+v %v", log, err)
	}
	base, _ = serveReadingRoom(t, g)
	if c := newWebUser(t, base).login("ada@example.org", pw); c != http.StatusForbidden {
		t.Errorf("login of a disabled account: %d", c)
	}
}
