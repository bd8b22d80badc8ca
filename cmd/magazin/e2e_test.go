package main

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/preservation/aip/aiptest"
)

// bin is the magazin binary built once for the end-to-end tests.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "magazin-e2e")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "magazin")
	out, err := exec.Command("go", "build", "-race", "-o", bin, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type run struct {
	stdout, stderr string
	code           int
}

func magazin(t *testing.T, args ...string) run {
	t.Helper()
	return magazinAs(t, nil, args...)
}

func magazinAs(t *testing.T, cred *syscall.Credential, args ...string) run {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
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

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	r := magazin(t, args...)
	if r.code != 0 {
		t.Fatalf("magazin %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func sampleDir(t *testing.T) string {
	d, err := filepath.Abs("../../testdata/sample-transfer")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

type listed struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Files int    `json:"files"`
}

func listAIPs(t *testing.T, args ...string) []listed {
	t.Helper()
	var l []listed
	out := mustRun(t, append(args, "aip", "list", "--json")...)
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("aip list --json: %v\n%s", err, out)
	}
	return l
}

// The foundation's round trip on one store URL: ingest, verify, an
// identical resubmission, a rebuild from a second data dir.
func roundTrip(t *testing.T, storeURL string) {
	tmp := t.TempDir()
	d1, d2 := filepath.Join(tmp, "d1"), filepath.Join(tmp, "d2")
	g1 := []string{"--data", d1, "--store", storeURL}
	g2 := []string{"--data", d2, "--store", storeURL}
	out := mustRun(t, append(g1, "ingest", "--profile", "folder", sampleDir(t))...)
	if !strings.Contains(out, "ingested") {
		t.Fatalf("ingest said: %s", out)
	}
	mustRun(t, append(g1, "aip", "verify", "--all")...)
	list := listAIPs(t, g1...)
	if len(list) != 1 || !strings.HasPrefix(list[0].ID, "urn:uuid:") || list[0].Files != 5 {
		t.Fatalf("aip list = %+v", list)
	}
	out = mustRun(t, append(g1, "ingest", "--profile", "folder", sampleDir(t))...)
	if !strings.Contains(out, "already archived") || !strings.Contains(out, list[0].ID) {
		t.Errorf("resubmission said: %s", out)
	}
	if again := listAIPs(t, g1...); len(again) != 1 {
		t.Errorf("resubmission made a duplicate: %+v", again)
	}
	mustRun(t, append(g2, "rebuild")...)
	if diff := cmp.Diff(list, listAIPs(t, g2...)); diff != "" {
		t.Errorf("aip list after rebuild differs (-live +rebuilt):\n%s", diff)
	}
	// The rebuilt catalog knows the verification recorded in the journal.
	show := mustRun(t, append(g2, "aip", "show", list[0].ID)...)
	if !strings.Contains(show, "verified") || !strings.Contains(show, "fmt/") {
		t.Errorf("aip show after rebuild lacks verification or formats:\n%s", show)
	}
	exp := filepath.Join(tmp, "export")
	mustRun(t, append(g2, "aip", "get", list[0].ID, "--out", exp)...)
	b, err := os.ReadFile(filepath.Join(exp, "representations/original/data/Akte 2026-001 Bauantrag Müller/Vermerk.txt"))
	if err != nil || !bytes.Contains(b, []byte("Bauantrag")) {
		t.Errorf("exported file: %q, %v", b, err)
	}
}

func TestRoundTripFileStore(t *testing.T) {
	storeDir := filepath.Join(t.TempDir(), "store")
	roundTrip(t, "file://"+storeDir)
	// Every AIP passes an independent OCFL 1.1 validator without warnings.
	aiptest.ValidateIndependently(t, filepath.Join(storeDir, "ocfl"))
}

func TestRoundTripS3(t *testing.T) {
	base := os.Getenv("MAGAZIN_TEST_S3")
	if base == "" {
		corpus.Missing(t, "MAGAZIN_TEST_S3 not set: no S3 server (make test starts one)")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/e2e-" + randHex(t)
	storeURL := u.String()
	mustRun(t, "--data", t.TempDir(), "--store", storeURL, "store", "init")
	roundTrip(t, storeURL)
}

func randHex(t *testing.T) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

type zipEntry struct {
	name string
	body string
	mode os.FileMode
}

func writeZip(t *testing.T, path string, entries []zipEntry) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

type ingestReport struct {
	Path       string `json:"path"`
	OK         bool   `json:"ok"`
	Quarantine string `json:"quarantine"`
	Problems   []struct {
		Code     string `json:"code"`
		Severity string `json:"severity"`
	} `json:"problems"`
}

// Hostile submissions are rejected with a coded reason, nothing is written
// outside staging, nothing is stored, and the submission is kept in
// quarantine.
func TestHostileSubmissions(t *testing.T) {
	many := make([]zipEntry, 0, 60)
	for i := 0; i < 60; i++ {
		many = append(many, zipEntry{name: "f" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + hex.EncodeToString([]byte{byte(i)}) + ".txt", body: "x"})
	}
	absTarget := filepath.Join(t.TempDir(), "evil-absolute.txt")
	cases := []struct {
		name    string
		entries []zipEntry
		code    string
		config  string
	}{
		{"traversal", []zipEntry{{name: "ok.txt", body: "ok"}, {name: "../../evil-traversal.txt", body: "pwned"}}, "UNPACK_TRAVERSAL", ""},
		{"absolute", []zipEntry{{name: absTarget, body: "pwned"}}, "UNPACK_ABSOLUTE", ""},
		{"symlink", []zipEntry{{name: "ok.txt", body: "ok"}, {name: "link", body: "/etc/passwd", mode: os.ModeSymlink | 0o777}}, "UNPACK_LINK", ""},
		{"too-many", many, "UNPACK_TOO_MANY", "max-files"},
		{"ratio", []zipEntry{{name: "bomb.bin", body: strings.Repeat("\x00", 8<<20)}}, "UNPACK_RATIO", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tmp := t.TempDir()
			data, storeDir := filepath.Join(tmp, "data"), filepath.Join(tmp, "store")
			sub := filepath.Join(tmp, "in", "submission.zip")
			os.MkdirAll(filepath.Dir(sub), 0o755)
			writeZip(t, sub, c.entries)
			args := []string{"--data", data, "--store", "file://" + storeDir}
			if c.config != "" {
				cfg := filepath.Join(tmp, "magazin.toml")
				os.WriteFile(cfg, []byte("max-files = 50\n"), 0o644)
				args = append(args, "--config", cfg)
			}
			r := magazin(t, append(args, "ingest", "--json", sub)...)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			var reps []ingestReport
			if err := json.Unmarshal([]byte(r.stdout), &reps); err != nil || len(reps) != 1 {
				t.Fatalf("report: %v\n%s", err, r.stdout)
			}
			found := false
			for _, p := range reps[0].Problems {
				if p.Code == c.code && p.Severity == "error" {
					found = true
				}
			}
			if !found {
				t.Errorf("want problem %s, got %+v", c.code, reps[0].Problems)
			}
			// Kept in quarantine, with a report.
			q := reps[0].Quarantine
			if !strings.HasPrefix(q, data) {
				t.Fatalf("quarantine %q not in the data dir", q)
			}
			if _, err := os.Stat(filepath.Join(q, "submission", "submission.zip")); err != nil {
				t.Errorf("submission not kept in quarantine: %v", err)
			}
			if _, err := os.Stat(filepath.Join(q, "report.json")); err != nil {
				t.Errorf("no quarantine report: %v", err)
			}
			// Nothing stored.
			if objs, _ := filepath.Glob(filepath.Join(storeDir, "ocfl", "*", "*", "*", "*")); len(objs) != 0 {
				t.Errorf("objects stored for a rejected submission: %v", objs)
			}
			// Nothing written outside staging, nothing left in staging.
			for _, p := range []string{absTarget, filepath.Join(tmp, "evil-traversal.txt"), filepath.Join(data, "evil-traversal.txt"), "/evil-traversal.txt"} {
				if _, err := os.Lstat(p); err == nil {
					t.Errorf("%s was written", p)
				}
			}
			if left, _ := os.ReadDir(filepath.Join(data, "staging")); len(left) != 0 {
				t.Errorf("staging not cleaned up: %v", left)
			}
			if list := listAIPs(t, args...); len(list) != 0 {
				t.Errorf("rejected submission listed: %+v", list)
			}
		})
	}
}

// An unreadable file is reported, not skipped. Root reads everything, so
// the ingest runs as the unprivileged user nobody.
func TestUnreadableFile(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to switch to an unprivileged user")
	}
	tmp, err := os.MkdirTemp("", "magazin-unreadable")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	os.Chmod(tmp, 0o777)
	sub := filepath.Join(tmp, "akte")
	os.MkdirAll(sub, 0o777)
	os.WriteFile(filepath.Join(sub, "lesbar.txt"), []byte("ok"), 0o644)
	os.WriteFile(filepath.Join(sub, "gesperrt.txt"), []byte("secret"), 0o000)
	os.Chmod(sub, 0o777)
	data := filepath.Join(tmp, "data")
	os.MkdirAll(data, 0o777)
	os.Chmod(data, 0o777)
	bindir := filepath.Dir(bin)
	os.Chmod(bindir, 0o755)
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	r := magazinAs(t, nobody, "--data", data, "ingest", "--json", "--profile", "folder", sub)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, `"READ_UNREADABLE"`) || !strings.Contains(r.stdout, "gesperrt.txt") {
		t.Errorf("want READ_UNREADABLE for gesperrt.txt, got %s", r.stdout)
	}
}

func TestValidateJSONAndExitCodes(t *testing.T) {
	data := t.TempDir()
	r := magazin(t, "--data", data, "validate", "--json", sampleDir(t))
	if r.code != 0 {
		t.Fatalf("validate of the sample: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var v struct {
		Valid    bool   `json:"valid"`
		Profile  string `json:"profile"`
		Problems []any  `json:"problems"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || !v.Valid || v.Profile != "folder" || v.Problems == nil {
		t.Errorf("validate --json = %s (%v)", r.stdout, err)
	}
	bad := filepath.Join(t.TempDir(), "bad.zip")
	writeZip(t, bad, []zipEntry{{name: "../x", body: "x"}})
	if r := magazin(t, "--data", data, "validate", "--json", bad); r.code != 1 || !strings.Contains(r.stdout, "UNPACK_TRAVERSAL") {
		t.Errorf("validate of a hostile zip: exit %d, %s", r.code, r.stdout)
	}
	if r := magazin(t, "--data", data, "ingest"); r.code != 2 {
		t.Errorf("ingest without args: exit %d, want 2", r.code)
	}
	if r := magazin(t, "--data", data, "ingest", "--profile", "nonsense", sampleDir(t)); r.code != 2 {
		t.Errorf("unknown profile: exit %d, want 2 (%s)", r.code, r.stderr)
	}
	if r := magazin(t, "--data", data, "aip", "verify", "--all"); r.code != 0 {
		t.Errorf("verify of an empty archive: exit %d", r.code)
	}
	if r := magazin(t, "--data", data, "aip", "show", "urn:uuid:00000000-0000-4000-8000-000000000000"); r.code != 1 {
		t.Errorf("show of a missing AIP: exit %d, want 1", r.code)
	}
}
