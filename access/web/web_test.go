package web_test

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/access/web"
	"github.com/magazin-archiv/magazin/preservation"
)

type fakeCatalog map[string]*preservation.AIP

func (f fakeCatalog) AIPs(context.Context) iter.Seq2[*preservation.AIP, error] {
	return func(yield func(*preservation.AIP, error) bool) {
		for _, a := range f {
			if !yield(a, nil) {
				return
			}
		}
	}
}

func (f fakeCatalog) AIP(_ context.Context, id string) (*preservation.AIP, error) {
	if a, ok := f[id]; ok {
		return a, nil
	}
	return nil, fmt.Errorf("no %s: %w", id, fs.ErrNotExist)
}

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, string(b)
}

func TestPages(t *testing.T) {
	a := &preservation.AIP{ID: "urn:uuid:6f1c9a52-9d0e-4c33-8a43-3b1f2f1c0a11", Title: "Bauakte <Müller>",
		Created: time.Date(2026, 3, 12, 9, 30, 0, 0, time.UTC), Size: 2048,
		Files:  []preservation.File{{Name: "Brief.pdf", PUID: "fmt/276", FormatName: "Acrobat PDF 1.7", Size: 2048}},
		Events: []preservation.Event{{Type: "ing", Detail: "ingested", Outcome: "success", DateTime: time.Now()}}}
	h, err := web.New(fakeCatalog{string(a.ID): a}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, h, "/healthz"); code != 200 || strings.TrimSpace(body) != "ok" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	code, body := get(t, h, "/")
	if code != 200 || !strings.Contains(body, `lang="de"`) || !strings.Contains(body, "Archivpakete") {
		t.Errorf("/ = %d %s", code, body)
	}
	if strings.Contains(body, "<Müller>") || !strings.Contains(body, "&lt;Müller&gt;") {
		t.Error("title not HTML-escaped")
	}
	if !strings.Contains(body, "12.03.2026 10:30") {
		t.Error("date not in German local time")
	}
	code, body = get(t, h, "/aip/6f1c9a52-9d0e-4c33-8a43-3b1f2f1c0a11")
	if code != 200 || !strings.Contains(body, "fmt/276") || !strings.Contains(body, "erfolgreich") || !strings.Contains(body, "2 KiB") {
		t.Errorf("detail = %d %s", code, body)
	}
	if code, body := get(t, h, "/aip/urn:uuid:00000000-0000-4000-8000-000000000000"); code != 404 || !strings.Contains(body, "Nicht gefunden") {
		t.Errorf("missing AIP = %d %s", code, body)
	}
	if code, _ := get(t, h, "/nix"); code != 404 {
		t.Errorf("/nix = %d", code)
	}
}

func TestEmptyArchive(t *testing.T) {
	h, err := web.New(fakeCatalog{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, h, "/"); code != 200 || !strings.Contains(body, "noch leer") {
		t.Errorf("/ = %d %s", code, body)
	}
}
