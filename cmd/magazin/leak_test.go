package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/desk"
	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/access/web"
	"github.com/magazin-archiv/magazin/preservation/aip"
)

// The leak hunt (issue 12, part 5): an archive built through the CLI with
// open units, a closed unit, a closed person-related unit and a closed
// person-related unit granted to one researcher by an archivist's decision,
// served by `magazin serve` with OAI-PMH and EAD, crawled over real HTTP
// as three identities. docs/leak-hunt.md describes it and its figures.

// leakPassword is every test account's password.
const leakPassword = "ein sehr langes Passwort"

// leakUnit is one Akte of the leak-hunt archive and what it may show.
type leakUnit struct {
	n      int
	kind   string // open, closed, personal, granted
	folder string // the submitted folder's name (the AIP's submission)
	title  string // the title after describe
	id     string
	sig    string
	aip    string
	// files are the logical names of the unit's files (below original/).
	files []string
	// content is each file's bytes by name.
	content map[string][]byte
	// hidden are the words nobody but a granted researcher may see while
	// the unit is closed; shown are words an open (or granted) unit's
	// responses must carry, so that the crawl cannot be blind.
	hidden, shown []string
}

func (u *leakUnit) short() string { return strings.TrimPrefix(u.id, "urn:uuid:") }
func (u *leakUnit) closed() bool  { return u.kind != "open" }

// leakPDF is a one-page PDF whose page shows text (uncompressed, so that
// its bytes contain the words).
func leakPDF(text string) []byte {
	stream := "BT /F1 12 Tf 72 720 Td (" + text + ") Tj ET"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b strings.Builder
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return []byte(b.String())
}

// leakPNG is a small PNG image with text in a tEXt chunk (kept in the
// original's bytes, lost when an image server re-encodes it).
func leakPNG(t *testing.T, text string) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 16, 16))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	const ihdrEnd = 8 + 4 + 4 + 13 + 4
	data := append([]byte("Comment\x00"), text...)
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	chunk = append(chunk, "tEXt"...)
	chunk = append(chunk, data...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	return append(append(append([]byte(nil), raw[:ihdrEnd]...), chunk...), raw[ihdrEnd:]...)
}

// buildLeakArchive builds the archive through the CLI: Bestand 20001 with
// five Akten (two open, one closed, one closed person-related, one closed
// person-related that researcher A will be granted), each with a text
// file and a PDF carrying marker words in names and content. It returns
// the units and the Bestand's id.
func buildLeakArchive(t *testing.T, g []string) ([]*leakUnit, string) {
	t.Helper()
	in := t.TempDir()
	mustRun(t, append(g, "tektonik", "add", "--title", "Kommunale Überlieferung")...)
	out := mustRun(t, append(g, "bestand", "add", "--signatur", "20001", "--title", "Landratsamt Leakhausen")...)
	bestand := regexp.MustCompile(`urn:uuid:[0-9a-f-]{36}`).FindString(out)
	if bestand == "" {
		t.Fatalf("bestand add said: %s", out)
	}
	var us []*leakUnit
	var dirs []string
	for i, kind := range []string{"open", "open", "closed", "personal", "granted"} {
		n := i + 1
		pfx := "GEHEIM"
		if kind == "open" {
			pfx = "OFFEN"
		}
		u := &leakUnit{n: n, kind: kind, content: map[string][]byte{}}
		// The folder's name is the unit's first title; a closed
		// person-related unit's own title hides it (describe).
		switch kind {
		case "open":
			u.folder = fmt.Sprintf("Akte OFFENTITEL%d Straßenbau", n)
		case "closed":
			u.folder = fmt.Sprintf("Akte PUBLIKTITEL%d Haushalt", n)
		default:
			u.folder = fmt.Sprintf("Akte GEHEIMORDNER%d", n)
		}
		dir := filepath.Join(in, u.folder)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		txt, pdf := fmt.Sprintf("%sDATEI%d.txt", pfx, n), fmt.Sprintf("%sPDF%d.pdf", pfx, n)
		u.content[txt] = []byte(fmt.Sprintf("Vermerk\n%sINHALT%d steht nur in dieser Datei.\n", pfx, n))
		u.content[pdf] = leakPDF(fmt.Sprintf("%sPDFTEXT%d", pfx, n))
		for name, b := range u.content {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		img := fmt.Sprintf("%sBILD%d.png", pfx, n)
		u.content[img] = leakPNG(t, fmt.Sprintf("%sPNGTEXT%d", pfx, n))
		if err := os.WriteFile(filepath.Join(dir, img), u.content[img], 0o644); err != nil {
			t.Fatal(err)
		}
		u.files = []string{txt, pdf, img}
		dirs = append(dirs, dir)
		us = append(us, u)
	}
	out = mustRun(t, append(append(g, "ingest", "--bestand", "20001", "--profile", "folder"), dirs...)...)
	for _, m := range regexp.MustCompile(`(urn:uuid:[0-9a-f-]{36})\s+(20001 Nr\. \d+)\s+(.+) \(\d+ files\)`).FindAllStringSubmatch(out, -1) {
		for _, u := range us {
			if m[3] == u.folder {
				u.aip, u.sig = m[1], m[2]
			}
		}
	}
	for _, u := range us {
		n, files := u.n, []string{"DATEI", "INHALT", "PDF", "PDFTEXT", "BILD", "PNGTEXT"}
		if u.aip == "" {
			t.Fatalf("ingest did not report %s:\n%s", u.folder, out)
		}
		switch u.kind {
		case "open":
			mustRun(t, append(g, "closure", "set", "--created", "1990-06-30", u.sig)...)
			for _, w := range append(files, "TITEL") {
				if w != "PNGTEXT" { // IIIF re-encodes images
					u.shown = append(u.shown, fmt.Sprintf("OFFEN%s%d", w, n))
				}
			}
		case "closed":
			// Closed, not person-related (a closure fact about a person
			// would make it person-related): the title is public; the
			// files and the AIP are not.
			mustRun(t, append(g, "closure", "set", "--created", "2020-01-01", "--secrecy", u.sig)...)
			for _, w := range files {
				u.hidden = append(u.hidden, fmt.Sprintf("GEHEIM%s%d", w, n))
			}
			u.shown = []string{fmt.Sprintf("PUBLIKTITEL%d", n)}
		default:
			// Closed and person-related: nothing of the description but
			// the Signatur and the Laufzeit is public.
			birth := fmt.Sprintf("19%d1-07-13", 3+n)
			mustRun(t, append(g, "describe", u.sig, "--title", fmt.Sprintf("GEHEIMTITEL%d Pflegegeld", n), "--scope", fmt.Sprintf("GEHEIMSCOPE%d", n),
				"--person", fmt.Sprintf("GEHEIMPERSON%d, Erna|%s", n, birth), "--place", fmt.Sprintf("GEHEIMORT%d", n),
				"--subject", fmt.Sprintf("GEHEIMSACHE%d", n))...)
			mustRun(t, append(g, "closure", "set", "--personal", "--created", "2020-01-01", "--person", fmt.Sprintf("GEHEIMPERSON%d, Erna", n),
				"--birth", birth, u.sig)...)
			for _, w := range append(files, "ORDNER", "TITEL", "SCOPE", "PERSON", "ORT", "SACHE") {
				u.hidden = append(u.hidden, fmt.Sprintf("GEHEIM%s%d", w, n))
			}
			u.hidden = append(u.hidden, birth)
		}
		if u.closed() {
			u.hidden = append(u.hidden, u.aip, strings.TrimPrefix(u.aip, "urn:uuid:"))
		}
	}
	for _, x := range unitsUnder(t, g, "20001") {
		for _, u := range us {
			if x.Signatur == u.sig {
				u.id = x.ID
			}
		}
	}
	for _, u := range us {
		if u.id == "" {
			t.Fatalf("unit %s not listed", u.sig)
		}
	}
	return us, bestand
}

// leakRoom is a reading room without units: it only lets web.New build
// the server whose route table the crawl walks.
type leakRoom struct{}

func (leakRoom) Search(context.Context, search.Query) (*search.Results, error) {
	return &search.Results{}, nil
}
func (leakRoom) Children(context.Context, string, int, int) (*search.Results, error) {
	return &search.Results{}, nil
}
func (leakRoom) Unit(context.Context, string) (*access.PublicUnit, error) { return nil, os.ErrNotExist }
func (leakRoom) Today() string                                            { return "2026-11-26" }

// leakDeskAuth lets desk.New build the desk whose route table the crawl
// walks.
type leakDeskAuth struct{}

func (leakDeskAuth) User(*http.Request) (desk.Identity, bool) { return desk.Identity{}, false }
func (leakDeskAuth) CSRFToken(*http.Request) string           { return "" }
func (leakDeskAuth) CheckCSRF(*http.Request) error            { return os.ErrPermission }

// leakResp is one HTTP answer as read off the wire.
type leakResp struct {
	code   int
	status string
	header http.Header
	body   []byte
}

// text is everything of the answer a client could read.
func (r *leakResp) text() string {
	var b strings.Builder
	b.WriteString(r.status)
	for k, vs := range r.header {
		for _, v := range vs {
			b.WriteString("\n" + k + ": " + v)
		}
	}
	b.WriteString("\n\n")
	b.Write(r.body)
	return b.String()
}

// rawClient speaks HTTP/1.1 over one kept-alive connection and sends the
// request target byte for byte, as an attacker's tool does (Go's client
// would clean or refuse some of the path tricks).
type rawClient struct {
	addr string
	conn net.Conn
	br   *bufio.Reader
}

func (c *rawClient) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

func (c *rawClient) do(method, target string, hdr [][2]string, body string) (*leakResp, error) {
	for attempt := 0; ; attempt++ {
		r, err := c.once(method, target, hdr, body)
		if err == nil || attempt == 1 {
			return r, err
		}
		c.close() // a kept-alive connection the server closed: once more
	}
}

func (c *rawClient) once(method, target string, hdr [][2]string, body string) (*leakResp, error) {
	if c.conn == nil {
		conn, err := net.DialTimeout("tcp", c.addr, 5*time.Second)
		if err != nil {
			return nil, err
		}
		c.conn, c.br = conn, bufio.NewReader(conn)
	}
	c.conn.SetDeadline(time.Now().Add(30 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: magazin-leak-hunt\r\n", method, target, c.addr)
	for _, h := range hdr {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	if body != "" || method == "POST" || method == "PUT" {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n" + body)
	if _, err := io.WriteString(c.conn, b.String()); err != nil {
		c.close()
		return nil, err
	}
	resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		c.close()
		return nil, err
	}
	rb, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		c.close()
		return nil, err
	}
	if resp.Close {
		c.close()
	}
	return &leakResp{code: resp.StatusCode, status: resp.Status, header: resp.Header, body: rb}, nil
}

// leakReq is one request of the crawl.
type leakReq struct {
	method, target string
	hdr            [][2]string
	pattern        string // the route it was made for
	// closedFile: the request asks for the content of a closed unit's
	// file; granted: the unit it names is the one granted to A.
	closedFile, granted bool
	// staffOnly: the route is the archivists' (never 2xx to the
	// crawlers, none of whom is one).
	staffOnly bool
}

// leakIdentity is a crawler: anonymous, or a logged-in researcher.
type leakIdentity struct {
	name    string
	cookie  string // magazin_session value, "" for anonymous
	allowed map[string]bool
}

// leakHunt is a crawl's shared state.
type leakHunt struct {
	t       *testing.T
	addr    string
	hidden  []string // every hidden word of every closed unit
	shown   []string // words open units show: the crawl must meet each
	seen    map[string]bool
	csrfRE  *regexp.Regexp
	reqs    atomic.Int64
	twins   atomic.Int64
	errs    atomic.Int64
	mu      sync.Mutex
	byCode  map[int]int
	byRoute map[string]int
}

const maxLeakErrors = 60

func (h *leakHunt) errorf(format string, args ...any) {
	h.t.Helper()
	if h.errs.Add(1) <= maxLeakErrors {
		h.t.Errorf(format, args...)
	}
}

// unescapeAll undoes percent-encoding until nothing changes (double
// encoding included).
func unescapeAll(s string) string {
	for range 4 {
		u, err := url.PathUnescape(s)
		if err != nil || u == s {
			break
		}
		s = u
	}
	return s
}

// carried returns the hidden words a request itself carries (in its target
// or headers), which an echo may repeat.
func (h *leakHunt) carried(id *leakIdentity, rq leakReq) []string {
	s := strings.ToLower(unescapeAll(rq.target))
	for _, x := range rq.hdr {
		s += "\n" + strings.ToLower(x[1])
	}
	var ws []string
	for _, w := range h.hidden {
		if !id.allowed[w] && strings.Contains(s, strings.ToLower(w)) {
			ws = append(ws, w)
		}
	}
	return ws
}

// stand returns a word of w's shape (w is one of [A-Za-z0-9-]) that names
// nothing in the archive.
func stand(w string) string {
	if regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`).MatchString(w) {
		b := make([]byte, 16)
		rand.Read(b)
		b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
		return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	}
	if regexp.MustCompile(`^\d{4}-\d\d-\d\d$`).MatchString(w) {
		return "1899-02-03"
	}
	return "NIRGENDS" + strings.Repeat("Q", max(0, len(w)-8))
}

// replaceFold replaces every occurrence of old in s, in any letter case.
func replaceFold(s, old, repl string) string {
	return regexp.MustCompile(`(?i)`+regexp.QuoteMeta(old)).ReplaceAllLiteralString(s, repl)
}

// fetch sends rq as id, following redirects within the server, and checks
// every answer on the way. It returns the last answer.
func (h *leakHunt) fetch(c *rawClient, id *leakIdentity, rq leakReq) *leakResp {
	h.t.Helper()
	var last *leakResp
	for hop := 0; hop < 5; hop++ {
		r, err := c.do(rq.method, rq.target, h.headers(id, rq), "")
		h.reqs.Add(1)
		if err != nil {
			h.errorf("%s %s as %s: %v", rq.method, rq.target, id.name, err)
			return nil
		}
		h.mu.Lock()
		h.byCode[r.code]++
		h.byRoute[rq.pattern]++
		h.mu.Unlock()
		h.check(c, id, rq, r)
		last = r
		loc := r.header.Get("Location")
		if r.code < 300 || r.code >= 400 || loc == "" {
			break
		}
		u, err := url.Parse(loc)
		if err != nil || (u.Host != "" && u.Host != h.addr) {
			h.errorf("%s %s as %s: redirects off the server to %q", rq.method, rq.target, id.name, loc)
			break
		}
		if !strings.HasPrefix(loc, "/") {
			base, _ := url.Parse(rq.target)
			loc = base.ResolveReference(u).RequestURI()
		}
		rq.target, rq.method, rq.staffOnly = loc, "GET", false
	}
	return last
}

// headers are a request's headers with id's session cookie.
func (h *leakHunt) headers(id *leakIdentity, rq leakReq) [][2]string {
	hdr := slices.Clone(rq.hdr)
	if id.cookie != "" {
		hdr = append(hdr, [2]string{"Cookie", "magazin_session=" + id.cookie})
	}
	return hdr
}

// check asserts that r shows nothing id may not see. A hidden word the
// request itself carries may be echoed: then the same request with the
// word replaced by one that names nothing (a twin) must get the same
// answer, with the replacement in the word's place, so that the answer
// cannot depend on what the word names.
func (h *leakHunt) check(c *rawClient, id *leakIdentity, rq leakReq, r *leakResp) {
	h.t.Helper()
	text := strings.ToLower(r.text())
	carried := h.carried(id, rq)
	for _, w := range h.shown {
		if strings.Contains(text, strings.ToLower(w)) && !strings.Contains(strings.ToLower(unescapeAll(rq.target)), strings.ToLower(w)) {
			h.mu.Lock()
			h.seen[id.name+"\x00"+w] = true
			h.mu.Unlock()
		}
	}
	for _, w := range h.hidden {
		if id.allowed[w] || slices.Contains(carried, w) {
			continue
		}
		if strings.Contains(text, strings.ToLower(w)) {
			h.errorf("%s %s as %s: %d shows the hidden %q", rq.method, rq.target, id.name, r.code, w)
		}
	}
	if rq.staffOnly && r.code < 300 {
		h.errorf("%s %s as %s: an archivists' route answers %d", rq.method, rq.target, id.name, r.code)
	}
	if r.code >= 500 {
		h.errorf("%s %s as %s: %s", rq.method, rq.target, id.name, r.status)
	}
	if rq.closedFile && !(rq.granted && len(id.allowed) > 0) && r.code != http.StatusForbidden && r.code != http.StatusNotFound &&
		!(r.code >= 300 && r.code < 400) && r.code != http.StatusBadRequest {
		h.errorf("%s %s as %s: %d for a closed unit's file, want 403 or 404", rq.method, rq.target, id.name, r.code)
	}
	if len(carried) == 0 {
		return
	}
	pairs := map[string]string{}
	for _, w := range carried {
		core := strings.TrimPrefix(w, "urn:uuid:")
		if _, ok := pairs[core]; !ok {
			pairs[core] = stand(core)
		}
	}
	twin := rq.target
	for w, s := range pairs {
		twin = replaceFold(twin, w, s)
	}
	r2, err := c.do(rq.method, twin, h.headers(id, rq), "")
	h.reqs.Add(1)
	h.twins.Add(1)
	if err != nil {
		h.errorf("%s %s as %s: twin request: %v", rq.method, twin, id.name, err)
		return
	}
	norm := func(r *leakResp, swap bool) string {
		s := h.csrfRE.ReplaceAllString(string(r.body), `name="csrf" value="…"`)
		s += "\nLocation: " + r.header.Get("Location") + "\nContent-Disposition: " + r.header.Get("Content-Disposition")
		if swap {
			for w, st := range pairs {
				s = replaceFold(s, w, st)
			}
		}
		return strings.ToLower(fmt.Sprintf("%d\n%s", r.code, s))
	}
	if a, b := norm(r, true), norm(r2, false); a != b {
		h.errorf("%s %s as %s: the answer depends on what %v names:\n%s", rq.method, rq.target, id.name, carried, diffText(a, b))
	}
}

func diffText(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-100)
	return fmt.Sprintf("…%s…\nvs …%s…", a[from:min(len(a), i+100)], b[from:min(len(b), i+100)])
}

// crawl sends every request as id with workers connections.
func (h *leakHunt) crawl(id *leakIdentity, reqs []leakReq, workers int) {
	ch := make(chan leakReq)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &rawClient{addr: h.addr}
			defer c.close()
			for rq := range ch {
				h.fetch(c, id, rq)
			}
		}()
	}
	for _, rq := range reqs {
		ch <- rq
	}
	close(ch)
	wg.Wait()
}

// sessionOf returns the session cookie a web user's jar holds.
func sessionOf(t *testing.T, u *webUser) string {
	t.Helper()
	base, _ := url.Parse(u.base)
	for _, c := range u.c.Jar.Cookies(base) {
		if c.Name == "magazin_session" {
			return c.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

// post sends a form as u with extra headers (none: the browser's own
// origin) and returns the status.
func (u *webUser) post(path string, form url.Values, hdr map[string]string) (int, string) {
	u.t.Helper()
	req, _ := http.NewRequest("POST", u.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", u.base)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := u.c.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var reqIDRE = regexp.MustCompile(`req-[0-9a-f]{8,}`)

// leakRequests builds the crawl: every route of the server's table with
// every wildcard filled by every reference the test knows or guesses.
func leakRequests(t *testing.T, routes []string, us []*leakUnit, bestand string, reqIDs []string, soak bool) []leakReq {
	t.Helper()
	byRef := map[string]*leakUnit{} // ref -> the unit it names
	// refs fill {ref}; fileRefs, with every file path, fill the file
	// routes' {ref} (all refs with MAGAZIN_SOAK).
	var refs, fileRefs []string
	addRef := func(ref string, u *leakUnit) {
		if !slices.Contains(refs, ref) {
			refs = append(refs, ref)
		}
		if u != nil {
			byRef[ref] = u
		}
	}
	for _, u := range us {
		fileRefs = append(fileRefs, u.short(), url.PathEscape(u.sig), strings.TrimPrefix(u.aip, "urn:uuid:"))
		addRef(url.PathEscape(u.id), u)
		addRef(u.short(), u)
		addRef(strings.ToUpper(u.short()), u)
		addRef(url.PathEscape(u.sig), u)
		addRef(strings.ReplaceAll(u.sig, " ", "+"), nil)
		addRef(strings.ToLower(url.PathEscape(u.sig)), nil)
		addRef(url.PathEscape(u.sig+" "), nil)
		addRef(url.PathEscape(strings.Replace(u.sig, "Nr. ", "Nr. 0", 1)), nil)
		// The AIP's id is no unit reference, nor the submitted folder.
		addRef(url.PathEscape(u.aip), nil)
		addRef(strings.TrimPrefix(u.aip, "urn:uuid:"), nil)
		addRef(url.PathEscape(u.folder), nil)
		// A neighbour of the real id.
		s := u.short()
		last := "0"
		if s[len(s)-1] == '0' {
			last = "1"
		}
		addRef(s[:len(s)-1]+last, nil)
	}
	for _, g := range []string{"20001 Nr. 0", "20001 Nr. 6", "20001 Nr. 99", "20001 Nr. 4/1", "20001", "submission", "..", "%2e%2e",
		"urn:uuid:00000000-0000-4000-8000-000000000000", "00000000-0000-0000-0000-000000000000"} {
		addRef(url.PathEscape(g), nil)
	}
	for range 3 {
		addRef(stand("00000000-0000-0000-0000-000000000000"), nil)
	}
	addRef(url.PathEscape(bestand), nil)

	// Paths of files: every unit's files, the AIP's metadata, and
	// variants that try to leave the unit's files.
	var paths []string
	for _, u := range us {
		for _, f := range u.files {
			paths = append(paths, "original/"+url.PathEscape(f))
		}
	}
	paths = append(paths, "METS.xml", "metadata/descriptive/description.json", "metadata/preservation/premis.xml",
		"representations/original/data/"+us[2].files[0], "original/..%2F..%2FMETS.xml", "original/%2e%2e/%2e%2e/METS.xml",
		"original/%252e%252e/%252e%252e/METS.xml", "..%2F..%2F"+url.PathEscape(aip.ObjectKey(us[2].aip))+"%2Finventory.json")
	tricks := func(name string) []string {
		e := url.PathEscape(name)
		return []string{"original/" + e + "%00", "original/" + e + "%00.pdf", "original/" + e + ";.pdf", "original/" + e + "/",
			"ORIGINAL/" + strings.ToUpper(e), "original//" + e, "original/.%2F" + e, "original%5C" + e, `original\` + e,
			"original/./" + e, "original/x/../" + e, "original/x/%2e%2e/" + e, "original/x%2F..%2F" + e, "original/%2565" + e[1:],
			"original/" + e + "%2500", "original/" + e + "?", "original/" + e + "#x", "original/" + e + "%20"}
	}

	searchQs := []string{"", "q=GEHEIM*", "q=geheim*", "q=GEHEIMTITEL4", "q=GEHEIMTITEL4~2", "q=GEHEIMTITEL~2", "q=GEHEIM%3FITEL4",
		"q=%2FGEHEIM.*%2F", "q=title%3AGEHEIM*", "q=scope%3AGEHEIM*", "q=persons%3AGEHEIM*", "q=places%3AGEHEIM*", "q=subjects%3AGEHEIM*",
		"q=aip%3A*", "q=*", "q=GEHEIMINHALT3", "q=GEHEIMDATEI3", "q=GEHEIMPDFTEXT4", "q=GEHEIMORDNER4", "q=%22Akte+GEHEIMORDNER4%22",
		"q=GEHEIMPERSON5", "q=Erna", "q=Pflegegeld", "q=1941-07-13", "q=GEHEIMORT4", "q=GEHEIMSACHE5", "q=%2BPflegegeld+-OFFENTITEL1",
		"q=Pflegegeld&open=0", "open=0", "open=0&level=akte", "decade=2010&open=0", "decade=2020", "from=2019&to=2021",
		"q=PUBLIKTITEL3", "q=OFFENTITEL1", "bestand=" + url.QueryEscape(bestand) + "&open=0", "bestand=" + url.QueryEscape(bestand) + "&q=GEHEIM*",
		"page=1&size=1000", "seite=2", "seite=99999", "size=-1", "size=0", "page=0", "seite=abc", "page=-1", "size=1&page=5",
		"q=" + strings.Repeat("GEHEIM", 400), "facets=1&q=GEHEIM*", "facets=0", "q=Pflegegeld&facets=1&open=0&level=akte",
		"level=dokument", "q=Akte", "q=Akte*&open=0", "q=20001+Nr.+4", "s=" + url.QueryEscape("20001 Nr. 4"), "s=" + url.QueryEscape("20001 Nr. 5"),
		"s=GEHEIMTITEL4", "s=" + url.QueryEscape(us[3].id), "sort=title&q=*", "sort=-signatur", "q=GEHEIM*&sort=title&size=1&page=1"}
	refQs := []string{"", "seite=2&dateien=1", "page=1&size=1000"}
	fileQs := []string{"", "download=1"}

	var reqs []leakReq
	wild := regexp.MustCompile(`\{[^}]*\}`)
	isOpenRef := func(ref string) bool { u := byRef[ref]; return u != nil && !u.closed() }
	owner := func(p string) *leakUnit {
		for _, u := range us {
			for _, f := range u.files {
				if strings.Contains(p, url.PathEscape(f)) || strings.Contains(p, f) {
					return u
				}
			}
		}
		return nil
	}
	for _, pattern := range routes {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			method, path = "", pattern
		}
		fileRoute := strings.Contains(path, "{path...}")
		type tgt struct {
			target     string
			closedFile bool
			granted    bool
		}
		targets := []tgt{{target: path}}
		for _, w := range wild.FindAllString(path, -1) {
			var next []tgt
			for _, tg := range targets {
				var vals []string
				switch w {
				case "{$}":
					vals = []string{""}
				case "{ref}":
					vals = refs
					if fileRoute && !soak {
						vals = append(slices.Clone(fileRefs), refs[len(refs)-6:]...)
					}
				case "{bestand}":
					vals = append([]string{"20001", url.PathEscape(bestand), strings.TrimPrefix(bestand, "urn:uuid:")}, refs...)
				case "{path...}":
					vals = paths
				case "{name...}":
					vals = []string{"style.css", "lock.svg", "..%2Fopenapi.yaml", "%2e%2e/templates/unit.html", "..%2F..%2Fweb.go"}
				case "{id}":
					vals = append(slices.Clone(reqIDs), "req-00000000000000000000000000000000", url.PathEscape(us[3].id), "..%2Fantraege")
					if !strings.HasPrefix(path, "/archiv/antraege/") {
						vals = append(slices.Clone(refs), reqIDs...) // the desk's units and AIPs
					}
				case "{process}":
					vals = []string{stand("00000000-0000-0000-0000-000000000000"), url.PathEscape(us[3].id), us[3].short(), "..%2F..%2Funit%2F" + us[3].short()}
				case "{job}":
					// Quarantine entries (the desk): a job id, path tricks, a unit id.
					vals = []string{"00000000-0000-0000-0000-000000000000", "..%2F..%2Fcatalog", "..", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
						url.PathEscape(us[3].id)}
				default:
					t.Fatalf("route %q has the wildcard %s, which the leak hunt cannot fill: teach it", pattern, w)
				}
				for _, v := range vals {
					next = append(next, tgt{target: strings.Replace(tg.target, w, v, 1), closedFile: tg.closedFile, granted: tg.granted})
				}
			}
			targets = next
		}
		if fileRoute {
			// Mark the requests for closed files; add the tricks.
			var next []tgt
			for _, tg := range targets {
				rest := strings.SplitN(strings.TrimPrefix(tg.target, "/unit/"), "/", 3)
				ref, p := rest[0], rest[2]
				own := owner(p)
				tg.closedFile = !isOpenRef(ref) || (own != nil && own.closed()) || own == nil
				tg.granted = byRef[ref] != nil && byRef[ref].kind == "granted"
				next = append(next, tg)
			}
			for _, u := range us {
				if !u.closed() {
					continue
				}
				for _, ref := range []string{u.short(), url.PathEscape(u.sig), us[0].short()} {
					for _, f := range u.files {
						for _, p := range tricks(f) {
							next = append(next, tgt{target: strings.Replace(strings.Replace(path, "{ref}", ref, 1), "{path...}", p, 1),
								closedFile: true, granted: u.kind == "granted" && ref != us[0].short()})
						}
					}
				}
			}
			targets = next
		}
		queries := searchQs
		switch {
		case fileRoute:
			queries = fileQs
		case strings.Contains(path, "{"):
			queries = refQs
		case path == "/{$}" || path == "/healthz" || path == "/favicon.ico" || strings.HasPrefix(path, "/anmelden") || path == "/abmelden" ||
			path == "/registrieren" || path == "/konto/antraege" || path == "/archiv/antraege" || path == "/api/v1/openapi.yaml":
			queries = []string{"", "weiter=%2Funit%2F" + us[3].short(), "hinweis=registriert"}
		case strings.HasPrefix(path, "/archiv/"):
			queries = []string{"", "page=1&size=1000"}
		case path == "/api/v1/units" || path == "/api/v1/ead/tektonik":
			queries = []string{"", "page=1&size=1000", "page=2&size=1", "size=-1", "page=99999"}
		}
		if path == "/" {
			// The catch-all: guessable URLs of archival packages, stores and
			// files.
			targets = nil
			for _, u := range us {
				if !u.closed() {
					continue
				}
				for _, form := range []string{url.PathEscape(u.aip), strings.TrimPrefix(u.aip, "urn:uuid:")} {
					for _, p := range []string{"/aip/", "/aips/", "/api/v1/aips/", "/api/v1/aip/", "/download/", "/api/v1/files/", "/files/", "/dip/", "/api/v1/dip/"} {
						targets = append(targets, tgt{target: p + form, closedFile: true})
					}
				}
				targets = append(targets, tgt{target: "/" + aip.ObjectKey(u.aip) + "/inventory.json", closedFile: true},
					tgt{target: "/ocfl/" + aip.ObjectKey(u.aip) + "/v1/content/representations/original/data/" + url.PathEscape(u.files[0]), closedFile: true},
					tgt{target: "/api/v1/units/" + u.short() + "/files/original/" + url.PathEscape(u.files[0]), closedFile: true},
					tgt{target: "/unit/" + u.short() + "/files/original/" + url.PathEscape(u.files[0]), closedFile: true},
					tgt{target: "/api/v1/units/" + u.short() + "/file/original/" + url.PathEscape(u.files[0]), closedFile: true},
					tgt{target: "/unit/" + u.short() + "/download/original/" + url.PathEscape(u.files[0]), closedFile: true},
					tgt{target: "/unit/" + u.short() + "/dip", closedFile: true}, tgt{target: "/api/v1/units/" + u.short() + "/dip", closedFile: true},
					tgt{target: "/api/v1/units/" + u.short() + "/aip", closedFile: true})
			}
			for _, p := range []string{"/robots.txt", "/sitemap.xml", "/.well-known/security.txt", "/admin", "/debug/pprof/", "/metrics",
				"/data/", "/catalog", "/journal/", "/index", "/.git/config", "/static/../../leak_test.go", "/static/%2e%2e/templates/unit.html",
				"/api/v1/", "/api/v2/units", "/oai/", "/OAI", "/unit/", "/unit", "/api/v1/units/", "//unit//" + us[3].short(),
				"/Unit/" + us[3].short(), "/UNIT/" + us[3].short(), "/unit/" + us[3].short() + "/", "/unit/" + us[3].short() + ";x=1",
				"/unit/" + us[3].short() + "%00", "/unit/" + us[3].short() + "%2F..%2F" + us[0].short(), "/unit%2F" + us[3].short(),
				"/api/v1/units/" + us[3].short() + "%2Ffiles", "/api/v1/units/" + us[3].short() + "/files/", "/api/v1//units/" + us[3].short() + "/files",
				"/api/v1/units/" + us[3].short() + "/../" + us[3].short() + "/files", `/unit\` + us[3].short(), "/%75nit/" + us[3].short(),
				"/unit/%2e%2e/unit/" + us[3].short() + "/file/original/" + url.PathEscape(us[3].files[0])} {
				targets = append(targets, tgt{target: p})
			}
		}
		methods := []string{method}
		switch {
		case method == "":
			methods = []string{"GET", "POST", "PUT", "DELETE"}
		case method == "GET" && (fileRoute || (soak && (strings.HasPrefix(path, "/unit/{ref}") || strings.HasPrefix(path, "/api/v1/units/")))):
			methods = []string{"GET", "HEAD"}
		}
		for _, m := range methods {
			for _, tg := range targets {
				qs := queries
				if m == "HEAD" || path == "/" {
					qs = []string{""}
				}
				for _, q := range qs {
					target := tg.target
					if q != "" {
						target += "?" + q
					}
					reqs = append(reqs, leakReq{method: m, target: target, pattern: pattern, closedFile: tg.closedFile, granted: tg.granted,
						staffOnly: strings.HasPrefix(path, "/archiv/")})
				}
			}
		}
	}
	// IIIF (mounted beside the route table): manifests and images of every
	// unit, by every reference; images are the units' PNG files.
	for _, ref := range append(slices.Clone(fileRefs), refs[len(refs)-6:]...) {
		u := byRef[ref]
		closed := u == nil || u.closed()
		granted := u != nil && u.kind == "granted"
		for _, p := range []string{"/iiif/manifest/" + ref, "/iiif/image/" + ref + "~1", "/iiif/image/" + ref + "~1/info.json",
			"/iiif/image/" + ref + "~1/full/max/0/default.jpg", "/iiif/image/" + ref + "~1/full/max/0/default.png",
			"/iiif/image/" + ref + "~1/0,0,8,8/max/0/default.jpg", "/iiif/image/" + ref + "~2/info.json", "/iiif/image/" + ref + "~0/info.json",
			"/iiif/image/" + ref + "~-1/info.json", "/iiif/image/" + ref + "%7E1/info.json", "/iiif/manifest/" + ref + "/", "/iiif/manifest/..%2F" + ref} {
			reqs = append(reqs, leakReq{method: "GET", target: p, pattern: "/iiif/", closedFile: closed, granted: granted})
		}
	}
	for _, p := range []string{"/iiif/", "/iiif/viewer/", "/iiif/viewer/..%2F..%2Fiiif.go", "/iiif/viewer/%2e%2e/%2e%2e/leak", "/iiif/image/",
		"/iiif/manifest/", "/iiif/image/" + us[3].short() + "~1/full/max/0/default.jpg", "/iiif/image/" + url.PathEscape(us[3].aip) + "~1/info.json"} {
		reqs = append(reqs, leakReq{method: "GET", target: p, pattern: "/iiif/"})
	}
	// The agencies' upload API and the admin API, with no, a made-up, an
	// empty and a Basic credential: never 2xx to a session, whoever's.
	for _, cred := range []string{"", "Bearer " + strings.Repeat("x", 43), "Bearer ", "Basic YWRtaW46YWRtaW4="} {
		var hdr [][2]string
		if cred != "" {
			hdr = [][2]string{{"Authorization", cred}}
		}
		for _, x := range []string{"GET /api/v1/transfers", "GET /api/v1/transfers/" + stand("00000000-0000-0000-0000-000000000000"),
			"GET /api/v1/transfers/" + us[3].short(), "GET /api/v1/transfers/" + strings.TrimPrefix(us[3].aip, "urn:uuid:"),
			"GET /api/v1/transfers/..%2F..%2Funit%2F" + us[3].short(), "PUT /api/v1/transfers/leak.zip", "PUT /api/v1/transfers/..%2F..%2Fleak.zip",
			"GET /admin/api/jobs", "POST /admin/api/jobs", "POST /admin/api/agencies/LRA/tokens", "DELETE /admin/api/agencies/LRA/tokens"} {
			m, target, _ := strings.Cut(x, " ")
			reqs = append(reqs, leakReq{method: m, target: target, hdr: hdr, pattern: "/api/v1/transfers", staffOnly: true})
		}
	}
	// HTTP Range on the closed units' files: single, suffix, open-ended,
	// multi-range, unsatisfiable; with If-Range.
	for _, u := range us {
		if !u.closed() {
			continue
		}
		for _, f := range u.files {
			for _, rg := range []string{"bytes=0-10", "bytes=-5", "bytes=5-", "bytes=0-1,3-4", "bytes=0-0,-1", "bytes=99999-", "bytes=0-",
				"bytes=-99999", "bytes=1-2,1-2,1-2"} {
				for _, form := range []string{"file", "view"} {
					reqs = append(reqs, leakReq{method: "GET", target: "/unit/" + u.short() + "/" + form + "/original/" + url.PathEscape(f),
						hdr: [][2]string{{"Range", rg}}, pattern: "GET /unit/{ref}/file/{path...}", closedFile: true, granted: u.kind == "granted"})
				}
				reqs = append(reqs, leakReq{method: "GET", target: "/unit/" + u.short() + "/file/original/" + url.PathEscape(f),
					hdr: [][2]string{{"Range", rg}, {"If-Range", `"x"`}}, pattern: "GET /unit/{ref}/file/{path...}", closedFile: true, granted: u.kind == "granted"})
			}
		}
	}
	return reqs
}

var (
	oaiIDRE    = regexp.MustCompile(`<identifier>([^<]+)</identifier>`)
	oaiTokenRE = regexp.MustCompile(`<resumptionToken[^>]*>([^<]+)</resumptionToken>`)
	oaiSetRE   = regexp.MustCompile(`<setSpec>([^<]+)</setSpec>`)
)

// harvest walks OAI-PMH as id: every list verb in both formats until the
// resumption tokens run out (whole and per set), GetRecord and
// ListMetadataFormats for every known and guessed identifier, and bad
// requests. It returns the identifiers harvested per format.
func (h *leakHunt) harvest(c *rawClient, id *leakIdentity, us []*leakUnit) map[string]map[string]bool {
	get := func(q string) string {
		r := h.fetch(c, id, leakReq{method: "GET", target: "/oai?" + q, pattern: "/oai"})
		if r == nil {
			return ""
		}
		return string(r.body)
	}
	got := map[string]map[string]bool{}
	sets := oaiSetRE.FindAllStringSubmatch(get("verb=ListSets"), -1)
	get("verb=Identify")
	get("verb=ListMetadataFormats")
	for _, prefix := range []string{"oai_dc", "ead"} {
		got[prefix] = map[string]bool{}
		var scopes []string
		scopes = append(scopes, "", "&from=2000-01-01", "&until=2000-01-01", "&from=2026-01-01T00:00:00Z", "&until=2999-12-31")
		for _, s := range sets {
			scopes = append(scopes, "&set="+url.QueryEscape(s[1]))
		}
		for _, verb := range []string{"ListRecords", "ListIdentifiers"} {
			for _, scope := range scopes {
				body := get("verb=" + verb + "&metadataPrefix=" + prefix + scope)
				for pages := 0; pages < 100; pages++ {
					for _, m := range oaiIDRE.FindAllStringSubmatch(body, -1) {
						got[prefix][m[1]] = true
					}
					tok := oaiTokenRE.FindStringSubmatch(body)
					if tok == nil {
						break
					}
					body = get("verb=" + verb + "&resumptionToken=" + url.QueryEscape(tok[1]))
				}
			}
		}
		for _, u := range us {
			for _, ident := range []string{u.id, u.aip, u.sig, strings.ToUpper(u.id), u.short()} {
				get("verb=GetRecord&metadataPrefix=" + prefix + "&identifier=" + url.QueryEscape(ident))
			}
		}
		get("verb=GetRecord&metadataPrefix=" + prefix + "&identifier=" + url.QueryEscape("urn:uuid:"+stand("00000000-0000-0000-0000-000000000000")))
	}
	for _, u := range us {
		get("verb=ListMetadataFormats&identifier=" + url.QueryEscape(u.id))
	}
	for _, q := range []string{"", "verb=Nonsense", "verb=GetRecord", "verb=ListRecords&metadataPrefix=marc21", "verb=ListRecords&resumptionToken=garbage",
		"verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=ead", "verb=ListRecords&metadataPrefix=oai_dc&set=" + url.QueryEscape("20001:GEHEIM")} {
		get(q)
	}
	// POST, as harvesters may.
	for _, prefix := range []string{"oai_dc", "ead"} {
		body := "verb=ListRecords&metadataPrefix=" + prefix
		r, err := c.do("POST", "/oai", [][2]string{{"Content-Type", "application/x-www-form-urlencoded"}}, body)
		h.reqs.Add(1)
		if err != nil {
			h.errorf("POST /oai: %v", err)
			continue
		}
		h.check(c, id, leakReq{method: "POST", target: "/oai", pattern: "/oai"}, r)
	}
	return got
}

// TestLeakHunt builds the leak-hunt archive, serves it with OAI-PMH and
// EAD and crawls every route as anonymous, as researcher B (logged in, no
// grant) and as researcher A (granted one closed unit by an archivist's
// decision over HTTP): no hidden word of a closed unit, nor a byte of its
// files, may appear in any answer (status line, headers, body) except to
// A for the granted unit; closed files answer 403 or 404. Then it attacks
// the accounts: brute force, session fixation, CSRF, logout, a disabled
// account, another researcher's requests, the archivists' routes.
//
// MAGAZIN_SOAK=1 crawls with more guessed ids and repeats the crawl.
func TestLeakHunt(t *testing.T) {
	start := time.Now()
	data := filepath.Join(t.TempDir(), "data")
	g := []string{"--data", data}
	us, bestand := buildLeakArchive(t, g)
	open1, closed3, personal4, granted5 := us[0], us[2], us[3], us[4]
	if r := magazinIn(t, leakPassword+"\n", append(g, "user", "add", "--name", "Clara Archivarin", "--role", "archivist", "clara@archiv.example")...); r.code != 0 {
		t.Fatalf("user add: %d %s", r.code, r.stderr)
	}
	t.Logf("archive built in %v", time.Since(start).Round(time.Millisecond))

	t.Setenv("MAGAZIN_OAI_ADMIN_EMAIL", "archiv@example.org")
	t.Setenv("MAGAZIN_ISIL", "DE-Lk1")
	t.Setenv("MAGAZIN_ARCHIVE", "Kreisarchiv Leakhausen")
	base, stop := serveReadingRoom(t, g)
	// The researchers register themselves (registration is open).
	for _, a := range [][2]string{{"ada@example.org", "Ada Forscherin"}, {"bert@example.org", "Bert Forscher"},
		{"opfer@example.org", "Otto Opfer"}, {"dora@example.org", "Dora Forscherin"}} {
		u := newWebUser(t, base)
		code, loc, _ := u.do("POST", "/registrieren", url.Values{"csrf": {u.token("/registrieren")}, "email": {a[0]}, "name": {a[1]},
			"passwort": {leakPassword}, "passwort2": {leakPassword}})
		if code != http.StatusSeeOther || !strings.Contains(loc, "registriert") {
			t.Fatalf("registration of %s: %d %q", a[0], code, loc)
		}
	}

	// Researcher A asks for the granted unit and for the personal one; B
	// for the closed one; the archivist approves A's first request only.
	ada, bert, clara := newWebUser(t, base), newWebUser(t, base), newWebUser(t, base)
	for _, l := range []struct {
		u     *webUser
		email string
	}{{ada, "ada@example.org"}, {bert, "bert@example.org"}, {clara, "clara@archiv.example"}} {
		if c := l.u.login(l.email, leakPassword); c != http.StatusSeeOther {
			t.Fatalf("login %s: %d", l.email, c)
		}
	}
	fileRequest := func(u *webUser, unit *leakUnit) string {
		t.Helper()
		before := reqIDRE.FindAllString(func() string { _, _, b := clara.do("GET", "/archiv/antraege", nil); return b }(), -1)
		code, _, _ := u.do("POST", "/unit/"+unit.short()+"/antrag", url.Values{"csrf": {u.token("/unit/" + unit.short() + "/antrag")},
			"zweck": {"research"}, "vorhaben": {"Pflegegeschichte"}, "begruendung": {"Für ein Forschungsvorhaben."}})
		if code != http.StatusSeeOther {
			t.Fatalf("request for %s: %d", unit.sig, code)
		}
		_, _, page := clara.do("GET", "/archiv/antraege", nil)
		for _, id := range reqIDRE.FindAllString(page, -1) {
			if !slices.Contains(before, id) {
				return id
			}
		}
		t.Fatalf("the archivist does not see the request for %s:\n%s", unit.sig, page)
		return ""
	}
	reqGranted, reqPersonal, reqBert := fileRequest(ada, granted5), fileRequest(ada, personal4), fileRequest(bert, closed3)
	code, _, body := clara.do("POST", "/archiv/antraege/"+reqGranted, url.Values{"csrf": {clara.token("/archiv/antraege/" + reqGranted)},
		"entscheidung": {"genehmigen"}, "freigabe": {"2000-01-01"}, "rechtsgrundlage": {"§ 10 Abs. 4 SächsArchivG, wissenschaftliches Forschungsvorhaben"}})
	if code != http.StatusSeeOther {
		t.Fatalf("approval: %d %s", code, body)
	}

	// The route table the crawl walks, and the OpenAPI paths it must
	// cover.
	srv, err := web.New(leakRoom{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	dh, err := desk.New(desk.Config{Auth: leakDeskAuth{}})
	if err != nil {
		t.Fatal(err)
	}
	routes := append(srv.Routes(), dh.Routes()...)
	_, _, spec := httpGet(t, base+"/api/v1/openapi.yaml")
	for _, m := range regexp.MustCompile(`(?m)^  (/\S*):`).FindAllStringSubmatch(string(spec), -1) {
		p := regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString("/api/v1"+m[1], "{}")
		found := false
		for _, r := range routes {
			_, rp, _ := strings.Cut(r, " ")
			found = found || regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(rp, "{}") == p
		}
		if !found {
			t.Errorf("the OpenAPI path %s is no route", m[1])
		}
	}

	h := &leakHunt{t: t, addr: strings.TrimPrefix(base, "http://"), csrfRE: regexp.MustCompile(`name="csrf" value="[^"]*"`),
		byCode: map[int]int{}, byRoute: map[string]int{}, seen: map[string]bool{}}
	grantedWords := map[string]bool{}
	for _, u := range us {
		h.hidden = append(h.hidden, u.hidden...)
		h.shown = append(h.shown, u.shown...)
	}
	for _, w := range granted5.hidden {
		grantedWords[w] = true
	}
	// What the grant opens to A, the crawl must meet as A.
	grantShown := []string{"GEHEIMTITEL5", "GEHEIMPERSON5", "GEHEIMINHALT5", "GEHEIMPDFTEXT5"}
	h.shown = append(h.shown, grantShown...)
	idents := []*leakIdentity{{name: "anonymous", allowed: map[string]bool{}},
		{name: "researcher B", cookie: sessionOf(t, bert), allowed: map[string]bool{}},
		{name: "researcher A (granted " + granted5.sig + ")", cookie: sessionOf(t, ada), allowed: grantedWords}}
	soak := os.Getenv("MAGAZIN_SOAK") != ""
	reqs := leakRequests(t, routes, us, bestand, []string{reqGranted, reqPersonal, reqBert}, soak)
	rounds := 1
	if soak {
		rounds = 3
	}
	crawlStart := time.Now()
	harvested := map[string]map[string]bool{}
	perIdent := map[string]int64{}
	for range rounds {
		for _, id := range idents {
			before := h.reqs.Load()
			h.crawl(id, reqs, 4)
			c := &rawClient{addr: h.addr}
			harvested = h.harvest(c, id, us)
			c.close()
			perIdent[id.name] += h.reqs.Load() - before
		}
	}
	crawlTime := time.Since(crawlStart)
	for _, p := range routes {
		if h.byRoute[p] == 0 {
			t.Errorf("no request reached the route %q", p)
		}
	}
	for _, id := range idents {
		for _, w := range h.shown {
			if slices.Contains(grantShown, w) {
				if id.allowed[w] != h.seen[id.name+"\x00"+w] {
					t.Errorf("the crawl as %s met %q: %v", id.name, w, h.seen[id.name+"\x00"+w])
				}
				continue
			}
			if !h.seen[id.name+"\x00"+w] {
				t.Errorf("the crawl as %s never met %q (unasked): it cannot see what is open", id.name, w)
			}
		}
	}
	for _, prefix := range []string{"oai_dc", "ead"} {
		for _, u := range us {
			if !harvested[prefix][u.id] {
				t.Errorf("OAI-PMH %s: %s (%s) not harvested", prefix, u.id, u.kind)
			}
		}
	}

	// The crawl can see: what is open shows, what is granted shows to A.
	c := &rawClient{addr: h.addr}
	defer c.close()
	expect := func(id *leakIdentity, target string, hdr [][2]string, code int, words ...string) {
		t.Helper()
		r, err := c.do("GET", target, h.headers(id, leakReq{hdr: hdr}), "")
		if err != nil {
			t.Fatal(err)
		}
		if r.code != code {
			t.Errorf("GET %s as %s: %d, want %d", target, id.name, r.code, code)
		}
		for _, w := range words {
			if !strings.Contains(string(r.body), w) {
				t.Errorf("GET %s as %s: %q missing", target, id.name, w)
			}
		}
	}
	anon, b, a := idents[0], idents[1], idents[2]
	fileURL := func(u *leakUnit, i int) string {
		return "/unit/" + u.short() + "/file/original/" + url.PathEscape(u.files[i])
	}
	for _, id := range idents {
		expect(id, "/api/v1/search?q=OFFENTITEL1", nil, 200, `"total":1`, "Akte OFFENTITEL1 Straßenbau")
		expect(id, "/api/v1/search?q=PUBLIKTITEL3", nil, 200, `"total":1`, "Akte PUBLIKTITEL3 Haushalt", closed3.sig)
		expect(id, "/unit/"+closed3.short(), nil, 200, "Akte PUBLIKTITEL3 Haushalt")
		expect(id, fileURL(open1, 0), nil, 200, "OFFENINHALT1")
		expect(id, fileURL(open1, 0), [][2]string{{"Range", "bytes=0-6"}}, 206, "Vermerk")
		expect(id, fileURL(open1, 1), nil, 200, "OFFENPDFTEXT1")
		for _, q := range []string{"GEHEIM*", "geheim*", "%2FGEHEIM.*%2F", "GEHEIMTITEL4~2", "Pflegegeld", "GEHEIMPERSON5"} {
			expect(id, "/api/v1/search?q="+q, nil, 200, `"total":0`)
		}
	}
	expect(anon, "/api/v1/ead/findbuch/20001", nil, 200, "OFFENTITEL1", "PUBLIKTITEL3", personal4.sig, "DE-Lk1")
	expect(anon, "/api/v1/ead/tektonik", nil, 200, "Landratsamt Leakhausen")
	expect(anon, "/api/v1/units/"+personal4.short()+"/ead", nil, 200, personal4.sig)
	expect(a, "/unit/"+granted5.short(), nil, 200, "GEHEIMTITEL5", "GEHEIMPERSON5")
	expect(a, fileURL(granted5, 0), nil, 200, "GEHEIMINHALT5")
	expect(a, fileURL(granted5, 0), [][2]string{{"Range", "bytes=8-20"}}, 206, "GEHEIMINHALT")
	expect(a, fileURL(granted5, 1), nil, 200, "GEHEIMPDFTEXT5")
	for _, id := range []*leakIdentity{anon, b, a} {
		expect(id, fileURL(personal4, 1), nil, 403)
		expect(id, fileURL(closed3, 1), nil, 403)
	}
	for _, id := range idents {
		expect(id, "/iiif/image/"+open1.short()+"~1/info.json", nil, 200, open1.short())
		expect(id, "/iiif/manifest/"+open1.short(), nil, 200, "OFFENTITEL1")
	}
	expect(a, "/iiif/image/"+granted5.short()+"~1/info.json", nil, 200, granted5.short())
	expect(a, "/iiif/manifest/"+granted5.short(), nil, 200, "GEHEIMTITEL5")
	expect(b, fileURL(granted5, 1), nil, 403)
	expect(anon, fileURL(granted5, 1), nil, 403)

	t.Logf("leak hunt: %d requests (%d twins) on %d routes + /oai as %d identities in %v; per identity %v; statuses %v; %d hidden words",
		h.reqs.Load(), h.twins.Load(), len(routes), len(idents), crawlTime.Round(time.Millisecond), perIdent, h.byCode, len(h.hidden))
	if n := h.errs.Load(); n > maxLeakErrors {
		t.Errorf("%d findings in all, the first %d shown", n, maxLeakErrors)
	}

	t.Run("accounts", func(t *testing.T) {
		leakAuthAttacks(t, base, ada, bert, clara, granted5, personal4, reqGranted, reqPersonal, reqBert)
	})
	t.Run("disabled", func(t *testing.T) {
		// A's session dies with the account: disabled while the server is
		// down (the accounts database is the server's), replayed after.
		sess := sessionOf(t, ada)
		stop()
		mustRun(t, append(g, "user", "disable", "ada@example.org")...)
		base, _ := serveReadingRoom(t, g)
		replay := newWebUser(t, base)
		u, _ := url.Parse(base)
		replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: "magazin_session", Value: sess, Path: "/"}})
		if code, loc, _ := replay.do("GET", "/konto/antraege", nil); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/anmelden") {
			t.Errorf("the disabled account's session: /konto/antraege %d %q", code, loc)
		}
		if code, _, _ := replay.do("GET", fileURL(granted5, 1), nil); code != http.StatusForbidden {
			t.Errorf("the disabled account's session: the granted file %d", code)
		}
		if c := newWebUser(t, base).login("ada@example.org", leakPassword); c != http.StatusForbidden {
			t.Errorf("login of the disabled account: %d", c)
		}
	})
}

// leakAuthAttacks attacks the accounts of the running reading room.
func leakAuthAttacks(t *testing.T, base string, ada, bert, clara *webUser, granted, personal *leakUnit, reqGranted, reqPersonal, reqBert string) {
	staffPage := func() string { _, _, b := clara.do("GET", "/archiv/antraege", nil); return b }
	requestsBefore := reqIDRE.FindAllString(staffPage(), -1)
	stillOpen := func(id string) bool {
		_, _, b := clara.do("GET", "/archiv/antraege/"+id, nil)
		return strings.Contains(b, `name="entscheidung"`)
	}
	if !stillOpen(reqPersonal) || !stillOpen(reqBert) {
		t.Fatal("the open requests show no decision form to the archivist")
	}

	t.Run("csrf", func(t *testing.T) {
		target := "/unit/" + personal.short() + "/antrag"
		adaTok, bertTok := ada.token(target), bert.token(target)
		anon := newWebUser(t, base)
		preTok := anon.token("/anmelden")
		form := func(tok string) url.Values {
			v := url.Values{"zweck": {"research"}, "vorhaben": {"x"}, "begruendung": {"CSRF-Versuch"}}
			if tok != "" {
				v.Set("csrf", tok)
			}
			return v
		}
		for _, at := range []struct {
			name string
			tok  string
			hdr  map[string]string
		}{
			{"no token", "", nil},
			{"another session's token", bertTok, nil},
			{"a pre-login token", preTok, nil},
			{"a made-up token", strings.Repeat("A", 43), nil},
			{"the right token from a foreign origin", adaTok, map[string]string{"Origin": "http://evil.example"}},
			{"the right token from a look-alike origin", adaTok, map[string]string{"Origin": base + ".evil.example"}},
			{"the right token, cross-site fetch", adaTok, map[string]string{"Sec-Fetch-Site": "cross-site"}},
			{"the right token, same-site fetch", adaTok, map[string]string{"Sec-Fetch-Site": "same-site"}},
			{"the right token, null origin", adaTok, map[string]string{"Origin": "null"}},
		} {
			if code, _ := ada.post(target, form(at.tok), at.hdr); code != http.StatusForbidden {
				t.Errorf("request with %s: %d, want 403", at.name, code)
			}
		}
		// The archivist's decision, forged the same ways.
		claraTok := clara.token("/archiv/antraege/" + reqPersonal)
		decision := func(tok string) url.Values {
			return url.Values{"csrf": {tok}, "entscheidung": {"genehmigen"}, "freigabe": {"2000-01-01"}, "rechtsgrundlage": {"x"}}
		}
		for name, at := range map[string]struct {
			tok string
			hdr map[string]string
		}{"no token": {"", nil}, "a researcher's token": {adaTok, nil}, "foreign origin": {claraTok, map[string]string{"Origin": "http://evil.example"}},
			"cross-site": {claraTok, map[string]string{"Sec-Fetch-Site": "cross-site"}}} {
			if code, _ := clara.post("/archiv/antraege/"+reqPersonal, decision(at.tok), at.hdr); code != http.StatusForbidden {
				t.Errorf("decision with %s: %d, want 403", name, code)
			}
		}
		if got := reqIDRE.FindAllString(staffPage(), -1); !slices.Equal(got, requestsBefore) {
			t.Errorf("forged forms changed the requests: %v, was %v", got, requestsBefore)
		}
		if !stillOpen(reqPersonal) {
			t.Errorf("a forged decision decided %s", reqPersonal)
		}
	})

	t.Run("idor", func(t *testing.T) {
		_, _, mine := bert.do("GET", "/konto/antraege", nil)
		for _, w := range []string{reqGranted, reqPersonal, granted.sig, personal.sig, "GEHEIMTITEL"} {
			if strings.Contains(mine, w) {
				t.Errorf("B's requests page shows %q", w)
			}
		}
		if !strings.Contains(mine, "20001 Nr. 3") {
			t.Errorf("B's requests page lacks B's own request:\n%s", mine)
		}
		for _, u := range []struct {
			name string
			u    *webUser
		}{{"researcher B", bert}, {"researcher A", ada}} {
			for _, id := range []string{reqGranted, reqPersonal, reqBert} {
				if code, _, b := u.u.do("GET", "/archiv/antraege/"+id, nil); code != http.StatusForbidden || strings.Contains(b, "GEHEIM") {
					t.Errorf("%s: GET /archiv/antraege/%s: %d", u.name, id, code)
				}
				// Deciding with the user's own valid token: A would
				// approve A's own request.
				tok := u.u.token("/konto/antraege")
				if code, _ := u.u.post("/archiv/antraege/"+id, url.Values{"csrf": {tok}, "entscheidung": {"genehmigen"}, "freigabe": {"2000-01-01"},
					"rechtsgrundlage": {"x"}}, nil); code != http.StatusForbidden {
					t.Errorf("%s: POST /archiv/antraege/%s: %d, want 403", u.name, id, code)
				}
			}
			if code, _, _ := u.u.do("GET", "/archiv/antraege", nil); code != http.StatusForbidden {
				t.Errorf("%s: GET /archiv/antraege: %d", u.name, code)
			}
		}
		anon := newWebUser(t, base)
		for _, p := range []string{"/archiv/antraege", "/archiv/antraege/" + reqPersonal, "/konto/antraege"} {
			if code, loc, _ := anon.do("GET", p, nil); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/anmelden") {
				t.Errorf("anonymous: GET %s: %d %q", p, code, loc)
			}
		}
		if code, _ := anon.post("/archiv/antraege/"+reqPersonal, url.Values{"csrf": {anon.token("/anmelden")}, "entscheidung": {"genehmigen"}}, nil); code != http.StatusForbidden {
			t.Errorf("anonymous: POST a decision: %d", code)
		}
		if !stillOpen(reqPersonal) || !stillOpen(reqBert) {
			t.Error("a researcher decided a request")
		}
		if code, _, _ := ada.do("GET", "/unit/"+personal.short()+"/file/original/"+url.PathEscape(personal.files[1]), nil); code != http.StatusForbidden {
			t.Errorf("A's undecided request opened %s: %d", personal.sig, code)
		}
	})

	t.Run("fixation", func(t *testing.T) {
		// A made-up cookie is not adopted.
		planted := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		v := newWebUser(t, base)
		u, _ := url.Parse(base)
		v.c.Jar.SetCookies(u, []*http.Cookie{{Name: "magazin_session", Value: planted, Path: "/"}})
		if c := v.login("dora@example.org", leakPassword); c != http.StatusSeeOther {
			t.Fatalf("login: %d", c)
		}
		if s := sessionOf(t, v); s == planted {
			t.Error("the planted session id was adopted")
		}
		w := newWebUser(t, base)
		w.c.Jar.SetCookies(u, []*http.Cookie{{Name: "magazin_session", Value: planted, Path: "/"}})
		if code, _, _ := w.do("GET", "/konto/antraege", nil); code != http.StatusSeeOther {
			t.Errorf("the planted session id is logged in: %d", code)
		}
		// An attacker's own valid session, planted in the victim's
		// browser, is replaced at the victim's login and ends.
		att := newWebUser(t, base)
		if c := att.login("bert@example.org", leakPassword); c != http.StatusSeeOther {
			t.Fatalf("login: %d", c)
		}
		attSess := sessionOf(t, att)
		victim := newWebUser(t, base)
		victim.c.Jar.SetCookies(u, []*http.Cookie{{Name: "magazin_session", Value: attSess, Path: "/"}})
		if c := victim.login("dora@example.org", leakPassword); c != http.StatusSeeOther {
			t.Fatalf("victim login: %d", c)
		}
		if sessionOf(t, victim) == attSess {
			t.Error("the victim's login kept the planted session")
		}
		if code, _, _ := att.do("GET", "/konto/antraege", nil); code != http.StatusSeeOther {
			t.Errorf("the planted session survived the victim's login: %d", code)
		}
	})

	t.Run("logout", func(t *testing.T) {
		u := newWebUser(t, base)
		if c := u.login("dora@example.org", leakPassword); c != http.StatusSeeOther {
			t.Fatalf("login: %d", c)
		}
		sess := sessionOf(t, u)
		if code, _ := u.post("/abmelden", url.Values{"csrf": {u.token("/konto/antraege")}}, nil); code != http.StatusSeeOther {
			t.Fatalf("logout: %d", code)
		}
		replay := newWebUser(t, base)
		bu, _ := url.Parse(base)
		replay.c.Jar.SetCookies(bu, []*http.Cookie{{Name: "magazin_session", Value: sess, Path: "/"}})
		if code, loc, _ := replay.do("GET", "/konto/antraege", nil); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/anmelden") {
			t.Errorf("the logged-out session replayed: %d %q", code, loc)
		}
	})

	t.Run("brute force", func(t *testing.T) {
		u := newWebUser(t, base)
		for i := range 5 {
			if c := u.login("opfer@example.org", fmt.Sprintf("falsches Passwort %d", i)); c != http.StatusUnauthorized {
				t.Errorf("wrong password %d: %d, want 401", i+1, c)
			}
		}
		if c := u.login("opfer@example.org", "falsches Passwort 6"); c != http.StatusTooManyRequests {
			t.Errorf("wrong password 6: %d, want 429", c)
		}
		if c := u.login("opfer@example.org", leakPassword); c != http.StatusTooManyRequests {
			t.Errorf("the right password during the lock-out: %d, want 429", c)
		}
		// Neither another client nor a forged client address gets round it.
		other := newWebUser(t, base)
		tok := other.token("/anmelden")
		if code, _ := other.post("/anmelden", url.Values{"csrf": {tok}, "email": {"OPFER@example.org"}, "passwort": {leakPassword}},
			map[string]string{"X-Forwarded-For": "203.0.113.9"}); code != http.StatusTooManyRequests {
			t.Errorf("the right password from a forged address during the lock-out: %d, want 429", code)
		}
		// Other accounts still log in.
		if c := newWebUser(t, base).login("dora@example.org", leakPassword); c != http.StatusSeeOther {
			t.Errorf("another account during the lock-out: %d", c)
		}
	})
}
