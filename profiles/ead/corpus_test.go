package ead_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/profiles/ead"
)

// TestCorpus reads every XML file of the shared EAD corpus: finding aids
// read without errors, other XML is refused as no EAD. The import, the
// export and the round trip of the same files are tested in cmd/magazin.
func TestCorpus(t *testing.T) {
	dir := corpus.Dir(t, "ead")
	notEAD := map[string]bool{"xml-catalog.xml": true, "mods1-1263080_max.xml": true, "mods1-1263080_min.xml": true}
	var n, units int
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || !strings.HasSuffix(p, ".xml") {
			return err
		}
		n++
		fa, err := ead.ReadFile(p, ead.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(p, dir+"/")
		if notEAD[filepath.Base(p)] {
			if len(fa.Problems) != 1 || fa.Problems[0].Code != ead.CodeNotEAD {
				t.Errorf("%s: %v", name, fa.Problems)
			}
			return nil
		}
		if fa.Problems.HasErrors() || len(fa.Units) == 0 {
			t.Errorf("%s: %d units, %v", name, len(fa.Units), fa.Problems)
		}
		units += len(fa.Units)
		wantStd := ead.Standard2002
		switch {
		case strings.Contains(name, "ead-ddb/"):
			wantStd = ead.StandardDDB
		case strings.Contains(name, "ead3/samples/ead3/"), strings.Contains(name, "kitchen_sink_EAD_for_testing"):
			wantStd = ead.StandardEAD3
		}
		if fa.Standard != wantStd {
			t.Errorf("%s: standard %s, want %s", name, fa.Standard, wantStd)
		}
		if strings.Contains(name, "Tektonik") != (fa.Kind == ead.KindTektonik) {
			t.Errorf("%s: kind %s", name, fa.Kind)
		}
		for _, u := range fa.Units {
			if u.Parent == "" && fa.Kind == ead.KindFindbuch && u.Level == preservation.LevelTektonik {
				t.Errorf("%s: a Tektonik group in a Findbuch", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 55 {
		t.Errorf("only %d files", n)
	}
	t.Logf("%d files, %d units", n, units)
}

// The EAD(DDB) 1.2 maximal examples as the profile reads them.
func TestDDBExamples(t *testing.T) {
	dir := corpus.Dir(t, "ead/ead-ddb/ead_ddb/1.2/example")
	fa, err := ead.ReadFile(filepath.Join(dir, "EAD_DDB_Findbuch_max_1.2.xml"), ead.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var levels []string
	for _, u := range fa.Units {
		levels = append(levels, u.Level)
	}
	if strings.Join(levels, " ") != "bestand gliederung gliederung akte vorgang" || fa.Units[0].Signatur != "Bestandssignatur" ||
		fa.Units[3].Signatur != "Archivaliensignatur" || fa.Units[3].SourceRef != "Altsignatur" || fa.Units[3].From != "1900-01-01" {
		t.Errorf("Findbuch_max: %v %+v", levels, fa.Units[3])
	}
	fa, err = ead.ReadFile(filepath.Join(dir, "EAD_DDB_Tektonik_max_1.2.xml"), ead.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fa.Units) != 3 || fa.Units[2].Level != preservation.LevelBestand || fa.Units[2].SourceID != "Identifier_des_Findbuchs#Identifier_des_Findbuchs" {
		t.Errorf("Tektonik_max: %+v", fa.Units)
	}
}
