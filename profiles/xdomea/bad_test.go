package xdomea

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/profiles"
)

const (
	pid30    = "9f313771-97ce-4536-b3de-2721748af32c"
	msg30    = pid30 + "_Aussonderung.Aussonderung.0503.xml"
	akte30   = "d79b1c10-6482-45fd-ba4f-2d574cabdd61"
	vorgang2 = "2cf96221-07cb-49c6-b832-61d2f7795f7b"
	pdf30    = "79c5c45e-f6d2-4e4d-964f-e5067b38df32_Bauantrag.pdf"
)

// badTransfer copies the synthetic 3.0.0 transfer into a temporary
// directory, lets mutate change it, and reads it.
func badTransfer(t *testing.T, p Profile, mutate func(dir string, msg []byte) []byte) (*profiles.Transfer, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "content")
	copyDir(t, filepath.Join(testdataDir, V300, pid30+"_Aussonderung.Aussonderung.0503"), dir)
	msgPath := filepath.Join(dir, msg30)
	msg := mutate(dir, readFile(t, msgPath))
	if msg != nil {
		if err := os.WriteFile(msgPath, msg, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := p.Read(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return tr, dir
}

func replace(t *testing.T, msg []byte, old, new string, n int) []byte {
	t.Helper()
	if c := bytes.Count(msg, []byte(old)); c < 1 || (n > 0 && c < n) {
		t.Fatalf("%q occurs %d times", old, c)
	}
	return bytes.Replace(msg, []byte(old), []byte(new), n)
}

// TestBadTransfers: each kind of bad transfer is reported with its code,
// at the file or object it concerns, and the 0506 built from the problems
// reports the failure and stays schema-valid.
func TestBadTransfers(t *testing.T) {
	p := schemaProfile(t)
	cases := []struct {
		name   string
		mutate func(t *testing.T, dir string, msg []byte) []byte
		// errs are the error codes expected (sorted, unique); path is where
		// the first of them must point.
		errs []string
		path string
		// failed are the top-level objects the 0506 reports as failed (nil:
		// no 0506 is possible, the message is unreadable).
		failed []string
	}{
		{"missing file", func(t *testing.T, dir string, msg []byte) []byte {
			os.Remove(filepath.Join(dir, pdf30))
			return nil
		}, []string{CodeFileMissing}, pdf30, []string{akte30}},
		{"extra file", func(t *testing.T, dir string, msg []byte) []byte {
			os.WriteFile(filepath.Join(dir, "Thumbs.db"), []byte("x"), 0o644)
			return nil
		}, []string{CodeFileUnreferenced}, "Thumbs.db", []string{akte30, vorgang2}},
		{"file in a subdirectory", func(t *testing.T, dir string, msg []byte) []byte {
			os.Mkdir(filepath.Join(dir, "sub"), 0o755)
			os.Rename(filepath.Join(dir, pdf30), filepath.Join(dir, "sub", pdf30))
			return nil
		}, []string{CodeFileMissing, CodeFileUnreferenced}, pdf30, []string{akte30, vorgang2}},
		{"file name differs in case", func(t *testing.T, dir string, msg []byte) []byte {
			os.Rename(filepath.Join(dir, pdf30), filepath.Join(dir, strings.ToUpper(pdf30)))
			return nil
		}, []string{CodeFileMissing, CodeFileUnreferenced}, pdf30, []string{akte30, vorgang2}},
		{"wrong ProzessID in the header", func(t *testing.T, dir string, msg []byte) []byte {
			return replace(t, msg, "<xdomea:ProzessID>"+pid30, "<xdomea:ProzessID>00000000-1111-4222-8333-444444444444", 1)
		}, []string{CodeProcessID}, msg30, []string{akte30, vorgang2}},
		{"message type mismatch", func(t *testing.T, dir string, msg []byte) []byte {
			return replace(t, msg, "<code>0503</code>", "<code>0501</code>", 1)
		}, []string{CodeTypeMismatch}, msg30, []string{akte30, vorgang2}},
		{"duplicate ID", func(t *testing.T, dir string, msg []byte) []byte {
			return replace(t, msg, "<xdomea:ID>2166f2b9-d9b8-4826-b774-122a97dbbc81", "<xdomea:ID>9ca17cde-851f-40e1-befd-10da64d74162", 1)
		}, []string{CodeDuplicateID}, "9ca17cde-851f-40e1-befd-10da64d74162", []string{akte30}},
		{"ID not a UUID", func(t *testing.T, dir string, msg []byte) []byte {
			return replace(t, msg, "<xdomea:ID>"+vorgang2, "<xdomea:ID>Vorgang-7", 1)
		}, []string{CodeObjectID, CodeSchema}, "Vorgang-7", []string{akte30, "Vorgang-7"}},
		{"path in a Dateiname", func(t *testing.T, dir string, msg []byte) []byte {
			return replace(t, msg, ">"+pdf30+"<", ">../"+pdf30+"<", 1)
		}, []string{CodeBadFileName, CodeFileUnreferenced, CodeSchema}, "0d9f7482-8e70-4a36-bd28-d5e86e7018ed", []string{akte30, vorgang2}},
		{"schema violation", func(t *testing.T, dir string, msg []byte) []byte {
			return replace(t, msg, "<xdomea:Typ>Bauakte</xdomea:Typ>", "<xdomea:Art>Bauakte</xdomea:Art>", 1)
		}, []string{CodeSchema}, msg30, []string{akte30, vorgang2}},
		{"malformed XML", func(t *testing.T, dir string, msg []byte) []byte {
			return msg[:len(msg)/2]
		}, []string{CodeMalformed}, msg30, nil},
		{"not xdomea", func(t *testing.T, dir string, msg []byte) []byte {
			return replace(t, msg, "urn:xoev-de:xdomea:schema:3.0.0", "urn:example:other", 1)
		}, []string{CodeNotXdomea}, msg30, nil},
		{"an offer instead of a transfer", func(t *testing.T, dir string, msg []byte) []byte {
			os.Remove(filepath.Join(dir, msg30))
			offer := readFile(t, filepath.Join(testdataDir, V300, pid30+"_Aussonderung.Anbieteverzeichnis.0501.xml"))
			os.WriteFile(filepath.Join(dir, pid30+"_Aussonderung.Anbieteverzeichnis.0501.xml"), offer, 0o644)
			return nil
		}, []string{CodeMessageType}, pid30 + "_Aussonderung.Anbieteverzeichnis.0501.xml", nil},
		{"two messages", func(t *testing.T, dir string, msg []byte) []byte {
			os.WriteFile(filepath.Join(dir, pid30+"_0503_2.xml"), msg, 0o644)
			return nil
		}, []string{CodeManyMessages}, "", nil},
		{"no message", func(t *testing.T, dir string, msg []byte) []byte {
			os.Remove(filepath.Join(dir, msg30))
			return nil
		}, []string{CodeNoMessage}, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr, _ := badTransfer(t, p, func(dir string, msg []byte) []byte { return tc.mutate(t, dir, msg) })
			if got := errorCodes(tr.Problems); !slices.Equal(got, tc.errs) {
				t.Fatalf("errors %v, want %v", tr.Problems, tc.errs)
			}
			if !hasCode(tr.Problems, tc.errs[0], tc.path) {
				t.Errorf("no %s at %q: %v", tc.errs[0], tc.path, tr.Problems)
			}
			if tc.failed == nil {
				if len(tr.Units) > 0 {
					t.Errorf("an unreadable transfer has units")
				}
				return
			}
			// The 0506 for the rejected transfer reports who failed.
			m := mustParseDir(t, filepath.Dir(tr.Metadata[0].Path))
			results := ImportResults(m, tr.Problems, map[string]string{akte30: "Nr. 1", vorgang2: "Nr. 2"})
			var failed []string
			for _, r := range results {
				if !r.Erfolgreich {
					failed = append(failed, r.ID)
					if len(r.Fehlermeldungen) == 0 || len(r.FehlermeldungCodes) == 0 || r.Archivkennung != "" {
						t.Errorf("failed result without reasons or with an Archivkennung: %+v", r)
					}
				}
			}
			if !slices.Equal(failed, tc.failed) {
				t.Errorf("0506 reports %v as failed, want %v", failed, tc.failed)
			}
			if !IsUUID(m.Kopf.ProzessID) || slices.ContainsFunc(results, func(r Result) bool { return !IsUUID(r.ID) }) {
				if _, _, err := Write0506(m, results, fixedNow, replyOptions); err == nil {
					t.Errorf("Write0506 accepted results for objects without UUID")
				}
				return
			}
			b, name, err := Write0506(m, results, fixedNow, replyOptions)
			if err != nil {
				t.Fatal(err)
			}
			mustValid(t, p, b, name, V300)
		})
	}
}

// TestBadTransferAppraisal: a V-marked object, an object appraised V in
// the 0502, and an object never appraised are refused in the four-stage
// procedure; the two-stage procedure refuses only V.
func TestBadTransferAppraisal(t *testing.T) {
	p := Profile{}
	tr, dir := badTransfer(t, p, func(dir string, msg []byte) []byte {
		// Vorgang 2 is marked V (its marking is the second A in the message).
		i := bytes.Index(msg, []byte(vorgang2))
		j := i + bytes.Index(msg[i:], []byte("<code>A</code>"))
		return append(append(append([]byte{}, msg[:j]...), "<code>V</code>"...), msg[j+len("<code>A</code>"):]...)
	})
	if tr.Problems.HasErrors() {
		t.Fatalf("the profile alone does not judge the appraisal: %v", tr.Problems)
	}
	m := mustParseDir(t, dir)
	all := map[string]string{akte30: "A", vorgang2: "A"}
	ps := CheckAppraisal(m, all, false)
	if got := errorCodes(ps); !slices.Equal(got, []string{CodeAppraisalV}) || ps[0].Path != vorgang2 || len(ps) != 1 {
		t.Errorf("four-stage: %v", ps)
	}
	if ps := CheckAppraisal(m, nil, true); len(ps) != 1 || ps[0].Code != CodeAppraisalV {
		t.Errorf("two-stage: %v", ps)
	}
	// The 0506 reports the refused Vorgang, the Akte is archived.
	res := ImportResults(m, ps, map[string]string{akte30: "Nr. 1"})
	if !res[0].Erfolgreich || res[0].Archivkennung != "Nr. 1" || res[1].Erfolgreich || res[1].FehlermeldungCodes[0].Code != CodeAppraisalV {
		t.Errorf("results %+v", res)
	}
}

// TestFileDeclaredHash40 builds a 4.0 transfer (from the synthetic 3.0.0
// one's files) whose primary file declares a SHA-256: Declared carries it,
// so the pipeline detects a changed file in its one read.
func TestFileDeclaredHash40(t *testing.T) {
	const pid = "0f94d686-aadc-4d08-94be-8efc1cbc3d33"
	dir := t.TempDir()
	content := []byte("Vermerk\n")
	sum := "c0e0d4bb40a4c64b1c7b6b5a55dcd8e2f2b5b3f1f8f2bd6d7f4b1ee0a7c2e0ab" // deliberately not the file's hash
	msg := `<?xml version="1.0" encoding="UTF-8"?>
<xdomea:Aussonderung.Aussonderung.0503 xmlns:xdomea="urn:xoev-de:xdomea:schema:4.0.0">
  <xdomea:nachrichtenkopf>
    <xdomea:identifikation.nachricht>
      <nachrichtenUUID>f5e5a83c-efbd-48d6-b3bc-18830c246810</nachrichtenUUID>
      <nachrichtentyp><code>0503</code></nachrichtentyp>
      <erstellungszeitpunkt>2026-11-20T10:00:00Z</erstellungszeitpunkt>
    </xdomea:identifikation.nachricht>
    <xdomea:leser><xdomea:NameInstitution><xdomea:Name>Staatsarchiv</xdomea:Name></xdomea:NameInstitution></xdomea:leser>
    <xdomea:autor>
      <xdomea:Behoerdenkennung><xdomea:verzeichnisdienst><code>DVDV</code></xdomea:verzeichnisdienst><xdomea:kennung>psw:01003110</xdomea:kennung></xdomea:Behoerdenkennung>
      <xdomea:NameInstitution><xdomea:Name>Amt</xdomea:Name></xdomea:NameInstitution>
    </xdomea:autor>
    <xdomea:ProzessID>` + pid + `</xdomea:ProzessID>
  </xdomea:nachrichtenkopf>
  <xdomea:Importbestaetigung>1</xdomea:Importbestaetigung>
  <xdomea:Schriftgutobjekt>
    <xdomea:Dokument>
      <xdomea:Identifikation><xdomea:xdomeaUUID>5a3224ed-db58-4e7a-9575-2e6b58dd27f1</xdomea:xdomeaUUID></xdomea:Identifikation>
      <xdomea:Version>
        <xdomea:Nummer>1</xdomea:Nummer>
        <xdomea:Format>
          <xdomea:Name listVersionID="2.0"><code>045</code></xdomea:Name>
          <xdomea:Version/>
          <xdomea:Primaerdokument>
            <xdomea:Dateiname>2b339d61-224b-4d04-b927-eebf6911d17a_Vermerk.txt</xdomea:Dateiname>
            <xdomea:Hash>
              <xdomea:Wert>` + strings.ToUpper(sum) + `</xdomea:Wert>
              <xdomea:Algorithmus><code>SHA-256</code></xdomea:Algorithmus>
            </xdomea:Hash>
          </xdomea:Primaerdokument>
        </xdomea:Format>
      </xdomea:Version>
    </xdomea:Dokument>
  </xdomea:Schriftgutobjekt>
</xdomea:Aussonderung.Aussonderung.0503>
`
	os.WriteFile(filepath.Join(dir, pid+"_0503_1.xml"), []byte(msg), 0o644)
	os.WriteFile(filepath.Join(dir, "2b339d61-224b-4d04-b927-eebf6911d17a_Vermerk.txt"), content, 0o644)
	tr, err := Profile{}.Read(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(tr.Problems); !slices.Equal(got, []string{CodeSchemaUnchecked}) {
		t.Fatalf("problems %v", tr.Problems)
	}
	if got := tr.Files[0].Declared; len(got) != 1 || got["sha256"] != sum {
		t.Errorf("Declared = %v, want sha256 %s (lower case)", got, sum)
	}
	h := preservation.NewHash("sha256")
	h.Write(content)
	if got := h.Sum(nil); string(got) == sum {
		t.Fatal("test setup: the hash should not match")
	}
	if len(tr.Units) != 1 || tr.Units[0].SourceID != "5a3224ed-db58-4e7a-9575-2e6b58dd27f1" || tr.Message.Sender != "psw:01003110" || tr.Message.SenderName != "Amt" {
		t.Errorf("units %+v message %+v", tr.Units, tr.Message)
	}
}
