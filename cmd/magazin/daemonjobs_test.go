package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/preservation/jobs"
)

// brokenActions is a migration configuration whose one action fails on
// the sample's PDF; slowActions one that runs for a minute.
const (
	brokenActions = `{"actions":[{"name":"broken","puids":["fmt/18"],"event":"mig","representation":"broken","extension":".pdf",
"command":["sh","-c","exit 3","{in}","{out}"],"tool":"sh"}]}`
	slowActions = `{"actions":[{"name":"slow","puids":["fmt/18"],"event":"mig","representation":"slow","extension":".pdf",
"command":["sh","-c","exec sleep 60","{in}","{out}"],"tool":"sh","timeout":"5m"}]}`
)

// treeDigests returns the SHA-512 of every regular file below dir whose
// slash path relative to dir keep accepts.
func treeDigests(t *testing.T, dir string, keep func(string) bool) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel = filepath.ToSlash(rel); keep(rel) {
			out[rel] = sha512File(t, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameDigests(t *testing.T, what string, fg, bg map[string]string) {
	t.Helper()
	if len(fg) == 0 {
		t.Errorf("%s: no files to compare", what)
	}
	if len(fg) != len(bg) {
		t.Errorf("%s: %d files in the foreground, %d through the daemon", what, len(fg), len(bg))
	}
	for p, d := range fg {
		if bg[p] != d {
			t.Errorf("%s: %s differs (or is missing) through the daemon", what, p)
		}
	}
}

func waitJob(t *testing.T, sock string, p *daemonProc, want func(jobs.Job) bool) jobs.Job {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, j := range adminJobs(sock) {
			if want(j) {
				return j
			}
		}
	}
	t.Fatalf("no such job: %+v\n%s", adminJobs(sock), p.out)
	return jobs.Job{}
}

// With `magazin serve` running, `migrate`, `aip get` and `export dip`
// run as jobs of the daemon (found on the default socket DATA/admin.sock)
// and print what the foreground run prints, with its exit codes: the
// same commands on a copy of the archive without a daemon are the
// reference. The packages written are the same; the migration makes the
// same new version; a "no" (an unknown AIP, a unit that does not exist, a
// file that cannot be migrated) is exit 1 both ways.
func TestJobsMigrationAndExportLikeForeground(t *testing.T) {
	g, id := dipArchive(t)
	data := g[1]
	fgData := filepath.Join(t.TempDir(), "fg")
	if out, err := exec.Command("cp", "-a", data, fgData).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	gf := []string{"--data", fgData}
	tmp := t.TempDir()
	broken := filepath.Join(tmp, "broken.json")
	os.WriteFile(broken, []byte(brokenActions), 0o644)
	fgOut, bgOut := filepath.Join(tmp, "fg"), filepath.Join(tmp, "bg")

	// The foreground runs first, while no daemon runs.
	cases := []struct {
		name string
		args func(out string) []string
		code int
	}{
		{"bagit", func(o string) []string {
			return []string{"aip", "get", id, "--format", "bagit", "--archive", "Kreisarchiv", "--out", filepath.Join(o, "bag")}
		}, 0},
		{"eark all versions", func(o string) []string {
			return []string{"aip", "get", id, "--format", "eark", "--all-versions", "--out", filepath.Join(o, "eark")}
		}, 0},
		{"files json", func(o string) []string {
			return []string{"aip", "get", id, "--json", "--out", filepath.Join(o, "files")}
		}, 0},
		{"dip", func(o string) []string {
			return []string{"export", "dip", "20001 Nr. 1", "--json", "--out", filepath.Join(o, "dip")}
		}, 0},
		{"unknown AIP", func(o string) []string {
			return []string{"aip", "get", "urn:uuid:00000000-0000-4000-8000-000000000000", "--format", "bagit", "--out", filepath.Join(o, "none")}
		}, 1},
		{"unknown unit", func(o string) []string {
			return []string{"export", "dip", "99999 Nr. 9", "--out", filepath.Join(o, "nodip")}
		}, 1},
		{"out exists", func(o string) []string { return []string{"aip", "get", id, "--out", filepath.Join(o, "bag")} }, 2},
		{"migration that fails", func(string) []string { return []string{"migrate", "--actions", broken, id} }, 1},
		{"migration", func(string) []string { return []string{"migrate", "--user", "schmidt", id} }, 0},
		{"migration again", func(string) []string { return []string{"migrate", "--user", "schmidt"} }, 0},
	}
	fg := map[string]run{}
	for _, tc := range cases {
		r := magazin(t, append(gf, tc.args(fgOut)...)...)
		if r.code != tc.code {
			t.Fatalf("foreground %s: exit %d, want %d\n%s%s", tc.name, r.code, tc.code, r.stdout, r.stderr)
		}
		fg[tc.name] = r
	}

	p := startDaemon(t, append(g, "serve", "--addr", freeAddr(t), "--audit-every", "0")...)
	defer func() {
		if p.cmd.ProcessState == nil {
			p.kill(t)
		}
	}()
	sock := filepath.Join(data, "admin.sock")
	waitAdmin(t, sock, p)
	norm := strings.NewReplacer(fgData, data, fgOut, bgOut)
	for _, tc := range cases {
		r := magazin(t, append(g, tc.args(bgOut)...)...)
		if r.code != tc.code {
			t.Errorf("through the daemon %s: exit %d, want %d\n%s%s", tc.name, r.code, tc.code, r.stdout, r.stderr)
			continue
		}
		want := norm.Replace(fg[tc.name].stdout)
		if tc.name == "dip" {
			// A DIP's METS has its own id and time: compare what it holds.
			var a, b struct {
				Files        map[string]struct{ SHA512 string }
				PayloadFiles int
				PayloadBytes int64
				Units, AIPs  []string
				Dir          string
			}
			if err := json.Unmarshal([]byte(want), &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(r.stdout), &b); err != nil {
				t.Fatalf("dip through the daemon: %v\n%s", err, r.stdout)
			}
			if a.PayloadFiles == 0 || a.PayloadFiles != b.PayloadFiles || a.PayloadBytes != b.PayloadBytes || strings.Join(a.Units, " ") != strings.Join(b.Units, " ") ||
				strings.Join(a.AIPs, " ") != strings.Join(b.AIPs, " ") || a.Dir != b.Dir || a.Dir != filepath.Join(bgOut, "dip") {
				t.Errorf("dip: foreground %+v, through the daemon %+v", a, b)
			}
			continue
		}
		if r.stdout != want {
			t.Errorf("%s: through the daemon it printed\n%s\nthe foreground run\n%s", tc.name, r.stdout, want)
		}
		if tc.code != 2 && !strings.Contains(r.stderr, "runs in the daemon as job") {
			t.Errorf("%s did not run in the daemon:\n%s", tc.name, r.stderr)
		}
	}
	if s := fg["migration"].stdout; !strings.Contains(s, "(pdfa, fmt/") || !strings.Contains(s, id+": version v3") {
		t.Errorf("the migration said:\n%s", s)
	}
	if s := fg["migration that fails"].stdout; !strings.Contains(s, "FAILED "+id) || !strings.Contains(s, "1 files could not be migrated") {
		t.Errorf("the failing migration said:\n%s", s)
	}

	payload := func(p string) bool { return strings.HasPrefix(p, "data/") || strings.Contains(p, "/data/") }
	for _, d := range []string{"bag", "eark", "files"} {
		keep := payload
		if d == "files" {
			keep = func(string) bool { return true }
		}
		sameDigests(t, d, treeDigests(t, filepath.Join(fgOut, d), keep), treeDigests(t, filepath.Join(bgOut, d), keep))
	}
	sameDigests(t, "dip", treeDigests(t, filepath.Join(fgOut, "dip"), payload), treeDigests(t, filepath.Join(bgOut, "dip"), payload))
	validated(t, gf, "bagit", filepath.Join(bgOut, "bag"))
	for _, d := range []string{"none", "nodip"} {
		if _, err := os.Stat(filepath.Join(bgOut, d)); err == nil {
			t.Errorf("a failed export job left %s", d)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(bgOut, ".*")); len(left) != 0 {
		t.Errorf("export jobs left %v", left)
	}

	// The jobs are kept: exports and migrations with their results.
	var kinds = map[jobs.Kind]map[jobs.State]int{}
	for _, j := range adminJobs(sock) {
		if kinds[j.Kind] == nil {
			kinds[j.Kind] = map[jobs.State]int{}
		}
		kinds[j.Kind][j.State]++
		if j.Source != "cli" || j.Name == "" {
			t.Errorf("job %+v", j)
		}
	}
	if kinds[jobs.KindExport][jobs.Done] != 4 || kinds[jobs.KindExport][jobs.Failed] != 2 || kinds[jobs.KindMigration][jobs.Done] != 2 || kinds[jobs.KindMigration][jobs.Failed] != 1 {
		t.Errorf("jobs by kind and state: %v", kinds)
	}
	if code := p.stop(t); code != 0 {
		t.Errorf("SIGTERM: exit %d\n%s", code, p.out)
	}
	a, b := showAIP(t, gf, id), showAIP(t, g, id)
	if a.Version != 3 || b.Version != a.Version || len(b.Files) != len(a.Files) {
		t.Errorf("after the migrations: foreground v%d %d files, through the daemon v%d %d files", a.Version, len(a.Files), b.Version, len(b.Files))
	}
	mustRun(t, append(g, "aip", "verify", id)...)
}

// A migration job is cancelled by `magazin jobs cancel` while the command
// waits for it (exit 130) and by Ctrl-C on the waiting command; neither
// leaves a new version. --detach prints the job id and returns at once. A
// shutdown while a command waits stops the daemon cleanly; the job runs
// again at the next start.
func TestJobsCancelAndDetach(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "d")
	g := []string{"--data", data}
	mustRun(t, append(g, "ingest", "--profile", "folder", sampleDir(t))...)
	id := listAIPs(t, g...)[0].ID
	slow := filepath.Join(tmp, "slow.json")
	os.WriteFile(slow, []byte(slowActions), 0o644)
	if r := magazin(t, append(g, "migrate", "--detach", id)...); r.code != 2 || !strings.Contains(r.stderr, "--detach needs a running daemon") {
		t.Errorf("--detach without a daemon: exit %d %s", r.code, r.stderr)
	}

	serve := append(g, "serve", "--addr", freeAddr(t), "--audit-every", "0", "--shutdown-grace", "1s")
	p := startDaemon(t, serve...)
	defer func() {
		if p.cmd.ProcessState == nil {
			p.kill(t)
		}
	}()
	sock := filepath.Join(data, "admin.sock")
	waitAdmin(t, sock, p)

	waiting := func() (*exec.Cmd, *bytes.Buffer, chan int) {
		cmd := exec.Command(bin, append(g, "migrate", "--actions", slow, id)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		code := make(chan int, 1)
		go func() { cmd.Wait(); code <- cmd.ProcessState.ExitCode() }()
		return cmd, &stderr, code
	}
	exitOf := func(code chan int) int {
		select {
		case c := <-code:
			return c
		case <-time.After(time.Minute):
			t.Fatal("the waiting command did not return")
			return 0
		}
	}

	// 1. Cancelled by an operator while the command waits.
	_, stderr, code := waiting()
	j := waitJob(t, sock, p, func(j jobs.Job) bool { return j.Kind == jobs.KindMigration && j.State == jobs.Running })
	mustRun(t, append(g, "jobs", "cancel", j.ID)...)
	if c := exitOf(code); c != 130 || !strings.Contains(stderr.String(), "cancelled") {
		t.Errorf("waiting on a cancelled job: exit %d\n%s", c, stderr)
	}
	waitJob(t, sock, p, func(x jobs.Job) bool { return x.ID == j.ID && x.State == jobs.Cancelled })

	// 2. Ctrl-C on the waiting command cancels its job.
	cmd, stderr, code := waiting()
	j2 := waitJob(t, sock, p, func(x jobs.Job) bool { return x.Kind == jobs.KindMigration && x.State == jobs.Running && x.ID != j.ID })
	cmd.Process.Signal(syscall.SIGINT)
	if c := exitOf(code); c != 130 || !strings.Contains(stderr.String(), "job "+j2.ID+" cancelled") {
		t.Errorf("Ctrl-C: exit %d\n%s", c, stderr)
	}
	waitJob(t, sock, p, func(x jobs.Job) bool { return x.ID == j2.ID && x.State == jobs.Cancelled })

	// 3. --detach: the job id at once; the export is there when its job is done.
	out := filepath.Join(tmp, "bag")
	jid := strings.TrimSpace(mustRun(t, append(g, "aip", "get", id, "--format", "bagit", "--detach", "--out", out)...))
	done := waitJob(t, sock, p, func(x jobs.Job) bool { return x.ID == jid && x.Terminal() })
	if done.State != jobs.Done {
		t.Fatalf("detached export: %+v", done)
	}
	var shown jobs.Job
	if err := json.Unmarshal([]byte(mustRun(t, append(g, "jobs", "show", jid)...)), &shown); err != nil || shown.Kind != jobs.KindExport {
		t.Errorf("jobs show %s: %v %+v", jid, err, shown)
	}

	// 4. A shutdown while the command waits: the daemon stops cleanly, the
	// command says the job goes on, and the next start runs it again.
	_, stderr, code = waiting()
	j4 := waitJob(t, sock, p, func(x jobs.Job) bool {
		return x.Kind == jobs.KindMigration && x.State == jobs.Running && x.ID != j.ID && x.ID != j2.ID
	})
	if c := p.stop(t); c != 0 {
		t.Errorf("SIGTERM while a command waits: exit %d\n%s", c, p.out)
	}
	if c := exitOf(code); c != 2 || !strings.Contains(stderr.String(), "goes on when the daemon starts again") {
		t.Errorf("the waiting command after a shutdown: exit %d\n%s", c, stderr)
	}
	p = startDaemon(t, serve...)
	waitAdmin(t, sock, p)
	again := waitJob(t, sock, p, func(x jobs.Job) bool { return x.ID == j4.ID && x.State == jobs.Running })
	if again.Attempts != 2 || !strings.Contains(again.LastError, "interrupted by shutdown") {
		t.Errorf("the interrupted migration after the restart: %+v", again)
	}
	mustRun(t, append(g, "jobs", "cancel", j4.ID)...)
	waitJob(t, sock, p, func(x jobs.Job) bool { return x.ID == j4.ID && x.State == jobs.Cancelled })
	if code := p.stop(t); code != 0 {
		t.Errorf("SIGTERM: exit %d\n%s", code, p.out)
	}
	validated(t, g, "bagit", out)
	if a := showAIP(t, g, id); a.Version != 1 {
		t.Errorf("a cancelled migration left version %d", a.Version)
	}
}

// `magazin agency add` works while the daemon runs (through its admin
// API; the new inbox is watched at once), and SIGHUP applies a new poll
// interval and settle time from the file: with an hour's poll a marked
// file waits; after the reload to 200 ms it is taken and ingested.
func TestAgencyAddWhileRunningAndReloadPoll(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "d")
	sock := filepath.Join(tmp, "admin.sock")
	cfg := filepath.Join(tmp, "magazin.toml")
	write := func(poll string) {
		s := "data = \"" + data + "\"\nlog-level = \"info\"\naudit-every = \"0s\"\nadmin-addr = \"unix:" + sock + "\"\npoll = \"" + poll + "\"\nsettle = \"1h\"\n"
		if err := os.WriteFile(cfg, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("1h")
	g := []string{"--config", cfg}
	mustRun(t, append(g, "bestand", "add", "--signatur", "30010", "--title", "Landratsamt Musterkreis")...)
	p := startDaemon(t, append(g, "serve", "--addr", freeAddr(t))...)
	defer func() {
		if p.cmd.ProcessState == nil {
			p.kill(t)
		}
	}()
	waitAdmin(t, sock, p)
	// The CLI finds the daemon through MAGAZIN_ADMIN_ADDR here: its
	// socket is not under DATA.
	t.Setenv("MAGAZIN_ADMIN_ADDR", "unix:"+sock)
	lra := filepath.Join(tmp, "lra")
	mustRun(t, append(g, "agency", "add", "psw:14999000", "--name", "Landratsamt Musterkreis", "--bestand", "30010", "--dir", lra)...)
	if out := mustRun(t, append(g, "agency", "list")...); !strings.Contains(out, "psw:14999000\tLandratsamt Musterkreis") {
		t.Errorf("agency list while running:\n%s", out)
	}
	if r := magazin(t, append(g, "agency", "add", "psw:1", "--name", "X", "--bestand", "99999")...); r.code != 1 {
		t.Errorf("agency add with an unknown Bestand: exit %d %s", r.code, r.stderr)
	}
	tok := strings.TrimSpace(mustRun(t, append(g, "agency", "token", "psw:14999000")...))
	if !strings.HasPrefix(tok, "mzt_") {
		t.Errorf("agency token: %q", tok)
	}
	inbox := filepath.Join(lra, "inbox")
	zipDir(t, filepath.Join(sampleDir(t), "Akte 2026-001 Bauantrag Müller"), filepath.Join(inbox, "akte.zip"), "")
	os.WriteFile(filepath.Join(inbox, "akte.zip.done"), nil, 0o644)
	time.Sleep(1500 * time.Millisecond)
	if js := adminJobs(sock); len(js) != 0 {
		t.Fatalf("a file was taken before the hourly poll: %+v", js)
	}
	write("200ms")
	p.cmd.Process.Signal(syscall.SIGHUP)
	j := waitJob(t, sock, p, func(j jobs.Job) bool { return j.Name == "akte.zip" && j.Terminal() })
	if j.Kind != jobs.KindIngest || j.State != jobs.Done || j.Agency != "psw:14999000" {
		t.Errorf("the inbox's job: %+v", j)
	}
	if !strings.Contains(p.out.String(), "hot folder timing changed") || !strings.Contains(p.out.String(), `"poll":200000000`) && !strings.Contains(p.out.String(), "poll=200ms") {
		t.Errorf("the reload was not logged:\n%s", p.out)
	}
	if code := p.stop(t); code != 0 {
		t.Errorf("SIGTERM: exit %d\n%s", code, p.out)
	}
	if out := mustRun(t, append(g, "unit", "list", "--parent", "30010")...); !strings.Contains(out, "30010 Nr. 1") {
		t.Errorf("the file from the new inbox did not join the agency's Bestand:\n%s", out)
	}
}

// A migration job killed (SIGKILL) in its second AIP resumes at the next
// start with that AIP: the first is not migrated again, and the job's
// report still holds what was done to it before the kill.
func TestJobsMigrationResumesAfterKill(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "d")
	g := []string{"--data", data}
	mustRun(t, append(g, "ingest", "--profile", "folder", sampleDir(t))...)
	akte := filepath.Join(tmp, "akte.zip")
	zipDir(t, filepath.Join(sampleDir(t), "Akte 2026-001 Bauantrag Müller"), akte, "")
	mustRun(t, append(g, "ingest", akte)...)
	var ids []string
	for _, a := range listAIPs(t, g...) {
		ids = append(ids, a.ID)
	}
	if len(ids) != 2 {
		t.Fatalf("AIPs %v", ids)
	}
	// The tool copies the first file it gets and hangs on the next while
	// the flag is there.
	flag := filepath.Join(tmp, "flag")
	actions := filepath.Join(tmp, "copy.json")
	os.WriteFile(actions, []byte(`{"actions":[{"name":"copy","puids":["fmt/18"],"event":"mig","representation":"copy","extension":".pdf",
"command":["sh","-c","if [ -e '`+flag+`' ]; then exec sleep 30; fi; touch '`+flag+`'; cp \"$0\" \"$1\"","{in}","{out}"],"tool":"cp"}]}`), 0o644)

	serve := append(g, "serve", "--addr", freeAddr(t), "--audit-every", "0")
	p := startDaemon(t, serve...)
	defer func() {
		if p.cmd.ProcessState == nil {
			p.kill(t)
		}
	}()
	sock := filepath.Join(data, "admin.sock")
	waitAdmin(t, sock, p)
	id := strings.TrimSpace(mustRun(t, append(g, "migrate", "--actions", actions, "--detach", ids[0], ids[1])...))
	waitJob(t, sock, p, func(j jobs.Job) bool {
		_, ok := j.Marks["aip/"+ids[0]]
		return j.ID == id && ok && j.State == jobs.Running
	})
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(flag); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the tool never ran")
		}
	}
	time.Sleep(200 * time.Millisecond) // the second AIP's tool hangs
	p.kill(t)
	os.Remove(flag)

	p = startDaemon(t, serve...)
	waitAdmin(t, sock, p)
	j := waitJob(t, sock, p, func(j jobs.Job) bool { return j.ID == id && j.Terminal() })
	var o verbOutcome
	var results []struct {
		AIP      string
		Version  int
		Outcomes []struct{ Source, Target, Error string }
	}
	if err := json.Unmarshal(j.Result, &o); err != nil || json.Unmarshal(o.Out, &results) != nil {
		t.Fatalf("result %s: %v", j.Result, err)
	}
	if j.State != jobs.Done || j.Interrupted != 1 || j.Attempts != 2 || len(results) != 2 {
		t.Fatalf("resumed job: %+v\n%s", j, j.Result)
	}
	for i, r := range results {
		if r.AIP != ids[i] || r.Version != 2 || len(r.Outcomes) != 1 || r.Outcomes[0].Error != "" || !strings.HasPrefix(r.Outcomes[0].Target, "representations/copy/") {
			t.Errorf("result for %s: %+v", ids[i], r)
		}
	}
	if code := p.stop(t); code != 0 {
		t.Errorf("SIGTERM: exit %d\n%s", code, p.out)
	}
	for _, aid := range ids {
		if a := showAIP(t, g, aid); a.Version != 2 {
			t.Errorf("%s: version %d after the resumed migration, want 2", aid, a.Version)
		}
	}
	mustRun(t, append(g, "aip", "verify", "--all")...)
}
