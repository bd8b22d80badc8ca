package scan

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
)

func TestPingVersion(t *testing.T) {
	s := clamdScanner(t)
	v, err := s.Version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v, "ClamAV ") {
		t.Errorf("Version = %q", v)
	}
	t.Logf("Version: %s", v)
}

// zipWith returns a ZIP holding name with data (deflated) and a clean file.
func zipWith(t *testing.T, name string, data []byte, method uint16) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range []struct {
		name string
		data []byte
	}{{"readme.txt", []byte("nothing to see here\n")}, {name, data}} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDetects(t *testing.T) {
	s := clamdScanner(t)
	e := eicar()
	text := append(append([]byte("Sehr geehrte Damen und Herren,\nanbei die Datei:\n"), e...), "\nMit freundlichen Grüßen\n"...)
	nested := zipWith(t, "inner.zip", zipWith(t, "x/test.com", e, zip.Deflate), zip.Store)
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"whole file", e},
		{"inside text", text},
		{"zip deflated", zipWith(t, "dir/eicar.com", e, zip.Deflate)},
		{"zip stored", zipWith(t, "eicar.txt", e, zip.Store)},
		{"zip in zip", nested},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := s.ScanReader(context.Background(), bytes.NewReader(c.data))
			if err != nil {
				t.Fatal(err)
			}
			if !v.Infected || !strings.HasPrefix(v.Signature, "Test.EICAR") {
				t.Fatalf("verdict %+v, want infected with Test.EICAR*", v)
			}
			// The same through the streaming API, one byte at a time.
			st := mustStream(t, s, context.Background())
			writeIn(st, c.data, 1)
			v2, err := st.Verdict()
			if err != nil || v2 != v {
				t.Fatalf("byte-wise stream: %+v, %v; want %+v", v2, err, v)
			}
			p, ok := Problem("a/b.txt", v, nil, false)
			if !ok || p.Code != CodeInfected || p.Severity != preservation.SeverityError || p.Path != "a/b.txt" ||
				!strings.Contains(p.Message, v.Signature) {
				t.Errorf("Problem = %+v, %v", p, ok)
			}
		})
	}
}

func TestClean(t *testing.T) {
	s := clamdScanner(t)
	near := eicar()
	near[bytes.Index(near, []byte("STANDARD"))] = 'Z' // one byte off: neither the MD5 nor the marker match
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"text", []byte("Hallo Welt\n")},
		{"near miss", near},
		{"zip", zipWith(t, "a.txt", []byte("clean"), zip.Deflate)},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := s.ScanReader(context.Background(), bytes.NewReader(c.data))
			if err != nil || v.Infected {
				t.Fatalf("verdict %+v, %v; want clean", v, err)
			}
			if _, ok := Problem("x", v, err, true); ok {
				t.Error("a clean file has a problem")
			}
		})
	}
}

// A large clean stream in many small writes, as the pipeline's io.Copy
// would make them; then EICAR across a chunk boundary at the end of a long
// stream.
func TestLargeStream(t *testing.T) {
	s := clamdScanner(t)
	size := 64 << 20
	if testing.Short() {
		size = 4 << 20
	}
	data := make([]byte, size)
	r := rand.NewChaCha8([32]byte{1})
	r.Read(data)
	st := mustStream(t, s, context.Background())
	writeIn(st, data, 1000)
	v, err := st.Verdict()
	if err != nil || v.Infected {
		t.Fatalf("verdict %+v, %v; want clean", v, err)
	}

	e := eicar()
	off := 3*chunkSize - 30
	copy(data[off:], e) // straddles the third chunk boundary
	st = mustStream(t, s, context.Background())
	writeIn(st, data[:off+len(e)+10000], 4093)
	v, err = st.Verdict()
	if err != nil || !v.Infected {
		t.Fatalf("verdict %+v, %v; want infected", v, err)
	}
}

// Several streams at once (clamd serves connections in parallel), writes
// interleaved.
func TestConcurrentStreams(t *testing.T) {
	s := clamdScanner(t)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			st, err := s.Stream(context.Background())
			if err != nil {
				errs <- err
				return
			}
			defer st.Close()
			data := bytes.Repeat([]byte("sauber "), 10000)
			if i%2 == 1 {
				data = append(data, eicar()...)
			}
			writeIn(st, data, 777)
			v, err := st.Verdict()
			if err != nil {
				errs <- err
			} else if v.Infected != (i%2 == 1) {
				errs <- errors.New("wrong verdict")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// clamd's StreamMaxLength: a clamd of the test's own with a limit of 1 MiB.
func TestStreamMaxLength(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a clamd")
	}
	sock, tcpAddr := startClamd(t, true, "StreamMaxLength 1M")
	data := make([]byte, 3<<20)
	for _, c := range []struct{ network, addr string }{{"unix", sock}, {"tcp", tcpAddr}} {
		t.Run(c.network, func(t *testing.T) {
			s, err := New(Config{Network: c.network, Address: c.addr, Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			checkGoroutines(t, func() {
				// Below the limit: fine, and EICAR is found over this transport.
				v, err := s.ScanReader(context.Background(), bytes.NewReader(append(data[:1<<19:1<<19], eicar()...)))
				if err != nil || !v.Infected {
					t.Fatalf("below the limit: %+v, %v", v, err)
				}
				st := mustStream(t, s, context.Background())
				writeIn(st, data, 32<<10)
				v, err = st.Verdict()
				switch {
				case errors.Is(err, ErrTooLarge):
					p, ok := Problem("big.bin", v, err, true)
					if !ok || p.Code != CodeTooLarge || p.Severity != preservation.SeverityError {
						t.Errorf("Problem = %+v", p)
					}
					t.Logf("%s: %v", c.network, err)
				case c.network == "tcp" && err != nil:
					// Over TCP clamd's reply can be lost to a reset
					// connection: Config.MaxStream is the reliable way.
					t.Logf("tcp: %v (not ErrTooLarge: reply lost to a reset)", err)
				default:
					t.Fatalf("over the limit: %+v, %v; want ErrTooLarge", v, err)
				}
			})
			// clamd still serves.
			if err := s.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Config.MaxStream stops sending without waiting for clamd; needs no clamd
// of its own to refuse.
func TestMaxStream(t *testing.T) {
	s := clamdScanner(t)
	cfg := s.Config()
	cfg.MaxStream = 1000
	small, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	v, err := small.ScanReader(context.Background(), bytes.NewReader(make([]byte, 1000)))
	if err != nil || v.Infected {
		t.Fatalf("exactly MaxStream: %+v, %v", v, err)
	}
	st := mustStream(t, small, context.Background())
	writeIn(st, make([]byte, 1001), 100)
	if !errors.Is(st.Err(), ErrTooLarge) {
		t.Fatalf("Err after 1001 bytes = %v", st.Err())
	}
	writeIn(st, eicar(), 10) // discarded
	if _, err := st.Verdict(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Verdict: %v", err)
	}
	// ScanReader stops reading once the scan failed.
	r := &countingReader{}
	if _, err := small.ScanReader(context.Background(), r); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("ScanReader: %v", err)
	}
	if r.n > 1<<20 {
		t.Errorf("ScanReader read %d bytes after the limit", r.n)
	}
}

type countingReader struct{ n int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	if r.n > 1<<30 {
		return 0, io.EOF
	}
	r.n += int64(len(p))
	return len(p), nil
}

func TestDeadSocket(t *testing.T) {
	dir, err := os.MkdirTemp("", "scan-dead")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// A socket file nobody listens on (connection refused) and no file at all.
	refused := filepath.Join(dir, "refused.sock")
	l, err := net.Listen("unix", refused)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	for _, sock := range []string{refused, filepath.Join(dir, "missing.sock")} {
		s, err := New(Config{Network: "unix", Address: sock, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Ping(context.Background()); err == nil {
			t.Error("Ping of a dead socket succeeded")
		}
		if _, err := s.Version(context.Background()); err == nil {
			t.Error("Version of a dead socket succeeded")
		}
		st, err := s.Stream(context.Background())
		if err == nil || st != nil {
			t.Fatalf("Stream on a dead socket: %v, %v", st, err)
		}
		p, ok := Problem("f", Verdict{}, err, false)
		if !ok || p.Code != CodeFailed || p.Severity != preservation.SeverityWarning {
			t.Errorf("Problem = %+v", p)
		}
		t.Log(p)
		if _, err := s.ScanReader(context.Background(), strings.NewReader("x")); err == nil {
			t.Error("ScanReader on a dead socket succeeded")
		}
	}
	// A TCP port nobody listens on.
	l, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s, _ := New(Config{Network: "tcp", Address: addr, Timeout: time.Second})
	if err := s.Ping(context.Background()); err == nil {
		t.Error("Ping of a closed TCP port succeeded")
	}
}

// clamd dies mid-stream: the connection breaks, writes go on without
// error, Verdict reports the failure.
func TestConnectionLost(t *testing.T) {
	s := fakeClamd(t, func(c net.Conn) {
		io.CopyN(io.Discard, c, 100<<10)
		c.Close()
	})
	checkGoroutines(t, func() {
		st := mustStream(t, s, context.Background())
		writeIn(st, make([]byte, 4<<20), 32<<10)
		if st.Err() == nil {
			t.Error("Err is nil after the connection broke")
		}
		_, err := st.Verdict()
		if err == nil || errors.Is(err, ErrTooLarge) {
			t.Fatalf("Verdict: %v", err)
		}
		t.Log(err)
	})
}

// A clamd that takes the stream but never answers, and one that does not
// even read: Config.Timeout bounds each write and the wait for the verdict.
func TestTimeout(t *testing.T) {
	t.Run("no verdict", func(t *testing.T) {
		s := fakeClamd(t, func(c net.Conn) { io.Copy(io.Discard, c) })
		checkGoroutines(t, func() {
			st := mustStream(t, s, context.Background())
			writeIn(st, []byte("hello"), 2)
			start := time.Now()
			_, err := st.Verdict()
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("Verdict: %v", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Verdict took %v", d)
			}
		})
	})
	t.Run("not reading", func(t *testing.T) {
		s := fakeClamd(t, func(c net.Conn) {})
		checkGoroutines(t, func() {
			st := mustStream(t, s, context.Background())
			start := time.Now()
			writeIn(st, make([]byte, 64<<20), 32<<10)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("writes took %v", d)
			}
			_, err := st.Verdict()
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("Verdict: %v", err)
			}
			p, ok := Problem("f", Verdict{}, err, true)
			if !ok || p.Code != CodeFailed || p.Severity != preservation.SeverityError {
				t.Errorf("Problem = %+v", p)
			}
		})
	})
	t.Run("ping", func(t *testing.T) {
		s := fakeClamd(t, func(c net.Conn) { io.Copy(io.Discard, c) })
		if err := s.Ping(context.Background()); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("Ping: %v", err)
		}
	})
}

func TestCancel(t *testing.T) {
	t.Run("real clamd", func(t *testing.T) {
		s := clamdScanner(t)
		checkGoroutines(t, func() {
			ctx, cancel := context.WithCancel(context.Background())
			st := mustStream(t, s, ctx)
			writeIn(st, make([]byte, 1<<20), 32<<10)
			cancel()
			writeIn(st, make([]byte, 1<<20), 32<<10) // discarded once the closed connection shows
			writeIn(st, eicar(), 1)
			if _, err := st.Verdict(); !errors.Is(err, context.Canceled) {
				t.Fatalf("Verdict: %v", err)
			}
			if _, ok := Problem("f", Verdict{}, context.Canceled, true); ok {
				t.Error("cancellation is a problem")
			}
		})
	})
	t.Run("blocked write", func(t *testing.T) {
		// clamd does not read: the write blocks until ctx is cancelled,
		// well before the (long) timeout.
		s := fakeClamd(t, func(c net.Conn) {})
		cfg := s.Config()
		cfg.Timeout = time.Minute
		s, _ = New(cfg)
		checkGoroutines(t, func() {
			ctx, cancel := context.WithCancel(context.Background())
			st := mustStream(t, s, ctx)
			time.AfterFunc(100*time.Millisecond, cancel)
			start := time.Now()
			writeIn(st, make([]byte, 64<<20), 32<<10)
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("cancelled writes took %v", d)
			}
			if _, err := st.Verdict(); !errors.Is(err, context.Canceled) {
				t.Fatalf("Verdict: %v", err)
			}
		})
	})
	t.Run("waiting for verdict", func(t *testing.T) {
		s := fakeClamd(t, func(c net.Conn) { io.Copy(io.Discard, c) })
		cfg := s.Config()
		cfg.Timeout = time.Minute
		s, _ = New(cfg)
		ctx, cancel := context.WithCancel(context.Background())
		st := mustStream(t, s, ctx)
		time.AfterFunc(100*time.Millisecond, cancel)
		if _, err := st.Verdict(); !errors.Is(err, context.Canceled) {
			t.Fatalf("Verdict: %v", err)
		}
	})
	t.Run("before", func(t *testing.T) {
		s := fakeClamd(t, func(c net.Conn) {})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := s.Stream(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Stream: %v", err)
		}
		if _, err := s.ScanReader(ctx, strings.NewReader("x")); !errors.Is(err, context.Canceled) {
			t.Fatalf("ScanReader: %v", err)
		}
		if err := s.Ping(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Ping: %v", err)
		}
	})
}

// Writes after Verdict or Close, a second Verdict, Close from another
// goroutine while writing: no panic, no error from Write.
func TestMisuse(t *testing.T) {
	s := fakeClamd(t, func(c net.Conn) {
		readInstream(c)
		c.Write([]byte("stream: OK\x00"))
	})
	checkGoroutines(t, func() {
		st := mustStream(t, s, context.Background())
		writeIn(st, []byte("abc"), 1)
		v, err := st.Verdict()
		if err != nil || v.Infected {
			t.Fatalf("Verdict: %+v, %v", v, err)
		}
		writeIn(st, []byte("more"), 1)
		if v2, err2 := st.Verdict(); v2 != v || err2 != err {
			t.Error("second Verdict differs")
		}
		st.Close()
		st.Close()

		st = mustStream(t, s, context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			writeIn(st, make([]byte, 8<<20), 1000)
		}()
		st.Close()
		<-done
		if _, err := st.Verdict(); err == nil {
			t.Error("Verdict after Close succeeded")
		}
	})
}

// readInstream reads an INSTREAM command and its chunks as clamd does and
// returns the data.
func readInstream(c net.Conn) ([]byte, error) {
	cmd := make([]byte, len("zINSTREAM\x00"))
	if _, err := io.ReadFull(c, cmd); err != nil {
		return nil, err
	}
	if string(cmd) != "zINSTREAM\x00" {
		return nil, errors.New("not INSTREAM")
	}
	var data []byte
	for {
		var hdr [4]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return nil, err
		}
		n := binary.BigEndian.Uint32(hdr[:])
		if n == 0 {
			return data, nil
		}
		if n > chunkSize {
			return nil, errors.New("chunk too large")
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(c, buf); err != nil {
			return nil, err
		}
		data = append(data, buf...)
	}
}

// The chunks carry exactly the bytes written, whatever the write sizes.
func TestChunking(t *testing.T) {
	got := make(chan []byte, 1)
	s := fakeClamd(t, func(c net.Conn) {
		data, err := readInstream(c)
		if err != nil {
			c.Write([]byte("bad framing ERROR\x00"))
			return
		}
		got <- data
		c.Write([]byte("stream: OK\x00"))
	})
	data := make([]byte, 3*chunkSize+123)
	rand.NewChaCha8([32]byte{2}).Read(data)
	for _, size := range []int{1, 1000, chunkSize - 1, chunkSize, chunkSize + 1, 3 * chunkSize, len(data)} {
		st := mustStream(t, s, context.Background())
		writeIn(st, data, size)
		if _, err := st.Verdict(); err != nil {
			t.Fatalf("writes of %d: %v", size, err)
		}
		if !bytes.Equal(<-got, data) {
			t.Fatalf("writes of %d: clamd got other bytes", size)
		}
	}
}

func TestParseVerdict(t *testing.T) {
	for _, c := range []struct {
		reply    string
		v        Verdict
		tooLarge bool
		reply2   bool // a *ReplyError
	}{
		{"stream: OK", Verdict{}, false, false},
		{"stream: Win.Test.EICAR_HDB-1 FOUND", Verdict{true, "Win.Test.EICAR_HDB-1"}, false, false},
		{"stream: Sig With Spaces FOUND", Verdict{true, "Sig With Spaces"}, false, false},
		{"stream: Heuristics.Limits.Exceeded.MaxFileSize FOUND", Verdict{}, true, false},
		{"INSTREAM size limit exceeded. ERROR", Verdict{}, true, false},
		{"Can't create temporary file ERROR", Verdict{}, false, true},
		{"UNKNOWN COMMAND", Verdict{}, false, true},
		{"", Verdict{}, false, true},
	} {
		v, err := parseVerdict(c.reply)
		var re *ReplyError
		if v != c.v || errors.Is(err, ErrTooLarge) != c.tooLarge || errors.As(err, &re) != c.reply2 {
			t.Errorf("%q: %+v, %v", c.reply, v, err)
		}
	}
}

func TestParseAddress(t *testing.T) {
	for _, c := range []struct{ in, network, addr string }{
		{"unix:/run/clamav/clamd.ctl", "unix", "/run/clamav/clamd.ctl"},
		{"/run/clamd.sock", "unix", "/run/clamd.sock"},
		{"tcp:127.0.0.1:3310", "tcp", "127.0.0.1:3310"},
		{"clamav.example:3310", "tcp", "clamav.example:3310"},
		{"unix:", "", ""},
		{"tcp:nohost", "", ""},
	} {
		n, a, err := ParseAddress(c.in)
		if n != c.network || a != c.addr || (err != nil) != (c.network == "") {
			t.Errorf("%q: %q %q %v", c.in, n, a, err)
		}
	}
	for _, cfg := range []Config{{}, {Network: "udp", Address: "x:1"}, {Network: "tcp", Address: "nohost"},
		{Network: "unix"}, {Network: "unix", Address: "/x", Timeout: -1}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
	s, err := New(Config{Network: "unix", Address: "/x"})
	if err != nil || s.Config().Timeout != DefaultTimeout {
		t.Errorf("defaults: %+v, %v", s, err)
	}
}

func TestCodesDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "problem-codes.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## scan\n")
	if !ok {
		t.Fatal(`docs/problem-codes.md has no "## scan" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	pkgdoc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{CodeInfected, CodeFailed, CodeTooLarge} {
		if !strings.Contains(section, "| `"+code+"` |") {
			t.Errorf("%s is not in the scan section of docs/problem-codes.md", code)
		}
		if !strings.Contains(string(pkgdoc), code) {
			t.Errorf("%s is not in the package documentation", code)
		}
	}
}

// With AlertExceedsMax, a stream over clamd's MaxFileSize is reported as a
// Heuristics.Limits.Exceeded finding, which is ErrTooLarge, not infected;
// without it, clamd reports such a stream as clean without scanning it.
func TestAlertExceedsMax(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a clamd")
	}
	sock, _ := startClamd(t, false, "MaxFileSize 1M", "AlertExceedsMax yes")
	s, err := New(Config{Network: "unix", Address: sock, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	data := append(make([]byte, 2<<20), eicar()...)
	v, err := s.ScanReader(context.Background(), bytes.NewReader(data))
	if !errors.Is(err, ErrTooLarge) || v.Infected {
		t.Fatalf("%+v, %v; want ErrTooLarge", v, err)
	}
	t.Log(err)
	p, ok := Problem("big", v, err, false)
	if !ok || p.Code != CodeTooLarge || p.Severity != preservation.SeverityWarning {
		t.Errorf("Problem = %+v", p)
	}
}
