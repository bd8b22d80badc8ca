package magazin

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/magazin-archiv/magazin"

// thirdParty lists, per package (or package prefix ending in "/"), the
// third-party modules it may import. Packages not listed may import none.
var thirdParty = map[string][]string{
	"preservation/catalog":     {"github.com/dgraph-io/badger/v4"},
	"preservation/store/s3":    {"github.com/minio/minio-go/v7"},
	"preservation/store/fs":    {"golang.org/x/sys"}, // O_TMPFILE and linkat for Put
	"preservation/aip":         {"golang.org/x/crypto"},
	"preservation/aip/aiptest": {"github.com/srerickson/ocfl-go"},
	"ingest/identify":          {"github.com/richardlehane/siegfried"},
	"ingest/unpack":            {"golang.org/x/text"},
	"ingest/formatcheck":       {"github.com/pdfcpu/pdfcpu", "golang.org/x/image", "golang.org/x/text"},
	"access/search":            {"github.com/blevesearch/bleve/v2"},
	"access/iiif":              {"golang.org/x/image"}, // TIFF masters, scaling
	// Accounts are personal data in a database of their own (ADR 0003):
	// badger for it, argon2id for the password hashes.
	"access/accounts":    {"github.com/dgraph-io/badger/v4", "golang.org/x/crypto"},
	"profiles/digitised": {"golang.org/x/image"}, // TIFF headers of masters
	"profiles/":          {"github.com/beevik/etree", "github.com/antchfx/xmlquery", "golang.org/x/text"},
	"cmd/":               {"*"},
	// The browser-test harness drives headless Chromium; only tests import
	// it (testOnly).
	"internal/browsertest": {"github.com/chromedp/chromedp"},
}

// testOnly lists the packages that only _test.go files may import: test
// helpers that would otherwise carry their dependencies into a binary.
var testOnly = []string{"internal/browsertest"}

type listedPackage struct {
	ImportPath string
	Imports    []string
	Standard   bool
}

func TestImportDirection(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go tool is needed for the import check: %v", err)
	}
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	n := 0
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		for _, imp := range p.Imports {
			if msg := checkImport(rel, imp); msg != "" {
				t.Errorf("%s imports %s: %s", p.ImportPath, imp, msg)
			}
		}
	}
	if n < 5 {
		t.Fatalf("go list found only %d packages", n)
	}
}

func isStd(imp string) bool { return !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") }

func within(rel, area string) bool { return rel == area || strings.HasPrefix(rel, area+"/") }

// checkImport returns why package rel may not import imp, or "".
func checkImport(rel, imp string) string {
	if isStd(imp) {
		return ""
	}
	if strings.HasPrefix(imp, module) {
		own := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
		switch {
		case slices.Contains(testOnly, own):
			return "only _test.go files import this test helper"
		case within(own, "cmd"):
			return "nothing imports cmd"
		case rel == "preservation":
			return "the preservation root imports only the standard library"
		case within(rel, "preservation") && !within(own, "preservation"):
			return "preservation/... imports only preservation/..."
		case within(rel, "profiles") && !(own == "preservation" || within(own, "profiles")):
			return "profiles/... imports only preservation (root) and profiles/..."
		case within(rel, "ingest") && within(own, "access"):
			return "ingest and access never import each other"
		case within(rel, "access") && within(own, "ingest"):
			return "ingest and access never import each other"
		case within(rel, "access") && within(own, "profiles"):
			return "access/... imports only preservation/... and access/..."
		}
		return ""
	}
	for key, mods := range thirdParty {
		if rel == key || (strings.HasSuffix(key, "/") && strings.HasPrefix(rel, key)) {
			for _, m := range mods {
				if m == "*" || imp == m || strings.HasPrefix(imp, m+"/") {
					return ""
				}
			}
		}
	}
	return "third-party module not allowed here (see thirdParty in layout_test.go and design.md)"
}

func TestCheckImportRules(t *testing.T) {
	cases := []struct {
		rel, imp string
		ok       bool
	}{
		{"preservation", "github.com/magazin-archiv/magazin/preservation/store", false},
		{"preservation/aip", "github.com/magazin-archiv/magazin/preservation/store", true},
		{"preservation/aip", "github.com/magazin-archiv/magazin/ingest", false},
		{"preservation/catalog", "github.com/dgraph-io/badger/v4", true},
		{"preservation/aip", "github.com/dgraph-io/badger/v4", false},
		{"ingest", "github.com/magazin-archiv/magazin/access/web", false},
		{"access/web", "github.com/magazin-archiv/magazin/ingest", false},
		{"ingest/identify", "github.com/richardlehane/siegfried/pkg/static", true},
		{"ingest", "github.com/richardlehane/siegfried/pkg/static", false},
		{"profiles/bagit", "github.com/magazin-archiv/magazin/preservation/store", false},
		{"access/web", "github.com/magazin-archiv/magazin/cmd/magazin", false},
		{"cmd/magazin", "github.com/urfave/cli/v2", true},
		{"access/search", "github.com/blevesearch/bleve/v2", true},
		{"access/web", "github.com/blevesearch/bleve/v2", false},
		{"internal/browsertest", "github.com/chromedp/chromedp", true},
		{"access/web", "github.com/chromedp/chromedp", false},
		{"access/web", "github.com/magazin-archiv/magazin/internal/browsertest", false},
		{"cmd/magazin", "github.com/magazin-archiv/magazin/internal/browsertest", false},
	}
	for _, c := range cases {
		if got := checkImport(c.rel, c.imp) == ""; got != c.ok {
			t.Errorf("checkImport(%q, %q) allowed=%v, want %v", c.rel, c.imp, got, c.ok)
		}
	}
}
