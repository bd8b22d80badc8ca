package policy

// builtinLayer is the default table (docs/format-policy.md). Sources: the
// KLA recommendation of 2017 on PDF/A, KOST's Katalog archivischer
// Dateiformate (KaD) and the Swiss Federal Archives' list. Every PUID was
// checked against PRONOM (DROID signature file V120, as embedded in
// siegfried 1.11.2).
func builtinLayer() Layer {
	return Layer{
		Unlisted: &Fallback{Flag, "Format ist in der Formatpolitik nicht verzeichnet: Einzelfallprüfung durch das Archiv"},
		Rules: []Rule{
			{[]string{Unknown}, Flag,
				"Format nicht identifiziert: Einzelfallprüfung durch das Archiv"},

			// PDF/A
			{[]string{"fmt/95", "fmt/354"}, Preferred,
				"PDF/A-1 (ISO 19005-1): von der KLA (2017) für die Aufbewahrung empfohlen"},
			{[]string{"fmt/476", "fmt/477", "fmt/478"}, Preferred,
				"PDF/A-2 (ISO 19005-2): von KLA (2017) und KOST empfohlen, PDF/A-2u bevorzugt für Text"},
			{[]string{"fmt/479", "fmt/480", "fmt/481"}, Flag,
				"PDF/A-3 erlaubt eingebettete Dateien beliebigen Formats; nach KLA (2017) nur, wenn Original und PDF/A in einer Datei übergeben werden müssen (z. B. ZUGFeRD): Anhänge prüfen"},
			{[]string{"fmt/1910", "fmt/1911"}, Accepted,
				"PDF/A-4 (ISO 19005-4): noch nicht in den Empfehlungen von KLA und KOST; wird übernommen"},
			{[]string{"fmt/1912"}, Flag,
				"PDF/A-4f erlaubt eingebettete Dateien beliebigen Formats: Anhänge prüfen"},

			// PDF without the PDF/A claim
			{[]string{"fmt/14", "fmt/15", "fmt/16", "fmt/17", "fmt/18", "fmt/19", "fmt/20", "fmt/276", "fmt/1129"}, Accepted,
				"PDF ohne PDF/A-Kennung: wird übernommen und zur Erhaltung nach PDF/A-2b migriert"},
			{[]string{"fmt/144", "fmt/145", "fmt/146", "fmt/147", "fmt/148", "fmt/157", "fmt/158",
				"fmt/488", "fmt/489", "fmt/490", "fmt/491", "fmt/492", "fmt/493"}, Accepted,
				"PDF/X bzw. PDF/E (Druckvorstufe, Technik): wird übernommen und nach PDF/A-2b migriert"},
			{[]string{"fmt/1451"}, Flag,
				"PDF-Portfolio: Sammlung eingebetteter Dateien, die einzeln übergeben werden sollten"},

			// Raster images
			{[]string{"fmt/353", "fmt/10"}, Preferred,
				"TIFF: verlustfreies Archivformat für Rastergrafiken (KOST, Schweizerisches Bundesarchiv)"},
			{[]string{"fmt/155"}, Preferred,
				"GeoTIFF: TIFF mit Georeferenzierung"},
			{[]string{"fmt/7", "fmt/8", "fmt/9", "fmt/153", "fmt/154", "fmt/156", "fmt/1917"}, Accepted,
				"TIFF-Variante (ältere Revision, TIFF/IT, TIFF/EP, TIFF-FX oder BigTIFF): wird übernommen"},
			{[]string{"fmt/11", "fmt/12", "fmt/13"}, Preferred,
				"PNG (ISO/IEC 15948): verlustfrei, offen standardisiert"},
			{[]string{"fmt/935"}, Accepted,
				"Animiertes PNG: wird übernommen; nicht jedes Programm zeigt die Animation"},
			{[]string{"x-fmt/392"}, Preferred,
				"JPEG 2000 (JP2, ISO/IEC 15444-1): von KOST und vom Schweizerischen Bundesarchiv für Bilder empfohlen"},
			{[]string{"fmt/151", "fmt/1794"}, Accepted,
				"JPEG 2000 (JPX bzw. Codestream ohne JP2-Hülle): wird übernommen"},
			{[]string{"fmt/41", "fmt/42", "fmt/43", "fmt/44", "fmt/645", "fmt/1507", "x-fmt/390", "x-fmt/391", "x-fmt/398"}, Accepted,
				"JPEG: verlustbehaftet, aber in der Praxis akzeptiert (KOST); wird unverändert übernommen"},
			{[]string{"x-fmt/387", "x-fmt/388", "x-fmt/399"}, Accepted,
				"Exif (unkomprimiert, TIFF-basiert): wird übernommen"},
			{[]string{"fmt/152", "fmt/436", "fmt/437", "fmt/438", "fmt/730", "fmt/1841", "fmt/1842", "fmt/1943"}, Accepted,
				"DNG: von KOST für digitale Fotografien genannt; wird übernommen"},
			{[]string{"fmt/3", "fmt/4"}, Accepted,
				"GIF: höchstens 256 Farben; wird übernommen"},
			{[]string{"fmt/114", "fmt/115", "fmt/116", "fmt/117", "fmt/118", "fmt/119"}, Accepted,
				"Windows Bitmap: unkomprimiert und verbreitet; wird übernommen"},
			{[]string{"fmt/566", "fmt/567", "fmt/568"}, Accepted,
				"WebP: wird übernommen; für die Erhaltung nach PNG zu migrieren"},
			{[]string{"fmt/91", "fmt/92", "fmt/413"}, Accepted,
				"SVG: XML-basierte Vektorgrafik; kann auf externe Ressourcen verweisen"},

			// Text and structured data
			{[]string{"x-fmt/111", "x-fmt/16", "x-fmt/22"}, Preferred,
				"Reiner Text: das dauerhafteste Format (KOST, Schweizerisches Bundesarchiv)"},
			{[]string{"x-fmt/283", "x-fmt/14", "x-fmt/15", "x-fmt/130"}, Accepted,
				"Text in einem 8-Bit-Zeichensatz: wird übernommen; der Zeichensatz ist nicht deklariert"},
			{[]string{"x-fmt/18"}, Preferred,
				"CSV: Tabellen als reiner Text (Schweizerisches Bundesarchiv)"},
			{[]string{"fmt/101", "x-fmt/280"}, Preferred,
				"XML bzw. XML Schema: offen, selbstbeschreibend (Schweizerisches Bundesarchiv)"},
			{[]string{"fmt/1776"}, Accepted,
				"XML 1.1: wird übernommen; wenig verbreitet"},
			{[]string{"fmt/817", "fmt/1367"}, Accepted,
				"JSON bzw. GeoJSON: offenes Textformat für strukturierte Daten"},
			{[]string{"x-fmt/227", "fmt/1047", "fmt/244", "fmt/1700"}, Accepted,
				"Geodaten (GML, KML, GeoPackage): offene Standards; wird übernommen"},
			{[]string{"fmt/96", "fmt/97", "fmt/98", "fmt/99", "fmt/100", "fmt/471", "fmt/102", "fmt/103"}, Accepted,
				"HTML/XHTML: wird übernommen; die Darstellung kann von externen Ressourcen abhängen"},
			{[]string{"fmt/1149"}, Accepted,
				"Markdown: reiner Text mit Auszeichnung"},
			{[]string{"fmt/995", "fmt/1196", "fmt/1777"}, Preferred,
				"SIARD 2 (eCH-0165): Archivformat für relationale Datenbanken"},
			{[]string{"fmt/161"}, Accepted,
				"SIARD 1.0: wird übernommen; SIARD 2 bevorzugt"},

			// Office documents
			{[]string{"fmt/135", "fmt/136", "fmt/137", "fmt/138", "fmt/139",
				"fmt/290", "fmt/291", "fmt/292", "fmt/293", "fmt/294", "fmt/295", "fmt/296", "fmt/297",
				"fmt/1753", "fmt/1754", "fmt/1755", "fmt/1756"}, Accepted,
				"OpenDocument (ISO/IEC 26300): offen; wird übernommen und nach PDF/A migriert, das Original bleibt erhalten"},
			{[]string{"fmt/189", "fmt/412", "fmt/214", "fmt/215", "fmt/1827", "fmt/1828", "fmt/1829",
				"fmt/597", "fmt/598", "fmt/629", "fmt/631"}, Accepted,
				"Office Open XML (ISO/IEC 29500): wird übernommen und nach PDF/A migriert, das Original bleibt erhalten"},
			{[]string{"fmt/37", "fmt/38", "fmt/39", "fmt/40", "fmt/609",
				"fmt/55", "fmt/56", "fmt/57", "fmt/58", "fmt/59", "fmt/60", "fmt/61", "fmt/62", "fmt/595",
				"fmt/125", "fmt/126"}, Accepted,
				"Microsoft-Office-Binärformat (proprietär): wird übernommen und nach PDF/A migriert"},
			{[]string{"fmt/45", "fmt/46", "fmt/47", "fmt/48", "fmt/49", "fmt/50", "fmt/51", "fmt/52", "fmt/53", "fmt/355", "fmt/969"}, Accepted,
				"RTF: wird übernommen und nach PDF/A migriert"},
			{[]string{"fmt/445", "fmt/487", "fmt/523", "fmt/599", "fmt/627", "fmt/628", "fmt/630", "fmt/632", "fmt/633", "fmt/636"}, Flag,
				"Office-Dokument mit Makros (ausführbarer Code): Inhalt und Makros prüfen"},
			{[]string{"fmt/494", "fmt/754", "fmt/755", "fmt/1424", "fmt/1807", "fmt/1808", "fmt/1809"}, Flag,
				"Verschlüsselt oder kennwortgeschützt: ohne Kennwort nicht lesbar und nicht erhaltbar"},
			{[]string{"fmt/140", "fmt/424", "fmt/444", "fmt/1752"}, Flag,
				"Datenbankdatei: für die Archivierung ist SIARD vorzuziehen"},

			// E-mail
			{[]string{"fmt/278", "fmt/950", "fmt/720"}, Accepted,
				"E-Mail (RFC 5322/MIME bzw. MBOX): offen; wird übernommen"},
			{[]string{"x-fmt/430"}, Accepted,
				"Outlook-Nachricht (MSG, proprietär): wird übernommen und migriert"},
			{[]string{"x-fmt/248", "x-fmt/249"}, Flag,
				"Outlook-Postfachdatei (PST): sollte als einzelne Nachrichten übergeben werden"},

			// Audio and video
			{[]string{"fmt/6", "fmt/141", "fmt/142", "fmt/143", "fmt/1", "fmt/2", "fmt/527",
				"fmt/703", "fmt/704", "fmt/705", "fmt/709", "fmt/710", "fmt/711"}, Preferred,
				"WAVE bzw. Broadcast WAVE (PCM): Archivformat für Audio (KOST, Schweizerisches Bundesarchiv)"},
			{[]string{"fmt/279"}, Preferred,
				"FLAC: verlustfrei komprimiertes Audio, offen"},
			{[]string{"fmt/706", "fmt/707", "fmt/708", "fmt/713", "fmt/134", "fmt/414", "x-fmt/135", "fmt/203", "fmt/946"}, Accepted,
				"Audio (MPEG-kodiertes BWF, RF64, MP3, AIFF, Ogg): wird übernommen"},
			{[]string{"fmt/569"}, Preferred,
				"Matroska: Container für FFV1-Video; der Codec wird nicht geprüft"},
			{[]string{"fmt/199"}, Preferred,
				"MPEG-4 (H.264/AAC): von KOST toleriert, vom Schweizerischen Bundesarchiv gelistet"},
			{[]string{"fmt/337", "x-fmt/385", "x-fmt/386", "fmt/585", "fmt/640", "fmt/649"}, Accepted,
				"Video (Motion JPEG 2000, MPEG-1/-2): wird übernommen"},

			// Web archives
			{[]string{"fmt/289", "fmt/1281", "fmt/1355"}, Accepted,
				"WARC (ISO 28500): Format für Webarchive"},

			// Containers
			{[]string{"x-fmt/263", "fmt/484", "x-fmt/264", "fmt/411", "fmt/613", "x-fmt/265", "x-fmt/266",
				"x-fmt/267", "x-fmt/268", "x-fmt/414"}, Flag,
				"Archivdatei (ZIP, 7z, RAR, TAR, GZIP, CAB): der Inhalt sollte entpackt übergeben werden"},
			{[]string{"fmt/468"}, Flag,
				"Datenträgerabbild (ISO 9660): der Inhalt sollte als Dateien übergeben werden"},

			// Executables and the like
			{[]string{"x-fmt/409", "x-fmt/410", "x-fmt/411", "fmt/899", "fmt/900",
				"fmt/688", "fmt/689", "fmt/690", "fmt/691", "fmt/692", "fmt/693", "fmt/694", "fmt/695",
				"fmt/1070", "fmt/1672", "fmt/1466"}, Reject,
				"Ausführbares Programm: wird nicht übernommen (kein Schriftgut; Gefahr für die Systeme)"},
			{[]string{"x-fmt/412", "x-fmt/415"}, Reject,
				"Java-Programm (JAR bzw. class): wird nicht übernommen"},
			{[]string{"x-fmt/413", "fmt/1089"}, Reject,
				"Ausführbares Skript (Batch, VBScript): wird nicht übernommen"},
			{[]string{"x-fmt/428", "x-fmt/454"}, Reject,
				"Verknüpfung ohne eigenen Inhalt: stattdessen die verknüpfte Datei übergeben"},
		},
	}
}
