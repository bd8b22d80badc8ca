//go:build unix

package folder

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/magazin-archiv/magazin/preservation"
)

func TestSpecialFile(t *testing.T) {
	root := writeTree(t, "x", map[string]string{"a.txt": "a"})
	if err := syscall.Mkfifo(filepath.Join(root, "pipe"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	tr, err := New().Read(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Problems) != 1 || tr.Problems[0].Code != CodeSpecial ||
		tr.Problems[0].Severity != preservation.SeverityError || tr.Problems[0].Path != "pipe" {
		t.Errorf("problems %v", tr.Problems)
	}
	if len(tr.Files) != 1 {
		t.Errorf("files %v", tr.Files)
	}
}
