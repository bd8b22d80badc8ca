package unpack

import (
	"archive/zip"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// FuzzZip feeds arbitrary bytes to Zip. Whatever the input: no panic,
// nothing written outside the staging directory, the staging directory
// empty when the archive is rejected, and whatever Zip accepts Walk
// accepts too.
func FuzzZip(f *testing.F) {
	bomb, crc := zeroBomb(f, 2)
	seeds := [][]byte{
		buildZip(f, zent{name: "a.txt", data: "hello"}),
		buildZip(f, zent{name: "Akte/", mod: testTime}, zent{name: "Akte/Brief.txt", data: "Sehr geehrte", mod: testTime}, zent{name: "b", data: "x", method: storeMethod}),
		buildZip(f, zent{name: "../evil", data: "x"}),
		buildZip(f, zent{name: "/abs", data: "x"}),
		buildZip(f, zent{name: "l", data: "/etc", mode: fs.ModeSymlink | 0o777}, zent{name: "l/x", data: "x"}),
		buildZip(f, zent{name: "a", data: "1"}, zent{name: "A", data: "2"}),
		buildZip(f, zent{name: "Stra\xe1e.txt", data: "x", nonUTF8: true}),
		buildZip(f, zent{name: "bomb", raw: true, method: zip.Deflate, data: string(bomb), crc: crc, usize: 2 << 20}),
		buildZip(f, zent{name: "crc", raw: true, method: storeMethod, data: "abc", crc: 7, usize: 3}),
		nil,
		[]byte("PK\x05\x06" + string(make([]byte, 18))),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	lim := Limits{MaxFiles: 50, MaxTotalSize: 4 << 20, MaxFileSize: 2 << 20, MaxRatio: 50, RatioMinSize: 64 << 10, MaxPathLen: 200, MaxDepth: 8}
	f.Fuzz(func(t *testing.T, data []byte) {
		zp := filepath.Join(t.TempDir(), "in.zip")
		if err := os.WriteFile(zp, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sb := newSandbox(t)
		ps, err := Zip(context.Background(), zp, sb.dest, lim)
		sb.checkContained(t)
		if err != nil || ps.HasErrors() {
			sb.checkEmpty(t)
			return
		}
		if _, wps, werr := Walk(context.Background(), sb.dest, lim); werr != nil || len(wps) > 0 {
			t.Errorf("Zip accepted what Walk rejects: %v%s", werr, problemText(wps))
		}
	})
}
