package formatcheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/magazin-archiv/magazin/preservation"
)

// Problem codes of this package (see docs/problem-codes.md, "## formatcheck").
const (
	// CodeInvalid: the file does not conform to its identified format
	// (structure, checksums, truncation, well-formedness).
	CodeInvalid = "FORMAT_INVALID"
	// CodeEncrypted: the file, or members of a container, are encrypted
	// or password-protected.
	CodeEncrypted = "FORMAT_ENCRYPTED"
	// CodePDFAClaim: the file is identified as PDF/A, but its XMP
	// metadata does not declare that PDF/A part and conformance level
	// (or the file is encrypted, which PDF/A forbids).
	CodePDFAClaim = "FORMAT_PDFA_CLAIM"
	// CodeLimit: the check stopped at a resource limit (size, pixels,
	// depth, entries, time); the file was not completely checked. A
	// decompression bomb shows as this.
	CodeLimit = "FORMAT_LIMIT"
	// CodeToolFailed: the validation tool failed (panicked) on the file;
	// its validity is unknown.
	CodeToolFailed = "FORMAT_TOOL_FAILED"
)

// Codes lists every problem code of the package.
var Codes = []string{CodeInvalid, CodeEncrypted, CodePDFAClaim, CodeLimit, CodeToolFailed}

// Result is the outcome of one check. The pipeline records it as a PREMIS
// validation event ("val") with an agent named Tool, version ToolVersion.
type Result struct {
	// Checked reports that a check applies to the format and ran (possibly
	// stopped by a limit, see CodeLimit). It is false when no check exists
	// for the PUID, or when the file uses a valid feature the tool does not
	// support (e.g. JPEG compression inside TIFF); Detail then says why,
	// and no validation event needs to be recorded.
	Checked bool `json:"checked"`
	// Tool and ToolVersion name what checked: "pdfcpu" "v0.15.0",
	// "Go image/png" "go1.26.8", "golang.org/x/image/tiff" "v0.44.0" ...
	Tool        string `json:"tool,omitempty"`
	ToolVersion string `json:"toolVersion,omitempty"`
	// Detail says what was checked (for the event's detail).
	Detail string `json:"detail,omitempty"`
	// Valid reports that the check ran to its end and found no defect:
	// no FORMAT_INVALID, FORMAT_PDFA_CLAIM, FORMAT_LIMIT or
	// FORMAT_TOOL_FAILED. FORMAT_ENCRYPTED alone leaves a file valid,
	// unless encryption kept the check from reading the file at all (a PDF
	// with an open password).
	Valid bool `json:"valid"`
	// Problems are the findings, with Path empty: the caller sets it to
	// the file's logical path. Severities follow Options.Severity.
	Problems preservation.Problems `json:"problems,omitempty"`
}

// Outcome is the PREMIS event outcome for r: success when valid.
func (r Result) Outcome() string {
	if r.Valid {
		return preservation.OutcomeSuccess
	}
	return preservation.OutcomeFailure
}

// Limits bound the resources one check may use. Zero fields take the
// defaults of DefaultLimits.
type Limits struct {
	// Timeout bounds the time of one check. Default 5 minutes.
	Timeout time.Duration
	// MaxPixels bounds width×height of an image (of each GIF frame); larger
	// images are not decoded (a decompression bomb). Decoding needs up to
	// 8 bytes per pixel (16-bit RGBA). Default 100 million.
	MaxPixels int64
	// MaxPDFSize bounds the size of a PDF that is checked; pdfcpu holds
	// the file's objects in memory, about the file's size. Default 512 MiB.
	MaxPDFSize int64
	// MaxPDFStream bounds the encoded and the decoded size of one PDF
	// stream. Default 256 MiB.
	MaxPDFStream int64
	// MaxXMLDepth bounds element nesting. Default 512.
	MaxXMLDepth int
	// MaxXMLToken bounds the bytes of one XML token (a text node, a tag
	// with its attributes, a comment), which encoding/xml holds in memory.
	// Default 64 MiB.
	MaxXMLToken int64
	// MaxZipEntries bounds the entries of a ZIP container. Default 100,000.
	MaxZipEntries int
	// MaxZipDirectory bounds the size of a ZIP central directory, which is
	// held in memory. Default 64 MiB.
	MaxZipDirectory int64
	// MaxZipUncompressed bounds the sum of the declared sizes of the ZIP
	// members that are decompressed for their CRC check. Default 16 GiB.
	MaxZipUncompressed int64
}

// DefaultLimits returns the default limits.
func DefaultLimits() Limits {
	return Limits{
		Timeout:            5 * time.Minute,
		MaxPixels:          100_000_000,
		MaxPDFSize:         512 << 20,
		MaxPDFStream:       256 << 20,
		MaxXMLDepth:        512,
		MaxXMLToken:        64 << 20,
		MaxZipEntries:      100_000,
		MaxZipDirectory:    64 << 20,
		MaxZipUncompressed: 16 << 30,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = d.MaxPixels
	}
	if l.MaxPDFSize <= 0 {
		l.MaxPDFSize = d.MaxPDFSize
	}
	if l.MaxPDFStream <= 0 {
		l.MaxPDFStream = d.MaxPDFStream
	}
	if l.MaxXMLDepth <= 0 {
		l.MaxXMLDepth = d.MaxXMLDepth
	}
	if l.MaxXMLToken <= 0 {
		l.MaxXMLToken = d.MaxXMLToken
	}
	if l.MaxZipEntries <= 0 {
		l.MaxZipEntries = d.MaxZipEntries
	}
	if l.MaxZipDirectory <= 0 {
		l.MaxZipDirectory = d.MaxZipDirectory
	}
	if l.MaxZipUncompressed <= 0 {
		l.MaxZipUncompressed = d.MaxZipUncompressed
	}
	return l
}

// Options configure a Checker. The zero value is the default.
type Options struct {
	// PDFStrict selects pdfcpu's strict validation mode and decodes every
	// stream; the default is pdfcpu's relaxed mode, which tolerates the
	// common deviations of real-world writers.
	PDFStrict bool
	// Severity maps problem codes to preservation.SeverityError or
	// SeverityWarning. Unlisted codes are warnings: German archives
	// usually accept invalid files and flag them. Set
	// {"FORMAT_INVALID": "error"} to reject them instead.
	Severity map[string]string
	Limits   Limits
}

// Checker validates files. It is safe for concurrent use.
type Checker struct {
	strict   bool
	severity map[string]string
	lim      Limits
}

// New returns a Checker. It fails on a severity for an unknown code or an
// unknown severity.
func New(opts Options) (*Checker, error) {
	c := &Checker{strict: opts.PDFStrict, severity: make(map[string]string), lim: opts.Limits.withDefaults()}
	for code, sev := range opts.Severity {
		known := false
		for _, k := range Codes {
			known = known || k == code
		}
		if !known {
			return nil, fmt.Errorf("formatcheck: severity for unknown problem code %q", code)
		}
		if sev != preservation.SeverityError && sev != preservation.SeverityWarning {
			return nil, fmt.Errorf("formatcheck: severity %q for %s: want error or warning", sev, code)
		}
		c.severity[code] = sev
	}
	return c, nil
}

var defaultChecker = sync.OnceValue(func() *Checker {
	c, _ := New(Options{})
	return c
})

// Check validates the file at path, identified as puid, with the default
// options. See Checker.Check.
func Check(ctx context.Context, path, puid string) (Result, error) {
	return defaultChecker().Check(ctx, path, puid)
}

// Supported reports whether Check has a check for puid.
func Supported(puid string) bool { return kindOf(puid) != nil }

// Check validates the file at path, identified as puid. Findings about the
// file are in the Result; the error is for the environment only: the file
// cannot be opened or read (I/O error), it is not a regular file, or ctx
// is done. A check that exceeds Limits.Timeout ends with a FORMAT_LIMIT
// problem, not an error.
func (c *Checker) Check(ctx context.Context, path, puid string) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	k := kindOf(puid)
	if k == nil {
		return Result{Detail: fmt.Sprintf("no format check for %s", displayPUID(puid))}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return Result{}, fmt.Errorf("formatcheck: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return Result{}, fmt.Errorf("formatcheck: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return Result{}, fmt.Errorf("formatcheck: %s: not a regular file (%s)", path, fi.Mode().Type())
	}
	return c.check(ctx, k, f, fi.Size(), f.Close, path, puid)
}

// CheckReaderAt validates the size bytes of r, the content of a file
// identified as puid, as Check does for a file; name is used in error
// messages only. It lets a caller that holds the content already (the
// ingest pipeline reads a small file into memory once, for hashing,
// identification and this check) or holds the file open validate without
// another open. r is not closed. It must stay readable, and unchanged, until
// CheckReaderAt returns, and may still be read after it returned by a PDF
// check that outlived a timeout or cancellation: pass memory that is not
// reused, or a reader whose reads fail once the caller closes it (an
// *os.File).
func (c *Checker) CheckReaderAt(ctx context.Context, r io.ReaderAt, size int64, name, puid string) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	k := kindOf(puid)
	if k == nil {
		return Result{Detail: fmt.Sprintf("no format check for %s", displayPUID(puid))}, nil
	}
	if size < 0 {
		return Result{}, fmt.Errorf("formatcheck %s: negative size %d", name, size)
	}
	return c.check(ctx, k, r, size, nil, name, puid)
}

// check runs k on size bytes of ra; closeFn (may be nil) is called when
// the last reader is done.
func (c *Checker) check(ctx context.Context, k *kind, ra io.ReaderAt, size int64, closeFn func() error, name, puid string) (Result, error) {
	cctx, cancel := context.WithTimeout(ctx, c.lim.Timeout)
	defer cancel()
	src := newSource(cctx, ra, size, closeFn)
	defer src.release()
	res, err := c.run(cctx, k, src, puid)
	if err != nil {
		return Result{}, fmt.Errorf("formatcheck %s: %w", name, err)
	}
	if ctx.Err() != nil {
		return Result{}, ctx.Err()
	}
	return res, nil
}

// run runs k on src and sorts out why it ended: ctx (the caller's, or the
// timeout), an I/O error, or the file's content.
func (c *Checker) run(ctx context.Context, k *kind, src *source, puid string) (Result, error) {
	rep := &report{c: c, ctx: ctx}
	res := Result{Tool: k.tool, ToolVersion: k.version()}
	detail, checked := k.check(ctx, c, src, puid, rep)
	if err := src.failure(); err != nil {
		return Result{}, err
	}
	if ctx.Err() != nil {
		if !errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
			return Result{}, ctx.Err()
		}
		if rep.interrupted {
			rep.ctx = context.Background()
			rep.add(CodeLimit, "check stopped after %s (time limit)", c.lim.Timeout)
			checked = true
		}
	}
	res.Detail = detail
	res.Checked = checked
	res.Problems = rep.problems
	res.Valid = checked && !rep.invalid
	return res, nil
}

// report collects problems.
type report struct {
	c        *Checker
	ctx      context.Context // once done, failures are the timeout's, not the file's
	problems preservation.Problems
	invalid  bool // a problem that makes the file invalid
	dropped  int
	// interrupted: the check did not end on its own but because ctx
	// was done (a failure it met then is ctx's, so it was dropped).
	interrupted bool
}

// stop records that the check ended early because ctx is done.
func (r *report) stop() { r.interrupted = true }

// maxProblems bounds the problems of one file.
const maxProblems = 50

func (r *report) add(code, format string, args ...any) {
	if r.ctx.Err() != nil {
		r.interrupted = true
		return
	}
	if code != CodeEncrypted {
		r.invalid = true
	}
	if len(r.problems) >= maxProblems {
		r.dropped++
		if r.dropped == 1 {
			r.problems = append(r.problems, preservation.Problem{Code: code, Severity: r.c.sev(code),
				Message: "further problems not listed"})
		}
		return
	}
	r.problems = append(r.problems, preservation.Problem{
		Code:     code,
		Severity: r.c.sev(code),
		Message:  clean(fmt.Sprintf(format, args...)),
	})
}

// setInvalid marks the file invalid without a problem of its own (a
// problem of kind CodeEncrypted that kept the check from running).
func (r *report) setInvalid() { r.invalid = true }

func (c *Checker) sev(code string) string {
	if s, ok := c.severity[code]; ok {
		return s
	}
	return preservation.SeverityWarning
}

// clean makes s safe and short for a report: invalid UTF-8 and control
// characters (which a tool may copy from the file) are escaped, and the
// text is cut at 400 bytes.
func clean(s string) string {
	const max = 400
	var b strings.Builder
	for i, r := range s {
		if b.Len() >= max {
			b.WriteString("…")
			break
		}
		switch {
		case r == utf8.RuneError && len(s[i:]) > 0:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				fmt.Fprintf(&b, `\x%02x`, s[i])
				continue
			}
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func displayPUID(puid string) string {
	if puid == "" {
		return "UNKNOWN"
	}
	return clean(puid)
}

// source is the file being checked. Every read checks ctx first and
// records the first I/O error, so that an I/O error or cancellation is
// told from a format error whatever the decoder makes of it. It is
// released (closed) when the last user is done: the PDF check may outlive
// Check on a timeout, because pdfcpu's validation cannot be interrupted.
type source struct {
	ctx   context.Context
	ra    io.ReaderAt
	size  int64
	close func() error
	refs  atomic.Int32
	mu    sync.Mutex
	err   error
}

func newSource(ctx context.Context, ra io.ReaderAt, size int64, close func() error) *source {
	s := &source{ctx: ctx, ra: ra, size: size, close: close}
	s.refs.Store(1)
	return s
}

// acquire adds a user; release removes one and closes the file after the last.
func (s *source) acquire() { s.refs.Add(1) }

func (s *source) release() {
	if s.refs.Add(-1) == 0 && s.close != nil {
		s.close()
	}
}

func (s *source) ReadAt(p []byte, off int64) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	if off < 0 {
		// A decoder's bad arithmetic on hostile input, not the medium.
		return 0, errNegativeOffset
	}
	n, err := s.ra.ReadAt(p, off)
	if err != nil && err != io.EOF {
		s.mu.Lock()
		if s.err == nil {
			s.err = err
		}
		s.mu.Unlock()
	}
	return n, err
}

var errNegativeOffset = errors.New("read at a negative offset")

// failure returns the first I/O error met.
func (s *source) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// reader returns a new reader of the whole file (ReadAt and Seek too).
func (s *source) reader() *io.SectionReader { return io.NewSectionReader(s, 0, s.size) }

// kind is one family of checks.
type kind struct {
	tool    string
	version func() string
	// check checks src and reports to rep; it returns the detail and
	// whether the file could be checked.
	check func(ctx context.Context, c *Checker, src *source, puid string, rep *report) (detail string, checked bool)
}

func kindOf(puid string) *kind {
	switch {
	case pdfPUIDs[puid]:
		return pdfKind
	case xmlPUIDs[puid]:
		return xmlKind
	case zipPUIDs[puid] != 0:
		return zipKind
	}
	if k, ok := imageKinds[puid]; ok {
		return k
	}
	return nil
}

func set(puids ...string) map[string]bool {
	m := make(map[string]bool, len(puids))
	for _, p := range puids {
		m[p] = true
	}
	return m
}

// goVersion is the version of the Go standard library.
func goVersion() string { return runtime.Version() }

// moduleVersion returns the version of module path this binary was built
// with, or fallback when the binary has no dependency information (test
// binaries have none).
func moduleVersion(path, fallback string) func() string {
	return sync.OnceValue(func() string {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, d := range bi.Deps {
				if d.Path == path {
					if d.Replace != nil && d.Replace.Version != "" {
						return d.Replace.Version
					}
					if d.Version != "" && d.Version != "(devel)" {
						return d.Version
					}
				}
			}
		}
		return fallback
	})
}
