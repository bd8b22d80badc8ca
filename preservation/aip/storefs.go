package aip

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/magazin-archiv/magazin/preservation/store"
)

// StoreFS presents the part of a store below prefix as a read-only io/fs.FS
// with ReadDir, so that the OCFL validator can run over any backend. Files
// are streamed from the store; directories are derived from key prefixes.
type StoreFS struct {
	ctx    context.Context
	st     store.Store
	prefix string
	// dirs, if not nil, answers ReadDir from a listing made once (see
	// NewListedStoreFS): directory name -> its entries, sorted.
	dirs map[string][]fs.DirEntry
}

// NewStoreFS returns an fs.FS over the keys of st below prefix ("" for all).
func NewStoreFS(ctx context.Context, st store.Store, prefix string) *StoreFS {
	return &StoreFS{ctx: ctx, st: st, prefix: strings.Trim(prefix, "/")}
}

// NewListedStoreFS returns an fs.FS over the keys of st below prefix that
// answers ReadDir from listing, the objects st.List(ctx, prefix+"/")
// yielded, instead of listing the store again for every directory. It
// suits a tree the caller has just listed in full (one OCFL object): a
// validation that reads every directory then lists the store once, not
// once per directory (each of which, with a local store, stats every file
// below it). Files are still opened in the store; a key in listing that
// has gone since is reported by Open as missing.
func NewListedStoreFS(ctx context.Context, st store.Store, prefix string, listing []store.Info) *StoreFS {
	s := NewStoreFS(ctx, st, prefix)
	s.dirs = map[string][]fs.DirEntry{}
	p := s.prefix
	if p != "" {
		p += "/"
	}
	seen := map[string]bool{}
	for _, info := range listing {
		rel, ok := strings.CutPrefix(info.Key, p)
		if !ok || rel == "" || !fs.ValidPath(rel) {
			continue
		}
		// Record rel and every directory above it in its parent.
		for name, isDir := rel, false; name != "."; name, isDir = path.Dir(name), true {
			if seen[name] {
				break
			}
			seen[name] = true
			// A directory has the time of its first object, as in ReadDir.
			fi := fileInfo{name: path.Base(name), mod: info.Modified, dir: isDir}
			if !isDir {
				fi.size = info.Size
			}
			parent := path.Dir(name)
			s.dirs[parent] = append(s.dirs[parent], fs.FileInfoToDirEntry(fi))
		}
	}
	for _, entries := range s.dirs {
		sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	}
	return s
}

func (s *StoreFS) key(name string) string {
	if name == "." {
		return s.prefix
	}
	if s.prefix == "" {
		return name
	}
	return s.prefix + "/" + name
}

// Open implements fs.FS.
func (s *StoreFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if name != "." {
		rc, info, err := s.st.Get(s.ctx, s.key(name))
		if err == nil {
			return &storeFile{rc: rc, info: fileInfo{name: path.Base(name), size: info.Size, mod: info.Modified}}, nil
		}
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, store.ErrInvalidKey) {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
	}
	entries, err := s.ReadDir(name)
	if err != nil {
		return nil, err
	}
	return &storeDir{name: name, entries: entries}, nil
}

// ReadDir implements fs.ReadDirFS.
func (s *StoreFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	if s.dirs != nil {
		if err := s.ctx.Err(); err != nil {
			return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
		}
		entries, ok := s.dirs[name]
		if !ok && name != "." {
			return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
		}
		return slices.Clone(entries), nil
	}
	p := s.key(name)
	if p != "" {
		p += "/"
	}
	seen := map[string]bool{}
	var out []fs.DirEntry
	for info, err := range s.st.List(s.ctx, p) {
		if err != nil {
			return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
		}
		rest := strings.TrimPrefix(info.Key, p)
		child, _, isDir := strings.Cut(rest, "/")
		if child == "" || seen[child] {
			continue
		}
		seen[child] = true
		fi := fileInfo{name: child, size: info.Size, mod: info.Modified, dir: isDir}
		if isDir {
			fi.size = 0
		}
		out = append(out, fs.FileInfoToDirEntry(fi))
	}
	if len(out) == 0 && name != "." {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

type fileInfo struct {
	name string
	size int64
	mod  time.Time
	dir  bool
}

func (f fileInfo) Name() string { return f.name }
func (f fileInfo) Size() int64  { return f.size }
func (f fileInfo) Mode() fs.FileMode {
	if f.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (f fileInfo) ModTime() time.Time { return f.mod }
func (f fileInfo) IsDir() bool        { return f.dir }
func (f fileInfo) Sys() any           { return nil }

type storeFile struct {
	rc   io.ReadCloser
	info fileInfo
}

func (f *storeFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *storeFile) Read(p []byte) (int, error) { return f.rc.Read(p) }
func (f *storeFile) Close() error               { return f.rc.Close() }

type storeDir struct {
	name    string
	entries []fs.DirEntry
	off     int
}

func (d *storeDir) Stat() (fs.FileInfo, error) {
	return fileInfo{name: path.Base(d.name), dir: true}, nil
}
func (d *storeDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errors.New("is a directory")}
}
func (d *storeDir) Close() error { return nil }

// ReadDir implements fs.ReadDirFile.
func (d *storeDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	if n > len(rest) {
		n = len(rest)
	}
	d.off += n
	return rest[:n], nil
}
