package xdomea

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/preservation"
)

// corpusMessages lists every xdomea message of the shared corpus with the
// problem codes reading it must give (with the KoSIT schemas configured),
// sorted. The toolkit patterns are templates: "xx_" instead of a ProzessID
// in their names, and some carry the Nachrichtentyp of another message.
var corpusMessages = map[string][]string{
	"x-man/test-data-unzipped/9a75050f-323a-4e84-94c9-a889aa2b4fe8_Aussonderung.Anbieteverzeichnis.0501/9a75050f-323a-4e84-94c9-a889aa2b4fe8_Aussonderung.Anbieteverzeichnis.0501.xml":                   nil,
	"x-man/test-data-unzipped/9a75050f-323a-4e84-94c9-a889aa2b4fe8_Aussonderung.Aussonderung.0503/9a75050f-323a-4e84-94c9-a889aa2b4fe8_Aussonderung.Aussonderung.0503.xml":                               nil,
	"x-man/test-data-unzipped/9a75050f-323a-4e84-94c9-a889aa2b4fe8_Aussonderung.BewertungEmpfangBestaetigen.0505/9a75050f-323a-4e84-94c9-a889aa2b4fe8_Aussonderung.BewertungEmpfangBestaetigen.0505.xml": nil,
	"lavnrw-xdomea-examples/v3.0.0/9fde4e7a-b41b-11ec-9225-005056871b7c_Aussonderung.Aussonderung.0503.xml":                                                                                              nil,
	// No 4.0.0 schema in the corpus: structural checks only.
	"lavnrw-xdomea-examples/v4.0.0/518c7c31-d1a0-11ef-accb-005056871b7c_0503_1.xml": {CodeSchemaUnchecked},

	"xdomea_toolkit/pattern/xdomea_2.3.0/xx_Aussonderung.Anbieteverzeichnis.0501.xml":          {CodeFileName},
	"xdomea_toolkit/pattern/xdomea_2.3.0/xx_Aussonderung.AnbietungEmpfangBestaetigen.0504.xml": {CodeFileName, CodeTypeMismatch},
	"xdomea_toolkit/pattern/xdomea_2.3.0/xx_Aussonderung.Aussonderung.0503.xml":                {CodeFileName},
	"xdomea_toolkit/pattern/xdomea_2.3.0/xx_Aussonderung.Bewertungsverzeichnis.0502.xml":       {CodeFileName, CodeTypeMismatch},
	"xdomea_toolkit/pattern/xdomea_2.4.0/xx_Aussonderung.Anbieteverzeichnis.0501.xml":          {CodeFileName},
	"xdomea_toolkit/pattern/xdomea_2.4.0/xx_Aussonderung.AnbietungEmpfangBestaetigen.0504.xml": {CodeFileName, CodeTypeMismatch},
	"xdomea_toolkit/pattern/xdomea_2.4.0/xx_Aussonderung.Aussonderung.0503.xml":                {CodeFileName},
	"xdomea_toolkit/pattern/xdomea_2.4.0/xx_Aussonderung.Bewertungsverzeichnis.0502.xml":       {CodeFileName, CodeTypeMismatch},
	"xdomea_toolkit/pattern/xdomea_3.0.0/xx_Aussonderung.Anbieteverzeichnis.0501.xml":          {CodeFileName},
	"xdomea_toolkit/pattern/xdomea_3.0.0/xx_Aussonderung.AnbietungEmpfangBestaetigen.0504.xml": {CodeFileName, CodeTypeMismatch},
	"xdomea_toolkit/pattern/xdomea_3.0.0/xx_Aussonderung.Aussonderung.0503.xml":                {CodeFileName},
	"xdomea_toolkit/pattern/xdomea_3.0.0/xx_Aussonderung.Bewertungsverzeichnis.0502.xml":       {CodeFileName, CodeTypeMismatch},
}

// TestCorpusMessages reads every message of the corpus (no *ParseError),
// checks the problems, and compares the schema verdict with the corpus's
// EXPECTED.tsv (JDK validator).
func TestCorpusMessages(t *testing.T) {
	dir := corpus.Dir(t, "xdomea")
	p := schemaProfile(t)
	found := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() && (rel == "x-man/xsd" || rel == "xdomea_toolkit/code_lists") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".xml") {
			found[rel] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for rel := range corpusMessages {
		if !found[rel] {
			t.Errorf("corpus message %s is listed but missing", rel)
		}
	}
	expected := expectedSchema(t, filepath.Join(dir, "EXPECTED.tsv"))
	for rel := range found {
		want, listed := corpusMessages[rel]
		if !listed {
			t.Errorf("corpus message %s is not listed in corpusMessages", rel)
			continue
		}
		t.Run(rel, func(t *testing.T) {
			m, err := p.ReadMessage(context.Background(), filepath.Join(dir, rel))
			if err != nil {
				t.Fatalf("ReadMessage: %v", err)
			}
			if got := slices.Compact(codes(m.Problems)); !slices.Equal(got, want) {
				t.Errorf("problems %v, want codes %v", m.Problems, want)
			}
			if v, ok := expected[rel]; ok {
				valid := !hasCode(m.Problems, CodeSchema, "") && !hasCode(m.Problems, CodeSchemaUnchecked, "")
				if strings.HasPrefix(v, "VALID") != valid {
					t.Errorf("schema verdict: EXPECTED.tsv says %q, problems %v", v, m.Problems)
				}
			}
			if m.Type == Type0501 || m.Type == Type0503 {
				if len(m.Objects) == 0 {
					t.Errorf("no Schriftgutobjekte read")
				}
				m.Walk(func(o *Object) bool {
					if o.ID == "" {
						t.Errorf("%s without ID", o.Kind)
					}
					return true
				})
			}
			if m.Type == Type0502 && len(m.Decisions) == 0 {
				t.Errorf("0502 without decisions")
			}
		})
	}
}

// expectedSchema reads path -> xsd_validation_by_us from EXPECTED.tsv.
func expectedSchema(t *testing.T, path string) map[string]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 5 || cols[0] == "path" {
			continue
		}
		out[cols[0]] = cols[4]
	}
	return out
}

// TestCorpusXMan0503 reads the x-man transfer from its original ZIP,
// unpacked as the pipeline does: three primary files, two Akten as
// top-level units, pruned messages valid against the 3.0.0 schema.
func TestCorpusXMan0503(t *testing.T) {
	dir := corpus.Dir(t, "xdomea/x-man/test-data")
	p := schemaProfile(t)
	const pid = "9a75050f-323a-4e84-94c9-a889aa2b4fe8"
	zipName := pid + "_Aussonderung.Aussonderung.0503.zip"
	root := filepath.Join(t.TempDir(), "content")
	unzip(t, filepath.Join(dir, zipName), root)
	if !p.Detect(root) {
		t.Fatal("Detect: false")
	}
	tr, err := p.Read(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Problems) > 0 {
		t.Fatalf("problems: %v", tr.Problems)
	}
	msg := pid + "_Aussonderung.Aussonderung.0503.xml"
	if tr.Message == nil || tr.Message.Type != "0503" || tr.Message.Version != "3.0.0" || tr.Message.ProcessID != pid ||
		tr.Message.SenderName != "AbsXdomeaInstitutionName" {
		t.Errorf("Message = %+v", tr.Message)
	}
	if len(tr.Metadata) != 1 || tr.Metadata[0].Name != "xdomea/"+msg {
		t.Errorf("Metadata = %+v", tr.Metadata)
	}
	var names []string
	for _, f := range tr.Files {
		names = append(names, f.Name)
	}
	want := []string{"30d9f1ae-eee8-4314-b3cd-5bd90365ccaf_test_pdf_a1-b.pdf", "47821091-7ce3-4c98-a19f-f04f7dcb5072_test_pdf_a2-u.pdf",
		"f8bf94d0-4308-4ba4-910a-df3fc5f75949_test.docx"}
	if !slices.Equal(names, want) {
		t.Errorf("Files = %v, want %v", names, want)
	}
	if len(tr.Units) != 8 {
		t.Fatalf("%d units, want 8 (2 Akten, 3 Vorgänge, 3 Dokumente)", len(tr.Units))
	}
	var tops []string
	claimed := 0
	for _, u := range tr.Units {
		claimed += len(u.Files)
		if u.Parent != "" {
			if len(u.Metadata) != 0 {
				t.Errorf("unit %s has metadata but is not top-level", u.SourceID)
			}
			continue
		}
		tops = append(tops, u.SourceRef)
		if len(u.Metadata) != 1 || u.Metadata[0].Name != "xdomea/"+msg || u.Metadata[0].Data == nil {
			t.Fatalf("top-level unit %s: Metadata %+v", u.SourceID, u.Metadata)
		}
		mustValid(t, p, u.Metadata[0].Data, u.Metadata[0].Name, V300)
		pm, err := Parse(u.Metadata[0].Data, msg)
		if err != nil {
			t.Fatal(err)
		}
		if len(pm.Objects) != 1 || pm.Objects[0].ID != u.SourceID {
			t.Errorf("pruned message for %s holds %d objects", u.SourceID, len(pm.Objects))
		}
	}
	if claimed != 3 {
		t.Errorf("units claim %d files, want 3", claimed)
	}
	if !slices.Equal(tops, []string{"1234-1", "1234-2"}) {
		t.Errorf("top-level units %v", tops)
	}
	if ps := CheckAppraisal(mustParseDir(t, root), nil, false); len(ps) > 0 {
		t.Errorf("CheckAppraisal: %v (all objects are marked A)", ps)
	}
	if ps := CheckContainerName(zipName, mustParseDir(t, root)); len(ps) > 0 {
		t.Errorf("CheckContainerName: %v", ps)
	}
}

func mustParseDir(t testing.TB, root string) *Message {
	t.Helper()
	path, err := FindMessage(root)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(readFile(t, path), filepath.Base(path))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCorpusLavnrw zips the LAV NRW examples per the naming rules, unpacks
// and reads them: 3.0.0 valid; 4.0.0 with its context Akte, the SHA-256
// in File.Declared and the Vorgang as the top-level unit.
func TestCorpusLavnrw(t *testing.T) {
	dir := corpus.Dir(t, "xdomea/lavnrw-xdomea-examples")
	p := schemaProfile(t)
	for _, tc := range []struct {
		sub, container, pid, version, top, file string
		want                                    []string
	}{
		{"v3.0.0", "9fde4e7a-b41b-11ec-9225-005056871b7c_Aussonderung.Aussonderung.0503.zip", "9fde4e7a-b41b-11ec-9225-005056871b7c", V300,
			"67e456ea-b420-11ec-b503-005056871b7c", "f4bcaaf7-d7cb-11ef-a278-005056871b7c.txt", nil},
		{"v4.0.0", "518c7c31-d1a0-11ef-accb-005056871b7c_0503_1.zip", "518c7c31-d1a0-11ef-accb-005056871b7c", V400,
			"07333b5f-d1a2-11ef-88aa-005056871b7c", "8bcadd35-d27b-11ef-ab6c-005056871b7c.txt", []string{CodeSchemaUnchecked}},
	} {
		t.Run(tc.sub, func(t *testing.T) {
			src := t.TempDir()
			for _, e := range []string{".xml", ".txt"} {
				matches, _ := filepath.Glob(filepath.Join(dir, tc.sub, "*"+e))
				for _, m := range matches {
					if filepath.Base(m) == "README.md" {
						continue
					}
					if err := os.WriteFile(filepath.Join(src, filepath.Base(m)), readFile(t, m), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			root, container := containerRoundTrip(t, src, tc.container)
			if !p.Detect(root) {
				t.Fatal("Detect: false")
			}
			tr, err := p.Read(context.Background(), root)
			if err != nil {
				t.Fatal(err)
			}
			if got := codes(tr.Problems); !slices.Equal(got, tc.want) {
				t.Fatalf("problems %v, want %v", tr.Problems, tc.want)
			}
			if tr.Message.Version != tc.version || tr.Message.ProcessID != tc.pid {
				t.Errorf("Message = %+v", tr.Message)
			}
			if len(tr.Files) != 1 || tr.Files[0].Name != tc.file {
				t.Fatalf("Files = %+v", tr.Files)
			}
			if len(tr.Units) != 2 || tr.Units[0].SourceID != tc.top || tr.Units[0].Parent != "" ||
				tr.Units[1].Parent != tc.top || !slices.Equal(tr.Units[1].Files, []string{tc.file}) {
				t.Fatalf("Units = %+v", tr.Units)
			}
			m := mustParseDir(t, root)
			if ps := CheckContainerName(container, m); len(ps) > 0 {
				t.Errorf("CheckContainerName: %v", ps)
			}
			if tc.version != V400 {
				if len(tr.Files[0].Declared) != 0 {
					t.Errorf("3.0.0 declares no hashes, Declared = %v", tr.Files[0].Declared)
				}
				return
			}
			// 4.0.0: the hash goes to Declared for the pipeline's single read.
			want := "ebd6798571b4476ed77408a9e7d4dde5ed0d37e3a1c93c9426e86ef40cc0d69f"
			if got := tr.Files[0].Declared; len(got) != 1 || got["sha256"] != want {
				t.Fatalf("Declared = %v, want sha256 %s", got, want)
			}
			sum := sha256.Sum256(readFile(t, tr.Files[0].Path))
			if hex.EncodeToString(sum[:]) != want {
				t.Errorf("the example's file does not match its declared hash")
			}
			u := tr.Units[0]
			if u.Level != preservation.LevelVorgang || u.Extra[ExtraKontext] != "Akte [Aktenzeichen]: [Aktenbetreff]" {
				t.Errorf("top unit %+v", u.Unit)
			}
			if u.From != "2024-01-01" || u.To != "2025-01-14" || u.Closure.Created != "2025-01-14" || u.Extra[ExtraEntstehungQuelle] != "Laufzeit/Ende" {
				t.Errorf("dates %s..%s created %s", u.From, u.To, u.Closure.Created)
			}
			if u.Extra[ExtraVertraulichkeitsstufe] != "003 Offen: Das Schriftgutobjekt ist nicht eingestuft." {
				t.Errorf("Vertraulichkeitsstufe %q", u.Extra[ExtraVertraulichkeitsstufe])
			}
			pm, err := Parse(u.Metadata[0].Data, "pruned.xml")
			if err != nil {
				t.Fatal(err)
			}
			if len(pm.Objects) != 1 || !pm.Objects[0].Kontextobjekt || len(pm.TopLevel()) != 1 || pm.TopLevel()[0].ID != tc.top {
				t.Errorf("pruned 4.0 message keeps the context Akte and the Vorgang")
			}
			if m.Kopf.NachrichtenUUID != "95b80307-d19c-11ef-a43a-005056871b7c" || m.Kopf.LfdNrNachrichtProTyp != 1 ||
				!Wants(m.Kopf.Importbestaetigung) || Wants(m.Kopf.Empfangsbestaetigung) {
				t.Errorf("4.0 header %+v", m.Kopf)
			}
			if _, _, err := Write0506(m, ImportResults(m, nil, nil), fixedNow, ReplyOptions{}); err == nil {
				t.Errorf("Write0506 in 4.0.0 succeeded; replies are written only in versions with schemas")
			}
		})
	}
}

// TestCorpusToolkit0503 reads the toolkit's 0503 patterns as containers:
// their one primary file is not shipped (templates), so they are
// incomplete: XDOMEA_FILE_MISSING, and the "xx_" name is not recognised.
func TestCorpusToolkit0503(t *testing.T) {
	dir := corpus.Dir(t, "xdomea/xdomea_toolkit/pattern")
	p := schemaProfile(t)
	for _, v := range []string{V230, V240, V300} {
		t.Run(v, func(t *testing.T) {
			root := t.TempDir()
			name := "xx_Aussonderung.Aussonderung.0503.xml"
			if err := os.WriteFile(filepath.Join(root, name), readFile(t, filepath.Join(dir, "xdomea_"+v, name)), 0o644); err != nil {
				t.Fatal(err)
			}
			if p.Detect(root) {
				t.Errorf("Detect recognised a template name")
			}
			tr, err := p.Read(context.Background(), root)
			if err != nil {
				t.Fatal(err)
			}
			if got := errorCodes(tr.Problems); !slices.Equal(got, []string{CodeFileMissing}) {
				t.Errorf("errors %v, want [%s]", tr.Problems, CodeFileMissing)
			}
			if !hasCode(tr.Problems, CodeFileMissing, "e8b289cb-f8dd-492a-b3cf-560674eaa92b_PDF-A1b_CMYK_20150731.pdf") {
				t.Errorf("missing file not named: %v", tr.Problems)
			}
			if len(tr.Units) != 1 || tr.Units[0].Level != preservation.LevelDokument {
				t.Errorf("Units = %+v", tr.Units)
			}
		})
	}
}

// TestCorpusXManContainers reads x-man's 0501 and 0505 containers (ZIPs as
// the agency sends them) with ReadMessage, and the 0503 container too (its
// primary files are then not read, only reported as ignored entries).
func TestCorpusXManContainers(t *testing.T) {
	dir := corpus.Dir(t, "xdomea/x-man/test-data")
	p := schemaProfile(t)
	for _, tc := range []struct {
		name, typ string
		warnings  int
	}{
		{"9a75050f-323a-4e84-94c9-a889aa2b4fe8_Aussonderung.Anbieteverzeichnis.0501.zip", Type0501, 0},
		{"9a75050f-323a-4e84-94c9-a889aa2b4fe8_Aussonderung.BewertungEmpfangBestaetigen.0505.zip", Type0505, 0},
		{"9a75050f-323a-4e84-94c9-a889aa2b4fe8_Aussonderung.Aussonderung.0503.zip", Type0503, 3},
	} {
		m, err := p.ReadMessage(context.Background(), filepath.Join(dir, tc.name))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if m.Type != tc.typ || len(m.Problems) != tc.warnings || m.Problems.HasErrors() {
			t.Errorf("%s: type %s, problems %v", tc.name, m.Type, m.Problems)
		}
		if m.FileName != strings.TrimSuffix(tc.name, ".zip")+".xml" {
			t.Errorf("FileName %q", m.FileName)
		}
	}
	// A renamed container whose name contradicts the message.
	other := filepath.Join(t.TempDir(), "00000000-1111-4222-8333-444444444444_Aussonderung.Anbieteverzeichnis.0501.xdomea")
	if err := os.WriteFile(other, readFile(t, filepath.Join(dir, "9a75050f-323a-4e84-94c9-a889aa2b4fe8_Aussonderung.Anbieteverzeichnis.0501.zip")), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := p.ReadMessage(context.Background(), other)
	if err != nil {
		t.Fatal(err)
	}
	if got := errorCodes(m.Problems); !slices.Equal(got, []string{CodeProcessID}) {
		t.Errorf("renamed container: %v", m.Problems)
	}
}
