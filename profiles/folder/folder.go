package folder

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/profiles"
)

// Name is the profile's name as used by --profile.
const Name = "folder"

// Problem codes reported by the folder profile (see docs/problem-codes.md).
const (
	// CodeLink: a symbolic link in the submission (error).
	CodeLink = "FOLDER_LINK"
	// CodeSpecial: a device, FIFO, socket or other non-regular file (error).
	CodeSpecial = "FOLDER_SPECIAL"
	// CodeEmpty: the submission holds no regular file at all (error).
	CodeEmpty = "FOLDER_EMPTY"
	// CodeName: a file or directory name that is not valid UTF-8 (error).
	CodeName = "FOLDER_NAME"
	// CodeEmptyDir: an empty subdirectory, which an AIP cannot keep (warning).
	CodeEmptyDir = "FOLDER_EMPTY_DIR"
)

// Profile is the folder profile. The zero value is ready to use.
type Profile struct{}

var _ profiles.Profile = Profile{}

// New returns the folder profile.
func New() Profile { return Profile{} }

// Name returns "folder".
func (Profile) Name() string { return Name }

// Detect reports true for every root: folder is the fallback profile.
func (Profile) Detect(root string) bool { return true }

// Read walks the directory at root and returns every regular file as
// payload. Problems go into the Transfer; the error is reserved for I/O
// failures, a root that is not a directory, and cancellation.
func (Profile) Read(ctx context.Context, root string) (*profiles.Transfer, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("folder: %w", err)
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("folder: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("folder: %s is not a directory", root)
	}
	t := &profiles.Transfer{
		Profile:     Name,
		Title:       filepath.Base(root),
		Description: map[string]any{},
	}
	// entries counts the entries directly inside each subdirectory, so
	// that empty subdirectories can be reported.
	entries := map[string]int{}
	var dirs []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if parent := filepath.Dir(p); parent != root {
			entries[parent]++
		}
		if !utf8.ValidString(d.Name()) {
			t.Problems = append(t.Problems, problem(CodeName, preservation.SeverityError,
				strings.ToValidUTF8(name, "\uFFFD"), "name is not valid UTF-8"))
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		typ := d.Type()
		switch {
		case typ.IsDir():
			dirs = append(dirs, p)
			return nil
		case typ&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			t.Problems = append(t.Problems, problem(CodeLink, preservation.SeverityError, name,
				fmt.Sprintf("symbolic link (to %q) is not followed", target)))
			return nil
		case !typ.IsRegular():
			t.Problems = append(t.Problems, problem(CodeSpecial, preservation.SeverityError, name,
				fmt.Sprintf("not a regular file (%s)", fileKind(typ))))
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		t.Files = append(t.Files, profiles.File{Name: name, Path: p, Size: info.Size()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("folder: reading %s: %w", root, err)
	}
	for _, d := range dirs {
		if entries[d] == 0 {
			rel, _ := filepath.Rel(root, d)
			t.Problems = append(t.Problems, problem(CodeEmptyDir, preservation.SeverityWarning,
				filepath.ToSlash(rel), "empty directory is not kept in the archive"))
		}
	}
	if len(t.Files) == 0 {
		t.Problems = append(t.Problems, problem(CodeEmpty, preservation.SeverityError, "",
			"the submission contains no regular file"))
	}
	slices.SortFunc(t.Files, func(a, b profiles.File) int { return strings.Compare(a.Name, b.Name) })
	return t, nil
}

func problem(code, severity, path, msg string) preservation.Problem {
	return preservation.Problem{Code: code, Severity: severity, Path: path, Message: msg}
}

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeIrregular != 0:
		return "irregular file"
	}
	return m.Type().String()
}
