package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/profiles/xdomea"
)

// serveFor runs `magazin serve` until the returned stop function is called.
func serveFor(t *testing.T, g []string, extra ...string) func() {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var out bytes.Buffer
	cmd := exec.Command(bin, append(append(g, "serve", "--addr", addr, "--poll", "50ms", "--settle", "200ms"), extra...)...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Errorf("serve did not stop:\n%s", out.String())
		}
	}
}

// waitFor polls until dir holds a message of type typ.
func waitFor(t *testing.T, dir, typ string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if p := replies(t, dir)[typ]; p != "" {
			return p
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no %s appeared in %s", typ, dir)
	return ""
}

// copySlowly copies src into dir the way a slow agency system would:
// written in two parts with a pause, so the watcher must not take it early.
func copySlowly(t *testing.T, src, dir string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, filepath.Base(src))
	half := len(b) / 2
	if err := os.WriteFile(dst, b[:half], 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(120 * time.Millisecond)
	f, err := os.OpenFile(dst, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(b[half:])
	f.Close()
}

// The four-stage process through the agency's hot folder: the offer and
// the transfer are dropped into the inbox of a running `magazin serve`, and
// the replies appear in the outbox; the archivist appraises with the CLI.
func TestHotFolderProcess(t *testing.T) {
	schemas := filepath.Join(corpus.Dir(t, "xdomea/x-man"), "xsd")
	const pid = "9f313771-97ce-4536-b3de-2721748af32c"
	src, _ := filepath.Abs("../../testdata/xdomea/3.0.0")
	tmp := t.TempDir()
	agencyDir := filepath.Join(tmp, "lra")
	inbox, outbox := filepath.Join(agencyDir, "inbox"), filepath.Join(agencyDir, "outbox")
	g := []string{"--data", filepath.Join(tmp, "d"), "--xdomea-schemas", schemas}
	mustRun(t, append(g, "bestand", "add", "--signatur", "30010", "--title", "Landratsamt Musterkreis")...)
	mustRun(t, append(g, "agency", "add", "psw:14999000", "--name", "Landratsamt Musterkreis", "--bestand", "30010", "--dir", agencyDir)...)

	stop := serveFor(t, g)
	copySlowly(t, filepath.Join(src, pid+"_Aussonderung.Anbieteverzeichnis.0501.xml"), inbox)
	validateReply(t, schemas, waitFor(t, outbox, "0504"))
	stop()

	offer, _ := os.ReadFile(filepath.Join(src, pid+"_Aussonderung.Anbieteverzeichnis.0501.xml"))
	m, err := xdomea.Parse(offer, pid+"_Aussonderung.Anbieteverzeichnis.0501.xml")
	if err != nil {
		t.Fatal(err)
	}
	top := m.TopLevel()
	args := append(g, "appraise", pid, "--rest", "A", "--destroy", top[len(top)-1].ID)
	mustRun(t, args...)
	validateReply(t, schemas, waitFor(t, outbox, "0502"))

	stop = serveFor(t, g)
	zipPath := filepath.Join(tmp, pid+"_Aussonderung.Aussonderung.0503.zip")
	zipDir(t, filepath.Join(src, pid+"_Aussonderung.Aussonderung.0503"), zipPath, "")
	copySlowly(t, zipPath, inbox)
	r0507 := waitFor(t, outbox, "0507")
	r0506 := waitFor(t, outbox, "0506")
	stop()
	validateReply(t, schemas, r0507)
	validateReply(t, schemas, r0506)
	if b, _ := os.ReadFile(r0506); !strings.Contains(string(b), "30010 Nr.") {
		t.Errorf("0506 without Archivkennung:\n%s", b)
	}
	if left, _ := os.ReadDir(inbox); len(left) != 0 {
		t.Errorf("inbox not emptied: %v", left)
	}
	if out := mustRun(t, append(g, "unit", "list", "--parent", "30010")...); !strings.Contains(out, "30010 Nr. 1") {
		t.Errorf("transferred units not in the Bestand:\n%s", out)
	}
	mustRun(t, append(g, "aip", "verify", "--all")...)
}
