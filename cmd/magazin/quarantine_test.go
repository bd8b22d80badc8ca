package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// quarantineListed is an entry of `quarantine list --json`.
type quarantineListed struct {
	Job      string   `json:"job"`
	State    string   `json:"state"`
	Codes    []string `json:"codes"`
	AIPs     []string `json:"aips"`
	Files    int      `json:"files"`
	Bytes    int64    `json:"bytes"`
	CopyKept bool     `json:"copyKept"`
	Report   struct {
		Submission string `json:"submission"`
		Profile    string `json:"profile"`
	} `json:"report"`
	Attempts []struct {
		Who     string `json:"who"`
		Outcome string `json:"outcome"`
	} `json:"attempts"`
	Discarded *struct {
		Who         string `json:"who"`
		Reason      string `json:"reason"`
		Fingerprint string `json:"fingerprint"`
		Digests     []struct {
			Path   string `json:"path"`
			SHA512 string `json:"sha512"`
		} `json:"digests"`
	} `json:"discarded"`
	FileList []struct {
		Path string `json:"path"`
	} `json:"fileList"`
}

func quarantineEntries(t *testing.T, data string) []quarantineListed {
	t.Helper()
	var es []quarantineListed
	out := mustRun(t, "--data", data, "quarantine", "list", "--json")
	if err := json.Unmarshal([]byte(out), &es); err != nil {
		t.Fatalf("quarantine list --json: %v\n%s", err, out)
	}
	return es
}

// A submission rejected by the format policy is listed in quarantine,
// ingested by a retry once the policy is fixed (resolved, with its AIP);
// another is discarded with a reason: its copy is gone, the record and
// the journal entry stay, also through a rebuild.
func TestQuarantineCLI(t *testing.T) {
	data := t.TempDir()
	dir := t.TempDir()
	pol := filepath.Join(dir, "policy.json")
	os.WriteFile(pol, []byte(`{"rules": [{"puids": ["x-fmt/111"], "action": "reject", "reason": "kein Klartext"}]}`), 0o644)
	submit := func(name, text string) string {
		src := filepath.Join(dir, name)
		os.MkdirAll(src, 0o755)
		os.WriteFile(filepath.Join(src, "brief.txt"), []byte(text), 0o644)
		r := magazin(t, "--data", data, "--policy", pol, "ingest", "--profile", "folder", "--json", src)
		if r.code != 1 {
			t.Fatalf("ingest: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
		}
		var reps []struct {
			Quarantine string `json:"quarantine"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &reps); err != nil || len(reps) != 1 || reps[0].Quarantine == "" {
			t.Fatalf("ingest --json: %v\n%s", err, r.stdout)
		}
		return filepath.Base(reps[0].Quarantine)
	}
	job := submit("Lieferung-A", "Sehr geehrte Damen und Herren")

	es := quarantineEntries(t, data)
	if len(es) != 1 || es[0].Job != job || es[0].State != "quarantined" || !slices.Equal(es[0].Codes, []string{"POLICY_REJECTED"}) ||
		es[0].Report.Profile != "folder" || es[0].Files != 1 || !es[0].CopyKept {
		t.Fatalf("list = %+v", es)
	}
	if out := mustRun(t, "--data", data, "quarantine", "list"); !strings.Contains(out, job) || !strings.Contains(out, "POLICY_REJECTED") || !strings.Contains(out, "Lieferung-A") {
		t.Errorf("list:\n%s", out)
	}
	var shown quarantineListed
	if err := json.Unmarshal([]byte(mustRun(t, "--data", data, "quarantine", "show", job, "--json")), &shown); err != nil {
		t.Fatal(err)
	}
	if len(shown.FileList) != 1 || shown.FileList[0].Path != "Lieferung-A/brief.txt" {
		t.Errorf("show: files %+v", shown.FileList)
	}

	// Still rejected with the policy: the attempt is added, no new entry.
	if r := magazin(t, "--data", data, "--policy", pol, "quarantine", "retry", job, "--user", "anna"); r.code != 1 || !strings.Contains(r.stdout, "REJECTED AGAIN") {
		t.Errorf("retry under the old policy: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The policy fixed (the built-in one): resolved.
	out := mustRun(t, "--data", data, "quarantine", "retry", job, "--user", "anna", "--json")
	var resolved quarantineListed
	if err := json.Unmarshal([]byte(out), &resolved); err != nil {
		t.Fatal(err)
	}
	if resolved.State != "resolved" || len(resolved.AIPs) != 1 || resolved.CopyKept || len(resolved.Attempts) != 2 || resolved.Attempts[1].Who != "anna" {
		t.Fatalf("retry: %s", out)
	}
	if l := listAIPs(t, "--data", data); len(l) != 1 || l[0].ID != resolved.AIPs[0] {
		t.Errorf("aip list = %+v, want %s", l, resolved.AIPs[0])
	}
	if _, err := os.Stat(filepath.Join(data, "quarantine", job, "submission")); !os.IsNotExist(err) {
		t.Errorf("copy of the resolved entry kept: %v", err)
	}

	// Discard: a reason is required; then the copy is gone, the record stays.
	bad := submit("Lieferung-B", "Doppelt geliefert")
	if r := magazin(t, "--data", data, "quarantine", "discard", bad, "--user", "bert"); r.code != 2 {
		t.Errorf("discard without --reason: exit %d", r.code)
	}
	if r := magazin(t, "--data", data, "quarantine", "discard", "../../etc", "--user", "bert", "--reason", "x"); r.code != 2 {
		t.Errorf("discard ../../etc: exit %d\n%s", r.code, r.stderr)
	}
	if r := magazin(t, "--data", data, "quarantine", "retry", "../../etc"); r.code != 2 {
		t.Errorf("retry ../../etc: exit %d\n%s", r.code, r.stderr)
	}
	mustRun(t, "--data", data, "quarantine", "discard", bad, "--user", "bert", "--reason", "Dublette von Lieferung-A")
	if _, err := os.Stat(filepath.Join(data, "quarantine", bad, "submission")); !os.IsNotExist(err) {
		t.Errorf("copy kept after discard: %v", err)
	}
	if err := json.Unmarshal([]byte(mustRun(t, "--data", data, "quarantine", "show", bad, "--json")), &shown); err != nil {
		t.Fatal(err)
	}
	if shown.State != "discarded" || shown.Discarded == nil || shown.Discarded.Who != "bert" || shown.Discarded.Reason != "Dublette von Lieferung-A" ||
		len(shown.Discarded.Digests) != 1 || shown.Discarded.Digests[0].Path != "Lieferung-B/brief.txt" || len(shown.FileList) != 1 {
		t.Errorf("show after discard: %+v", shown)
	}
	if r := magazin(t, "--data", data, "quarantine", "retry", bad); r.code != 1 {
		t.Errorf("retry of a discarded entry: exit %d", r.code)
	}
	if es := quarantineEntries(t, data); len(es) != 2 {
		t.Errorf("%d entries listed", len(es))
	}
	// The journal in storage holds both actions, and a rebuild keeps it.
	mustRun(t, "--data", data, "rebuild")
	segs, _ := filepath.Glob(filepath.Join(data, "store", "journal", "*.json"))
	var found []string
	for _, s := range segs {
		var seg struct {
			Entries []struct {
				Kind    string `json:"kind"`
				Subject string `json:"subject"`
				Data    struct {
					Who     string `json:"who"`
					Outcome string `json:"outcome"`
				} `json:"data"`
			} `json:"entries"`
		}
		b, _ := os.ReadFile(s)
		if err := json.Unmarshal(b, &seg); err != nil {
			t.Fatal(err)
		}
		for _, e := range seg.Entries {
			if strings.HasPrefix(e.Kind, "quarantine.") {
				found = append(found, e.Kind+" "+e.Subject+" "+e.Data.Who+" "+e.Data.Outcome)
			}
		}
	}
	want := []string{"quarantine.retry " + job + " anna rejected", "quarantine.retry " + job + " anna resolved", "quarantine.discard " + bad + " bert "}
	if !slices.Equal(found, want) {
		t.Errorf("journal: %q, want %q", found, want)
	}
}
