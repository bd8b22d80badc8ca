package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/urfave/cli/v2"
)

// magazinAt runs magazin in dir with stdin.
func magazinAt(t *testing.T, dir, stdin string, args ...string) run {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	// Who acts comes from the caller's environment, with the daemon too.
	cmd.Env = append(os.Environ(), "MAGAZIN_USER=Schmidt, Clara")
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

// What differs between two runs of the same verb by nature: new ids and
// timestamps.
var (
	uuidRE  = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	accRE   = regexp.MustCompile(`acc-[0-9a-f]{32}`)
	stampRE = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`)
	// journal segments hold their times, so their hashes differ too
	hashRE = regexp.MustCompile(`sha512 [0-9a-f]{16}`)
)

func normalized(s string) string {
	s = stampRE.ReplaceAllString(accRE.ReplaceAllString(uuidRE.ReplaceAllString(s, "UUID"), "ACC"), "TIME")
	return hashRE.ReplaceAllString(s, "sha512 HASH")
}

// Every verb gives the same stdout, stderr and exit code whether the
// daemon runs (it then runs the verb for the command line) or not: the
// same command lines run first on a stopped copy of the archive, then on
// the original while `magazin serve` holds it. stdin (a password) reaches
// the daemon; a relative path is the caller's.
func TestVerbsThroughDaemonLikeStopped(t *testing.T) {
	g, id := dipArchive(t)
	data := g[1]
	fgData := filepath.Join(t.TempDir(), "fg")
	if out, err := exec.Command("cp", "-a", data, fgData).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	// A submission beside the callers' working directory, named relatively.
	work := t.TempDir()
	if out, err := exec.Command("cp", "-a", sampleDir(t), filepath.Join(work, "abgabe")).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	os.WriteFile(filepath.Join(work, "abgabe", "Nachtrag.txt"), []byte("Nachtrag\n"), 0o644)

	cases := []struct {
		name  string
		stdin string
		args  []string
		code  int
	}{
		{"aip list", "", []string{"aip", "list"}, 0},
		{"aip show json", "", []string{"aip", "show", "--json", id}, 0},
		{"unit show", "", []string{"unit", "show", "20001 Nr. 1"}, 0},
		{"unit show json", "", []string{"unit", "show", "--json", "20001 Nr. 1"}, 0},
		{"search", "", []string{"search", "Bauantrag"}, 0},
		{"unknown AIP", "", []string{"aip", "show", "urn:uuid:00000000-0000-4000-8000-000000000000"}, 1},
		{"unknown unit", "", []string{"unit", "show", "99999 Nr. 9"}, 1},
		{"usage", "", []string{"unit", "show"}, 2},
		{"closure change", "", []string{"closure", "set", "--personal", "--created", "2020-01-01", "20001 Nr. 1"}, 0},
		{"closure shown", "", []string{"unit", "show", "--json", "20001 Nr. 1"}, 0},
		{"new AIP version by", "", []string{"aip", "show", "--json", id}, 0},
		{"search after closure", "", []string{"search", "--json", "Bauantrag"}, 0},
		{"user add", "ein-langes-Passwort-42\n", []string{"user", "add", "--role", "archivist", "--name", "Clara Schmidt", "clara@archiv.example"}, 0},
		{"user add again", "ein-langes-Passwort-42\n", []string{"user", "add", "--name", "Clara Schmidt", "clara@archiv.example"}, 2},
		{"user add weak password", "kurz\n", []string{"user", "add", "--name", "Hans", "hans@archiv.example"}, 2},
		{"user list", "", []string{"user", "list"}, 0},
		{"ingest relative dir", "", []string{"ingest", "--bestand", "20001", "abgabe"}, 0},
		{"ingest missing dir", "", []string{"ingest", "nirgends"}, 1},
		{"aip list after ingest", "", []string{"aip", "list", "--json"}, 0},
		{"verify", "", []string{"aip", "verify", "--all"}, 0},
		{"journal verify", "", []string{"journal", "verify"}, 0},
	}
	fg := map[string]run{}
	for _, tc := range cases {
		r := magazinAt(t, work, tc.stdin, append([]string{"--data", fgData}, tc.args...)...)
		if r.code != tc.code {
			t.Fatalf("stopped %s: exit %d, want %d\n%s%s", tc.name, r.code, tc.code, r.stdout, r.stderr)
		}
		fg[tc.name] = r
	}

	p := startDaemon(t, append(g, "serve", "--addr", freeAddr(t), "--audit-every", "0")...)
	defer func() {
		if p.cmd.ProcessState == nil {
			p.kill(t)
		}
	}()
	waitAdmin(t, filepath.Join(data, "admin.sock"), p)
	norm := func(s string) string { return normalized(strings.ReplaceAll(s, fgData, data)) }
	for _, tc := range cases {
		r := magazinAt(t, work, tc.stdin, append(g, tc.args...)...)
		f := fg[tc.name]
		if r.code != f.code {
			t.Errorf("with the daemon %s: exit %d, stopped %d\n%s%s", tc.name, r.code, f.code, r.stdout, r.stderr)
		}
		if got, want := normalized(r.stdout), norm(f.stdout); got != want {
			t.Errorf("with the daemon %s: stdout\n%s\nstopped:\n%s", tc.name, got, want)
		}
		if got, want := normalized(r.stderr), norm(f.stderr); got != want {
			t.Errorf("with the daemon %s: stderr\n%s\nstopped:\n%s", tc.name, got, want)
		}
	}
	if t.Failed() {
		t.Logf("daemon output:\n%s", p.out)
	}
	if !strings.Contains(fg["new AIP version by"].stdout, "Schmidt, Clara") {
		t.Errorf("the closure change does not name its archivist:\n%s", fg["new AIP version by"].stdout)
	}
	// The verbs borrowed the daemon's archive and left it open.
	if r := magazin(t, append(g, "aip", "list")...); r.code != 0 || strings.Count(r.stdout, "urn:uuid:") != 2 {
		t.Errorf("aip list at the end: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if code := p.stop(t); code != 0 {
		t.Errorf("serve exit %d:\n%s", code, p.out)
	}
	// Without the daemon the archive is the same as the stopped copy.
	if a, b := mustRun(t, append(g, "unit", "show", "--json", "20001 Nr. 1")...), mustRun(t, "--data", fgData, "unit", "show", "--json", "20001 Nr. 1"); normalized(a) != normalized(b) {
		t.Errorf("after the daemon: %s\nstopped copy: %s", a, b)
	}
}

// The daemon refuses what needs the archive to itself, with a clear
// answer; Ctrl-C on the command line stops the verb in the daemon (an
// ingest: nothing is archived) and the daemon goes on.
func TestVerbsThroughDaemonDeniedAndCancelled(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	g := []string{"--data", data}
	mustRun(t, append(g, "ingest", sampleDir(t))...)
	broken := filepath.Join(t.TempDir(), "kaputt.zip")
	os.WriteFile(broken, []byte("PK\x03\x04kaputt"), 0o644)
	if r := magazin(t, append(g, "ingest", broken)...); r.code != 1 {
		t.Fatalf("ingest of a broken ZIP: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var entries []struct{ Job, State string }
	if err := json.Unmarshal([]byte(mustRun(t, append(g, "quarantine", "list", "--json")...)), &entries); err != nil || len(entries) != 1 {
		t.Fatalf("quarantine list: %v %+v", err, entries)
	}
	big := filepath.Join(t.TempDir(), "gross")
	os.MkdirAll(big, 0o755)
	for i := range 10000 {
		os.WriteFile(filepath.Join(big, fmt.Sprintf("Blatt-%05d.txt", i)), []byte(fmt.Sprintf("Blatt %d\n", i)), 0o644)
	}

	p := startDaemon(t, append(g, "serve", "--addr", freeAddr(t), "--audit-every", "0")...)
	defer func() {
		if p.cmd.ProcessState == nil {
			p.kill(t)
		}
	}()
	waitAdmin(t, filepath.Join(data, "admin.sock"), p)

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"rebuild"}, "magazin: usage: rebuild needs the archive to itself: stop the daemon (magazin serve) first, then run magazin rebuild\n"},
		{[]string{"serve", "--addr", freeAddr(t)}, "magazin: usage: a daemon already runs on this data directory\n"},
	} {
		r := magazin(t, append(g, tc.args...)...)
		if r.code != 2 || r.stderr != tc.want || r.stdout != "" {
			t.Errorf("%v with the daemon: exit %d, stderr %q, stdout %q; want 2 and %q", tc.args, r.code, r.stderr, r.stdout, tc.want)
		}
	}

	// Verbs added later (here: quarantine) go through as well.
	if r := magazin(t, append(g, "quarantine", "discard", "--reason", "nicht lesbar", entries[0].Job)...); r.code != 0 || !strings.HasPrefix(r.stdout, "DISCARDED "+entries[0].Job) {
		t.Errorf("quarantine discard with the daemon: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if out := mustRun(t, append(g, "quarantine", "show", "--json", entries[0].Job)...); !strings.Contains(out, "nicht lesbar") {
		t.Errorf("quarantine show after the discard: %s", out)
	}

	cmd := exec.Command(bin, append(g, "ingest", big)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// The daemon has begun: the ingest's staging directory is there.
	deadline := time.Now().Add(60 * time.Second)
	for {
		es, _ := os.ReadDir(filepath.Join(data, "staging"))
		if len(es) > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the ingest ended before it could be interrupted: %v\n%s%s", err, o.String(), e.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no staging directory after 60 s:\n%s", p.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Other verbs run beside it, at once.
	var wg sync.WaitGroup
	shows := make([]run, 4)
	for i := range shows {
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := []string{"aip", "list", "--json"}
			if i%2 == 1 {
				args = []string{"unit", "list"}
			}
			shows[i] = magazin(t, append(g, args...)...)
		}()
	}
	wg.Wait()
	for i, r := range shows {
		if r.code != 0 || !strings.Contains(r.stdout, "sample-transfer") {
			t.Errorf("verb %d beside the ingest: exit %d\n%s%s", i, r.code, r.stdout, r.stderr)
		}
	}
	select {
	case err := <-done:
		t.Fatalf("the ingest ended before it could be interrupted: %v\n%s%s", err, o.String(), e.String())
	default:
	}
	cmd.Process.Signal(os.Interrupt)
	select {
	case <-done:
	case <-time.After(40 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the interrupted ingest did not end:\n%s%s", o.String(), e.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(e.String(), "context canceled") {
		t.Errorf("interrupted ingest: exit %d, stderr %q; want 130 and the cancellation", code, e.String())
	}
	// The daemon goes on; nothing of the interrupted ingest was archived
	// nor left in staging.
	r := magazin(t, append(g, "aip", "list")...)
	if r.code != 0 || strings.Count(r.stdout, "urn:uuid:") != 1 || strings.Contains(r.stdout, "gross") {
		t.Errorf("aip list after the interruption: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if es, _ := os.ReadDir(filepath.Join(data, "staging")); len(es) != 0 {
		t.Errorf("staging after the interruption: %v", es)
	}
	if code := p.stop(t); code != 0 {
		t.Errorf("serve exit %d:\n%s", code, p.out)
	}
}

// On an admin address over TCP, which any local user can reach, the
// daemon runs no verbs for the command line.
func TestVerbsThroughDaemonNotOverTCP(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	g := []string{"--data", data}
	mustRun(t, append(g, "ingest", sampleDir(t))...)
	admin := freeAddr(t)
	p := startDaemon(t, append(g, "serve", "--addr", freeAddr(t), "--audit-every", "0", "--admin-addr", admin)...)
	defer func() {
		if p.cmd.ProcessState == nil {
			p.kill(t)
		}
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !daemonAnswers(t.Context(), admin) {
		if time.Now().After(deadline) {
			t.Fatalf("no admin API on %s:\n%s", admin, p.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd := exec.Command(bin, append(g, "aip", "list")...)
	cmd.Env = append(os.Environ(), "MAGAZIN_ADMIN_ADDR="+admin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 2 || o.Len() != 0 || !strings.Contains(e.String(), "only for its unix admin socket") {
		t.Errorf("aip list over TCP: exit %d\n%s%s", code, o.String(), e.String())
	}
	if code := p.stop(t); code != 0 {
		t.Errorf("serve exit %d:\n%s", code, p.out)
	}
}

// Relative paths go to the daemon absolute and come back as typed; other
// arguments stay as they are.
func TestAbsArgsShownAsTyped(t *testing.T) {
	cwd := t.TempDir()
	os.MkdirAll(filepath.Join(cwd, "abgabe"), 0o755)
	os.MkdirAll(filepath.Join(cwd, "out"), 0o755)
	args := []string{"--data", "abgabe", "ingest", "--bestand", "20001 Nr. 1", "--json", "abgabe/", "--out=out/neu", "nirgends", "-", "s3://b/p", "/abs", "."}
	got, shown := absArgs(args, cwd)
	want := []string{"--data", filepath.Join(cwd, "abgabe"), "ingest", "--bestand", "20001 Nr. 1", "--json", filepath.Join(cwd, "abgabe"),
		"--out=" + filepath.Join(cwd, "out", "neu"), "nirgends", "-", "s3://b/p", "/abs", cwd}
	if !slices.Equal(got, want) {
		t.Fatalf("absArgs\n got %q\nwant %q", got, want)
	}
	var b bytes.Buffer
	w := asTyped{&b, shown}
	fmt.Fprintf(w, "ingested %s (folder)\n", filepath.Join(cwd, "abgabe"))
	fmt.Fprintf(w, `{"path":%q,"file":%q,"other":%q,"below":%q,"here":%q}`+"\n", filepath.Join(cwd, "abgabe"), filepath.Join(cwd, "abgabe", "Vermerk.txt"),
		filepath.Join(cwd, "abgabe2"), filepath.Join(cwd, "x.txt"), cwd)
	wantOut := "ingested abgabe (folder)\n" + `{"path":"abgabe","file":"abgabe/Vermerk.txt","other":"` + filepath.Join(cwd, "abgabe2") +
		`","below":"` + filepath.Join(cwd, "x.txt") + `","here":"."}` + "\n"
	if b.String() != wantOut {
		t.Errorf("asTyped\n got %s\nwant %s", b.String(), wantOut)
	}
}

// The daemon reads no environment for the verbs it runs: what the
// caller's set goes as flags, globals in front, the verb's at the end.
func TestEnvFlagsForTheDaemon(t *testing.T) {
	t.Setenv("MAGAZIN_USER", "Schmidt, Clara")
	t.Setenv("MAGAZIN_LOG_LEVEL", "error")
	app := newApp()
	var got []string
	app.Commands = append(app.Commands, &cli.Command{Name: "probe", Flags: []cli.Flag{userFlag(false), &cli.BoolFlag{Name: "json"}},
		Action: func(c *cli.Context) error {
			got = withEnvFlags(c, []string{"probe", "--json", "ARG", "--", "-x"})
			return nil
		}})
	if err := app.Run([]string{"magazin", "probe", "--json", "ARG", "--", "-x"}); err != nil {
		t.Fatal(err)
	}
	want := []string{"--log-level=error", "probe", "--json", "ARG", "--user=Schmidt, Clara", "--", "-x"}
	if !slices.Equal(got, want) {
		t.Fatalf("withEnvFlags\n got %q\nwant %q", got, want)
	}
	// In the daemon the same flags read no environment.
	flags := withoutEnv(globalFlags())
	for _, f := range flags {
		if ev, ok := f.(interface{ GetEnvVars() []string }); ok && len(ev.GetEnvVars()) > 0 {
			t.Errorf("flag %s still reads %v", f.Names()[0], ev.GetEnvVars())
		}
	}
}

// openPTY opens a pseudo-terminal: the master for the test, the slave for
// the command.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("pty: %v", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatalf("pty unlock: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Fatalf("pty number: %v", e)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("pty slave: %v", err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// onTerminal runs magazin on a terminal; answer is called with the
// output so far until the command ends and may type.
func onTerminal(t *testing.T, args []string, answer func(out string, typ func(string))) (string, int) {
	t.Helper()
	m, s := openPTY(t)
	cmd := exec.Command(bin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s, s, s
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	out := &lockedBuffer{}
	go io.Copy(out, m) // ends with an error when the terminal is closed
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	deadline := time.After(120 * time.Second)
	for {
		select {
		case <-done:
			time.Sleep(100 * time.Millisecond) // the rest of the output
			return out.String(), cmd.ProcessState.ExitCode()
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("%v on a terminal did not end:\n%s", args, out)
		case <-time.After(50 * time.Millisecond):
			if answer != nil {
				answer(out.String(), func(s string) { m.WriteString(s) })
			}
		}
	}
}

// On a terminal, through the daemon: the password is asked twice without
// echo as without the daemon, and an ingest draws its progress bar.
func TestVerbsThroughDaemonOnATerminal(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	g := []string{"--data", data}
	mustRun(t, append(g, "ingest", sampleDir(t))...)
	big := filepath.Join(t.TempDir(), "mappe")
	os.MkdirAll(big, 0o755)
	for i := range 3000 {
		os.WriteFile(filepath.Join(big, fmt.Sprintf("Blatt-%05d.txt", i)), []byte(fmt.Sprintf("Blatt %d\n", i)), 0o644)
	}
	p := startDaemon(t, append(g, "serve", "--addr", freeAddr(t), "--audit-every", "0")...)
	defer func() {
		if p.cmd.ProcessState == nil {
			p.kill(t)
		}
	}()
	waitAdmin(t, filepath.Join(data, "admin.sock"), p)

	const pw = "Ein-langes-Passwort-42"
	typed := 0
	out, code := onTerminal(t, append(g, "user", "add", "--name", "Clara Schmidt", "clara@archiv.example"), func(out string, typ func(string)) {
		if n := strings.Count(out, "Password: ") + strings.Count(out, "Again: "); n > typed {
			typed = n
			typ(pw + "\n")
		}
	})
	if code != 0 || typed != 2 || !strings.Contains(out, "clara@archiv.example") || strings.Contains(out, pw) {
		t.Errorf("user add on a terminal: exit %d, %d prompts:\n%s", code, typed, out)
	}
	if r := magazin(t, append(g, "user", "list")...); !strings.Contains(r.stdout, "clara@archiv.example") {
		t.Errorf("user list: %s%s", r.stdout, r.stderr)
	}

	out, code = onTerminal(t, append(g, "ingest", big), nil)
	if code != 0 || !strings.Contains(out, "% |") || !strings.Contains(out, "/3000)") || !strings.Contains(out, "mappe (3000 files)") {
		t.Errorf("ingest on a terminal: exit %d, no progress bar or report:\n%s", code, out)
	}
	if code := p.stop(t); code != 0 {
		t.Errorf("serve exit %d:\n%s", code, p.out)
	}
}
