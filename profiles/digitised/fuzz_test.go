package digitised

import (
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseMapping: the mapping parser never panics, and every mapping it
// accepts names a Signatur and a relative folder inside the batch.
func FuzzParseMapping(f *testing.F) {
	for _, s := range []string{"Signatur;Ordner\nA 1;a1\n", "\xef\xbb\xbfA;./x/\n\"B;C\";y\n", "A;../x\n", "A\n", "A;\"x\n", ";\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		maps, _ := parseMapping(b)
		for _, m := range maps {
			if m.sig == "" || m.folder == "" || !filepath.IsLocal(filepath.FromSlash(m.folder)) || strings.Contains(m.folder, "\\") {
				t.Fatalf("accepted %+v", m)
			}
		}
	})
}
