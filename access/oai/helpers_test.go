package oai_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/oai"
	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
)

// now is the archive's clock in the tests: the reading room decides
// closure on 2026-11-26.
var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// uid makes a unit id.
func uid(n int) string { return fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", n) }

type fixture struct {
	cat  *catalog.Catalog
	room *access.Service
	p    *oai.Provider
}

// newFixture opens an in-memory catalog (and index, with index) and the
// provider over them.
func newFixture(t testing.TB, withIndex bool, cfg oai.Config) *fixture {
	t.Helper()
	cat, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	var idx *search.Index
	if withIndex {
		if idx, err = search.Open(""); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { idx.Close() })
	}
	room, err := access.New(access.Config{}, cat, idx, nil)
	if err != nil {
		t.Fatal(err)
	}
	room.SetClock(func() time.Time { return now })
	if len(cfg.AdminEmails) == 0 {
		cfg.AdminEmails = []string{"archiv@example.org"}
	}
	if cfg.RepositoryName == "" {
		cfg.RepositoryName = "Staatsarchiv Musterland"
	}
	if len(cfg.Key) == 0 {
		cfg.Key = []byte("0123456789abcdef0123456789abcdef")
	}
	p, err := oai.New(cfg, room, cat, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.SetClock(func() time.Time { return now })
	return &fixture{cat: cat, room: room, p: p}
}

func (f *fixture) put(t testing.TB, at time.Time, units ...preservation.Unit) {
	t.Helper()
	if err := f.cat.PutUnitsAt(context.Background(), at, units); err != nil {
		t.Fatal(err)
	}
}

// get answers a GET request with the query q.
func (f *fixture) get(t testing.TB, q string) []byte {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "http://archiv.example.org/oai?"+q, nil)
	w := httptest.NewRecorder()
	f.p.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("GET ?%s: HTTP %d: %s", q, w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/xml; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	return w.Body.Bytes()
}

// post answers a POST request with the form body.
func (f *fixture) post(t testing.TB, body string) []byte {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "http://archiv.example.org/oai", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	f.p.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("POST %s: HTTP %d: %s", body, w.Code, w.Body)
	}
	return w.Body.Bytes()
}

// response is an OAI-PMH response as the tests read it.
type response struct {
	XMLName      xml.Name `xml:"http://www.openarchives.org/OAI/2.0/ OAI-PMH"`
	ResponseDate string   `xml:"responseDate"`
	Request      struct {
		URL   string     `xml:",chardata"`
		Attrs []xml.Attr `xml:",any,attr"`
	} `xml:"request"`
	Errors []struct {
		Code string `xml:"code,attr"`
		Text string `xml:",chardata"`
	} `xml:"error"`
	Identify *struct {
		RepositoryName    string   `xml:"repositoryName"`
		BaseURL           string   `xml:"baseURL"`
		ProtocolVersion   string   `xml:"protocolVersion"`
		AdminEmail        []string `xml:"adminEmail"`
		EarliestDatestamp string   `xml:"earliestDatestamp"`
		DeletedRecord     string   `xml:"deletedRecord"`
		Granularity       string   `xml:"granularity"`
	} `xml:"Identify"`
	ListMetadataFormats *struct {
		Formats []struct {
			Prefix    string `xml:"metadataPrefix"`
			Schema    string `xml:"schema"`
			Namespace string `xml:"metadataNamespace"`
		} `xml:"metadataFormat"`
	} `xml:"ListMetadataFormats"`
	ListSets *struct {
		Sets []struct {
			Spec string `xml:"setSpec"`
			Name string `xml:"setName"`
		} `xml:"set"`
	} `xml:"ListSets"`
	GetRecord *struct {
		Record record `xml:"record"`
	} `xml:"GetRecord"`
	ListRecords     *list `xml:"ListRecords"`
	ListIdentifiers *list `xml:"ListIdentifiers"`
}

type list struct {
	Records []record `xml:"record"`
	Headers []header `xml:"header"`
	Token   *tokenEl `xml:"resumptionToken"`
}

type record struct {
	Header   header `xml:"header"`
	Metadata *struct {
		Inner string `xml:",innerxml"`
	} `xml:"metadata"`
}

type header struct {
	Status     string   `xml:"status,attr"`
	Identifier string   `xml:"identifier"`
	Datestamp  string   `xml:"datestamp"`
	SetSpecs   []string `xml:"setSpec"`
}

type tokenEl struct {
	Value          string `xml:",chardata"`
	Cursor         string `xml:"cursor,attr"`
	Size           string `xml:"completeListSize,attr"`
	ExpirationDate string `xml:"expirationDate,attr"`
}

// parse reads a response and checks the protocol's rules that a schema
// cannot express.
func parse(t testing.TB, body []byte) *response {
	t.Helper()
	var r response
	if err := xml.Unmarshal(body, &r); err != nil {
		t.Fatalf("response is not OAI-PMH: %v\n%s", err, body)
	}
	if _, err := time.Parse("2006-01-02T15:04:05Z", r.ResponseDate); err != nil {
		t.Errorf("responseDate %q is not UTC to the second", r.ResponseDate)
	}
	if len(r.Errors) > 0 {
		for _, e := range r.Errors {
			if e.Code == "badVerb" || e.Code == "badArgument" {
				if len(r.Request.Attrs) > 0 {
					t.Errorf("%s: the request element repeats arguments %v", e.Code, r.Request.Attrs)
				}
			}
		}
	}
	var recs []record
	if r.GetRecord != nil {
		recs = append(recs, r.GetRecord.Record)
	}
	if r.ListRecords != nil {
		recs = append(recs, r.ListRecords.Records...)
	}
	for _, rec := range recs {
		switch {
		case rec.Header.Status == "deleted" && rec.Metadata != nil:
			t.Errorf("deleted record %s has metadata", rec.Header.Identifier)
		case rec.Header.Status != "deleted" && rec.Metadata == nil:
			t.Errorf("record %s has no metadata", rec.Header.Identifier)
		}
		if d := rec.Header.Datestamp; d > r.ResponseDate {
			t.Errorf("record %s datestamp %s after the response date %s", rec.Header.Identifier, d, r.ResponseDate)
		}
	}
	return &r
}

// errCode returns the response's one error code, or "".
func (r *response) errCode() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Code
}

func (r *response) attr(name string) string {
	for _, a := range r.Request.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// validator validates responses with xmllint against the OAI-PMH 2.0 and
// oai_dc schemas of testdata/oai (written from the specification) and
// the EAD(DDB) 1.2 Findbuch schema of the shared corpus, in batches.
type validator struct {
	t       testing.TB
	xmllint string
	wrapper string
	catalog string
	dir     string
	mu      sync.Mutex
	files   []string
}

func newValidator(t testing.TB) *validator {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		corpus.Missing(t, "xmllint not installed (apt-get install libxml2-utils)")
	}
	ead := corpus.Dir(t, "ead")
	testdata, err := filepath.Abs(filepath.Join("..", "..", "testdata", "oai"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	wrapper := filepath.Join(dir, "all.xsd")
	imports := [][2]string{
		{"http://www.openarchives.org/OAI/2.0/", filepath.Join(testdata, "OAI-PMH.xsd")},
		{"http://www.openarchives.org/OAI/2.0/oai_dc/", filepath.Join(testdata, "oai_dc.xsd")},
		{"urn:isbn:1-931666-22-9", filepath.Join(ead, "ead-ddb", "ead_ddb", "1.2", "schema", "EAD_DDB_1.2_Findbuch_XSD1.0.xsd")},
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<schema xmlns="http://www.w3.org/2001/XMLSchema">` + "\n")
	for _, im := range imports {
		fmt.Fprintf(&b, "  <import namespace=%q schemaLocation=%q/>\n", im[0], (&url.URL{Scheme: "file", Path: filepath.ToSlash(im[1])}).String())
	}
	b.WriteString("</schema>\n")
	if err := os.WriteFile(wrapper, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return &validator{t: t, xmllint: xmllint, wrapper: wrapper, catalog: filepath.Join(ead, "xml-catalog.xml"), dir: dir}
}

// add keeps a response for validation.
func (v *validator) add(body []byte) {
	v.mu.Lock()
	defer v.mu.Unlock()
	f := filepath.Join(v.dir, fmt.Sprintf("r%05d.xml", len(v.files)))
	if err := os.WriteFile(f, body, 0o600); err != nil {
		v.t.Fatal(err)
	}
	v.files = append(v.files, f)
}

// run validates every response kept and fails the test for each invalid
// one.
func (v *validator) run() {
	v.t.Helper()
	v.mu.Lock()
	files := v.files
	v.files = nil
	v.mu.Unlock()
	for len(files) > 0 {
		n := min(len(files), 200)
		args := append([]string{"--nonet", "--noout", "--schema", v.wrapper}, files[:n]...)
		cmd := exec.Command(v.xmllint, args...)
		cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+v.catalog)
		out, err := cmd.CombinedOutput()
		if err != nil {
			msg := string(out)
			var bad []string
			for _, line := range strings.Split(msg, "\n") {
				if !strings.HasSuffix(line, " validates") {
					bad = append(bad, line)
				}
			}
			if len(bad) > 40 {
				bad = bad[:40]
			}
			v.t.Errorf("responses do not validate: %v\n%s", err, strings.Join(bad, "\n"))
			if f := firstFailing(msg); f != "" {
				b, _ := os.ReadFile(f)
				if len(b) > 4000 {
					b = b[:4000]
				}
				v.t.Logf("%s:\n%s", f, b)
			}
			return
		}
		files = files[n:]
	}
}

func firstFailing(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if f, ok := strings.CutSuffix(line, " fails to validate"); ok {
			return f
		}
	}
	return ""
}
