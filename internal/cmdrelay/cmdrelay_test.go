package cmdrelay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serve runs h on a unix socket, as the daemon's admin API does.
func serve(t *testing.T, run RunFunc) *Client {
	t.Helper()
	c, _ := serveOn(t, func(*http.Server) RunFunc { return run })
	return c
}

func serveOn(t *testing.T, mk func(*http.Server) RunFunc) (*Client, *http.Server) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "s.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ErrorLog: log.New(io.Discard, "", 0)}
	srv.Handler = Handler(mk(srv))
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}
	return &Client{HTTP: &http.Client{Transport: tr}, URL: "http://x/run", CancelWait: 5 * time.Second}, srv
}

func TestRunStreamsAndExitCode(t *testing.T) {
	c := serve(t, func(ctx context.Context, req Request, stdin io.Reader, stdout, stderr io.Writer) int {
		in, err := io.ReadAll(stdin)
		if err != nil {
			return 99
		}
		fmt.Fprintf(stdout, "args=%s terminal=%v\n", strings.Join(req.Args, ","), req.Terminal)
		fmt.Fprintf(stdout, "stdin=%s", in)
		fmt.Fprintln(stderr, "warn")
		return 3
	})
	var o, e bytes.Buffer
	big := strings.Repeat("x", 3<<20) // more than a frame
	code, err := c.Run(context.Background(), Request{Args: []string{"aip", "list"}, Terminal: true}, strings.NewReader(big), &o, &e)
	if err != nil {
		t.Fatal(err)
	}
	if code != 3 || e.String() != "warn\n" || o.String() != "args=aip,list terminal=true\nstdin="+big {
		t.Fatalf("code %d, stderr %q, stdout %d bytes", code, e.String(), o.Len())
	}
}

// A run that never reads its stdin still ends, and its output comes while
// the client's stdin stays open.
func TestRunIgnoresUnreadStdin(t *testing.T) {
	c := serve(t, func(ctx context.Context, req Request, stdin io.Reader, stdout, stderr io.Writer) int {
		fmt.Fprint(stdout, "hello")
		return 0
	})
	pr, pw := io.Pipe() // never written: like a terminal nobody types at
	defer pw.Close()
	var o, e bytes.Buffer
	code, err := c.Run(context.Background(), Request{}, pr, &o, &e)
	if err != nil || code != 0 || o.String() != "hello" {
		t.Fatalf("code %d err %v out %q", code, err, o.String())
	}
}

func TestCancelReachesTheRun(t *testing.T) {
	started := make(chan struct{})
	c := serve(t, func(ctx context.Context, req Request, stdin io.Reader, stdout, stderr io.Writer) int {
		close(started)
		<-ctx.Done()
		fmt.Fprintln(stderr, "stopped:", ctx.Err())
		return 130
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	var o, e bytes.Buffer
	pr, pw := io.Pipe()
	defer pw.Close()
	code, err := c.Run(ctx, Request{}, pr, &o, &e)
	if err != nil || code != 130 || e.String() != "stopped: context canceled\n" {
		t.Fatalf("code %d err %v stderr %q", code, err, e.String())
	}
}

// The server going away mid-run (a daemon killed) is an error of the
// relay, not an exit code.
func TestBrokenStream(t *testing.T) {
	c, _ := serveOn(t, func(srv *http.Server) RunFunc {
		return func(ctx context.Context, req Request, stdin io.Reader, stdout, stderr io.Writer) int {
			fmt.Fprintln(stdout, "begun")
			srv.Close()
			<-ctx.Done()
			return 0
		}
	})
	var o bytes.Buffer
	_, err := c.Run(context.Background(), Request{}, strings.NewReader(""), &o, io.Discard)
	if !errors.Is(err, ErrBroken) || o.String() != "begun\n" {
		t.Fatalf("err %v, stdout %q; want ErrBroken after the output", err, o.String())
	}
}

// A run that panics ends with exit code 2 and says so; the client is not
// left waiting.
func TestPanicEndsTheRun(t *testing.T) {
	c := serve(t, func(ctx context.Context, req Request, stdin io.Reader, stdout, stderr io.Writer) int {
		panic("boom")
	})
	pr, pw := io.Pipe()
	defer pw.Close()
	var e bytes.Buffer
	code, err := c.Run(context.Background(), Request{Args: []string{"x"}}, pr, io.Discard, &e)
	if err != nil || code != 2 || e.String() != "cmdrelay: the run failed: boom\n" {
		t.Fatalf("code %d err %v stderr %q", code, err, e.String())
	}
}
