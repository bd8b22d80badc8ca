// Package store defines the Store interface through which magazin keeps every
// archival object, the optional capabilities a backend may offer, and small
// helpers shared by the backends. The backends live in the sub-packages fs,
// s3 and mem; location.Open turns a store URL into one of them, and
// storetest holds the conformance suite every backend passes.
//
// Contract of every Store:
//   - Keys are slash-separated, relative, valid UTF-8, without "." or ".."
//     segments and without a leading or trailing slash (see ValidKey).
//   - A backend that stores keys as paths (fs, or an S3 server on a file
//     system) cannot hold both "a/b" and "a/b/c"; it refuses the second with
//     an error matching ErrKeyConflict.
//   - Put never overwrites: putting the same key with the same SHA-512 is a
//     no-op; with a different digest it fails with an error matching
//     fs.ErrExist. Put verifies the SHA-512 while streaming and stores
//     nothing when it does not match (ErrDigestMismatch) or when fewer or
//     more than size bytes arrive (ErrSizeMismatch).
//   - A missing key is an error matching fs.ErrNotExist, wrapped in an
//     *fs.PathError.
//   - List yields objects under a prefix in lexical key order; breaking out
//     of the loop releases all resources.
//   - All methods honour context cancellation.
//   - A failure of the store itself rather than of the request (the server
//     cannot be reached or is overloaded, the disk is full or gone)
//     matches ErrUnavailable where the backend can tell; IsTransient
//     classifies any error. Package retry wraps a store so that callers
//     wait such outages out.
//   - Implementations are safe for concurrent use.
package store

import (
	"context"
	"errors"
	"io"
	"iter"
	"time"
	"unicode/utf8"

	"github.com/magazin-archiv/magazin/preservation"
)

// Info describes a stored object.
type Info = preservation.ObjectInfo

// Errors shared by all backends, checked with errors.Is.
var (
	// ErrDigestMismatch: the content did not have the SHA-512 the caller declared.
	ErrDigestMismatch = errors.New("store: sha512 digest mismatch")
	// ErrSizeMismatch: the content did not have the length the caller declared.
	ErrSizeMismatch = errors.New("store: size mismatch")
	// ErrUnsupported: the backend lacks an optional capability.
	ErrUnsupported = errors.New("store: operation not supported")
	// ErrInvalidKey: the key is not a valid store key.
	ErrInvalidKey = errors.New("store: invalid key")
	// ErrKeyConflict: the backend cannot hold the key next to an existing
	// key that is a path prefix of it, or that it is a path prefix of.
	ErrKeyConflict = errors.New("store: key conflicts with an existing key")
	// ErrIntact: Repair found the object intact and left it alone.
	ErrIntact = errors.New("store: object is intact, not replaced")
	// ErrChanged: Replace found other content under the key than the
	// caller expected (another writer was first); nothing was written.
	ErrChanged = errors.New("store: object is not the expected one, not replaced")
)

// Store is a flat key space of immutable objects.
type Store interface {
	// Put stores size bytes from r under key. sha512 is the lower-case hex
	// SHA-512 the content must have.
	Put(ctx context.Context, key string, r io.Reader, size int64, sha512 string) (Info, error)
	// Get opens the object under key. The caller closes the reader.
	Get(ctx context.Context, key string) (io.ReadCloser, Info, error)
	// Stat describes the object under key.
	Stat(ctx context.Context, key string) (Info, error)
	// List yields every object whose key starts with prefix, in lexical order.
	List(ctx context.Context, prefix string) iter.Seq2[Info, error]
	// String names the store for messages, e.g. its URL without secrets.
	String() string
}

// RangeGetter is implemented by stores that can read part of an object.
type RangeGetter interface {
	// GetRange opens length bytes of key starting at offset; length < 0
	// means to the end. A range reaching past the end is cut short; an
	// offset past the end is an error.
	GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
}

// Remover is implemented by stores that may delete objects. It is used for
// staging areas, and for archival objects only by the disposal of an AIP
// that two archivists approved (docs/disposal.md), after its retention
// (RetentionReporter) has ended. Removing a missing key is not an error.
type Remover interface {
	Remove(ctx context.Context, key string) error
}

// Destroyer is implemented by stores that keep earlier versions of
// objects, where Remove leaves them behind (S3 buckets with versioning,
// and so every bucket with object lock). Destroy removes the object under
// key with every version of it the backend keeps, including delete
// markers. It is used only by the disposal of an AIP (docs/disposal.md);
// object lock refuses it before the retention of a version ends. Destroying
// a missing key is not an error.
type Destroyer interface {
	Destroy(ctx context.Context, key string) error
}

// Repairer is implemented by stores that can replace a damaged object with
// its correct content. It is the one exception to "Put never overwrites",
// used by fixity audits (package fixity) to heal a copy from a healthy
// replica, and it can only ever put back the content the caller proves
// by its digest:
//   - Repair first reads the object under key in full and hashes it; the
//     digest a backend keeps in its metadata is not trusted, since silent
//     damage leaves it unchanged. When the content has the SHA-512 sha512,
//     Repair writes nothing, reads nothing from r and returns the object's
//     Info with an error matching ErrIntact. A healthy object is never
//     replaced.
//   - Otherwise the object is missing, unreadable or has other content,
//     and Repair streams size bytes from r, checking size and SHA-512 as
//     Put does (ErrSizeMismatch, ErrDigestMismatch). Only content that
//     passes replaces the object, in one atomic step: readers see the old
//     object or the new one, never a mix, and a failed Repair leaves the
//     object as it was.
//   - The new object keeps the contract of Put (durability, read-only
//     files, digest metadata, object-lock retention). A key another key
//     is in the way of is still ErrKeyConflict.
//
// Repair cannot tell a damaged object from one deliberately written with
// other content: the caller must know that sha512 is the key's true
// content, e.g. from an OCFL inventory confirmed by a replica.
type Repairer interface {
	Repair(ctx context.Context, key string, r io.Reader, size int64, sha512 string) (Info, error)
}

// Replacer is implemented by stores that can swap the content of a key in
// one compare-and-swap step. It is the second exception to "Put never
// overwrites" (after Repairer), and it exists for exactly two keys of each
// OCFL object: the root inventory.json and its sidecar
// inventory.json.sha512, which every new version of an object replaces
// (docs/adr/0002-aip-versions.md). Everything else stays write-once.
//   - Replace reads the object under key in full and hashes it (a digest in
//     the backend's metadata is not trusted). When it already has the
//     SHA-512 sha512, Replace writes nothing, reads nothing from r and
//     returns the object's Info: a Replace repeated after a crash is a
//     no-op.
//   - When its content has the SHA-512 old, Replace streams size bytes
//     from r, checking size and SHA-512 as Put does (ErrSizeMismatch,
//     ErrDigestMismatch), and replaces the object in one atomic step, on
//     the condition that it still is the one examined (fs: a lock file and
//     rename(2); S3: If-Match with the ETag of the examined object).
//     Readers see the old object or the new one, never a mix; a failed
//     Replace leaves the object as it was.
//   - Otherwise — the object is missing (and old is not ""), or it holds
//     content other than old and sha512, also when another writer replaced
//     it between the examination and the swap — Replace writes nothing
//     and fails with an error matching ErrChanged.
//   - old == "" means the key must be missing: Replace then creates it as
//     Put does, and other content under it is ErrChanged.
//   - The new object keeps the contract of Put (durability, read-only
//     files, digest metadata, object-lock retention: in a versioned bucket
//     the replaced object stays as a noncurrent version).
type Replacer interface {
	Replace(ctx context.Context, key, old string, r io.Reader, size int64, sha512 string) (Info, error)
}

// RetentionReporter is implemented by stores whose objects may be under a
// retention period (S3 object lock). Retention reports the mode and the
// end of an object's retention; an object without retention of its own
// reports "" and the zero time.
type RetentionReporter interface {
	Retention(ctx context.Context, key string) (mode string, until time.Time, err error)
}

// ValidKey reports whether key is a valid store key.
func ValidKey(key string) bool {
	if key == "" || len(key) > 1024 || key[0] == '/' || key[len(key)-1] == '/' {
		return false
	}
	start := 0
	for i := 0; i <= len(key); i++ {
		if i == len(key) || key[i] == '/' {
			seg := key[start:i]
			if seg == "" || seg == "." || seg == ".." {
				return false
			}
			start = i + 1
			continue
		}
		if key[i] == 0 || key[i] == '\\' {
			return false
		}
	}
	return utf8.ValidString(key)
}

// ContextReader returns a reader that fails with ctx's error once ctx is
// done, so that long copies honour cancellation between reads.
func ContextReader(ctx context.Context, r io.Reader) io.Reader { return ctxReader{ctx, r} }

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
