package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/access/accounts"
	"github.com/magazin-archiv/magazin/access/web"
)

const testPassword = "ein sehr langes Passwort"

// client is a browser-like client with its own cookies.
type client struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
	// origin is sent as Origin with every POST ("" sends none).
	origin string
}

func newClient(t *testing.T, srv *httptest.Server) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, srv: srv, origin: srv.URL, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type result struct {
	code int
	body string
	h    http.Header
}

func (c *client) do(method, path string, form url.Values, hdr map[string]string) result {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.srv.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
		}
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, string(b), resp.Header}
}

func (c *client) get(path string) result { c.t.Helper(); return c.do("GET", path, nil, nil) }

func (c *client) post(path string, form url.Values) result {
	c.t.Helper()
	return c.do("POST", path, form, nil)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token returns the CSRF token of the form on the page at path.
func (c *client) token(path string) string {
	c.t.Helper()
	r := c.get(path)
	m := csrfRE.FindStringSubmatch(r.body)
	if m == nil {
		c.t.Fatalf("GET %s (%d): no CSRF token in the page", path, r.code)
	}
	return m[1]
}

func (c *client) cookie(name string) *http.Cookie {
	u, _ := url.Parse(c.srv.URL)
	for _, ck := range c.c.Jar.Cookies(u) {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

func (c *client) login(email, password string) result {
	c.t.Helper()
	return c.post("/anmelden", url.Values{"csrf": {c.token("/anmelden")}, "email": {email}, "passwort": {password}})
}

func mustCreate(t *testing.T, f *fixture, email, name, role string) *accounts.User {
	t.Helper()
	u, err := f.acc.Create(context.Background(), accounts.NewUser{Email: email, Name: name, Role: role, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestLoginCSRFAndCookies(t *testing.T) {
	f := newFixture(t, 0)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	mustCreate(t, f, "ada@example.org", "Ada Forscherin", accounts.RoleResearcher)
	c := newClient(t, ts)
	tok := c.token("/anmelden")
	form := func(tok string) url.Values {
		return url.Values{"csrf": {tok}, "email": {"ada@example.org"}, "passwort": {testPassword}}
	}
	// Refused: no token, a wrong token, a foreign origin, a cross-site
	// fetch; each a 403 that sets no session.
	for name, r := range map[string]result{
		"no token":        c.post("/anmelden", form("")),
		"wrong token":     c.post("/anmelden", form(tok[:len(tok)-2]+"xx")),
		"foreign origin":  c.do("POST", "/anmelden", form(tok), map[string]string{"Origin": "https://evil.example"}),
		"cross-site":      c.do("POST", "/anmelden", form(tok), map[string]string{"Sec-Fetch-Site": "cross-site"}),
		"token of a form": (&client{t: t, srv: ts, c: &http.Client{CheckRedirect: c.c.CheckRedirect}, origin: ts.URL}).post("/anmelden", form(tok)),
	} {
		if r.code != http.StatusForbidden || c.cookie("magazin_session") != nil {
			t.Errorf("login with %s: %d, session %v", name, r.code, c.cookie("magazin_session"))
		}
	}
	// A session cookie planted before login is not adopted.
	u, _ := url.Parse(ts.URL)
	c.c.Jar.SetCookies(u, []*http.Cookie{{Name: "magazin_session", Value: "planted-by-an-attacker-planted-by-an-attack", Path: "/"}})
	r := c.post("/anmelden", form(tok))
	if r.code != http.StatusSeeOther || r.h.Get("Location") != "/konto/antraege" {
		t.Fatalf("login: %d %s", r.code, r.h.Get("Location"))
	}
	var set *http.Cookie
	for _, ck := range (&http.Response{Header: r.h}).Cookies() {
		if ck.Name == "magazin_session" {
			set = ck
		}
	}
	if set == nil || !set.HttpOnly || set.SameSite != http.SameSiteLaxMode || set.Secure || set.Path != "/" ||
		set.Value == "planted-by-an-attacker-planted-by-an-attack" || len(set.Value) != 43 {
		t.Fatalf("session cookie: %+v", set)
	}
	first := set.Value
	if r := c.get("/konto/antraege"); r.code != 200 || !strings.Contains(r.body, "Angemeldet: Ada Forscherin") ||
		r.h.Get("Cache-Control") != "private, no-store" {
		t.Errorf("my requests page: %d %q", r.code, r.h.Get("Cache-Control"))
	}
	// Logging in again gives a new session and ends the old one.
	c2 := newClient(t, ts)
	c2.c.Jar.SetCookies(u, []*http.Cookie{{Name: "magazin_session", Value: first, Path: "/"}})
	if r := c.login("ada@example.org", testPassword); r.code != http.StatusSeeOther || c.cookie("magazin_session").Value == first {
		t.Fatalf("second login: %d, same id %v", r.code, c.cookie("magazin_session").Value == first)
	}
	if r := c2.get("/konto/antraege"); r.code != http.StatusSeeOther {
		t.Errorf("the replaced session still works: %d", r.code)
	}
	// Logout needs the session's token.
	if r := c.post("/abmelden", url.Values{"csrf": {"falsch"}}); r.code != http.StatusForbidden {
		t.Errorf("logout without the token: %d", r.code)
	}
	if r := c.get("/konto/antraege"); r.code != 200 {
		t.Fatalf("still logged in: %d", r.code)
	}
	if r := c.post("/abmelden", url.Values{"csrf": {c.token("/konto/antraege")}}); r.code != http.StatusSeeOther {
		t.Errorf("logout: %d", r.code)
	}
	if r := c.get("/konto/antraege"); r.code != http.StatusSeeOther || !strings.HasPrefix(r.h.Get("Location"), "/anmelden") {
		t.Errorf("after logout: %d %s", r.code, r.h.Get("Location"))
	}
}

// Behind an https base URL the cookies are Secure.
func TestSecureCookies(t *testing.T) {
	f := newFixture(t, 0)
	mustCreate(t, f, "ada@example.org", "Ada", accounts.RoleResearcher)
	srv, err := web.New(f.room, nil, nil, web.WithAuth(web.Auth{Accounts: f.acc, Decider: noDecider{}, Secure: true,
		Origin: "https://archiv.example.de"}))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := newClient(t, ts)
	c.origin = "https://archiv.example.de"
	r := c.get("/anmelden")
	for _, ck := range (&http.Response{Header: r.h}).Cookies() {
		if !ck.Secure || !ck.HttpOnly {
			t.Errorf("cookie %s: Secure %v HttpOnly %v", ck.Name, ck.Secure, ck.HttpOnly)
		}
	}
	tok := csrfRE.FindStringSubmatch(r.body)[1]
	u, _ := url.Parse(ts.URL)
	c.c.Jar.SetCookies(u, []*http.Cookie{{Name: "magazin_csrf", Value: tok, Path: "/"}}) // the jar drops Secure cookies over http
	r = c.post("/anmelden", url.Values{"csrf": {tok}, "email": {"ada@example.org"}, "passwort": {testPassword}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("login: %d", r.code)
	}
	if ck := (&http.Response{Header: r.h}).Cookies(); len(ck) == 0 || !ck[0].Secure {
		t.Errorf("session cookie: %+v", ck)
	}
	c.origin = ts.URL // the request's own origin is not the configured one
	r = c.post("/anmelden", url.Values{"csrf": {tok}, "email": {"ada@example.org"}, "passwort": {testPassword}})
	if r.code != http.StatusForbidden {
		t.Errorf("login from another origin: %d", r.code)
	}
}

// Failed logins through the web answer 401, then 429.
func TestLoginThrottledOverHTTP(t *testing.T) {
	f := newFixture(t, 0)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	mustCreate(t, f, "ada@example.org", "Ada", accounts.RoleResearcher)
	c := newClient(t, ts)
	for i := range 5 {
		if r := c.login("ada@example.org", "falsches Passwort!"); r.code != http.StatusUnauthorized || !strings.Contains(r.body, "falsch") {
			t.Fatalf("failure %d: %d", i, r.code)
		}
	}
	if r := c.login("ada@example.org", testPassword); r.code != http.StatusTooManyRequests || !strings.Contains(r.body, "15 Minuten") {
		t.Errorf("after 5 failures: %d", r.code)
	}
}

// A researcher whose password an archivist reset logs in with the
// temporary password, is asked for a new one and gets a session only
// after setting it; the temporary password works once.
func TestTemporaryPassword(t *testing.T) {
	f := newFixture(t, 0)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	ctx := context.Background()
	arch := mustCreate(t, f, "clara@archiv.example", "Clara Archivarin", accounts.RoleArchivist)
	ada := mustCreate(t, f, "ada@example.org", "Ada Forscherin", accounts.RoleResearcher)
	temp, _, err := f.acc.ResetPassword(ctx, accounts.Actor{ID: arch.ID, Name: arch.Name, Role: arch.Role}, ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, ts)
	if r := c.login("ada@example.org", testPassword); r.code != http.StatusUnauthorized {
		t.Errorf("the old password after the reset: %d", r.code)
	}
	r := c.login("ada@example.org", temp)
	if r.code != http.StatusOK || !strings.Contains(r.body, "Neues Passwort festlegen") || !strings.Contains(r.body, `value="ada@example.org"`) ||
		strings.Contains(r.body, temp) || c.cookie("magazin_session") != nil {
		t.Fatalf("login with the temporary password: %d, session %v\n%s", r.code, c.cookie("magazin_session"), r.body)
	}
	const newPW = "mein eigenes neues Passwort"
	form := func(temp, pw, pw2 string) url.Values {
		return url.Values{"csrf": {c.token("/passwort-setzen")}, "email": {"ada@example.org"}, "vorlaeufig": {temp}, "passwort": {pw}, "passwort2": {pw2}}
	}
	for name, tc := range map[string]struct {
		form url.Values
		code int
	}{
		"differing new passwords": {form(temp, newPW, newPW+"!"), http.StatusBadRequest},
		"a short one":             {form(temp, "kurz", "kurz"), http.StatusBadRequest},
		"a wrong temporary one":   {form("abcd-efgh-jkmn-pqrs", newPW, newPW), http.StatusUnauthorized},
		"no token":                {url.Values{"email": {"ada@example.org"}, "vorlaeufig": {temp}, "passwort": {newPW}, "passwort2": {newPW}}, http.StatusForbidden},
	} {
		if r := c.post("/passwort-setzen", tc.form); r.code != tc.code || c.cookie("magazin_session") != nil {
			t.Errorf("%s: %d, want %d (session %v)", name, r.code, tc.code, c.cookie("magazin_session"))
		}
	}
	if r := c.post("/passwort-setzen", form(temp, newPW, newPW)); r.code != http.StatusSeeOther || r.h.Get("Location") != "/konto/antraege" || c.cookie("magazin_session") == nil {
		t.Fatalf("setting the new password: %d %s\n%s", r.code, r.h.Get("Location"), r.body)
	}
	if r := c.get("/konto/antraege"); r.code != 200 || !strings.Contains(r.body, "Ada Forscherin") {
		t.Errorf("signed in after the new password: %d", r.code)
	}
	c2 := newClient(t, ts)
	if r := c2.post("/passwort-setzen", url.Values{"csrf": {c2.token("/passwort-setzen")}, "email": {"ada@example.org"}, "vorlaeufig": {temp},
		"passwort": {newPW + "2"}, "passwort2": {newPW + "2"}}); r.code != http.StatusUnauthorized {
		t.Errorf("the temporary password used twice: %d", r.code)
	}
	if r := c2.login("ada@example.org", newPW); r.code != http.StatusSeeOther {
		t.Errorf("login with the new password: %d", r.code)
	}
}
