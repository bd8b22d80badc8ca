// Package faulty injects storage faults for tests: an HTTP proxy in front
// of a real S3 server that answers some requests with errors, breaks
// connections in the middle of a body, slows answers down or does not
// answer at all. (A full disk needs no wrapper: the tests put an fs store
// on a small tmpfs.)
//
// It is used by tests only (reliability tests of ingest, audit and the
// stores; docs/reliability.md); nothing in magazin's binary imports it.
//
// The proxy forwards the request as it came, with its Host header, so
// that the client's AWS signature stays valid. Which fault a request gets
// is decided by a Rule; the proxy counts what it injected.
package faulty

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Fault is what the proxy does with one request.
type Fault int

// The faults.
const (
	// Pass forwards the request and its answer unchanged.
	Pass Fault = iota
	// InternalError answers 500 with the S3 error InternalError, without
	// forwarding.
	InternalError
	// SlowDown answers 503 with the S3 error SlowDown, without forwarding.
	SlowDown
	// ResetRequest reads part of the request body (a partial write), then
	// closes the connection without an answer.
	ResetRequest
	// ResetResponse forwards the request and closes the connection after
	// half of the answer's body.
	ResetResponse
	// Slow forwards the request and sends the answer's body in pieces of
	// 4 KiB with a pause (Proxy.Pause) before each.
	Slow
	// Hang neither forwards nor answers until the client gives up or
	// Proxy.Hold has passed (then 503); clients see a timeout.
	Hang
	nFaults
)

var faultNames = [...]string{"pass", "500 InternalError", "503 SlowDown", "reset during upload", "reset during download", "slow answer", "no answer"}

func (f Fault) String() string {
	if f < 0 || f >= nFaults {
		return fmt.Sprintf("Fault(%d)", int(f))
	}
	return faultNames[f]
}

// Faults lists every fault but Pass.
func Faults() []Fault {
	var out []Fault
	for f := InternalError; f < nFaults; f++ {
		out = append(out, f)
	}
	return out
}

// Rule decides the fault for a request; n counts the requests the proxy
// has seen, from 1.
type Rule func(r *http.Request, n int64) Fault

// Proxy is a faulty HTTP proxy in front of one server.
type Proxy struct {
	// Pause is the delay before each piece of a Slow answer (default
	// 20ms); Hold the longest a Hang lasts (default 10s).
	Pause, Hold time.Duration

	srv      *http.Server
	ln       net.Listener
	rp       *httputil.ReverseProxy
	rule     atomic.Pointer[Rule]
	requests atomic.Int64
	mu       sync.Mutex
	injected map[Fault]int
	done     chan struct{}
}

// Start starts a proxy on a loopback port in front of target (host:port,
// plain HTTP) with the given rule (nil: Pass).
func Start(target string, rule Rule) (*Proxy, error) {
	u, err := url.Parse("http://" + target)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{Pause: 20 * time.Millisecond, Hold: 10 * time.Second, ln: ln, injected: map[Fault]int{}, done: make(chan struct{})}
	p.SetRule(rule)
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.Out.Host = pr.In.Host // the signature covers the Host header
		},
		// A connection to the server is never reused: a broken answer
		// must not leave anything behind for the next request.
		Transport:     &http.Transport{DisableKeepAlives: true},
		FlushInterval: -1,
		ErrorLog:      quiet,
		ModifyResponse: func(resp *http.Response) error {
			switch faultOf(resp.Request.Context()) {
			case ResetResponse:
				n := resp.ContentLength / 2
				if n <= 0 {
					n = 1
				}
				resp.Body = &breakingBody{ReadCloser: resp.Body, left: n}
			case Slow:
				resp.Body = &slowBody{ReadCloser: resp.Body, pause: p.Pause, done: p.done}
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if faultOf(r.Context()) == ResetResponse {
				panic(http.ErrAbortHandler)
			}
			http.Error(w, err.Error(), http.StatusBadGateway)
		},
	}
	p.srv = &http.Server{Handler: p, ErrorLog: quiet}
	go p.srv.Serve(ln)
	return p, nil
}

// Addr is the proxy's host:port, to use as the S3 endpoint.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetRule replaces the rule (nil: Pass).
func (p *Proxy) SetRule(rule Rule) {
	if rule == nil {
		rule = func(*http.Request, int64) Fault { return Pass }
	}
	p.rule.Store(&rule)
}

// Injected returns how often each fault was injected.
func (p *Proxy) Injected() map[Fault]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[Fault]int{}
	for f, n := range p.injected {
		out[f] = n
	}
	return out
}

// Requests returns the number of requests seen.
func (p *Proxy) Requests() int64 { return p.requests.Load() }

// Close stops the proxy and ends every held or slow answer.
func (p *Proxy) Close() error {
	close(p.done)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.srv.Shutdown(ctx); err != nil {
		return p.srv.Close()
	}
	return nil
}

// quiet discards the proxy's and the server's complaints about the
// connections it breaks on purpose.
var quiet = log.New(io.Discard, "", 0)

type faultKey struct{}

func faultOf(ctx context.Context) Fault {
	f, _ := ctx.Value(faultKey{}).(Fault)
	return f
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := p.requests.Add(1)
	f := (*p.rule.Load())(r, n)
	if f != Pass {
		p.mu.Lock()
		p.injected[f]++
		p.mu.Unlock()
	}
	switch f {
	case InternalError:
		s3Error(w, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
	case SlowDown:
		s3Error(w, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
	case ResetRequest:
		if r.ContentLength > 1 {
			io.CopyN(io.Discard, r.Body, r.ContentLength/2)
		} else {
			io.CopyN(io.Discard, r.Body, 1)
		}
		panic(http.ErrAbortHandler) // closes the connection without an answer
	case Hang:
		select {
		case <-r.Context().Done():
		case <-p.done:
		case <-time.After(p.Hold):
			s3Error(w, http.StatusServiceUnavailable, "SlowDown", "held")
		}
	default:
		p.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), faultKey{}, f)))
	}
}

func s3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message></Error>`, code, msg)
}

// errBroken breaks a forwarded body.
var errBroken = errors.New("faulty: connection broken")

type breakingBody struct {
	io.ReadCloser
	left int64
}

func (b *breakingBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errBroken
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

type slowBody struct {
	io.ReadCloser
	pause time.Duration
	done  chan struct{}
}

func (s *slowBody) Read(p []byte) (int, error) {
	select {
	case <-time.After(s.pause):
	case <-s.done:
	}
	if len(p) > 4<<10 {
		p = p[:4<<10]
	}
	return s.ReadCloser.Read(p)
}

// Every returns a rule that gives fault f to every k-th request whose
// method is one of methods (all methods when none is given), and passes
// the others.
func Every(k int64, f Fault, methods ...string) Rule {
	var seen atomic.Int64
	return func(r *http.Request, _ int64) Fault {
		if len(methods) > 0 && !containsFold(methods, r.Method) {
			return Pass
		}
		if seen.Add(1)%k == 0 {
			return f
		}
		return Pass
	}
}

// Always gives every request fault f.
func Always(f Fault) Rule {
	return func(*http.Request, int64) Fault { return f }
}

func containsFold(ss []string, s string) bool {
	for _, x := range ss {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
