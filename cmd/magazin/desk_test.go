package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/profiles/xdomea"
)

// The desk end to end through `magazin serve` with the reading room's
// accounts: nobody without a session and no researcher gets in; an
// archivist logs in and appraises an agency's 0501 in the desk's table
// (bulk decisions by file-plan unit, a note, the finish, each a POST with
// the session's CSRF token; one without it changes nothing). The 0502 is
// valid against the KoSIT schema and carries the decisions and the note,
// and the process moves to "appraisal". After the transfer the archivist
// edits a unit's description and closure facts through the desk:
// journaled, a new AIP version, reindexed, as `magazin describe` does.
func TestDeskEndToEnd(t *testing.T) {
	schemas := filepath.Join(corpus.Dir(t, "xdomea/x-man"), "xsd")
	const pid = "9f313771-97ce-4536-b3de-2721748af32c"
	const pw = "ein sehr langes Passwort"
	src, _ := filepath.Abs("../../testdata/xdomea/3.0.0")
	tmp := t.TempDir()
	agencyDir := filepath.Join(tmp, "lra")
	data := filepath.Join(tmp, "d")
	g := []string{"--data", data, "--xdomea-schemas", schemas}
	mustRun(t, append(g, "bestand", "add", "--signatur", "30010", "--title", "Landratsamt Musterkreis")...)
	mustRun(t, append(g, "agency", "add", "psw:14999000", "--name", "Landratsamt Musterkreis", "--bestand", "30010", "--dir", agencyDir)...)
	mustRun(t, append(g, "xdomea", "receive", filepath.Join(src, pid+"_Aussonderung.Anbieteverzeichnis.0501.xml"))...)
	ids := map[string]string{}
	for _, a := range [][]string{{"clara@archiv.example", "Clara Archivarin", "archivist"}, {"rolf@example.org", "Rolf Forscher", "researcher"}} {
		r := magazinIn(t, pw+"\n", append(g, "user", "add", "--name", a[1], "--role", a[2], a[0])...)
		if r.code != 0 {
			t.Fatalf("user add %s: %d %s", a[0], r.code, r.stderr)
		}
		ids[a[0]], _, _ = strings.Cut(r.stdout, "\t")
	}
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
	page := "/archiv/bewertung/" + pid

	base, stop := serveReadingRoom(t, g)
	anon := newWebUser(t, base)
	if code, loc, _ := anon.do("GET", page, nil); code != http.StatusSeeOther || loc != "/anmelden?weiter="+url.QueryEscape(page) {
		t.Errorf("anonymous: %d %q", code, loc)
	}
	if code, _, _ := anon.do("POST", page, url.Values{"aktion": {"speichern"}}); code != http.StatusUnauthorized {
		t.Errorf("anonymous POST: %d", code)
	}
	rolf := newWebUser(t, base)
	if code := rolf.login("rolf@example.org", pw); code != http.StatusSeeOther {
		t.Fatalf("researcher login: %d", code)
	}
	if code, _, body := rolf.do("GET", page, nil); code != http.StatusForbidden || strings.Contains(body, "Bauakte") {
		t.Errorf("researcher: %d", code)
	}
	clara := newWebUser(t, base)
	if code := clara.login("clara@archiv.example", pw); code != http.StatusSeeOther {
		t.Fatalf("archivist login: %d", code)
	}
	code, _, body := clara.do("GET", "/archiv/bewertung", nil)
	if code != http.StatusOK || !strings.Contains(body, pid) || !strings.Contains(body, "angeboten, zu bewerten") || !strings.Contains(body, "Clara Archivarin") {
		t.Fatalf("offers: %d\n%s", code, body)
	}
	// The reading room's own archivist pages under /archiv/ still answer.
	if code, _, body := clara.do("GET", "/archiv/antraege", nil); code != http.StatusOK || !strings.Contains(body, "Anträge") {
		t.Errorf("/archiv/antraege beside the desk: %d", code)
	}
	// A form without the session's token changes nothing.
	finishAll := url.Values{"aktion": {"abschliessen"}, "d." + top[0].ID: {"A"}, "d." + top[1].ID: {"A"}, "d." + top[2].ID: {"V"}}
	if code, _, _ := clara.do("POST", page, finishAll); code != http.StatusForbidden {
		t.Errorf("finish without a token: %d", code)
	}
	finishAll.Set("csrf", clara.token("/archiv/bewertung"))
	if code, _, _ := rolf.do("POST", page, finishAll); code != http.StatusForbidden {
		t.Errorf("the archivist's token in the researcher's session: %d", code)
	}
	if rs := replies(t, outbox); rs["0502"] != "" {
		t.Fatal("a 0502 was written for a refused form")
	}
	code, _, body = clara.do("GET", page, nil)
	if code != http.StatusOK {
		t.Fatalf("offer: %d\n%s", code, body)
	}
	for _, w := range []string{`value="A:63-612.11"`, `value="A:20-241.3"`, `value="V:10-051"`, "63-612.11/2015-0042", "0 von 3 Objekten", "B (bewerten)"} {
		if !strings.Contains(body, w) {
			t.Errorf("appraisal table lacks %q", w)
		}
	}
	post := func(form url.Values) (int, string, string) {
		form.Set("csrf", clara.token(page))
		return clara.do("POST", page, form)
	}
	// Bulk decisions by file-plan unit, with a note typed meanwhile.
	for _, action := range []string{"A:63", "A:20-241.3", "V:10"} {
		form := url.Values{"aktion": {action}}
		if action == "V:10" {
			form.Set("n."+top[0].ID, "Bauakte von bleibendem Wert")
		}
		if code, _, body := post(form); code != http.StatusSeeOther {
			t.Fatalf("bulk %s: %d\n%s", action, code, body)
		}
	}
	_, _, body = clara.do("GET", page, nil)
	if !strings.Contains(body, "3 von 3 Objekten") || !strings.Contains(body, `value="Bauakte von bleibendem Wert"`) {
		t.Errorf("after the bulk decisions:\n%s", body)
	}
	code, loc, _ := post(url.Values{"aktion": {"abschliessen"}})
	if code != http.StatusSeeOther {
		t.Fatalf("finish: %d", code)
	}
	_, _, body = clara.do("GET", loc, nil)
	if !strings.Contains(body, "Die Bewertung ist abgeschlossen: 3 Entscheidung(en)") || !strings.Contains(body, "bewertet (0502 gesendet)") {
		t.Errorf("after the finish:\n%s", body)
	}
	stop()

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
			By        string            `json:"by"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, append(g, "xdomea", "offers", "--json")...)), &ps); err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Events[len(ps[0].Events)-1].Step != "appraisal" || ps[0].Events[len(ps[0].Events)-1].Decisions[top[2].ID] != "V" {
		t.Fatalf("process after the appraisal: %+v", ps)
	}
	if by := ps[0].Events[len(ps[0].Events)-1].By; by == "" || by != ids["clara@archiv.example"] {
		t.Errorf("the 0502's journal entry names %q, want the archivist's account %q", by, ids["clara@archiv.example"])
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

	base, stop = serveReadingRoom(t, g)
	clara = newWebUser(t, base)
	if code := clara.login("clara@archiv.example", pw); code != http.StatusSeeOther {
		t.Fatalf("archivist login: %d", code)
	}
	code, loc, _ = clara.do("GET", "/archiv/erschliessung?ref="+url.QueryEscape("30010 Nr. 1"), nil)
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/archiv/einheit/") {
		t.Fatalf("find 30010 Nr. 1: %d %q", code, loc)
	}
	code, _, body = clara.do("GET", loc, nil)
	if code != http.StatusOK || !strings.Contains(body, "Gesperrt – zugänglich ab") || !strings.Contains(body, "SächsArchivG") {
		t.Fatalf("unit page: %d\n%s", code, body)
	}
	n := regexp.MustCompile(`name="personen" value="(\d+)"`).FindStringSubmatch(body)
	if n == nil {
		t.Fatal("no person rows")
	}
	form := url.Values{"titel": {"Bauakte Kirchgasse 3 (Neubau Carport)"}, "enthaelt": {"Bauantrag, Lageplan, Prüfbericht Standsicherheit"},
		"provenienz": {"Landratsamt Musterkreis, Bauordnungsamt"}, "von": {"2015-01-12"}, "bis": {"2018-07-24"},
		"geheimhaltung": {"1"}, "entstanden": {"2018-07-24"}, "personen": {n[1]}}
	// A bad date is refused with the reason; nothing is written.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("sperrvermerk", "31.12.2099")
	bad.Set("csrf", clara.token(loc))
	code, _, body = clara.do("POST", loc, bad)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Nicht gespeichert") {
		t.Errorf("bad Sperrvermerk: %d\n%s", code, body)
	}
	form.Set("csrf", clara.token(loc))
	code, saved, body := clara.do("POST", loc, form)
	if code != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", code, body)
	}
	_, _, body = clara.do("GET", saved, nil)
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
		code, _, body := clara.do("GET", path, nil)
		if code != http.StatusOK {
			t.Errorf("%s: %d\n%s", path, code, body)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", path, w)
			}
		}
	}
	// Logging out from the desk ends the session.
	code, _, _ = clara.do("POST", "/abmelden", url.Values{"csrf": {clara.token("/archiv/")}})
	if code != http.StatusSeeOther {
		t.Errorf("logout: %d", code)
	}
	if code, _, _ := clara.do("GET", "/archiv/", nil); code != http.StatusSeeOther {
		t.Errorf("the desk after logout: %d", code)
	}
	stop()

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
	// Reindexed: the search sees the new title and the new closure (60
	// years for secrecy).
	if out := mustRun(t, append(g, "search", "--json", "Carport")...); !strings.Contains(out, "2078-07-25") {
		t.Errorf("search after the edit:\n%s", out)
	}
}
