package ead_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/profiles/ead"
)

// FuzzRead: any input is read without panic within its limits; the units
// come parents first with unique SourceIDs, and a file with an error has
// none.
func FuzzRead(f *testing.F) {
	f.Add([]byte(ddbFindbuch))
	f.Add([]byte(`<ead><archdesc level="fonds"><did><unittitle>T</unittitle><unitdate normal="1950/1940">x</unitdate></did><dsc><c01><c02/></c01></dsc></archdesc></ead>`))
	f.Add([]byte(`<ead xmlns="http://ead3.archivists.org/schema/"><control><recordid>r</recordid></control><archdesc level="otherlevel" otherlevel="Akte"><did/><accessrestrict><p>gesperrt bis 31.12.2030</p></accessrestrict></archdesc></ead>`))
	if root := corpus.Root(); root != "" {
		for _, p := range []string{"ead/ead-ddb/ead_ddb/1.2/example/EAD_DDB_Tektonik_max_1.2.xml", "ead/ead-ddb/ead_ddb_wgm/1.3/example/EAD_DDB_Findbuch_WGM_max_1.3.xml",
			"ead/anf-ead2002/examples/examples_v1-1/NationalArchivesOfFrance/src/ead/FRAN_IR_054848.xml", "ead/ead3/samples/ead3/NCSU/mc00212.xml"} {
			if b, err := os.ReadFile(filepath.Join(root, p)); err == nil {
				f.Add(b)
			}
		}
	}
	lim := ead.Limits{MaxBytes: 1 << 20, MaxDepth: 64, MaxUnitDepth: 12, MaxUnits: 500, MaxText: 4096}
	f.Fuzz(func(t *testing.T, data []byte) {
		fa, err := ead.Read(bytes.NewReader(data), "fuzz.xml", lim)
		if err != nil {
			t.Fatal(err) // only reader failures are errors
		}
		if fa.Problems.HasErrors() && len(fa.Units) != 0 {
			t.Fatalf("%d units with errors %v", len(fa.Units), fa.Problems)
		}
		if len(fa.Units) > lim.MaxUnits {
			t.Fatalf("%d units", len(fa.Units))
		}
		seen := map[string]int{}
		for i, u := range fa.Units {
			if u.SourceID == "" || !strings.HasPrefix(u.SourceID, fa.ID+"#") && !strings.Contains(u.SourceID, "#") {
				t.Fatalf("SourceID %q", u.SourceID)
			}
			if _, dup := seen[u.SourceID]; dup {
				t.Fatalf("SourceID %q twice", u.SourceID)
			}
			if u.Parent != "" {
				if _, ok := seen[u.Parent]; !ok {
					t.Fatalf("unit %d: parent %q not before it", i, u.Parent)
				}
			}
			seen[u.SourceID] = i
			switch u.Level {
			case preservation.LevelTektonik, preservation.LevelBestand, preservation.LevelGliederung, preservation.LevelAkte,
				preservation.LevelVorgang, preservation.LevelDokument:
			default:
				t.Fatalf("level %q", u.Level)
			}
			for _, d := range []string{u.From, u.To, u.Closure.Until} {
				if d != "" && len(d) != 4 && len(d) != 7 && len(d) != 10 {
					t.Fatalf("date %q", d)
				}
			}
			if len(u.Scope) > lim.MaxText || len(u.Title) > lim.MaxText {
				t.Fatalf("text beyond the limit")
			}
		}
		ch := ead.Plan(fa, nil, nil, ids())
		if !fa.Problems.HasErrors() && (ch.Problems.HasErrors() || ch.New != len(fa.Units)) {
			t.Fatalf("plan %+v", ch)
		}
	})
}
