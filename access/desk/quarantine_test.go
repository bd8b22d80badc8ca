package desk_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// The entry's page shows the coded problems with their German meaning,
// the files, and the two forms; the overview links it.
func TestQuarantinePage(t *testing.T) {
	f := newFixture(t)
	res, body := f.do(t, "anna", "GET", "/archiv/quarantaene/j2", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%d\n%s", res.StatusCode, body)
	}
	for _, w := range []string{"POLICY_REJECTED", "Dateiformat nach der Formatrichtlinie abgelehnt", "Anlage.exe", "in Quarantäne", "psw:14999000",
		`value="erneut"`, ">Erneut einlesen</button>", `value="verwerfen"`, ">Verwerfen</button>", `<label for="begruendung">Begründung (Pflichtangabe)</label>`,
		`id="begruendung" name="begruendung" rows="3" required`, `name="csrf" value="token-anna"`, "_Aussonderung.Aussonderung.0503.zip", "2,0 KiB"} {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	_, body = f.do(t, "anna", "GET", "/archiv/uebernahmen", nil)
	if !strings.Contains(body, `href="/archiv/quarantaene/j2"`) {
		t.Error("the overview does not link the entry")
	}
	if res, _ := f.do(t, "anna", "GET", "/archiv/quarantaene/gibt-es-nicht", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown entry: %d", res.StatusCode)
	}
	if res, _ := f.do(t, "anna", "GET", "/archiv/quarantaene/..%2F..%2Fetc", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("traversal: %d", res.StatusCode)
	}
}

// Erneut einlesen: POST-redirect-GET with a message; the archivist is who
// retried.
func TestQuarantineRetry(t *testing.T) {
	f := newFixture(t)
	res, _ := f.do(t, "anna", "POST", "/archiv/quarantaene/j2", url.Values{"csrf": {"token-anna"}, "aktion": {"erneut"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/archiv/quarantaene/j2?ok=q-uebernommen" {
		t.Fatalf("retry: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if c := f.calls.list(); !slices.Equal(c, []string{"Retry j2 by anna"}) {
		t.Errorf("calls = %q", c)
	}
	_, body := f.do(t, "anna", "GET", res.Header.Get("Location"), nil)
	for _, w := range []string{"erneut eingelesen und übernommen", "/archiv/aip/urn:uuid:aaaaaaaa-0000-4000-8000-000000000001", "anna"} {
		if !strings.Contains(body, w) {
			t.Errorf("after the retry the page lacks %q", w)
		}
	}
	if strings.Contains(body, ">Verwerfen</button>") {
		t.Error("a resolved entry still offers the forms")
	}
	// Resolved: a second action is a conflict, answered with the state.
	res, body = f.do(t, "root", "POST", "/archiv/quarantaene/j2", url.Values{"csrf": {"token-root"}, "aktion": {"verwerfen"}, "begruendung": {"doppelt"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Nichts wurde geändert") {
		t.Errorf("discard of a resolved entry: %d", res.StatusCode)
	}
	if n := len(f.calls.list()); n != 1 {
		t.Errorf("%d calls", n)
	}
}

func TestQuarantineRetryRejectedAgain(t *testing.T) {
	f := newFixture(t)
	f.quar.retryRejects = true
	res, _ := f.do(t, "anna", "POST", "/archiv/quarantaene/j2", url.Values{"csrf": {"token-anna"}, "aktion": {"erneut"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/archiv/quarantaene/j2?ok=q-abgelehnt" {
		t.Fatalf("retry: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, body := f.do(t, "anna", "GET", res.Header.Get("Location"), nil)
	for _, w := range []string{"wieder abgelehnt", "bleibt in der Quarantäne", ">Erneut einlesen</button>"} {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

// Verwerfen needs a Begründung: without one nothing happens (422, the
// field marked); with one the reason and the archivist go to the source.
func TestQuarantineDiscardNeedsReason(t *testing.T) {
	f := newFixture(t)
	for _, reason := range []string{"", "   ", strings.Repeat("x", 2001)} {
		res, body := f.do(t, "anna", "POST", "/archiv/quarantaene/j2", url.Values{"csrf": {"token-anna"}, "aktion": {"verwerfen"}, "begruendung": {reason}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "bitte geben Sie eine Begründung an") || !strings.Contains(body, `aria-invalid="true"`) {
			t.Errorf("reason %q: %d", reason[:min(len(reason), 5)], res.StatusCode)
		}
	}
	if c := f.calls.list(); len(c) > 0 {
		t.Fatalf("discarded without a reason: %q", c)
	}
	res, _ := f.do(t, "root", "POST", "/archiv/quarantaene/j2", url.Values{"csrf": {"token-root"}, "aktion": {"verwerfen"}, "begruendung": {" Dublette der Abgabe vom 3. März "}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/archiv/quarantaene/j2?ok=q-verworfen" {
		t.Fatalf("discard: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if c := f.calls.list(); !slices.Equal(c, []string{"Discard j2 by root: Dublette der Abgabe vom 3. März"}) {
		t.Errorf("calls = %q", c)
	}
	_, body := f.do(t, "anna", "GET", "/archiv/quarantaene/j2?ok=q-verworfen", nil)
	for _, w := range []string{"ist verworfen", "Dublette der Abgabe vom 3. März", "<strong>root</strong>", "abc123"} {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

// An entry another archivist is working on: 409 with the current state,
// nothing done; an unknown action changes nothing either.
func TestQuarantineConflict(t *testing.T) {
	f := newFixture(t)
	f.quar.busy = true
	for _, a := range []string{"erneut", "verwerfen"} {
		res, body := f.do(t, "anna", "POST", "/archiv/quarantaene/j2", url.Values{"csrf": {"token-anna"}, "aktion": {a}, "begruendung": {"x"}})
		if res.StatusCode != http.StatusConflict || !strings.Contains(body, "gerade von jemand anderem bearbeitet") {
			t.Errorf("%s while busy: %d", a, res.StatusCode)
		}
	}
	f.quar.busy = false
	if res, _ := f.do(t, "anna", "POST", "/archiv/quarantaene/j2", url.Values{"csrf": {"token-anna"}, "aktion": {"loeschen"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown action: %d", res.StatusCode)
	}
	if c := f.calls.list(); len(c) > 0 {
		t.Errorf("calls = %q", c)
	}
}
