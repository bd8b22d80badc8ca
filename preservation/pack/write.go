package pack

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/store"
)

// File is one file to put into a package.
type File struct {
	// Path is where the file goes, slash separated, relative to the
	// place the package kind gives it (a bag's data/, a
	// representation's data/, the package root for metadata).
	Path string
	// Open opens the content for reading.
	Open func(ctx context.Context) (io.ReadCloser, error)
	// SHA512, when set, is the content's expected SHA-512 (hex): checked
	// while copying.
	SHA512 string
	// Size, when not negative, is the expected size: checked too.
	Size int64
	// MIME is the media type written into METS (default
	// application/octet-stream).
	MIME string
}

// Digests are what was measured of a file while it was written.
type Digests struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	SHA512 string `json:"sha512"`
}

// Result tells what a package holds.
type Result struct {
	// Dir is the package folder.
	Dir string `json:"dir"`
	// Files are the digests of every file written, by path relative to
	// Dir (slash separated), payload, metadata and tag files alike.
	Files map[string]Digests `json:"files"`
	// Payload counts the payload files and their bytes.
	PayloadFiles int   `json:"payloadFiles"`
	PayloadBytes int64 `json:"payloadBytes"`
}

// ErrPath: a file's path is not a clean relative path.
var ErrPath = errors.New("pack: invalid path")

// staging is a package being written.
type staging struct {
	final, dir string
	root       *os.Root
	res        *Result
	progress   preservation.Progress
	// written maps a SHA-512 to a path already written with it.
	written map[string]string
	now     time.Time
}

// begin prepares writing the package dir, which must not exist.
func begin(dir string, progress preservation.Progress) (*staging, error) {
	if progress == nil {
		progress = preservation.NoProgress{}
	}
	dir = filepath.Clean(dir)
	if _, err := os.Lstat(dir); err == nil {
		return nil, fmt.Errorf("pack: %s: %w", dir, fs.ErrExist)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("pack: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o750); err != nil {
		return nil, fmt.Errorf("pack: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".partial-")
	if err != nil {
		return nil, fmt.Errorf("pack: %w", err)
	}
	root, err := os.OpenRoot(tmp)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("pack: %w", err)
	}
	return &staging{final: dir, dir: tmp, root: root, progress: progress, written: map[string]string{},
		res: &Result{Dir: dir, Files: map[string]Digests{}}, now: time.Now().UTC().Truncate(time.Second)}, nil
}

// abort removes the partial package.
func (s *staging) abort() {
	s.root.Close()
	os.RemoveAll(s.dir)
}

// commit renames the complete package into place.
func (s *staging) commit() (*Result, error) {
	if err := s.root.Close(); err != nil {
		os.RemoveAll(s.dir)
		return nil, fmt.Errorf("pack: %w", err)
	}
	if _, err := os.Lstat(s.final); err == nil {
		os.RemoveAll(s.dir)
		return nil, fmt.Errorf("pack: %s: %w", s.final, fs.ErrExist)
	}
	if err := os.Rename(s.dir, s.final); err != nil {
		os.RemoveAll(s.dir)
		return nil, fmt.Errorf("pack: %w", err)
	}
	return s.res, nil
}

// cleanPath checks that p is a clean, relative, slash-separated path.
func cleanPath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || path.Clean(p) != p || p == "." || strings.HasPrefix(p, "../") || p == ".." ||
		strings.ContainsAny(p, "\\\x00") {
		return fmt.Errorf("%w: %q", ErrPath, p)
	}
	return nil
}

// put writes f at rel (relative to the package root), hashing while
// writing, and checks what f declares.
func (s *staging) put(ctx context.Context, rel string, f File) (Digests, error) {
	if err := cleanPath(rel); err != nil {
		return Digests{}, err
	}
	if _, dup := s.res.Files[rel]; dup {
		return Digests{}, fmt.Errorf("%w: %q twice", ErrPath, rel)
	}
	want := strings.ToLower(f.SHA512)
	var rc io.ReadCloser
	var err error
	if prev, ok := s.written[want]; ok && want != "" {
		rc, err = s.root.Open(prev) // the same content: copy our own copy
	} else if f.Open == nil {
		return Digests{}, fmt.Errorf("pack: %s: nothing to read", rel)
	} else {
		rc, err = f.Open(ctx)
	}
	if err != nil {
		return Digests{}, fmt.Errorf("pack: %s: %w", rel, err)
	}
	defer rc.Close()
	d, err := s.write(ctx, rel, rc)
	if err != nil {
		return Digests{}, err
	}
	if want != "" && d.SHA512 != want {
		return Digests{}, fmt.Errorf("pack: %s: %w", rel, store.ErrDigestMismatch)
	}
	if f.Size >= 0 && f.Open != nil && d.Size != f.Size {
		return Digests{}, fmt.Errorf("pack: %s: %w: %d bytes, expected %d", rel, store.ErrSizeMismatch, d.Size, f.Size)
	}
	s.written[d.SHA512] = rel
	return d, nil
}

// putBytes writes small generated content (METS, tag files).
func (s *staging) putBytes(ctx context.Context, rel string, b []byte) (Digests, error) {
	return s.put(ctx, rel, File{Size: int64(len(b)), Open: func(context.Context) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(string(b))), nil
	}})
}

func (s *staging) write(ctx context.Context, rel string, r io.Reader) (Digests, error) {
	if d := path.Dir(rel); d != "." {
		if err := s.root.MkdirAll(filepath.FromSlash(d), 0o750); err != nil {
			return Digests{}, fmt.Errorf("pack: %s: %w", rel, err)
		}
	}
	out, err := s.root.OpenFile(filepath.FromSlash(rel), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return Digests{}, fmt.Errorf("pack: %s: %w", rel, err)
	}
	h256, h512 := sha256.New(), sha512.New()
	n, err := io.Copy(io.MultiWriter(out, h256, h512, progressWriter{s.progress}), store.ContextReader(ctx, r))
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Digests{}, fmt.Errorf("pack: %s: %w", rel, err)
	}
	d := Digests{Size: n, SHA256: hexSum(h256), SHA512: hexSum(h512)}
	s.res.Files[rel] = d
	return d, nil
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// progressWriter reports bytes written.
type progressWriter struct{ p preservation.Progress }

func (w progressWriter) Write(b []byte) (int, error) {
	w.p.Add(int64(len(b)))
	return len(b), nil
}
