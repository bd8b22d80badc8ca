package scan

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/internal/corpus"
)

// eicar returns the 68-byte EICAR anti-virus test file. It is built from
// pieces so that this repository never contains it: scanners on
// developers' machines would flag the source file.
func eicar() []byte {
	parts := []string{`X5O!P%@AP[4\PZX54(P^)7CC)7}$`, "EICAR-STANDARD-", "ANTIVIRUS-TEST-", "FILE!$H+H*"}
	return []byte(strings.Join(parts, ""))
}

// The test database (as scripts/clamd.sh writes it; docs in deps.md).
const (
	testHDB = "44d88612fea8a8f36de82e1278abb02f:68:Test.EICAR.MD5\n"
	testNDB = "Test.EICAR.NDB:0:*:45494341522d5354414e444152442d414e544956495255532d544553542d46494c45\n"
)

// clamdScanner returns a Scanner for the clamd named by MAGAZIN_TEST_CLAMD
// (scripts/clamd.sh starts one; make test does), or skips (fails with
// CI=true).
func clamdScanner(t testing.TB) *Scanner {
	t.Helper()
	addr := os.Getenv("MAGAZIN_TEST_CLAMD")
	if addr == "" {
		corpus.Missing(t, "MAGAZIN_TEST_CLAMD is not set: start a clamd with `scripts/clamd.sh start DIR` and source DIR/env (make test does)")
		return nil
	}
	network, address, err := ParseAddress(addr)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Network: network, Address: address, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("MAGAZIN_TEST_CLAMD=%s does not answer: %v", addr, err)
	}
	return s
}

// clamdBinary finds clamd (Debian installs it in /usr/sbin).
func clamdBinary(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("clamd"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/clamd"); err == nil {
		return "/usr/sbin/clamd"
	}
	corpus.Missing(t, "clamd is not installed (scripts/clamd.sh installs it; or apt-get install clamav-daemon)")
	return ""
}

// startClamd starts a clamd of the test's own with the EICAR database and
// the given extra configuration lines; it listens on a unix socket and,
// when tcp is set, on a loopback TCP port. It is stopped at cleanup.
func startClamd(t *testing.T, tcp bool, conf ...string) (unixSock, tcpAddr string) {
	t.Helper()
	bin := clamdBinary(t)
	dir, err := os.MkdirTemp("", "scan-clamd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	db := filepath.Join(dir, "db")
	if err := os.Mkdir(db, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(db, "test.hdb"), []byte(testHDB), 0o644)
	os.WriteFile(filepath.Join(db, "test.ndb"), []byte(testNDB), 0o644)
	unixSock = filepath.Join(dir, "clamd.sock")
	lines := []string{"Foreground yes", "DatabaseDirectory " + db, "LocalSocket " + unixSock,
		"TemporaryDirectory " + dir, "LogFile " + filepath.Join(dir, "clamd.log")}
	if os.Geteuid() == 0 {
		lines = append(lines, "User root")
	}
	if tcp {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		tcpAddr = l.Addr().String()
		l.Close()
		_, port, _ := net.SplitHostPort(tcpAddr)
		lines = append(lines, "TCPAddr 127.0.0.1", "TCPSocket "+port)
	}
	lines = append(lines, conf...)
	cfg := filepath.Join(dir, "clamd.conf")
	if err := os.WriteFile(cfg, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, "-c", cfg)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	s, err := New(Config{Network: "unix", Address: unixSock, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "clamd.log"))
			t.Fatalf("clamd exited: %v\n%s%s", err, out.String(), log)
		default:
		}
		err := s.Ping(context.Background())
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("clamd did not answer: %v\n%s", err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if tcp {
		ts, _ := New(Config{Network: "tcp", Address: tcpAddr, Timeout: time.Second})
		for ts.Ping(context.Background()) != nil {
			if time.Now().After(deadline) {
				t.Fatal("clamd does not answer on TCP")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return unixSock, tcpAddr
}

// fakeClamd listens on a unix socket and hands each connection to serve.
func fakeClamd(t *testing.T, serve func(net.Conn)) *Scanner {
	t.Helper()
	dir, err := os.MkdirTemp("", "scan-fake")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "s")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go serve(c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	s, err := New(Config{Network: "unix", Address: sock, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkGoroutines fails t when, after f, more goroutines run than before
// (after a grace period for goroutines that are just ending).
func checkGoroutines(t *testing.T, f func()) {
	t.Helper()
	before := runtime.NumGoroutine()
	f()
	var now int
	for range 100 {
		if now = runtime.NumGoroutine(); now <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	t.Errorf("goroutines: %d before, %d after\n%s", before, now, buf)
}

func mustStream(t testing.TB, s *Scanner, ctx context.Context) *Stream {
	t.Helper()
	st, err := s.Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// writeIn writes data to w in pieces of n bytes.
func writeIn(w interface{ Write([]byte) (int, error) }, data []byte, n int) {
	for len(data) > 0 {
		k := min(n, len(data))
		if m, err := w.Write(data[:k]); m != k || err != nil {
			panic(fmt.Sprintf("Write returned %d, %v", m, err))
		}
		data = data[k:]
	}
}
