package unpack

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
)

// zent describes one archive entry for buildZip.
type zent struct {
	name    string
	data    string
	mode    fs.FileMode // 0: regular file (or directory if name ends in "/")
	method  uint16      // zip.Deflate unless set; storeMethod for zip.Store
	flags   uint16
	nonUTF8 bool
	extra   []byte
	mod     time.Time
	// raw entries are written with CreateRaw: data is the compressed
	// stream, and the header fields below are taken as given.
	raw        bool
	crc        uint32
	usize      uint64
	rawComment string
}

// testTime is a modification time for test entries.
var testTime = time.Date(2020, 2, 29, 12, 0, 0, 0, time.UTC)

// storeMethod asks for zip.Store, whose value 0 means "default" in zent.
const storeMethod = 0xfffe

func buildZip(t testing.TB, entries ...zent) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		fh := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Flags: e.flags, NonUTF8: e.nonUTF8, Extra: e.extra, Modified: e.mod}
		switch e.method {
		case 0:
		case storeMethod:
			fh.Method = zip.Store
		default:
			fh.Method = e.method
		}
		if e.mode != 0 {
			fh.SetMode(e.mode)
		}
		if e.raw {
			fh.CRC32 = e.crc
			fh.CompressedSize64 = uint64(len(e.data))
			fh.UncompressedSize64 = e.usize
			w, err := zw.CreateRaw(fh)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write([]byte(e.data)); err != nil {
				t.Fatal(err)
			}
			continue
		}
		w, err := zw.CreateHeader(fh)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// deflated returns the raw deflate stream of data.
func deflated(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// zeroBomb returns a raw deflate stream of n MiB of zeros and its CRC-32,
// built from one compressed MiB repeated (sync-flushed blocks concatenate),
// so that a GiB costs milliseconds instead of seconds to make.
func zeroBomb(t testing.TB, mib int) ([]byte, uint32) {
	t.Helper()
	zeros := make([]byte, 1<<20)
	var chunk bytes.Buffer
	w, _ := flate.NewWriter(&chunk, flate.BestCompression)
	w.Write(zeros)
	if err := w.Flush(); err != nil { // ends byte-aligned, not final
		t.Fatal(err)
	}
	stream := bytes.Repeat(chunk.Bytes(), mib)
	stream = append(stream, 0x03, 0x00) // final, empty fixed-Huffman block
	crc := uint32(0)
	for range mib {
		crc = crc32.Update(crc, crc32.IEEETable, zeros)
	}
	return stream, crc
}

// centralHeaders returns the offsets of the central directory headers of
// z, in order.
func centralHeaders(t testing.TB, z []byte) []int {
	t.Helper()
	end := bytes.LastIndex(z, []byte("PK\x05\x06"))
	if end < 0 {
		t.Fatal("no end record")
	}
	start := int(binary.LittleEndian.Uint32(z[end+16:]))
	var offs []int
	for p := start; p < end; {
		if binary.LittleEndian.Uint32(z[p:]) != 0x02014b50 {
			t.Fatalf("no central header at %d", p)
		}
		offs = append(offs, p)
		p += 46 + int(binary.LittleEndian.Uint16(z[p+28:])) + int(binary.LittleEndian.Uint16(z[p+30:])) + int(binary.LittleEndian.Uint16(z[p+32:]))
	}
	return offs
}

// patchCentral lets fn modify the i-th central directory header of z (the
// fixed 46 bytes followed by name, extra and comment).
func patchCentral(t testing.TB, z []byte, i int, fn func(h []byte)) []byte {
	t.Helper()
	z = slices.Clone(z)
	fn(z[centralHeaders(t, z)[i]:])
	return z
}

// Offsets in a central directory header.
const (
	chFlags = 8
	chCRC   = 16
	chCSize = 20
	chUSize = 24
	chName  = 46
)

// sandbox is a temporary tree: <tmp>/parent/dest is the staging directory
// and nothing else may ever appear in <tmp> or <tmp>/parent. The archive
// lives elsewhere.
type sandbox struct {
	tmp, parent, dest string
}

func newSandbox(t testing.TB) sandbox {
	t.Helper()
	tmp := t.TempDir()
	s := sandbox{tmp: tmp, parent: filepath.Join(tmp, "parent"), dest: filepath.Join(tmp, "parent", "dest")}
	if err := os.Mkdir(s.parent, 0o755); err != nil {
		t.Fatal(err)
	}
	return s
}

// checkContained fails when anything exists outside dest.
func (s sandbox) checkContained(t testing.TB) {
	t.Helper()
	for dir, allowed := range map[string]string{s.tmp: "parent", s.parent: "dest"} {
		des, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, de := range des {
			if de.Name() != allowed {
				t.Errorf("written outside the staging directory: %s", filepath.Join(dir, de.Name()))
			}
		}
	}
}

// checkEmpty fails when dest holds anything.
func (s sandbox) checkEmpty(t testing.TB) {
	t.Helper()
	des, err := os.ReadDir(s.dest)
	if err != nil {
		t.Fatalf("staging directory: %v", err)
	}
	if len(des) > 0 {
		var names []string
		for _, de := range des {
			names = append(names, de.Name())
		}
		t.Errorf("staging directory not empty after rejection: %v", names)
	}
}

func writeTemp(t testing.TB, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "submission.zip")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func codes(ps preservation.Problems) []string {
	var cs []string
	for _, p := range ps {
		cs = append(cs, p.Code)
	}
	return cs
}

// errorCodes lists the codes of error-severity problems, deduplicated.
func errorCodes(ps preservation.Problems) []string {
	var cs []string
	for _, p := range ps {
		if p.Severity == preservation.SeverityError && !slices.Contains(cs, p.Code) {
			cs = append(cs, p.Code)
		}
	}
	return cs
}

func problemText(ps preservation.Problems) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("\n\t" + p.String())
	}
	return b.String()
}
