package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/image/tiff"

	"github.com/magazin-archiv/magazin/internal/browsertest"
	"github.com/magazin-archiv/magazin/profiles/digitised"
)

// scanPage draws a generated page: paper-coloured noise with dark "lines of
// text", the same for the same seed.
func scanPage(rng *rand.Rand, w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		line := (y/12)%3 != 0 && y > h/10 && y < h*9/10
		for x := range w {
			v := uint8(225 + rng.IntN(25))
			if line && x > w/12 && x < w*11/12 && rng.IntN(3) == 0 {
				v = uint8(30 + rng.IntN(60))
			}
			m.SetRGBA(x, y, color.RGBA{v, v - 8, v - 30, 255})
		}
	}
	return m
}

// digitisedBatch writes a batch of generated masters (TIFF, JPEG and PNG in
// turn) with its mapping: pages[i] images for the Signatur sigs[i]. The
// first page of the first unit is large enough for three tile levels.
func digitisedBatch(t *testing.T, dir string, sigs []string, pages []int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 2026))
	var mapping strings.Builder
	mapping.WriteString("Signatur;Ordner\n")
	for i, sig := range sigs {
		folder := fmt.Sprintf("akte%d", i+1)
		fmt.Fprintf(&mapping, "%s;%s\n", sig, folder)
		if err := os.MkdirAll(filepath.Join(dir, folder), 0o755); err != nil {
			t.Fatal(err)
		}
		for p := 1; p <= pages[i]; p++ {
			w, h := 96+rng.IntN(64), 128+rng.IntN(64)
			if i == 0 && p == 1 {
				w, h = 1300, 1700
			}
			m := scanPage(rng, w, h)
			var b bytes.Buffer
			var err error
			var ext string
			switch p % 3 {
			case 0:
				ext, err = "png", png.Encode(&b, m)
			case 1:
				ext, err = "tif", tiff.Encode(&b, m, &tiff.Options{Compression: tiff.Deflate})
			default:
				ext, err = "jpg", jpeg.Encode(&b, m, &jpeg.Options{Quality: 80})
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, folder, fmt.Sprintf("%04d.%s", p, ext)), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, digitised.MappingFile), []byte(mapping.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func getJSON(t *testing.T, u string) (map[string]any, http.Header) {
	t.Helper()
	code, h, b := httpGet(t, u)
	if code != 200 {
		t.Fatalf("GET %s: %d %s", u, code, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("GET %s: %v\n%s", u, err, b)
	}
	return m, h
}

func getImage(t *testing.T, u string) image.Image {
	t.Helper()
	code, h, b := httpGet(t, u)
	if code != 200 || h.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("GET %s: %d %s", u, code, h.Get("Content-Type"))
	}
	m, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return m
}

// langMap checks a IIIF language map and returns its German value.
func langMap(t *testing.T, what string, v any) string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: not a language map: %v", what, v)
	}
	vs, ok := m["de"].([]any)
	if !ok || len(vs) != 1 {
		t.Fatalf("%s: no German value: %v", what, v)
	}
	return vs[0].(string)
}

// TestIIIF imports a Findbuch, ingests a digitised batch of 200 pages for
// three of its Akten, and serves them through IIIF: the manifest and
// info.json follow the IIIF 3.0 structure, tiles and full images decode,
// a closed Akte answers 403 everywhere, a rebuild keeps the link between
// the units and their AIPs, and the viewer shows the first page in
// headless Chromium.
func TestIIIF(t *testing.T) {
	tmp := t.TempDir()
	st := "file://" + filepath.Join(tmp, "store")
	g := []string{"--data", filepath.Join(tmp, "data"), "--store", st}
	mustRun(t, append(g, "import", "ead", "../../testdata/digitised/findbuch.xml")...)

	// Unknown Signatur: rejected, nothing stored.
	bad := filepath.Join(tmp, "bad")
	digitisedBatch(t, bad, []string{"20042 Nr. 99"}, []int{2})
	r := magazin(t, append(g, "ingest", "--json", bad)...)
	if r.code != 1 || !strings.Contains(r.stdout, digitised.CodeUnknownSignatur) {
		t.Fatalf("unknown Signatur: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	batch := filepath.Join(tmp, "batch")
	sigs := []string{"20042 Nr. 1", "20042 Nr. 2", "20042 Nr. 3"}
	pages := []int{120, 75, 5}
	digitisedBatch(t, batch, sigs, pages)
	out := mustRun(t, append(g, "ingest", "--json", batch)...)
	var reps []struct {
		Result struct {
			Profile  string                `json:"profile"`
			AIPs     []struct{ ID string } `json:"aips"`
			Attached []struct {
				ID       string `json:"id"`
				Signatur string `json:"signatur"`
				AIP      string `json:"aip"`
			} `json:"attached"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(out), &reps); err != nil {
		t.Fatal(err, out)
	}
	res := reps[0].Result
	if res.Profile != digitised.Name || len(res.AIPs) != 3 || len(res.Attached) != 3 {
		t.Fatalf("ingest: %s", out)
	}
	ids := map[string]string{}
	for i, a := range res.Attached {
		if a.Signatur != sigs[i] || a.AIP != res.AIPs[i].ID {
			t.Errorf("attached %+v, want %s in %s", a, sigs[i], res.AIPs[i].ID)
		}
		ids[a.Signatur] = strings.TrimPrefix(a.ID, "urn:uuid:")
	}
	// The link survives a rebuild from storage alone.
	g2 := []string{"--data", filepath.Join(tmp, "data2"), "--store", st}
	mustRun(t, append(g2, "rebuild")...)
	for _, sig := range sigs {
		var u map[string]any
		if err := json.Unmarshal([]byte(mustRun(t, append(g2, "unit", "show", "--json", sig)...)), &u); err != nil {
			t.Fatal(err)
		}
		if u["aip"] == nil || u["aip"] == "" || u["title"] == sig {
			t.Errorf("after rebuild %s: %v", sig, u)
		}
	}

	base, _ := serveReadingRoom(t, g)
	open, closed := ids["20042 Nr. 1"], ids["20042 Nr. 3"]

	// The manifest (Presentation API 3.0).
	man, h := getJSON(t, base+"/iiif/manifest/"+open)
	if h.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("manifest CORS header %q", h.Get("Access-Control-Allow-Origin"))
	}
	if man["@context"] != "http://iiif.io/api/presentation/3/context.json" || man["type"] != "Manifest" || man["id"] != base+"/iiif/manifest/"+open {
		t.Errorf("manifest head: @context %v type %v id %v", man["@context"], man["type"], man["id"])
	}
	if l := langMap(t, "label", man["label"]); l != "20042 Nr. 1 Bau der Muldenbrücke in Grimma" {
		t.Errorf("label %q", l)
	}
	md := map[string]string{}
	for _, e := range man["metadata"].([]any) {
		e := e.(map[string]any)
		md[langMap(t, "metadata label", e["label"])] = langMap(t, "metadata value", e["value"])
	}
	if md["Signatur"] != "20042 Nr. 1" || md["Titel"] != "Bau der Muldenbrücke in Grimma" || md["Laufzeit"] != "1888–1891" {
		t.Errorf("metadata %v", md)
	}
	items := man["items"].([]any)
	if len(items) != 120 {
		t.Fatalf("canvases = %d, want 120", len(items))
	}
	var firstInfo string
	var firstW, firstH float64
	for i, it := range items {
		c := it.(map[string]any)
		w, _ := c["width"].(float64)
		hh, _ := c["height"].(float64)
		if c["type"] != "Canvas" || c["id"] == "" || w < 1 || hh < 1 {
			t.Fatalf("canvas %d: %v", i, c)
		}
		langMap(t, "canvas label", c["label"])
		ap := c["items"].([]any)[0].(map[string]any)
		an := ap["items"].([]any)[0].(map[string]any)
		body := an["body"].(map[string]any)
		svc := body["service"].([]any)[0].(map[string]any)
		if ap["type"] != "AnnotationPage" || an["type"] != "Annotation" || an["motivation"] != "painting" || an["target"] != c["id"] ||
			body["type"] != "Image" || body["format"] != "image/jpeg" || body["width"] != w || body["height"] != hh ||
			svc["type"] != "ImageService3" || svc["profile"] != "level1" || !strings.HasPrefix(svc["id"].(string), base+"/iiif/image/") {
			t.Fatalf("canvas %d content: %v", i, c)
		}
		if i == 0 {
			firstInfo, firstW, firstH = svc["id"].(string), w, hh
		}
	}
	if firstW != 1300 || firstH != 1700 {
		t.Errorf("first canvas %vx%v, want 1300x1700", firstW, firstH)
	}

	// info.json (Image API 3.0, level 1).
	info, h := getJSON(t, firstInfo+"/info.json")
	if h.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("info.json CORS header %q", h.Get("Access-Control-Allow-Origin"))
	}
	if info["@context"] != "http://iiif.io/api/image/3/context.json" || info["id"] != firstInfo || info["type"] != "ImageService3" ||
		info["protocol"] != "http://iiif.io/api/image" || info["profile"] != "level1" || info["width"] != 1300.0 || info["height"] != 1700.0 {
		t.Errorf("info.json: %v", info)
	}
	tiles := info["tiles"].([]any)[0].(map[string]any)
	if tiles["width"] != 512.0 || fmt.Sprint(tiles["scaleFactors"]) != "[1 2 4]" {
		t.Errorf("tiles: %v", tiles)
	}
	sizes := info["sizes"].([]any)
	if len(sizes) != 3 {
		t.Fatalf("sizes: %v", sizes)
	}
	for _, s := range sizes {
		s := s.(map[string]any)
		w, hh := int(s["width"].(float64)), int(s["height"].(float64))
		if b := getImage(t, fmt.Sprintf("%s/full/%d,/0/default.jpg", firstInfo, w)).Bounds(); b.Dx() != w || b.Dy() != hh {
			t.Errorf("size %dx%d served as %v", w, hh, b)
		}
	}
	if b := getImage(t, firstInfo+"/full/max/0/default.jpg").Bounds(); b.Dx() != 1300 || b.Dy() != 1700 {
		t.Errorf("full/max = %v", b)
	}
	for u, want := range map[string][2]int{
		"/0,0,512,512/512,/0/default.jpg":          {512, 512},
		"/1024,1536,276,164/276,/0/default.jpg":    {276, 164}, // edge tile, scale 1
		"/1024,1024,276,676/138,338/0/default.jpg": {138, 338}, // edge tile, scale 2
		"/100,200,300,300/150,/0/default.jpg":      {150, 150}, // any region (level 1)
		"/square/!100,100/0/default.jpg":           {100, 100},
	} {
		if b := getImage(t, firstInfo+u).Bounds(); b.Dx() != want[0] || b.Dy() != want[1] {
			t.Errorf("%s: %v, want %v", u, b, want)
		}
	}
	for _, u := range []string{"/full/2000,/0/default.jpg", "/full/max/90/default.jpg", "/full/max/0/gray.png", "/5000,0,10,10/max/0/default.jpg"} {
		if code, _, _ := httpGet(t, firstInfo+u); code != 400 {
			t.Errorf("%s: %d, want 400", u, code)
		}
	}
	if code, _, _ := httpGet(t, base+"/iiif/image/"+open+"~121/info.json"); code != 404 {
		t.Errorf("page 121 of 120: %d, want 404", code)
	}

	// Closed means closed: manifest, info.json, tiles, full images, the
	// viewer page.
	for _, u := range []string{"/iiif/manifest/" + closed, "/iiif/image/" + closed + "~1/info.json", "/iiif/image/" + closed + "~1",
		"/iiif/image/" + closed + "~1/0,0,64,64/64,/0/default.jpg", "/iiif/image/" + closed + "~1/full/max/0/default.jpg",
		"/iiif/manifest/" + url.PathEscape("20042 Nr. 3"), "/unit/" + closed + "/digitalisat"} {
		code, _, b := httpGet(t, base+u)
		if code != 403 || bytes.Contains(b, []byte("Rathaus")) {
			t.Errorf("closed %s: %d, want 403", u, code)
		}
	}

	// The unit page links the viewer; only the viewer page allows scripts.
	_, uh, page := httpGet(t, base+"/unit/"+open)
	if !bytes.Contains(page, []byte(`href="/unit/`+open+`/digitalisat"`)) || strings.Contains(uh.Get("Content-Security-Policy"), "script-src") {
		t.Errorf("unit page: CSP %q, viewer link missing or scripts allowed", uh.Get("Content-Security-Policy"))
	}
	code, vh, _ := httpGet(t, base+"/unit/"+open+"/digitalisat")
	if csp := vh.Get("Content-Security-Policy"); code != 200 || !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe") {
		t.Errorf("viewer page: %d, CSP %q", code, vh.Get("Content-Security-Policy"))
	}
	viewerInChromium(t, base+"/unit/"+open+"/digitalisat")
}

// viewerInChromium opens the viewer page in headless Chromium and waits
// until OpenSeadragon has drawn the first page onto its canvas. Errors in
// the console (a CSP violation, a failed tile) fail the test.
func viewerInChromium(t *testing.T, pageURL string) {
	b := browsertest.Start(t)
	ctx, cancel := context.WithTimeout(b.Context(), 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL), chromedp.WaitVisible(chromedp.CSS(`#iiif-viewer[data-loaded="true"]`))); err != nil {
		msg, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Text(chromedp.CSS(`#iiif-status`)))
		t.Fatalf("viewer did not show the page: %v (status %q)", err, msg)
	}
	drawn, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(() => {
  const c = document.querySelector('#iiif-viewer .openseadragon-canvas canvas');
  if (!c || !c.width || !c.height) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i+3] && (d[i] || d[i+1] || d[i+2])) n++;
  return n / (c.width * c.height);
})()`))
	if err != nil {
		t.Fatal(err)
	}
	// The page is narrower than the viewer: a good part of the canvas is
	// covered by it.
	if drawn < 0.1 {
		t.Errorf("viewer canvas is %.0f%% drawn", drawn*100)
	}
	if status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#iiif-status`))); err != nil || status != "Seite 1 von 120" {
		t.Errorf("viewer status %q (%v)", status, err)
	}
	t.Logf("canvas %.0f%% drawn", drawn*100)
	b.Step("screenshot", b.Shot("iiif-viewer"))
}
