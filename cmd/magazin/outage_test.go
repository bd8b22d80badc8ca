package main

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/preservation/store/retry"
)

// s3Server is a versitygw of the test's own (scripts/s3server.sh), which
// the test stops and starts again on the same port, data and credentials.
type s3Server struct {
	dir  string
	port string
	env  []string // AWS_* settings for magazin
	url  string   // store URL with a prefix of its own
}

var endpointPort = regexp.MustCompile(`endpoint=127\.0\.0\.1:([0-9]+)`)

func startS3Server(t *testing.T, dir string) *s3Server {
	t.Helper()
	s := &s3Server{dir: dir}
	s.start(t)
	t.Cleanup(func() { s.stop(t) })
	return s
}

func (s *s3Server) script(t *testing.T, args ...string) {
	t.Helper()
	script, err := filepath.Abs("../../scripts/s3server.sh")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(script, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("s3server.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// start starts the server; again on the same port after the first time.
func (s *s3Server) start(t *testing.T) {
	t.Helper()
	args := []string{"start", s.dir}
	if s.port != "" {
		args = append(args, s.port)
	}
	s.script(t, args...)
	b, err := os.ReadFile(filepath.Join(s.dir, "env"))
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		kv, ok := strings.CutPrefix(sc.Text(), "export ")
		if !ok {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		v = strings.Trim(v, "'")
		if k == "MAGAZIN_TEST_S3" {
			m := endpointPort.FindStringSubmatch(v)
			if m == nil {
				t.Fatalf("no port in %s", v)
			}
			if s.port != "" && m[1] != s.port {
				t.Fatalf("server came back on port %s, not %s", m[1], s.port)
			}
			s.port = m[1]
			s.url = strings.Replace(v, "s3://magazin-test?", "s3://magazin-test/outage?", 1)
			continue
		}
		env = append(env, k+"="+v)
	}
	s.env = env
}

func (s *s3Server) stop(t *testing.T) {
	t.Helper()
	s.script(t, "stop", s.dir)
}

// safeBuffer collects the output of a running process.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// background is a magazin process running while the test looks on.
type background struct {
	cmd            *exec.Cmd
	stdout, stderr safeBuffer
	done           chan struct{}
	code           int
}

func startMagazin(t *testing.T, env []string, args ...string) *background {
	t.Helper()
	p := &background{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := p.cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			p.code = ee.ExitCode()
		} else if err != nil {
			p.code = -1
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

func (p *background) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// waitFor waits until the process's stderr contains s.
func (p *background) waitFor(t *testing.T, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(p.stderr.String(), s) {
		if !p.running() {
			t.Fatalf("magazin ended (exit %d) before saying %q\nstdout: %s\nstderr: %s", p.code, s, p.stdout.String(), p.stderr.String())
		}
		if time.Now().After(deadline) {
			t.Fatalf("magazin did not say %q within %v\nstderr: %s", s, timeout, p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// exit waits for the process to end and returns its exit code.
func (p *background) exit(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(timeout):
		t.Fatalf("magazin still running after %v\nstderr: %s", timeout, p.stderr.String())
		return 0
	}
}

func magazinEnv(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("magazin %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, o.String(), e.String())
	}
	return o.String()
}

var rootSidecar = regexp.MustCompile(`ocfl/[0-9a-f]{3}/[0-9a-f]{3}/[0-9a-f]{3}/[0-9a-f]{64}/inventory\.json\.sha512$`)

// objectFiles walks dir and returns the content files of OCFL objects
// (below a version directory) and the root inventory sidecars, which
// mark complete objects.
func objectFiles(t *testing.T, dir string) (content, sidecars []string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || d.IsDir() {
			return err
		}
		p = filepath.ToSlash(p)
		switch {
		case rootSidecar.MatchString(p):
			sidecars = append(sidecars, p)
		case strings.Contains(p, "/v1/content/"):
			content = append(content, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return content, sidecars
}

// An S3 replica stopped during an ingest: the ingest waits, saying so,
// while no store holds a complete object and nothing is listed; when the
// server is back the ingest completes, and the AIP verifies in both
// stores. Interrupted while it waits, an ingest ends at once and leaves
// nothing behind. A verification started while the server is down waits
// for it as well.
func TestIngestWaitsForStoppedS3(t *testing.T) {
	if os.Getenv("MAGAZIN_TEST_S3") == "" {
		corpus.Missing(t, "MAGAZIN_TEST_S3 not set: no S3 server (make test starts one, and installs versitygw)")
	}
	tmp := t.TempDir()
	srv := startS3Server(t, filepath.Join(tmp, "s3"))
	fsDir := filepath.Join(tmp, "fs")
	g := []string{"--data", filepath.Join(tmp, "data"), "--store", "file://" + fsDir, "--store", srv.url, "--store-wait", "5m"}
	magazinEnv(t, srv.env, append(g, "store", "init")...)
	s3Data := filepath.Join(srv.dir, "data")

	srv.stop(t)
	// Ctrl-C while waiting: magazin stops at once, and leaves nothing.
	intr := startMagazin(t, srv.env, append(g, "ingest", "--profile", "folder", sampleDir(t))...)
	intr.waitFor(t, "waiting for store s3://magazin-test/outage", 3*time.Minute)
	if err := intr.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := intr.exit(t, 30*time.Second); code != 130 {
		t.Errorf("interrupted ingest: exit %d, want 130\nstderr: %s", code, intr.stderr.String())
	}
	if content, sidecars := objectFiles(t, fsDir); len(content)+len(sidecars) != 0 {
		t.Errorf("the interrupted ingest left %s %s", content, sidecars)
	}
	if l := listAIPs(t, g...); len(l) != 0 {
		t.Errorf("aip list after the interrupted ingest = %+v", l)
	}

	ing := startMagazin(t, srv.env, append(g, "ingest", "--profile", "folder", sampleDir(t))...)
	ing.waitFor(t, "waiting for store s3://magazin-test/outage", 3*time.Minute)
	if !strings.Contains(ing.stderr.String(), "--store-wait 5m0s") {
		t.Errorf("the notice does not say how long magazin waits:\n%s", ing.stderr.String())
	}
	// The local replica has the files, but no store a complete object.
	for range 3 {
		content, sidecars := objectFiles(t, fsDir)
		if len(content) == 0 {
			t.Errorf("no content in the file store while the ingest waits")
		}
		if len(sidecars) != 0 {
			t.Errorf("complete object in the file store while S3 is down: %s", sidecars)
		}
		if _, sidecars := objectFiles(t, s3Data); len(sidecars) != 0 {
			t.Errorf("complete object in the S3 store's data while it is down: %s", sidecars)
		}
		if !ing.running() {
			t.Fatalf("ingest ended (exit %d) while S3 is down\nstderr: %s", ing.code, ing.stderr.String())
		}
		time.Sleep(time.Second)
	}

	srv.start(t)
	if code := ing.exit(t, 3*time.Minute); code != 0 {
		t.Fatalf("ingest exit %d after S3 returned\nstdout: %s\nstderr: %s", code, ing.stdout.String(), ing.stderr.String())
	}
	if !strings.Contains(ing.stdout.String(), "ingested") || !strings.Contains(ing.stderr.String(), "is back after") {
		t.Errorf("ingest said:\nstdout: %s\nstderr: %s", ing.stdout.String(), ing.stderr.String())
	}
	t.Logf("ingest said:\n%s", ing.stderr.String())
	list := listAIPs(t, g...)
	if len(list) != 1 || list[0].Files != 5 {
		t.Fatalf("aip list = %+v, want the one AIP", list)
	}
	for _, dir := range []string{fsDir, s3Data} {
		if _, sidecars := objectFiles(t, dir); len(sidecars) != 1 {
			t.Errorf("%s: %d complete objects, want 1", dir, len(sidecars))
		}
	}
	// Each store on its own holds the whole AIP.
	magazinEnv(t, srv.env, "--data", filepath.Join(tmp, "data"), "--store", "file://"+fsDir, "aip", "verify", "--all")
	magazinEnv(t, srv.env, "--data", filepath.Join(tmp, "data"), "--store", srv.url, "aip", "verify", "--all")

	// A verification waits for a stopped server, too.
	srv.stop(t)
	ver := startMagazin(t, srv.env, append(g, "aip", "verify", "--all")...)
	ver.waitFor(t, "waiting for store s3://magazin-test/outage", 3*time.Minute)
	srv.start(t)
	if code := ver.exit(t, 3*time.Minute); code != 0 {
		t.Fatalf("aip verify exit %d after S3 returned\nstdout: %s\nstderr: %s", code, ver.stdout.String(), ver.stderr.String())
	}
	t.Logf("verify said:\n%s", ver.stderr.String())
}

func TestStoreNotices(t *testing.T) {
	var b strings.Builder
	notify := storeNotices(&b, 15*time.Minute)
	since := time.Date(2026, 11, 26, 14, 2, 11, 0, time.Local)
	down := retry.Event{Store: "s3://archiv", Op: "put", Key: "k", Since: since, Attempt: 1, Delay: time.Second, Err: errors.New("connection refused")}
	notify(down)
	down.Attempt = 2
	notify(down)                                                              // within the minute: quiet
	notify(retry.Event{Store: "file:///srv/store", Since: since, Back: true}) // never said to be down: quiet
	notify(retry.Event{Store: "s3://archiv", Since: since, Back: true})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("notices:\n%s\nwant one for the wait, one for the return", b.String())
	}
	for _, want := range []string{"waiting for store s3://archiv", "since 14:02:11", "connection refused", "until 14:17:11 at the latest (--store-wait 15m0s)"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("notice %q lacks %q", lines[0], want)
		}
	}
	if !strings.HasPrefix(lines[1], "magazin: store s3://archiv is back after ") {
		t.Errorf("notice %q", lines[1])
	}
	b.Reset()
	storeNotices(&b, 0)(down)
	if !strings.Contains(b.String(), "until it returns or magazin is interrupted (Ctrl-C)") {
		t.Errorf("notice without a limit: %q", b.String())
	}
}
