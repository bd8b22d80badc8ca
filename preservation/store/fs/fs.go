// Package fs is the local-directory store backend, magazin's embedded
// default (store URL file:///var/lib/magazin/store).
//
// Contract, in addition to that of store.Store:
//   - The object under key k is the regular, read-only (0444) file <dir>/k.
//     The tree holds nothing else but <dir>/.tmp, where writes in progress
//     live, so that a sub-tree such as <dir>/ocfl is exactly what was put
//     and can be checked by independent tools. Keys whose first segment is
//     ".tmp" are refused with store.ErrInvalidKey.
//   - Put is durable when it returns: the content is streamed into a
//     temporary file in .tmp while its size and SHA-512 are checked (on
//     Linux an unnamed one, O_TMPFILE, which has no directory entry and
//     vanishes in a crash; elsewhere a named one, removed after the link),
//     the file is fsynced, made read-only and hard-linked to its key (link(2) never
//     replaces an existing file, so racing writers cannot overwrite each
//     other), and every directory created or changed on the way is fsynced.
//     Directory fsyncs use group commit: a Put waits for an fsync of its
//     directory that started after its link, and concurrent Puts into one
//     directory share it.
//     The file system must support hard links.
//   - A file system cannot hold "a/b" both as a file and as a directory; the
//     later of two such keys is refused with store.ErrKeyConflict.
//   - Stat and List report Size and Modified. SHA512 is set only in the Info
//     that Put returns.
//   - Get returns an *os.File, which callers may use as an io.ReaderAt.
//   - Errors of a full, failing or vanished file system (EIO, ENOSPC,
//     EDQUOT, ESTALE, ENOTCONN, ETIMEDOUT, EHOSTDOWN) of the store's own
//     calls match store.ErrUnavailable.
//   - Store implements store.RangeGetter, store.Remover and store.Repairer.
//     Repair hashes the file under key; only when it is missing, not a
//     regular file, unreadable or of other content does it write the new,
//     verified content into a read-only, fsynced temporary file and rename
//     it over the key (rename(2) replaces atomically), then fsync the
//     directory.
//   - Store implements store.Replacer the same way, holding an exclusive
//     flock(2) on <dir>/.tmp/replace.lock from the examination of the
//     current file to the rename, so that two processes on one host
//     cannot both swap the same object.
package fs

import (
	"cmp"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"iter"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/magazin-archiv/magazin/preservation/store"
)

// tmpDir is the directory under the store root that holds writes in progress.
const tmpDir = ".tmp"

// Store is a store.Store in a local directory.
type Store struct {
	root string
	dirs *dirSyncer
	// noAnon is set once unnamed temporary files turned out not to be
	// available (writeAnon).
	noAnon atomic.Bool
}

var (
	_ store.Store       = (*Store)(nil)
	_ store.RangeGetter = (*Store)(nil)
	_ store.Remover     = (*Store)(nil)
	_ store.Repairer    = (*Store)(nil)
	_ store.Replacer    = (*Store)(nil)
)

// New opens the store in dir, which must exist and be a directory.
func New(dir string) (*Store, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("fs store %q: %w", dir, err)
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("fs store: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("fs store: %s is not a directory", root)
	}
	return &Store{root: root, dirs: newDirSyncer()}, nil
}

// Init creates dir (with its parents) if it is missing and opens the store
// in it.
func Init(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("fs store: %w", err)
	}
	return New(dir)
}

// Dir returns the store's root directory.
func (s *Store) Dir() string { return s.root }

// String returns the store's file URL.
func (s *Store) String() string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(s.root)}).String()
}

// checkKey reports a key this store cannot hold as store.ErrInvalidKey.
func checkKey(op, key string) error {
	if !store.ValidKey(key) || key == tmpDir || strings.HasPrefix(key, tmpDir+"/") {
		return &iofs.PathError{Op: op, Path: key, Err: store.ErrInvalidKey}
	}
	return nil
}

func (s *Store) path(key string) string {
	return filepath.Join(s.root, filepath.FromSlash(key))
}

// Put implements store.Store.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, sha512 string) (store.Info, error) {
	if err := store.CheckPut(ctx, key, size, sha512); err != nil {
		return store.Info{}, &iofs.PathError{Op: "put", Path: key, Err: err}
	}
	if err := checkKey("put", key); err != nil {
		return store.Info{}, err
	}
	// An object already under key decides without reading r.
	if info, found, err := s.existing(ctx, key, size, sha512); found {
		return info, err
	}
	if !s.noAnon.Load() {
		f, info, err := s.writeAnon(ctx, r, size, sha512)
		if err == nil {
			defer f.Close()
			info.Key = key
			return s.link(ctx, func(target string) error { return linkAnon(f, target) }, info)
		}
		if !errors.Is(err, errNoAnon) {
			return store.Info{}, &iofs.PathError{Op: "put", Path: key, Err: classify(err)}
		}
		s.noAnon.Store(true)
	}
	tmp, info, err := s.writeTemp(ctx, r, size, sha512)
	if err != nil {
		return store.Info{}, &iofs.PathError{Op: "put", Path: key, Err: classify(err)}
	}
	defer os.Remove(tmp)
	info.Key = key
	return s.link(ctx, func(target string) error { return os.Link(tmp, target) }, info)
}

// errNoAnon reports that unnamed temporary files (O_TMPFILE) cannot be
// made here; Put then writes a named one.
var errNoAnon = errors.New("no unnamed temporary files")

// writeAnon is writeTemp into an unnamed file (O_TMPFILE), which returns
// the open file for linkAnon. Nothing is added to or removed from the temp
// directory, so concurrent Puts do not contend for it, and a crash leaves
// no temporary file behind. errNoAnon: not available here.
func (s *Store) writeAnon(ctx context.Context, r io.Reader, size int64, sha512 string) (_ *os.File, _ store.Info, err error) {
	dir := filepath.Join(s.root, tmpDir)
	f, err := openAnon(dir)
	if errors.Is(err, iofs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, store.Info{}, err
		}
		f, err = openAnon(dir)
	}
	if err != nil {
		return nil, store.Info{}, err
	}
	defer func() {
		if err != nil {
			f.Close() // the unnamed file vanishes with its last descriptor
		}
	}()
	if _, err = io.Copy(f, store.NewVerifier(ctx, r, size, sha512)); err != nil {
		return nil, store.Info{}, err
	}
	if err = f.Chmod(0o444); err != nil {
		return nil, store.Info{}, err
	}
	if err = f.Sync(); err != nil {
		return nil, store.Info{}, err
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, store.Info{}, err
	}
	return f, store.Info{Size: size, SHA512: sha512, Modified: fi.ModTime()}, nil
}

// existing compares the object under key, if there is one, with the
// declared size and digest. found reports whether key is taken.
func (s *Store) existing(ctx context.Context, key string, size int64, sha512 string) (info store.Info, found bool, err error) {
	fail := func(err error) (store.Info, bool, error) {
		return store.Info{}, true, &iofs.PathError{Op: "put", Path: key, Err: classify(err)}
	}
	fi, err := os.Lstat(s.path(key))
	switch {
	case errors.Is(err, syscall.ENOTDIR):
		return fail(store.ErrKeyConflict)
	case errors.Is(err, iofs.ErrNotExist):
		return store.Info{}, false, nil
	case err != nil:
		return fail(err)
	case fi.IsDir():
		return fail(store.ErrKeyConflict)
	case !fi.Mode().IsRegular() || fi.Size() != size:
		return fail(iofs.ErrExist)
	}
	got, err := fileSHA512(ctx, s.path(key))
	if err != nil {
		return fail(err)
	}
	if got != sha512 {
		return fail(iofs.ErrExist)
	}
	return store.Info{Key: key, Size: size, SHA512: sha512, Modified: fi.ModTime()}, true, nil
}

// writeTemp streams size bytes from r into a new read-only, fsynced file in
// the temp directory, checking size and digest. On success it returns the
// file's path and an Info without key.
func (s *Store) writeTemp(ctx context.Context, r io.Reader, size int64, sha512 string) (path string, info store.Info, err error) {
	dir := filepath.Join(s.root, tmpDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", store.Info{}, err
	}
	f, err := os.CreateTemp(dir, "put-*")
	if err != nil {
		return "", store.Info{}, err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = io.Copy(f, store.NewVerifier(ctx, r, size, sha512)); err != nil {
		return "", store.Info{}, err
	}
	if err = f.Chmod(0o444); err != nil {
		return "", store.Info{}, err
	}
	if err = f.Sync(); err != nil {
		return "", store.Info{}, err
	}
	fi, err := f.Stat()
	if err != nil {
		return "", store.Info{}, err
	}
	if err = f.Close(); err != nil {
		return "", store.Info{}, err
	}
	return f.Name(), store.Info{Size: size, SHA512: sha512, Modified: fi.ModTime()}, nil
}

// link makes the verified temporary file the object info.Key: linkTo
// links it to a path (link(2): an existing file is never replaced).
func (s *Store) link(ctx context.Context, linkTo func(target string) error, info store.Info) (store.Info, error) {
	target := s.path(info.Key)
	var err error
	// A concurrent Remove may delete an emptied parent directory between
	// mkdirs and link; then the link fails with ENOENT and is tried again.
	for range 5 {
		if err = s.mkdirs(filepath.Dir(target)); err != nil {
			break
		}
		err = linkTo(target)
		if err == nil {
			if err = s.dirs.sync(filepath.Dir(target)); err != nil {
				break
			}
			return info, nil
		}
		if errors.Is(err, iofs.ErrExist) {
			// Someone else was first; their content decides.
			if existing, found, err := s.existing(ctx, info.Key, info.Size, info.SHA512); found {
				return existing, err
			}
			continue
		}
		if !errors.Is(err, iofs.ErrNotExist) {
			break
		}
	}
	if errors.Is(err, syscall.ENOTDIR) {
		err = store.ErrKeyConflict
	}
	return store.Info{}, &iofs.PathError{Op: "put", Path: info.Key, Err: classify(err)}
}

// mkdirs creates dir and its missing parents below the store root, fsyncing
// the parent of every directory it creates. A file in the way is
// store.ErrKeyConflict.
func (s *Store) mkdirs(dir string) error {
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return nil
	}
	rel, err := filepath.Rel(s.root, dir)
	if err != nil {
		return err
	}
	cur := s.root
	for _, seg := range strings.Split(rel, string(filepath.Separator)) {
		parent := cur
		cur = filepath.Join(cur, seg)
		err := os.Mkdir(cur, 0o755)
		switch {
		case err == nil:
			if err := s.dirs.sync(parent); err != nil {
				return err
			}
		case errors.Is(err, iofs.ErrExist):
			fi, err := os.Lstat(cur)
			if err != nil {
				return err
			}
			if !fi.IsDir() {
				return store.ErrKeyConflict
			}
		default:
			return err
		}
	}
	return nil
}

// dirSyncer makes entries created in a directory durable with group
// commit: a caller waits for an fsync of the directory that started after
// its call, and concurrent callers share it. Concurrent Puts into one
// directory (the files of an AIP, written in parallel) so cost one
// directory fsync per round instead of one each, and each Put still
// returns only when its own entry is durable.
type dirSyncer struct {
	mu    sync.Mutex
	dirs  map[string]*dirSync
	fsync func(dir string) error // syncDir; tests replace it
}

// dirSync is the state of one directory: syncs are numbered in the order
// they start; one runs at a time.
type dirSync struct {
	cond      *sync.Cond
	running   bool
	started   uint64 // number of the last fsync started
	completed uint64 // number of the last fsync completed
	errs      map[uint64]error
	users     int // callers holding this state
}

func newDirSyncer() *dirSyncer { return &dirSyncer{dirs: map[string]*dirSync{}, fsync: syncDir} }

// sync returns when an fsync of dir that started after the call has
// completed, with that fsync's error.
func (s *dirSyncer) sync(dir string) error {
	s.mu.Lock()
	d := s.dirs[dir]
	if d == nil {
		d = &dirSync{cond: sync.NewCond(&s.mu), errs: map[uint64]error{}}
		s.dirs[dir] = d
	}
	d.users++
	defer func() {
		d.users--
		if d.users == 0 && !d.running {
			delete(s.dirs, dir)
		}
		s.mu.Unlock()
	}()
	// The first fsync numbered above the one started so far begins after
	// this call (a running one may have read the directory before our
	// entry was made).
	ticket := d.started + 1
	for d.completed < ticket {
		if d.running {
			d.cond.Wait()
			continue
		}
		d.running = true
		d.started++
		n := d.started
		s.mu.Unlock()
		err := s.fsync(dir)
		s.mu.Lock()
		d.running = false
		d.completed = n
		if err != nil {
			d.errs[n] = err
		}
		delete(d.errs, n-64) // nobody waits for an fsync that old
		d.cond.Broadcast()
	}
	return d.errs[ticket]
}

// syncDir fsyncs a directory so that entries created in it are durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		// Some file systems cannot fsync directories; they need not.
		err = nil
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Repair implements store.Repairer.
func (s *Store) Repair(ctx context.Context, key string, r io.Reader, size int64, sha512 string) (store.Info, error) {
	if err := store.CheckPut(ctx, key, size, sha512); err != nil {
		return store.Info{}, &iofs.PathError{Op: "repair", Path: key, Err: err}
	}
	if err := checkKey("repair", key); err != nil {
		return store.Info{}, err
	}
	fail := func(err error) (store.Info, error) {
		return store.Info{}, &iofs.PathError{Op: "repair", Path: key, Err: classify(err)}
	}
	p := s.path(key)
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, syscall.ENOTDIR):
		return fail(store.ErrKeyConflict)
	case errors.Is(err, iofs.ErrNotExist):
		// Missing: create it as Put does. Put refuses to overwrite what
		// someone else created meanwhile.
		info, err := s.Put(ctx, key, r, size, sha512)
		if err != nil {
			var pe *iofs.PathError
			if errors.As(err, &pe) {
				pe.Op = "repair"
			}
		}
		return info, err
	case err != nil:
		return fail(err)
	case fi.IsDir():
		return fail(store.ErrKeyConflict)
	}
	if fi.Mode().IsRegular() && fi.Size() == size {
		got, err := fileSHA512(ctx, p)
		if cerr := ctx.Err(); cerr != nil {
			return fail(cerr)
		}
		// A file that cannot be read (EIO) counts as damaged.
		if err == nil && got == sha512 {
			return store.Info{Key: key, Size: size, SHA512: sha512, Modified: fi.ModTime()},
				&iofs.PathError{Op: "repair", Path: key, Err: store.ErrIntact}
		}
	}
	tmp, info, err := s.writeTemp(ctx, r, size, sha512)
	if err != nil {
		return fail(err)
	}
	defer os.Remove(tmp)
	if err := os.Rename(tmp, p); err != nil {
		return fail(err)
	}
	if err := syncDir(filepath.Dir(p)); err != nil {
		return fail(err)
	}
	info.Key = key
	return info, nil
}

// Replace implements store.Replacer.
func (s *Store) Replace(ctx context.Context, key, old string, r io.Reader, size int64, sha512 string) (store.Info, error) {
	if err := store.CheckPut(ctx, key, size, sha512); err != nil {
		return store.Info{}, &iofs.PathError{Op: "replace", Path: key, Err: err}
	}
	if err := checkKey("replace", key); err != nil {
		return store.Info{}, err
	}
	fail := func(err error) (store.Info, error) {
		return store.Info{}, &iofs.PathError{Op: "replace", Path: key, Err: classify(err)}
	}
	unlock, err := s.lock()
	if err != nil {
		return fail(err)
	}
	defer unlock()
	p := s.path(key)
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, syscall.ENOTDIR):
		return fail(store.ErrKeyConflict)
	case errors.Is(err, iofs.ErrNotExist):
		if old != "" {
			return fail(store.ErrChanged)
		}
		info, err := s.Put(ctx, key, r, size, sha512)
		if errors.Is(err, iofs.ErrExist) {
			return fail(store.ErrChanged)
		}
		return info, err
	case err != nil:
		return fail(err)
	case fi.IsDir():
		return fail(store.ErrKeyConflict)
	case !fi.Mode().IsRegular():
		return fail(store.ErrChanged)
	}
	got, err := fileSHA512(ctx, p)
	if err != nil {
		return fail(err)
	}
	switch {
	case got == sha512:
		return store.Info{Key: key, Size: fi.Size(), SHA512: sha512, Modified: fi.ModTime()}, nil
	case old == "" || got != old:
		return fail(store.ErrChanged)
	}
	tmp, info, err := s.writeTemp(ctx, r, size, sha512)
	if err != nil {
		return fail(err)
	}
	defer os.Remove(tmp)
	if err := os.Rename(tmp, p); err != nil {
		return fail(err)
	}
	if err := syncDir(filepath.Dir(p)); err != nil {
		return fail(err)
	}
	info.Key = key
	return info, nil
}

// lock takes the store's replace lock, an exclusive flock(2) on
// .tmp/replace.lock, and returns the function that releases it.
func (s *Store) lock() (func(), error) {
	dir := filepath.Join(s.root, tmpDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, "replace.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// Get implements store.Store. The reader is an *os.File.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, store.Info, error) {
	f, info, err := s.open(ctx, "get", key)
	if err != nil {
		return nil, store.Info{}, err
	}
	return f, info, nil
}

// open opens the regular file under key.
func (s *Store) open(ctx context.Context, op, key string) (*os.File, store.Info, error) {
	if err := checkKey(op, key); err != nil {
		return nil, store.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, store.Info{}, &iofs.PathError{Op: op, Path: key, Err: err}
	}
	f, size, mod, err := openRegular(s.path(key))
	if errors.Is(err, errNotRegular) {
		return nil, store.Info{}, &iofs.PathError{Op: op, Path: key, Err: iofs.ErrNotExist}
	}
	if err != nil {
		return nil, store.Info{}, pathError(op, key, err)
	}
	return f, store.Info{Key: key, Size: size, Modified: mod}, nil
}

// errNotRegular reports that openRegular found no regular file.
var errNotRegular = errors.New("not a regular file")

// Stat implements store.Store.
func (s *Store) Stat(ctx context.Context, key string) (store.Info, error) {
	return s.stat(ctx, "stat", key)
}

func (s *Store) stat(ctx context.Context, op, key string) (store.Info, error) {
	if err := checkKey(op, key); err != nil {
		return store.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Info{}, &iofs.PathError{Op: op, Path: key, Err: err}
	}
	fi, err := os.Lstat(s.path(key))
	if err != nil {
		return store.Info{}, pathError(op, key, err)
	}
	if !fi.Mode().IsRegular() {
		return store.Info{}, &iofs.PathError{Op: op, Path: key, Err: iofs.ErrNotExist}
	}
	return store.Info{Key: key, Size: fi.Size(), Modified: fi.ModTime()}, nil
}

// pathError wraps err for key, reporting a path through a file as missing.
func pathError(op, key string, err error) error {
	if errors.Is(err, syscall.ENOTDIR) {
		err = iofs.ErrNotExist
	}
	var pe *iofs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &iofs.PathError{Op: op, Path: key, Err: classify(err)}
}

// unavailable are the errors of a file system that is full, failing or
// gone (a network file system whose server is away): the store's, not the
// request's.
var unavailable = []error{syscall.EIO, syscall.ENOSPC, syscall.EDQUOT, syscall.ESTALE, syscall.ENOTCONN,
	syscall.ETIMEDOUT, syscall.EHOSTDOWN}

// classify marks the errors of a failing file system with
// store.ErrUnavailable. Read errors of a reader returned by Get are not
// marked: an unreadable file is damage for fixity audits to find.
func classify(err error) error {
	for _, e := range unavailable {
		if errors.Is(err, e) {
			return store.Unavailable(err)
		}
	}
	return err
}

// GetRange implements store.RangeGetter.
func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if offset < 0 {
		return nil, &iofs.PathError{Op: "getrange", Path: key, Err: fmt.Errorf("negative offset %d", offset)}
	}
	f, info, err := s.open(ctx, "getrange", key)
	if err != nil {
		return nil, err
	}
	if offset > info.Size {
		f.Close()
		return nil, &iofs.PathError{Op: "getrange", Path: key, Err: fmt.Errorf("offset %d beyond end (%d bytes)", offset, info.Size)}
	}
	if length < 0 || length > info.Size-offset {
		length = info.Size - offset
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, offset, length), f}, nil
}

// Remove implements store.Remover. It also removes the directories that
// become empty.
func (s *Store) Remove(ctx context.Context, key string) error {
	if err := checkKey("remove", key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return &iofs.PathError{Op: "remove", Path: key, Err: err}
	}
	p := s.path(key)
	fi, err := os.Lstat(p)
	if err != nil || fi.IsDir() {
		// Missing, or a directory, which is no object.
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, iofs.ErrNotExist) {
		return pathError("remove", key, err)
	}
	for dir := filepath.Dir(p); dir != s.root; dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break // not empty
		}
	}
	return nil
}

// List implements store.Store. It walks the tree depth first, visiting the
// entries of each directory in key order: a directory d sorts as "d/", so
// "a-b" and "a.b" come before the keys under "a/".
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[store.Info, error] {
	return func(yield func(store.Info, error) bool) {
		dirKey, namePrefix := "", prefix
		if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
			dirKey, namePrefix = prefix[:i], prefix[i+1:]
			if checkKey("list", dirKey) != nil {
				return // no valid key starts with this prefix
			}
		}
		s.walk(ctx, dirKey, namePrefix, yield)
	}
}

// walk yields the objects below dirKey whose names start with namePrefix,
// in key order. It reports whether to go on.
func (s *Store) walk(ctx context.Context, dirKey, namePrefix string, yield func(store.Info, error) bool) bool {
	if err := ctx.Err(); err != nil {
		yield(store.Info{}, err)
		return false
	}
	d, err := os.Open(s.path(dirKey))
	var entries []iofs.DirEntry
	if err == nil {
		defer d.Close()
		entries, err = d.ReadDir(-1)
	}
	if err != nil {
		if errors.Is(err, iofs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return true
		}
		yield(store.Info{}, pathError("list", dirKey, err))
		return false
	}
	type entry struct {
		sortKey string
		e       iofs.DirEntry
	}
	list := make([]entry, 0, len(entries))
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, namePrefix) || (dirKey == "" && name == tmpDir) {
			continue
		}
		if e.IsDir() {
			list = append(list, entry{name + "/", e})
		} else if e.Type().IsRegular() {
			list = append(list, entry{name, e})
		}
	}
	slices.SortFunc(list, func(a, b entry) int { return cmp.Compare(a.sortKey, b.sortKey) })
	for _, ent := range list {
		key := ent.e.Name()
		if dirKey != "" {
			key = dirKey + "/" + key
		}
		if !store.ValidKey(key) {
			continue // a name no key can have, e.g. not UTF-8
		}
		if ent.e.IsDir() {
			if !s.walk(ctx, key, "", yield) {
				return false
			}
			continue
		}
		if err := ctx.Err(); err != nil {
			yield(store.Info{}, err)
			return false
		}
		size, mod, err := statAt(d, ent.e.Name())
		if errors.Is(err, iofs.ErrNotExist) {
			continue // removed meanwhile
		}
		if err != nil {
			yield(store.Info{}, pathError("list", key, err))
			return false
		}
		if !yield(store.Info{Key: key, Size: size, Modified: mod}, nil) {
			return false
		}
	}
	return true
}

// fileSHA512 returns the lower-case hex SHA-512 of the file at path.
func fileSHA512(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha512.New()
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			return hex.EncodeToString(h.Sum(nil)), nil
		}
		if err != nil {
			return "", err
		}
	}
}
