package ingest_test

import (
	"archive/zip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/ingest"
	"github.com/magazin-archiv/magazin/ingest/scan"
	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

// eicar is the EICAR test file, put together here so that the repository
// itself holds no file a virus scanner would flag.
func eicar() string {
	return strings.Join([]string{`X5O!P%@AP[4\PZX54(P^)7CC)7}$`, "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"}, "")
}

func scanner(t *testing.T) *scan.Scanner {
	t.Helper()
	addr := os.Getenv("MAGAZIN_TEST_CLAMD")
	if addr == "" {
		corpus.Missing(t, "MAGAZIN_TEST_CLAMD not set: no clamd (make test starts one)")
	}
	network, address, err := scan.ParseAddress(addr)
	if err != nil {
		t.Fatal(err)
	}
	s, err := scan.New(scan.Config{Network: network, Address: address})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// EICAR inside a ZIP inside a submission is caught by the real clamd in
// the one read of each file, and the submission is quarantined.
func TestVirusIsQuarantined(t *testing.T) {
	sc := scanner(t)
	cat, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	st := mem.New()
	cfg := ingest.DefaultConfig(t.TempDir())
	cfg.Scanner, cfg.ScanRequired, cfg.ScannerVersion = sc, true, "test"
	in, err := ingest.New(cfg, []store.Store{st}, cat, identifier(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "Abgabe")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "Brief.txt"), []byte("Sehr geehrte Damen und Herren"), 0o644)
	f, _ := os.Create(filepath.Join(dir, "Anlagen.zip"))
	zw := zip.NewWriter(f)
	w, _ := zw.Create("anlage/readme.txt")
	w.Write([]byte(eicar()))
	zw.Close()
	f.Close()
	_, err = in.Ingest(context.Background(), dir, ingest.Options{Profile: "folder"}, nil)
	var rej *preservation.RejectedError
	if !errors.As(err, &rej) {
		t.Fatalf("err = %v, want a rejection", err)
	}
	found := false
	for _, p := range rej.Problems {
		if p.Code == scan.CodeInfected && p.Path == "Anlagen.zip" {
			found = true
		}
	}
	if !found {
		t.Errorf("problems = %v", rej.Problems)
	}
	if _, err := os.Stat(filepath.Join(rej.Quarantine, "submission", "Abgabe", "Anlagen.zip")); err != nil {
		t.Errorf("infected submission not in quarantine: %v", err)
	}
	if n := objectCount(t, st); n != 0 {
		t.Errorf("%d objects stored", n)
	}
	// A clean submission passes and records the virus check.
	os.Remove(filepath.Join(dir, "Anlagen.zip"))
	res, err := in.Ingest(context.Background(), dir, ingest.Options{Profile: "folder"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !hasEvent(res.AIPs[0], preservation.EventVirusCheck) {
		t.Error("no virus check event")
	}
}
