package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/magazin-archiv/magazin/preservation"
)

func TestDefaultTable(t *testing.T) {
	p := Default()
	cases := []struct {
		puid string
		want Action
	}{
		{"fmt/95", Preferred}, {"fmt/354", Preferred},
		{"fmt/476", Preferred}, {"fmt/477", Preferred}, {"fmt/478", Preferred},
		{"fmt/479", Flag}, {"fmt/480", Flag}, {"fmt/481", Flag},
		{"fmt/18", Accepted}, {"fmt/276", Accepted},
		{"fmt/353", Preferred}, {"fmt/10", Preferred},
		{"fmt/11", Preferred}, {"fmt/13", Preferred},
		{"fmt/43", Accepted}, {"fmt/41", Accepted},
		{"fmt/101", Preferred}, {"x-fmt/280", Preferred},
		{"x-fmt/111", Preferred}, {"x-fmt/18", Preferred},
		{"fmt/291", Accepted}, {"fmt/412", Accepted}, {"fmt/214", Accepted},
		{"fmt/523", Flag},
		{"x-fmt/263", Flag},
		{"fmt/1777", Preferred},
		{"x-fmt/411", Reject}, {"fmt/899", Reject}, {"fmt/690", Reject},
		{"UNKNOWN", Flag}, {"", Flag},
		{"fmt/999999", Flag}, // unlisted
	}
	for _, c := range cases {
		d := p.Decide(c.puid, "", "")
		if d.Action != c.want {
			t.Errorf("Decide(%q) = %s (%s), want %s", c.puid, d.Action, d.Rule, c.want)
		}
		if d.Reason == "" {
			t.Errorf("Decide(%q): empty reason", c.puid)
		}
		if !strings.HasPrefix(d.Rule, LayerBuiltin+":") {
			t.Errorf("Decide(%q): rule %q not from the built-in table", c.puid, d.Rule)
		}
	}
	if d := p.Decide("", "", ""); d.PUID != Unknown || d.Rule != "builtin:UNKNOWN" {
		t.Errorf("empty PUID: %+v", d)
	}
	if d := p.Decide("fmt/999999", "", ""); d.Rule != "builtin:*" {
		t.Errorf("unlisted: rule %q, want builtin:*", d.Rule)
	}
}

func TestBuiltinPUIDsValidAndUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range builtinLayer().Rules {
		if r.Reason == "" {
			t.Errorf("rule for %v has no reason", r.PUIDs)
		}
		for _, p := range r.PUIDs {
			if !ValidPUID(p) {
				t.Errorf("invalid PUID %q", p)
			}
			if seen[p] {
				t.Errorf("%s listed twice", p)
			}
			seen[p] = true
		}
	}
	if len(seen) < 150 {
		t.Errorf("only %d PUIDs in the built-in table", len(seen))
	}
}

const layered = `{
  "rules": [
    {"puids": ["fmt/18"], "action": "flag", "reason": "Archivweit: PDF 1.4 prüfen"}
  ],
  "profiles": {
    "xdomea": {
      "unlisted": {"action": "reject", "reason": "xdomea: nur gelistete Formate"},
      "rules": [{"puids": ["fmt/18", "fmt/19"], "action": "accepted"}]
    }
  },
  "agencies": {
    "LRA-Zwickau": {
      "rules": [
        {"puids": ["fmt/18"], "action": "reject", "reason": "Nur PDF/A"},
        {"puids": ["x-fmt/411"], "action": "flag", "reason": "Software-Archiv"}
      ]
    }
  }
}`

func TestLayers(t *testing.T) {
	p, err := Parse([]byte(layered))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		puid, profile, agency string
		action                Action
		rule                  string
	}{
		{"fmt/18", "", "", Flag, "archive:fmt/18"},
		{"fmt/18", "xdomea", "", Accepted, "profile/xdomea:fmt/18"},
		{"fmt/18", "xdomea", "LRA-Zwickau", Reject, "agency/LRA-Zwickau:fmt/18"},
		{"fmt/18", "", "LRA-Zwickau", Reject, "agency/LRA-Zwickau:fmt/18"},
		{"fmt/18", "folder", "other-agency", Flag, "archive:fmt/18"},
		{"fmt/19", "xdomea", "LRA-Zwickau", Accepted, "profile/xdomea:fmt/19"},
		{"fmt/95", "xdomea", "LRA-Zwickau", Preferred, "builtin:fmt/95"},
		{"x-fmt/411", "", "LRA-Zwickau", Flag, "agency/LRA-Zwickau:x-fmt/411"},
		{"x-fmt/411", "", "", Reject, "builtin:x-fmt/411"},
		// unlisted everywhere: the profile's default beats the archive's
		{"fmt/999", "xdomea", "LRA-Zwickau", Reject, "profile/xdomea:*"},
		{"fmt/999", "folder", "", Flag, "builtin:*"},
		// UNKNOWN is listed by the built-in table, so the profile's
		// unlisted default does not apply
		{"", "xdomea", "", Flag, "builtin:UNKNOWN"},
	}
	for _, c := range cases {
		d := p.Decide(c.puid, c.profile, c.agency)
		if d.Action != c.action || d.Rule != c.rule {
			t.Errorf("Decide(%q, %q, %q) = %s %s, want %s %s", c.puid, c.profile, c.agency, d.Action, d.Rule, c.action, c.rule)
		}
	}
	d := p.Decide("fmt/19", "xdomea", "")
	if d.Reason != "Format wird übernommen" {
		t.Errorf("generic reason: %q", d.Reason)
	}
}

func TestBaseEmpty(t *testing.T) {
	p, err := Parse([]byte(`{"base": "empty", "unlisted": {"action": "reject", "reason": "nur Liste"},
		"rules": [{"puids": ["fmt/95"], "action": "preferred"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Decide("fmt/95", "", ""); d.Action != Preferred || d.Rule != "archive:fmt/95" {
		t.Errorf("fmt/95: %+v", d)
	}
	if d := p.Decide("fmt/18", "", ""); d.Action != Reject || d.Rule != "archive:*" || d.Reason != "nur Liste" {
		t.Errorf("fmt/18: %+v", d)
	}
	if d := p.Decide("", "", ""); d.Action != Reject {
		t.Errorf("UNKNOWN with base empty: %+v", d)
	}
}

func TestParseErrors(t *testing.T) {
	cases := map[string]string{
		`{"rules": [{"puids": ["fmt/018"], "action": "flag"}]}`:                                           `"fmt/018" is not a PUID`,
		`{"rules": [{"puids": ["FMT/18"], "action": "flag"}]}`:                                            `is not a PUID`,
		`{"rules": [{"puids": ["fmt/18 "], "action": "flag"}]}`:                                           `is not a PUID`,
		`{"rules": [{"puids": ["sfmt/1"], "action": "flag"}]}`:                                            `is not a PUID`,
		`{"rules": [{"puids": ["fmt/18"], "action": "maybe"}]}`:                                           `action "maybe"`,
		`{"rules": [{"puids": [], "action": "flag"}]}`:                                                    `no puids`,
		`{"rules": [{"puids": ["fmt/18"], "action": "flag"}, {"puids": ["fmt/18"], "action": "reject"}]}`: `fmt/18 is listed twice`,
		`{"base": "empty"}`:            `needs "unlisted"`,
		`{"base": "other"}`:            `base "other"`,
		`{"rule": []}`:                 `unknown field "rule"`,
		`{"agencies": {"": {}}}`:       `agency name ""`,
		`{"profiles": {" x": {}}}`:     `profile name " x"`,
		`{"unlisted": {"action": ""}}`: `unlisted: action ""`,
		`{} {}`:                        `trailing data`,
		`[]`:                           `cannot unmarshal`,
		`{"agencies": {"A": {"rules": [{"puids": ["x"], "action": "flag"}]}}}`: `agency/A: rule 1: "x" is not a PUID`,
	}
	for doc, want := range cases {
		_, err := Parse([]byte(doc))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%s) = %v, want an error containing %q", doc, err, want)
		}
	}
	// all errors at once
	_, err := Parse([]byte(`{"rules": [{"puids": ["a", "b"], "action": "x"}]}`))
	if err == nil || strings.Count(err.Error(), "\n") < 2 {
		t.Errorf("want three errors, got %v", err)
	}
}

func TestReadLimit(t *testing.T) {
	big := strings.NewReader(`{"base": "` + strings.Repeat("x", maxDocument) + `"}`)
	if _, err := Read(big); err == nil || !strings.Contains(err.Error(), "4 MiB") {
		t.Errorf("Read of an oversized document: %v", err)
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(path, []byte(layered), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Decide("fmt/18", "", ""); d.Action != Flag {
		t.Errorf("%+v", d)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"base": 1}`), 0o644)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad file: error %v does not name the file", err)
	}
}

func TestProblem(t *testing.T) {
	p := Default()
	pr, ok := p.Decide("x-fmt/411", "", "").Problem("data/setup.exe")
	if !ok || pr.Code != CodeRejected || pr.Severity != preservation.SeverityError || pr.Path != "data/setup.exe" {
		t.Errorf("reject: %+v %v", pr, ok)
	}
	if !strings.Contains(pr.Message, "x-fmt/411") || !strings.Contains(pr.Message, "builtin:x-fmt/411") {
		t.Errorf("message %q lacks PUID or rule", pr.Message)
	}
	pr, ok = p.Decide("fmt/480", "", "").Problem("a.pdf")
	if !ok || pr.Code != CodeFlagged || pr.Severity != preservation.SeverityWarning {
		t.Errorf("flag: %+v %v", pr, ok)
	}
	if _, ok := p.Decide("fmt/95", "", "").Problem("a.pdf"); ok {
		t.Error("preferred yields a problem")
	}
	if _, ok := p.Decide("fmt/18", "", "").Problem("a.pdf"); ok {
		t.Error("accepted yields a problem")
	}
}

func TestEntries(t *testing.T) {
	p, err := Parse([]byte(layered))
	if err != nil {
		t.Fatal(err)
	}
	es := p.Entries()
	if es[0].PUID != Wildcard || es[0].Layer != LayerBuiltin {
		t.Errorf("first entry %+v, want the archive's unlisted default", es[0])
	}
	if es[1].PUID != Unknown {
		t.Errorf("second entry %+v, want UNKNOWN", es[1])
	}
	var saw18, sawAgency bool
	for i, e := range es {
		if e.PUID == "fmt/18" && e.Layer == LayerArchive {
			saw18 = true
		}
		if e.Layer == "agency/LRA-Zwickau" {
			sawAgency = true
		}
		if i > 0 && es[i-1].Layer == e.Layer && e.PUID != Wildcard && es[i-1].PUID != Wildcard && ComparePUID(es[i-1].PUID, e.PUID) >= 0 {
			t.Errorf("entries out of order: %s before %s", es[i-1].PUID, e.PUID)
		}
	}
	if !saw18 || !sawAgency {
		t.Errorf("overrides missing from Entries: archive fmt/18 %v, agency %v", saw18, sawAgency)
	}
}

func TestComparePUID(t *testing.T) {
	ordered := []string{"UNKNOWN", "fmt/2", "fmt/10", "fmt/1910", "x-fmt/1", "x-fmt/263", "zzz"}
	for i := 1; i < len(ordered); i++ {
		if ComparePUID(ordered[i-1], ordered[i]) >= 0 || ComparePUID(ordered[i], ordered[i-1]) <= 0 {
			t.Errorf("%s should sort before %s", ordered[i-1], ordered[i])
		}
	}
}

func TestConcurrentDecide(t *testing.T) {
	p, err := Parse([]byte(layered))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				if d := p.Decide("fmt/18", "xdomea", "LRA-Zwickau"); d.Action != Reject {
					t.Errorf("%+v", d)
					return
				}
			}
		}()
	}
	wg.Wait()
}
