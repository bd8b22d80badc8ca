package identify

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"
)

// shared is one Identifier for all tests, as production code would share it.
var shared = sync.OnceValues(New)

func identifier(t testing.TB) *Identifier {
	t.Helper()
	id, err := shared()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return id
}

func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The PUIDs are what siegfried 1.11.2 with its embedded PRONOM v120
// signatures says about files made by Go's own encoders.
func TestIdentifyFormats(t *testing.T) {
	id := identifier(t)
	tests := []struct {
		name    string
		data    []byte
		puid    string
		warning string // substring of Result.Warning; "" means Warning must be empty
	}{
		{"Bescheid.pdf", minimalPDF(), "fmt/18", ""},
		{"Bescheid.txt", minimalPDF(), "fmt/18", "extension mismatch"}, // content wins over the extension
		{"Plan.png", pngBytes(t), "fmt/11", ""},                        // image/png writes no version-specific chunks: PNG 1.0
		{"Foto.jpg", jpegBytes(t), "fmt/41", ""},                       // image/jpeg writes no JFIF APP0: raw JPEG stream
		{"Akte.zip", zipBytes(t), "x-fmt/263", ""},
		{"Vermerk.txt", plainText, "x-fmt/111", ""},
		{"Vermerk", plainText, "x-fmt/111", "match on text only"},
		{"Metadaten.xml", []byte(`<?xml version="1.0" encoding="UTF-8"?><a/>`), "fmt/101", ""},
		{"leer.pdf", nil, Unknown, WarningEmpty},
		{"Rauschen.q7z", bytes.Repeat([]byte{0x00, 0xff, 0x13, 0x9c}, 5000), Unknown, "no match"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check := func(how string, r Result, err error) {
				t.Helper()
				if err != nil {
					t.Fatalf("%s: %v", how, err)
				}
				if r.PUID != tc.puid {
					t.Errorf("%s: PUID = %q, want %q (result %+v)", how, r.PUID, tc.puid, r)
				}
				if tc.warning == "" && r.Warning != "" || !strings.Contains(r.Warning, tc.warning) {
					t.Errorf("%s: Warning = %q, want %q", how, r.Warning, tc.warning)
				}
				if r.PUID != Unknown && (r.FormatName == "" || r.Basis == "") {
					t.Errorf("%s: FormatName or Basis missing: %+v", how, r)
				}
			}
			p := writeFile(t, tc.name, tc.data)
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, err := id.IdentifyFile(context.Background(), f, tc.name)
			check("IdentifyFile", r, err)
			fromFile := r
			r, err = id.Identify(context.Background(), bytes.NewReader(tc.data), tc.name)
			check("Identify", r, err)
			r, err = id.IdentifyBytes(context.Background(), tc.data, tc.name)
			check("IdentifyBytes", r, err)
			if r != fromFile {
				t.Errorf("IdentifyBytes %+v, IdentifyFile %+v: want the same", r, fromFile)
			}
		})
	}
}

// IdentifyBytes of content larger than what is kept whole (head and tail
// only) identifies as IdentifyFile does.
func TestIdentifyBytesLarge(t *testing.T) {
	id := identifier(t)
	pdf := minimalPDF()
	data := append(append([]byte{}, pdf[:len(pdf)-6]...), bytes.Repeat([]byte("% padding\n"), 30_000)...)
	data = append(data, pdf[len(pdf)-6:]...)
	if len(data) <= wholeSize {
		t.Fatalf("test data of %d bytes is not larger than wholeSize", len(data))
	}
	f, err := os.Open(writeFile(t, "gross.pdf", data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, err := id.IdentifyFile(context.Background(), f, "gross.pdf")
	if err != nil {
		t.Fatal(err)
	}
	got, err := id.IdentifyBytes(context.Background(), data, "gross.pdf")
	if err != nil || got != want {
		t.Errorf("IdentifyBytes = %+v, %v; IdentifyFile = %+v", got, err, want)
	}
	if want.PUID != "fmt/18" {
		t.Errorf("PUID %q, want fmt/18", want.PUID)
	}
}

func TestIdentifyPNGMetadata(t *testing.T) {
	r, err := identifier(t).Identify(context.Background(), bytes.NewReader(pngBytes(t)), "Plan.png")
	if err != nil {
		t.Fatal(err)
	}
	want := Result{PUID: "fmt/11", FormatName: "Portable Network Graphics", FormatVersion: "1.0", MIME: "image/png"}
	r.Basis = ""
	if r != want {
		t.Errorf("got %+v, want %+v", r, want)
	}
}

// IdentifyFile must neither depend on nor move the file offset: the caller
// may be hashing the same *os.File.
func TestIdentifyFileOffset(t *testing.T) {
	id := identifier(t)
	big := append(minimalPDF(), bytes.Repeat([]byte("% padding line\n"), 20000)...) // > wholeSize: head, tail and ReadAt
	big = append(big, "%%EOF\n"...)
	for _, data := range [][]byte{minimalPDF(), big} {
		f, err := os.Open(writeFile(t, "x.pdf", data))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		const at = 7
		if _, err := f.Seek(at, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		r, err := id.IdentifyFile(context.Background(), f, "x.pdf")
		if err != nil || r.PUID != "fmt/18" {
			t.Fatalf("size %d: got %+v, %v; want fmt/18", len(data), r, err)
		}
		if pos, _ := f.Seek(0, io.SeekCurrent); pos != at {
			t.Errorf("size %d: offset moved from %d to %d", len(data), at, pos)
		}
	}
}

// Siegfried must use fileSource as a slicer (random access), not stream it
// through Read. If a siegfried upgrade changes its unexported source
// interface, this test says so (identification would still work, but
// would buffer whole files).
func TestFileSourceIsSlicer(t *testing.T) {
	id := identifier(t)
	data := append(minimalPDF(), bytes.Repeat([]byte("% padding line\n"), 20000)...)
	f, err := os.Open(writeFile(t, "x.pdf", data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src := newFileSource(context.Background(), f, int64(len(data)))
	if err := src.init(); err != nil {
		t.Fatal(err)
	}
	if _, err := id.run(context.Background(), src, "x.pdf", src.failure); err != nil {
		t.Fatal(err)
	}
	if src.streamed {
		t.Error("siegfried read fileSource through Read: it no longer recognises it as a slicer")
	}
}

func TestFileSourceSlices(t *testing.T) {
	data := make([]byte, 300<<10)
	for i := range data {
		data[i] = byte(i * 7)
	}
	f, err := os.Open(writeFile(t, "x", data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := newFileSource(context.Background(), f, int64(len(data)))
	if err := s.init(); err != nil {
		t.Fatal(err)
	}
	n := int64(len(data))
	for _, c := range []struct {
		off int64
		l   int
	}{{0, 10}, {0, edgeSize}, {edgeSize - 5, 10}, {100 << 10, 4096}, {n - 10, 10}, {n - 10, 20}, {n - edgeSize - 3, 6}, {n, 1}} {
		got, err := s.Slice(c.off, c.l)
		end := min(c.off+int64(c.l), n)
		var want []byte
		if c.off < n {
			want = data[c.off:end]
		}
		wantEOF := c.off+int64(c.l) > n
		if !bytes.Equal(got, want) || (err == io.EOF) != wantEOF || (err != nil && err != io.EOF) {
			t.Errorf("Slice(%d, %d) = %d bytes, %v; want %d bytes, EOF %v", c.off, c.l, len(got), err, len(want), wantEOF)
		}
		// EofSlice(off, l) ends off bytes before the end.
		got, err = s.EofSlice(c.off, c.l)
		want = nil
		if c.off < n {
			want = data[max(0, n-c.off-int64(c.l)) : n-c.off]
		}
		if !bytes.Equal(got, want) || (err == io.EOF) != wantEOF || (err != nil && err != io.EOF) {
			t.Errorf("EofSlice(%d, %d) = %d bytes, %v; want %d bytes, EOF %v", c.off, c.l, len(got), err, len(want), wantEOF)
		}
	}
	if s.failure() != nil {
		t.Errorf("failure = %v", s.failure())
	}
}

func TestIdentifyFileErrors(t *testing.T) {
	id := identifier(t)
	f, err := os.Open(writeFile(t, "x.pdf", minimalPDF()))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := id.IdentifyFile(context.Background(), f, "x.pdf"); !errors.Is(err, os.ErrClosed) {
		t.Errorf("closed file: err = %v, want os.ErrClosed", err)
	}
	d, err := os.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := id.IdentifyFile(context.Background(), d, "dir"); err == nil {
		t.Error("directory: no error")
	}
}

// A read error is an error, never a (partial) identification.
func TestIdentifyReadError(t *testing.T) {
	id := identifier(t)
	boom := errors.New("disk on fire")
	for name, r := range map[string]io.Reader{
		"immediately":   iotest.ErrReader(boom),
		"after a while": io.MultiReader(bytes.NewReader(minimalPDF()[:100]), iotest.ErrReader(boom)),
		"big":           io.MultiReader(bytes.NewReader(bytes.Repeat(plainText, 10000)), iotest.ErrReader(boom)),
	} {
		if res, err := id.Identify(context.Background(), r, "x.pdf"); !errors.Is(err, boom) {
			t.Errorf("%s: got %+v, %v; want an error wrapping %v", name, res, err, boom)
		}
	}
}

func TestIdentifyCancelled(t *testing.T) {
	id := identifier(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := id.Identify(ctx, bytes.NewReader(plainText), "x.txt"); !errors.Is(err, context.Canceled) {
		t.Errorf("Identify: err = %v, want context.Canceled", err)
	}
	f, err := os.Open(writeFile(t, "x.txt", plainText))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := id.IdentifyFile(ctx, f, "x.txt"); !errors.Is(err, context.Canceled) {
		t.Errorf("IdentifyFile: err = %v, want context.Canceled", err)
	}
}

// slowReader yields an endless text stream slowly.
type slowReader struct{}

func (slowReader) Read(p []byte) (int, error) {
	time.Sleep(time.Millisecond)
	n := copy(p, bytes.Repeat([]byte("text "), 100))
	return n, nil
}

// Cancelling during an identification returns at once, and the goroutine
// running siegfried ends soon after.
func TestIdentifyCancelledWhileRunning(t *testing.T) {
	id := identifier(t)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := id.Identify(ctx, slowReader{}, "endless.txt")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned after %v", d)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines before, %d after: siegfried's goroutine leaked", before, n)
	}
}

func TestConcurrentUse(t *testing.T) {
	id := identifier(t)
	inputs := []struct {
		name string
		data []byte
		puid string
	}{
		{"a.pdf", minimalPDF(), "fmt/18"},
		{"a.png", pngBytes(t), "fmt/11"},
		{"a.zip", zipBytes(t), "x-fmt/263"},
		{"a.txt", plainText, "x-fmt/111"},
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				in := inputs[(g+i)%len(inputs)]
				r, err := id.Identify(context.Background(), bytes.NewReader(in.data), in.name)
				if err != nil || r.PUID != in.puid {
					t.Errorf("%s: got %+v, %v; want %s", in.name, r, err, in.puid)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestVersion(t *testing.T) {
	v := identifier(t).Version()
	for _, want := range []string{"siegfried 1.11.2", "pronom", "DROID_SignatureFile_V120", "container-signature-20240715"} {
		if !strings.Contains(v, want) {
			t.Errorf("Version() = %q, want it to contain %q", v, want)
		}
	}
}

func BenchmarkIdentify(b *testing.B) {
	id := identifier(b)
	for _, in := range []struct {
		name string
		data []byte
	}{
		{"Bescheid.pdf", minimalPDF()},
		{"Plan.png", pngBytes(b)},
		{"Akte.zip", zipBytes(b)},
		{"Vermerk.txt", plainText},
	} {
		b.Run(in.name, func(b *testing.B) {
			f, err := os.Open(writeFile(b, in.name, in.data))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			ctx := context.Background()
			b.SetBytes(int64(len(in.data)))
			for b.Loop() {
				if _, err := id.IdentifyFile(ctx, f, in.name); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
