package ead_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/profiles/ead"
)

func read(t *testing.T, doc string) *ead.FindingAid {
	t.Helper()
	fa, err := ead.Read(strings.NewReader(doc), "test.xml", ead.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return fa
}

func codes(ps preservation.Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Code)
	}
	return out
}

// brief is what most tests compare of a unit.
type brief struct{ Level, Parent, SourceID, Signatur, Title, From, To string }

func briefs(us []preservation.Unit) []brief {
	var out []brief
	for _, u := range us {
		out = append(out, brief{u.Level, u.Parent, u.SourceID, u.Signatur, u.Title, u.From, u.To})
	}
	return out
}

const ddbFindbuch = `<?xml version="1.0" encoding="UTF-8"?>
<ead xmlns="urn:isbn:1-931666-22-9" xmlns:xlink="http://www.w3.org/1999/xlink" audience="external">
 <eadheader><eadid mainagencycode="DE-14">FB-7</eadid>
  <filedesc><titlestmt><titleproper>Amtshauptmannschaft Pirna</titleproper></titlestmt></filedesc>
  <profiledesc><creation><date normal="2019-01-29">29.01.2019</date></creation></profiledesc></eadheader>
 <archdesc level="collection" type="Findbuch">
  <did><unitid>10001</unitid><repository><corpname role="Staatliche Archive" id="DE-14">Staatsarchiv</corpname></repository></did>
  <dsc>
   <c level="collection" id="FB-7">
    <did><unittitle>Amtshauptmannschaft Pirna</unittitle><unitdate normal="1874/1952">1874-1952</unitdate>
     <origination label="Provenienz"><name>Amtshauptmannschaft</name></origination><origination label="pre">Amt Pirna</origination></did>
    <scopecontent><head>Einleitung</head><p>Erster Absatz.</p><p>Zweiter   Absatz.</p></scopecontent>
    <c level="class" id="k1"><did><unitid>1</unitid><unittitle>Verwaltung</unittitle></did>
     <c level="series" id="s1"><did><unittitle>Personal</unittitle></did>
      <c level="file" id="a1">
       <did><unitid>10001 Nr. 1</unitid><unitid type="Altsignatur">A 1/1</unitid><unittitle type="title">Personalakte <emph>Müller</emph></unittitle>
        <unitdate normal="19200101/19301231">1920-1930</unitdate><abstract type="enthält u.a.">Zeugnisse</abstract>
        <physdesc><genreform normal="Akten">Akte</genreform><extent>1 Band</extent></physdesc>
        <langmaterial><language langcode="ger" scriptcode="Latn">Deutsch</language></langmaterial></did>
       <accessrestrict><p>Personenbezogenes Archivgut, gesperrt bis 31.12.2040</p></accessrestrict>
       <daogrp><daodesc><list><item><genreform>BILD</genreform></item></list></daodesc>
        <daoloc xlink:role="image_full" xlink:href="https://bilder.example/1.jpg"/></daogrp>
       <index><indexentry><persname>Müller, Karl</persname></indexentry><indexentry><geogname>Pirna</geogname></indexentry>
        <indexentry><subject>Personal</subject></indexentry></index>
       <c level="item" id="v1"><did><unittitle>Vorgang</unittitle></did>
        <c level="item" id="d1"><did><unittitle>Schreiben</unittitle><unitdate>12.3.1925</unitdate></did></c>
       </c>
      </c>
      <c level="series" id="s2"><did><unittitle>Leere Serie</unittitle></did></c>
     </c>
    </c>
   </c>
  </dsc>
 </archdesc>
</ead>`

func TestReadDDBFindbuch(t *testing.T) {
	fa := read(t, ddbFindbuch)
	if len(fa.Problems) != 0 {
		t.Errorf("problems %v", fa.Problems)
	}
	if fa.Standard != ead.StandardDDB || fa.Kind != ead.KindFindbuch || fa.ID != "FB-7" || fa.Agency != "DE-14" ||
		fa.Title != "Amtshauptmannschaft Pirna" || fa.Created != "2019-01-29" || fa.Repository != "Staatsarchiv" {
		t.Errorf("finding aid %+v", fa)
	}
	want := []brief{
		{preservation.LevelBestand, "", "FB-7#FB-7", "10001", "Amtshauptmannschaft Pirna", "1874", "1952"},
		{preservation.LevelGliederung, "FB-7#FB-7", "FB-7#k1", "1", "Verwaltung", "", ""},
		{preservation.LevelGliederung, "FB-7#k1", "FB-7#s1", "", "Personal", "", ""},
		{preservation.LevelAkte, "FB-7#s1", "FB-7#a1", "10001 Nr. 1", "Personalakte Müller", "1920-01-01", "1930-12-31"},
		{preservation.LevelVorgang, "FB-7#a1", "FB-7#v1", "", "Vorgang", "", ""},
		{preservation.LevelDokument, "FB-7#v1", "FB-7#d1", "", "Schreiben", "1925-03-12", "1925-03-12"},
		{preservation.LevelAkte, "FB-7#s1", "FB-7#s2", "", "Leere Serie", "", ""},
	}
	if d := cmp.Diff(want, briefs(fa.Units)); d != "" {
		t.Errorf("units (-want +got):\n%s", d)
	}
	b := fa.Units[0]
	if b.Scope != "Erster Absatz.\nZweiter Absatz." || b.Provenance != "Amtshauptmannschaft" || b.Extra[ead.ExtraVorprovenienz] != "Amt Pirna" {
		t.Errorf("Bestand %+v", b)
	}
	a := fa.Units[3]
	wantExtra := map[string]string{ead.ExtraGenreform: "Akten", ead.ExtraDAO: "image_full https://bilder.example/1.jpg",
		ead.ExtraAccessrestrict: "Personenbezogenes Archivgut, gesperrt bis 31.12.2040", ead.ExtraSperrvermerk: "2040-12-31", ead.ExtraUnitdate: "1920-1930"}
	if a.Scope != "Zeugnisse" || a.SourceRef != "A 1/1" || a.Extent != "1 Band" || a.Language != "ger" ||
		!a.Closure.Personal || a.Closure.Until != "2040-12-31" || a.Order != 1 {
		t.Errorf("Akte %+v", a)
	}
	if d := cmp.Diff(wantExtra, a.Extra); d != "" {
		t.Errorf("extra (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]preservation.Person{{Name: "Müller, Karl"}}, a.Persons); d != "" || len(a.Places) != 1 || len(a.Subjects) != 1 {
		t.Errorf("index terms %v %v %v", a.Persons, a.Places, a.Subjects)
	}
}

func TestReadDDBTektonik(t *testing.T) {
	fa := read(t, `<ead xmlns="urn:isbn:1-931666-22-9"><eadheader><eadid>TK</eadid></eadheader>
<archdesc level="collection" type="Tektonik"><did><repository><corpname role="Staatliche Archive">Archiv</corpname></repository></did><dsc>
<c level="collection" id="TK"><did><unittitle>Staatsarchiv (Tektonik)</unittitle></did>
 <c level="class" id="g1"><did><unittitle>Staatliche Überlieferung</unittitle></did>
  <c level="series" id="g2"><did><unittitle>Ministerien</unittitle></did>
   <c level="file" id="FB-7"><did><unitid>10001</unitid><unittitle>Amtshauptmannschaft Pirna</unittitle></did></c>
  </c>
 </c>
 <c level="file" id="FB-8"><did><unittitle>Ohne Gruppe</unittitle></did></c>
</c></dsc></archdesc></ead>`)
	want := []brief{
		{preservation.LevelTektonik, "", "TK#g1", "", "Staatliche Überlieferung", "", ""},
		{preservation.LevelTektonik, "TK#g1", "TK#g2", "", "Ministerien", "", ""},
		{preservation.LevelBestand, "TK#g2", "FB-7#FB-7", "10001", "Amtshauptmannschaft Pirna", "", ""},
		{preservation.LevelBestand, "", "FB-8#FB-8", "", "Ohne Gruppe", "", ""},
	}
	if d := cmp.Diff(want, briefs(fa.Units)); d != "" || fa.Kind != ead.KindTektonik || fa.Repository != "Staatsarchiv (Tektonik)" {
		t.Errorf("units (-want +got):\n%s %+v", d, fa)
	}
}

// EAD 2002 in DTD style: no namespace, numbered components, no ids.
func TestReadEAD2002DTD(t *testing.T) {
	fa := read(t, `<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE ead SYSTEM "ead.dtd">
<ead><eadheader><eadid>FR-1</eadid><filedesc><titlestmt><titleproper>R&eacute;pertoire</titleproper></titlestmt></filedesc></eadheader>
<archdesc level="fonds"><did><unitid type="identifiant">AB/1</unitid><unittitle>Fonds</unittitle>
 <unitdate normal="1846-01-01/1846-12-31,1898-01-01/1932-12-31">1846, 1898-1932</unitdate></did>
<dsc><c01 level="series"><did><unittitle>S&#233;rie</unittitle></did>
  <c02><did><unitid type="cote-de-consultation">AB/1/1</unitid><unittitle>Dossier</unittitle><unitdate normal="1993-01-01 / 1994-12-31">1993-1994</unitdate></did></c02>
  <c02 level="otherlevel" otherlevel="Pi`+"\xe8"+`ce"><did><unittitle>Pi`+"\xe8"+`ce</unittitle></did></c02>
 </c01></dsc></archdesc></ead>`)
	want := []brief{
		{preservation.LevelBestand, "", "FR-1#/1", "AB/1", "Fonds", "1846-01-01", "1932-12-31"},
		{preservation.LevelGliederung, "FR-1#/1", "FR-1#/1/1", "", "Série", "", ""},
		{preservation.LevelAkte, "FR-1#/1/1", "FR-1#/1/1/1", "AB/1/1", "Dossier", "1993-01-01", "1994-12-31"},
		{preservation.LevelDokument, "FR-1#/1/1", "FR-1#/1/1/2", "", "Pièce", "", ""},
	}
	if d := cmp.Diff(want, briefs(fa.Units)); d != "" {
		t.Errorf("units (-want +got):\n%s", d)
	}
	if fa.Standard != ead.Standard2002 || fa.Title != "Répertoire" {
		t.Errorf("%+v", fa)
	}
	if got := codes(fa.Problems); !slicesEqual(got, []string{ead.CodeID, ead.CodeLevel}) {
		t.Errorf("problems %v", fa.Problems)
	}
}

func slicesEqual(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

func TestReadEAD3(t *testing.T) {
	fa := read(t, "\ufeff"+`<ead xmlns="http://ead3.archivists.org/schema/"><control><recordid>us-1</recordid>
<filedesc><titlestmt><titleproper>Papers</titleproper></titlestmt></filedesc>
<maintenanceagency><agencycode>US-MnU</agencycode><agencyname>UMN</agencyname></maintenanceagency></control>
<archdesc level="collection"><did><unittitle>Papers</unittitle>
 <unitdatestructured unitdatetype="inclusive"><daterange><fromdate standarddate="1820">1820</fromdate><todate>1972</todate></daterange></unitdatestructured>
 <unitid>Mss 60</unitid><physdescset><physdescstructured><quantity>4</quantity><unittype>boxes</unittype></physdescstructured></physdescset></did>
<accessrestrict><p>Access is restricted until 2025 due to the personal nature of the contents.</p></accessrestrict>
<dsc><c level="file"><did><unittitle>Letters</unittitle><unitdate>1901-05</unitdate>
 <dao href="https://img.example/1" daotype="derived"/></did></c></dsc></archdesc></ead>`)
	want := []brief{
		{preservation.LevelBestand, "", "us-1#/1", "Mss 60", "Papers", "1820", "1972"},
		{preservation.LevelAkte, "us-1#/1", "us-1#/1/1", "", "Letters", "1901", "1905"},
	}
	if d := cmp.Diff(want, briefs(fa.Units)); d != "" {
		t.Errorf("units (-want +got):\n%s", d)
	}
	top, l := fa.Units[0], fa.Units[1]
	if fa.Standard != ead.StandardEAD3 || fa.Agency != "US-MnU" || top.Extent != "4 boxes" || !top.Closure.Personal || top.Closure.Until != "2025-12-31" {
		t.Errorf("%+v %+v", fa, top)
	}
	if l.Extra[ead.ExtraDAO] != "derived https://img.example/1" || l.Extra[ead.ExtraUnitdate] != "1901-05" {
		t.Errorf("letters %+v", l.Extra)
	}
}

func TestClosureStatements(t *testing.T) {
	for _, tc := range []struct {
		text              string
		personal, secrecy bool
		until             string
	}{
		{"Gesperrt bis 31.12.2030", false, false, "2030-12-31"},
		{"Sperrfrist bis 2030 (Depositalvertrag)", false, false, "2030-12-31"},
		{"Schutzfrist endet am 1.7.2031", false, false, "2031-07-01"},
		{"frei ab 1.1.2031", false, false, "2030-12-31"},
		{"Zugänglich ab 2031.", false, false, "2030-12-31"},
		{"Personenbezogene Schutzfrist nach § 10 Abs. 1 Satz 2 Nr. 3 SächsArchivG", true, false, ""},
		{"Unterliegt dem Steuergeheimnis", false, true, ""},
		{"Restricted until 2025.", false, false, "2025-12-31"},
		{"Benutzung nach Absprache", false, false, ""},
		{"Gesperrt bis 2030; personenbezogen. Frei ab 2041.", true, false, "2040-12-31"},
		{"gesperrt bis 31.02.2030", false, false, ""},
	} {
		fa := read(t, `<ead><eadheader><eadid>x</eadid></eadheader><archdesc level="fonds"><did><unittitle>T</unittitle></did>
<accessrestrict><p>`+tc.text+`</p></accessrestrict></archdesc></ead>`)
		c := fa.Units[0].Closure
		if c.Personal != tc.personal || c.Secrecy != tc.secrecy || c.Until != tc.until {
			t.Errorf("%q: %+v", tc.text, c)
		}
	}
	// The EAD(DDB)-WGM chronology of closure periods.
	fa := read(t, `<ead><eadheader><eadid>x</eadid></eadheader><archdesc level="fonds"><did><unittitle>T</unittitle></did>
<accessrestrict><p>LArchG</p><chronlist><chronitem><date normal="2010-12-31">31.12.2010</date><event>Schutzfrist Personen</event></chronitem></chronlist></accessrestrict>
<accessrestrict><chronlist><chronitem><date normal="2030-12-31">31.12.2030</date><event>Sperrfrist</event></chronitem></chronlist></accessrestrict>
<accessrestrict><chronlist><chronitem><date normal="2050-12-31">x</date><event>Erschließung</event></chronitem></chronlist></accessrestrict>
</archdesc></ead>`)
	if c := fa.Units[0].Closure; !c.Personal || c.Until != "2030-12-31" {
		t.Errorf("WGM: %+v", c)
	}
}

func TestDates(t *testing.T) {
	for _, tc := range []struct{ normal, text, from, to string }{
		{"1950/1960", "", "1950", "1960"},
		{"1950-02/1960-11-30", "", "1950-02", "1960-11-30"},
		{"19500101/19601231", "", "1950-01-01", "1960-12-31"},
		{" 1993-01-01 / 1994-12-31 ", "", "1993-01-01", "1994-12-31"},
		{"1950-01-01T00:00:00", "", "1950-01-01", "1950-01-01"},
		{"1960/1950", "1950-1960", "1950", "1960"},
		{"1950-02-30", "", "", ""},
		{"", "1950-60", "1950", "1960"},
		{"", "ca. 1900 - um 1910", "1900", "1910"},
		{"", "12.03.1950 - 4.5.1960", "1950-03-12", "1960-05-04"},
		{"", "o. D.", "", ""},
		{"", "Nr. 123", "", ""},
	} {
		fa := read(t, `<ead><eadheader><eadid>x</eadid></eadheader><archdesc level="fonds"><did><unittitle>T</unittitle><unitdate normal="`+tc.normal+`">`+tc.text+`</unitdate></did></archdesc></ead>`)
		u := fa.Units[0]
		if u.From != tc.from || u.To != tc.to {
			t.Errorf("%q %q: %q %q", tc.normal, tc.text, u.From, u.To)
		}
	}
}

func TestReadRefuses(t *testing.T) {
	deep := "<ead><archdesc level=\"fonds\"><did><unittitle>T</unittitle></did><dsc>" + strings.Repeat("<c>", 60) + strings.Repeat("</c>", 60) + "</dsc></archdesc></ead>"
	deepXML := "<ead>" + strings.Repeat("<x>", 600) + strings.Repeat("</x>", 600) + "</ead>"
	many := "<ead><archdesc level=\"fonds\"><dsc>" + strings.Repeat("<c/>", 200) + "</dsc></archdesc></ead>"
	for _, tc := range []struct {
		name, doc string
		lim       ead.Limits
		code      string
	}{
		{"not xml", "hello", ead.Limits{}, ead.CodeXML},
		{"empty", "", ead.Limits{}, ead.CodeXML},
		{"truncated", `<ead><archdesc level="fonds"><did>`, ead.Limits{}, ead.CodeXML},
		{"mets", `<mets xmlns="http://www.loc.gov/METS/"/>`, ead.Limits{}, ead.CodeNotEAD},
		{"other namespace", `<ead xmlns="urn:other"/>`, ead.Limits{}, ead.CodeNotEAD},
		{"no archdesc", `<ead><eadheader><eadid>x</eadid></eadheader></ead>`, ead.Limits{}, ead.CodeNoUnits},
		{"unknown entity", `<!DOCTYPE ead [<!ENTITY x SYSTEM "file:///etc/passwd">]><ead>&x;</ead>`, ead.Limits{}, ead.CodeXML},
		{"unit depth", deep, ead.Limits{}, ead.CodeLimit},
		{"element depth", deepXML, ead.Limits{}, ead.CodeLimit},
		{"units", many, ead.Limits{MaxUnits: 100}, ead.CodeLimit},
		{"bytes", many, ead.Limits{MaxBytes: 100}, ead.CodeLimit},
		{"encoding", `<?xml version="1.0" encoding="EBCDIC"?><ead/>`, ead.Limits{}, ead.CodeXML},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fa, err := ead.Read(strings.NewReader(tc.doc), "x.xml", tc.lim)
			if err != nil {
				t.Fatal(err)
			}
			if !fa.Problems.HasErrors() || fa.Problems[len(fa.Problems)-1].Code != tc.code || len(fa.Units) != 0 {
				t.Errorf("problems %v, %d units", fa.Problems, len(fa.Units))
			}
		})
	}
}

func TestReadTextLimitAndEncodings(t *testing.T) {
	long := strings.Repeat("Wort ", 1000)
	fa, err := ead.Read(strings.NewReader(`<ead><eadheader><eadid>x</eadid></eadheader><archdesc level="fonds"><did><unittitle>T</unittitle></did><scopecontent><p>`+long+`</p></scopecontent></archdesc></ead>`), "x", ead.Limits{MaxText: 100})
	if err != nil || len(fa.Units) != 1 || codes(fa.Problems)[0] != ead.CodeText || len(fa.Units[0].Scope) > 100 {
		t.Errorf("%v %v", err, fa.Problems)
	}
	// UTF-16 with a byte order mark.
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xFE})
	for _, r := range `<?xml version="1.0" encoding="UTF-16"?><ead><eadheader><eadid>u</eadid></eadheader><archdesc level="fonds"><did><unittitle>Größe</unittitle></did></archdesc></ead>` {
		b.Write([]byte{byte(r), byte(r >> 8)})
	}
	fa, err = ead.Read(&b, "x", ead.Limits{})
	if err != nil || len(fa.Units) != 1 || fa.Units[0].Title != "Größe" {
		t.Errorf("UTF-16: %v %v %+v", err, fa.Problems, fa.Units)
	}
}

func TestDuplicateIDsAndSignaturen(t *testing.T) {
	fa := read(t, `<ead><eadheader><eadid>x</eadid></eadheader><archdesc level="fonds"><did><unittitle>T</unittitle></did><dsc>
<c id="a" level="file"><did><unitid>1</unitid><unittitle>A</unittitle></did></c>
<c id="a" level="file"><did><unitid>1</unitid><unittitle>B</unittitle></did></c>
<c id="b" level="file"><did><unittitle>C</unittitle></did></c></dsc></archdesc></ead>`)
	want := []string{"x#/1", "x#/1/1", "x#/1/2", "x#b"}
	var got []string
	for _, u := range fa.Units {
		got = append(got, u.SourceID)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("SourceIDs (-want +got):\n%s", d)
	}
	if got := codes(fa.Problems); !slicesEqual(got, []string{ead.CodeID, ead.CodeSignatur}) {
		t.Errorf("problems %v", fa.Problems)
	}
}
