package unpack

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
)

// IsZip reports whether the file at path starts like a ZIP archive (a local
// file header, or the end record of an empty archive). It does not follow
// the file further and reports false for any error.
func IsZip(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [4]byte
	if _, err := io.ReadFull(f, b[:]); err != nil {
		return false
	}
	return bytes.Equal(b[:], []byte("PK\x03\x04")) || bytes.Equal(b[:], []byte("PK\x05\x06"))
}

// Zip extracts the ZIP archive at zipPath into destDir, which must not
// exist (its parent must) or be an empty directory. It returns the problems
// found; when any has error severity nothing is extracted and destDir is
// left empty. The error reports failures of the environment and
// cancellation; destDir is left empty then, too, unless it was not empty
// to begin with. See the package documentation for the rules.
func Zip(ctx context.Context, zipPath, destDir string, lim Limits) (preservation.Problems, error) {
	return zipExtract(ctx, zipPath, destDir, lim.withDefaults(), true)
}

// zipExtract is Zip; checkHeaders false skips the checks of declared sizes
// and ratios, so that tests can prove that counting alone enforces them.
func zipExtract(ctx context.Context, zipPath, destDir string, lim Limits, checkHeaders bool) (preservation.Problems, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	root, err := openStaging(destDir)
	if err != nil {
		return nil, fmt.Errorf("unpack %s: %w", zipPath, err)
	}
	defer root.Close()

	var ps problems
	f, err := os.Open(zipPath)
	if err != nil {
		ps.add(CodeUnreadable, "", "cannot open the archive: %v", errText(err))
		return ps.list, nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		ps.add(CodeUnreadable, "", "the archive is not a readable regular file")
		return ps.list, nil
	}
	size := fi.Size()

	if code, msg := checkEndRecord(f, size, lim); code != "" {
		ps.add(code, "", "%s", msg)
		return ps.list, nil
	}
	zr, err := zip.NewReader(f, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // insecure names are ours to report
		if isReadError(err) {
			ps.add(CodeUnreadable, "", "cannot read the archive: %v", errText(err))
		} else {
			ps.add(CodeCorrupt, "", "not a valid ZIP archive: %v", err)
		}
		return ps.list, nil
	}

	plan := planZip(f, zr, size, lim, checkHeaders, &ps)
	if ps.list.HasErrors() {
		return ps.list, nil
	}
	if err := extractZip(ctx, root, plan, size, lim, &ps); err != nil || ps.list.HasErrors() {
		if cerr := emptyDir(root); cerr != nil {
			err = errors.Join(err, fmt.Errorf("empty the staging directory: %w", cerr))
		}
		if err != nil {
			return nil, fmt.Errorf("unpack %s: %w", zipPath, err)
		}
		return ps.list, nil
	}
	return ps.list, nil
}

// openStaging creates destDir or checks that it is an empty directory, and
// opens it as a root.
func openStaging(destDir string) (*os.Root, error) {
	if err := os.Mkdir(destDir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("staging directory: %w", err)
	}
	root, err := os.OpenRoot(destDir)
	if err != nil {
		return nil, fmt.Errorf("staging directory: %w", err)
	}
	d, err := root.Open(".")
	if err == nil {
		var names []string
		names, err = d.Readdirnames(1)
		d.Close()
		if err == nil && len(names) > 0 {
			err = fmt.Errorf("%s is not empty", destDir)
		} else if errors.Is(err, io.EOF) {
			err = nil
		}
	}
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("staging directory: %w", err)
	}
	return root, nil
}

// emptyDir removes everything inside root.
func emptyDir(root *os.Root) error {
	d, err := root.Open(".")
	if err != nil {
		return err
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range names {
		if err := root.RemoveAll(n); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// End of central directory records.
const (
	eocdSig         = 0x06054b50
	eocdLen         = 22
	zip64LocatorSig = 0x07064b50
	zip64LocatorLen = 20
	zip64EOCDSig    = 0x06064b50
	zip64EOCDLen    = 56
	centralHdrLen   = 46 // fixed part of a central directory header
)

// checkEndRecord reads the declared entry count and central directory size
// before archive/zip parses (and holds in memory) the whole central
// directory, so that an archive declaring millions of entries is refused
// cheaply. It reports nothing when the end record cannot be found:
// archive/zip then reports the archive as invalid.
func checkEndRecord(f io.ReaderAt, size int64, lim Limits) (code, msg string) {
	n := min(size, eocdLen+65535)
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, size-n); err != nil && !errors.Is(err, io.EOF) {
		return CodeUnreadable, "cannot read the archive: " + errText(err)
	}
	i := -1
	for j := len(buf) - eocdLen; j >= 0; j-- {
		// As archive/zip does: the record's comment must fit the file.
		if binary.LittleEndian.Uint32(buf[j:]) == eocdSig && j+eocdLen+int(binary.LittleEndian.Uint16(buf[j+20:])) <= len(buf) {
			i = j
			break
		}
	}
	if i < 0 {
		return "", ""
	}
	rec := buf[i:]
	count := uint64(binary.LittleEndian.Uint16(rec[10:]))
	dirSize := uint64(binary.LittleEndian.Uint32(rec[12:]))
	if pos := size - n + int64(i) - zip64LocatorLen; pos >= 0 && (count == 0xffff || dirSize == 0xffffffff) {
		var loc [zip64LocatorLen]byte
		if _, err := f.ReadAt(loc[:], pos); err == nil && binary.LittleEndian.Uint32(loc[:]) == zip64LocatorSig {
			var rec64 [zip64EOCDLen]byte
			off := int64(binary.LittleEndian.Uint64(loc[8:]))
			if off >= 0 && off < size {
				if _, err := f.ReadAt(rec64[:], off); err == nil && binary.LittleEndian.Uint32(rec64[:]) == zip64EOCDSig {
					count = binary.LittleEndian.Uint64(rec64[32:])
					dirSize = binary.LittleEndian.Uint64(rec64[40:])
				}
			}
		}
	}
	if count > uint64(lim.MaxFiles) {
		return CodeTooMany, fmt.Sprintf("the archive declares %d entries, more than the limit of %d", count, lim.MaxFiles)
	}
	// archive/zip reads entries until the directory ends and compares only
	// the low 16 bits of their number with the declared count, so an
	// archive declaring 1 entry may hold 65537 or 4 million. Bound the
	// directory's size by the declared count (2 KiB per entry is far more
	// than a name of MaxPathLen with its extra fields needs) and by the
	// limit, before archive/zip holds it all in memory.
	if dirSize > count*2048+65536 {
		return CodeCorrupt, fmt.Sprintf("the central directory (%d bytes) is too large for the %d entries the archive declares", dirSize, count)
	}
	if dirSize > uint64(lim.MaxFiles)*1024 {
		return CodeTooMany, fmt.Sprintf("the central directory (%d bytes) is too large for %d entries", dirSize, lim.MaxFiles)
	}
	return "", ""
}

// entry is an archive member that passed the checks.
type entry struct {
	f    *zip.File
	name string // decoded, without a trailing slash
	dir  bool
}

// planZip checks the central directory as a whole and returns the entries
// to extract. Problems go to ps.
func planZip(ra io.ReaderAt, zr *zip.Reader, size int64, lim Limits, checkHeaders bool, ps *problems) []entry {
	if len(zr.File) > lim.MaxFiles {
		ps.add(CodeTooMany, "", "the archive has %d entries, more than the limit of %d", len(zr.File), lim.MaxFiles)
		return nil
	}
	type span struct {
		start, end int64
		name       string
	}
	var (
		plan     = make([]entry, 0, len(zr.File))
		ns       = newNamespace()
		spans    []span
		declared uint64
		tooLarge bool
		cp437    int
	)
	for _, f := range zr.File {
		if ps.full {
			break
		}
		name, fromCP437, ok := decodeName(f)
		shown := display(name)
		if !ok {
			ps.add(CodeName, shown, "name is flagged as UTF-8 but is not valid UTF-8")
			continue
		}
		if fromCP437 {
			cp437++
		}
		mode := f.Mode()
		dir := strings.HasSuffix(name, "/") || mode.IsDir()
		name = strings.TrimSuffix(name, "/")
		if code, msg := checkName(name, lim); code != "" {
			ps.add(code, shown, "%s", msg)
			continue
		}
		switch {
		case mode&fs.ModeSymlink != 0:
			ps.add(CodeLink, shown, "symbolic link")
			continue
		case mode&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket|fs.ModeIrregular) != 0:
			ps.add(CodeSpecial, shown, "not a regular file or directory (%s)", mode.Type())
			continue
		case f.Flags&0x1 != 0 || f.Method == 99: // traditional ZipCrypto, WinZip AES
			ps.add(CodeEncrypted, shown, "encrypted entry")
			continue
		}
		if msg := ns.add(name, dir); msg != "" {
			ps.add(CodeDuplicate, shown, "%s", msg)
			continue
		}
		if dir {
			if f.UncompressedSize64 > 0 {
				ps.add(CodeCorrupt, shown, "directory entry with %d bytes of content", f.UncompressedSize64)
				continue
			}
			plan = append(plan, entry{f: f, name: name, dir: true})
			continue
		}
		if f.Method != zip.Store && f.Method != zip.Deflate {
			ps.add(CodeMethod, shown, "unsupported compression method %d (only store and deflate are supported)", f.Method)
			continue
		}
		// The entry's compressed data must lie inside the archive and not
		// overlap another entry's (overlap is how some zip bombs expand).
		off, err := f.DataOffset()
		if err != nil {
			if isReadError(err) {
				ps.add(CodeUnreadable, shown, "cannot read the local header: %v", errText(err))
			} else {
				ps.add(CodeCorrupt, shown, "bad local header: %v", err)
			}
			continue
		}
		if f.CompressedSize64 > uint64(size) || off > size-int64(f.CompressedSize64) {
			ps.add(CodeCorrupt, shown, "entry data extends past the end of the archive")
			continue
		}
		if f.CompressedSize64 > 0 {
			spans = append(spans, span{off, off + int64(f.CompressedSize64), shown})
		}
		if checkHeaders {
			switch u := f.UncompressedSize64; {
			case u > uint64(lim.MaxFileSize):
				ps.add(CodeTooLarge, shown, "declared size %d bytes exceeds the limit of %d bytes per file", u, lim.MaxFileSize)
				continue
			case u > uint64(lim.ratioBytes(int64(f.CompressedSize64))):
				ps.add(CodeRatio, shown, "declared expansion from %d to %d bytes exceeds the ratio limit of %g", f.CompressedSize64, u, lim.MaxRatio)
				continue
			}
			declared += f.UncompressedSize64
			if declared > uint64(lim.MaxTotalSize) && !tooLarge {
				tooLarge = true
				ps.add(CodeTooLarge, "", "declared total size exceeds the limit of %d bytes", lim.MaxTotalSize)
			}
		}
		plan = append(plan, entry{f: f, name: name})
	}
	if checkHeaders && !tooLarge && declared > uint64(lim.ratioBytes(size)) {
		ps.add(CodeRatio, "", "declared total of %d bytes from a %d-byte archive exceeds the ratio limit of %g", declared, size, lim.MaxRatio)
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	for i := 1; i < len(spans) && !ps.full; i++ {
		if spans[i].start < spans[i-1].end {
			ps.add(CodeCorrupt, spans[i].name, "entry data overlaps that of %q", spans[i-1].name)
		}
	}
	if cp437 > 0 {
		ps.warn(CodeName, "", "%d entry names were not marked as UTF-8 and were decoded as code page 437 (DOS); check umlauts", cp437)
	}
	return plan
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// extractZip writes the planned entries below root, counting what is
// actually written. Problems go to ps; the error is for the environment.
func extractZip(ctx context.Context, root *os.Root, plan []entry, archiveSize int64, lim Limits, ps *problems) error {
	bufp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bufp)
	var total int64
	var dirs []entry
	for _, e := range plan {
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.dir {
			if err := root.MkdirAll(e.name, 0o755); err != nil {
				return err
			}
			dirs = append(dirs, e)
			continue
		}
		if dir := path.Dir(e.name); dir != "." {
			if err := root.MkdirAll(dir, 0o755); err != nil {
				return err
			}
		}
		n, err := extractFile(ctx, root, e, total, archiveSize, lim, *bufp, ps)
		if err != nil || ps.list.HasErrors() {
			return err
		}
		total += n
	}
	// Directory times last: creating files in them changes them.
	for _, e := range dirs {
		setModTime(root, e)
	}
	return nil
}

// extractFile writes one file and returns its size.
func extractFile(ctx context.Context, root *os.Root, e entry, total, archiveSize int64, lim Limits, buf []byte, ps *problems) (int64, error) {
	shown := display(e.name)
	rc, err := e.f.Open()
	if err != nil {
		switch {
		case errors.Is(err, zip.ErrAlgorithm):
			ps.add(CodeMethod, shown, "unsupported compression method %d", e.f.Method)
		case isReadError(err):
			ps.add(CodeUnreadable, shown, "cannot read the entry: %v", errText(err))
		default:
			ps.add(CodeCorrupt, shown, "cannot open the entry: %v", err)
		}
		return 0, nil
	}
	defer rc.Close()
	out, err := root.OpenFile(e.name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) { // the plan rules this out; be safe anyway
			ps.add(CodeDuplicate, shown, "exists already")
			return 0, nil
		}
		return 0, err
	}

	// The most this entry may write, and which limit that is.
	limit, code, why := lim.MaxFileSize, CodeTooLarge, fmt.Sprintf("exceeds the limit of %d bytes per file", lim.MaxFileSize)
	if l := lim.MaxTotalSize - total; l < limit {
		limit, code, why = l, CodeTooLarge, fmt.Sprintf("takes the total past the limit of %d bytes", lim.MaxTotalSize)
	}
	if l := lim.ratioBytes(int64(e.f.CompressedSize64)); l < limit {
		limit, code, why = l, CodeRatio, fmt.Sprintf("expands %d compressed bytes beyond the ratio limit of %g", e.f.CompressedSize64, lim.MaxRatio)
	}
	if l := lim.ratioBytes(archiveSize) - total; l < limit {
		limit, code, why = l, CodeRatio, fmt.Sprintf("takes the total expansion of the %d-byte archive beyond the ratio limit of %g", archiveSize, lim.MaxRatio)
	}
	limit = max(limit, 0)

	// Count what is written, whatever the headers say: read at most one
	// byte more than allowed to detect the excess.
	n, err := io.CopyBuffer(&ctxWriter{ctx: ctx, w: out}, io.LimitReader(rc, limit+1), buf)
	cerr := out.Close()
	var werr *writeError
	switch {
	case errors.As(err, &werr):
		return n, werr.err
	case err != nil && ctx.Err() != nil:
		return n, ctx.Err()
	case err != nil && isReadError(err):
		ps.add(CodeUnreadable, shown, "cannot read the entry: %v", errText(err))
		return n, nil
	case errors.Is(err, zip.ErrChecksum):
		ps.add(CodeCorrupt, shown, "CRC-32 mismatch: the content is damaged")
		return n, nil
	case errors.Is(err, io.ErrUnexpectedEOF):
		ps.add(CodeCorrupt, shown, "content ends before the declared size %d: truncated or damaged", e.f.UncompressedSize64)
		return n, nil
	case errors.Is(err, zip.ErrFormat):
		ps.add(CodeCorrupt, shown, "content does not match the declared size %d", e.f.UncompressedSize64)
		return n, nil
	case err != nil:
		ps.add(CodeCorrupt, shown, "damaged content: %v", err)
		return n, nil
	case n > limit:
		ps.add(code, shown, "%s", why)
		return n, nil
	case cerr != nil:
		return n, cerr
	}
	setModTime(root, e)
	return n, nil
}

// setModTime keeps the entry's modification time. It is informational:
// a failure is not an error.
func setModTime(root *os.Root, e entry) {
	if t := e.f.Modified; !t.IsZero() && t.After(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)) {
		_ = root.Chtimes(e.name, t, t)
	}
}

// ctxWriter stops writing when ctx is done and marks write errors, so that
// they are told apart from errors reading the archive.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

func (c *ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, &writeError{err}
	}
	n, err := c.w.Write(p)
	if err != nil {
		err = &writeError{err}
	}
	return n, err
}

// isReadError reports an I/O error of the input file (EIO and the like),
// as opposed to a format error in its content. A ReadAt at an offset that
// a damaged header computed ("negative offset") is a format error.
func isReadError(err error) bool {
	var errno syscall.Errno
	return errors.As(err, &errno) || errors.Is(err, os.ErrClosed)
}

// errText is err's message without the file path, which callers put in
// Problem.Path or which is the caller's own input path.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}
