//go:build unix

package xdomea

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestReadSymlink: a primary file that is a symbolic link is not followed
// but reported, and then counts as missing.
func TestReadSymlink(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "content")
	copyDir(t, filepath.Join(testdataDir, V300, pid30+"_Aussonderung.Aussonderung.0503"), dir)
	target := filepath.Join(t.TempDir(), "elsewhere.pdf")
	if err := os.Rename(filepath.Join(dir, pdf30), target); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, pdf30)); err != nil {
		t.Fatal(err)
	}
	tr, err := Profile{}.Read(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := errorCodes(tr.Problems); !slices.Equal(got, []string{CodeFileMissing, CodeSpecialFile}) {
		t.Errorf("problems %v", tr.Problems)
	}
	for _, f := range tr.Files {
		if f.Name == pdf30 {
			t.Errorf("the link is a transfer file")
		}
	}
}
