package iiif

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/preservation"
)

// fakeRoom and fakeFiles stand in for access.Service and access.Content:
// the closure decision itself is theirs and tested there; here it is
// whether every route asks.
type fakeRoom struct{ units map[string]*access.PublicUnit }

func (r fakeRoom) Unit(ctx context.Context, ref string) (*access.PublicUnit, error) {
	if u, ok := r.units[ref]; ok {
		if u.Unit.AIP == "aip-granted" {
			// Open for the researcher with the grant alone.
			v := *u
			v.Open = access.ViewerFrom(ctx).User == "forscherin"
			return &v, nil
		}
		return u, nil
	}
	return nil, fmt.Errorf("unit %s: %w", ref, fs.ErrNotExist)
}

type fakeFiles struct {
	files  map[string][]preservation.File
	data   map[string][]byte // by path
	closed map[string]bool   // AIPs refused
	opens  atomic.Int64
}

func (f *fakeFiles) List(ctx context.Context, id string) ([]preservation.File, error) {
	if f.closed[id] || id == "aip-granted" && access.ViewerFrom(ctx).User != "forscherin" {
		return nil, access.ErrClosed
	}
	fs_, ok := f.files[id]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return fs_, nil
}

func (f *fakeFiles) Open(ctx context.Context, id, p string) (io.ReadSeekCloser, preservation.File, error) {
	if f.closed[id] || id == "aip-granted" && access.ViewerFrom(ctx).User != "forscherin" {
		return nil, preservation.File{}, access.ErrClosed
	}
	f.opens.Add(1)
	for _, fl := range f.files[id] {
		if fl.Path == p {
			return nopCloser{bytes.NewReader(f.data[p])}, fl, nil
		}
	}
	return nil, preservation.File{}, fs.ErrNotExist
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

const (
	openID   = "urn:uuid:11111111-1111-4111-8111-111111111111"
	closedID = "urn:uuid:22222222-2222-4222-8222-222222222222"
	lockedID = "urn:uuid:33333333-3333-4333-8333-333333333333" // open unit, AIP refused
	grantID  = "urn:uuid:55555555-5555-4555-8555-555555555555" // open for "forscherin" alone
)

func pngOf(t *testing.T, w, h int) []byte {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func newTestServer(t *testing.T) (*httptest.Server, *fakeFiles) {
	t.Helper()
	files := &fakeFiles{files: map[string][]preservation.File{}, data: map[string][]byte{}, closed: map[string]bool{"aip-locked": true}}
	add := func(aipID string, names ...string) {
		for i, n := range names {
			p := "representations/original/data/" + n
			b := pngOf(t, 700+i, 600)
			sum := sha512.Sum512(b)
			files.files[aipID] = append(files.files[aipID], preservation.File{Path: p, Name: n, MIME: "image/png", SHA512: hex.EncodeToString(sum[:])})
			files.data[p] = b
		}
	}
	// Out of order on purpose, with a non-image: pages are the images in
	// natural order.
	add("aip-open", "s10.png", "s2.png", "s1.png")
	files.files["aip-open"] = append(files.files["aip-open"], preservation.File{Path: "representations/original/data/liste.csv", Name: "liste.csv", MIME: "text/csv"})
	add("aip-closed", "1.png")
	add("aip-locked", "1.png")
	add("aip-granted", "1.png")
	room := fakeRoom{units: map[string]*access.PublicUnit{
		openID:   {Unit: preservation.Unit{ID: openID, Signatur: "A 1", Title: "Offene Akte", From: "1900", To: "1910", AIP: "aip-open"}, Open: true},
		closedID: {Unit: preservation.Unit{ID: closedID, Signatur: "A 2", AIP: "aip-closed"}, Open: false, Release: "2050-01-01"},
		lockedID: {Unit: preservation.Unit{ID: lockedID, Signatur: "A 3", Title: "Teilweise gesperrt", AIP: "aip-locked"}, Open: true},
		grantID:  {Unit: preservation.Unit{ID: grantID, Signatur: "A 5", Title: "Verkürzt für eine Forscherin", AIP: "aip-granted"}},
	}}
	s, err := New(DefaultConfig(t.TempDir()), room, files, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The session check of the web front, reduced to a header.
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := r.Header.Get("X-Test-User"); u != "" {
			r = r.WithContext(access.WithViewer(r.Context(), access.Viewer{User: u}))
		}
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts, files
}

// TestGrantedViewer: a unit opened for one researcher is served to her
// alone, privately cached; everyone else gets 403.
func TestGrantedViewer(t *testing.T) {
	ts, _ := newTestServer(t)
	const short = "55555555-5555-4555-8555-555555555555"
	for _, p := range []string{"/iiif/manifest/" + short, "/iiif/image/" + short + "~1/info.json", "/iiif/image/" + short + "~1/full/max/0/default.jpg"} {
		for _, user := range []string{"", "jemand", "forscherin"} {
			req, _ := http.NewRequest("GET", ts.URL+p, nil)
			if user != "" {
				req.Header.Set("X-Test-User", user)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want, cc := http.StatusForbidden, "no-store"
			if user == "forscherin" {
				want, cc = http.StatusOK, "private, no-cache"
			}
			if resp.StatusCode != want || resp.Header.Get("Cache-Control") != cc {
				t.Errorf("%s as %q: %d %q, want %d %q", p, user, resp.StatusCode, resp.Header.Get("Cache-Control"), want, cc)
			}
		}
	}
}

func get(t *testing.T, u string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func TestClosedEverywhere(t *testing.T) {
	ts, files := newTestServer(t)
	for _, id := range []string{"22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333"} {
		for _, p := range []string{"/iiif/manifest/" + id, "/iiif/image/" + id + "~1", "/iiif/image/" + id + "~1/info.json",
			"/iiif/image/" + id + "~1/full/max/0/default.jpg", "/iiif/image/" + id + "~1/0,0,512,512/512,/0/default.jpg"} {
			code, h, _ := get(t, ts.URL+p)
			if code != http.StatusForbidden || h.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("%s: %d (CORS %q), want 403", p, code, h.Get("Access-Control-Allow-Origin"))
			}
		}
	}
	if n := files.opens.Load(); n != 0 {
		t.Errorf("masters of closed units opened %d times", n)
	}
	for _, p := range []string{"/iiif/manifest/44444444-4444-4444-8444-444444444444", "/iiif/image/11111111-1111-4111-8111-111111111111~4/info.json",
		"/iiif/image/11111111-1111-4111-8111-111111111111~0/info.json", "/iiif/image/nonsense/info.json", "/iiif/elsewhere"} {
		if code, _, _ := get(t, ts.URL+p); code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, code)
		}
	}
}

func TestManifestAndImages(t *testing.T) {
	ts, files := newTestServer(t)
	const short = "11111111-1111-4111-8111-111111111111"
	code, _, b := get(t, ts.URL+"/iiif/manifest/"+short)
	if code != 200 {
		t.Fatalf("manifest: %d %s", code, b)
	}
	var m manifestJSON
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Items) != 3 || m.Items[0].Width != 702 || m.Items[2].Width != 700 || m.Label["de"][0] != "A 1 Offene Akte" {
		t.Fatalf("manifest: %s", b)
	}
	if got := m.Metadata[2]; got.Label["de"][0] != "Laufzeit" || got.Value["de"][0] != "1900–1910" {
		t.Errorf("Laufzeit: %+v", got)
	}
	opened := files.opens.Load()
	code, _, b = get(t, ts.URL+"/iiif/image/"+short+"~1/info.json")
	var in infoJSON
	if code != 200 || json.Unmarshal(b, &in) != nil {
		t.Fatalf("info.json: %d %s", code, b)
	}
	if in.Width != 702 || in.Height != 600 || len(in.Sizes) != 2 || in.Sizes[1] != (sizeJSON{702, 600}) || in.Sizes[0] != (sizeJSON{351, 300}) ||
		len(in.Tiles) != 1 || fmt.Sprint(in.Tiles[0].ScaleFactors) != "[1 2]" || in.ID != ts.URL+"/iiif/image/"+short+"~1" {
		t.Errorf("info.json: %+v", in)
	}
	for p, want := range map[string]image.Point{
		"/full/max/0/default.jpg":            {702, 600},
		"/full/351,/0/default.jpg":           {351, 300},
		"/full/,300/0/default.jpg":           {351, 300},
		"/512,0,190,512/190,/0/default.jpg":  {190, 512},
		"/0,512,512,88/512,88/0/default.jpg": {512, 88},
		"/10,10,100,50/50,25/0/default.jpg":  {50, 25},
		"/pct:50,50,50,50/max/0/color.jpg":   {351, 300},
	} {
		code, h, b := get(t, ts.URL+"/iiif/image/"+short+"~1"+p)
		if code != 200 || h.Get("Content-Type") != "image/jpeg" {
			t.Errorf("%s: %d %s", p, code, b)
			continue
		}
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil || img.Bounds().Size() != want {
			t.Errorf("%s: %v %v, want %v", p, err, img.Bounds().Size(), want)
		}
	}
	if n := files.opens.Load() - opened; n != 1 {
		t.Errorf("master read %d times for its derivatives, want once", n)
	}
	code, h, _ := get(t, ts.URL+"/iiif/viewer/openseadragon.min.js")
	if code != 200 || !strings.Contains(h.Get("Content-Type"), "javascript") {
		t.Errorf("viewer asset: %d %s", code, h.Get("Content-Type"))
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		region, size string
		ok           bool
		want         image.Rectangle
		w, h         int
	}{
		{"full", "max", true, image.Rect(0, 0, 1000, 800), 1000, 800},
		{"square", "200,", true, image.Rect(100, 0, 900, 800), 200, 200},
		{"900,700,500,500", "max", true, image.Rect(900, 700, 1000, 800), 100, 100},
		{"0,0,1000,800", "!500,500", true, image.Rect(0, 0, 1000, 800), 500, 400},
		{"0,0,1000,800", "pct:10", true, image.Rect(0, 0, 1000, 800), 100, 80},
		{"1000,0,5,5", "max", false, image.Rectangle{}, 0, 0},
		{"0,0,0,5", "max", false, image.Rectangle{}, 0, 0},
		{"0,0,1.5,5", "max", false, image.Rectangle{}, 0, 0},
		{"-1,0,5,5", "max", false, image.Rectangle{}, 0, 0},
		{"full", "1001,", false, image.Rectangle{}, 0, 0},
		{"full", "^1001,", false, image.Rectangle{}, 0, 0},
		{"full", "0,", false, image.Rectangle{}, 0, 0},
		{"full", ",", false, image.Rectangle{}, 0, 0},
		{"full", "!5,", false, image.Rectangle{}, 0, 0},
		{"full", "full", false, image.Rectangle{}, 0, 0},
	} {
		reg, err := parseRegion(c.region, 1000, 800)
		var w, h int
		if err == nil {
			w, h, err = parseSize(c.size, reg.Dx(), reg.Dy())
		}
		if (err == nil) != c.ok || (c.ok && (reg != c.want || w != c.w || h != c.h)) {
			t.Errorf("%s/%s: %v %v %dx%d, want ok=%v %v %dx%d", c.region, c.size, err, reg, w, h, c.ok, c.want, c.w, c.h)
		}
	}
	for _, rq := range [][2]string{{"0", "default.jpg"}, {"0", "color.jpg"}} {
		if err := checkRotationQuality(rq[0], rq[1]); err != nil {
			t.Errorf("%v: %v", rq, err)
		}
	}
	for _, rq := range [][2]string{{"90", "default.jpg"}, {"!0", "default.jpg"}, {"0", "gray.jpg"}, {"0", "default.png"}, {"0", "default"}} {
		if err := checkRotationQuality(rq[0], rq[1]); err == nil {
			t.Errorf("%v accepted", rq)
		}
	}
}

func TestHalve(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 5, 3))
	for i := range src.Pix {
		src.Pix[i] = 200
	}
	src.SetRGBA(4, 2, color.RGBA{0, 0, 0, 0})
	d := halve(src)
	if d.Rect.Dx() != 3 || d.Rect.Dy() != 2 {
		t.Fatalf("halve 5x3 = %v", d.Rect)
	}
	if c := d.RGBAAt(0, 0); c != (color.RGBA{200, 200, 200, 200}) {
		t.Errorf("average %v", c)
	}
	if c := d.RGBAAt(2, 1); c.R != 0 {
		t.Errorf("edge pixel %v, want the lone black one", c)
	}
}

// TestPagesOfRepresentations checks which files are pages: the submitted
// images of "original" when it has any, else those of the first
// representation by name that has images (so an E-ARK package's master
// and access representations do not show each page twice); never derived
// files.
func TestPagesOfRepresentations(t *testing.T) {
	img := func(p string, derived bool) preservation.File {
		f := preservation.File{Path: p, Name: p, MIME: "image/jpeg"}
		if derived {
			f.DerivedFrom = "x"
		}
		return f
	}
	paths := func(fs []preservation.File) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Path)
		}
		return out
	}
	earkFiles := []preservation.File{img("representations/rep2/data/p1.jpg", false), img("representations/rep1/data/p10.jpg", false),
		img("representations/rep1/data/p2.jpg", false), img("representations/access/data/p1.jpg", true)}
	if got := paths(Pages(earkFiles)); !slices.Equal(got, []string{"representations/rep1/data/p2.jpg", "representations/rep1/data/p10.jpg"}) {
		t.Errorf("pages of an E-ARK AIP: %q", got)
	}
	withOriginal := append(earkFiles, img("representations/original/data/s1.jpg", false))
	if got := paths(Pages(withOriginal)); !slices.Equal(got, []string{"representations/original/data/s1.jpg"}) {
		t.Errorf("pages with an original representation: %q", got)
	}
}
