package formatcheck

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
	_, section, ok := strings.Cut(string(doc), "\n## formatcheck\n")
	if !ok {
		t.Fatal(`docs/problem-codes.md has no "## formatcheck" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	pkgdoc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range Codes {
		if !strings.Contains(section, "| `"+code+"` |") {
			t.Errorf("%s is not in the formatcheck section of docs/problem-codes.md", code)
		}
		if !strings.Contains(string(pkgdoc), code) {
			t.Errorf("%s is not in the package documentation", code)
		}
	}
}
