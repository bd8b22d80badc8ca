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
	f.Add(minimal(V300, oneDoc))
	f.Add(minimal(V230, oneDoc))
	f.Add([]byte(`<xdomea:Aussonderung.Aussonderung.0503 xmlns:xdomea="urn:xoev-de:xdomea:schema:4.0.0"/>`))
	_ = filepath.WalkDir(testdataDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".xml" {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
		return nil
	})
	if root := corpus.Root(); root != "" {
		for _, p := range []string{
			"xdomea/lavnrw-xdomea-examples/v4.0.0/518c7c31-d1a0-11ef-accb-005056871b7c_0503_1.xml",
			"xdomea/lavnrw-xdomea-examples/v3.0.0/9fde4e7a-b41b-11ec-9225-005056871b7c_Aussonderung.Aussonderung.0503.xml",
			"xdomea/xdomea_toolkit/pattern/xdomea_2.3.0/xx_Aussonderung.Bewertungsverzeichnis.0502.xml",
		} {
			if b, err := os.ReadFile(filepath.Join(root, p)); err == nil {
				f.Add(b)
			}
		}
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
