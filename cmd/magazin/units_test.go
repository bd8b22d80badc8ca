package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type unitJSON struct {
	ID       string `json:"id"`
	Signatur string `json:"signatur"`
	Title    string `json:"title"`
	Scope    string `json:"scope"`
	Level    string `json:"level"`
	Closure  struct {
		Personal bool `json:"personal"`
		Persons  []struct {
			Name  string `json:"name"`
			Birth string `json:"birth"`
		} `json:"persons"`
	} `json:"closure"`
	Persons []struct {
		Name string `json:"name"`
	} `json:"persons"`
}

func units(t *testing.T, args ...string) []unitJSON {
	t.Helper()
	var us []unitJSON
	out := mustRun(t, append(args, "unit", "list", "--json")...)
	if err := json.Unmarshal([]byte(out), &us); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return us
}

// Structure, agencies, signatures, description edits and closure facts are
// journaled, so a second data dir rebuilt from the store sees the same.
func TestDescriptionIsJournaledAndRebuilt(t *testing.T) {
	tmp := t.TempDir()
	st := "file://" + filepath.Join(tmp, "store")
	g1 := []string{"--data", filepath.Join(tmp, "d1"), "--store", st}
	g2 := []string{"--data", filepath.Join(tmp, "d2"), "--store", st}
	mustRun(t, append(g1, "tektonik", "add", "--title", "Kommunale Verwaltung")...)
	top := units(t, g1...)
	if len(top) != 1 || top[0].Level != "tektonik" {
		t.Fatalf("tektonik = %+v", top)
	}
	mustRun(t, append(g1, "bestand", "add", "--signatur", "20001", "--title", "Landratsamt Musterkreis", "--parent", top[0].ID)...)
	if r := magazin(t, append(g1, "bestand", "add", "--signatur", "20001", "--title", "Doppelt")...); r.code != 2 {
		t.Errorf("duplicate Signatur: exit %d, want 2", r.code)
	}
	mustRun(t, append(g1, "agency", "add", "LRA-MK", "--name", "Landratsamt Musterkreis", "--bestand", "20001")...)
	mustRun(t, append(g1, "ingest", "--bestand", "20001", sampleDir(t))...)
	akten := unitsUnder(t, g1, "20001")
	if len(akten) != 1 || akten[0].Signatur != "20001 Nr. 1" {
		t.Fatalf("units in Bestand 20001 = %+v", akten)
	}
	mustRun(t, append(g1, "describe", "20001 Nr. 1", "--title", "Bauantrag Müller, Flurstück 12/3", "--scope", "Antrag, Lageplan, Kosten", "--person", "Müller, Hans|1950-03-01")...)
	mustRun(t, append(g1, "closure", "set", "20001 Nr. 1", "--person", "Müller, Hans", "--birth", "1950-03-01")...)
	if r := magazin(t, append(g1, "closure", "set", "20001 Nr. 1", "--birth", "1950-02-30")...); r.code != 2 || !strings.Contains(r.stderr, "1950-02-30") {
		t.Errorf("bad date: exit %d, %s", r.code, r.stderr)
	}
	live := unitsUnder(t, g1, "20001")
	if live[0].Title != "Bauantrag Müller, Flurstück 12/3" || !live[0].Closure.Personal || len(live[0].Persons) != 1 || live[0].Persons[0].Name != "Müller, Hans" {
		t.Errorf("edited unit = %+v", live[0])
	}
	mustRun(t, append(g2, "rebuild")...)
	if diff := cmp.Diff(live, unitsUnder(t, g2, "20001")); diff != "" {
		t.Errorf("units after rebuild differ (-live +rebuilt):\n%s", diff)
	}
	if diff := cmp.Diff(units(t, g1...), units(t, g2...)); diff != "" {
		t.Errorf("Tektonik after rebuild differs:\n%s", diff)
	}
	if out := mustRun(t, append(g2, "agency", "list")...); !strings.Contains(out, "LRA-MK") {
		t.Errorf("agency lost in rebuild: %s", out)
	}
}

func unitsUnder(t *testing.T, g []string, parent string) []unitJSON {
	t.Helper()
	var us []unitJSON
	out := mustRun(t, append(g, "unit", "list", "--parent", parent, "--json")...)
	if err := json.Unmarshal([]byte(out), &us); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return us
}
