package xdomea

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// versioned returns a synthetic message re-labelled to a sibling version
// with the same structure (2.4.0 -> 2.3.0, 3.0.0 -> 3.1.0).
func versioned(t *testing.T, from, to, name string) (*Message, []byte) {
	t.Helper()
	path := filepath.Join(testdataDir, from, name)
	if strings.HasSuffix(name, "0503") {
		path = filepath.Join(path, name+".xml")
	}
	b := bytes.ReplaceAll(readFile(t, path), []byte(Namespace(from)), []byte(Namespace(to)))
	m, err := Parse(b, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Problems) > 0 || m.Version != to {
		t.Fatalf("%s as %s: %v", name, to, m.Problems)
	}
	return m, b
}

// TestWriteAllVersions writes every reply in every version the writers
// support and validates it against that version's schema.
func TestWriteAllVersions(t *testing.T) {
	p := schemaProfile(t)
	for _, tc := range []struct{ from, to, pid string }{
		{V240, V230, "9c0e4437-fe59-4d05-b835-9f646204f81b"},
		{V240, V240, "9c0e4437-fe59-4d05-b835-9f646204f81b"},
		{V300, V300, pid30},
		{V300, V310, pid30},
	} {
		t.Run(tc.to, func(t *testing.T) {
			offer, ob := versioned(t, tc.from, tc.to, tc.pid+"_Aussonderung.Anbieteverzeichnis.0501.xml")
			mustValid(t, p, ob, "0501", tc.to)
			transfer, tb := versioned(t, tc.from, tc.to, tc.pid+"_Aussonderung.Aussonderung.0503")
			mustValid(t, p, tb, "0503", tc.to)

			var ds []Decision
			for i, o := range offer.TopLevel() {
				a := "A"
				if i%2 == 1 {
					a = "V"
				}
				ds = append(ds, Decision{ID: o.ID, Aussonderungsart: a, Note: "Notiz „mit“ Sonderzeichen – 😀 <&>"})
			}
			// A decision on a nested object.
			ds = append(ds, Decision{ID: offer.Objects[0].Children[0].ID, Aussonderungsart: "A"})
			opts := ReplyOptions{Absender: Kontakt{Institution: "Staatsarchiv Musterland", Organisationseinheit: "Referat 2"},
				Hinweis: "Rückfragen an Referat 2 ☎", NoReceipt: true}
			b, name, err := Write0502(offer, ds, fixedNow, opts)
			if err != nil {
				t.Fatal(err)
			}
			mustValid(t, p, b, name, tc.to)
			back, err := Parse(b, name)
			if err != nil || len(back.Problems) > 0 {
				t.Fatalf("0502 read back: %v %v", err, back.Problems)
			}
			if Wants(back.Kopf.Empfangsbestaetigung) || back.Kopf.Absender.Organisationseinheit != "Referat 2" || len(back.Decisions) != len(ds) {
				t.Errorf("0502 read back: %+v", back.Kopf)
			}
			if note := back.Decisions[0].Note; pre300(tc.to) && note != `Notiz "mit" Sonderzeichen - ? <&>` || !pre300(tc.to) && note != ds[0].Note {
				t.Errorf("note read back as %q", note)
			}

			b, name, err = Write0504(offer, fixedNow, ReplyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			mustValid(t, p, b, name, tc.to)

			b, name, err = Write0507(transfer, fixedNow, ReplyOptions{})
			if pre300(tc.to) {
				if !errors.Is(err, ErrNotInVersion) {
					t.Errorf("0507 in %s: %v", tc.to, err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				mustValid(t, p, b, name, tc.to)
			}

			// A 0506 with one failed and one archived object (and a nested
			// object's result, which 3.x allows).
			tops := transfer.TopLevel()
			results := []Result{{ID: tops[0].ID, Erfolgreich: false, Fehlermeldungen: []string{"XDOMEA_FILE_MISSING: Datei fehlt ✗"},
				FehlermeldungCodes: []Code{{Code: CodeFileMissing, ListURI: ProblemCodeListURI, ListVersionID: ProblemCodeListVersion}}}}
			if len(tops) > 1 {
				results = append(results, Result{ID: tops[1].ID, Erfolgreich: true, Archivkennung: "StA-ML 1 Nr. 2"})
			}
			results = append(results, Result{ID: tops[0].Children[0].ID, Erfolgreich: true, Archivkennung: "StA-ML 1 Nr. 1/1"})
			b, name, err = Write0506(transfer, results, fixedNow, ReplyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			mustValid(t, p, b, name, tc.to)
			back, err = Parse(b, name)
			if err != nil {
				t.Fatal(err)
			}
			if pre300(tc.to) {
				// One overall result: failed, with the message; the archive
				// references of the successful objects as Rueckgabeparameter.
				if len(back.Results) != 1 || back.Results[0].Erfolgreich || !strings.Contains(back.Results[0].Fehlermeldungen[0], tops[0].ID+": XDOMEA_FILE_MISSING: Datei fehlt ?") ||
					back.Results[0].Archivkennung != "StA-ML 1 Nr. 1/1" {
					t.Errorf("2.x 0506 read back: %+v", back.Results)
				}
			} else {
				if len(back.Results) != len(results) || back.Results[0].Erfolgreich || back.Results[0].FehlermeldungCodes[0] != results[0].FehlermeldungCodes[0] ||
					back.Results[len(results)-1].Archivkennung != "StA-ML 1 Nr. 1/1" {
					t.Errorf("0506 read back: %+v", back.Results)
				}
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	offer, _ := versioned(t, V300, V300, pid30+"_Aussonderung.Anbieteverzeichnis.0501.xml")
	transfer, _ := versioned(t, V300, V300, pid30+"_Aussonderung.Aussonderung.0503")
	v40 := *transfer
	v40.Version = V400
	noPID := *transfer
	noPID.Kopf.ProzessID = "x"
	a := offer.Objects[0].ID
	for _, tc := range []struct {
		name string
		err  error
		run  func() error
	}{
		{"0502 without decisions", nil, func() error { _, _, err := Write0502(offer, nil, fixedNow, ReplyOptions{}); return err }},
		{"0502 for a transfer", nil, func() error {
			_, _, err := Write0502(transfer, []Decision{{ID: akte30, Aussonderungsart: "A"}}, fixedNow, ReplyOptions{})
			return err
		}},
		{"decision B", nil, func() error {
			_, _, err := Write0502(offer, []Decision{{ID: a, Aussonderungsart: "B"}}, fixedNow, ReplyOptions{})
			return err
		}},
		{"unknown object", nil, func() error {
			_, _, err := Write0502(offer, []Decision{{ID: "00000000-0000-4000-8000-000000000000", Aussonderungsart: "A"}}, fixedNow, ReplyOptions{})
			return err
		}},
		{"two decisions for one object", nil, func() error {
			_, _, err := Write0502(offer, []Decision{{ID: a, Aussonderungsart: "A"}, {ID: strings.ToUpper(a), Aussonderungsart: "V"}}, fixedNow, ReplyOptions{})
			return err
		}},
		{"0504 for nothing", nil, func() error { _, _, err := Write0504(nil, fixedNow, ReplyOptions{}); return err }},
		{"0506 in 4.0", ErrUnsupportedVersion, func() error {
			_, _, err := Write0506(&v40, []Result{{ID: akte30, Erfolgreich: true}}, fixedNow, ReplyOptions{})
			return err
		}},
		{"0507 in 4.0", ErrUnsupportedVersion, func() error { _, _, err := Write0507(&v40, fixedNow, ReplyOptions{}); return err }},
		{"0506 without results", nil, func() error { _, _, err := Write0506(transfer, nil, fixedNow, ReplyOptions{}); return err }},
		{"0506 for an unknown object", nil, func() error {
			_, _, err := Write0506(transfer, []Result{{ID: offer.Objects[2].ID, Erfolgreich: true}}, fixedNow, ReplyOptions{})
			return err
		}},
		{"0506 code without list", nil, func() error {
			_, _, err := Write0506(transfer, []Result{{ID: akte30, FehlermeldungCodes: []Code{{Code: "X"}}}}, fixedNow, ReplyOptions{})
			return err
		}},
		{"0507 without a valid ProzessID", nil, func() error { _, _, err := Write0507(&noPID, fixedNow, ReplyOptions{}); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if err == nil {
				t.Fatal("no error")
			}
			if tc.err != nil && !errors.Is(err, tc.err) {
				t.Errorf("error %v, want %v", err, tc.err)
			}
		})
	}
}

// TestWriteArchivkennungWanted: without RueckmeldungArchivkennung the 0506
// sends no archive references.
func TestWriteArchivkennungWanted(t *testing.T) {
	transfer, _ := versioned(t, V300, V300, pid30+"_Aussonderung.Aussonderung.0503")
	no := false
	transfer.Kopf.RueckmeldungArchivkennung = &no
	b, _, err := Write0506(transfer, []Result{{ID: akte30, Erfolgreich: true, Archivkennung: "StA-ML 1 Nr. 1"}}, fixedNow, ReplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("Archivkennung")) {
		t.Errorf("Archivkennung sent though not wanted:\n%s", b)
	}
}

func TestContainer(t *testing.T) {
	b, name, err := Container(pid30+"_Aussonderung.AussonderungEmpfangBestaetigen.0507.xml", []byte("<x/>"), fixedNow)
	if err != nil || name != pid30+"_Aussonderung.AussonderungEmpfangBestaetigen.0507.zip" || len(b) == 0 {
		t.Fatalf("Container: %v %q", err, name)
	}
	if _, _, err := Container("../x.xml", nil, fixedNow); err == nil {
		t.Error("Container accepted a path")
	}
}
