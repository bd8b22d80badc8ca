package dip_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/dip"
	"github.com/magazin-archiv/magazin/access/ead"
	"github.com/magazin-archiv/magazin/access/ead/ddbtest"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
	"github.com/magazin-archiv/magazin/profiles/eark"
)

func sum(b []byte) string {
	s := sha512.Sum512(b)
	return hex.EncodeToString(s[:])
}

// putAIP stores an AIP holding units (top first) and one original file
// per name, and with access copies (name -> derived from) as a second
// version.
func putAIP(t *testing.T, cat *catalog.Catalog, st store.Store, id string, units []preservation.Unit, files map[string][]byte, copies map[string]string) {
	t.Helper()
	ctx := context.Background()
	for i := range units {
		units[i].AIP = preservation.AIPID(id)
	}
	a := &preservation.AIP{ID: preservation.AIPID(id), Version: 1, Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Title: units[0].Title, Units: units}
	var payload []aip.Source
	for name, data := range files {
		p := aip.PrefixOriginal + name
		a.Files = append(a.Files, preservation.File{Path: p, Name: name, Size: int64(len(data)), SHA512: sum(data), MIME: "text/plain"})
		payload = append(payload, aip.BytesSource(p, data))
	}
	obj, err := aip.New(aip.Package{AIP: a, Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.Write(ctx, st, 1); err != nil {
		t.Fatal(err)
	}
	if len(copies) > 0 {
		a, err = aip.Update(ctx, []store.Store{st}, id, func(cur *preservation.AIP, h *aip.Head) (*aip.Revision, error) {
			b := *cur
			b.Files = append([]preservation.File(nil), cur.Files...)
			var add []aip.Source
			for name, from := range copies {
				data := []byte("access copy of " + from)
				f := preservation.File{Path: "representations/access/data/" + name, Name: name, Size: int64(len(data)), SHA512: sum(data),
					MIME: "image/png", DerivedFrom: aip.PrefixOriginal + from}
				b.Files = append(b.Files, f)
				add = append(add, aip.BytesSource(f.Path, data))
			}
			return &aip.Revision{AIP: &b, Add: add, Message: "access copies"}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := cat.PutAIP(ctx, a); err != nil {
		t.Fatal(err)
	}
}

const (
	aipOpen   = "urn:uuid:00000000-0000-4000-8000-0000000000a3"
	aipClosed = "urn:uuid:00000000-0000-4000-8000-0000000000a1"
	aipMixed  = "urn:uuid:00000000-0000-4000-8000-0000000000a7"
)

// archive is a Bestand with an open Akte (an original and an access copy
// of another original), a closed Akte, a closed person-related Akte and
// an open Akte holding a closed person-related document.
func archive(t *testing.T) *dip.Maker {
	t.Helper()
	cat, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	room, err := access.New(access.Config{}, cat, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	room.SetClock(func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) })
	if err := cat.PutUnits(context.Background(), []preservation.Unit{
		{ID: "b", Level: preservation.LevelBestand, Signatur: "20001", Title: "Landratsamt Musterkreis", Bestand: "b"},
		{ID: "a2", Parent: "b", Bestand: "b", Level: preservation.LevelAkte, Signatur: "20001 Nr. 2", Title: "Pflegeakte Quappendorf",
			Scope: "Betreuung der Frau Quappendorf", To: "2018-07-24", Order: 2, Closure: preservation.ClosureFacts{Personal: true}},
	}); err != nil {
		t.Fatal(err)
	}
	st := mem.New()
	putAIP(t, cat, st, aipOpen, []preservation.Unit{
		{ID: "a3", Parent: "b", Bestand: "b", Level: preservation.LevelAkte, Signatur: "20001 Nr. 3", Title: "Haushaltsplan Müllrose", To: "1990-12-31", Order: 3}},
		map[string][]byte{"plan.txt": []byte("Plan 1990"), "Karte.tif": []byte("II*\x00 tiff")}, map[string]string{"Karte.png": "Karte.tif"})
	putAIP(t, cat, st, aipClosed, []preservation.Unit{
		{ID: "a1", Parent: "b", Bestand: "b", Level: preservation.LevelAkte, Signatur: "20001 Nr. 1", Title: "Bauantrag Schulze", To: "2018-07-24", Order: 1}},
		map[string][]byte{"antrag.txt": []byte("geheim")}, nil)
	putAIP(t, cat, st, aipMixed, []preservation.Unit{
		{ID: "a7", Parent: "b", Bestand: "b", Level: preservation.LevelAkte, Signatur: "20001 Nr. 7", Title: "Chronik", To: "1970", Order: 7},
		{ID: "d7", Parent: "a7", Bestand: "b", Level: preservation.LevelDokument, Signatur: "20001 Nr. 7/1", Title: "Zeugnis Krause", To: "1970",
			Closure: preservation.ClosureFacts{Personal: true, Created: "2010-01-01"}}},
		map[string][]byte{"chronik.txt": []byte("a"), "zeugnis.txt": []byte("Zeugnis")}, nil)
	return dip.New(room, cat, access.NewContent(room, cat, []store.Store{st}))
}

var eadConfig = ead.Config{ISIL: "DE-1234", Archive: "Kreisarchiv Musterkreis"}

func TestDIPOfABestand(t *testing.T) {
	ctx := context.Background()
	m := archive(t)
	dir := filepath.Join(t.TempDir(), "dip")
	res, err := m.Make(ctx, "20001", dir, dip.Options{EAD: eadConfig})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.AIPs) != 1 || res.AIPs[0] != aipOpen {
		t.Errorf("AIPs with content = %v, want only %s", res.AIPs, aipOpen)
	}
	if strings.Join(res.Units, " ") != "b a3 a7" {
		t.Errorf("units = %v, want b a3 a7", res.Units)
	}
	rep := filepath.Join(dir, "representations", "a3", "data")
	for name, want := range map[string]string{"plan.txt": "Plan 1990", "Karte.png": "access copy of Karte.tif"} {
		if b, err := os.ReadFile(filepath.Join(rep, name)); err != nil || string(b) != want {
			t.Errorf("%s = %q, %v", name, b, err)
		}
	}
	if _, err := os.Stat(filepath.Join(rep, "Karte.tif")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the original with an access copy is in the DIP: %v", err)
	}
	// Nothing of the closed units, not even their titles, is in any file.
	var eads []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, secret := range []string{"Schulze", "Quappendorf", "Zeugnis", "geheim", "20001 Nr. 1", "20001 Nr. 2", "20001 Nr. 7/1"} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds %q", p, secret)
			}
		}
		if strings.HasSuffix(p, ".ead.xml") {
			eads = append(eads, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(eads) != 3 {
		t.Errorf("EAD records: %v, want 3", eads)
	}
	ddbtest.Validate(t, ddbtest.Findbuch, eads...)
	tr, err := eark.Profile{Xmllint: "-"}.Read(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range tr.Problems {
		if p.Severity == preservation.SeverityError {
			t.Error(p)
		}
	}
	mets, _ := os.ReadFile(filepath.Join(dir, "METS.xml"))
	if !bytes.Contains(mets, []byte(`csip:OAISPACKAGETYPE="DIP"`)) || !bytes.Contains(mets, []byte(`STATUS="CURRENT"`)) {
		t.Errorf("METS.xml is no DIP METS:\n%s", mets)
	}
}

func TestDIPOfAClosedUnitIsRefused(t *testing.T) {
	ctx := context.Background()
	m := archive(t)
	parent := t.TempDir()
	for _, ref := range []string{"20001 Nr. 1", "20001 Nr. 2", "20001 Nr. 7/1"} {
		_, err := m.Make(ctx, ref, filepath.Join(parent, "dip"), dip.Options{})
		if !errors.Is(err, dip.ErrClosed) || !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "DIP_CLOSED") {
			t.Errorf("%s: %v, want DIP_CLOSED", ref, err)
		}
	}
	if left, _ := os.ReadDir(parent); len(left) != 0 {
		t.Errorf("a refused DIP left %v", left)
	}
	if _, err := m.Make(ctx, "20001 Nr. 99", filepath.Join(parent, "dip"), dip.Options{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("unknown unit: %v", err)
	}
}

func TestDIPOfAnOpenAkteWithAClosedDocumentHasNoFiles(t *testing.T) {
	ctx := context.Background()
	m := archive(t)
	res, err := m.Make(ctx, "20001 Nr. 7", filepath.Join(t.TempDir(), "dip"), dip.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.AIPs) != 0 || res.PayloadFiles != 0 || strings.Join(res.Units, " ") != "a7" {
		t.Errorf("DIP = %+v, want the description of a7 alone", res)
	}
}
