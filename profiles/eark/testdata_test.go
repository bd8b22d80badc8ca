//go:build writetestdata

package eark

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testdataCases are the packages in testdata/eark, written by
// TestWriteTestdata from the same builder the unit tests use.
var testdataCases = map[string]testPackage{
	"valid/sip-2024-017": {schemas: true},
	// Two representations: the records (rep1) and access copies (rep2).
	"valid/sip-2024-018-two-representations": {access: map[string]string{
		"Akte 1/Brief.txt": "Sehr geehrte Damen und Herren, (Zugangsfassung)\n", "Lesefassung.txt": "Bauakte Musterstraße 1\n"}},
	"bad/CSIPSTR4_mets_xml_in_lower_case": {after: func(t *testing.T, root string) {
		if err := os.Rename(filepath.Join(root, "METS.xml"), filepath.Join(root, "mets.xml")); err != nil {
			t.Fatal(err)
		}
	}},
	"bad/EARK_METS_SYNTAX_not_well_formed":         {metsEdit: replace("</mets>", "</mets")},
	"bad/CSIP2_type_not_in_vocabulary":             {metsEdit: replace(`TYPE="Mixed"`, `TYPE="Akten"`)},
	"bad/CSIP9_no_oaispackagetype":                 {metsEdit: replace(` csip:OAISPACKAGETYPE="SIP">`+"\n    <agent ROLE=\"CREATOR\" TYPE=\"OTHER\"", ">\n    <agent ROLE=\"CREATOR\" TYPE=\"OTHER\"")},
	"bad/EARK_NAMESPACE_csip_namespace_lower_case": {metsEdit: replace(`xmlns:csip="https://DILCIS.eu/`, `xmlns:csip="https://dilcis.eu/`)},
	"bad/EARK_MISSING_data_file_absent": {after: func(t *testing.T, root string) {
		if err := os.Remove(filepath.Join(root, "representations/rep1/data/Übersicht.csv")); err != nil {
			t.Fatal(err)
		}
	}},
	"bad/EARK_CHECKSUM_premis_changed_after_packing": {after: func(t *testing.T, root string) {
		writeFile(t, root, "metadata/preservation/premis.xml", strings.Replace(premisFixture, "3.0", "3.1", 1))
	}},
	"bad/EARK_SIZE_size_of_ead_wrong":        {metsEdit: replace(`SIZE="`, `SIZE="1`)},
	"bad/EARK_HREF_reference_leaves_package": {repEdit: replace(`xlink:href="data/Akte 1/Brief.txt"`, `xlink:href="../../../Brief.txt"`)},
	"bad/EARK_METS_SCHEMA_no_objid":          {schemas: true, metsEdit: replace(`OBJID="EARK_METS_SCHEMA_no_objid" `, ``)},
	"bad/CSIP71_file_without_checksum":       {repEdit: replace(`CHECKSUM="`+sha256hex(briefText)+`" CHECKSUMTYPE="SHA-256"`, ``)},
	"bad/CSIP116_fptr_to_missing_filegrp":    {metsEdit: replace(`<fptr FILEID="grp-doc"/>`, `<fptr FILEID="grp-docs"/>`)},
}

// TestWriteTestdata rewrites testdata/eark. It is a generator, not a
// check, so it is built only with a tag:
//
//	go test -tags writetestdata -run TestWriteTestdata ./profiles/eark
func TestWriteTestdata(t *testing.T) {
	base := filepath.Join("..", "..", "testdata", "eark")
	for rel, p := range testdataCases {
		p.name = filepath.Base(rel)
		src := makePackage(t, p)
		dst := filepath.Join(base, filepath.FromSlash(rel))
		if err := os.RemoveAll(dst); err != nil {
			t.Fatal(err)
		}
		err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			r, _ := filepath.Rel(src, path)
			if d.IsDir() {
				return os.MkdirAll(filepath.Join(dst, r), 0o755)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dst, r), b, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
