package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/magazin-archiv/magazin/ingest"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/profiles/digitised"
)

// digitisedBatch writes a batch mapping each Signatur to a folder of two
// PNG pages.
func digitisedBatch(t *testing.T, sigs ...string) string {
	t.Helper()
	dir := t.TempDir()
	mapping := "Signatur;Ordner\n"
	for i, sig := range sigs {
		f := string(rune('a' + i))
		mapping += sig + ";" + f + "\n"
		if err := os.MkdirAll(filepath.Join(dir, f), 0o755); err != nil {
			t.Fatal(err)
		}
		for p, name := range []string{"1.png", "2.png"} {
			var b bytes.Buffer
			m := image.NewGray(image.Rect(0, 0, 20+i, 30+p))
			m.Pix[0] = byte(i)
			if err := png.Encode(&b, m); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, f, name), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, digitised.MappingFile), []byte(mapping), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDigitisedAttach: masters join the existing unit (id, Signatur,
// description kept) as one new AIP per unit; a resubmission is the same
// AIP; a Signatur that is unknown, names a Bestand or a unit with records
// is rejected with nothing stored.
func TestDigitisedAttach(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	units := []preservation.Unit{
		{ID: "urn:uuid:b", Level: preservation.LevelBestand, Signatur: "20042", Title: "Amtshauptmannschaft"},
		{ID: "urn:uuid:a1", Parent: "urn:uuid:b", Bestand: "urn:uuid:b", Level: preservation.LevelAkte, Signatur: "20042 Nr. 1", Title: "Brückenbau", From: "1888", To: "1891", Order: 1},
		{ID: "urn:uuid:a2", Parent: "urn:uuid:b", Bestand: "urn:uuid:b", Level: preservation.LevelAkte, Signatur: "20042 Nr. 2", Title: "Flurkarten", Order: 2},
	}
	if err := r.cat.PutUnits(ctx, units); err != nil {
		t.Fatal(err)
	}
	batch := digitisedBatch(t, "20042 Nr. 1", "20042 Nr. 2")
	res, err := r.in.Ingest(ctx, batch, ingest.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Profile != digitised.Name || len(res.AIPs) != 2 || len(res.Attached) != 2 {
		t.Fatalf("result %+v", res)
	}
	for i, a := range res.AIPs {
		u := a.Units[0]
		if len(a.Units) != 1 || u.ID != units[i+1].ID || u.Signatur != units[i+1].Signatur || u.Title != units[i+1].Title ||
			u.Parent != "urn:uuid:b" || u.AIP != a.ID || len(a.Files) != 2 || res.Attached[i].AIP != a.ID {
			t.Errorf("AIP %d: units %+v, %d files", i, a.Units, len(a.Files))
		}
		got, err := r.cat.Unit(ctx, u.ID)
		if err != nil || got.AIP != a.ID || got.From != "1888" && i == 0 {
			t.Errorf("catalog unit %+v (%v)", got, err)
		}
	}
	again, err := r.in.Ingest(ctx, batch, ingest.Options{}, nil)
	if err != nil || again.Existing != 2 || len(again.Attached) != 0 {
		t.Fatalf("resubmission: %+v %v", again, err)
	}
	before := objectCount(t, r.stores[0])
	for _, c := range []struct {
		sig, code string
	}{
		{"20042 Nr. 9", digitised.CodeUnknownSignatur},
		{"20042", digitised.CodeTarget},
	} {
		_, err := r.in.Ingest(ctx, digitisedBatch(t, c.sig), ingest.Options{}, nil)
		var rej *preservation.RejectedError
		if !errors.As(err, &rej) || !hasCode(rej.Problems, c.code) {
			t.Errorf("%s: %v, want %s", c.sig, err, c.code)
		}
	}
	// New scans of a unit that has its AIP: not yet supported.
	other := digitisedBatch(t, "20042 Nr. 1", "20042 Nr. 1x")
	os.WriteFile(filepath.Join(other, digitised.MappingFile), []byte("20042 Nr. 1;b\n"), 0o644)
	os.RemoveAll(filepath.Join(other, "a"))
	_, err = r.in.Ingest(ctx, other, ingest.Options{}, nil)
	var rej *preservation.RejectedError
	if !errors.As(err, &rej) || !hasCode(rej.Problems, digitised.CodeTarget) {
		t.Errorf("second scan: %v, want %s", err, digitised.CodeTarget)
	}
	if n := objectCount(t, r.stores[0]); n != before {
		t.Errorf("rejected batches stored %d objects", n-before)
	}
}
