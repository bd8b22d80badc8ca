package eark

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// testPackage describes an E-ARK SIP for makePackage. The zero value makes
// a valid SIP with one representation.
type testPackage struct {
	name    string            // package folder and OBJID, default "sip-2024-017"
	content map[string]string // representation data below representations/rep1/data/
	// access, when set, adds a second representation rep2 with this data
	// (access copies) below representations/rep2/data/.
	access   map[string]string
	schemas  bool // add schemas/ with a small METS and XLink schema
	metsEdit func(string) string
	repEdit  func(string) string // edits the representation METS
	after    func(t *testing.T, root string)
}

const eadFixture = `<?xml version="1.0" encoding="UTF-8"?>
<ead xmlns="urn:isbn:1-931666-22-9">
  <eadheader><eadid>DE-LRA-MK</eadid><filedesc><titlestmt><titleproper>Findbuch Bauakten</titleproper></titlestmt></filedesc></eadheader>
  <archdesc level="file">
    <did>
      <unitid>LRA-MK 17/2024</unitid>
      <unittitle>Bauakte Musterstraße 1</unittitle>
      <unitdate normal="1990-03-01/2001-12-31">1990-2001</unitdate>
      <origination><corpname>Landratsamt Musterkreis, Bauamt</corpname></origination>
      <physdesc><extent>2 Dateien</extent></physdesc>
      <langmaterial><language langcode="ger">Deutsch</language></langmaterial>
    </did>
    <scopecontent><p>Bauantrag, Genehmigung und Schriftwechsel.</p></scopecontent>
    <controlaccess><subject>Bauwesen</subject><geogname>Musterstadt</geogname></controlaccess>
  </archdesc>
</ead>
`

const premisFixture = `<?xml version="1.0" encoding="UTF-8"?>
<premis xmlns="http://www.loc.gov/premis/v3" version="3.0"/>
`

// metsXSD and xlinkXSD are small stand-ins for the METS and XLink schemas:
// the METS schema imports XLink from the web, as the real one does.
const metsXSD = `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xlink="http://www.w3.org/1999/xlink"
    targetNamespace="http://www.loc.gov/METS/" xmlns="http://www.loc.gov/METS/" elementFormDefault="qualified">
  <xs:import namespace="http://www.w3.org/1999/xlink" schemaLocation="http://www.loc.gov/standards/xlink/xlink.xsd"/>
  <xs:element name="mets">
    <xs:complexType>
      <xs:sequence><xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
      <xs:attribute name="OBJID" type="xs:string" use="required"/>
      <xs:attribute ref="xlink:title"/>
      <xs:anyAttribute processContents="skip"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
`

const xlinkXSD = `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.w3.org/1999/xlink">
  <xs:attribute name="title" type="xs:string"/>
</xs:schema>
`

func writeFile(t *testing.T, root, name, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sha256hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// fileEntry renders a METS file element.
func fileEntry(id, href, content, mime string) string {
	return fmt.Sprintf(`      <file ID="%s" MIMETYPE="%s" SIZE="%d" CREATED="2024-05-02T10:00:00Z" CHECKSUM="%s" CHECKSUMTYPE="SHA-256">
        <FLocat LOCTYPE="URL" xlink:type="simple" xlink:href="%s"/>
      </file>
`, id, mime, len(content), sha256hex(content), href)
}

func mdRef(href, mdtype, content string) string {
	return fmt.Sprintf(`<mdRef LOCTYPE="URL" xlink:type="simple" xlink:href="%s" MDTYPE="%s" MIMETYPE="text/xml" SIZE="%d" CREATED="2024-05-02T10:00:00Z" CHECKSUM="%s" CHECKSUMTYPE="SHA-256"/>`,
		href, mdtype, len(content), sha256hex(content))
}

const metsOpen = `<?xml version="1.0" encoding="UTF-8"?>
<mets xmlns="http://www.loc.gov/METS/" xmlns:csip="https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
      xmlns:sip="https://DILCIS.eu/XML/METS/SIPExtensionMETS" xmlns:xlink="http://www.w3.org/1999/xlink"
`

// makePackage writes a package into a new directory and returns the
// package folder.
func makePackage(t *testing.T, p testPackage) string {
	t.Helper()
	if p.name == "" {
		p.name = "sip-2024-017"
	}
	if p.content == nil {
		p.content = map[string]string{"Akte 1/Brief.txt": "Sehr geehrte Damen und Herren,\n", "Übersicht.csv": "Nr;Titel\n1;Bauantrag\n"}
	}
	root := filepath.Join(t.TempDir(), p.name)
	files := map[string]string{
		"metadata/descriptive/ead.xml":        eadFixture,
		"metadata/preservation/premis.xml":    premisFixture,
		"documentation/Lieferbedingungen.txt": "Abgabe nach Vereinbarung vom 2. Mai 2024.\n",
	}
	if p.schemas {
		files["schemas/mets.xsd"] = metsXSD
		files["schemas/xlink.xsd"] = xlinkXSD
	}
	for name, c := range files {
		writeFile(t, root, name, c)
	}
	reps := []string{"rep1"}
	content := map[string]map[string]string{"rep1": p.content}
	if p.access != nil {
		reps = append(reps, "rep2")
		content["rep2"] = p.access
	}
	repMETSs := map[string]string{}
	for _, rn := range reps {
		writeFile(t, root, "representations/"+rn+"/metadata/preservation/p.xml", premisFixture)
		var data []string
		for name, c := range content[rn] {
			writeFile(t, root, "representations/"+rn+"/data/"+name, c)
			data = append(data, name)
		}
		sort.Strings(data)
		var rep strings.Builder
		rep.WriteString(metsOpen + `      OBJID="` + rn + `" TYPE="Mixed" csip:CONTENTINFORMATIONTYPE="MIXED" PROFILE="https://earksip.dilcis.eu/profile/E-ARK-SIP.xml">
  <metsHdr CREATEDATE="2024-05-02T10:00:00Z" csip:OAISPACKAGETYPE="SIP">
    <agent ROLE="CREATOR" TYPE="OTHER" OTHERTYPE="SOFTWARE"><name>Testpacker</name><note csip:NOTETYPE="SOFTWARE VERSION">1.0</note></agent>
  </metsHdr>
  <amdSec><digiprovMD ID="` + rn + `-premis" CREATED="2024-05-02T10:00:00Z">` + mdRef("metadata/preservation/p.xml", "PREMIS", premisFixture) + `</digiprovMD></amdSec>
  <fileSec ID="` + rn + `-fs">
    <fileGrp ID="` + rn + `-data" USE="Data">
`)
		for i, name := range data {
			rep.WriteString(fileEntry(fmt.Sprintf("%s-f%d", rn, i+1), "data/"+name, content[rn][name], "text/plain"))
		}
		rep.WriteString(`    </fileGrp>
  </fileSec>
  <structMap ID="` + rn + `-sm" TYPE="PHYSICAL" LABEL="CSIP">
    <div ID="` + rn + `-main" LABEL="` + rn + `">
      <div ID="` + rn + `-md" LABEL="Metadata" ADMID="` + rn + `-premis"/>
      <div ID="` + rn + `-d" LABEL="Data"><fptr FILEID="` + rn + `-data"/></div>
    </div>
  </structMap>
</mets>
`)
		repMETS := rep.String()
		if p.repEdit != nil && rn == "rep1" {
			repMETS = p.repEdit(repMETS)
		}
		repMETSs[rn] = repMETS
		writeFile(t, root, "representations/"+rn+"/METS.xml", repMETS)
	}

	var m strings.Builder
	m.WriteString(metsOpen + `      OBJID="` + p.name + `" LABEL="Bauakte Musterstraße 1" TYPE="Mixed" csip:CONTENTINFORMATIONTYPE="MIXED"
      PROFILE="https://earksip.dilcis.eu/profile/E-ARK-SIP-v2-2-0.xml">
  <metsHdr CREATEDATE="2024-05-02T10:00:00Z" RECORDSTATUS="NEW" csip:OAISPACKAGETYPE="SIP">
    <agent ROLE="CREATOR" TYPE="OTHER" OTHERTYPE="SOFTWARE"><name>Testpacker</name><note csip:NOTETYPE="SOFTWARE VERSION">1.0</note></agent>
    <agent ROLE="CREATOR" TYPE="ORGANIZATION"><name>Landratsamt Musterkreis</name><note csip:NOTETYPE="IDENTIFICATIONCODE">DE-MK-LRA</note></agent>
    <altRecordID TYPE="SUBMISSIONAGREEMENT">Vereinbarung 2024/3</altRecordID>
    <altRecordID TYPE="REFERENCECODE">Bestand 12</altRecordID>
  </metsHdr>
  <dmdSec ID="dmd-ead" CREATED="2024-05-02T10:00:00Z">` + mdRef("metadata/descriptive/ead.xml", "EAD", eadFixture) + `</dmdSec>
  <amdSec><digiprovMD ID="amd-premis" CREATED="2024-05-02T10:00:00Z">` + mdRef("metadata/preservation/premis.xml", "PREMIS", premisFixture) + `</digiprovMD></amdSec>
  <fileSec ID="fs">
    <fileGrp ID="grp-doc" USE="Documentation">
` + fileEntry("doc1", "documentation/Lieferbedingungen.txt", files["documentation/Lieferbedingungen.txt"], "text/plain") + `    </fileGrp>
`)
	if p.schemas {
		m.WriteString(`    <fileGrp ID="grp-schemas" USE="Schemas">
` + fileEntry("xsd1", "schemas/mets.xsd", metsXSD, "application/xml") + fileEntry("xsd2", "schemas/xlink.xsd", xlinkXSD, "application/xml") +
			`    </fileGrp>
`)
	}
	for _, rn := range reps {
		m.WriteString(`    <fileGrp ID="grp-` + rn + `" USE="Representations/` + rn + `" csip:CONTENTINFORMATIONTYPE="MIXED">
` + fileEntry(rn+"-mets", "representations/"+rn+"/METS.xml", repMETSs[rn], "application/xml") + `    </fileGrp>
`)
	}
	m.WriteString(`  </fileSec>
  <structMap ID="sm" TYPE="PHYSICAL" LABEL="CSIP">
    <div ID="main" LABEL="` + p.name + `">
      <div ID="div-md" LABEL="Metadata" DMDID="dmd-ead" ADMID="amd-premis"/>
      <div ID="div-doc" LABEL="Documentation"><fptr FILEID="grp-doc"/></div>
`)
	if p.schemas {
		m.WriteString(`      <div ID="div-schemas" LABEL="Schemas"><fptr FILEID="grp-schemas"/></div>
`)
	}
	for _, rn := range reps {
		m.WriteString(`      <div ID="div-` + rn + `" LABEL="Representations/` + rn + `">
        <fptr FILEID="grp-` + rn + `"/>
        <mptr LOCTYPE="URL" xlink:type="simple" xlink:href="representations/` + rn + `/METS.xml"/>
      </div>
`)
	}
	m.WriteString(`    </div>
  </structMap>
</mets>
`)
	mets := m.String()
	if p.metsEdit != nil {
		mets = p.metsEdit(mets)
	}
	writeFile(t, root, "METS.xml", mets)
	if p.after != nil {
		p.after(t, root)
	}
	return root
}
