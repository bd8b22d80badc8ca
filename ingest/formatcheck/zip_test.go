package formatcheck

import (
	"archive/zip"
	"bytes"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/internal/corpus"
)

func TestZipValid(t *testing.T) {
	z := buildZip(t,
		zent{name: "akte/", method: zip.Store},
		zent{name: "akte/brief.txt", data: strings.Repeat("Sehr geehrte Damen und Herren, ", 100), method: zip.Deflate},
		zent{name: "akte/leer.txt", method: zip.Store},
		zent{name: "akte/bild.png", data: string(pngBytes(t, 10, 10)), method: zip.Store},
	)
	r := check(t, z, "x-fmt/263")
	want(t, "valid ZIP", r, true)
	if r.Tool != "Go archive/zip" {
		t.Errorf("tool %q", r.Tool)
	}
	want(t, "empty ZIP", check(t, buildZip(t), "x-fmt/263"), true)
}

func TestZipCRCError(t *testing.T) {
	payload := "Inhalt, der beschädigt wird"
	z := buildZip(t, zent{name: "a.txt", data: "gut", method: zip.Store}, zent{name: "b.txt", data: payload, method: zip.Store})
	i := bytes.Index(z, []byte(payload))
	bad := bytes.Clone(z)
	bad[i+3] ^= 0x20
	r := check(t, bad, "x-fmt/263")
	want(t, "stored member with a flipped bit", r, false, CodeInvalid)
	if !hasMessage(r, `"b.txt": CRC-32 mismatch`) {
		t.Errorf("message:\n%s", problemText(r.Problems))
	}

	// a damaged deflate stream
	z = buildZip(t, zent{name: "c.txt", data: strings.Repeat("abcdefgh", 1000), method: zip.Deflate})
	h := localHeaders(z)[0]
	bad = bytes.Clone(z)
	bad[h+30+len("c.txt")+5] ^= 0xff
	want(t, "damaged deflate data", check(t, bad, "x-fmt/263"), false, CodeInvalid)
}

func TestZipTruncated(t *testing.T) {
	z := buildZip(t, zent{name: "a.txt", data: strings.Repeat("x", 5000), method: zip.Deflate})
	for _, n := range []int{len(z) - 10, len(z) / 2, 3, 0} {
		r := check(t, z[:n], "x-fmt/263")
		want(t, "truncated ZIP", r, false, CodeInvalid)
	}
}

func TestZipEncryptedMembers(t *testing.T) {
	z := setEncryptedFlag(buildZip(t, zent{name: "geheim.txt", data: "x", method: zip.Store}, zent{name: "b.txt", data: "y", method: zip.Store}))
	r := check(t, z, "x-fmt/263")
	want(t, "encrypted members", r, true, CodeEncrypted)
	if !hasMessage(r, `2 ZIP member(s) encrypted, not checked: "geheim.txt", "b.txt"`) {
		t.Errorf("message:\n%s", problemText(r.Problems))
	}
}

func TestZipDuplicateAndMethod(t *testing.T) {
	z := buildZip(t, zent{name: "a.txt", data: "1"}, zent{name: "a.txt", data: "2"})
	want(t, "duplicate member", check(t, z, "x-fmt/263"), false, CodeInvalid)

	z = buildZip(t, zent{name: "a.txt", data: "1", method: zip.Store})
	bad := bytes.Clone(z)
	for _, off := range []int{localHeaders(z)[0] + 8, bytes.Index(z, []byte("PK\x01\x02")) + 10} {
		bad[off] = 12 // bzip2
	}
	r := check(t, bad, "x-fmt/263")
	want(t, "bzip2 member", r, true)
	if !strings.Contains(r.Detail, "method 12") {
		t.Errorf("detail %q", r.Detail)
	}
}

func TestZipLimits(t *testing.T) {
	c, err := New(Options{Limits: Limits{MaxZipEntries: 2}})
	if err != nil {
		t.Fatal(err)
	}
	z := buildZip(t, zent{name: "a"}, zent{name: "b"}, zent{name: "c"})
	want(t, "too many entries", checkWith(t, c, z, "x-fmt/263"), false, CodeLimit)

	c, err = New(Options{Limits: Limits{MaxZipUncompressed: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	z = buildZip(t, zent{name: "a", data: strings.Repeat("x", 600), method: zip.Deflate}, zent{name: "b", data: strings.Repeat("x", 600), method: zip.Deflate})
	r := checkWith(t, c, z, "x-fmt/263")
	want(t, "too much to decompress", r, false, CodeLimit)
	if !hasMessage(r, `from "b" on`) {
		t.Errorf("message:\n%s", problemText(r.Problems))
	}

	c, err = New(Options{Limits: Limits{MaxZipDirectory: 50}})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "large central directory", checkWith(t, c, z, "x-fmt/263"), false, CodeLimit)
}

func TestODF(t *testing.T) {
	want(t, "valid ODT", check(t, buildZip(t, odtEntries()...), "fmt/291"), true)

	es := odtEntries()
	es[0].method = zip.Deflate
	r := check(t, buildZip(t, es...), "fmt/291")
	want(t, "compressed mimetype", r, false, CodeInvalid)

	es = odtEntries()
	es[0], es[1] = es[1], es[0]
	r = check(t, buildZip(t, es...), "fmt/291")
	want(t, "mimetype not first", r, false, CodeInvalid)
	if !hasMessage(r, `first member is not "mimetype"`) {
		t.Errorf("message:\n%s", problemText(r.Problems))
	}

	es = odtEntries()
	es[0].data = "text/plain"
	want(t, "wrong mimetype", check(t, buildZip(t, es...), "fmt/291"), false, CodeInvalid)

	es = odtEntries()
	es[0].extra = []byte{0xfe, 0xca, 0, 0}
	want(t, "mimetype with extra field", check(t, buildZip(t, es...), "fmt/291"), false, CodeInvalid)

	es = odtEntries()[:2]
	r = check(t, buildZip(t, es...), "fmt/291")
	want(t, "no manifest", r, false, CodeInvalid)

	es = odtEntries()
	es[2].data = "<manifest:manifest"
	r = check(t, buildZip(t, es...), "fmt/291")
	want(t, "malformed manifest", r, false, CodeInvalid)
	if !hasMessage(r, "not well-formed XML") {
		t.Errorf("message:\n%s", problemText(r.Problems))
	}

	es = odtEntries()
	es[2].data = strings.Replace(odfManifest, `manifest:media-type="text/xml"/>`,
		`manifest:media-type="text/xml"><manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"/></manifest:file-entry>`, 1)
	r = check(t, buildZip(t, es...), "fmt/291")
	want(t, "encrypted ODT", r, true, CodeEncrypted)
}

func TestOOXML(t *testing.T) {
	want(t, "valid DOCX", check(t, buildZip(t, docxEntries()...), "fmt/412"), true)
	r := check(t, buildZip(t, docxEntries()[1:]...), "fmt/412")
	want(t, "no [Content_Types].xml", r, false, CodeInvalid)
	es := docxEntries()
	es[0].data = "<Types"
	want(t, "malformed [Content_Types].xml", check(t, buildZip(t, es...), "fmt/214"), false, CodeInvalid)
	// a plain ZIP needs none of this
	want(t, "DOCX parts as a plain ZIP", check(t, buildZip(t, docxEntries()[2:]...), "x-fmt/263"), true)
}

// The ODF and OOXML documents of the corpus are intact; Archivematica's
// hand-broken ZIP is not.
func TestZipCorpus(t *testing.T) {
	root := corpus.Dir(t, "format-id/format-corpus-subset")
	n := 0
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		var puid string
		switch strings.ToLower(filepath.Ext(p)) {
		case ".odt":
			puid = "fmt/291"
		case ".ods":
			puid = "fmt/295"
		case ".docx":
			puid = "fmt/412"
		case ".xlsx":
			puid = "fmt/214"
		default:
			return nil
		}
		n++
		r, err := Check(t.Context(), p, puid)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, p)
		want(t, rel, r, true)
		return nil
	})
	if n < 5 {
		t.Errorf("only %d office documents in the corpus", n)
	}
	broken := filepath.Join(corpus.Dir(t, "archivematica-sampledata/TestTransfers/broken_package_format_types"), "zip", "broken-cp437.zip")
	r, err := Check(t.Context(), broken, "x-fmt/263")
	if err != nil {
		t.Fatal(err)
	}
	want(t, "broken-cp437.zip", r, false, CodeInvalid)
}
