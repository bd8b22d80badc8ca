package formatcheck

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/magazin-archiv/magazin/internal/corpus"
)

func TestXMLWellFormed(t *testing.T) {
	latin1, _ := charmap.ISO8859_1.NewEncoder().String(`<?xml version="1.0" encoding="ISO-8859-1"?><Akte titel="Gemeindeverfassung">Größe</Akte>`)
	cp1252, _ := charmap.Windows1252.NewEncoder().String(`<?xml version="1.0" encoding="windows-1252"?><a>„Zitat“ €</a>`)
	utf16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(`<?xml version="1.0" encoding="UTF-16"?><a>ä</a>`)
	for name, doc := range map[string]string{
		"minimal":              `<a/>`,
		"declaration":          `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n<a>text</a>\n",
		"BOM":                  "\ufeff" + `<?xml version="1.0"?><a/>`,
		"comments and PIs":     "<!-- vor -->\n<?pi x?>\n<a><!-- in --><?pi?><![CDATA[<nicht>]]></a>\n<!-- nach -->\n",
		"namespaces":           `<x:a xmlns:x="urn:x" xmlns:y="urn:y" x:b="1" y:b="2"/>`,
		"internal entities":    `<!DOCTYPE a [<!ENTITY amt "Landratsamt"><!ENTITY zeichen 'x'>]><a>&amt; &zeichen; &amp;</a>`,
		"external entity":      `<!DOCTYPE a [<!ENTITY ext SYSTEM "ext.xml">]><a>&ext;</a>`,
		"character references": `<a>&#228;&#x20AC;</a>`,
		"ISO-8859-1":           latin1,
		"windows-1252":         cp1252,
		"UTF-16 with BOM":      utf16,
		"DOCTYPE with system":  `<!DOCTYPE a SYSTEM "a.dtd"><a/>`,
	} {
		r := check(t, []byte(doc), "fmt/101")
		want(t, name, r, true)
	}
	r := check(t, []byte(`<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><body><p>a&nbsp;b&auml;</p></body></html>`), "fmt/102")
	want(t, "XHTML with HTML entities", r, true)
}

func TestXMLMalformed(t *testing.T) {
	for name, doc := range map[string]string{
		"empty":               ``,
		"only a declaration":  `<?xml version="1.0"?>`,
		"unclosed":            `<a><b></a>`,
		"mismatched":          `<a></b>`,
		"two roots":           `<a/><b/>`,
		"text after root":     `<a/>junk`,
		"text before root":    `junk<a/>`,
		"unquoted attribute":  `<a b=c/>`,
		"duplicate attribute": `<a b="1" b="2"/>`,
		"undefined entity":    `<a>&nbsp;</a>`,
		"lone ampersand":      `<a>Müller & Söhne</a>`,
		"bad character":       "<a>\x01</a>",
		"invalid UTF-8":       "<a>\xff\xfe</a>",
		"late declaration":    ` <?xml version="1.0"?><a/>`,
		"declaration in body": `<a><?xml version="1.0"?></a>`,
		"truncated":           `<?xml version="1.0"?><Akte><Dokument>Te`,
		"unknown encoding":    `<?xml version="1.0" encoding="x-klingon"?><a/>`,
		"DOCTYPE after root":  `<a/><!DOCTYPE a>`,
		"two DOCTYPEs":        `<!DOCTYPE a><!DOCTYPE a><a/>`,
		"bad name":            `<1a/>`,
		"lt in attribute":     `<a b="<"/>`,
	} {
		r := check(t, []byte(doc), "fmt/101")
		want(t, name, r, false, CodeInvalid)
	}
	r := check(t, []byte(`<!DOCTYPE a SYSTEM "a.dtd"><a>&copy;</a>`), "fmt/101")
	want(t, "entity from the external DTD", r, false, CodeInvalid)
	if !hasMessage(r, "external DTD") {
		t.Errorf("message:\n%s", problemText(r.Problems))
	}
}

func TestXMLLimits(t *testing.T) {
	c, err := New(Options{Limits: Limits{MaxXMLDepth: 50, MaxXMLToken: 64 << 10}})
	if err != nil {
		t.Fatal(err)
	}
	deep := strings.Repeat("<a>", 51) + strings.Repeat("</a>", 51)
	want(t, "too deep", checkWith(t, c, []byte(deep), "fmt/101"), false, CodeLimit)
	want(t, "deep enough", checkWith(t, c, []byte(strings.Repeat("<a>", 50)+strings.Repeat("</a>", 50)), "fmt/101"), true)

	long := "<a>" + strings.Repeat("x", 1<<20) + "</a>"
	want(t, "long text node", checkWith(t, c, []byte(long), "fmt/101"), false, CodeLimit)
	longAttr := `<a b="` + strings.Repeat("x", 1<<20) + `"/>`
	want(t, "long attribute", checkWith(t, c, []byte(longAttr), "fmt/101"), false, CodeLimit)
	// many short tokens are fine
	many := "<a>" + strings.Repeat("<b>x</b>", 100000) + "</a>"
	want(t, "many tokens", checkWith(t, c, []byte(many), "fmt/101"), true)
}

// Entities are inserted literally, so nested definitions cannot expand
// ("billion laughs").
func TestXMLEntityBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE lolz [<!ENTITY lol "lol">`)
	prev := "lol"
	for i := range 10 {
		name := "lol" + string(rune('a'+i))
		b.WriteString(`<!ENTITY ` + name + ` "` + strings.Repeat("&"+prev+";", 10) + `">`)
		prev = name
	}
	b.WriteString(`]><lolz>&` + prev + `;</lolz>`)
	start := time.Now()
	r := check(t, []byte(b.String()), "fmt/101")
	if time.Since(start) > 5*time.Second {
		t.Errorf("entity bomb took %v", time.Since(start))
	}
	want(t, "billion laughs", r, true)
}

func TestXML11NotChecked(t *testing.T) {
	for _, c := range []struct{ puid, doc string }{
		{"fmt/1776", `<?xml version="1.1"?><a/>`},
		{"fmt/101", `<?xml version="1.1"?><a/>`},
	} {
		r := check(t, []byte(c.doc), c.puid)
		if r.Checked || r.Valid || len(r.Problems) > 0 || !strings.Contains(r.Detail, "XML 1.1") {
			t.Errorf("%s: %+v", c.puid, r)
		}
	}
}

// Every XML file of the xdomea and EAD corpus is well-formed.
func TestXMLCorpus(t *testing.T) {
	n := 0
	for _, sub := range []string{"xdomea", "ead"} {
		root := corpus.Dir(t, sub)
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".xml") || strings.HasSuffix(p, ".xsd")) {
				return err
			}
			n++
			puid := "fmt/101"
			if strings.HasSuffix(p, ".xsd") {
				puid = "x-fmt/280"
			}
			r, err := Check(t.Context(), p, puid)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(root, p)
			want(t, filepath.Join(sub, rel), r, true)
			return nil
		})
	}
	if n < 50 {
		t.Errorf("only %d XML files in the corpus", n)
	}
}

func TestParseDOCTYPE(t *testing.T) {
	ext, ents := parseDOCTYPE([]byte(`DOCTYPE a PUBLIC "-//X//EN" "a.dtd" [<!ENTITY % p "x"><!ENTITY e "1"><!ENTITY e "2"><!ENTITY f SYSTEM "f.xml">]`))
	if !ext || len(ents) != 2 || ents["e"] != "1" || ents["f"] != "" {
		t.Errorf("external %v entities %v", ext, ents)
	}
	ext, ents = parseDOCTYPE([]byte(`DOCTYPE a`))
	if ext || ents != nil {
		t.Errorf("plain DOCTYPE: %v %v", ext, ents)
	}
}
