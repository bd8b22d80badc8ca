package xdomea

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/magazin-archiv/magazin/preservation"
)

var update = flag.Bool("update", false, "rewrite the golden reply messages in testdata/xdomea")

// process is one synthetic four-stage Aussonderung in testdata/xdomea.
type process struct {
	version   string
	pid       string
	decisions []Decision
	// refs are the archive references given to the top-level objects.
	refs map[string]string
	// tops are the Kennzeichen of the top-level units of the 0503.
	tops  []string
	units int
	files int
}

var processes = []process{
	{
		version: V300, pid: "9f313771-97ce-4536-b3de-2721748af32c",
		decisions: []Decision{
			{ID: "d79b1c10-6482-45fd-ba4f-2d574cabdd61", Aussonderungsart: "A", Note: "Bauakte mit Einzelfallbedeutung (Ortsbild Lindenweg): archivwürdig"},
			{ID: "2cf96221-07cb-49c6-b832-61d2f7795f7b", Aussonderungsart: "A", Note: "Exemplarische Überlieferung von Widerspruchsverfahren, Stichprobe 2016"},
			{ID: "1cd17447-b996-4ae7-8ada-9dce92485696", Aussonderungsart: "V", Note: "Massenakte ohne bleibenden Wert"},
		},
		refs: map[string]string{
			"d79b1c10-6482-45fd-ba4f-2d574cabdd61": "StA-ML 20001 Nr. 1",
			"2cf96221-07cb-49c6-b832-61d2f7795f7b": "StA-ML 20001 Nr. 2",
		},
		tops:  []string{"63-612.11/2015-0042", "20-241.3/2016-0007"},
		units: 10, files: 7,
	},
	{
		version: V240, pid: "9c0e4437-fe59-4d05-b835-9f646204f81b",
		decisions: []Decision{
			{ID: "0505f6e2-2c01-4ce3-8bd8-006561616fcc", Aussonderungsart: "A", Note: "Vereinsförderung – prägend für das Ortsleben"},
			{ID: "2dba42d9-69c3-4939-a36c-d6234b94ea8e", Aussonderungsart: "V"},
		},
		refs:  map[string]string{"0505f6e2-2c01-4ce3-8bd8-006561616fcc": "StA-ML 20002 Nr. 1"},
		tops:  []string{"32-411/2009-0013"},
		units: 6, files: 3,
	},
}

// replyOptions are the options the golden replies are written with.
var replyOptions = ReplyOptions{System: System{Produktname: "magazin", Version: "test"}}

// golden compares a written message with its file in testdata/xdomea (or
// rewrites it with -update).
func golden(t *testing.T, version, name string, got []byte) {
	t.Helper()
	path := filepath.Join(testdataDir, version, name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", name, got)
	}
}

// TestProcesses runs the synthetic processes through all four stages:
// the 0501 is read, the 0502 and 0504 written, the 0503 read from its ZIP,
// checked against the appraisal and the sender, and the 0506 (and 0507)
// written. Every message written validates against the schema of the
// process's version and equals its golden file.
func TestProcesses(t *testing.T) {
	p := schemaProfile(t)
	for _, pc := range processes {
		t.Run(pc.version, func(t *testing.T) {
			dir := filepath.Join(testdataDir, pc.version)
			ctx := context.Background()

			// Stage 1: the offer.
			offer, err := p.ReadMessage(ctx, filepath.Join(dir, pc.pid+"_Aussonderung.Anbieteverzeichnis.0501.xml"))
			if err != nil {
				t.Fatal(err)
			}
			if len(offer.Problems) > 0 {
				t.Fatalf("0501: %v", offer.Problems)
			}
			if offer.Type != Type0501 || offer.Version != pc.version || !Wants(offer.Kopf.Empfangsbestaetigung) {
				t.Fatalf("0501 read as %s %s", offer.Type, offer.Version)
			}
			b, name, err := Write0504(offer, fixedNow, replyOptions)
			if err != nil {
				t.Fatal(err)
			}
			if name != pc.pid+"_Aussonderung.AnbietungEmpfangBestaetigen.0504.xml" {
				t.Errorf("0504 named %s", name)
			}
			mustValid(t, p, b, name, pc.version)
			golden(t, pc.version, name, b)

			// Stage 2: the appraisal.
			b, name, err = Write0502(offer, pc.decisions, fixedNow, replyOptions)
			if err != nil {
				t.Fatal(err)
			}
			if name != pc.pid+"_Aussonderung.Bewertungsverzeichnis.0502.xml" {
				t.Errorf("0502 named %s", name)
			}
			mustValid(t, p, b, name, pc.version)
			golden(t, pc.version, name, b)
			appraisal, err := Parse(b, name)
			if err != nil {
				t.Fatal(err)
			}
			if len(appraisal.Problems) > 0 {
				t.Errorf("written 0502: %v", appraisal.Problems)
			}
			for i, d := range pc.decisions {
				got := appraisal.Decisions[i]
				if pc.version < V300 {
					d.Note = latin(d.Note)
				}
				if got != d {
					t.Errorf("0502 decision %d read back as %+v, want %+v", i, got, d)
				}
			}
			if appraisal.Kopf.Empfaenger.Behoerdenkennung() != offer.Sender() || appraisal.Sender() != offer.Kopf.Empfaenger.Behoerdenkennung() {
				t.Errorf("0502 goes from %q to %q", appraisal.Sender(), appraisal.Kopf.Empfaenger.Behoerdenkennung())
			}
			decisions := map[string]string{}
			for _, d := range appraisal.Decisions {
				decisions[d.ID] = d.Aussonderungsart
			}

			// Stage 3: the transfer, as a ZIP container.
			container := pc.pid + "_Aussonderung.Aussonderung.0503.zip"
			root, _ := containerRoundTrip(t, filepath.Join(dir, pc.pid+"_Aussonderung.Aussonderung.0503"), container)
			if !p.Detect(root) {
				t.Fatal("Detect: false")
			}
			tr, err := p.Read(ctx, root)
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.Problems) > 0 {
				t.Fatalf("0503: %v", tr.Problems)
			}
			if len(tr.Files) != pc.files || len(tr.Units) != pc.units {
				t.Errorf("%d files, %d units; want %d, %d", len(tr.Files), len(tr.Units), pc.files, pc.units)
			}
			var tops []string
			for _, u := range tr.Units {
				if u.Parent == "" {
					tops = append(tops, u.SourceRef)
					mustValid(t, p, u.Metadata[0].Data, u.Metadata[0].Name, pc.version)
				}
			}
			if !slices.Equal(tops, pc.tops) {
				t.Errorf("top-level units %v, want %v", tops, pc.tops)
			}
			transfer := mustParseDir(t, root)
			if ps := CheckAppraisal(transfer, decisions, false); len(ps) > 0 {
				t.Errorf("CheckAppraisal: %v", ps)
			}
			if ps := CheckSender(transfer, offer.Sender()); len(ps) > 0 {
				t.Errorf("CheckSender: %v", ps)
			}
			if ps := CheckContainerName(container, transfer); len(ps) > 0 {
				t.Errorf("CheckContainerName: %v", ps)
			}

			// Stage 4: receipt and import confirmation.
			if pc.version >= V300 {
				b, name, err = Write0507(transfer, fixedNow, replyOptions)
				if err != nil {
					t.Fatal(err)
				}
				mustValid(t, p, b, name, pc.version)
				golden(t, pc.version, name, b)
			} else if _, _, err := Write0507(transfer, fixedNow, replyOptions); err == nil {
				t.Errorf("Write0507 in %s: no error", pc.version)
			}
			results := ImportResults(transfer, tr.Problems, pc.refs)
			if len(results) != len(pc.tops) {
				t.Fatalf("%d results for %d top-level objects", len(results), len(pc.tops))
			}
			b, name, err = Write0506(transfer, results, fixedNow, replyOptions)
			if err != nil {
				t.Fatal(err)
			}
			if name != pc.pid+"_Aussonderung.AussonderungImportBestaetigen.0506.xml" {
				t.Errorf("0506 named %s", name)
			}
			mustValid(t, p, b, name, pc.version)
			golden(t, pc.version, name, b)
			confirmation, err := Parse(b, name)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range confirmation.Results {
				if !r.Erfolgreich || r.Archivkennung != pc.refs[r.ID] {
					t.Errorf("0506 result read back: %+v", r)
				}
			}
			zb, zname, err := Container(name, b, fixedNow)
			if err != nil {
				t.Fatal(err)
			}
			if zname != pc.pid+"_Aussonderung.AussonderungImportBestaetigen.0506.zip" || len(zb) == 0 {
				t.Errorf("Container named %s", zname)
			}
		})
	}
}

// TestProcess30Units checks the mapping of the 3.0.0 transfer in detail:
// hierarchy, files per unit, Extra, dates, persons and closure hints.
func TestProcess30Units(t *testing.T) {
	const pid = "9f313771-97ce-4536-b3de-2721748af32c"
	tr, err := Profile{}.Read(context.Background(), filepath.Join(testdataDir, V300, pid+"_Aussonderung.Aussonderung.0503"))
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(tr.Problems); !slices.Equal(got, []string{CodeSchemaUnchecked}) {
		t.Fatalf("without a schema directory: %v", tr.Problems)
	}
	by := map[string]int{}
	for i, u := range tr.Units {
		by[u.SourceID] = i
	}
	unit := func(id string) (u struct {
		preservation.Unit
		Files []string
	}) {
		i, ok := by[id]
		if !ok {
			t.Fatalf("no unit %s", id)
		}
		u.Unit, u.Files = tr.Units[i].Unit, tr.Units[i].Files
		return u
	}
	akte := unit("d79b1c10-6482-45fd-ba4f-2d574cabdd61")
	if akte.Level != preservation.LevelAkte || akte.Parent != "" || akte.SourceRef != "63-612.11/2015-0042" ||
		akte.Title != "Bauantrag Neubau Einfamilienhaus, Lindenweg 3, Musterdorf" || akte.From != "2015-03-02" || akte.To != "2017-11-20" ||
		akte.Provenance != "Landratsamt Musterkreis" {
		t.Errorf("Akte: %+v", akte.Unit)
	}
	wantExtra := map[string]string{
		ExtraObjektart: "Akte", ExtraAufbewahrungsdauer: "10", ExtraAussonderungsart: "A", ExtraBewertungsvorschlag: "A",
		ExtraVertraulichkeitsstufe: "003 Offen", ExtraAktenplaneinheit: "63-612.11 Baugenehmigungsverfahren", ExtraMedium: "001 Elektronisch",
		"Federfuehrung": "Bauaufsichtsamt", "Bemerkung": "Bauvorhaben wurde 2017 fertiggestellt.", "Typ": "Bauakte", "ZdA": "true",
		"ZdADatum": "2017-12-01", ExtraEntstehungQuelle: "Laufzeit/Ende",
		ExtraHinweisPersonenbezug: "Kontaktperson mit Geburtsdatum: Personenbezug und Schutzfrist prüfen",
	}
	for k, v := range wantExtra {
		if akte.Extra[k] != v {
			t.Errorf("Akte Extra[%s] = %q, want %q", k, akte.Extra[k], v)
		}
	}
	if akte.Closure.Created != "2017-11-20" || akte.Closure.Personal || akte.Closure.Secrecy {
		t.Errorf("Akte closure %+v", akte.Closure)
	}
	if len(akte.Persons) != 1 || akte.Persons[0] != (preservation.Person{Name: "Erika Mustermann", Birth: "1961-08-12"}) {
		t.Errorf("Akte persons %+v", akte.Persons)
	}
	if len(akte.Files) != 0 {
		t.Errorf("Akte has files %v", akte.Files)
	}
	teilakte := unit("f160ba06-8c3d-49a7-9eea-60652cecf877")
	if teilakte.Level != preservation.LevelAkte || teilakte.Parent != akte.SourceID || teilakte.Extra[ExtraObjektart] != "Teilakte" {
		t.Errorf("Teilakte %+v", teilakte.Unit)
	}
	teilvorgang := unit("2166f2b9-d9b8-4826-b774-122a97dbbc81")
	if teilvorgang.Level != preservation.LevelVorgang || teilvorgang.Parent != "9ca17cde-851f-40e1-befd-10da64d74162" {
		t.Errorf("Teilvorgang %+v", teilvorgang.Unit)
	}
	vorgang := unit("9ca17cde-851f-40e1-befd-10da64d74162")
	if vorgang.Closure.Created != "2015-10-01" {
		t.Errorf("Vorgang created %s", vorgang.Closure.Created)
	}
	// Bauantrag: its PDF and the Anlage's Lageplan; dated by the letter.
	bauantrag := unit("0d9f7482-8e70-4a36-bd28-d5e86e7018ed")
	if !slices.Equal(bauantrag.Files, []string{"79c5c45e-f6d2-4e4d-964f-e5067b38df32_Bauantrag.pdf", "d33398ac-b952-481d-a87a-1d81f6e6132b_Lageplan.txt"}) ||
		bauantrag.From != "2015-03-02" || bauantrag.Closure.Created != "2015-03-02" || bauantrag.Extra[ExtraEntstehungQuelle] != "DatumDesSchreibens" ||
		bauantrag.Extra["Anlagen"] != "1" || bauantrag.Level != preservation.LevelDokument {
		t.Errorf("Bauantrag %+v files %v", bauantrag.Unit, bauantrag.Files)
	}
	// Baugenehmigung: two versions.
	if got := unit("ee7cca64-adc3-4f84-bd43-e2937b94795e").Files; len(got) != 2 {
		t.Errorf("Baugenehmigung files %v", got)
	}
	widerspruch := unit("2cf96221-07cb-49c6-b832-61d2f7795f7b")
	if widerspruch.Level != preservation.LevelVorgang || widerspruch.Parent != "" || widerspruch.Extra[ExtraVertraulichkeitsstufe] != "002 NfD" ||
		widerspruch.Extra[ExtraHinweisGeheimhaltung] == "" || widerspruch.Closure.Secrecy || widerspruch.Closure.Created != "2016-08-31" ||
		widerspruch.Extra[ExtraEntstehungQuelle] != "ZdADatum" || widerspruch.Extra[ExtraAktenplaneinheit] != "20-241.3 Verwaltungsgebühren, Rechtsbehelfe" {
		t.Errorf("Widerspruch %+v", widerspruch.Unit)
	}
	bescheid := unit("a1505ba0-77e7-494a-9fe2-51296490f3b1")
	if len(bescheid.Persons) != 1 || bescheid.Persons[0] != (preservation.Person{Name: "Dr. Max Mustermann", Birth: "1970-01-15"}) {
		t.Errorf("Bescheid persons %+v", bescheid.Persons)
	}
	d := tr.Description
	if d["ProzessID"] != pid || d["Absender"] != "Landratsamt Musterkreis" || d["Absender-Behoerdenkennung"] != "psw:14999000" ||
		d["SendendesSystem"] != "Muster-DMS 7.2" || d["RueckmeldungArchivkennung"] != true || d["xdomea-Version"] != "3.0.0" {
		t.Errorf("Description %v", d)
	}
	if tr.Message.Sender != "psw:14999000" || tr.Title != "Aussonderung Landratsamt Musterkreis ("+pid+")" {
		t.Errorf("Message %+v, Title %q", tr.Message, tr.Title)
	}
}
