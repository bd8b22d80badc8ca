package main

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/profiles/digitised"
)

// rescanPage is a small page image, w pixels wide.
func rescanPage(t *testing.T, w int) []byte {
	t.Helper()
	m := image.NewGray(image.Rect(0, 0, w, 90))
	for i := range m.Pix {
		m.Pix[i] = byte(200 + i%w%50)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rescanBatch writes a batch with one mapping line and the pages (name ->
// width) in its folder.
func rescanBatch(t *testing.T, dir, line, folder string, pages map[string]int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, folder), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, digitised.MappingFile), []byte("Signatur;Ordner;Modus\n"+line+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, w := range pages {
		if err := os.WriteFile(filepath.Join(dir, folder, name), rescanPage(t, w), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDigitisedRescanCLI: a second scan of a digitised Akte through the
// CLI becomes version 2 of its AIP; the same delivery again is archived
// already; the IIIF manifest then has the new page count and page 1 is the
// new master, whose predecessor's derivatives are gone from the cache.
func TestDigitisedRescanCLI(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	g := []string{"--data", data, "--store", "file://" + filepath.Join(tmp, "store")}
	mustRun(t, append(g, "import", "ead", "../../testdata/digitised/findbuch.xml")...)
	const sig = "20042 Nr. 1"
	first := filepath.Join(tmp, "erste")
	rescanBatch(t, first, sig+";akte", "akte", map[string]int{"0001.png": 60, "0002.png": 61, "0003.png": 62})
	var reps []struct {
		Result struct {
			AIPs     []struct{ ID string } `json:"aips"`
			Existing int                   `json:"existing"`
			Attached []struct{ ID string } `json:"attached"`
			Rescans  []struct {
				AIP      string   `json:"aip"`
				Version  int      `json:"version"`
				Previous int      `json:"previous"`
				Mode     string   `json:"mode"`
				Added    []string `json:"added"`
				Replaced []string `json:"replaced"`
			} `json:"rescans"`
		} `json:"result"`
	}
	ingestJSON := func(dir string) {
		t.Helper()
		out := mustRun(t, append(g, "ingest", "--json", dir)...)
		reps = nil
		if err := json.Unmarshal([]byte(out), &reps); err != nil || len(reps) != 1 {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	ingestJSON(first)
	if len(reps[0].Result.AIPs) != 1 || len(reps[0].Result.Attached) != 1 {
		t.Fatalf("first scan: %+v", reps[0])
	}
	id, unit := reps[0].Result.AIPs[0].ID, strings.TrimPrefix(reps[0].Result.Attached[0].ID, "urn:uuid:")

	canvases := func(base string) []float64 {
		t.Helper()
		man, _ := getJSON(t, base+"/iiif/manifest/"+unit)
		var ws []float64
		for _, it := range man["items"].([]any) {
			ws = append(ws, it.(map[string]any)["width"].(float64))
		}
		return ws
	}
	base, stop := serveReadingRoom(t, g)
	if ws := canvases(base); fmt.Sprint(ws) != "[60 61 62]" {
		t.Fatalf("v1 canvases %v", ws)
	}
	if info, _ := getJSON(t, base+"/iiif/image/"+unit+"~1/info.json"); info["width"] != 60.0 {
		t.Fatalf("v1 page 1: %v", info)
	}
	stop()
	oldSum := sha512.Sum512(rescanPage(t, 60))
	old := hex.EncodeToString(oldSum[:])
	oldDir := filepath.Join(data, "iiif", old[:2], old)
	if _, err := os.Stat(oldDir); err != nil {
		t.Fatalf("derivatives of page 1: %v", err)
	}

	// The re-scan: page 1 better, page 2 as before, page 3 and 4 new.
	second := filepath.Join(tmp, "zweite")
	rescanBatch(t, second, sig+";neu;ersetzen", "neu", map[string]int{"0001.png": 70, "0002.png": 61, "0003.png": 72, "0004.png": 73})
	ingestJSON(second)
	res := reps[0].Result
	if len(res.AIPs) != 1 || res.AIPs[0].ID != id || len(res.Rescans) != 1 || len(res.Attached) != 0 {
		t.Fatalf("rescan: %+v", res)
	}
	if rs := res.Rescans[0]; rs.Version != 2 || rs.Previous != 1 || rs.Mode != "ersetzen" || len(rs.Added) != 1 || len(rs.Replaced) != 2 {
		t.Errorf("rescan %+v", rs)
	}
	if _, err := os.Stat(oldDir); err == nil {
		t.Error("the replaced master's derivatives are still cached")
	}
	// The same delivery again: archived already, no version 3.
	if out := mustRun(t, append(g, "ingest", second)...); !strings.HasPrefix(out, "already archived") {
		t.Errorf("identical delivery: %s", out)
	}
	ingestJSON(second)
	if res := reps[0].Result; res.Existing != 1 || len(res.Rescans) != 0 {
		t.Errorf("identical delivery: %+v", res)
	}
	var shown map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, append(g, "aip", "show", "--json", id)...)), &shown); err != nil {
		t.Fatal(err)
	}
	if shown["version"] != 2.0 {
		t.Errorf("aip show: version %v, want 2", shown["version"])
	}

	base, _ = serveReadingRoom(t, g)
	if ws := canvases(base); fmt.Sprint(ws) != "[70 61 72 73]" {
		t.Errorf("v2 canvases %v, want [70 61 72 73]", ws)
	}
	if info, _ := getJSON(t, base+"/iiif/image/"+unit+"~1/info.json"); info["width"] != 70.0 {
		t.Errorf("v2 page 1: %v", info)
	}
	if b := getImage(t, base+"/iiif/image/"+unit+"~4/full/max/0/default.jpg").Bounds(); b.Dx() != 73 {
		t.Errorf("v2 page 4: %v", b)
	}
}
