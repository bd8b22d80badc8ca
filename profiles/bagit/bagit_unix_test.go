//go:build unix

package bagit

import (
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

func TestSpecialFile(t *testing.T) {
	root := makeBag(t, testBag{noInfo: true})
	if err := syscall.Mkfifo(filepath.Join(root, "data", "pipe"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "tagpipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	tr := read(t, root)
	want := []string{"error BAGIT_SPECIAL data/pipe", "error BAGIT_SPECIAL tagpipe"}
	if got := problemSet(tr.Problems); !slices.Equal(got, want) {
		t.Errorf("problems\n got %q\nwant %q", got, want)
	}
}
