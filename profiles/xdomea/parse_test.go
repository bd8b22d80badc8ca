package xdomea

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// minimal returns a small 0503 of the version with the given objects XML
// (3.x structure).
func minimal(version, objects string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<xdomea:Aussonderung.Aussonderung.0503 xmlns:xdomea="` + Namespace(version) + `">
  <xdomea:Kopf>
    <xdomea:ProzessID>` + pid30 + `</xdomea:ProzessID>
    <xdomea:Nachrichtentyp><code>0503</code></xdomea:Nachrichtentyp>
    <xdomea:Erstellungszeitpunkt>2026-11-02T14:05:00</xdomea:Erstellungszeitpunkt>
    <xdomea:Absender><xdomea:Institution><xdomea:Name>Amt</xdomea:Name></xdomea:Institution></xdomea:Absender>
    <xdomea:Empfaenger/>
    <xdomea:Importbestaetigung>1</xdomea:Importbestaetigung>
    <xdomea:RueckmeldungArchivkennung>0</xdomea:RueckmeldungArchivkennung>
    <xdomea:Empfangsbestaetigung>true</xdomea:Empfangsbestaetigung>
  </xdomea:Kopf>
` + objects + `
</xdomea:Aussonderung.Aussonderung.0503>
`)
}

const oneDoc = `<xdomea:Schriftgutobjekt><xdomea:Dokument><xdomea:Identifikation><xdomea:ID>a1505ba0-77e7-494a-9fe2-51296490f3b1</xdomea:ID></xdomea:Identifikation></xdomea:Dokument></xdomea:Schriftgutobjekt>`

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
		code string
	}{
		{"empty", "", CodeMalformed},
		{"not XML", "hello", CodeMalformed},
		{"unclosed", `<xdomea:A xmlns:xdomea="urn:xoev-de:xdomea:schema:3.0.0">`, CodeMalformed},
		{"two roots", `<a/><b/>`, CodeMalformed},
		{"undefined entity", `<a>&nbsp;</a>`, CodeMalformed},
		{"deep", strings.Repeat("<a>", 300) + strings.Repeat("</a>", 300), CodeMalformed},
		{"UTF-16", "\xff\xfe<\x00a\x00/\x00>\x00", CodeEncoding},
		{"unknown encoding", `<?xml version="1.0" encoding="EBCDIC-CP-DE"?><a/>`, CodeEncoding},
		{"no namespace", `<Aussonderung.Aussonderung.0503/>`, CodeNotXdomea},
		{"other namespace", `<x:Aussonderung.Aussonderung.0503 xmlns:x="urn:example"/>`, CodeNotXdomea},
		{"version 1.0", `<xdomea:Aussonderung.Aussonderung.0503 xmlns:xdomea="urn:xoev-de:xdomea:schema:1.0.0"/>`, CodeVersion},
		{"version garbage", `<xdomea:Aussonderung.Aussonderung.0503 xmlns:xdomea="urn:xoev-de:xdomea:schema:x"/>`, CodeVersion},
		{"Abgabe", `<xdomea:Abgabe.Abgabe.0401 xmlns:xdomea="urn:xoev-de:xdomea:schema:3.0.0"/>`, CodeMessageType},
		{"0513", `<xdomea:Aussonderung.Bewertungskatalog.0513 xmlns:xdomea="urn:xoev-de:xdomea:schema:3.0.0"/>`, CodeMessageType},
		{"wrong name for code", `<xdomea:Aussonderung.Aussonderung.0501 xmlns:xdomea="urn:xoev-de:xdomea:schema:3.0.0"/>`, CodeMessageType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.data), "m.xml")
			var perr *ParseError
			if !errors.As(err, &perr) || m != nil {
				t.Fatalf("Parse = %v, %v; want a *ParseError", m, err)
			}
			if perr.Problem.Code != tc.code || perr.Problem.Path != "m.xml" {
				t.Errorf("problem %v, want code %s", perr.Problem, tc.code)
			}
		})
	}
}

func TestParseStructure(t *testing.T) {
	t.Run("minimal", func(t *testing.T) {
		m, err := Parse(minimal(V300, oneDoc), "")
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Problems) > 0 {
			t.Fatalf("problems %v", m.Problems)
		}
		if !Wants(m.Kopf.Importbestaetigung) || Wants(m.Kopf.RueckmeldungArchivkennung) || !Wants(m.Kopf.Empfangsbestaetigung) {
			t.Errorf("flags %+v", m.Kopf)
		}
		if m.Object("A1505BA0-77E7-494A-9FE2-51296490F3B1") == nil {
			t.Error("Object lookup is not case-insensitive")
		}
	})
	t.Run("prefix", func(t *testing.T) {
		data := strings.NewReplacer("<xdomea:", "<x:", "</xdomea:", "</x:", "xmlns:xdomea=", "xmlns:x=").Replace(string(minimal(V300, oneDoc)))
		m, err := Parse([]byte(data), "m.xml")
		if err != nil {
			t.Fatal(err)
		}
		if got := codes(m.Problems); !slices.Equal(got, []string{CodePrefix}) || m.Prefix != "x" {
			t.Errorf("problems %v prefix %q", m.Problems, m.Prefix)
		}
	})
	t.Run("default namespace", func(t *testing.T) {
		data := strings.NewReplacer("<xdomea:", "<", "</xdomea:", "</", "xmlns:xdomea=", "xmlns=").Replace(string(minimal(V300, oneDoc)))
		m, err := Parse([]byte(data), "m.xml")
		if err != nil {
			t.Fatal(err)
		}
		// code/name are then in the default namespace too, which the parser
		// tolerates; the schema check would report it.
		if got := codes(m.Problems); !slices.Equal(got, []string{CodePrefix}) || len(m.Objects) != 1 {
			t.Errorf("problems %v", m.Problems)
		}
	})
	t.Run("latin-1", func(t *testing.T) {
		data := strings.Replace(string(minimal(V300, oneDoc)), `encoding="UTF-8"`, `encoding="ISO-8859-1"`, 1)
		data = strings.Replace(data, "<xdomea:Name>Amt</xdomea:Name>", "<xdomea:Name>Stadt M\xfcnchen \x80</xdomea:Name>", 1)
		m, err := Parse([]byte(data), "")
		if err != nil {
			t.Fatal(err)
		}
		if m.Kopf.Absender.Institution != "Stadt München \u0080" {
			t.Errorf("institution %q", m.Kopf.Absender.Institution)
		}
		data = strings.Replace(data, "ISO-8859-1", "windows-1252", 1)
		if m, err = Parse([]byte(data), ""); err != nil || m.Kopf.Absender.Institution != "Stadt München €" {
			t.Errorf("windows-1252: %v %q", err, m.Kopf.Absender.Institution)
		}
	})
	t.Run("BOM", func(t *testing.T) {
		if _, err := Parse(append([]byte("\xef\xbb\xbf"), minimal(V300, oneDoc)...), ""); err != nil {
			t.Error(err)
		}
	})
	t.Run("header problems", func(t *testing.T) {
		data := strings.Replace(string(minimal(V300, oneDoc)), pid30, "not-a-uuid", 1)
		data = strings.Replace(data, "<code>0503</code>", "<code>0506</code>", 1)
		data = strings.Replace(data, "<xdomea:Erstellungszeitpunkt>2026-11-02T14:05:00</xdomea:Erstellungszeitpunkt>", "", 1)
		m, err := Parse([]byte(data), "")
		if err != nil {
			t.Fatal(err)
		}
		if got := codes(m.Problems); !slices.Equal(got, []string{CodeHeader, CodeProcessID, CodeTypeMismatch}) {
			t.Errorf("problems %v", m.Problems)
		}
	})
	t.Run("no Kopf, no objects", func(t *testing.T) {
		m, err := Parse([]byte(`<xdomea:Aussonderung.Aussonderung.0503 xmlns:xdomea="urn:xoev-de:xdomea:schema:3.0.0"/>`), "")
		if err != nil {
			t.Fatal(err)
		}
		if got := codes(m.Problems); !slices.Equal(got, []string{CodeHeader, CodeNoObjects}) {
			t.Errorf("problems %v", m.Problems)
		}
	})
	t.Run("object without ID", func(t *testing.T) {
		m, err := Parse(minimal(V300, `<xdomea:Schriftgutobjekt><xdomea:Akte><xdomea:Identifikation/></xdomea:Akte></xdomea:Schriftgutobjekt>`), "m.xml")
		if err != nil {
			t.Fatal(err)
		}
		if got := codes(m.Problems); !slices.Equal(got, []string{CodeObjectID}) || m.Problems[0].Path != "m.xml" {
			t.Errorf("problems %v", m.Problems)
		}
	})
	t.Run("2.x structure", func(t *testing.T) {
		m, err := Parse(minimal(V230, `<xdomea:Schriftgutobjekt><xdomea:Akte>
		  <xdomea:Identifikation><xdomea:ID>0505f6e2-2c01-4ce3-8bd8-006561616fcc</xdomea:ID></xdomea:Identifikation>
		  <xdomea:ArchivspezifischeMetadaten><xdomea:Aufbewahrungsdauer>30</xdomea:Aufbewahrungsdauer>
		    <xdomea:Aussonderungsart><code>V</code></xdomea:Aussonderungsart></xdomea:ArchivspezifischeMetadaten>
		  <xdomea:Akteninhalt><xdomea:Dokument><xdomea:Identifikation><xdomea:ID>7605d2ed-a6da-40ae-9010-b6dad7551dbf</xdomea:ID></xdomea:Identifikation></xdomea:Dokument></xdomea:Akteninhalt>
		  <xdomea:Teilakte><xdomea:Identifikation><xdomea:ID>aadc9c5a-3f2d-47c4-ba13-cbaeecadb0ab</xdomea:ID></xdomea:Identifikation></xdomea:Teilakte>
		</xdomea:Akte></xdomea:Schriftgutobjekt>`), "")
		if err != nil {
			t.Fatal(err)
		}
		a := m.Objects[0]
		if a.Aussonderungsart != "V" || a.Aufbewahrungsdauer != "30" || len(a.Children) != 2 || a.Children[0].Kind != KindDokument || a.Children[1].Kind != KindTeilakte {
			t.Errorf("2.x Akte %+v", a)
		}
	})
}

func TestHashDeclared(t *testing.T) {
	const hexSum = "ebd6798571b4476ed77408a9e7d4dde5ed0d37e3a1c93c9426e86ef40cc0d69f"
	for _, tc := range []struct {
		h        Hash
		alg, dig string
		bad      bool
	}{
		{Hash{"SHA-256", hexSum}, "sha256", hexSum, false},
		{Hash{"SHA-256", strings.ToUpper(hexSum)}, "sha256", hexSum, false},
		{Hash{"sha-256", " 69Z5hXG0R27XdAip59Td5e0NN+OhyTyUJuhu9AzA1p8= "}, "sha256", hexSum, false},
		{Hash{"http://www.w3.org/2001/04/xmlenc#sha256", hexSum}, "sha256", hexSum, false},
		{Hash{"SHA-512", hexSum}, "", "", true},
		{Hash{"SHA3-256", hexSum}, "sha3-256", hexSum, false},
		{Hash{"SHA-256", "xyz"}, "", "", true},
		{Hash{"", hexSum}, "", "", true},
		{Hash{"SHA-256", ""}, "", "", true},
	} {
		alg, dig, err := tc.h.Declared()
		if (err != nil) != tc.bad || alg != tc.alg || dig != tc.dig {
			t.Errorf("%+v: %q %q %v", tc.h, alg, dig, err)
		}
	}
}

func TestPrune(t *testing.T) {
	data := minimal(V300, `<xdomea:Schriftgutobjekt>
    <xdomea:Akte><xdomea:Identifikation><xdomea:ID>0505f6e2-2c01-4ce3-8bd8-006561616fcc</xdomea:ID></xdomea:Identifikation></xdomea:Akte>
  </xdomea:Schriftgutobjekt>
  <xdomea:Schriftgutobjekt>
    <!-- the second object -->
    <xdomea:Vorgang><xdomea:Identifikation><xdomea:ID>be94dbfc-c25f-4d08-99e9-380a857b1a74</xdomea:ID></xdomea:Identifikation></xdomea:Vorgang>
  </xdomea:Schriftgutobjekt>
  <xdomea:Aktenplan><xdomea:Bezeichnung>AP</xdomea:Bezeichnung><xdomea:Version>1</xdomea:Version></xdomea:Aktenplan>`)
	m, err := Parse(data, "")
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range m.Objects {
		b, err := m.Prune(o)
		if err != nil {
			t.Fatal(err)
		}
		pm, err := Parse(b, "")
		if err != nil {
			t.Fatalf("pruned: %v\n%s", err, b)
		}
		if len(pm.Objects) != 1 || pm.Objects[0].ID != o.ID || !strings.Contains(string(b), "<xdomea:Aktenplan>") ||
			strings.Contains(string(b), "the second object") != (i == 1) || strings.Contains(string(b), "\n\n") {
			t.Errorf("pruned for %s:\n%s", o.ID, b)
		}
	}
	other, _ := Parse(data, "")
	if _, err := m.Prune(other.Objects[0]); err == nil {
		t.Error("Prune accepted an object of another message")
	}
}
