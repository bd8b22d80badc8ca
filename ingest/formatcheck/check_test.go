package formatcheck

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
)

func TestNoCheckForPUID(t *testing.T) {
	for _, puid := range []string{"UNKNOWN", "", "fmt/999999", "x-fmt/111", "fmt/1776x"} {
		res, err := Check(context.Background(), "/does/not/exist", puid)
		if err != nil {
			t.Errorf("%q: %v (the file must not be opened)", puid, err)
		}
		if res.Checked || res.Valid || res.Tool != "" || len(res.Problems) > 0 || res.Detail == "" {
			t.Errorf("%q: %+v", puid, res)
		}
		if Supported(puid) {
			t.Errorf("Supported(%q)", puid)
		}
	}
	for _, puid := range []string{"fmt/18", "fmt/477", "fmt/11", "fmt/43", "fmt/353", "fmt/4", "fmt/119", "fmt/567",
		"fmt/101", "x-fmt/280", "x-fmt/263", "fmt/291", "fmt/412", "fmt/1777"} {
		if !Supported(puid) {
			t.Errorf("Supported(%q) = false", puid)
		}
	}
}

func TestEnvironmentErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Check(ctx, filepath.Join(t.TempDir(), "missing.pdf"), "fmt/18"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Check(ctx, t.TempDir(), "fmt/18"); err == nil {
		t.Error("a directory: no error")
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	path := writeTemp(t, "a.png", pngBytes(t, 8, 8))
	if _, err := Check(canceled, path, "fmt/11"); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}

// failingReaderAt fails after n bytes like a bad disk.
type failingReaderAt struct {
	data []byte
	n    int64
}

func (f failingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.n {
		return 0, syscall.EIO
	}
	return bytes.NewReader(f.data).ReadAt(p, off)
}

// An I/O error is an error, not a format problem, whatever the decoder
// makes of it.
func TestIOErrorIsNotAFormatProblem(t *testing.T) {
	c := defaultChecker()
	for _, tc := range []struct {
		puid string
		data []byte
	}{
		{"fmt/11", pngBytes(t, 64, 64)},
		{"fmt/43", jpegBytes(t, 64, 64)},
		{"fmt/4", gifBytes(t, 16, 16, 2)},
		{"fmt/101", []byte("<a>" + string(bytes.Repeat([]byte("<b/>"), 5000)) + "</a>")},
		{"x-fmt/263", buildZip(t, zent{name: "a.txt", data: string(bytes.Repeat([]byte("x"), 50000))})},
		{"fmt/18", validPDF()},
	} {
		src := newSource(context.Background(), failingReaderAt{tc.data, int64(len(tc.data) / 2)}, int64(len(tc.data)), nil)
		_, err := c.run(context.Background(), kindOf(tc.puid), src, tc.puid)
		if !errors.Is(err, syscall.EIO) {
			t.Errorf("%s: err %v, want EIO", tc.puid, err)
		}
		// The same through the public entry for content the caller holds.
		_, err = c.CheckReaderAt(context.Background(), failingReaderAt{tc.data, int64(len(tc.data) / 2)}, int64(len(tc.data)), "f", tc.puid)
		if !errors.Is(err, syscall.EIO) {
			t.Errorf("CheckReaderAt %s: err %v, want EIO", tc.puid, err)
		}
	}
}

func TestCheckReaderAtArguments(t *testing.T) {
	c := defaultChecker()
	ctx := context.Background()
	if _, err := c.CheckReaderAt(ctx, bytes.NewReader(nil), -1, "f", "fmt/18"); err == nil {
		t.Error("negative size: no error")
	}
	r, err := c.CheckReaderAt(ctx, failingReaderAt{nil, 0}, 10, "f", "fmt/999999")
	if err != nil || r.Checked {
		t.Errorf("PUID without a check: %+v, %v; want unchecked without reading", r, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.CheckReaderAt(cctx, bytes.NewReader(validPDF()), int64(len(validPDF())), "f", "fmt/18"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err %v, want context.Canceled", err)
	}
}

func TestTimeout(t *testing.T) {
	c, err := New(Options{Limits: Limits{Timeout: time.Nanosecond}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		puid string
		data []byte
	}{
		{"fmt/11", pngBytes(t, 64, 64)},
		{"fmt/18", validPDF()},
		{"fmt/101", []byte("<a/>")},
		{"x-fmt/263", buildZip(t, zent{name: "a", data: "b"})},
	} {
		r := checkWith(t, c, tc.data, tc.puid)
		want(t, tc.puid+" with a 1ns time limit", r, false, CodeLimit)
	}
}

func TestSeverityOptions(t *testing.T) {
	if _, err := New(Options{Severity: map[string]string{"FORMAT_NONSENSE": "error"}}); err == nil {
		t.Error("unknown code accepted")
	}
	if _, err := New(Options{Severity: map[string]string{CodeInvalid: "fatal"}}); err == nil {
		t.Error("unknown severity accepted")
	}
	strict, err := New(Options{Severity: map[string]string{CodeInvalid: preservation.SeverityError}})
	if err != nil {
		t.Fatal(err)
	}
	truncated := pngBytes(t, 32, 32)
	truncated = truncated[:len(truncated)/2]
	r := checkWith(t, strict, truncated, "fmt/13")
	if len(r.Problems) != 1 || r.Problems[0].Severity != preservation.SeverityError || !r.Problems.HasErrors() {
		t.Errorf("FORMAT_INVALID as error: %+v", r.Problems)
	}
	r = check(t, truncated, "fmt/13")
	if len(r.Problems) != 1 || r.Problems[0].Severity != preservation.SeverityWarning {
		t.Errorf("default severity: %+v", r.Problems)
	}
}

func TestOutcome(t *testing.T) {
	if (Result{Valid: true}).Outcome() != preservation.OutcomeSuccess || (Result{}).Outcome() != preservation.OutcomeFailure {
		t.Error("Outcome")
	}
}

// The tool versions recorded in PREMIS are the versions built in.
func TestToolVersions(t *testing.T) {
	gomod, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for mod, got := range map[string]string{
		"github.com/pdfcpu/pdfcpu": pdfcpuVersion(),
		"golang.org/x/image":       xImageVersion(),
		"golang.org/x/image ":      xImageModuleVersion,
	} {
		mod = strings.TrimSpace(mod)
		m := regexp.MustCompile(regexp.QuoteMeta(mod) + ` (v\S+)`).FindSubmatch(gomod)
		if m == nil {
			t.Fatalf("%s not in go.mod", mod)
		}
		if got != string(m[1]) {
			t.Errorf("%s: tool version %q, go.mod requires %s", mod, got, m[1])
		}
	}
	r := check(t, pngBytes(t, 4, 4), "fmt/11")
	if r.Tool != "Go image/png" || r.ToolVersion != runtime.Version() {
		t.Errorf("PNG tool %q %q", r.Tool, r.ToolVersion)
	}
	r = check(t, validPDF(), "fmt/18")
	if r.Tool != "pdfcpu" || r.ToolVersion != pdfcpuVersion() {
		t.Errorf("PDF tool %q %q", r.Tool, r.ToolVersion)
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"plain":       "plain",
		"a\x00b\nc":   `a\u0000b\u000ac`,
		"bad \xff":    `bad \xff`,
		"ümlaut":      "ümlaut",
		"c1 \u0085 x": `c1 \u0085 x`,
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
	if n := len(clean(string(bytes.Repeat([]byte("x"), 10000)))); n > 410 {
		t.Errorf("clean does not cut: %d bytes", n)
	}
}

// Many files of every kind at once: for the race detector, and to catch
// shared state in pdfcpu.
func TestConcurrent(t *testing.T) {
	files := map[string][]byte{
		"fmt/18":    validPDF(),
		"fmt/477":   pdfWithXMP(xmpPacket("2", "B", false)),
		"fmt/11":    pngBytes(t, 40, 30),
		"fmt/43":    jpegBytes(t, 40, 30),
		"fmt/4":     gifBytes(t, 20, 20, 3),
		"fmt/353":   tiffBytes(t, 20, 20, 0),
		"fmt/101":   []byte(`<?xml version="1.0"?><a><b c="d">e</b></a>`),
		"fmt/291":   buildZip(t, odtEntries()...),
		"x-fmt/263": buildZip(t, zent{name: "a.txt", data: "hallo"}),
	}
	paths := map[string]string{}
	for puid, data := range files {
		paths[puid] = writeTemp(t, "f", data)
	}
	var wg sync.WaitGroup
	for range 4 {
		for puid, path := range paths {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := Check(context.Background(), path, puid)
				if err != nil || !r.Valid {
					t.Errorf("%s: %v %+v", puid, err, r)
				}
			}()
		}
	}
	wg.Wait()
}

var _ io.ReaderAt = (*source)(nil)
