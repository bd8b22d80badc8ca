package ingest_test

import (
	"context"
	"crypto/sha512"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/magazin-archiv/magazin/ingest"
	"github.com/magazin-archiv/magazin/ingest/formatcheck"
	"github.com/magazin-archiv/magazin/internal/benchdata"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/fs"
)

// benchTransfer writes n files of size bytes (incompressible) into a new
// directory.
func benchTransfer(b *testing.B, n, size int) string {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "transfer")
	os.MkdirAll(dir, 0o755)
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, size)
	for i := 0; i < n; i++ {
		for j := range buf {
			buf[j] = byte(r.Uint32())
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("datei-%04d.bin", i)), buf, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

var benchShapes = []struct {
	name       string
	files, siz int
}{
	{"200x64KiB", 200, 64 << 10},
	{"8x8MiB", 8, 8 << 20},
}

// mixedTransfers are the data sets of make bench (internal/benchdata):
// real files of mixed formats, which identification and format checks
// treat as they would treat a real submission.
var mixedTransfers = []struct {
	name  string
	write func(dir string) (int64, error)
}{
	{"2000small", func(dir string) (int64, error) { return benchdata.Small(dir, 2000, 1) }},
	{"4x32MiB", func(dir string) (int64, error) { return benchdata.Large(dir, 4, 32<<20, 1) }},
}

// BenchmarkIngest measures a whole ingest into a local fs store: read,
// hash, identify, check formats, build, write durably, read back, catalog.
// 200x64KiB and 8x8MiB are random bytes (unidentified, unchecked);
// 2000small and 4x32MiB are the mixed formats of make bench.
//
// MAGAZIN_BENCH_TRANSFER=DIR runs only BenchmarkIngest/given, an ingest
// of DIR (e.g. written by `go run ./internal/tools/bench -child small -n
// 10000 -dir DIR`), so that a CPU profile shows the ingest alone.
func BenchmarkIngest(b *testing.B) {
	if dir := os.Getenv("MAGAZIN_BENCH_TRANSFER"); dir != "" {
		b.Run("given", func(b *testing.B) { benchIngest(b, dir) })
		return
	}
	for _, m := range mixedTransfers {
		b.Run(m.name, func(b *testing.B) {
			src := filepath.Join(b.TempDir(), "transfer")
			n, err := m.write(src)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(n)
			benchIngest(b, src)
		})
	}
	for _, shape := range benchShapes {
		b.Run(shape.name, func(b *testing.B) {
			src := benchTransfer(b, shape.files, shape.siz)
			b.SetBytes(int64(shape.files * shape.siz))
			benchIngest(b, src)
		})
	}
}

func benchIngest(b *testing.B, src string) {
	b.Helper()
	fc, err := formatcheck.New(formatcheck.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st, err := fs.Init(filepath.Join(b.TempDir(), "store"))
		if err != nil {
			b.Fatal(err)
		}
		cat, err := catalog.Open(filepath.Join(b.TempDir(), "catalog"), nil) // on disk, as in production
		if err != nil {
			b.Fatal(err)
		}
		cfg := ingest.DefaultConfig(b.TempDir())
		cfg.FormatCheck = fc
		in, err := ingest.New(cfg, []store.Store{st}, cat, identifier(b))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := in.Ingest(context.Background(), src, ingest.Options{Profile: "folder"}, nil); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cat.Close()
		b.StartTimer()
	}
}

// BenchmarkBaseline is the physical floor the ingest is measured against:
// read each file once computing SHA-512, write it durably (fsync), and read
// it back computing SHA-512 again — the least any safe ingest must do.
func BenchmarkBaseline(b *testing.B) {
	for _, shape := range benchShapes {
		b.Run(shape.name, func(b *testing.B) {
			src := benchTransfer(b, shape.files, shape.siz)
			entries, _ := os.ReadDir(src)
			b.SetBytes(int64(shape.files * shape.siz))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dst := b.TempDir()
				b.StartTimer()
				for _, e := range entries {
					if err := hashCopyVerify(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

func hashCopyVerify(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	h := sha512.New()
	if _, err := io.Copy(io.MultiWriter(out, h), in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	out.Close()
	back, err := os.Open(dst)
	if err != nil {
		return err
	}
	defer back.Close()
	h2 := sha512.New()
	_, err = io.Copy(h2, back)
	return err
}
