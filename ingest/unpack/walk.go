package unpack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"

	"github.com/magazin-archiv/magazin/preservation"
)

// Entry is a regular file found by Walk.
type Entry struct {
	// Name is the path relative to the walked directory, slash separated.
	Name string
	// Path is the absolute path of the file.
	Path string
	// Size is the file's size in bytes.
	Size int64
}

// Walk lists the regular files below the directory root, sorted by Name.
// It reports as problems: symbolic links (UNPACK_LINK, never followed),
// special files (UNPACK_SPECIAL), regular files that also have names
// outside root (UNPACK_HARDLINK; hard links among files inside root are
// fine), files and directories that cannot be
// opened or read (READ_UNREADABLE), bad and colliding names (UNPACK_NAME,
// UNPACK_DUPLICATE) and exceeded limits (UNPACK_TOO_MANY, UNPACK_TOO_LARGE;
// MaxRatio does not apply). Each file is opened and its first byte read to
// prove that it is readable. A root that cannot be opened is reported as
// READ_UNREADABLE; the error is for cancellation only. Entries are returned
// even when there are problems.
func Walk(ctx context.Context, root string, lim Limits) ([]Entry, preservation.Problems, error) {
	return walker{open: openRoot, readDir: readDirRoot}.walk(ctx, root, lim.withDefaults())
}

// walker holds Walk's file access, which tests replace to simulate files
// that even root cannot read.
type walker struct {
	open func(r *os.Root, name string) (io.ReadCloser, error)
	// readDir returns the entries of a directory sorted by name; it may
	// stop after more than limit entries.
	readDir func(r *os.Root, name string, limit int) ([]fs.DirEntry, error)
}

func openRoot(r *os.Root, name string) (io.ReadCloser, error) { return r.Open(name) }

func readDirRoot(r *os.Root, name string, limit int) ([]fs.DirEntry, error) {
	d, err := r.Open(name)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	var des []fs.DirEntry
	for len(des) <= limit { // a huge directory is not read to its end
		batch, err := d.ReadDir(4096)
		des = append(des, batch...)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	// Sorted, so that which of two colliding names is reported does not
	// depend on the directory's order.
	slices.SortFunc(des, func(a, b fs.DirEntry) int { return cmp.Compare(a.Name(), b.Name()) })
	return des, nil
}

func (w walker) walk(ctx context.Context, root string, lim Limits) ([]Entry, preservation.Problems, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var ps problems
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, nil, fmt.Errorf("walk %s: %w", root, err)
	}
	rt, err := os.OpenRoot(abs)
	if err != nil {
		ps.add(CodeUnreadable, "", "cannot open the directory: %v", errText(err))
		return nil, ps.list, nil
	}
	defer rt.Close()

	var (
		files    []Entry
		ns       = newNamespace()
		count    int
		total    int64
		tooLarge bool
		stack    = []string{"."}
		linked   = map[fileID]*hardLink{}
	)
	for len(stack) > 0 && !ps.full {
		dir := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		des, err := w.readDir(rt, dir, lim.MaxFiles-count)
		if err != nil {
			ps.add(CodeUnreadable, display(dir), "cannot read the directory: %v", errText(err))
			continue
		}
		for _, de := range des {
			name := path.Join(dir, de.Name())
			shown := display(name)
			count++
			if count > lim.MaxFiles {
				ps.add(CodeTooMany, "", "more than %d entries", lim.MaxFiles)
				return sortEntries(files), ps.list, nil
			}
			if code, msg := checkName(name, lim); code != "" {
				ps.add(code, shown, "%s", msg)
				continue
			}
			typ := de.Type()
			switch {
			case typ&fs.ModeSymlink != 0:
				ps.add(CodeLink, shown, "symbolic link")
				continue
			case typ.IsDir():
				if msg := ns.add(name, true); msg != "" {
					ps.add(CodeDuplicate, shown, "%s", msg)
					continue
				}
				stack = append(stack, name)
				continue
			case !typ.IsRegular():
				ps.add(CodeSpecial, shown, "not a regular file or directory (%s)", typ)
				continue
			}
			if msg := ns.add(name, false); msg != "" {
				ps.add(CodeDuplicate, shown, "%s", msg)
				continue
			}
			info, err := de.Info()
			if err != nil {
				ps.add(CodeUnreadable, shown, "cannot stat the file: %v", errText(err))
				continue
			}
			if err := w.checkReadable(rt, name); err != nil {
				ps.add(CodeUnreadable, shown, "cannot read the file: %v", errText(err))
				continue
			}
			size := info.Size()
			if size > lim.MaxFileSize {
				ps.add(CodeTooLarge, shown, "%d bytes exceeds the limit of %d bytes per file", size, lim.MaxFileSize)
			}
			total += size
			if total > lim.MaxTotalSize && !tooLarge {
				tooLarge = true
				ps.add(CodeTooLarge, "", "the files exceed the total limit of %d bytes", lim.MaxTotalSize)
			}
			if id, n, ok := inode(info); ok && n > 1 {
				l := linked[id]
				if l == nil {
					l = &hardLink{links: n}
					linked[id] = l
				}
				l.names = append(l.names, shown)
			}
			files = append(files, Entry{Name: name, Path: filepath.Join(abs, filepath.FromSlash(name)), Size: size})
		}
	}
	if !ps.full {
		outsideLinks(&ps, linked)
	}
	return sortEntries(files), ps.list, nil
}

// fileID identifies an inode.
type fileID struct{ dev, ino uint64 }

// hardLink is a file with more than one name: how many it has and those
// found in the walked directory.
type hardLink struct {
	links uint64
	names []string
}

// outsideLinks reports the files that have names outside the walked
// directory (UNPACK_HARDLINK): their content is shared with a file
// elsewhere, which whoever submits could have linked in without being able
// to read it through the archive otherwise. Names that all lie inside the
// directory are fine.
func outsideLinks(ps *problems, linked map[fileID]*hardLink) {
	var out []*hardLink
	for _, l := range linked {
		if uint64(len(l.names)) < l.links {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b *hardLink) int { return cmp.Compare(a.names[0], b.names[0]) })
	for _, l := range out {
		ps.add(CodeHardLink, l.names[0], "a hard link: the file has %d names, %d of them outside the submission; "+
			"its content is not the submission's own", l.links, l.links-uint64(len(l.names)))
	}
}

// checkReadable opens name and reads its first byte.
func (w walker) checkReadable(rt *os.Root, name string) error {
	f, err := w.open(rt, name)
	if err != nil {
		return err
	}
	var b [1]byte
	_, err = f.Read(b[:])
	cerr := f.Close()
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return cerr
}

func sortEntries(es []Entry) []Entry {
	slices.SortFunc(es, func(a, b Entry) int { return cmp.Compare(a.Name, b.Name) })
	return es
}
