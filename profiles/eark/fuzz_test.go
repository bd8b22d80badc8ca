package eark

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/preservation"
)

func metsSeeds(f *testing.F) {
	for _, p := range []string{
		"../../testdata/eark/valid/sip-2024-017/METS.xml",
		"../../testdata/eark/valid/sip-2024-017/representations/rep1/METS.xml",
		"../../testdata/eark/bad/EARK_NAMESPACE_csip_namespace_lower_case/METS.xml",
	} {
		b, err := os.ReadFile(filepath.FromSlash(p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`<mets xmlns="http://www.loc.gov/METS/"><structMap><div><div><div/></div></div></structMap></mets>`))
	f.Add([]byte("\xff\xfe<\x00m\x00e\x00t\x00s\x00/\x00>\x00"))
	f.Add([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><mets xmlns="http://www.loc.gov/METS/" LABEL="M` + "\xfc" + `nchen"/>`))
	f.Add([]byte(eadFixture))
}

// FuzzParseMETS: parsing and checking never panic, every problem has a
// known code, a severity and a message, and references resolve inside the
// package or are refused.
func FuzzParseMETS(f *testing.F) {
	metsSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := parseDescriptive(data); err != nil {
			_ = err
		}
		m, err := ParseMETS(data)
		if err != nil {
			if m != nil {
				t.Fatal("METS and error")
			}
			return
		}
		for _, root := range []bool{true, false} {
			var p problems
			info := checkMETS(&p, m, "representations/rep1/METS.xml", root, "rep1", testNow)
			for _, pr := range p.ps {
				if !IsCode(pr.Code) || pr.Message == "" ||
					pr.Severity != preservation.SeverityError && pr.Severity != preservation.SeverityWarning {
					t.Fatalf("bad problem %+v", pr)
				}
			}
			for _, ref := range info.refs {
				checkResolved(t, info.dir, ref.href)
			}
		}
		again, err := ParseMETS(data)
		if err != nil || len(again.Attr) != len(m.Attr) {
			t.Fatalf("second parse differs: %v", err)
		}
	})
}

func checkResolved(t *testing.T, dir, href string) {
	cands, err := resolveHref(dir, href)
	if err != nil {
		return
	}
	if len(cands) == 0 {
		t.Fatalf("resolveHref(%q, %q): no candidates, no error", dir, href)
	}
	for _, c := range cands {
		if c == ".." || strings.HasPrefix(c, "../") || strings.HasPrefix(c, "/") || path.Clean(c) != c || strings.ContainsRune(c, 0) {
			t.Fatalf("resolveHref(%q, %q) = %q leaves the package", dir, href, c)
		}
	}
}

// FuzzResolveHref: a resolved reference never leaves the package.
func FuzzResolveHref(f *testing.F) {
	for _, h := range []string{"data/a.txt", "../../schemas/mets.xsd", "../../../x", "file:data/x", "file:///etc/passwd",
		"%2e%2e/%2e%2e/x", "data%2Fx+y.txt", "C:/x", "https://example.org/x", "./a/../../b", "a\x00b"} {
		f.Add("representations/rep1", h)
		f.Add("", h)
	}
	f.Fuzz(func(t *testing.T, dir, href string) {
		if strings.ContainsRune(dir, 0) || dir != "" && (path.Clean(dir) != dir || strings.HasPrefix(dir, "../") || dir == ".." || strings.HasPrefix(dir, "/") || dir == ".") {
			return // dir is always a clean relative path inside the package
		}
		checkResolved(t, dir, href)
	})
}
