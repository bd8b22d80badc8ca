package unpack

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestZipHostile feeds archives that must be rejected. Each case asserts
// the exact problem code, that nothing was written outside the staging
// directory and that the staging directory is left empty.
func TestZipHostile(t *testing.T) {
	bomb, bombCRC := zeroBomb(t, 1024) // 1 GiB of zeros in about 1 MB
	smallBomb, smallCRC := zeroBomb(t, 64)
	tests := []struct {
		name string
		zip  func(t *testing.T) []byte
		lim  Limits
		want string
	}{
		{"traversal", one("../evil.txt"), Limits{}, CodeTraversal},
		{"traversal deep", one("a/../../evil.txt"), Limits{}, CodeTraversal},
		{"traversal in the middle", one("a/b/../c.txt"), Limits{}, CodeTraversal},
		{"traversal with backslashes", one(`..\..\evil.txt`), Limits{}, CodeTraversal},
		{"traversal mixed separators", one(`a/..\..\evil.txt`), Limits{}, CodeTraversal},
		{"absolute", one("/tmp/magazin-unpack-evil.txt"), Limits{}, CodeAbsolute},
		{"absolute backslash", one(`\evil.txt`), Limits{}, CodeAbsolute},
		{"UNC path", one(`\\server\share\evil.txt`), Limits{}, CodeAbsolute},
		{"drive letter", one(`C:\Windows\evil.txt`), Limits{}, CodeAbsolute},
		{"drive letter slash", one("c:/evil.txt"), Limits{}, CodeAbsolute},
		{"drive relative", one("D:evil.txt"), Limits{}, CodeAbsolute},
		{"backslash separator", one(`Akte\Brief.txt`), Limits{}, CodeName},
		{"NUL in name", one("Brief\x00.pdf.txt"), Limits{}, CodeName},
		{"newline in name", one("Brief\n.txt"), Limits{}, CodeName},
		{"escape in name", one("Brief\x1b[31m.txt"), Limits{}, CodeName},
		{"DEL in name", one("Brief\x7f.txt"), Limits{}, CodeName},
		{"C1 control in name", one("Brief\u0085.txt"), Limits{}, CodeName},
		{"dot segment", one("a/./b.txt"), Limits{}, CodeName},
		{"empty segment", one("a//b.txt"), Limits{}, CodeName},
		{"only a dot", one("."), Limits{}, CodeName},
		{"segment too long", one(strings.Repeat("x", 256)), Limits{}, CodeName},
		{"path too long", one(strings.Repeat("abcdefghi/", 20) + "x"), Limits{MaxPathLen: 100}, CodeName},
		{"too deep", one(strings.Repeat("a/", 10) + "x"), Limits{MaxDepth: 5}, CodeName},
		{"invalid UTF-8 with UTF-8 flag", entries(zent{name: "Br\xffief.txt", data: "x", flags: zipFlagUTF8}), Limits{}, CodeName},
		{"symlink", entries(zent{name: "link", data: "/etc/passwd", mode: fs.ModeSymlink | 0o777}), Limits{}, CodeLink},
		{"symlink then file through it", entries(
			zent{name: "d", data: "..", mode: fs.ModeSymlink | 0o777},
			zent{name: "d/evil.txt", data: "x"}), Limits{}, CodeLink},
		{"device", entries(zent{name: "sda", mode: fs.ModeDevice | 0o600}), Limits{}, CodeSpecial},
		{"char device", entries(zent{name: "tty", mode: fs.ModeDevice | fs.ModeCharDevice | 0o600}), Limits{}, CodeSpecial},
		{"fifo", entries(zent{name: "pipe", mode: fs.ModeNamedPipe | 0o600}), Limits{}, CodeSpecial},
		{"socket", entries(zent{name: "sock", mode: fs.ModeSocket | 0o600}), Limits{}, CodeSpecial},
		{"duplicate", entries(zent{name: "a.txt", data: "1"}, zent{name: "a.txt", data: "2"}), Limits{}, CodeDuplicate},
		{"case duplicate", entries(zent{name: "Brief.txt", data: "1"}, zent{name: "BRIEF.TXT", data: "2"}), Limits{}, CodeDuplicate},
		{"NFC and NFD duplicate", entries(zent{name: "\u00c4rger.txt", data: "1"}, zent{name: "A\u0308rger.txt", data: "2"}), Limits{}, CodeDuplicate},
		{"case duplicate directory", entries(zent{name: "Akte/a.txt", data: "1"}, zent{name: "akte/b.txt", data: "2"}), Limits{}, CodeDuplicate},
		{"file then directory", entries(zent{name: "a", data: "1"}, zent{name: "a/b.txt", data: "2"}), Limits{}, CodeDuplicate},
		{"directory then file", entries(zent{name: "a/b.txt", data: "1"}, zent{name: "a", data: "2"}), Limits{}, CodeDuplicate},
		{"directory entry then file", entries(zent{name: "a/"}, zent{name: "a", data: "2"}), Limits{}, CodeDuplicate},
		{"encrypted", entries(zent{name: "geheim.txt", data: "x", flags: 0x1}), Limits{}, CodeEncrypted},
		{"AES encrypted", entries(zent{name: "geheim.txt", raw: true, method: 99, data: "xxxxxxxxxxxxxxxx", usize: 5}), Limits{}, CodeEncrypted},
		{"bzip2", entries(zent{name: "a.txt", raw: true, method: 12, data: "BZh91AY&SY", usize: 3}), Limits{}, CodeMethod},
		{"deflate64", entries(zent{name: "a.txt", raw: true, method: 9, data: "xxxx", usize: 3}), Limits{}, CodeMethod},
		{"too many", entries(zent{name: "a"}, zent{name: "b"}, zent{name: "c"}, zent{name: "d"}), Limits{MaxFiles: 3}, CodeTooMany},
		{"file too large", entries(zent{name: "a", data: strings.Repeat("x", 2000)}), Limits{MaxFileSize: 1000}, CodeTooLarge},
		{"total too large", entries(zent{name: "a", data: strings.Repeat("x", 600)}, zent{name: "b", data: strings.Repeat("y", 600)}), Limits{MaxTotalSize: 1000}, CodeTooLarge},
		{"zip bomb 1 GiB", entries(zent{name: "bomb.bin", raw: true, method: zip.Deflate, data: string(bomb), crc: bombCRC, usize: 1 << 30}), Limits{}, CodeRatio},
		{"many small bombs", func(t *testing.T) []byte {
			// Each entry is 512 KiB of zeros, under RatioMinSize, so only
			// the ratio of the archive as a whole catches them.
			var es []zent
			for i := range 8 {
				es = append(es, zent{name: "z" + string(rune('0'+i)), data: string(make([]byte, 512<<10))})
			}
			return buildZip(t, es...)
		}, Limits{}, CodeRatio},
		{"lying size: declares less than it holds", entries(zent{name: "bomb.bin", raw: true, method: zip.Deflate, data: string(smallBomb), crc: smallCRC, usize: 1000}), Limits{}, CodeCorrupt},
		{"lying size: declares more than it holds", entries(zent{name: "a.txt", raw: true, method: zip.Deflate, data: string(deflated(t, []byte("hello"))), crc: crc32.ChecksumIEEE([]byte("hello")), usize: 100}), Limits{}, CodeCorrupt},
		{"CRC mismatch", entries(zent{name: "a.txt", raw: true, method: zip.Deflate, data: string(deflated(t, []byte("hello"))), crc: 12345, usize: 5}), Limits{}, CodeCorrupt},
		{"CRC mismatch stored", entries(zent{name: "a.txt", raw: true, method: storeMethod, data: "hello", crc: 12345, usize: 5}), Limits{}, CodeCorrupt},
		{"corrupt deflate stream", entries(zent{name: "a.txt", raw: true, method: zip.Deflate, data: "\xff\xff\xff\xff\xff\xff", crc: 0, usize: 5}), Limits{}, CodeCorrupt},
		{"flipped data byte", func(t *testing.T) []byte {
			z := buildZip(t, zent{name: "a.txt", data: "Sehr geehrte Damen und Herren", method: storeMethod})
			i := bytes.Index(z, []byte("Sehr"))
			z[i] ^= 0x20
			return z
		}, Limits{}, CodeCorrupt},
		{"directory with content", func(t *testing.T) []byte {
			z := buildZip(t, zent{name: "dd", data: "abc", method: storeMethod})
			return patchCentral(t, z, 0, func(h []byte) { copy(h[chName:], "d/") })
		}, Limits{}, CodeCorrupt},
		{"overlapping entries", func(t *testing.T) []byte {
			return duplicateCentral(t, buildZip(t, zent{name: "a.txt", data: strings.Repeat("A", 1000)}), "b.txt")
		}, Limits{}, CodeCorrupt},
		{"data past the end", func(t *testing.T) []byte {
			z := buildZip(t, zent{name: "a.txt", data: "hello", method: storeMethod})
			return patchCentral(t, z, 0, func(h []byte) { binary.LittleEndian.PutUint32(h[chCSize:], 1<<20) })
		}, Limits{}, CodeCorrupt},
		{"not a zip", func(t *testing.T) []byte { return []byte("%PDF-1.4\n") }, Limits{}, CodeCorrupt},
		{"empty file", func(t *testing.T) []byte { return nil }, Limits{}, CodeCorrupt},
		{"truncated", func(t *testing.T) []byte {
			z := buildZip(t, zent{name: "a.txt", data: "hello"})
			return z[:len(z)-10]
		}, Limits{}, CodeCorrupt},
		{"declares too many entries", func(t *testing.T) []byte {
			z := buildZip(t, zent{name: "a.txt", data: "hello"})
			end := bytes.LastIndex(z, []byte("PK\x05\x06"))
			binary.LittleEndian.PutUint16(z[end+8:], 0xfffe)
			binary.LittleEndian.PutUint16(z[end+10:], 0xfffe)
			return z
		}, Limits{MaxFiles: 1000}, CodeTooMany},
		{"entry count wraps at 16 bits", wrappedCount, Limits{}, CodeCorrupt},
		// A good entry first: its extraction must be undone.
		{"good entry, then CRC mismatch", entries(
			zent{name: "gut/a.txt", data: "fine"},
			zent{name: "b.txt", raw: true, method: storeMethod, data: "hello", crc: 1, usize: 5}), Limits{}, CodeCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sb := newSandbox(t)
			zp := writeTemp(t, tc.zip(t))
			ps, err := Zip(context.Background(), zp, sb.dest, tc.lim)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got := errorCodes(ps); !slices.Equal(got, []string{tc.want}) {
				t.Errorf("error codes %v, want [%s]:%s", got, tc.want, problemText(ps))
			}
			t.Log(problemText(ps))
			sb.checkContained(t)
			sb.checkEmpty(t)
			if _, err := os.Lstat("/tmp/magazin-unpack-evil.txt"); err == nil {
				t.Error("absolute path written")
			}
			for _, p := range ps {
				if strings.ContainsFunc(p.Path+p.Message, isControl) {
					t.Errorf("problem carries raw control characters: %q", p)
				}
			}
		})
	}
}

func one(name string) func(t *testing.T) []byte {
	return entries(zent{name: name, data: "x"})
}

func entries(es ...zent) func(t *testing.T) []byte {
	return func(t *testing.T) []byte { return buildZip(t, es...) }
}

// duplicateCentral appends a copy of the first central directory header
// under another name of the same length, so that two entries share one
// local file's data, and fixes the end record.
func duplicateCentral(t *testing.T, z []byte, name string) []byte {
	t.Helper()
	offs := centralHeaders(t, z)
	h0 := offs[0]
	hlen := 46 + int(binary.LittleEndian.Uint16(z[h0+28:])) + int(binary.LittleEndian.Uint16(z[h0+30:])) + int(binary.LittleEndian.Uint16(z[h0+32:]))
	hdr := slices.Clone(z[h0 : h0+hlen])
	if len(name) != int(binary.LittleEndian.Uint16(hdr[28:])) {
		t.Fatal("name length differs")
	}
	copy(hdr[chName:], name)
	end := bytes.LastIndex(z, []byte("PK\x05\x06"))
	out := slices.Concat(z[:end], hdr, z[end:])
	e := out[end+len(hdr):]
	binary.LittleEndian.PutUint16(e[8:], binary.LittleEndian.Uint16(e[8:])+1)
	binary.LittleEndian.PutUint16(e[10:], binary.LittleEndian.Uint16(e[10:])+1)
	binary.LittleEndian.PutUint32(e[12:], binary.LittleEndian.Uint32(e[12:])+uint32(len(hdr)))
	return out
}

// wrappedCount makes an archive of 65537 entries whose (non-zip64) end
// record declares 1: archive/zip compares only the low 16 bits.
func wrappedCount(t *testing.T) []byte {
	const n = 1<<16 + 1
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i := range n {
		if _, err := zw.CreateHeader(&zip.FileHeader{Name: strconv.Itoa(i), Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	z := b.Bytes()
	end := bytes.LastIndex(z, []byte("PK\x05\x06"))
	z64 := end - 20 - 56 // zip64 end record, then its locator, then the end record
	if binary.LittleEndian.Uint32(z[z64:]) != 0x06064b50 {
		t.Fatal("no zip64 end record")
	}
	size := binary.LittleEndian.Uint64(z[z64+40:])
	offset := binary.LittleEndian.Uint64(z[z64+48:])
	eocd := slices.Clone(z[end:])
	binary.LittleEndian.PutUint16(eocd[8:], 1)
	binary.LittleEndian.PutUint16(eocd[10:], 1)
	binary.LittleEndian.PutUint32(eocd[12:], uint32(size))
	binary.LittleEndian.PutUint32(eocd[16:], uint32(offset))
	out := slices.Concat(z[:z64], eocd)
	if zr, err := zip.NewReader(bytes.NewReader(out), int64(len(out))); err != nil || len(zr.File) != n {
		t.Fatalf("archive/zip no longer accepts the wrapped count (%v); the test needs updating", err)
	}
	return out
}

// TestZipReportsAll checks that the central directory is judged as a whole:
// every bad entry is reported, not only the first.
func TestZipReportsAll(t *testing.T) {
	sb := newSandbox(t)
	zp := writeTemp(t, buildZip(t,
		zent{name: "ok.txt", data: "x"},
		zent{name: "../a", data: "x"},
		zent{name: "/b", data: "x"},
		zent{name: "c", mode: fs.ModeSymlink | 0o777, data: "x"},
		zent{name: "ok.txt", data: "y"},
	))
	ps, err := Zip(context.Background(), zp, sb.dest, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{CodeTraversal, CodeAbsolute, CodeLink, CodeDuplicate}
	if got := codes(ps); !slices.Equal(got, want) {
		t.Errorf("codes %v, want %v:%s", got, want, problemText(ps))
	}
	if ps[0].Path != "../a" {
		t.Errorf("Path = %q, want the entry name", ps[0].Path)
	}
	sb.checkEmpty(t)
}

func TestZipGood(t *testing.T) {
	mod := time.Date(2019, 5, 17, 10, 30, 0, 0, time.UTC)
	zp := writeTemp(t, buildZip(t,
		zent{name: "Akte 1/", mod: mod},
		zent{name: "Akte 1/Brief an Frau Müller.txt", data: "Sehr geehrte Frau Müller", mod: mod},
		zent{name: "Akte 1/Anlagen/Plan.bin", data: strings.Repeat("\x00\x01\x02", 10000), method: storeMethod},
		zent{name: "leer.txt"},
		zent{name: "Leerer Ordner/"},
		zent{name: "utf8-ohne-flag-ä.txt", data: "x", nonUTF8: true},    // UTF-8 bytes, flag not set
		zent{name: "x.xml", data: strings.Repeat("<a>text</a>", 50000)}, // 550 kB compressing ~1000:1: under RatioMinSize
	))
	sb := newSandbox(t)
	ps, err := Zip(context.Background(), zp, sb.dest, Limits{})
	if err != nil || len(ps) > 0 {
		t.Fatalf("Zip: %v%s", err, problemText(ps))
	}
	sb.checkContained(t)
	got, ps, err := Walk(context.Background(), sb.dest, Limits{})
	if err != nil || len(ps) > 0 {
		t.Fatalf("Walk: %v%s", err, problemText(ps))
	}
	want := []Entry{
		{Name: "Akte 1/Anlagen/Plan.bin", Size: 30000},
		{Name: "Akte 1/Brief an Frau Müller.txt", Size: int64(len("Sehr geehrte Frau Müller"))},
		{Name: "leer.txt", Size: 0},
		{Name: "utf8-ohne-flag-ä.txt", Size: 1},
		{Name: "x.xml", Size: 550000},
	}
	for i := range want {
		want[i].Path = filepath.Join(sb.dest, filepath.FromSlash(want[i].Name))
	}
	if !slices.Equal(got, want) {
		t.Errorf("Walk =\n%v\nwant\n%v", got, want)
	}
	b, err := os.ReadFile(filepath.Join(sb.dest, "Akte 1", "Brief an Frau Müller.txt"))
	if err != nil || string(b) != "Sehr geehrte Frau Müller" {
		t.Errorf("content %q, %v", b, err)
	}
	if fi, err := os.Stat(filepath.Join(sb.dest, "Leerer Ordner")); err != nil || !fi.IsDir() {
		t.Errorf("empty directory not created: %v", err)
	}
	for _, n := range []string{"Akte 1", "Akte 1/Brief an Frau Müller.txt"} {
		if fi, err := os.Stat(filepath.Join(sb.dest, n)); err != nil || !fi.ModTime().Equal(mod) {
			t.Errorf("%s: modification time %v, want %v (%v)", n, fi.ModTime(), mod, err)
		}
	}
	if fi, _ := os.Stat(filepath.Join(sb.dest, "leer.txt")); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode())
	}
}

// German agencies' ZIPs made by Windows' built-in writer carry CP437
// names without the UTF-8 flag.
func TestZipCP437Names(t *testing.T) {
	// "Straße/Ärger über Öl.txt" in CP437: ß=E1 Ä=8E ü=81 Ö=99.
	raw := "Stra\xe1e/\x8erger \x81ber \x99l.txt"
	zp := writeTemp(t, buildZip(t, zent{name: raw, data: "x", nonUTF8: true}))
	sb := newSandbox(t)
	ps, err := Zip(context.Background(), zp, sb.dest, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Code != CodeName || ps[0].Severity != "warning" {
		t.Errorf("want one UNPACK_NAME warning, got%s", problemText(ps))
	}
	if _, err := os.Stat(filepath.Join(sb.dest, "Straße", "Ärger über Öl.txt")); err != nil {
		t.Errorf("CP437 name not decoded: %v", err)
	}
}

// 7-Zip and WinZip store the UTF-8 name in an Info-ZIP Unicode Path extra
// field next to a legacy header name.
func TestZipUnicodePathExtra(t *testing.T) {
	legacy := "Gr\x94\xe1e.txt" // "Größe.txt" in CP437
	extra := func(name, uni string) []byte {
		f := []byte{0x75, 0x70, 0, 0, 1}
		f = binary.LittleEndian.AppendUint32(f, crc32.ChecksumIEEE([]byte(name)))
		f = append(f, uni...)
		binary.LittleEndian.PutUint16(f[2:], uint16(len(f)-4))
		return f
	}
	zp := writeTemp(t, buildZip(t,
		zent{name: legacy, data: "x", nonUTF8: true, extra: extra(legacy, "Größe (Unicode).txt")},
		zent{name: "stale.txt", data: "x", nonUTF8: true, extra: extra("other name", "ignored.txt")}, // CRC does not match: ignored
	))
	sb := newSandbox(t)
	ps, err := Zip(context.Background(), zp, sb.dest, Limits{})
	if err != nil || len(ps) > 0 {
		t.Fatalf("Zip: %v%s", err, problemText(ps))
	}
	for _, n := range []string{"Größe (Unicode).txt", "stale.txt"} {
		if _, err := os.Stat(filepath.Join(sb.dest, n)); err != nil {
			t.Error(err)
		}
	}
}

// Counting, not the headers, enforces the limits: with the header checks
// switched off, the bytes actually written are still cut off.
func TestZipCountingEnforcesLimits(t *testing.T) {
	bomb, crc := zeroBomb(t, 64)
	stored := strings.Repeat("x", 10000)
	tests := []struct {
		name string
		zip  []byte
		lim  Limits
		want string
	}{
		{"ratio", buildZip(t, zent{name: "bomb.bin", raw: true, method: zip.Deflate, data: string(bomb), crc: crc, usize: 64 << 20}), Limits{MaxRatio: 100}, CodeRatio},
		{"file size", buildZip(t, zent{name: "a", data: stored, method: storeMethod}), Limits{MaxFileSize: 5000}, CodeTooLarge},
		{"total size", buildZip(t, zent{name: "a", data: stored, method: storeMethod}, zent{name: "b", data: stored, method: storeMethod}), Limits{MaxTotalSize: 15000}, CodeTooLarge},
		{"overall ratio", buildZip(t, zent{name: "a", data: string(make([]byte, 900<<10))}, zent{name: "b", data: string(make([]byte, 900<<10))}), Limits{MaxRatio: 50}, CodeRatio},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sb := newSandbox(t)
			ps, err := zipExtract(context.Background(), writeTemp(t, tc.zip), sb.dest, tc.lim.withDefaults(), false)
			if err != nil {
				t.Fatal(err)
			}
			if got := errorCodes(ps); !slices.Equal(got, []string{tc.want}) {
				t.Errorf("codes %v, want [%s]:%s", got, tc.want, problemText(ps))
			}
			t.Log(problemText(ps))
			sb.checkContained(t)
			sb.checkEmpty(t)
		})
	}
}

func TestZipUnreadable(t *testing.T) {
	sb := newSandbox(t)
	for name, p := range map[string]string{
		"missing":   filepath.Join(t.TempDir(), "nope.zip"),
		"directory": t.TempDir(),
	} {
		ps, err := Zip(context.Background(), p, sb.dest, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := errorCodes(ps); !slices.Equal(got, []string{CodeUnreadable}) {
			t.Errorf("%s: codes %v, want [%s]", name, got, CodeUnreadable)
		}
		sb.checkEmpty(t)
	}
}

func TestZipStaging(t *testing.T) {
	zp := writeTemp(t, buildZip(t, zent{name: "a.txt", data: "x"}))
	sb := newSandbox(t)
	if err := os.Mkdir(sb.dest, 0o755); err != nil {
		t.Fatal(err)
	}
	if ps, err := Zip(context.Background(), zp, sb.dest, Limits{}); err != nil || len(ps) > 0 {
		t.Fatalf("existing empty directory: %v%s", err, problemText(ps))
	}
	// Now it is not empty.
	if _, err := Zip(context.Background(), zp, sb.dest, Limits{}); err == nil {
		t.Error("non-empty staging directory accepted")
	}
	if _, err := os.Stat(filepath.Join(sb.dest, "a.txt")); err != nil {
		t.Errorf("existing content touched: %v", err)
	}
	if _, err := Zip(context.Background(), zp, filepath.Join(sb.tmp, "no", "parent"), Limits{}); err == nil {
		t.Error("missing parent accepted")
	}
}

func TestZipCancelled(t *testing.T) {
	// Enough data that extraction takes a while.
	big := strings.Repeat("abcdefghijklmnopqrstuvwxyz0123456789", 1<<15)
	var es []zent
	for i := range 50 {
		es = append(es, zent{name: "f" + strings.Repeat("x", i), data: big, method: storeMethod})
	}
	zp := writeTemp(t, buildZip(t, es...))
	sb := newSandbox(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Zip(ctx, zp, sb.dest, Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: err = %v", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 2*time.Millisecond)
	defer cancel()
	ps, err := Zip(ctx, zp, sb.dest, Limits{})
	if err == nil {
		t.Skipf("extraction finished within the deadline (%d problems)", len(ps))
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
	sb.checkEmpty(t)
}

func TestIsZip(t *testing.T) {
	dir := t.TempDir()
	var empty bytes.Buffer
	zip.NewWriter(&empty).Close()
	for name, tc := range map[string]struct {
		data []byte
		want bool
	}{
		"zip":   {buildZip(t, zent{name: "a", data: "x"}), true},
		"empty": {empty.Bytes(), true},
		"pdf":   {[]byte("%PDF-1.7"), false},
		"short": {[]byte("PK"), false},
		"none":  {nil, false},
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, tc.data, 0o644)
		if got := IsZip(p); got != tc.want {
			t.Errorf("%s: IsZip = %v, want %v", name, got, tc.want)
		}
	}
	if IsZip(filepath.Join(dir, "missing")) {
		t.Error("missing file is a zip")
	}
}

func TestCheckNameTable(t *testing.T) {
	lim := DefaultLimits()
	for name, want := range map[string]string{
		"Akte/Brief.pdf":           "",
		"Akte 1/Brief (Kopie).pdf": "",
		"Größe.txt":                "",
		"..":                       CodeTraversal,
		"a/..":                     CodeTraversal,
		"..a/b..":                  "",
		"/a":                       CodeAbsolute,
		"C:":                       CodeAbsolute,
		"D:b":                      CodeAbsolute,
		"ab:c":                     "",
		"":                         CodeName,
		"a\\b":                     CodeName,
		"a\tb":                     CodeName,
		"a/":                       CodeName,
		"\xff":                     CodeName,
	} {
		if got, msg := checkName(name, lim); got != want {
			t.Errorf("checkName(%q) = %q (%s), want %q", name, got, msg, want)
		}
	}
}
