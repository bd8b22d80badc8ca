// Package cmdrelay carries one command-line run from a client process to a
// server that runs it in-process, over a single HTTP/1.1 exchange.
//
// Contract: the client POSTs a stream of frames and reads a stream of
// frames back. A frame is one type byte, a big-endian uint32 length and
// that many bytes.
//
//	client -> server: 'h' the Request as JSON (first frame, exactly once),
//	                  'i' stdin bytes, 'z' end of stdin, 'c' cancel the run
//	server -> client: 'o' stdout bytes, 'e' stderr bytes,
//	                  'x' the exit code in decimal (last frame, exactly once)
//
// The server answers 200 at once and runs the command with the stdin the
// client sends; a cancel frame, or the client going away, cancels the
// run's context. A run that panics ends with exit code 2 and the panic on
// stderr; the server then panics as handlers do (net/http logs it). Output reaches the client as it is written. The exit code
// is the run's; a stream that ends without an 'x' frame is an error
// (ErrBroken). The package knows nothing of what a command means: the
// server's RunFunc does.
package cmdrelay

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"time"
)

// Request is what the client asks to run.
type Request struct {
	// Args are the command's arguments, without the program name.
	Args []string `json:"args"`
	// Terminal tells whether the client's stderr is a terminal (progress
	// bars are drawn only then).
	Terminal bool `json:"terminal,omitempty"`
	// User is the client's login name.
	User string `json:"user,omitempty"`
}

// RunFunc runs one command. It reads stdin, writes stdout and stderr
// (both safe for concurrent use) and returns the exit code; ctx ends when
// the client cancels or goes away.
type RunFunc func(ctx context.Context, req Request, stdin io.Reader, stdout, stderr io.Writer) int

// ErrBroken: the stream ended before the exit code came.
var ErrBroken = errors.New("cmdrelay: the run's stream broke off before its exit code")

const maxFrame = 1 << 20

func writeFrame(w io.Writer, typ byte, p []byte) error {
	var h [5]byte
	h[0] = typ
	binary.BigEndian.PutUint32(h[1:], uint32(len(p)))
	if _, err := w.Write(h[:]); err != nil {
		return err
	}
	_, err := w.Write(p)
	return err
}

func readFrame(r io.Reader) (byte, []byte, error) {
	var h [5]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(h[1:])
	if n > maxFrame {
		return 0, nil, fmt.Errorf("cmdrelay: frame of %d bytes is too large", n)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return 0, nil, err
	}
	return h[0], p, nil
}

// frameWriter writes one frame type to a flushed response.
type frameWriter struct {
	mu  *sync.Mutex
	w   io.Writer
	f   func() error
	typ byte
	err *error
}

func (fw frameWriter) Write(p []byte) (int, error) {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if *fw.err != nil {
		return 0, *fw.err
	}
	for off := 0; off < len(p); off += maxFrame {
		end := min(off+maxFrame, len(p))
		if err := writeFrame(fw.w, fw.typ, p[off:end]); err != nil {
			*fw.err = err
			return off, err
		}
	}
	if err := fw.f(); err != nil {
		*fw.err = err
		return len(p), err
	}
	return len(p), nil
}

// Handler serves runs with run; the run's context is the request's,
// cancelled as well by a cancel frame or the client going away.
func Handler(run RunFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.EnableFullDuplex(); err != nil {
			http.Error(w, "cmdrelay: full duplex: "+err.Error(), http.StatusInternalServerError)
			return
		}
		body := bufio.NewReader(r.Body)
		typ, p, err := readFrame(body)
		var req Request
		if err == nil && typ != 'h' {
			err = errors.New("the first frame must be the request")
		}
		if err == nil {
			err = json.Unmarshal(p, &req)
		}
		if err != nil {
			http.Error(w, "cmdrelay: "+err.Error(), http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		stdin := newQueue()
		go func() {
			// The client's frames: stdin and a cancel. The client going
			// away (an error here) cancels the run too.
			defer stdin.close()
			for {
				typ, p, err := readFrame(body)
				if err != nil {
					cancel()
					return
				}
				switch typ {
				case 'i':
					stdin.put(p)
				case 'z':
					stdin.close()
				case 'c':
					cancel()
				}
			}
		}()
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		rc.Flush()
		var mu sync.Mutex
		var werr error
		out := frameWriter{mu: &mu, w: w, f: rc.Flush, typ: 'o', err: &werr}
		errw := frameWriter{mu: &mu, w: w, f: rc.Flush, typ: 'e', err: &werr}
		code, panicked := runSafely(ctx, run, req, stdin, out, errw)
		mu.Lock()
		if werr == nil {
			writeFrame(w, 'x', []byte(strconv.Itoa(code)))
			rc.Flush()
		}
		mu.Unlock()
		if panicked != nil {
			// Only now, with the exit code sent: the client then ends
			// its request, which the server waits for after a panic.
			panic(panicked)
		}
	})
}

// runSafely runs run; a panic ends it with exit code 2, the panic on the
// run's stderr and the panic (with its stack) returned to raise again.
func runSafely(ctx context.Context, run RunFunc, req Request, stdin io.Reader, stdout, stderr io.Writer) (code int, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			code, panicked = 2, p
			if p != http.ErrAbortHandler {
				panicked = fmt.Sprintf("cmdrelay: the run of %q panicked: %v\n%s", req.Args, p, debug.Stack())
			}
			fmt.Fprintf(stderr, "cmdrelay: the run failed: %v\n", p)
		}
	}()
	return run(ctx, req, stdin, stdout, stderr), nil
}

// queue is the run's stdin: frames are taken off the stream at once (so
// that a cancel behind unread stdin is seen) and read from here.
type queue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	buf    bytes.Buffer
	closed bool
}

func newQueue() *queue {
	q := &queue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *queue) put(p []byte) {
	q.mu.Lock()
	if !q.closed {
		q.buf.Write(p)
	}
	q.mu.Unlock()
	q.cond.Broadcast()
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

func (q *queue) Read(p []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.buf.Len() == 0 && !q.closed {
		q.cond.Wait()
	}
	if q.buf.Len() == 0 {
		return 0, io.EOF
	}
	return q.buf.Read(p)
}

// Client runs commands on a server.
type Client struct {
	// HTTP must not time out whole requests: a run takes as long as it
	// takes.
	HTTP *http.Client
	// URL is the Handler's address.
	URL string
	// CancelWait is how long, after ctx ends, the client waits for the
	// server's exit code before it gives up (default 30 s).
	CancelWait time.Duration
}

// Run runs req on the server: stdin is sent as it is read, stdout and
// stderr are written as they come. When ctx ends the server is asked to
// cancel the run, and Run still waits (up to CancelWait) for its output
// and exit code. The error is about the relay, not the command: a command
// that fails is an exit code.
func (c *Client) Run(ctx context.Context, req Request, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	hdr, err := json.Marshal(req)
	if err != nil {
		return 0, err
	}
	pr, pw := io.Pipe()
	var wmu sync.Mutex
	send := func(typ byte, p []byte) error {
		wmu.Lock()
		defer wmu.Unlock()
		return writeFrame(pw, typ, p)
	}
	// The exchange itself lives until the exit code (or CancelWait after
	// ctx ends): the cancel travels as a frame.
	xctx, abort := context.WithCancel(context.WithoutCancel(ctx))
	defer abort()
	hreq, err := http.NewRequestWithContext(xctx, http.MethodPost, c.URL, pr)
	if err != nil {
		return 0, err
	}
	hreq.Header.Set("Content-Type", "application/octet-stream")
	go func() {
		if err := send('h', hdr); err != nil {
			return
		}
		if stdin != nil {
			buf := make([]byte, 32<<10)
			for {
				n, err := stdin.Read(buf)
				if n > 0 {
					if send('i', buf[:n]) != nil {
						return
					}
				}
				if err != nil {
					break
				}
			}
		}
		send('z', nil)
	}()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			send('c', nil)
			wait := c.CancelWait
			if wait <= 0 {
				wait = 30 * time.Second
			}
			select {
			case <-time.After(wait):
				abort()
			case <-done:
			}
		case <-done:
		}
	}()
	resp, err := c.HTTP.Do(hreq)
	if err != nil {
		pw.CloseWithError(err)
		return 0, err
	}
	defer resp.Body.Close()
	defer pw.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return 0, fmt.Errorf("cmdrelay: %s: %s", resp.Status, bytes.TrimSpace(b))
	}
	br := bufio.NewReader(resp.Body)
	for {
		typ, p, err := readFrame(br)
		if err != nil {
			if ctx.Err() != nil {
				return 0, fmt.Errorf("%w: %w", ErrBroken, ctx.Err())
			}
			return 0, fmt.Errorf("%w: %v", ErrBroken, err)
		}
		switch typ {
		case 'o':
			stdout.Write(p)
		case 'e':
			stderr.Write(p)
		case 'x':
			code, err := strconv.Atoi(string(p))
			if err != nil {
				return 0, fmt.Errorf("%w: exit code %q", ErrBroken, p)
			}
			return code, nil
		}
	}
}
