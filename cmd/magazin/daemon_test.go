package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// `magazin serve` audits on a schedule and repairs a damaged copy from the
// healthy replica on its own.
func TestServeAuditsAndRepairs(t *testing.T) {
	tmp := t.TempDir()
	a, b := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	g := []string{"--data", filepath.Join(tmp, "d"), "--store", "file://" + a, "--store", "file://" + b}
	mustRun(t, append(g, "ingest", "--profile", "folder", sampleDir(t))...)
	var victim string
	filepath.Walk(filepath.Join(a, "ocfl"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, "Vermerk.txt") {
			victim = p
		}
		return nil
	})
	if victim == "" {
		t.Fatal("no content file found")
	}
	good, _ := os.ReadFile(victim)
	os.Chmod(victim, 0o644)
	bad := append([]byte(nil), good...)
	bad[0] ^= 0x20
	if err := os.WriteFile(victim, bad, 0o444); err != nil {
		t.Fatal(err)
	}
	if r := magazin(t, append(g, "audit")...); r.code != 1 {
		t.Fatalf("audit of a damaged copy: exit %d", r.code)
	}
	stop := serveFor(t, g, "--audit-every", "1h", "--audit-rate", "0")
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if now, _ := os.ReadFile(victim); string(now) == string(good) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	if now, _ := os.ReadFile(victim); string(now) != string(good) {
		t.Fatal("the scheduled audit did not repair the damaged copy")
	}
	mustRun(t, append(g, "audit")...)
}
