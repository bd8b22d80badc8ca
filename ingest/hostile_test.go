package ingest_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"cmp"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/ingest"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/fixity"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

// The hostile-package suite (docs/reliability.md): submissions built to
// escape the staging directory, exhaust memory or disk, confuse names or
// parsers. They are generated here, never committed. Each must be rejected
// with its coded problem, within a memory cap, with nothing written outside
// the staging directory (the data directory and every store are the same
// before and after, but for the quarantine), and kept in quarantine.

// hentry is one entry of a hostile ZIP.
type hentry struct {
	name string
	data []byte
	mode fs.FileMode
	// raw: data is a deflate stream of size uncompressed bytes of zeros.
	raw  bool
	size uint64
	crc  uint32
}

func writeZip(t *testing.T, path string, entries ...hentry) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	for _, e := range entries {
		fh := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)}
		if e.mode != 0 {
			fh.SetMode(e.mode)
		}
		var w io.Writer
		if e.raw {
			fh.CRC32, fh.CompressedSize64, fh.UncompressedSize64 = e.crc, uint64(len(e.data)), e.size
			w, err = zw.CreateRaw(fh)
		} else {
			w, err = zw.CreateHeader(fh)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// zeroBomb returns a deflate stream of bombSize zero bytes (about 260
// KiB) and its CRC-32. One MiB of zeros is compressed once and flushed
// (a byte-aligned, non-final chunk whose back references reach only
// zeros); the stream is that chunk repeated, then an empty final block.
func zeroBomb(t *testing.T) ([]byte, uint32) {
	t.Helper()
	zero := make([]byte, 1<<20)
	var chunk bytes.Buffer
	fw, err := flate.NewWriter(&chunk, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(zero)
	fw.Flush()
	var tail bytes.Buffer
	fw.Reset(&tail)
	fw.Close()
	stream := append(bytes.Repeat(chunk.Bytes(), bombSize>>20), tail.Bytes()...)
	crc := crc32.NewIEEE()
	for range bombSize >> 20 {
		crc.Write(zero)
	}
	return stream, crc.Sum32()
}

// bombSize is what each zip bomb expands to.
const bombSize = 256 << 20

// transferDir writes a small folder submission and returns it.
func transferDir(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// xdomeaWith returns an xdomea 3.0.0 transfer (a copy of the test transfer)
// whose 0503 message is replaced by msg.
func xdomeaWith(t *testing.T, dir string, msg []byte) string {
	t.Helper()
	src := repoPath(t, "testdata/xdomea/3.0.0/9f313771-97ce-4536-b3de-2721748af32c_Aussonderung.Aussonderung.0503")
	dst := filepath.Join(dir, filepath.Base(src))
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, "9f313771-97ce-4536-b3de-2721748af32c_Aussonderung.Aussonderung.0503.xml"), msg, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// xdomeaMessage returns the test transfer's 0503 message with edit applied.
func xdomeaMessage(t *testing.T, edit func(string) string) []byte {
	t.Helper()
	b, err := os.ReadFile(repoPath(t, "testdata/xdomea/3.0.0/9f313771-97ce-4536-b3de-2721748af32c_Aussonderung.Aussonderung.0503/9f313771-97ce-4536-b3de-2721748af32c_Aussonderung.Aussonderung.0503.xml"))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(edit(string(b)))
}

// afterRoot inserts s after the opening tag of the root element.
func afterRoot(msg, s string) string {
	i := strings.Index(msg, "<xdomea:Kopf>")
	return msg[:i] + s + msg[i:]
}

type hostileCase struct {
	name string
	// build writes the submission below dir and returns its path.
	build func(t *testing.T, dir string) string
	// code is the expected error code; "" marks a submission that is
	// harmless once checked: it must be ingested (within the memory cap)
	// with the warning warn.
	code string
	warn string
	// memCap replaces hostileMemCap where the input itself is big.
	memCap int64
}

func hostileCases() []hostileCase {
	zipCase := func(name, code string, entries ...hentry) hostileCase {
		return hostileCase{name, func(t *testing.T, dir string) string {
			return writeZip(t, filepath.Join(dir, "Abgabe.zip"), entries...)
		}, code, "", 0}
	}
	ok := hentry{name: "Akte/Brief.txt", data: []byte("Sehr geehrte Damen und Herren")}
	return []hostileCase{
		zipCase("zip slip ../", "UNPACK_TRAVERSAL", ok, hentry{name: "../../evil.txt", data: []byte("x")}),
		zipCase("zip slip inside ../", "UNPACK_TRAVERSAL", ok, hentry{name: "Akte/../../evil.txt", data: []byte("x")}),
		zipCase("absolute path", "UNPACK_ABSOLUTE", ok, hentry{name: "/tmp/evil.txt", data: []byte("x")}),
		zipCase("Windows drive C:\\", "UNPACK_ABSOLUTE", ok, hentry{name: `C:\Windows\evil.txt`, data: []byte("x")}),
		zipCase("Windows drive C:/", "UNPACK_ABSOLUTE", ok, hentry{name: `C:/evil.txt`, data: []byte("x")}),
		zipCase("UNC \\\\server\\share", "UNPACK_ABSOLUTE", ok, hentry{name: `\\server\share\evil.txt`, data: []byte("x")}),
		zipCase("backslash ..\\", "UNPACK_TRAVERSAL", ok, hentry{name: `..\..\evil.txt`, data: []byte("x")}),
		zipCase("symlink entry", "UNPACK_LINK", ok, hentry{name: "Akte/passwd", data: []byte("/etc/passwd"), mode: fs.ModeSymlink | 0o777}),
		zipCase("symlink then file through it", "UNPACK_LINK", ok, hentry{name: "l", data: []byte("/tmp"), mode: fs.ModeSymlink | 0o777},
			hentry{name: "l/evil.txt", data: []byte("x")}),
		zipCase("device entry", "UNPACK_SPECIAL", ok, hentry{name: "tty", mode: fs.ModeDevice | fs.ModeCharDevice | 0o600}),
		{"zip bomb (ratio)", func(t *testing.T, dir string) string {
			b, crc := zeroBomb(t)
			return writeZip(t, filepath.Join(dir, "Abgabe.zip"), ok, hentry{name: "Akte/zeros.bin", data: b, raw: true, size: bombSize, crc: crc})
		}, "UNPACK_RATIO", "", 0},
		{"zip bomb, size lied about", func(t *testing.T, dir string) string {
			b, crc := zeroBomb(t)
			return writeZip(t, filepath.Join(dir, "Abgabe.zip"), ok, hentry{name: "Akte/zeros.bin", data: b, raw: true, size: 1000, crc: crc})
		}, "UNPACK_CORRUPT", "", 0},
		{"zip bomb nested in a zip", func(t *testing.T, dir string) string {
			b, crc := zeroBomb(t)
			inner := writeZip(t, filepath.Join(dir, "inner.zip"), hentry{name: "zeros.bin", data: b, raw: true, size: bombSize, crc: crc})
			data, err := os.ReadFile(inner)
			if err != nil {
				t.Fatal(err)
			}
			os.Remove(inner)
			return writeZip(t, filepath.Join(dir, "Abgabe.zip"), ok, hentry{name: "Akte/inner.zip", data: data})
			// Stored as a file, flagged by the format policy; the format check
			// reads the inner bomb as a stream and keeps none of it.
		}, "", "POLICY_FLAGGED", 160 << 20},
		{"200,001 entries", func(t *testing.T, dir string) string {
			f, err := os.Create(filepath.Join(dir, "Abgabe.zip"))
			if err != nil {
				t.Fatal(err)
			}
			zw := zip.NewWriter(f)
			for i := range 200_001 {
				if _, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("d%d/%d", i%100, i), Method: zip.Store}); err != nil {
					t.Fatal(err)
				}
			}
			zw.Close()
			f.Close()
			return f.Name()
		}, "UNPACK_TOO_MANY", "", 0},
		zipCase("duplicate names", "UNPACK_DUPLICATE", ok, hentry{name: "Akte/Brief.txt", data: []byte("other")}),
		zipCase("case-colliding names", "UNPACK_DUPLICATE", ok, hentry{name: "AKTE/brief.TXT", data: []byte("other")}),
		zipCase("NFC/NFD-colliding names", "UNPACK_DUPLICATE", hentry{name: "M\u00fcller.txt", data: []byte("a")}, hentry{name: "Mu\u0308ller.txt", data: []byte("b")}),
		zipCase("file and directory of one name", "UNPACK_DUPLICATE", hentry{name: "Akte", data: []byte("a")}, ok),
		zipCase("NUL in a name", "UNPACK_NAME", ok, hentry{name: "Akte/evil\x00.txt", data: []byte("x")}),
		zipCase("newline in a name", "UNPACK_NAME", ok, hentry{name: "Akte/evil\n.txt", data: []byte("x")}),
		zipCase("escape sequence in a name", "UNPACK_NAME", ok, hentry{name: "Akte/\x1b[31mred.txt", data: []byte("x")}),
		zipCase("C1 control in a name", "UNPACK_NAME", ok, hentry{name: "Akte/\u009bx.txt", data: []byte("x")}),
		{"truncated archive", func(t *testing.T, dir string) string {
			p := writeZip(t, filepath.Join(dir, "Abgabe.zip"), ok, hentry{name: "Akte/Plan.txt", data: bytes.Repeat([]byte("Plan "), 10000)})
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)*2/3], 0o644)
			return p
		}, "UNPACK_CORRUPT", "", 0},
		{"tar with symlink and hard link", func(t *testing.T, dir string) string {
			var b bytes.Buffer
			tw := tar.NewWriter(&b)
			tw.WriteHeader(&tar.Header{Name: "Akte/Brief.txt", Mode: 0o644, Size: 3, Typeflag: tar.TypeReg})
			tw.Write([]byte("abc"))
			tw.WriteHeader(&tar.Header{Name: "Akte/passwd", Linkname: "/etc/passwd", Typeflag: tar.TypeSymlink})
			tw.WriteHeader(&tar.Header{Name: "Akte/shadow", Linkname: "/etc/shadow", Typeflag: tar.TypeLink})
			tw.Close()
			p := filepath.Join(dir, "Abgabe.tar")
			os.WriteFile(p, b.Bytes(), 0o644)
			return p
		}, "INGEST_NOT_A_PACKAGE", "", 0},
		{"folder with a symlink out", func(t *testing.T, dir string) string {
			sub := transferDir(t, filepath.Join(dir, "Abgabe"), map[string]string{"Akte/Brief.txt": "x"})
			os.Symlink("/etc/passwd", filepath.Join(sub, "Akte", "passwd"))
			return sub
		}, "UNPACK_LINK", "", 0},
		{"folder with a hard link out", func(t *testing.T, dir string) string {
			sub := transferDir(t, filepath.Join(dir, "Abgabe"), map[string]string{"Akte/Brief.txt": "x"})
			secret := filepath.Join(dir, "geheim.txt")
			os.WriteFile(secret, []byte("nicht für das Archiv"), 0o600)
			if err := os.Link(secret, filepath.Join(sub, "Akte", "geheim.txt")); err != nil {
				t.Fatal(err)
			}
			return sub
		}, "UNPACK_HARDLINK", "", 0},
		{"folder with a FIFO", func(t *testing.T, dir string) string {
			sub := transferDir(t, filepath.Join(dir, "Abgabe"), map[string]string{"Akte/Brief.txt": "x"})
			if err := mkfifo(filepath.Join(sub, "Akte", "pipe")); err != nil {
				t.Fatal(err)
			}
			return sub
		}, "UNPACK_SPECIAL", "", 0},
		{"XML nested 10,000 deep", func(t *testing.T, dir string) string {
			deep := strings.Repeat("<x>", 10000) + strings.Repeat("</x>", 10000)
			return xdomeaWith(t, dir, xdomeaMessage(t, func(m string) string { return afterRoot(m, deep) }))
		}, "XDOMEA_XML_MALFORMED", "", 0},
		{"billion laughs", func(t *testing.T, dir string) string {
			var dtd strings.Builder
			dtd.WriteString(`<!DOCTYPE xdomea:Aussonderung.Aussonderung.0503 [<!ENTITY l0 "ha">`)
			for i := 1; i <= 9; i++ {
				fmt.Fprintf(&dtd, `<!ENTITY l%d "%s">`, i, strings.Repeat(fmt.Sprintf("&l%d;", i-1), 10))
			}
			dtd.WriteString("]>")
			return xdomeaWith(t, dir, xdomeaMessage(t, func(m string) string {
				i := strings.Index(m, "<xdomea:Aussonderung.Aussonderung.0503")
				m = m[:i] + dtd.String() + m[i:]
				return strings.Replace(m, "<xdomea:Kopf>", "<xdomea:Kopf>&l9;", 1)
			}))
		}, "XDOMEA_XML_MALFORMED", "", 0},
		{"external entity", func(t *testing.T, dir string) string {
			return xdomeaWith(t, dir, xdomeaMessage(t, func(m string) string {
				i := strings.Index(m, "<xdomea:Aussonderung.Aussonderung.0503")
				m = m[:i] + `<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + m[i:]
				return strings.Replace(m, "<xdomea:Kopf>", "<xdomea:Kopf>&xxe;", 1)
			}))
		}, "XDOMEA_XML_MALFORMED", "", 0},
		{"huge attribute (16 MiB)", func(t *testing.T, dir string) string {
			return xdomeaWith(t, dir, xdomeaMessage(t, func(m string) string {
				return strings.Replace(m, "<xdomea:Kopf>", `<xdomea:Kopf a="`+strings.Repeat("A", 16<<20)+`">`, 1)
			}))
			// The message is read whole (up to xdomea.MaxMessageSize):
			// some four to six times its size (race detector) while it is parsed.
		}, "XDOMEA_XML_MALFORMED", "", 128 << 20},
		{"declared UTF-8, written in Latin-1", func(t *testing.T, dir string) string {
			return xdomeaWith(t, dir, xdomeaMessage(t, func(m string) string {
				return strings.Replace(m, "<xdomea:Betreff>Bauantrag", "<xdomea:Betreff>M\xfcller Bauantrag", 1)
			}))
		}, "XDOMEA_XML_MALFORMED", "", 0},
		{"unknown encoding", func(t *testing.T, dir string) string {
			return xdomeaWith(t, dir, xdomeaMessage(t, func(m string) string {
				return strings.Replace(m, `encoding="UTF-8"`, `encoding="EBCDIC-037"`, 1)
			}))
		}, "XDOMEA_ENCODING", "", 0},
	}
}

// snapshot lists every file below dir (but skip) with its size and
// modification time, and every key of every store.
func snapshot(t *testing.T, dir string, skip []string, stores []store.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if slices.Contains(skip, rel) {
			return filepath.SkipDir
		}
		if info, err := d.Info(); err == nil && !d.IsDir() {
			out["file "+rel] = fmt.Sprint(info.Size(), info.ModTime().UnixNano())
		}
		return nil
	})
	for i, st := range stores {
		for info, err := range st.List(t.Context(), "") {
			if err != nil {
				t.Fatal(err)
			}
			out[fmt.Sprintf("store%d %s", i, info.Key)] = fmt.Sprint(info.Size)
		}
	}
	return out
}

// peakHeap samples the heap in use until stop is closed and returns the
// highest value.
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	res := make(chan uint64, 1)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				res <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return res
}

// hostileMemCap is the most the heap may grow during one hostile ingest;
// each bomb expands to 256 MiB.
const hostileMemCap int64 = 64 << 20

func TestHostilePackages(t *testing.T) {
	stores := []store.Store{mem.New(), mem.New()}
	r := newRig(t, stores...)
	for _, st := range stores {
		if err := aip.InitRoot(t.Context(), st); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range hostileCases() {
		t.Run(strings.NewReplacer(" ", "_", "/", "_").Replace(tc.name), func(t *testing.T) {
			// outside is the directory above the submission, where a zip
			// slip would land.
			outside := t.TempDir()
			dir := filepath.Join(outside, "in")
			os.Mkdir(dir, 0o755)
			sub := tc.build(t, dir)
			before := snapshot(t, r.data, []string{"quarantine", "staging"}, stores)
			aroundBefore := snapshot(t, outside, []string{"in"}, nil)
			quarantined, _ := os.ReadDir(filepath.Join(r.data, "quarantine"))
			listedBefore := listed(t, r)

			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			base := ms.HeapInuse
			stop := make(chan struct{})
			peak := peakHeap(stop)
			start := time.Now()
			res, err := r.in.Ingest(t.Context(), sub, ingest.Options{}, nil)
			elapsed := time.Since(start)
			close(stop)
			grew := int64(<-peak) - int64(base)

			t.Logf("%s: heap +%d MiB in %v", tc.name, grew>>20, elapsed.Round(time.Millisecond))
			memCap := cmp.Or(tc.memCap, hostileMemCap)
			if grew > memCap {
				t.Errorf("heap grew by %d MiB, cap %d MiB", grew>>20, memCap>>20)
			}
			if tc.code == "" {
				if err != nil {
					t.Fatalf("ingest: %v", err)
				}
				if !slices.ContainsFunc(res.Problems, func(p preservation.Problem) bool { return p.Code == tc.warn }) {
					t.Errorf("ingested without the warning %s: %v", tc.warn, res.Problems)
				}
				return
			}
			var rej *preservation.RejectedError
			if !errors.As(err, &rej) {
				t.Fatalf("err = %v, want a rejection with %s", err, tc.code)
			}
			var codes []string
			for _, p := range rej.Problems {
				if p.Severity == preservation.SeverityError {
					codes = append(codes, p.Code)
				}
			}
			if !slices.Contains(codes, tc.code) {
				t.Errorf("rejected with %v, want %s", rej.Problems, tc.code)
			}
			t.Logf("%s: rejected with %v", tc.name, codes)
			// Nothing outside staging and quarantine changed, and staging
			// is empty again.
			if after := snapshot(t, r.data, []string{"quarantine", "staging"}, stores); !equalSnap(before, after) {
				t.Errorf("data directory or stores changed:\n%v\n%v", diffSnap(before, after), diffSnap(after, before))
			}
			if after := snapshot(t, outside, []string{"in"}, nil); !equalSnap(aroundBefore, after) {
				t.Errorf("written beside the submission: %v", diffSnap(after, aroundBefore))
			}
			if left, _ := os.ReadDir(filepath.Join(r.data, "staging")); len(left) > 0 {
				t.Errorf("staging keeps %d entries", len(left))
			}
			// The submission is kept in quarantine with its report.
			now, _ := os.ReadDir(filepath.Join(r.data, "quarantine"))
			if len(now) != len(quarantined)+1 || rej.Quarantine == "" {
				t.Fatalf("quarantine: %d entries before, %d after (%q)", len(quarantined), len(now), rej.Quarantine)
			}
			if _, err := os.Stat(filepath.Join(rej.Quarantine, "report.json")); err != nil {
				t.Errorf("no quarantine report: %v", err)
			}
			if kept, err := os.ReadDir(filepath.Join(rej.Quarantine, "submission")); len(kept) == 0 {
				t.Errorf("the submission is not in quarantine: %v", err)
			}
			if n := listed(t, r); n != listedBefore {
				t.Errorf("%d AIPs listed, %d before", n, listedBefore)
			}
		})
	}
}

func equalSnap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func diffSnap(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if b[k] != v {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// TestFileChangesWhileRead appends to, or rewrites in place, a file of a
// folder submission while the ingest reads it. Ingest reads each file once
// to hash, identify and scan it, and the store reads it again to write it,
// checking the size and SHA-512 of what it writes against that first read:
// the digest recorded can never silently disagree with the bytes stored.
// Either the ingest fails with the size or digest mismatch and stores and
// lists nothing, or (when the change fell before the first read) the AIP
// holds exactly what was read, as an audit of every replica confirms.
func TestFileChangesWhileRead(t *testing.T) {
	for _, mode := range []string{"append", "rewrite"} {
		t.Run(mode, func(t *testing.T) {
			stores := []store.Store{mem.New(), mem.New()}
			r := newRig(t, stores...)
			sub := transferDir(t, filepath.Join(t.TempDir(), "Abgabe"), map[string]string{"Akte/Brief.txt": "Sehr geehrte Damen und Herren"})
			big := filepath.Join(sub, "Akte", "Scan.bin")
			if err := os.WriteFile(big, bytes.Repeat([]byte("0123456789abcdef"), 3<<20), 0o644); err != nil {
				t.Fatal(err)
			}
			stop, done := make(chan struct{}), make(chan int)
			go func() {
				f, err := os.OpenFile(big, os.O_RDWR, 0)
				if err != nil {
					panic(err)
				}
				defer f.Close()
				n := 0
				for {
					select {
					case <-stop:
						done <- n
						return
					default:
					}
					if mode == "append" {
						f.Seek(0, io.SeekEnd)
						f.Write(bytes.Repeat([]byte{'x'}, 4096))
					} else {
						f.WriteAt([]byte{byte('a' + n%26)}, int64(n*4099)%(48<<20))
					}
					n++
					time.Sleep(time.Millisecond)
				}
			}()
			res, err := r.in.Ingest(t.Context(), sub, ingest.Options{Profile: "folder"}, nil)
			close(stop)
			changes := <-done
			t.Logf("%s: %d changes during the ingest; ingest: %v", mode, changes, err)
			if err != nil {
				if !errors.Is(err, store.ErrSizeMismatch) && !errors.Is(err, store.ErrDigestMismatch) {
					t.Fatalf("err = %v, want a size or digest mismatch", err)
				}
				if n := listed(t, r); n != 0 {
					t.Errorf("%d AIPs listed", n)
				}
				for _, st := range stores {
					if n, _ := complete(t, st); n != 0 {
						t.Errorf("%d complete objects in a replica", n)
					}
				}
				return
			}
			rep, err := fixity.Audit(t.Context(), stores, fixity.Options{Catalog: r.cat})
			if err != nil || !rep.OK() || len(res.AIPs) != 1 {
				t.Fatalf("audit after the ingest: %v, %s", err, dumpReport(rep))
			}
		})
	}
}
