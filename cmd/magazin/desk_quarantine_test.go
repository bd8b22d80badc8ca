package main

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The quarantine through the desk of `magazin serve`: an xdomea transfer
// rejected by the format policy (answered with a 0506 then) is retried by
// an archivist after the policy was fixed: resolved with AIPs, the
// process's transfer step recorded, and no second reply in the agency's
// outbox; a folder submission is discarded, only with a Begründung. Both
// actions are journaled with the archivist's account.
func TestQuarantineDesk(t *testing.T) {
	const pid = "9f313771-97ce-4536-b3de-2721748af32c"
	const pw = "ein sehr langes Passwort"
	tmp := t.TempDir()
	data := filepath.Join(tmp, "d")
	agencyDir := filepath.Join(tmp, "lra")
	g := []string{"--data", data}
	pol := filepath.Join(tmp, "policy.json")
	os.WriteFile(pol, []byte(`{"rules": [{"puids": ["x-fmt/111"], "action": "reject", "reason": "kein Klartext"}]}`), 0o644)
	mustRun(t, append(g, "bestand", "add", "--signatur", "30010", "--title", "Landratsamt Musterkreis")...)
	mustRun(t, append(g, "agency", "add", "psw:14999000", "--name", "Landratsamt Musterkreis", "--bestand", "30010", "--dir", agencyDir)...)
	src, _ := filepath.Abs("../../testdata/xdomea/3.0.0/" + pid + "_Aussonderung.Aussonderung.0503")
	container := filepath.Join(tmp, pid+"_Aussonderung.Aussonderung.0503.zip")
	zipDir(t, src, container, "")
	if r := magazin(t, append(g, "--policy", pol, "ingest", container)...); r.code != 1 {
		t.Fatalf("transfer under the strict policy: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	outbox := filepath.Join(agencyDir, "outbox")
	before := dirContents(t, outbox)
	if !slices.ContainsFunc(slices.Collect(maps.Keys(before)), func(n string) bool { return strings.HasSuffix(n, ".0506.xml") }) {
		t.Fatalf("no 0506 for the rejected transfer: %v", before)
	}
	folder := filepath.Join(tmp, "Lieferung")
	os.MkdirAll(folder, 0o755)
	os.WriteFile(filepath.Join(folder, "brief.txt"), []byte("Brief"), 0o644)
	if r := magazin(t, append(g, "--policy", pol, "ingest", "--profile", "folder", folder)...); r.code != 1 {
		t.Fatalf("folder: exit %d", r.code)
	}
	var es []quarantineListed
	json.Unmarshal([]byte(mustRun(t, append(g, "quarantine", "list", "--json")...)), &es)
	if len(es) != 2 {
		t.Fatalf("%d entries", len(es))
	}
	jobs := map[string]string{}
	for _, e := range es {
		jobs[e.Report.Profile] = e.Job
	}
	transfer, bad := jobs["xdomea"], jobs["folder"]
	if transfer == "" || bad == "" {
		t.Fatalf("entries %+v", es)
	}
	r := magazinIn(t, pw+"\n", append(g, "user", "add", "--name", "Clara Archivarin", "--role", "archivist", "clara@archiv.example")...)
	if r.code != 0 {
		t.Fatalf("user add: %s", r.stderr)
	}
	clara, _, _ := strings.Cut(r.stdout, "\t")

	base, stop := serveReadingRoom(t, g) // the built-in policy: the fix
	defer stop()
	u := newWebUser(t, base)
	if code := u.login("clara@archiv.example", pw); code != http.StatusSeeOther {
		t.Fatalf("login: %d", code)
	}
	_, _, body := u.do("GET", "/archiv/uebernahmen", nil)
	for _, job := range []string{transfer, bad} {
		if !strings.Contains(body, `href="/archiv/quarantaene/`+job+`"`) {
			t.Errorf("Übernahmen does not link %s", job)
		}
	}
	page := "/archiv/quarantaene/" + transfer
	code, _, body := u.do("GET", page, nil)
	if code != http.StatusOK || !strings.Contains(body, "POLICY_REJECTED") || !strings.Contains(body, "Dateiformat nach der Formatrichtlinie abgelehnt") || !strings.Contains(body, "psw:14999000") {
		t.Fatalf("entry page: %d\n%s", code, body)
	}
	// Without the token nothing happens.
	if code, _, _ := u.do("POST", page, url.Values{"aktion": {"erneut"}}); code != http.StatusForbidden {
		t.Errorf("retry without token: %d", code)
	}
	code, loc, _ := u.do("POST", page, url.Values{"aktion": {"erneut"}, "csrf": {u.token(page)}})
	if code != http.StatusSeeOther || loc != page+"?ok=q-uebernommen" {
		t.Fatalf("retry: %d %q", code, loc)
	}
	_, _, body = u.do("GET", loc, nil)
	if !strings.Contains(body, "erneut eingelesen und übernommen") || !strings.Contains(body, "/archiv/aip/urn:uuid:") {
		t.Errorf("after the retry:\n%s", body)
	}
	page = "/archiv/quarantaene/" + bad
	code, _, body = u.do("POST", page, url.Values{"aktion": {"verwerfen"}, "begruendung": {" "}, "csrf": {u.token(page)}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Begründung") {
		t.Errorf("discard without reason: %d", code)
	}
	if _, err := os.Stat(filepath.Join(data, "quarantine", bad, "submission", "Lieferung", "brief.txt")); err != nil {
		t.Fatalf("refused discard removed the copy: %v", err)
	}
	code, loc, _ = u.do("POST", page, url.Values{"aktion": {"verwerfen"}, "begruendung": {"Testlieferung"}, "csrf": {u.token(page)}})
	if code != http.StatusSeeOther || loc != page+"?ok=q-verworfen" {
		t.Fatalf("discard: %d %q", code, loc)
	}
	_, _, body = u.do("GET", loc, nil)
	if !strings.Contains(body, "ist verworfen") || !strings.Contains(body, "Testlieferung") || !regexp.MustCompile(`<code class="wrap">[0-9a-f]{128}</code>`).MatchString(body) {
		t.Errorf("after the discard:\n%s", body)
	}
	stop()

	if after := dirContents(t, outbox); !maps.Equal(before, after) {
		t.Errorf("the retry changed the agency's outbox:\nbefore %v\nafter  %v", slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
	}
	got := map[string]quarantineListed{}
	json.Unmarshal([]byte(mustRun(t, append(g, "quarantine", "list", "--json")...)), &es)
	for _, e := range es {
		got[e.Job] = e
	}
	if e := got[transfer]; e.State != "resolved" || len(e.AIPs) == 0 || len(e.Attempts) != 1 || e.Attempts[0].Who != clara {
		t.Errorf("transfer entry: %+v", e)
	}
	if e := got[bad]; e.State != "discarded" || e.Discarded == nil || e.Discarded.Who != clara || e.Discarded.Reason != "Testlieferung" {
		t.Errorf("discarded entry: %+v", e)
	}
	var ps []struct {
		ID     string `json:"id"`
		Events []struct {
			Step string   `json:"step"`
			OK   bool     `json:"ok"`
			AIPs []string `json:"aips"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, append(g, "xdomea", "offers", "--json")...)), &ps); err != nil || len(ps) != 1 {
		t.Fatalf("offers: %v %+v", err, ps)
	}
	if evs := ps[0].Events; len(evs) != 2 || evs[0].OK || !evs[1].OK || evs[1].Step != "transfer" || len(evs[1].AIPs) == 0 {
		t.Errorf("process events: %+v", evs)
	}
}

func dirContents(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}
