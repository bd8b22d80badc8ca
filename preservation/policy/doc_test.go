package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every problem code is documented in docs/problem-codes.md and in the
// package documentation.
func TestCodesDocumented(t *testing.T) {
	_, section, ok := strings.Cut(readDoc(t, "problem-codes.md"), "\n## policy\n")
	if !ok {
		t.Fatal(`docs/problem-codes.md has no "## policy" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	pkgdoc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{CodeRejected, CodeFlagged} {
		if !strings.Contains(section, "| `"+code+"` |") {
			t.Errorf("%s is not in the policy section of docs/problem-codes.md", code)
		}
		if !strings.Contains(string(pkgdoc), code) {
			t.Errorf("%s is not in the package documentation", code)
		}
	}
}

// docs/format-policy.md shows the built-in table as it is: every PUID in a
// row with its action and reason, and no PUID the table does not have.
func TestDefaultTableDocumented(t *testing.T) {
	doc := readDoc(t, "format-policy.md")
	_, table, ok := strings.Cut(doc, "\n## Default table\n")
	if !ok {
		t.Fatal(`docs/format-policy.md has no "## Default table" section`)
	}
	table, _, _ = strings.Cut(table, "\n## ")
	documented := map[string]string{} // PUID -> row
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 4 || strings.HasPrefix(cells[0], "---") {
			continue
		}
		for _, puid := range strings.Split(cells[1], ",") {
			puid = strings.TrimSpace(puid)
			if ValidPUID(puid) {
				if _, dup := documented[puid]; dup {
					t.Errorf("%s appears twice in docs/format-policy.md", puid)
				}
				documented[puid] = line
			}
		}
	}
	p := Default()
	n := 0
	for _, e := range p.Entries() {
		if e.PUID == Wildcard {
			if !strings.Contains(doc, e.Reason) {
				t.Errorf("the unlisted default's reason %q is not in docs/format-policy.md", e.Reason)
			}
			continue
		}
		n++
		row, ok := documented[e.PUID]
		if !ok {
			t.Errorf("%s (%s) is not in the default table of docs/format-policy.md", e.PUID, e.Action)
			continue
		}
		if !strings.Contains(row, "| "+string(e.Action)+" |") || !strings.Contains(row, e.Reason) {
			t.Errorf("%s: docs say %q, table says %s: %s", e.PUID, row, e.Action, e.Reason)
		}
	}
	if len(documented) != n {
		t.Errorf("docs/format-policy.md lists %d PUIDs, the built-in table %d", len(documented), n)
	}
}

// The example policy file in docs/format-policy.md is valid.
func TestDocumentedExampleParses(t *testing.T) {
	doc := readDoc(t, "format-policy.md")
	_, rest, ok := strings.Cut(doc, "```json\n")
	if !ok {
		t.Fatal("no JSON example in docs/format-policy.md")
	}
	example, _, _ := strings.Cut(rest, "```")
	p, err := Parse([]byte(example))
	if err != nil {
		t.Fatalf("the documented example does not parse: %v", err)
	}
	if d := p.Decide("fmt/480", "xdomea", ""); d.Action != Accepted || d.Rule != "profile/xdomea:fmt/480" {
		t.Errorf("example: %+v", d)
	}
	if d := p.Decide("fmt/999", "", "LRA-Zwickau"); d.Action != Reject {
		t.Errorf("example: %+v", d)
	}
}
