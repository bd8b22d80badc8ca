package xdomea

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/magazin-archiv/magazin/internal/corpus"
)

// FuzzParse: Parse never panics; it gives a message or a *ParseError, and
// pruning any top-level object of a message gives well-formed XML that
// parses again to a message holding that object.
func FuzzParse(f *testing.F) {
	for _, v := range []string{V230, V240, V300, V310, V400} {
		f.Add(minimal(v, oneDoc))
	}
	f.Add([]byte(`<xdomea:Aussonderung.Aussonderung.0503 xmlns:xdomea="urn:xoev-de:xdomea:schema:4.0.0"/>`))
	_ = filepath.WalkDir(testdataDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".xml" {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
		return nil
	})
	// Every message of the corpus (all versions, the toolkit patterns and
	// the x-man and LAV NRW examples), read at fuzz time, never copied; the
	// code lists are no messages and stay out.
	if root := corpus.Root(); root != "" {
		_ = filepath.WalkDir(filepath.Join(root, "xdomea"), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() && d.Name() == "code_lists" {
				return filepath.SkipDir
			}
			if info, err := d.Info(); err == nil && !d.IsDir() && filepath.Ext(p) == ".xml" && info.Size() < 1<<20 {
				if b, err := os.ReadFile(p); err == nil {
					f.Add(b)
				}
			}
			return nil
		})
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data, "fuzz.xml")
		if err != nil {
			var perr *ParseError
			if !errors.As(err, &perr) || m != nil {
				t.Fatalf("Parse returned %v, %v", m, err)
			}
			return
		}
		if m.Version == "" || m.Type == "" {
			t.Fatalf("message without version or type: %+v", m)
		}
		for _, o := range m.TopLevel() {
			b, err := m.Prune(o)
			if err != nil {
				t.Fatalf("Prune: %v", err)
			}
			pm, err := Parse(b, "pruned.xml")
			if err != nil {
				t.Fatalf("pruned message does not parse: %v\n%s", err, b)
			}
			if o.ID != "" && pm.Object(o.ID) == nil {
				t.Fatalf("pruned message lost object %s", o.ID)
			}
		}
		_ = CheckAppraisal(m, nil, false)
		_ = ImportResults(m, m.Problems, nil)
	})
}
