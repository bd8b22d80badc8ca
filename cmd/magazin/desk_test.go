package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/desk"
	"github.com/magazin-archiv/magazin/access/web"
	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/profiles/xdomea"
)

// headerAuth is the tests' stand-in for sessions: the identity is named
// by the X-Test-User header, and the CSRF token is "t-" + its id. It
// exists only in this test file.
type headerAuth struct{}

var deskUsers = map[string]desk.Identity{
	"anna": {ID: "anna", Name: "Anna Archivarin", Role: desk.RoleArchivist},
	"rolf": {ID: "rolf", Name: "Rolf Forscher", Role: "researcher"},
}

func (headerAuth) User(r *http.Request) (desk.Identity, bool) {
	id, ok := deskUsers[r.Header.Get("X-Test-User")]
	return id, ok
}
func (headerAuth) CSRFToken(r *http.Request) string { return "t-" + r.Header.Get("X-Test-User") }
func (headerAuth) CheckCSRF(r *http.Request) error {
	if v := r.PostFormValue(desk.CSRFField); v == "" || v != "t-"+r.Header.Get("X-Test-User") {
		return errors.New("bad token")
	}
	return nil
}

// withDesk opens the archive in-process with the global flags g, mounts
// the desk beside the reading room as `magazin serve` does (with
// headerAuth instead of sessions) and calls fn with the server's URL.
func withDesk(t *testing.T, g []string, fn func(base string)) {
	t.Helper()
	app := newApp()
	app.Commands = append(app.Commands, &cli.Command{Name: "desk-test", Hidden: true, Action: func(c *cli.Context) error {
		e, err := open(c.Context, c)
		if err != nil {
			return err
		}
		defer e.Close()
		h, err := web.New(e.room, access.NewContent(e.room, e.cat, e.direct), e.cfg.Logger)
		if err != nil {
			return err
		}
		handler, err := mountDesk(c, e, h, headerAuth{})
		if err != nil {
			return err
		}
		ts := httptest.NewServer(handler)
		defer ts.Close()
		fn(ts.URL)
		return nil
	}})
	app.Writer, app.ErrWriter = io.Discard, os.Stderr
	if err := app.Run(append(append([]string{"magazin"}, g...), "desk-test")); err != nil {
		t.Fatalf("desk: %v", err)
	}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func deskDo(t *testing.T, user, method, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if user != "" {
		req.Header.Set("X-Test-User", user)
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// The desk end to end over a real archive: an agency's 0501 is appraised
// in the desk's table (bulk decisions by file-plan unit, a note, the
// finish, each a POST with the CSRF token); the 0502 is valid against the
// KoSIT schema and carries the decisions, and the process moves to
// "appraisal". After the transfer, a unit's description and closure facts
// are edited through the desk: journaled, a new AIP version, reindexed,
// exactly as `magazin describe` does. `magazin serve` itself mounts the
// desk and, without sessions, lets nobody in.
func TestDeskEndToEnd(t *testing.T) {
	schemas := filepath.Join(corpus.Dir(t, "xdomea/x-man"), "xsd")
	const pid = "9f313771-97ce-4536-b3de-2721748af32c"
	src, _ := filepath.Abs("../../testdata/xdomea/3.0.0")
	tmp := t.TempDir()
	agencyDir := filepath.Join(tmp, "lra")
	data := filepath.Join(tmp, "d")
	g := []string{"--data", data, "--xdomea-schemas", schemas}
	mustRun(t, append(g, "bestand", "add", "--signatur", "30010", "--title", "Landratsamt Musterkreis")...)
	mustRun(t, append(g, "agency", "add", "psw:14999000", "--name", "Landratsamt Musterkreis", "--bestand", "30010", "--dir", agencyDir)...)
	mustRun(t, append(g, "xdomea", "receive", filepath.Join(src, pid+"_Aussonderung.Anbieteverzeichnis.0501.xml"))...)
	offer, err := os.ReadFile(filepath.Join(src, pid+"_Aussonderung.Anbieteverzeichnis.0501.xml"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := xdomea.Parse(offer, pid+"_Aussonderung.Anbieteverzeichnis.0501.xml")
	if err != nil {
		t.Fatal(err)
	}
	top := m.TopLevel()
	if len(top) != 3 {
		t.Fatalf("the sample offer has %d top-level objects", len(top))
	}
	outbox := filepath.Join(agencyDir, "outbox")

	withDesk(t, g, func(base string) {
		page := base + "/archiv/bewertung/" + pid
		// Nobody else gets in; a form without the token changes nothing.
		if res, _ := deskDo(t, "", "GET", page, nil); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/anmelden?weiter=") {
			t.Errorf("anonymous: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if res, _ := deskDo(t, "rolf", "GET", page, nil); res.StatusCode != http.StatusForbidden {
			t.Errorf("researcher: %d", res.StatusCode)
		}
		finishAll := url.Values{"aktion": {"abschliessen"}, "d." + top[0].ID: {"A"}, "d." + top[1].ID: {"A"}, "d." + top[2].ID: {"V"}}
		if res, _ := deskDo(t, "anna", "POST", page, finishAll); res.StatusCode != http.StatusForbidden {
			t.Errorf("finish without a token: %d", res.StatusCode)
		}
		if rs := replies(t, outbox); rs["0502"] != "" {
			t.Fatal("a 0502 was written for a form without a token")
		}
		// The reading room still answers beside the desk.
		if res, _ := deskDo(t, "", "GET", base+"/healthz", nil); res.StatusCode != http.StatusOK {
			t.Errorf("/healthz beside the desk: %d", res.StatusCode)
		}

		res, body := deskDo(t, "anna", "GET", base+"/archiv/bewertung", nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, pid) || !strings.Contains(body, "angeboten, zu bewerten") {
			t.Fatalf("offers: %d\n%s", res.StatusCode, body)
		}
		res, body = deskDo(t, "anna", "GET", page, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("offer: %d\n%s", res.StatusCode, body)
		}
		for _, w := range []string{`value="A:63-612.11"`, `value="A:20-241.3"`, `value="V:10-051"`, "63-612.11/2015-0042", "0 von 3 Objekten", "B (bewerten)"} {
			if !strings.Contains(body, w) {
				t.Errorf("appraisal table lacks %q", w)
			}
		}
		post := func(form url.Values) (*http.Response, string) {
			form.Set(desk.CSRFField, "t-anna")
			return deskDo(t, "anna", "POST", page, form)
		}
		// Bulk decisions by file-plan unit, with a note typed meanwhile.
		for _, action := range []string{"A:63", "A:20-241.3", "V:10"} {
			form := url.Values{"aktion": {action}}
			if action == "V:10" {
				form.Set("n."+top[0].ID, "Bauakte von bleibendem Wert")
			}
			if res, body := post(form); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("bulk %s: %d\n%s", action, res.StatusCode, body)
			}
		}
		_, body = deskDo(t, "anna", "GET", page, nil)
		if !strings.Contains(body, "3 von 3 Objekten") || !strings.Contains(body, `value="Bauakte von bleibendem Wert"`) {
			t.Errorf("after the bulk decisions:\n%s", body)
		}
		res, _ = post(url.Values{"aktion": {"abschliessen"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("finish: %d", res.StatusCode)
		}
		_, body = deskDo(t, "anna", "GET", base+res.Header.Get("Location"), nil)
		if !strings.Contains(body, "Die Bewertung ist abgeschlossen: 3 Entscheidung(en)") || !strings.Contains(body, "bewertet (0502 gesendet)") {
			t.Errorf("after the finish:\n%s", body)
		}
	})

	rs := replies(t, outbox)
	if rs["0502"] == "" {
		t.Fatal("no 0502 in the agency's outbox")
	}
	validateReply(t, schemas, rs["0502"])
	b, _ := os.ReadFile(rs["0502"])
	reply, err := xdomea.Parse(b, filepath.Base(rs["0502"]))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{top[0].ID: "A", top[1].ID: "A", top[2].ID: "V"}
	got := map[string]string{}
	notes := map[string]string{}
	for _, d := range reply.Decisions {
		got[d.ID], notes[d.ID] = d.Aussonderungsart, d.Note
	}
	for id, v := range want {
		if got[id] != v {
			t.Errorf("0502: object %s is %q, want %q (all: %v)", id, got[id], v, got)
		}
	}
	if notes[top[0].ID] != "Bauakte von bleibendem Wert" {
		t.Errorf("the 0502 lacks the archivist's note: %v", notes)
	}
	var ps []struct {
		ID     string `json:"id"`
		Events []struct {
			Step      string            `json:"step"`
			Decisions map[string]string `json:"decisions"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, append(g, "xdomea", "offers", "--json")...)), &ps); err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Events[len(ps[0].Events)-1].Step != "appraisal" || ps[0].Events[len(ps[0].Events)-1].Decisions[top[2].ID] != "V" {
		t.Fatalf("process after the appraisal: %+v", ps)
	}
	if es, _ := os.ReadDir(filepath.Join(data, "desk", "drafts")); len(es) != 0 {
		t.Errorf("the draft was not removed after the finish: %v", es)
	}

	// The transfer of the appraised objects, then description editing.
	good := filepath.Join(tmp, "good", pid+"_Aussonderung.Aussonderung.0503.zip")
	os.MkdirAll(filepath.Dir(good), 0o755)
	zipDir(t, filepath.Join(src, pid+"_Aussonderung.Aussonderung.0503"), good, "")
	mustRun(t, append(g, "ingest", good)...)
	mustRun(t, append(g, "audit")...)
	var before struct {
		AIP string `json:"aip"`
	}
	json.Unmarshal([]byte(mustRun(t, append(g, "unit", "show", "--json", "30010 Nr. 1")...)), &before)
	if before.AIP == "" {
		t.Fatal("30010 Nr. 1 has no AIP")
	}

	withDesk(t, g, func(base string) {
		res, _ := deskDo(t, "anna", "GET", base+"/archiv/erschliessung?ref="+url.QueryEscape("30010 Nr. 1"), nil)
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/archiv/einheit/") {
			t.Fatalf("find 30010 Nr. 1: %d %q", res.StatusCode, loc)
		}
		res, body := deskDo(t, "anna", "GET", base+loc, nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "Gesperrt – zugänglich ab") || !strings.Contains(body, "SächsArchivG") {
			t.Fatalf("unit page: %d\n%s", res.StatusCode, body)
		}
		n := regexp.MustCompile(`name="personen" value="(\d+)"`).FindStringSubmatch(body)
		if n == nil {
			t.Fatal("no person rows")
		}
		form := url.Values{desk.CSRFField: {"t-anna"}, "titel": {"Bauakte Kirchgasse 3 (Neubau Carport)"}, "enthaelt": {"Bauantrag, Lageplan, Prüfbericht Standsicherheit"},
			"provenienz": {"Landratsamt Musterkreis, Bauordnungsamt"}, "von": {"2015-01-12"}, "bis": {"2018-07-24"},
			"geheimhaltung": {"1"}, "entstanden": {"2018-07-24"}, "personen": {n[1]}}
		// A bad date is refused with the reason; nothing is written.
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("sperrvermerk", "31.12.2099")
		res, body = deskDo(t, "anna", "POST", base+loc, bad)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Nicht gespeichert") {
			t.Errorf("bad Sperrvermerk: %d\n%s", res.StatusCode, body)
		}
		res, body = deskDo(t, "anna", "POST", base+loc, form)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", res.StatusCode, body)
		}
		_, body = deskDo(t, "anna", "GET", base+res.Header.Get("Location"), nil)
		if !strings.Contains(body, "Die Verzeichnung ist gespeichert") || !strings.Contains(body, "Geheimnis") {
			t.Errorf("after saving:\n%s", body)
		}
		// The other pages over the same archive.
		for path, wants := range map[string][]string{
			"/archiv/":            {"Arbeitsplatz", "alle unversehrt"},
			"/archiv/uebernahmen": {"xdomea 0503", "übernommen", before.AIP},
			"/archiv/pruefung":    {"Vollständiger Durchlauf", "Keine beschädigten oder reparierten Pakete"},
			"/archiv/aip/" + url.PathEscape(before.AIP): {"Fixity-Prüfung", "Bauakte Kirchgasse 3 (Neubau Carport)", "unversehrt"},
		} {
			res, body := deskDo(t, "anna", "GET", base+path, nil)
			if res.StatusCode != http.StatusOK {
				t.Errorf("%s: %d\n%s", path, res.StatusCode, body)
				continue
			}
			for _, w := range wants {
				if !strings.Contains(body, w) {
					t.Errorf("%s lacks %q", path, w)
				}
			}
		}
	})

	var after struct {
		Title   string `json:"title"`
		AIP     string `json:"aip"`
		Closure struct {
			Secrecy bool `json:"secrecy"`
		} `json:"closure"`
	}
	json.Unmarshal([]byte(mustRun(t, append(g, "unit", "show", "--json", "30010 Nr. 1")...)), &after)
	if after.Title != "Bauakte Kirchgasse 3 (Neubau Carport)" || !after.Closure.Secrecy {
		t.Errorf("unit after the desk's edit: %+v", after)
	}
	if out := mustRun(t, append(g, "aip", "show", after.AIP)...); !strings.Contains(out, "v2") {
		t.Errorf("the edit made no new AIP version:\n%s", out)
	}
	mustRun(t, append(g, "aip", "verify", "--all")...)
	mustRun(t, append(g, "journal", "verify")...)
	// Reindexed: the archivist's search sees the new title and the new
	// closure (60 years for secrecy).
	if out := mustRun(t, append(g, "search", "--json", "Carport")...); !strings.Contains(out, "2078-07-25") {
		t.Errorf("search after the edit:\n%s", out)
	}

	// `magazin serve` mounts the desk; without sessions nobody gets in.
	base, stop := serveReadingRoom(t, g)
	defer stop()
	res, _ := deskDo(t, "", "GET", base+"/archiv/bewertung", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/anmelden?weiter=%2Farchiv%2Fbewertung" {
		t.Errorf("serve /archiv/ anonymous: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = deskDo(t, "anna", "POST", base+"/archiv/bewertung/"+pid, url.Values{desk.CSRFField: {"t-anna"}, "aktion": {"abschliessen"}})
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("serve: a POST without a session: %d", res.StatusCode)
	}
}
