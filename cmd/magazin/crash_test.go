package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/jobs"
)

// crashSource is the 3.0.0 transfer the crash test varies.
const crashPID = "9f313771-97ce-4536-b3de-2721748af32c"

// makeTransfer writes variant n of the 3.0.0 transfer (0503 container)
// into dir: its own process id and text files of its own, so that its two
// AIPs have fingerprints of their own. A broken variant lacks a primary
// file its message names, and must be rejected and quarantined.
func makeTransfer(t *testing.T, dir string, n int, broken bool) (name, pid string) {
	t.Helper()
	src, _ := filepath.Abs(filepath.Join("../../testdata/xdomea/3.0.0", crashPID+"_Aussonderung.Aussonderung.0503"))
	pid = fmt.Sprintf("%s-%012d", crashPID[:23], n)
	name = pid + "_Aussonderung.Aussonderung.0503.zip"
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	es, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fn := e.Name()
		switch {
		case strings.HasSuffix(fn, ".0503.xml"):
			b = bytes.ReplaceAll(b, []byte(crashPID), []byte(pid))
			fn = strings.ReplaceAll(fn, crashPID, pid)
		case strings.HasSuffix(fn, ".txt"):
			if broken && strings.Contains(fn, "Lageplan") {
				continue
			}
			b = append(b, fmt.Sprintf("\nVariante %d\n", n)...)
		}
		w, err := zw.Create(fn)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return name, pid
}

// daemonProc is a `magazin serve` the test kills.
type daemonProc struct {
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan error
}

// lockedBuffer collects a daemon's output, written by exec's copying
// goroutine while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startDaemon(t *testing.T, args ...string) *daemonProc {
	t.Helper()
	p := &daemonProc{out: &lockedBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	return p
}

func (p *daemonProc) kill(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and returns the exit code.
func (p *daemonProc) stop(t *testing.T) int {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		p.cmd.Process.Kill()
		t.Fatalf("serve did not stop on SIGTERM:\n%s", p.out)
	}
	return p.cmd.ProcessState.ExitCode()
}

// agencyCollector plays the agency's system: it takes every reply out of
// the outbox as soon as it appears and counts it by name, so a reply
// written twice shows as a count of 2.
type agencyCollector struct {
	mu     sync.Mutex
	got    map[string]int
	stop   chan struct{}
	done   chan struct{}
	outbox string
	keep   string
}

func collectReplies(t *testing.T, outbox, keep string) *agencyCollector {
	a := &agencyCollector{got: map[string]int{}, stop: make(chan struct{}), done: make(chan struct{}), outbox: outbox, keep: keep}
	os.MkdirAll(keep, 0o755)
	go func() {
		defer close(a.done)
		for {
			a.sweep()
			select {
			case <-a.stop:
				a.sweep()
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return a
}

func (a *agencyCollector) sweep() {
	es, _ := os.ReadDir(a.outbox)
	for _, e := range es {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		a.mu.Lock()
		a.got[e.Name()]++
		n := a.got[e.Name()]
		a.mu.Unlock()
		os.Rename(filepath.Join(a.outbox, e.Name()), filepath.Join(a.keep, e.Name()+"."+strconv.Itoa(n)))
	}
}

func (a *agencyCollector) close() map[string]int {
	close(a.stop)
	<-a.done
	return a.got
}

// adminJobs lists the jobs through a running daemon's admin socket; nil
// when it does not answer (yet).
func adminJobs(sock string) []jobs.Job {
	var js []jobs.Job
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := newAdminClient("unix:"+sock).do(ctx, http.MethodGet, "/admin/api/jobs", nil, &js); err != nil {
		return nil
	}
	return js
}

func waitAdmin(t *testing.T, sock string, p *daemonProc) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var js []jobs.Job
		if err := newAdminClient("unix:"+sock).do(context.Background(), http.MethodGet, "/admin/api/jobs", nil, &js); err == nil {
			return
		}
		select {
		case err := <-p.done:
			t.Fatalf("serve exited: %v\n%s", err, p.out)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("the admin API did not answer:\n%s", p.out)
}

// TestCrashKillRestart kills `magazin serve` with SIGKILL at random
// (seeded) moments while agencies' transfers arrive in its hot folder and
// restarts it, MAGAZIN_CRASH_ROUNDS times (default 5; `make soak` runs
// 50): 20 new transfers (two of them broken) for every 5 kills. After
// each campaign every transfer has exactly one job, done; a good one is
// in exactly its two AIPs, a broken one in none but quarantined with its
// problems; no two AIPs share a fingerprint, every AIP verifies, a
// rebuild from storage finds the same AIPs (no orphan stored twice), and
// the agency received every reply once.
func TestCrashKillRestart(t *testing.T) {
	rounds := 5
	if v := os.Getenv("MAGAZIN_CRASH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("MAGAZIN_CRASH_ROUNDS=%q: want a number ≥ 1", v)
		}
		rounds = n
	}
	seed := uint64(20261126)
	if v := os.Getenv("MAGAZIN_CRASH_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("MAGAZIN_CRASH_SEED=%q", v)
		}
		seed = n
	}
	t.Logf("%d kills, seed %d (MAGAZIN_CRASH_SEED)", rounds, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	tmp := t.TempDir()
	data := filepath.Join(tmp, "d")
	agencyDir := filepath.Join(tmp, "lra")
	inbox, outbox := filepath.Join(agencyDir, "inbox"), filepath.Join(agencyDir, "outbox")
	sock := filepath.Join(tmp, "admin.sock")
	g := []string{"--data", data, "--log-level", "info"}
	mustRun(t, append(g, "bestand", "add", "--signatur", "30010", "--title", "Landratsamt Musterkreis")...)
	mustRun(t, append(g, "agency", "add", "psw:14999000", "--name", "Landratsamt Musterkreis", "--bestand", "30010", "--dir", agencyDir)...)
	serveArgs := append(append([]string(nil), g...), "serve", "--addr", "127.0.0.1:0", "--admin-addr", "unix:"+sock,
		"--poll", "50ms", "--settle", "150ms", "--audit-every", "0", "--shutdown-grace", "20s")
	agency := collectReplies(t, outbox, filepath.Join(tmp, "fetched"))
	defer agency.close()

	staged := filepath.Join(tmp, "staged")
	os.MkdirAll(staged, 0o755)
	var subs []crashSub
	const perCampaign, killsPerCampaign = 20, 5
	kills := 0
	for campaign := 0; kills < rounds; campaign++ {
		var batch []crashSub
		for i := range perCampaign {
			n := campaign*perCampaign + i + 1
			broken := i%10 == 7
			name, pid := makeTransfer(t, staged, n, broken)
			batch = append(batch, crashSub{name, pid, broken})
		}
		subs = append(subs, batch...)
		k := min(killsPerCampaign, rounds-kills)
		for r := range k {
			p := startDaemon(t, serveArgs...)
			waitAdmin(t, sock, p)
			// This round's share of the batch arrives, copied under a
			// temporary name and renamed, as agency systems do.
			for i := r * perCampaign / k; i < (r+1)*perCampaign/k; i++ {
				src := filepath.Join(staged, batch[i].name)
				tmpName := filepath.Join(inbox, batch[i].name+".part")
				b, _ := os.ReadFile(src)
				os.WriteFile(tmpName, b, 0o644)
				os.Rename(tmpName, filepath.Join(inbox, batch[i].name))
			}
			wait := time.Duration(200+rng.IntN(2800)) * time.Millisecond
			time.Sleep(wait)
			p.kill(t)
			kills++
			t.Logf("campaign %d: kill %d after %s", campaign+1, kills, wait)
		}
		// The last start runs to the end.
		p := startDaemon(t, serveArgs...)
		waitAdmin(t, sock, p)
		deadline := time.Now().Add(5 * time.Minute)
		for {
			js := adminJobs(sock)
			finished := 0
			for _, j := range js {
				if j.Terminal() {
					finished++
				}
			}
			left, _ := os.ReadDir(inbox)
			if finished == len(subs) && len(js) == len(subs) && len(left) == 0 {
				break
			}
			if time.Now().After(deadline) {
				p.kill(t)
				t.Fatalf("campaign %d: %d of %d jobs finished, %d jobs, %d files in the inbox:\n%s", campaign+1, finished, len(subs), len(js), len(left), p.out)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if code := p.stop(t); code != 0 {
			t.Fatalf("serve exited %d after SIGTERM:\n%s", code, p.out)
		}
		checkCrashCampaign(t, data, g, subs, agency)
	}
}

// crashSub is one transfer of the crash test.
type crashSub struct {
	name, pid string
	broken    bool
}

func checkCrashCampaign(t *testing.T, data string, g []string, subs []crashSub, agency *agencyCollector) {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.Open(catalog.DefaultDir(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	q := jobs.New(cat)
	js, err := q.List(ctx, jobs.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	jobOf := map[string][]jobs.Job{}
	for _, j := range js {
		jobOf[j.Name] = append(jobOf[j.Name], j)
	}
	aipsOf := map[string]int{}
	fps := map[string]string{}
	total := 0
	for a, err := range cat.AIPs(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		total++
		aipsOf[a.Submission]++
		if other, ok := fps[a.Fingerprint]; ok {
			t.Errorf("AIPs %s and %s share a fingerprint (submission %s)", other, a.ID, a.Submission)
		}
		fps[a.Fingerprint] = string(a.ID)
	}
	cat.Close()
	for _, s := range subs {
		jj := jobOf[s.name]
		if len(jj) != 1 {
			t.Errorf("%s: %d jobs, want 1", s.name, len(jj))
			continue
		}
		j := jj[0]
		if j.State != jobs.Done {
			t.Errorf("%s: job %s is %s (%s)", s.name, j.ID, j.State, j.LastError)
			continue
		}
		var res xdomeaResult
		if err := json.Unmarshal(j.Result, &res); err != nil {
			t.Errorf("%s: result %s: %v", s.name, j.Result, err)
			continue
		}
		if s.broken {
			if res.OK || res.Quarantine == "" || len(res.Problems) == 0 || aipsOf[s.name] != 0 {
				t.Errorf("%s (broken): ok %v, quarantine %q, problems %v, %d AIPs", s.name, res.OK, res.Quarantine, res.Problems, aipsOf[s.name])
			} else if _, err := os.Stat(res.Quarantine); err != nil {
				t.Errorf("%s: quarantine %s: %v", s.name, res.Quarantine, err)
			}
		} else if !res.OK || aipsOf[s.name] != 2 {
			t.Errorf("%s: ok %v, %d AIPs of this submission, want 2 (problems %v)", s.name, res.OK, aipsOf[s.name], res.Problems)
		}
	}
	if len(js) != len(subs) {
		t.Errorf("%d jobs for %d transfers", len(js), len(subs))
	}
	resumed := 0
	for _, j := range js {
		if j.Attempts > 1 {
			resumed++
		}
	}
	t.Logf("%d of %d jobs ran more than once (resumed after a kill)", resumed, len(js))
	mustRun(t, append(g, "aip", "verify", "--all")...)
	// Storage is the truth: a rebuild finds exactly the catalogued AIPs,
	// so no crash left a second copy of any transfer in storage.
	mustRun(t, append(g, "rebuild")...)
	cat, err = catalog.Open(catalog.DefaultDir(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	rebuilt := 0
	for _, err := range cat.AIPs(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		rebuilt++
	}
	cat.Close()
	if rebuilt != total {
		t.Errorf("rebuild from storage finds %d AIPs, the catalog had %d", rebuilt, total)
	}
	// The agency received each reply once: a 0506 for every transfer, a
	// 0507 for every good one.
	time.Sleep(100 * time.Millisecond)
	agency.mu.Lock()
	defer agency.mu.Unlock()
	for name, n := range agency.got {
		if n != 1 {
			t.Errorf("reply %s was sent %d times", name, n)
		}
	}
	for _, s := range subs {
		if agency.got[s.pid+"_Aussonderung.AussonderungImportBestaetigen.0506.xml"] == 0 {
			t.Errorf("%s: no 0506", s.name)
		}
		if !s.broken && agency.got[s.pid+"_Aussonderung.AussonderungEmpfangBestaetigen.0507.xml"] == 0 {
			t.Errorf("%s: no 0507", s.name)
		}
	}
}
