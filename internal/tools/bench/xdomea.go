package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/magazin-archiv/magazin/internal/benchdata"
)

const xdomeaProcess = "5b1c0f3e-6a2d-4c8e-9f10-2026112611aa"

// writeXdomea writes an xdomea 3.0.0 Aussonderung.Aussonderung.0503 with
// docs documents (20 per Akte, each with one primary file of 1–64 KiB)
// into a new directory below dir and returns that directory.
func writeXdomea(dir string, docs int, seed uint64) (string, int, error) {
	root := filepath.Join(dir, xdomeaProcess+"_Aussonderung.Aussonderung.0503")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", 0, err
	}
	r := rand.New(rand.NewPCG(seed, 0x78646f6d))
	uuid := func() string {
		return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), r.IntN(1<<12), r.Uint64()&(1<<48-1))
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<xdomea:Aussonderung.Aussonderung.0503 xmlns:xdomea="urn:xoev-de:xdomea:schema:3.0.0">
  <xdomea:Kopf>
    <xdomea:ProzessID>` + xdomeaProcess + `</xdomea:ProzessID>
    <xdomea:Nachrichtentyp listURI="urn:xoev-de:xdomea:codeliste:nachrichtentyp" listVersionID="2.0"><code>0503</code></xdomea:Nachrichtentyp>
    <xdomea:Erstellungszeitpunkt>2026-11-26T10:00:00+01:00</xdomea:Erstellungszeitpunkt>
    <xdomea:Absender>
      <xdomea:Behoerdenkennung>
        <xdomea:Behoerdenschluessel><code>14999000</code><name>Landratsamt Musterkreis</name></xdomea:Behoerdenschluessel>
        <xdomea:Praefix><code>psw</code></xdomea:Praefix>
      </xdomea:Behoerdenkennung>
      <xdomea:Institution><xdomea:Name>Landratsamt Musterkreis</xdomea:Name></xdomea:Institution>
    </xdomea:Absender>
    <xdomea:Empfaenger>
      <xdomea:Behoerdenkennung>
        <xdomea:Behoerdenschluessel><code>99000001</code><name>Staatsarchiv Musterland</name></xdomea:Behoerdenschluessel>
        <xdomea:Praefix><code>psw</code></xdomea:Praefix>
      </xdomea:Behoerdenkennung>
      <xdomea:Institution><xdomea:Name>Staatsarchiv Musterland</xdomea:Name></xdomea:Institution>
    </xdomea:Empfaenger>
    <xdomea:SendendesSystem><xdomea:Produktname>Muster-DMS</xdomea:Produktname><xdomea:Version>7.2</xdomea:Version></xdomea:SendendesSystem>
    <xdomea:Importbestaetigung>1</xdomea:Importbestaetigung>
    <xdomea:Empfangsbestaetigung>1</xdomea:Empfangsbestaetigung>
  </xdomea:Kopf>
`)
	kinds := []struct{ ext, code string }{{"pdf", "018"}, {"txt", "030"}, {"xml", "034"}, {"png", "022"}, {"jpg", "016"}}
	const perAkte = 20
	n := 0
	for a := 0; n < docs; a++ {
		year := 1990 + a%30
		fmt.Fprintf(&b, `  <xdomea:Schriftgutobjekt>
    <xdomea:Akte>
      <xdomea:Identifikation><xdomea:ID>%s</xdomea:ID></xdomea:Identifikation>
      <xdomea:AllgemeineMetadaten>
        <xdomea:Betreff>Bauantrag Nr. %d, Lindenweg %d, Musterdorf</xdomea:Betreff>
        <xdomea:Kennzeichen>63-612.11/%d-%04d</xdomea:Kennzeichen>
      </xdomea:AllgemeineMetadaten>
      <xdomea:ArchivspezifischeMetadaten>
        <xdomea:Aussonderungsart><xdomea:Aussonderungsart listURI="urn:xoev-de:xdomea:codeliste:aussonderungsart" listVersionID="1.0"><code>A</code></xdomea:Aussonderungsart></xdomea:Aussonderungsart>
      </xdomea:ArchivspezifischeMetadaten>
      <xdomea:Laufzeit><xdomea:Beginn>%d-03-02</xdomea:Beginn><xdomea:Ende>%d-11-20</xdomea:Ende></xdomea:Laufzeit>
      <xdomea:Akteninhalt>
`, uuid(), a+1, a%90+1, year, a+1, year, year+1)
		for d := 0; d < perAkte && n < docs; d++ {
			k := kinds[n%len(kinds)]
			data, err := benchdata.File(r, k.ext, 1<<10+r.IntN(63<<10))
			if err != nil {
				return "", 0, err
			}
			id := uuid()
			name := fmt.Sprintf("%s_Dokument-%d.%s", id, n+1, k.ext)
			if err := os.WriteFile(filepath.Join(root, name), data, 0o644); err != nil {
				return "", 0, err
			}
			fmt.Fprintf(&b, `        <xdomea:Dokument>
          <xdomea:Identifikation><xdomea:ID>%s</xdomea:ID><xdomea:NummerImUebergeordnetenContainer>%d</xdomea:NummerImUebergeordnetenContainer></xdomea:Identifikation>
          <xdomea:AllgemeineMetadaten><xdomea:Betreff>Schreiben %d zum Bauantrag</xdomea:Betreff></xdomea:AllgemeineMetadaten>
          <xdomea:Version>
            <xdomea:Nummer>1</xdomea:Nummer>
            <xdomea:Format>
              <xdomea:Name listURI="urn:xoev-de:xdomea:codeliste:dateiformat" listVersionID="1.0"><code>%s</code></xdomea:Name>
              <xdomea:Primaerdokument><xdomea:Dateiname>%s</xdomea:Dateiname><xdomea:DateinameOriginal>Dokument-%d.%s</xdomea:DateinameOriginal></xdomea:Primaerdokument>
            </xdomea:Format>
          </xdomea:Version>
        </xdomea:Dokument>
`, id, d+1, d+1, k.code, name, n+1, k.ext)
			n++
		}
		b.WriteString("      </xdomea:Akteninhalt>\n    </xdomea:Akte>\n  </xdomea:Schriftgutobjekt>\n")
	}
	b.WriteString("</xdomea:Aussonderung.Aussonderung.0503>\n")
	if err := os.WriteFile(filepath.Join(root, xdomeaProcess+"_Aussonderung.Aussonderung.0503.xml"), b.Bytes(), 0o644); err != nil {
		return "", 0, err
	}
	return root, n, nil
}
