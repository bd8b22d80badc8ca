// Package eadtest writes synthetic EAD(DDB) 1.2 finding aids for tests and
// benchmarks of the EAD import and export.
package eadtest

import (
	"bufio"
	"fmt"
	"io"
)

// Findbuch writes an EAD(DDB) 1.2 Findbuch with id (eadid and the
// Bestand's c/@id) and n Akten in Gliederungen of 100 (ten classes of ten
// series, as far as needed). Akte i has the Signatur "<id> Nr. <i>", the
// title "Akte <i>", a Laufzeit, an Enthält note, an index person and
// place; every 50th is person-related by its accessrestrict, every 70th
// carries a Sperrvermerk. Orders and texts are deterministic.
func Findbuch(w io.Writer, id string, n int) error {
	b := bufio.NewWriterSize(w, 1<<20)
	fmt.Fprintf(b, `<?xml version="1.0" encoding="UTF-8"?>
<ead xmlns="urn:isbn:1-931666-22-9" xmlns:xlink="http://www.w3.org/1999/xlink" audience="external">
<eadheader countryencoding="iso3166-1" dateencoding="iso8601" langencoding="iso639-2b" repositoryencoding="iso15511" scriptencoding="iso15924">
<eadid mainagencycode="DE-14">%[1]s</eadid>
<filedesc><titlestmt><titleproper>Synthetischer Bestand %[1]s</titleproper></titlestmt></filedesc>
<profiledesc><creation><date normal="2026-11-26">26.11.2026</date></creation></profiledesc>
</eadheader>
<archdesc level="collection" type="Findbuch">
<did><unitid>%[1]s</unitid><repository><corpname role="Staatliche Archive" id="DE-14">Sächsisches Staatsarchiv</corpname></repository></did>
<dsc>
<c level="collection" id="%[1]s">
<did><unitid>%[1]s</unitid><unittitle>Synthetischer Bestand %[1]s</unittitle><unitdate normal="1900/1990">1900-1990</unitdate>
<origination>Landratsamt Musterkreis</origination><physdesc><extent>%[2]d Akten</extent></physdesc></did>
<scopecontent><p>Ein Bestand für Tests &amp; Messungen.</p></scopecontent>
`, id, n)
	for i := 1; i <= n; i++ {
		if (i-1)%1000 == 0 {
			if i > 1 {
				b.WriteString("</c>\n</c>\n")
			}
			cl := (i-1)/1000 + 1
			fmt.Fprintf(b, "<c level=\"class\" id=\"%s-k%d\"><did><unitid>%d</unitid><unittitle>Klasse %d</unittitle></did>\n", id, cl, cl, cl)
			fmt.Fprintf(b, "<c level=\"series\" id=\"%s-s%d\"><did><unitid>%d.1</unitid><unittitle>Serie %d.1</unittitle></did>\n", id, (i-1)/100+1, cl, cl)
		} else if (i-1)%100 == 0 {
			s := (i-1)/100 + 1
			fmt.Fprintf(b, "</c>\n<c level=\"series\" id=\"%s-s%d\"><did><unitid>%d.%d</unitid><unittitle>Serie %d.%d</unittitle></did>\n",
				id, s, (i-1)/1000+1, (s-1)%10+1, (i-1)/1000+1, (s-1)%10+1)
		}
		from, to := 1900+i%80, 1905+i%80
		fmt.Fprintf(b, `<c level="file" id="%[1]s-a%[2]d"><did><unitid>%[1]s Nr. %[2]d</unitid><unittitle>Akte %[2]d über Bauanträge</unittitle>`+
			`<unitdate normal="%[3]d/%[4]d">%[3]d-%[4]d</unitdate><abstract type="enthält">Enthält u. a.: Schriftwechsel %[2]d</abstract>`+
			`<physdesc><genreform normal="Akten">Akte</genreform></physdesc></did>`, id, i, from, to)
		switch {
		case i%50 == 0:
			b.WriteString(`<accessrestrict><p>Personenbezogenes Archivgut</p></accessrestrict>`)
		case i%70 == 0:
			b.WriteString(`<accessrestrict><p>Gesperrt bis 31.12.2070</p></accessrestrict>`)
		}
		fmt.Fprintf(b, `<index><indexentry><persname>Person %d</persname></indexentry><indexentry><geogname>Ort %d</geogname></indexentry></index></c>`+"\n", i, i%37)
	}
	if n > 0 {
		b.WriteString("</c>\n</c>\n")
	}
	b.WriteString("</c>\n</dsc>\n</archdesc>\n</ead>\n")
	return b.Flush()
}
