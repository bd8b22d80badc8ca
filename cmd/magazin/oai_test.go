package main

import (
	"encoding/json"
	"encoding/xml"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// oaiResponse is what the test reads of an OAI-PMH response.
type oaiResponse struct {
	ResponseDate string `xml:"responseDate"`
	Error        *struct {
		Code string `xml:"code,attr"`
	} `xml:"error"`
	Identify *struct {
		BaseURL    string `xml:"baseURL"`
		AdminEmail string `xml:"adminEmail"`
	} `xml:"Identify"`
	Records []struct {
		Identifier string `xml:"header>identifier"`
		Datestamp  string `xml:"header>datestamp"`
		Metadata   string `xml:",innerxml"`
	} `xml:"ListRecords>record"`
}

func oaiGet(t *testing.T, base, q string) (*oaiResponse, string) {
	t.Helper()
	code, h, body := httpGet(t, base+"/oai?"+q)
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/xml") {
		t.Fatalf("/oai?%s = %d %s\n%s", q, code, h.Get("Content-Type"), body)
	}
	var r oaiResponse
	if err := xml.Unmarshal(body, &r); err != nil {
		t.Fatalf("/oai?%s: %v\n%s", q, err, body)
	}
	return &r, string(body)
}

// TestServeOAI harvests the ingested sample transfer through `magazin
// serve` over OAI-PMH, then marks it person-related: the next harvest
// from the first one's date gets the unit again, without its title.
func TestServeOAI(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	g := []string{"--data", data}
	mustRun(t, append(g, "ingest", "--profile", "folder", sampleDir(t))...)
	var found struct {
		Hits []struct{ ID, Title string }
	}
	if err := json.Unmarshal([]byte(mustRun(t, append(g, "search", "--json", "--level", "akte")...)), &found); err != nil || len(found.Hits) != 1 {
		t.Fatalf("search: %+v %v", found, err)
	}
	id, title := found.Hits[0].ID, found.Hits[0].Title
	if title == "" {
		t.Fatalf("the sample unit has no title: %+v", found)
	}
	mustRun(t, append(g, "closure", "set", "--created", "1990-06-30", id)...)

	t.Setenv("MAGAZIN_OAI_ADMIN_EMAIL", "archiv@example.org")
	base, stop := serveReadingRoom(t, g)
	r, body := oaiGet(t, base, "verb=Identify")
	if r.Identify == nil || r.Identify.AdminEmail != "archiv@example.org" || r.Identify.BaseURL != base+"/oai" {
		t.Fatalf("Identify:\n%s", body)
	}
	first, body := oaiGet(t, base, "verb=ListRecords&metadataPrefix=oai_dc")
	var stamp string
	for _, rec := range first.Records {
		if rec.Identifier == id {
			stamp = rec.Datestamp
			if !strings.Contains(rec.Metadata, title) || !strings.Contains(rec.Metadata, "Frei zugänglich") {
				t.Errorf("the open unit's record:\n%s", rec.Metadata)
			}
		}
	}
	if stamp == "" {
		t.Fatalf("%s not harvested:\n%s", id, body)
	}
	if _, err := os.Stat(filepath.Join(data, "oai-key")); err != nil {
		t.Errorf("no token key kept: %v", err)
	}

	stop()
	mustRun(t, append(g, "closure", "set", "--personal", "--created", "2020-01-01", id)...)
	base, _ = serveReadingRoom(t, g)
	r, body = oaiGet(t, base, "verb=ListRecords&metadataPrefix=oai_dc&from="+url.QueryEscape(first.ResponseDate))
	if len(r.Records) == 0 || r.Records[0].Identifier != id || r.Records[0].Datestamp < first.ResponseDate {
		t.Fatalf("changed since the first harvest:\n%s", body)
	}
	if strings.Contains(body, title) || !strings.Contains(body, "Titel gesperrt") {
		t.Errorf("the closed person-related unit's record:\n%s", body)
	}
	if _, body := oaiGet(t, base, "verb=ListRecords&metadataPrefix=ead"); strings.Contains(body, title) {
		t.Errorf("the EAD records show the hidden title:\n%s", body)
	}
}
