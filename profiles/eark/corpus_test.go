package eark

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/preservation"
)

// corpusRow is one row of the E-ARK IP test corpus's EXPECTED.tsv: a
// package and the verdict a testCase.xml rule gives it.
type corpusRow struct {
	spec, req, rule, errLevel, pkg, isValid, isImplemented, path string
}

// id names a row in knownGaps: requirement, rule and package path.
func (r corpusRow) id() string {
	return r.req + "#" + r.rule + " " + strings.TrimPrefix(r.path, "corpus/")
}

// wantError: the rule says the package violates a requirement at ERROR
// level. SHOULD- and MAY-level rules (WARNING, INFO) mark packages
// isValid=FALSE too; those are valid with a warning (WARNING) or without
// one (INFO, e.g. an optional attribute left out).
func (r corpusRow) wantError() bool { return r.isValid == "FALSE" && r.errLevel == "ERROR" }

func (r corpusRow) wantWarning() bool { return r.isValid == "FALSE" && r.errLevel == "WARNING" }

// knownGaps are corpus rows on which magazin knowingly disagrees with the
// test corpus, at package level (valid or not) or at requirement level (the
// rule's requirement cited in an error, or for a WARNING rule in a
// warning), with the reason. Each must still disagree: a gap that closes
// must be removed.
var knownGaps = map[string]string{}

// Reasons shared by fixtures of the corpus that are made for one
// structure requirement (CSIPSTR) and do not meet others; magazin judges
// the requirement under test as the corpus does, but rejects the package.
const (
	emptyMETSFixture = "structure fixture for this requirement only: its METS.xml is an empty file, which no archive " +
		"can accept as a package (EARK_METS_SYNTAX); the requirement itself is judged as the corpus does"
	databaseFixture = "structure fixture for this requirement only: its METS.xml declares mets/@TYPE \"Database\", " +
		"which is not in the content category vocabulary (\"Databases\" is), an error by the corpus's own CSIP2 rule 2 " +
		"(and the superseded E-ARK 1.x profile); the requirement itself is judged as the corpus does"
)

func init() {
	for _, id := range []string{
		"CSIPSTR9#1 CSIP/CSIPSTR10/valid/IP_18000_CSIPSTR10_1",
		"CSIPSTR12#1 CSIP/CSIPSTR12/valid/IP_18000_CSIPSTR12_1",
		"CSIPSTR14#1 CSIP/CSIPSTR14/valid/representation_folder_has_additional_folder",
		"CSIPSTR14#1 CSIP/CSIPSTR14/valid/IP_folder_and_rep_folder_have_additional_folder",
		"CSIPSTR14#2 CSIP/CSIPSTR14/valid/IP_folder_has_additional_folder",
		"CSIPSTR14#2 CSIP/CSIPSTR14/valid/IP_folder_and_rep_folder_have_additional_folder",
		"CSIPSTR15#1 CSIP/CSIPSTR15/valid/subfolder_schemas_in_IP_folder",
		"CSIPSTR16#1 CSIP/CSIPSTR16/valid/subfolder_documentation_in_IP_folder",
		"CSIPSTR16#2 CSIP/CSIPSTR16/valid/subfolder_documentation_in_representation_folder",
	} {
		knownGaps[id] = emptyMETSFixture
	}
	for i := 1; i <= 15; i++ {
		knownGaps[fmt.Sprintf("CSIPSTR11#1 CSIP/CSIPSTR11/valid/CSIPSTR11_%d", i)] = emptyMETSFixture
		knownGaps[fmt.Sprintf("CSIPSTR5#1 CSIP/CSIPSTR5/invalid/IP_18000_CSIPSTR5_%d", i)] = databaseFixture
		knownGaps[fmt.Sprintf("CSIPSTR9#1 CSIP/CSIPSTR9/valid/IP_18000_CSIPSTR9_%d", i)] = databaseFixture
	}
	knownGaps["CSIP8#2 CSIP/CSIP8/invalid/mets-xml_metsHdr_LASTMODDATE_in_future"] = "the fixture has no LASTMODDATE " +
		"at all (its METS.xml equals the LASTMODDATE_not_exist one): there is no date in the future to reject"
}

func readExpected(t *testing.T, base string) []corpusRow {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(base, "EXPECTED.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []corpusRow
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if i == 0 {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 12 {
			t.Fatalf("EXPECTED.tsv line %d: %q", i+1, line)
		}
		rows = append(rows, corpusRow{spec: f[0], req: f[2], rule: f[5], errLevel: f[6], pkg: f[7], isValid: f[8],
			isImplemented: f[9], path: f[10]})
	}
	return rows
}

// isPackagePath reports whether a row's path is a package (the corpus
// points rules without packages at the requirement's folder).
func isPackagePath(p string) bool {
	return strings.Contains(p, "/valid/") || strings.Contains(p, "/invalid/")
}

// TestCorpus runs every row of the E-ARK IP test corpus (EXPECTED.tsv) and
// compares magazin's verdict with the rule's, at package level (an error
// or none) and at requirement level (the rule's requirement cited in an
// error; for a WARNING rule in a warning and in no error).
func TestCorpus(t *testing.T) {
	base := corpus.Dir(t, "eark/eark-ip-test-corpus")
	rows := readExpected(t, base)
	if len(rows) != 162 {
		t.Errorf("EXPECTED.tsv has %d rows, want 162", len(rows))
	}
	var mu sync.Mutex
	cache := map[string]preservation.Problems{}
	verdictOf := func(t *testing.T, p string) preservation.Problems {
		mu.Lock()
		defer mu.Unlock()
		if ps, ok := cache[p]; ok {
			return ps
		}
		ps := verdict(t, corpusCopy(t, filepath.Join(base, filepath.FromSlash(p))))
		cache[p] = ps
		return ps
	}
	seen := map[string]bool{}
	var total, skipped, pkgAgree, reqAgree, errRows, errAgree int
	for _, row := range rows {
		id := row.id()
		seen[id] = true
		if !isPackagePath(row.path) {
			skipped++
			if _, known := knownGaps[id]; known {
				t.Errorf("%s: knownGaps lists a row without a package", id)
			}
			continue
		}
		total++
		t.Run(id, func(t *testing.T) {
			ps := verdictOf(t, row.path)
			gotErr := ps.HasErrors()
			pkgOK := gotErr == row.wantError()
			var reqOK bool
			switch {
			case row.wantError():
				reqOK = cites(ps, preservation.SeverityError, row.req)
			case row.wantWarning():
				reqOK = !cites(ps, preservation.SeverityError, row.req) && cites(ps, preservation.SeverityWarning, row.req)
			default:
				reqOK = !cites(ps, preservation.SeverityError, row.req)
			}
			mu.Lock()
			if pkgOK {
				pkgAgree++
			}
			if reqOK {
				reqAgree++
			}
			if row.errLevel == "ERROR" {
				errRows++
				if pkgOK && reqOK {
					errAgree++
				}
			}
			mu.Unlock()
			gap, known := knownGaps[id]
			switch {
			case pkgOK && reqOK && known:
				t.Errorf("listed in knownGaps (%s) but now agrees with the corpus: remove it", gap)
			case pkgOK && reqOK:
			case known:
				t.Logf("known gap: %s; errors %v", gap, errorCodes(ps))
			case !pkgOK && row.wantError():
				t.Errorf("corpus: invalid (%s rule %s, ERROR); we find no error: %v", row.req, row.rule, ps)
			case !pkgOK:
				t.Errorf("corpus: valid (%s rule %s, %s, isValid=%s); we report errors: %v", row.req, row.rule, row.errLevel,
					row.isValid, errorsOnly(ps))
			case row.wantError():
				t.Errorf("corpus: invalid by %s rule %s; our errors do not cite %s: %v", row.req, row.rule, row.req, errorsOnly(ps))
			case row.wantWarning():
				t.Errorf("corpus: %s rule %s is a WARNING; we give no warning citing %s (or an error does): %v", row.req, row.rule, row.req, ps)
			default:
				t.Errorf("corpus: %s rule %s (%s, isValid=%s); an error cites %s: %v", row.req, row.rule, row.errLevel, row.isValid,
					row.req, errorsOnly(ps))
			}
		})
	}
	for id := range knownGaps {
		if !seen[id] {
			t.Errorf("knownGaps lists %s, which is not in EXPECTED.tsv", id)
		}
	}
	t.Logf("%d corpus files written back with CRLF line ends (see corpusCopy)", crlfRestored.Load())
	t.Logf("E-ARK IP test corpus: %d rows, %d without a package (rule not implemented in the corpus); of %d rows with a package: "+
		"%d agree at package level (valid or not), %d at requirement level; %d of %d ERROR-level rows agree on both; %d known gaps",
		len(rows), skipped, total, pkgAgree, reqAgree, errAgree, errRows, len(knownGaps))
}

// exampleCase is a package of the spec examples, the validator resources
// or commons-IP with its expected verdict.
type exampleCase struct {
	path  string // relative to the corpus eark/ folder
	valid bool
	why   string // where the verdict comes from
	gap   string // why magazin knowingly disagrees ("" if it agrees)
}

var exampleCases = []exampleCase{
	{"E-ARK-CSIP-examples/examples/minimal_IP_with_schemas.zip", true, "index.md: VALID with folder warnings", ""},
	{"E-ARK-CSIP-examples/examples/minimal_IP_invmets.zip", false, "index.md: INVALID fails schema validation", ""},
	{"E-ARK-CSIP-examples/examples/minimal_IP_nocrtdt.zip", false, "index.md: INVALID fails <mets @CREATEDATE> test", ""},
	{"E-ARK-CSIP-examples/examples/minimal_IP_noflscid.zip", true, "index.md: VALID fails <fileSec @ID> tests (a warning)",
		"the zip's schemas/CSIPExtensionMETS.xsd was edited in May 2020 (1699 bytes, another namespace declaration) after its " +
			"METS.xml declared SIZE 1673 and an MD5: EARK_SIZE, EARK_CHECKSUM; index.md judges the METS document only"},
	{"E-ARK-CSIP-examples/examples/minimal_IP_nomtshdr.zip", false, "index.md: INVALID fails <metsHdr> tests", ""},
	{"E-ARK-CSIP-examples/examples/minimal_IP_nopcktyp.zip", false, "index.md: INVALID fails @csip:OAISPACKAGETYPE tests", ""},
	{"E-ARK-SIP-examples/examples/a46ab3d0-c710-4d73-b58d-e93e30b53a82.zip", false,
		"an E-ARK SIP 1.4 / CSIP 0.17 example (README): no csip:OAISPACKAGETYPE, TYPE ERMS; invalid under CSIP 2.x", ""},
	{"eark-validator-resources/tests/resources/ips/minimal/minimal_IP_with_schemas.zip", true, "structure_test.py: WELLFORMED", ""},
	{"eark-validator-resources/tests/resources/ips/minimal/minimal_IP_with_schemas.tar", true, "structure_test.py: WELLFORMED", ""},
	{"eark-validator-resources/tests/resources/ips/minimal/minimal_IP_with_schemas.tar.gz", true, "structure_test.py: WELLFORMED", ""},
	{"eark-validator-resources/tests/resources/ips/unpacked/733dc055-34be-4260-85c7-5549a7083031", true,
		"manifests_test.py: XSD-valid, manifest validates",
		"a RODA AIP whose METS documents have PROFILE=\"NOT_DEFINED\", no URL (CSIP6, an error in the package METS); " +
			"the validator's tests check its structure, schema validity and checksums, which agree"},
	{"eark-validator-resources/tests/resources/ips/unpacked/733dc055-34be-4260-85c7-5549a7083031-bad", false,
		"manifests_test.py: files changed after the manifest was written", ""},
	{"eark-validator-resources/tests/resources/ips/bad/single_file.zip", false, "structure_test.py: CSIPSTR1", ""},
	{"eark-validator-resources/tests/resources/ips/bad/multi_dir.zip", false, "structure_test.py: CSIPSTR1", ""},
	{"eark-validator-resources/tests/resources/ips/bad/multi_file.zip", false, "structure_test.py: CSIPSTR1", ""},
	{"eark-validator-resources/tests/resources/ips/bad/multi_var.zip", false, "structure_test.py: CSIPSTR1", ""},
	{"eark-validator-resources/tests/resources/ips/struct/empty.zip", false, "structure_test.py: CSIPSTR1", ""},
	{"eark-validator-resources/tests/resources/ips/struct/no_mets.tar.gz", false, "structure_test.py: CSIPSTR4", ""},
	{"commons-ip-sips/src/test/resources/validation/Full-EARK-SIP.zip", false,
		"commons-IP asserts it invalid; its csip:/sip: attributes are in the namespace https://dilcis.eu/..., not https://DILCIS.eu/...", ""},
	{"commons-ip-sips/src/test/resources/validation/Simple-EARK-SIP.zip", false,
		"commons-IP's (disabled) test asserts it invalid; same namespace as Full-EARK-SIP", ""},
	{"commons-ip-sips/src/test/resources/6ab98a90-1686-4c74-9855-b2793a6d164d.zip", true, "a commons-IP SIP (SIP 2.2.0 profile)", ""},
	{"commons-ip-sips/src/test/resources/SIP-S/shallowFileAndFolder.zip", false, "our verdict (no upstream one): a shallow " +
		"SIP whose data files are file: URLs outside the package (EARK_HREF); magazin archives only what a package holds", ""},
	{"commons-ip-sips/src/test/resources/SIP-S/shallowFileFolderAndEmptyFolder.zip", false, "our verdict, as for " +
		"shallowFileAndFolder.zip", ""},
}

// structCases are the eark-validator structure fixtures with the CSIPSTR
// requirements its tests expect warnings for (EXPECTED.md).
var structCases = map[string][]string{
	"no_messages.tar.gz": nil,
	"no_md.tar.gz":       {"CSIPSTR5"},
	"no_pres.tar.gz":     {"CSIPSTR6"},
	"no_desc.tar.gz":     {"CSIPSTR7"},
	"no_other.tar.gz":    nil, // CSIPSTR8 is INFO
	"no_reps.tar.gz":     {"CSIPSTR9"},
	"empty_reps.tar.gz":  {"CSIPSTR10"},
	"no_data.tar.gz":     {"CSIPSTR11"},
	"no_repmets.tar.gz":  {"CSIPSTR12"},
	"no_repmd.tar.gz":    {"CSIPSTR13"},
	"no_schemas.tar.gz":  {"CSIPSTR15"},
	"no_docs.tar.gz":     {"CSIPSTR16"},
	"../unpacked/733dc055-34be-4260-85c7-5549a7083031": {"CSIPSTR16"},
}

func packageDir(t *testing.T, p string) string {
	if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		return p
	}
	return unpack(t, p)
}

// TestExamples reads the spec example packages, the eark-validator's test
// packages and the commons-IP SIPs.
func TestExamples(t *testing.T) {
	base := corpus.Dir(t, "eark")
	agree := 0
	for _, c := range exampleCases {
		t.Run(c.path, func(t *testing.T) {
			ps := verdict(t, corpusCopy(t, packageDir(t, filepath.Join(base, filepath.FromSlash(c.path)))))
			ok := !ps.HasErrors() == c.valid
			switch {
			case ok && c.gap != "":
				t.Errorf("agrees (%s) but has a gap (%s): remove it", c.why, c.gap)
			case ok:
				agree++
			case c.gap != "":
				t.Logf("known gap: %s; errors %v", c.gap, errorCodes(ps))
			default:
				t.Errorf("want valid=%v (%s), got %v", c.valid, c.why, ps)
			}
		})
	}
	t.Logf("examples: %d of %d packages agree", agree, len(exampleCases))
}

// TestValidatorStructure compares the folder-structure warnings with those
// the eark-validator's structure tests expect.
func TestValidatorStructure(t *testing.T) {
	base := corpus.Dir(t, "eark/eark-validator-resources/tests/resources/ips/struct")
	names := make([]string, 0, len(structCases))
	for n := range structCases {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			tr := read(t, packageDir(t, filepath.Join(base, filepath.FromSlash(name))))
			var got []string
			for _, p := range tr.Problems {
				if strings.HasPrefix(p.Code, "CSIPSTR") {
					got = append(got, p.Code)
				}
			}
			sort.Strings(got)
			if want := structCases[name]; strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("structure warnings %v, want %v: %v", got, want, tr.Problems)
			}
		})
	}
}

// TestValidatorMETS checks the eark-validator's METS fixtures with the
// METS-level checks alone (METS rule checks, rules_test.py, mets_test.py).
func TestValidatorMETS(t *testing.T) {
	base := corpus.Dir(t, "eark/eark-validator-resources/tests/resources/xml")
	for name, valid := range map[string]bool{
		"METS-valid.xml": true, "METS-ownerid.xml": true,
		"METS-no-objid.xml": false, "METS-no-type.xml": false, "METS-other-type.xml": false, "METS-no-profile.xml": false,
		"METS-no-hdr.xml": false, "METS-no-createdate.xml": false, "METS-hdr-no-type.xml": false,
		"METS-hdr-no-version.xml": false, "METS-no-root.xml": false, "METS-no-structmap.xml": false,
	} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(base, name))
			if err != nil {
				t.Fatal(err)
			}
			var p problems
			m, err := ParseMETS(data)
			if err != nil {
				p.error(CodeMETSSyntax, name, "", "%v", err)
			} else {
				checkMETS(&p, m, name, true, "", testNow)
			}
			if got := !p.ps.HasErrors(); got != valid {
				t.Errorf("valid=%v, want %v: %v", got, valid, p.ps)
			}
		})
	}
}
