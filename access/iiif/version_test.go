package iiif_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/iiif"
	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

// pagePNG is a page of w by 50 pixels.
func pagePNG(t *testing.T, w int) []byte {
	t.Helper()
	m := image.NewGray(image.Rect(0, 0, w, 50))
	for i := range m.Pix {
		m.Pix[i] = byte(i * w)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sha(b []byte) string {
	s := sha512.Sum512(b)
	return hex.EncodeToString(s[:])
}

// TestNewVersionServesNewPages: when a unit's digitisation AIP gets a new
// version (a re-digitisation: page 1 scanned again under its name, page 3
// added), a running server's manifest lists the new pages and every page
// is served from the new masters, also when the old version was served a
// moment before (the content service's cached head is not trusted for a
// file whose digest the catalog says has changed); the derivatives of the
// new master are made from the new master, never from the old one.
func TestNewVersionServesNewPages(t *testing.T) {
	ctx := context.Background()
	cat, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	idx, err := search.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	room, err := access.New(access.Config{Granularity: "day"}, cat, idx, nil)
	if err != nil {
		t.Fatal(err)
	}
	room.SetClock(func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) })
	const id = "urn:uuid:00000000-0000-4000-8000-0000000000d1"
	unit := preservation.Unit{ID: "urn:uuid:00000000-0000-4000-8000-0000000000a1", Parent: "b", Bestand: "b", Level: preservation.LevelAkte,
		Signatur: "20042 Nr. 1", Title: "Brückenbau", From: "1888", To: "1891", Order: 1, AIP: id}
	if err := cat.PutUnits(ctx, []preservation.Unit{{ID: "b", Level: preservation.LevelBestand, Signatur: "20042", Title: "Amt", Bestand: "b"}, unit}); err != nil {
		t.Fatal(err)
	}
	st := mem.New()
	v1 := &preservation.AIP{ID: id, Version: 1, Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Title: unit.Title, Profile: "digitised",
		Units: []preservation.Unit{unit}}
	var payload []aip.Source
	for _, p := range []struct {
		name string
		w    int
	}{{"akte/1.png", 30}, {"akte/2.png", 31}} {
		b := pagePNG(t, p.w)
		f := preservation.File{Path: aip.PrefixOriginal + p.name, Name: p.name, Size: int64(len(b)), SHA512: sha(b), MIME: "image/png"}
		v1.Files = append(v1.Files, f)
		payload = append(payload, aip.BytesSource(f.Path, b))
	}
	obj, err := aip.New(aip.Package{AIP: v1, Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.Write(ctx, st, 1); err != nil {
		t.Fatal(err)
	}
	if err := cat.PutAIP(ctx, v1); err != nil {
		t.Fatal(err)
	}
	if err := room.RebuildIndex(ctx); err != nil {
		t.Fatal(err)
	}
	cacheDir := t.TempDir()
	srv, err := iiif.New(iiif.DefaultConfig(cacheDir), room, access.NewContent(room, cat, []store.Store{st}), nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	get := func(path string) []byte {
		t.Helper()
		res, err := http.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, res.StatusCode, b.Bytes())
		}
		return b.Bytes()
	}
	canvases := func() []int {
		t.Helper()
		var m struct {
			Items []struct {
				Width int `json:"width"`
			} `json:"items"`
		}
		if err := json.Unmarshal(get(iiif.ManifestPath(unit.ID)), &m); err != nil {
			t.Fatal(err)
		}
		var ws []int
		for _, c := range m.Items {
			ws = append(ws, c.Width)
		}
		return ws
	}
	width := func(n int) (info, full int) {
		t.Helper()
		var in struct {
			Width int `json:"width"`
		}
		img := "/iiif/image/" + iiif.ImageID(unit.ID, n)
		if err := json.Unmarshal(get(img+"/info.json"), &in); err != nil {
			t.Fatal(err)
		}
		m, err := jpeg.Decode(bytes.NewReader(get(img + "/full/max/0/default.jpg")))
		if err != nil {
			t.Fatal(err)
		}
		return in.Width, m.Bounds().Dx()
	}
	if ws := canvases(); len(ws) != 2 || ws[0] != 30 {
		t.Fatalf("v1 canvases %v", ws)
	}
	if i, f := width(1); i != 30 || f != 30 {
		t.Fatalf("v1 page 1: info %d, image %d", i, f)
	}

	// Version 2: page 1 scanned again (same name), page 3 added.
	newer, third := pagePNG(t, 40), pagePNG(t, 41)
	a, err := aip.Update(ctx, []store.Store{st}, id, func(cur *preservation.AIP, h *aip.Head) (*aip.Revision, error) {
		next := *cur
		next.Files = []preservation.File{
			{Path: aip.PrefixOriginal + "akte/1.png", Name: "akte/1.png", Size: int64(len(newer)), SHA512: sha(newer), MIME: "image/png"},
			cur.Files[1],
			{Path: aip.PrefixOriginal + "akte/3.png", Name: "akte/3.png", Size: int64(len(third)), SHA512: sha(third), MIME: "image/png"},
		}
		return &aip.Revision{AIP: &next, Add: []aip.Source{aip.BytesSource(next.Files[0].Path, newer), aip.BytesSource(next.Files[2].Path, third)}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.PutAIP(ctx, a); err != nil {
		t.Fatal(err)
	}
	if ws := canvases(); len(ws) != 3 || ws[0] != 40 || ws[2] != 41 {
		t.Errorf("v2 canvases %v, want 3 pages, the first 40 wide", ws)
	}
	for n, want := range map[int]int{1: 40, 2: 31, 3: 41} {
		if i, f := width(n); i != want || f != want {
			t.Errorf("v2 page %d: info %d, image %d, want %d", n, i, f, want)
		}
	}

	// Forget drops the old master's derivatives (ingest reports its
	// digest as superseded); the pages are served as before.
	old := sha(pagePNG(t, 30))
	oldDir := filepath.Join(cacheDir, old[:2], old)
	if _, err := os.Stat(oldDir); err != nil {
		t.Fatalf("derivatives of the old page 1: %v", err)
	}
	if err := iiif.Forget(cacheDir, strings.ToUpper(old), sha([]byte("never cached"))); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(oldDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("old derivatives still there: %v", err)
	}
	if i, f := width(1); i != 40 || f != 40 {
		t.Errorf("page 1 after Forget: info %d, image %d", i, f)
	}
	if err := iiif.Forget(cacheDir, "../../etc"); err == nil {
		t.Error("Forget accepted a path for a digest")
	}
}
