package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/access/web"
	"github.com/magazin-archiv/magazin/preservation/aip"
)

type response struct {
	code   int
	header http.Header
	body   string
}

func do(t testing.TB, h http.Handler, method, target string, hdr ...string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Body)
	return response{rec.Code, rec.Header(), string(b)}
}

func get(t testing.TB, h http.Handler, target string, hdr ...string) response {
	t.Helper()
	return do(t, h, "GET", target, hdr...)
}

func short(id string) string { return strings.TrimPrefix(id, "urn:uuid:") }

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func mustNotContain(t *testing.T, what, body string, bads ...string) {
	t.Helper()
	for _, b := range bads {
		if strings.Contains(body, b) {
			t.Errorf("%s contains %q", what, b)
		}
	}
}

func TestHomeShowsTheTektonik(t *testing.T) {
	f := newFixture(t, 3)
	r := get(t, f.srv, "/")
	if r.code != 200 {
		t.Fatalf("/ = %d", r.code)
	}
	mustContain(t, "/", r.body, `<html lang="de">`, `id="q"`, "Staatliche Verwaltung", "/unit/"+short(idTektonik), "Tektonik", "Zum Inhalt springen")
	for k, want := range map[string]string{
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Content-Type": "text/html; charset=utf-8"} {
		if got := r.header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP = %q", csp)
	}
	// The Tektonik group lists its Bestände, the Bestand its units.
	r = get(t, f.srv, "/unit/"+short(idTektonik))
	mustContain(t, "Tektonik group", r.body, "Landratsamt Musterkreis", "Stadtverwaltung Müllrose", "Enthaltene Einheiten")
	r = get(t, f.srv, "/unit/"+short(idBestand))
	mustContain(t, "Bestand", r.body, "20001 Nr. 1", "Bauantrag Schulze", "20001 Nr. 3", "gesperrt, frei ab 25.07.2048", "frei zugänglich",
		"Titel gesperrt (personenbezogenes Archivgut)")
	mustNotContain(t, "Bestand", r.body, secret, "<script>alert")
	if strings.Index(r.body, "20001 Nr. 1") > strings.Index(r.body, "20001 Nr. 3") {
		t.Error("children are not in order")
	}
	if r := get(t, f.srv, "/static/style.css"); r.code != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") {
		t.Errorf("style.css = %d %s", r.code, r.header.Get("Content-Type"))
	}
	for _, p := range []string{"/static/", "/static/nix.css", "/static/templates/home.html", "/nix"} {
		if r := get(t, f.srv, p); r.code != 404 {
			t.Errorf("%s = %d", p, r.code)
		}
	}
	if r := get(t, f.srv, "/healthz"); r.code != 200 || r.body != "ok\n" {
		t.Errorf("/healthz = %d %q", r.code, r.body)
	}
}

func TestChildrenArePaged(t *testing.T) {
	f := newFixture(t, 260)
	r := get(t, f.srv, "/unit/"+short(idBestand2))
	mustContain(t, "page 1", r.body, "Enthaltene Einheiten", "(260)", "20002 Nr. 1<", "20002 Nr. 50<", "Seite 1 von 6", `rel="next"`)
	mustNotContain(t, "page 1", r.body, "20002 Nr. 51<")
	r = get(t, f.srv, "/unit/"+short(idBestand2)+"?seite=6")
	mustContain(t, "page 6", r.body, "20002 Nr. 251<", "20002 Nr. 260<", "Seite 6 von 6", `aria-current="page">6<`)
	if r := get(t, f.srv, "/unit/"+short(idBestand2)+"?seite=null"); r.code != 400 {
		t.Errorf("bad page = %d", r.code)
	}
	if r := get(t, f.srv, "/unit/"+short(idBestand2)+"?seite=99"); r.code != 200 || strings.Contains(r.body, "20002 Nr. 1<") {
		t.Errorf("page past the end = %d", r.code)
	}
}

func TestSearchPage(t *testing.T) {
	f := newFixture(t, 0)
	r := get(t, f.srv, "/search?q=M%C3%BCllrose")
	if r.code != 200 {
		t.Fatalf("search = %d", r.code)
	}
	mustContain(t, "search", r.body, "Treffer", "<mark>Müllrose</mark>", "Haushaltsplan der Stadt", "Bauantrag Schulze",
		"Verzeichnungsstufe", "Laufzeit (Jahrzehnt)", "Zugang", "Landratsamt Musterkreis", "gesperrt, frei ab 25.07.2048")
	// A title with markup is escaped, also inside a highlighted fragment.
	mustContain(t, "search", r.body, "Bauakte &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; <mark>Müllrose</mark>")
	mustNotContain(t, "search", r.body, "<script>", secret)
	// Facet links narrow the search.
	m := regexp.MustCompile(`href="(/search\?[^"]*open=1[^"]*)"`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no facet link for open units")
	}
	link := strings.ReplaceAll(m[1], "&amp;", "&")
	r = get(t, f.srv, link)
	mustContain(t, "open facet", r.body, "Haushaltsplan", "Zugang: frei zugänglich", "entfernen")
	mustNotContain(t, "open facet", r.body, "Bauantrag Schulze")
	r = get(t, f.srv, "/search?q=Haushalt*&decade=1980")
	mustContain(t, "decade", r.body, "Haushaltsplan", "Jahrzehnt: 1980er")
	r = get(t, f.srv, "/search?q=Bauantr&decade=195")
	if r.code != 400 || !strings.Contains(r.body, "Jahrzehnt") {
		t.Errorf("bad decade = %d", r.code)
	}
	r = get(t, f.srv, "/search?q=a*")
	if r.code != 400 || !strings.Contains(r.body, "too short") {
		t.Errorf("short prefix = %d", r.code)
	}
	if r := get(t, f.srv, "/search?q="+strings.Repeat("x", 1001)); r.code != 400 || !strings.Contains(r.body, "zu lang") {
		t.Errorf("long query = %d", r.code)
	}
	r = get(t, f.srv, "/search?q=Zebrastreifen")
	mustContain(t, "no hits", r.body, "Keine Treffer")
}

func TestUnitPages(t *testing.T) {
	f := newFixture(t, 0)
	r := get(t, f.srv, "/unit/"+short(idOpen))
	if r.code != 200 {
		t.Fatalf("open unit = %d", r.code)
	}
	mustContain(t, "open unit", r.body, "Haushaltsplan der Stadt Müllrose 1990", "20001 Nr. 3", "01.10.1989 – 31.12.1990",
		"Landratsamt Musterkreis", "frei zugänglich", pdfName, pngName, csvName, "Ansehen", "Herunterladen",
		"/unit/"+short(idOpen)+"/view/original/Haushaltsplan%201990.pdf",
		"/unit/"+short(idOpen)+"/file/original/Stellenplan.csv?download=1", "Staatliche Verwaltung", "Kommunalfinanzen")
	mustNotContain(t, "open unit", r.body, "/view/original/Stellenplan.csv", aipOpen)

	r = get(t, f.srv, "/unit/"+short(idClosed))
	mustContain(t, "closed unit", r.body, "Bauantrag Schulze", "Gesperrt – zugänglich ab 25.07.2048", "30 Jahre nach Entstehung", "SächsArchivG")
	mustNotContain(t, "closed unit", r.body, "Bauantrag Lindenstraße.pdf", aipClosed, "/file/")

	r = get(t, f.srv, "/unit/"+short(idPersonal))
	mustContain(t, "personal unit", r.body, "20001 Nr. 2", "Gesperrt – zugänglich ab 25.07.2078", "Titel gesperrt", "beziehen sich auf Personen", "60 Jahre")
	mustNotContain(t, "personal unit", r.body, secret, "Erna", "Pflegeheim", "/file/")

	r = get(t, f.srv, "/unit/"+short(idPersDoc))
	mustContain(t, "document of the personal unit", r.body, "20001 Nr. 2/1", "20001 Nr. 2 (Akte)", "Gesperrt")
	mustNotContain(t, "document of the personal unit", r.body, secret)

	r = get(t, f.srv, "/unit/"+short(idUndated))
	mustContain(t, "undated", r.body, "Gesperrt", "lässt sich noch nicht bestimmen", "Schutzfrist:</span> nicht berechenbar")
	mustNotContain(t, "undated", r.body, "</span> Schutzfrist nicht")

	r = get(t, f.srv, "/unit/"+short(idMixed))
	mustContain(t, "mixed", r.body, "Schulchronik", "frei zugänglich", "noch einer Schutzfrist")
	mustNotContain(t, "mixed", r.body, "Chronik.pdf", secret)

	// Permalinks by Signatur, with spaces and slashes escaped, and the full
	// urn:uuid id redirect to the short id.
	for _, ref := range []string{url.PathEscape("20001 Nr. 2/1"), url.PathEscape(idPersDoc)} {
		r = get(t, f.srv, "/unit/"+ref)
		if r.code != http.StatusFound || r.header.Get("Location") != "/unit/"+short(idPersDoc) {
			t.Errorf("/unit/%s = %d → %q", ref, r.code, r.header.Get("Location"))
		}
	}
	r = get(t, f.srv, "/signatur?s="+url.QueryEscape("20001 Nr. 3"))
	if r.code != http.StatusSeeOther || r.header.Get("Location") != "/unit/"+short(idOpen) {
		t.Errorf("/signatur = %d → %q", r.code, r.header.Get("Location"))
	}
	r = get(t, f.srv, "/signatur?s=Bauantrag")
	if r.code != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/search?q=Bauantrag") {
		t.Errorf("/signatur not found = %d → %q", r.code, r.header.Get("Location"))
	}
	if r := get(t, f.srv, "/unit/urn:uuid:99999999-0000-4000-8000-000000000000"); r.code != 404 || !strings.Contains(r.body, "Nicht gefunden") {
		t.Errorf("unknown unit = %d", r.code)
	}
}

func TestFiles(t *testing.T) {
	f := newFixture(t, 0)
	base := "/unit/" + short(idOpen) + "/file/original/"
	r := get(t, f.srv, base+url.PathEscape(pdfName))
	if r.code != 200 || r.body != string(f.pdf) {
		t.Fatalf("PDF = %d, %d bytes", r.code, len(r.body))
	}
	for k, want := range map[string]string{"Content-Type": "application/pdf", "X-Content-Type-Options": "nosniff",
		"Content-Disposition": `inline; filename="Haushaltsplan 1990.pdf"`, "Accept-Ranges": "bytes", "X-Frame-Options": "SAMEORIGIN"} {
		if got := r.header.Get(k); got != want {
			t.Errorf("PDF %s = %q, want %q", k, got, want)
		}
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("PDF CSP = %q", csp)
	}
	// Ranges, also across several reads and from the middle.
	r = get(t, f.srv, base+url.PathEscape(pdfName), "Range", "bytes=100-199")
	if r.code != http.StatusPartialContent || r.body != string(f.pdf[100:200]) {
		t.Errorf("range = %d %q", r.code, r.body)
	}
	r = get(t, f.srv, base+url.PathEscape(pdfName), "Range", "bytes=-10")
	if r.code != http.StatusPartialContent || r.body != string(f.pdf[len(f.pdf)-10:]) {
		t.Errorf("suffix range = %d %q", r.code, r.body)
	}
	r = get(t, f.srv, base+url.PathEscape(pdfName), "Range", "bytes=0-9,20-29")
	if r.code != http.StatusPartialContent || !strings.Contains(r.body, string(f.pdf[20:30])) || !strings.HasPrefix(r.header.Get("Content-Type"), "multipart/byteranges") {
		t.Errorf("multi range = %d %s", r.code, r.header.Get("Content-Type"))
	}
	etag := r.header.Get("ETag")
	if r := get(t, f.srv, base+url.PathEscape(pdfName), "If-None-Match", etag); etag == "" || r.code != http.StatusNotModified {
		t.Errorf("If-None-Match %q = %d", etag, r.code)
	}
	if r := do(t, f.srv, "HEAD", base+url.PathEscape(pdfName)); r.code != 200 || r.body != "" || r.header.Get("Content-Length") != itoa(len(f.pdf)) {
		t.Errorf("HEAD = %d %q %s", r.code, r.body, r.header.Get("Content-Length"))
	}
	// Download, an image inline, and another type as an attachment.
	r = get(t, f.srv, base+url.PathEscape(pdfName)+"?download=1")
	if d := r.header.Get("Content-Disposition"); !strings.HasPrefix(d, "attachment") || !strings.Contains(r.header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("download: %q", d)
	}
	r = get(t, f.srv, base+url.PathEscape(pngName))
	if r.code != 200 || r.header.Get("Content-Type") != "image/png" || !strings.HasPrefix(r.header.Get("Content-Disposition"), "inline; filename*=utf-8''Stadtansicht%20M%C3%BCllrose.png") {
		t.Errorf("PNG = %d %q %q", r.code, r.header.Get("Content-Type"), r.header.Get("Content-Disposition"))
	}
	r = get(t, f.srv, base+csvName)
	if r.code != 200 || r.header.Get("Content-Type") != "text/csv" || !strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("CSV = %d %q %q", r.code, r.header.Get("Content-Type"), r.header.Get("Content-Disposition"))
	}
	// The viewer page frames the PDF and shows the image; a CSV goes to
	// the download.
	r = get(t, f.srv, "/unit/"+short(idOpen)+"/view/original/"+url.PathEscape(pngName))
	mustContain(t, "image viewer", r.body, `<img src="/unit/`+short(idOpen)+`/file/original/Stadtansicht%20M%C3%BCllrose.png"`, "Herunterladen", "Haushaltsplan der Stadt")
	r = get(t, f.srv, "/unit/"+short(idOpen)+"/view/original/"+url.PathEscape(pdfName))
	mustContain(t, "PDF viewer", r.body, `<iframe src="/unit/`+short(idOpen)+`/file/original/Haushaltsplan%201990.pdf"`)
	r = get(t, f.srv, "/unit/"+short(idOpen)+"/view/original/"+csvName)
	if r.code != http.StatusSeeOther {
		t.Errorf("CSV viewer = %d", r.code)
	}
	for _, p := range []string{"original/nix.pdf", "original", "access/" + url.PathEscape(pdfName), "../metadata/descriptive/description.json",
		"original/../../METS.xml", "metadata/descriptive/description.json", "original%2F..%2F..%2FMETS.xml"} {
		if r := get(t, f.srv, "/unit/"+short(idOpen)+"/file/"+p); r.code != 404 && r.code != http.StatusTemporaryRedirect {
			t.Errorf("file %s = %d", p, r.code)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestDamagedFileIsNotDeliveredWhole(t *testing.T) {
	f := newFixture(t, 0)
	h, err := aip.ReadHead(t.Context(), f.st, aipOpen)
	if err != nil {
		t.Fatal(err)
	}
	var key string
	for _, paths := range h.Inventory.Manifest {
		if strings.HasSuffix(paths[0], pdfName) {
			key = h.Root + "/" + paths[0]
		}
	}
	bad := bytes.Clone(f.pdf)
	bad[50] ^= 0xff
	if err := f.st.Tamper(key, bad); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/unit/" + short(idOpen) + "/file/original/" + url.PathEscape(pdfName))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || bytes.Equal(b, bad) {
		t.Errorf("a damaged file was delivered whole: %d bytes, err %v", len(b), err)
	}
}

func TestAPI(t *testing.T) {
	f := newFixture(t, 0)
	var list struct {
		Total int
		Hits  []struct {
			ID, Title, Signatur, Release string
			Open, TitleHidden            bool
			Fragments                    []struct {
				Field, Text string
				Marks       []struct{ Start, End int }
			}
			Links map[string]string
		}
		Facets struct {
			Bestand      []struct{ Value, Label string }
			Open, Closed int
		}
	}
	r := get(t, f.srv, "/api/v1/search?q=Haushaltsplan")
	if r.code != 200 || r.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("search = %d %s", r.code, r.body)
	}
	if err := json.Unmarshal([]byte(r.body), &list); err != nil {
		t.Fatal(err)
	}
	if list.Total != 1 || list.Hits[0].ID != idOpen || !list.Hits[0].Open || list.Hits[0].Links["files"] == "" || len(list.Facets.Bestand) != 1 || list.Facets.Open != 1 {
		t.Fatalf("search = %+v", list)
	}
	fr := list.Hits[0].Fragments[0]
	if fr.Field != "title" || fr.Text[fr.Marks[0].Start:fr.Marks[0].End] != "Haushaltsplan" {
		t.Errorf("fragment = %+v", fr)
	}
	r = get(t, f.srv, "/api/v1/search?q=Schutzfrist&level=akte&open=0&from=2000")
	if r.code != 200 {
		t.Errorf("filtered search = %d %s", r.code, r.body)
	}
	if r := get(t, f.srv, "/api/v1/search?q=x&open=vielleicht"); r.code != 400 || !strings.Contains(r.body, `"code":"bad_request"`) {
		t.Errorf("bad open = %d %s", r.code, r.body)
	}
	if r := get(t, f.srv, "/api/v1/search?size=5000"); r.code != 400 {
		t.Errorf("size 5000 = %d", r.code)
	}

	r = get(t, f.srv, "/api/v1/units")
	if err := json.Unmarshal([]byte(r.body), &list); err != nil || list.Total != 1 || list.Hits[0].ID != idTektonik {
		t.Errorf("roots = %s", r.body)
	}
	r = get(t, f.srv, "/api/v1/units/"+url.PathEscape("20001")+"/children?size=3&page=2")
	if err := json.Unmarshal([]byte(r.body), &list); err != nil || list.Total != 6 || len(list.Hits) != 3 || list.Hits[0].Signatur != "20001 Nr. 4" {
		t.Errorf("children = %s", r.body)
	}

	var unit struct {
		ID, Title, Release, Governing string
		Open, TitleHidden             bool
		Ancestors                     []struct{ ID, Title string }
		Links                         map[string]string
	}
	r = get(t, f.srv, "/api/v1/units/"+short(idPersonal))
	if err := json.Unmarshal([]byte(r.body), &unit); err != nil {
		t.Fatal(err)
	}
	if unit.Open || !unit.TitleHidden || unit.Title != "" || unit.Release != "2078-07-25" || !strings.Contains(unit.Governing, "60 Jahre") ||
		len(unit.Ancestors) != 2 || unit.Links["files"] != "" {
		t.Errorf("personal unit = %+v", unit)
	}
	r = get(t, f.srv, "/api/v1/units/"+url.PathEscape("20001 Nr. 3"))
	if err := json.Unmarshal([]byte(r.body), &unit); err != nil || !unit.Open || unit.ID != idOpen || unit.Links["files"] != "/api/v1/units/"+short(idOpen)+"/files" {
		t.Errorf("open unit = %s", r.body)
	}
	var files struct {
		Files []struct{ Name, MediaType, URL, Download, SHA512 string }
	}
	r = get(t, f.srv, unit.Links["files"])
	if err := json.Unmarshal([]byte(r.body), &files); err != nil || len(files.Files) != 3 || files.Files[0].MediaType != "application/pdf" {
		t.Fatalf("files = %s", r.body)
	}
	if r := get(t, f.srv, files.Files[1].URL); r.code != 200 || r.body != string(f.png) {
		t.Errorf("file from the API's link = %d", r.code)
	}
	r = get(t, f.srv, "/api/v1/units/"+short(idClosed)+"/files")
	if r.code != 403 || !strings.Contains(r.body, `"code":"closed"`) || !strings.Contains(r.body, `"release":"2048-07-25"`) {
		t.Errorf("closed files = %d %s", r.code, r.body)
	}
	r = get(t, f.srv, "/api/v1/units/"+short(idMixed)+"/files")
	if r.code != 403 {
		t.Errorf("mixed files = %d %s", r.code, r.body)
	}
	if r := get(t, f.srv, "/api/v1/units/nix"); r.code != 404 || !strings.Contains(r.body, `"code":"not_found"`) {
		t.Errorf("unknown = %d %s", r.code, r.body)
	}
}

func TestOpenAPI(t *testing.T) {
	f := newFixture(t, 0)
	r := get(t, f.srv, "/api/v1/openapi.yaml")
	if r.code != 200 || !strings.HasPrefix(r.body, "openapi: 3.") {
		t.Fatalf("openapi = %d", r.code)
	}
	doc, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(doc) != r.body {
		t.Error("docs/openapi.yaml differs from access/web/openapi.yaml: copy it")
	}
	// Every API route is described.
	for _, p := range f.srv.Routes() {
		path, ok := strings.CutPrefix(strings.TrimPrefix(p, "GET "), "/api/v1")
		if !ok {
			continue
		}
		path = strings.ReplaceAll(path, "{ref}", "{id}")
		if !strings.Contains(r.body, "\n  "+path+":\n") {
			t.Errorf("openapi.yaml does not describe %s", p)
		}
	}
}

func TestNewNeedsARoom(t *testing.T) {
	if _, err := web.New(nil, nil, nil); err == nil {
		t.Error("New(nil) succeeded")
	}
}
