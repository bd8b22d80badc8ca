package unpack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every problem code is documented in docs/problem-codes.md and in the
// package documentation.
func TestCodesDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "problem-codes.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## unpack\n")
	if !ok {
		t.Fatal(`docs/problem-codes.md has no "## unpack" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	pkgdoc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{CodeTraversal, CodeAbsolute, CodeLink, CodeSpecial, CodeTooMany, CodeTooLarge,
		CodeRatio, CodeDuplicate, CodeEncrypted, CodeMethod, CodeCorrupt, CodeName, CodeUnreadable} {
		if !strings.Contains(section, "| `"+code+"` |") {
			t.Errorf("%s is not in the unpack section of docs/problem-codes.md", code)
		}
		if !strings.Contains(string(pkgdoc), code) {
			t.Errorf("%s is not in the package documentation", code)
		}
	}
}
