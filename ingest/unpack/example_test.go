package unpack_test

import (
	"archive/zip"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/magazin-archiv/magazin/ingest/unpack"
)

func ExampleZip() {
	tmp, _ := os.MkdirTemp("", "unpack-example")
	defer os.RemoveAll(tmp)
	zipPath := filepath.Join(tmp, "Abgabe.zip")
	f, _ := os.Create(zipPath)
	zw := zip.NewWriter(f)
	w, _ := zw.Create("Akte 1/Brief.txt")
	w.Write([]byte("Sehr geehrte Damen und Herren"))
	w, _ = zw.Create("../../etc/cron.d/evil")
	w.Write([]byte("* * * * * root rm -rf /"))
	zw.Close()
	f.Close()

	ctx := context.Background()
	problems, err := unpack.Zip(ctx, zipPath, filepath.Join(tmp, "staging"), unpack.DefaultLimits())
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	for _, p := range problems {
		fmt.Println(p)
	}
	files, _, _ := unpack.Walk(ctx, filepath.Join(tmp, "staging"), unpack.DefaultLimits())
	fmt.Println(len(files), "files extracted")
	// Output:
	// error UNPACK_TRAVERSAL: ../../etc/cron.d/evil: ".." segment
	// 0 files extracted
}
