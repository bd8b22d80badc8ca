package bagit

import (
	"slices"
	"testing"
)

const (
	nunezNFC = "N\u00fa\u00f1ez"
	nunezNFD = "Nu\u0301n\u0303ez"
)

// TestNameVariants covers manifests naming a file in another Unicode
// normalisation or letter case than the file system, and payload names that
// collide that way.
func TestNameVariants(t *testing.T) {
	const content = "x\n"
	tests := []struct {
		name    string
		payload map[string]string // files on disk
		listed  []string          // manifest paths below data/ (digest of content)
		other   string            // digest for the second entry, "" for the same
		want    []string
	}{
		{name: "NFD in manifest, NFC on disk", payload: map[string]string{nunezNFC: content}, listed: []string{nunezNFD},
			want: []string{"warning BAGIT_NORMALIZATION data/" + nunezNFC}},
		{name: "listed twice, NFC and NFD", payload: map[string]string{nunezNFC: content}, listed: []string{nunezNFD, nunezNFC},
			want: []string{"warning BAGIT_NORMALIZATION data/" + nunezNFC, "warning BAGIT_NORMALIZATION manifest-sha512.txt"}},
		{name: "listed twice, NFC and NFD, other checksum", payload: map[string]string{nunezNFC: content},
			listed: []string{nunezNFC, nunezNFD}, other: "y\n",
			want: []string{"error BAGIT_DUPLICATE manifest-sha512.txt"}},
		{name: "upper case in manifest", payload: map[string]string{"hello.txt": content}, listed: []string{"HELLO.txt"},
			want: []string{"warning BAGIT_CASE data/hello.txt"}},
		{name: "listed twice in two cases", payload: map[string]string{"hello.txt": content}, listed: []string{"hello.txt", "HELLO.txt"},
			want: []string{"warning BAGIT_CASE manifest-sha512.txt"}},
		{name: "two files differing in case", payload: map[string]string{"a.txt": content, "A.txt": content},
			listed: []string{"a.txt", "A.txt"}, want: []string{"warning BAGIT_CASE data/A.txt"}},
		{name: "two files differing in normalisation", payload: map[string]string{nunezNFC: content, nunezNFD: content},
			listed: []string{nunezNFC, nunezNFD}, want: []string{"warning BAGIT_NORMALIZATION data/" + nunezNFD}},
		{name: "ambiguous: no match", payload: map[string]string{"a.txt": content, "A.txt": content},
			listed: []string{"a.txt", "A.txt", "a.TXT"},
			want:   []string{"error BAGIT_MISSING data/a.TXT", "warning BAGIT_CASE data/A.txt"}},
		{name: "system files", payload: map[string]string{".DS_Store": content, "Akte/Thumbs.db": content, "Akte/._Brief.pdf": content,
			"__MACOSX/x": content, "Akte/Brief.pdf": content},
			listed: []string{".DS_Store", "Akte/Thumbs.db", "Akte/._Brief.pdf", "__MACOSX/x", "Akte/Brief.pdf"},
			want: []string{"warning BAGIT_SYSTEM_FILE data/.DS_Store", "warning BAGIT_SYSTEM_FILE data/Akte/._Brief.pdf",
				"warning BAGIT_SYSTEM_FILE data/Akte/Thumbs.db", "warning BAGIT_SYSTEM_FILE data/__MACOSX/x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := makeBag(t, testBag{payload: tc.payload, noInfo: true})
			var m string
			for i, p := range tc.listed {
				c := content
				if i > 0 && tc.other != "" {
					c = tc.other
				}
				m += digest(t, "sha512", c) + "  data/" + p + "\n"
			}
			write(t, root, "manifest-sha512.txt", m)
			retag(t, root, "sha256")
			tr := read(t, root)
			if got := problemSet(tr.Problems); !slices.Equal(got, tc.want) {
				t.Errorf("problems\n got %q\nwant %q\n%v", got, tc.want, tr.Problems)
			}
			if !tr.Problems.HasErrors() {
				for _, f := range tr.Files {
					if f.Declared["sha512"] == "" {
						t.Errorf("%s: no declared digest", f.Name)
					}
				}
			}
		})
	}
}
