package web_test

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/ead"
	"github.com/magazin-archiv/magazin/access/ead/ddbtest"
	"github.com/magazin-archiv/magazin/access/web"
)

var eadConfig = ead.Config{ISIL: "DE-1234", Archive: "Kreisarchiv Musterkreis"}

// hiddenWords are what the closed person-related units of the fixture
// hide: they must not be in any EAD answer.
var hiddenWords = []string{secret, secretContent, "Erna", "Pflegeheim", "Kirchgasse"}

func noHidden(t *testing.T, what, body string) {
	t.Helper()
	for _, w := range hiddenWords {
		if strings.Contains(body, w) {
			t.Errorf("%s shows %q", what, w)
		}
	}
}

// TestEADOverTheAPI fetches the Tektonik, the Findbuch of Bestand 20001
// and single records, validates each against the EAD(DDB) 1.2 XSD, and
// finds them equal to what the exporter writes (`magazin export ead`) and
// free of what closed person-related units hide.
func TestEADOverTheAPI(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	x, err := ead.New(eadConfig, f.room, f.cat)
	if err != nil {
		t.Fatal(err)
	}

	r := get(t, f.srv, "/api/v1/ead/tektonik")
	if r.code != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/xml") {
		t.Fatalf("tektonik = %d %s\n%s", r.code, r.header.Get("Content-Type"), r.body)
	}
	var want bytes.Buffer
	if _, err := x.Tektonik(ctx, &want); err != nil {
		t.Fatal(err)
	}
	if r.body != want.String() {
		t.Error("the API's Tektonik differs from the export's")
	}
	ddbtest.ValidateBytes(t, ddbtest.Tektonik, []byte(r.body))
	noHidden(t, "tektonik", r.body)

	want.Reset()
	if _, err := x.Findbuch(ctx, &want, idBestand); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"20001", short(idBestand), url.PathEscape(idBestand)} {
		r := get(t, f.srv, "/api/v1/ead/findbuch/"+ref)
		if r.code != 200 || r.body != want.String() {
			t.Fatalf("findbuch/%s = %d, same as the export: %v", ref, r.code, r.body == want.String())
		}
	}
	body := want.String()
	ddbtest.ValidateBytes(t, ddbtest.Findbuch, want.Bytes())
	noHidden(t, "findbuch", body)
	mustContain(t, "findbuch", body, "Haushaltsplan der Stadt Müllrose 1990", ead.Untitled, "accessrestrict")

	for _, id := range []string{idOpen, idPersonal, idPersDoc, idMixedDoc, idClosed, idBestand} {
		r := get(t, f.srv, "/api/v1/units/"+short(id)+"/ead")
		if r.code != 200 || !strings.HasPrefix(r.body, "<?xml") {
			t.Fatalf("units/%s/ead = %d\n%s", id, r.code, r.body)
		}
		rec, err := x.Record(ctx, id)
		if err != nil || !strings.HasSuffix(r.body, string(rec)) {
			t.Errorf("units/%s/ead differs from ead.Record (%v)", id, err)
		}
		ddbtest.ValidateBytes(t, ddbtest.Findbuch, []byte(r.body))
		noHidden(t, "units/"+id+"/ead", r.body)
	}
	r = get(t, f.srv, "/api/v1/units/"+short(idTektonik)+"/ead")
	if r.code != 200 {
		t.Fatalf("tektonik group record = %d", r.code)
	}
	ddbtest.ValidateBytes(t, ddbtest.Tektonik, []byte(r.body))
}

func TestEADRoutesAnswer404WhenTheyCannot(t *testing.T) {
	f := newFixture(t, 0)
	for _, target := range []string{"/api/v1/ead/findbuch/" + url.PathEscape("20001 Nr. 3"), "/api/v1/ead/findbuch/" + short(idTektonik),
		"/api/v1/ead/findbuch/99999", "/api/v1/units/99999/ead"} {
		if r := get(t, f.srv, target); r.code != 404 || !strings.Contains(r.body, `"not_found"`) {
			t.Errorf("%s = %d %s", target, r.code, r.body)
		}
	}
	// Without an EAD configuration the routes exist and answer 404.
	bare, err := web.New(f.room, access.NewContent(f.room, f.cat, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"/api/v1/ead/tektonik", "/api/v1/ead/findbuch/20001", "/api/v1/units/" + short(idOpen) + "/ead"} {
		if r := get(t, bare, target); r.code != 404 {
			t.Errorf("without EAD: %s = %d", target, r.code)
		}
	}
}
