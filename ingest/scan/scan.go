package scan

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// DefaultTimeout is used when Config.Timeout is zero.
const DefaultTimeout = time.Minute

// chunkSize is the largest INSTREAM chunk sent, and the buffer each
// [Stream] holds. Smaller writes are gathered into one chunk; larger ones
// are sent without copying. 64 KiB measured as fast as 1 MiB here (see
// bench_test.go).
const chunkSize = 64 << 10

// maxReply bounds a reply read from clamd.
const maxReply = 4096

// Config says where clamd listens and how long to wait for it.
type Config struct {
	// Network is "unix" (Address is the socket path) or "tcp", "tcp4",
	// "tcp6" (Address is host:port).
	Network string
	Address string
	// Timeout bounds dialing, each write to clamd and, after the last
	// write, the wait for the verdict (which includes clamd's scan of the
	// whole stream). It is not a limit on the stream's total duration: the
	// pipeline may take as long as it needs between writes (clamd's own
	// ReadTimeout applies there). Zero means DefaultTimeout.
	Timeout time.Duration
	// MaxStream is the largest stream sent to clamd, in bytes; a longer
	// stream fails with ErrTooLarge without waiting for clamd. Set it to
	// clamd's StreamMaxLength: clamd's own refusal cannot always be told
	// from a broken connection over TCP. Zero means no limit of our own.
	MaxStream int64
}

// ParseAddress splits "unix:/path/clamd.sock", "tcp:host:port", a bare
// absolute path (unix) or a bare host:port (tcp) into network and address,
// e.g. for MAGAZIN_TEST_CLAMD or a configuration file.
func ParseAddress(s string) (network, address string, err error) {
	switch {
	case strings.HasPrefix(s, "unix:"):
		network, address = "unix", strings.TrimPrefix(s, "unix:")
	case strings.HasPrefix(s, "tcp:"):
		network, address = "tcp", strings.TrimPrefix(s, "tcp:")
	case strings.HasPrefix(s, "/"):
		network, address = "unix", s
	default:
		network, address = "tcp", s
	}
	if address == "" {
		return "", "", fmt.Errorf("scan: empty clamd address in %q", s)
	}
	if network == "tcp" {
		if _, _, err := net.SplitHostPort(address); err != nil {
			return "", "", fmt.Errorf("scan: clamd address %q: %w", s, err)
		}
	}
	return network, address, nil
}

// Verdict is clamd's finding about one stream.
type Verdict struct {
	Infected bool
	// Signature is the name of the matching signature when Infected, as
	// clamd reports it (e.g. "Win.Test.EICAR_HDB-1").
	Signature string
}

// ErrTooLarge reports a stream that was not (completely) scanned because
// it exceeds a limit: Config.MaxStream, clamd's StreamMaxLength ("INSTREAM
// size limit exceeded"), or, with AlertExceedsMax, one of clamd's scan
// limits (a "Heuristics.Limits.Exceeded.*" finding). Test with errors.Is.
var ErrTooLarge = errors.New("scan: stream exceeds the scanner's limits")

// ReplyError is a reply of clamd that is neither a verdict nor the size
// limit, e.g. "... ERROR" when clamd cannot write its temporary file.
type ReplyError struct{ Reply string }

func (e *ReplyError) Error() string { return "scan: clamd replied " + quote(e.Reply) }

// Scanner talks to one clamd. It keeps no connection open between calls
// and is safe for concurrent use.
type Scanner struct {
	cfg    Config
	dialer net.Dialer
}

// New checks cfg; it does not connect (use Ping for that).
func New(cfg Config) (*Scanner, error) {
	switch cfg.Network {
	case "unix":
	case "tcp", "tcp4", "tcp6":
		if _, _, err := net.SplitHostPort(cfg.Address); err != nil {
			return nil, fmt.Errorf("scan: clamd address %q: %w", cfg.Address, err)
		}
	default:
		return nil, fmt.Errorf("scan: clamd network %q: want unix or tcp", cfg.Network)
	}
	if cfg.Address == "" {
		return nil, errors.New("scan: no clamd address")
	}
	if cfg.Timeout < 0 || cfg.MaxStream < 0 {
		return nil, errors.New("scan: negative Timeout or MaxStream")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &Scanner{cfg: cfg, dialer: net.Dialer{Timeout: cfg.Timeout}}, nil
}

// Config returns the configuration in use (with defaults filled in).
func (s *Scanner) Config() Config { return s.cfg }

func (s *Scanner) dial(ctx context.Context) (net.Conn, error) {
	c, err := s.dialer.DialContext(ctx, s.cfg.Network, s.cfg.Address)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("scan: connecting to clamd: %w", err)
	}
	return c, nil
}

// command sends one command (without its "z" prefix and NUL) on a new
// connection and returns clamd's reply.
func (s *Scanner) command(ctx context.Context, cmd string) (string, error) {
	c, err := s.dial(ctx)
	if err != nil {
		return "", err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	c.SetDeadline(time.Now().Add(s.cfg.Timeout))
	if _, err := c.Write([]byte("z" + cmd + "\x00")); err != nil {
		return "", s.ioErr(ctx, cmd, err)
	}
	reply, err := readReply(c)
	if err != nil {
		return "", s.ioErr(ctx, cmd, err)
	}
	return reply, nil
}

func (s *Scanner) ioErr(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("scan: clamd %s: %w", op, err)
}

// Ping checks that clamd answers.
func (s *Scanner) Ping(ctx context.Context) error {
	reply, err := s.command(ctx, "PING")
	if err != nil {
		return err
	}
	if reply != "PONG" {
		return &ReplyError{Reply: reply}
	}
	return nil
}

// Version returns clamd's version line for the PREMIS agent: "ClamAV
// 1.4.6/27432/Tue Nov 25 08:23:05 2026" with an official database (engine,
// database version and date), just "ClamAV 1.4.6" with a local one.
func (s *Scanner) Version(ctx context.Context) (string, error) {
	reply, err := s.command(ctx, "VERSION")
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(reply, "ClamAV ") {
		return "", &ReplyError{Reply: reply}
	}
	return reply, nil
}

// ScanReader scans everything r yields. It stops reading early when the
// scan has failed (e.g. ErrTooLarge). An error reading r is returned
// wrapped, after ending the scan.
func (s *Scanner) ScanReader(ctx context.Context, r io.Reader) (Verdict, error) {
	st, err := s.Stream(ctx)
	if err != nil {
		return Verdict{}, err
	}
	defer st.Close()
	buf := make([]byte, chunkSize)
	for st.Err() == nil {
		n, rerr := r.Read(buf)
		if n > 0 {
			st.Write(buf[:n])
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			if ctx.Err() != nil {
				return Verdict{}, ctx.Err()
			}
			return Verdict{}, fmt.Errorf("scan: reading the input: %w", rerr)
		}
	}
	return st.Verdict()
}

// Stream opens a connection to clamd and starts an INSTREAM scan. Write the
// content to the Stream, then call Verdict. Close releases the connection
// when Verdict is not called (it may always be deferred). When ctx is done
// the connection is closed at once and Verdict returns ctx's error.
func (s *Scanner) Stream(ctx context.Context) (*Stream, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := s.dial(ctx)
	if err != nil {
		return nil, err
	}
	st := &Stream{s: s, ctx: ctx, conn: c, buf: make([]byte, 0, chunkSize), pending: instream}
	// The callback touches only c: it may run before Stream returns.
	st.stop = context.AfterFunc(ctx, func() { c.Close() })
	return st, nil
}

// instream starts the command. It is sent with the first chunk, so that a
// small file takes one write (command, chunk and end together) instead of
// three; clamd does not mind either way.
var instream = []byte("zINSTREAM\x00")

// Stream is one INSTREAM scan in progress. It is an io.Writer meant for the
// pipeline's io.MultiWriter: Write never returns an error and never blocks
// longer than Config.Timeout, so a failing scanner never stops the read
// that hashes the file; a failure is kept and reported by Verdict (and
// Err), and later writes are discarded. One goroutine writes; Close and
// ctx's cancellation may come from any goroutine.
type Stream struct {
	s    *Scanner
	ctx  context.Context
	conn net.Conn
	stop func() bool

	buf     []byte
	pending []byte // the command, until the first chunk goes out
	n       int64  // bytes written by the caller
	err     error  // first failure; later writes are discarded
	done    bool   // Verdict ran
	v       Verdict

	closeOnce sync.Once
}

// Write sends p to clamd (gathered into chunks). It always returns
// len(p), nil.
func (st *Stream) Write(p []byte) (int, error) {
	n := len(p)
	if st.err != nil || st.done {
		return n, nil
	}
	st.n += int64(n)
	if max := st.s.cfg.MaxStream; max > 0 && st.n > max {
		st.err = fmt.Errorf("%w: more than %d bytes (MaxStream)", ErrTooLarge, max)
		st.closeConn()
		return n, nil
	}
	for len(p) > 0 && st.err == nil {
		if len(st.buf) == 0 && len(p) >= chunkSize {
			st.send(p[:chunkSize], false)
			p = p[chunkSize:]
			continue
		}
		k := copy(st.buf[len(st.buf):cap(st.buf)], p)
		st.buf = st.buf[:len(st.buf)+k]
		p = p[k:]
		if len(st.buf) == cap(st.buf) {
			st.send(st.buf, false)
			st.buf = st.buf[:0]
		}
	}
	return n, nil
}

// send writes one chunk: its length (4 bytes, big-endian) and data,
// preceded by the command if it is still pending and, when last, followed
// by the zero-length chunk that ends the stream.
func (st *Stream) send(data []byte, last bool) {
	var hdr, end [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(data)))
	bufs := make(net.Buffers, 0, 4)
	if st.pending != nil {
		bufs = append(bufs, st.pending)
		st.pending = nil
	}
	if len(data) > 0 {
		bufs = append(bufs, hdr[:], data)
	}
	if last {
		bufs = append(bufs, end[:])
	}
	st.conn.SetWriteDeadline(time.Now().Add(st.s.cfg.Timeout))
	if _, err := bufs.WriteTo(st.conn); err != nil {
		st.fail(err)
	}
}

// fail records a failed write or read. clamd closes the connection after
// an error reply (notably the size limit), so a write error is followed by
// an attempt to read that reply.
func (st *Stream) fail(ioErr error) {
	if st.err != nil {
		return
	}
	if st.ctx.Err() != nil {
		st.err = st.ctx.Err()
		st.closeConn()
		return
	}
	if errors.Is(ioErr, os.ErrDeadlineExceeded) {
		st.err = fmt.Errorf("scan: clamd did not take the stream within %v: %w", st.s.cfg.Timeout, ioErr)
		st.closeConn()
		return
	}
	st.conn.SetReadDeadline(time.Now().Add(time.Second))
	if reply, err := readReply(st.conn); err == nil && reply != "" {
		if _, perr := parseVerdict(reply); perr != nil {
			st.err = perr
			st.closeConn()
			return
		}
	}
	st.err = fmt.Errorf("scan: sending to clamd: %w", ioErr)
	st.closeConn()
}

// Err returns the failure so far, or nil while the scan goes well.
func (st *Stream) Err() error { return st.err }

// Verdict ends the stream and returns clamd's verdict. It waits up to
// Config.Timeout for clamd to scan what it got. Errors: ErrTooLarge
// (errors.Is), ctx's error when ctx was done, a *ReplyError, or a wrapped
// connection error. Calling it again returns the same result.
func (st *Stream) Verdict() (Verdict, error) {
	if st.done {
		return st.v, st.err
	}
	st.done = true
	defer st.Close()
	if st.err != nil {
		return Verdict{}, st.err
	}
	st.send(st.buf, true)
	st.buf = st.buf[:0]
	if st.err != nil {
		return Verdict{}, st.err
	}
	st.conn.SetReadDeadline(time.Now().Add(st.s.cfg.Timeout))
	reply, err := readReply(st.conn)
	if err != nil {
		switch {
		case st.ctx.Err() != nil:
			st.err = st.ctx.Err()
		case errors.Is(err, os.ErrDeadlineExceeded):
			st.err = fmt.Errorf("scan: no verdict from clamd within %v: %w", st.s.cfg.Timeout, err)
		default:
			st.err = fmt.Errorf("scan: reading clamd's verdict: %w", err)
		}
		return Verdict{}, st.err
	}
	st.v, st.err = parseVerdict(reply)
	return st.v, st.err
}

// Close ends the stream without a verdict (a no-op after Verdict) and
// releases the connection. It is safe to call more than once and from
// another goroutine than the writer's.
func (st *Stream) Close() error {
	st.closeConn()
	return nil
}

func (st *Stream) closeConn() {
	st.closeOnce.Do(func() {
		if st.stop != nil {
			st.stop()
		}
		st.conn.Close()
	})
}

// readReply reads one NUL-terminated reply (or up to EOF).
func readReply(r io.Reader) (string, error) {
	var b bytes.Buffer
	buf := make([]byte, 256)
	for b.Len() < maxReply {
		n, err := r.Read(buf)
		if i := bytes.IndexByte(buf[:n], 0); i >= 0 {
			b.Write(buf[:i])
			return b.String(), nil
		}
		b.Write(buf[:n])
		if err == io.EOF {
			if b.Len() == 0 {
				return "", io.ErrUnexpectedEOF
			}
			return strings.TrimRight(b.String(), "\n"), nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("scan: clamd's reply is longer than %d bytes", maxReply)
}

// parseVerdict reads an INSTREAM reply.
func parseVerdict(reply string) (Verdict, error) {
	r := strings.TrimPrefix(reply, "stream: ")
	switch {
	case reply == "stream: OK":
		return Verdict{}, nil
	case strings.HasPrefix(reply, "stream: ") && strings.HasSuffix(r, " FOUND"):
		sig := strings.TrimSuffix(r, " FOUND")
		if strings.HasPrefix(sig, "Heuristics.Limits.Exceeded") {
			return Verdict{}, fmt.Errorf("%w: clamd reports %s", ErrTooLarge, sig)
		}
		return Verdict{Infected: true, Signature: sig}, nil
	case strings.HasPrefix(reply, "INSTREAM size limit exceeded"):
		return Verdict{}, fmt.Errorf("%w: clamd's StreamMaxLength (%s)", ErrTooLarge, quote(reply))
	}
	return Verdict{}, &ReplyError{Reply: reply}
}

func quote(s string) string { return fmt.Sprintf("%q", s) }
