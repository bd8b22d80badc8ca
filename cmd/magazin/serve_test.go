package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serveReadingRoom runs `magazin serve` and returns its base URL once
// /healthz answers, and a func that stops it.
func serveReadingRoom(t *testing.T, g []string) (string, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, append(g, "serve", "--addr", addr)...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Error("serve did not stop")
		}
	}
	t.Cleanup(stop)
	base := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base, stop
			}
		}
	}
	t.Fatal("serve did not answer /healthz")
	return "", stop
}

func httpGet(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// TestServeReadingRoom ingests the sample transfer, opens it by recording
// its creation date, and reads it through `magazin serve`: search, unit,
// files and one file; then marks it person-related and finds it closed.
func TestServeReadingRoom(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	g := []string{"--data", data}
	mustRun(t, append(g, "ingest", "--profile", "folder", sampleDir(t))...)
	var found struct {
		Hits []struct{ ID string }
	}
	if err := json.Unmarshal([]byte(mustRun(t, append(g, "search", "--json", "--level", "akte")...)), &found); err != nil || len(found.Hits) != 1 {
		t.Fatalf("search: %+v %v", found, err)
	}
	id := found.Hits[0].ID
	mustRun(t, append(g, "closure", "set", "--created", "1990-06-30", id)...)

	base, stop := serveReadingRoom(t, g)
	code, _, body := httpGet(t, base+"/search?q=sample")
	if code != 200 || !strings.Contains(string(body), "<mark>sample</mark>-transfer") || !strings.Contains(string(body), "frei zugänglich") {
		t.Fatalf("search page = %d\n%s", code, body)
	}
	short := strings.TrimPrefix(id, "urn:uuid:")
	code, _, body = httpGet(t, base+"/unit/"+short)
	if code != 200 || !strings.Contains(string(body), "Lageplan.png") {
		t.Fatalf("unit page = %d\n%s", code, body)
	}
	var files struct {
		Files []struct{ Name, URL, MediaType string }
	}
	code, _, body = httpGet(t, base+"/api/v1/units/"+short+"/files")
	if err := json.Unmarshal(body, &files); code != 200 || err != nil || len(files.Files) != 5 {
		t.Fatalf("files = %d %s", code, body)
	}
	for _, f := range files.Files {
		if !strings.HasSuffix(f.Name, "Lageplan.png") {
			continue
		}
		want, err := os.ReadFile(filepath.Join(sampleDir(t), f.Name))
		if err != nil {
			t.Fatal(err)
		}
		code, h, got := httpGet(t, base+f.URL)
		if code != 200 || string(got) != string(want) || h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("Lageplan.png = %d %s, %d bytes", code, h.Get("Content-Type"), len(got))
		}
	}

	// Person-related from now on: closed until 60 years after creation. The
	// catalog belongs to one process at a time, so the server stops while
	// the fact is recorded.
	stop()
	mustRun(t, append(g, "closure", "set", "--personal", "--created", "2020-01-01", id)...)
	base, _ = serveReadingRoom(t, g)
	code, _, body = httpGet(t, base+"/api/v1/units/"+short)
	if code != 200 || !strings.Contains(string(body), `"titleHidden":true`) || strings.Contains(string(body), "sample-transfer") {
		t.Errorf("closed unit = %d %s", code, body)
	}
	for _, f := range files.Files {
		if code, _, body := httpGet(t, base+f.URL); code != 403 || strings.Contains(string(body), "sample-transfer") {
			t.Errorf("%s of a closed unit = %d", f.URL, code)
		}
	}
}
