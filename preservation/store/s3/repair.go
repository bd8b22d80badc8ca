package s3

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"

	"github.com/minio/minio-go/v7"

	"github.com/magazin-archiv/magazin/preservation/store"
)

var _ store.Repairer = (*Store)(nil)

// current is what Repair found under a key.
type current struct {
	found bool
	etag  string
	sum   string // SHA-512 of the content read, not of the metadata
	info  store.Info
}

// inspect reads the object under key in full, without trusting its
// metadata digest or asking the server for its checksum, and hashes it.
func (s *Store) inspect(ctx context.Context, key string) (current, error) {
	rc, oi, _, err := s.core.GetObject(ctx, s.cfg.Bucket, s.object(key), minio.GetObjectOptions{})
	if err != nil {
		err = s.pathError(ctx, "repair", key, err)
		if errors.Is(err, iofs.ErrNotExist) {
			return current{}, nil
		}
		return current{}, err
	}
	defer rc.Close()
	h := sha512.New()
	if _, err := io.Copy(h, store.ContextReader(ctx, rc)); err != nil {
		return current{}, s.pathError(ctx, "repair", key, err)
	}
	return current{found: true, etag: oi.ETag, sum: hex.EncodeToString(h.Sum(nil)), info: s.info(key, oi)}, nil
}

// Repair implements store.Repairer.
//
// The current object is read in full and hashed (its metadata digest is not
// trusted). A missing object is created with If-None-Match: *, a damaged
// one is replaced with If-Match: <its ETag>, so that Repair never
// overwrites an object it has not examined. When the server refuses the
// condition because the key changed meanwhile, Repair examines it again:
// intact now means ErrIntact, damaged now means another guarded attempt.
// A key that looks missing but still fails If-None-Match (versitygw counts
// a delete marker in a versioned bucket as an object) is written without
// condition.
//
// In a versioned bucket, and so in every bucket with object lock, Repair
// writes a new current version of the key (with retention when RetainDays
// is set); the damaged version is not removed, and under object lock it
// cannot be before its retention ends. It stays as a noncurrent version,
// invisible to Get, Stat and List, until a lifecycle rule or an
// administrator removes it. A missing object in such a bucket is usually a
// delete marker, which Repair covers with a new version in the same way.
func (s *Store) Repair(ctx context.Context, key string, r io.Reader, size int64, sha512 string) (store.Info, error) {
	if err := store.CheckPut(ctx, key, size, sha512); err != nil {
		return store.Info{}, &iofs.PathError{Op: "repair", Path: key, Err: err}
	}
	cur, err := s.inspect(ctx, key)
	if err != nil {
		return store.Info{}, err
	}
	if cur.found && cur.sum == sha512 {
		info := cur.info
		info.SHA512 = sha512
		return info, &iofs.PathError{Op: "repair", Path: key, Err: store.ErrIntact}
	}
	g := guard{ifNoneMatch: true}
	if cur.found {
		g = guard{ifMatch: cur.etag}
	}
	var intactNow *current
	retry := func() (guard, bool) {
		now, err := s.inspect(ctx, key)
		switch {
		case err != nil:
			return guard{}, false
		case !now.found:
			return guard{}, true
		case now.sum == sha512:
			intactNow = &now
			return guard{}, false
		default:
			return guard{ifMatch: now.etag}, true
		}
	}
	opts, err := s.putOptions(ctx, sha512)
	if err != nil {
		return store.Info{}, s.pathError(ctx, "repair", key, err)
	}
	v := store.NewVerifier(ctx, r, size, sha512)
	var info minio.UploadInfo
	var crc uint32
	if size <= s.cfg.PartSize {
		info, crc, err = s.putSingle(ctx, key, v, size, opts, g, retry)
	} else {
		info, crc, err = s.putMultipart(ctx, key, v, size, opts, g, retry)
	}
	if err != nil {
		if intactNow != nil {
			info := intactNow.info
			info.SHA512 = sha512
			return info, &iofs.PathError{Op: "repair", Path: key, Err: store.ErrIntact}
		}
		if isLocal(ctx, err) {
			return store.Info{}, &iofs.PathError{Op: "repair", Path: key, Err: err}
		}
		return store.Info{}, s.pathError(ctx, "repair", key, err)
	}
	if got, want := info.ChecksumCRC32C, crc32c(crc); got != "" && got != want {
		return store.Info{}, &iofs.PathError{Op: "repair", Path: key, Err: fmt.Errorf("server reports CRC32C %s for the stored object, the content sent has %s", got, want)}
	}
	return store.Info{Key: key, Size: size, SHA512: sha512, Modified: info.LastModified}, nil
}

var _ store.Replacer = (*Store)(nil)

// Replace implements store.Replacer. The current object is read in full and
// hashed; the new one is sent with If-Match: <the examined ETag> (or
// If-None-Match: * when old is "" and the key is missing), so that a swap
// never replaces an object Replace has not examined. When the server
// refuses the condition, the key is examined again: the new content now
// means done, the old content under a new ETag (rewritten by a retry) a
// further guarded attempt, anything else ErrChanged.
//
// In a versioned bucket, and so in every bucket with object lock, the
// replaced object stays as a noncurrent version (with its retention); the
// new current version gets retention as Put gives it.
func (s *Store) Replace(ctx context.Context, key, old string, r io.Reader, size int64, sha512 string) (store.Info, error) {
	if err := store.CheckPut(ctx, key, size, sha512); err != nil {
		return store.Info{}, &iofs.PathError{Op: "replace", Path: key, Err: err}
	}
	changed := &iofs.PathError{Op: "replace", Path: key, Err: store.ErrChanged}
	cur, err := s.inspect(ctx, key)
	if err != nil {
		return store.Info{}, err
	}
	// decide returns the guard for the swap of what was found, or done
	// when the content is already the new one.
	decide := func(c current) (g guard, done bool, err error) {
		switch {
		case c.found && c.sum == sha512:
			return guard{}, true, nil
		case !c.found && old == "":
			return guard{ifNoneMatch: true}, false, nil
		case c.found && old != "" && c.sum == old:
			return guard{ifMatch: c.etag}, false, nil
		}
		return guard{}, false, changed
	}
	g, done, err := decide(cur)
	if err != nil {
		return store.Info{}, err
	}
	if done {
		info := cur.info
		info.SHA512 = sha512
		return info, nil
	}
	var finished *current
	var refused error
	retry := func() (guard, bool) {
		now, err := s.inspect(ctx, key)
		if err != nil {
			refused = err
			return guard{}, false
		}
		g, done, err := decide(now)
		switch {
		case err != nil:
			refused = err
			return guard{}, false
		case done:
			finished = &now
			return guard{}, false
		}
		return g, true
	}
	opts, err := s.putOptions(ctx, sha512)
	if err != nil {
		return store.Info{}, s.pathError(ctx, "replace", key, err)
	}
	v := store.NewVerifier(ctx, r, size, sha512)
	var info minio.UploadInfo
	var crc uint32
	if size <= s.cfg.PartSize {
		info, crc, err = s.putSingle(ctx, key, v, size, opts, g, retry)
	} else {
		info, crc, err = s.putMultipart(ctx, key, v, size, opts, g, retry)
	}
	if err != nil {
		switch {
		case finished != nil:
			info := finished.info
			info.SHA512 = sha512
			return info, nil
		case refused != nil:
			return store.Info{}, refused
		case isLocal(ctx, err):
			return store.Info{}, &iofs.PathError{Op: "replace", Path: key, Err: err}
		case code(err) == "PreconditionFailed":
			return store.Info{}, changed
		}
		return store.Info{}, s.pathError(ctx, "replace", key, err)
	}
	if got, want := info.ChecksumCRC32C, crc32c(crc); got != "" && got != want {
		return store.Info{}, &iofs.PathError{Op: "replace", Path: key, Err: fmt.Errorf("server reports CRC32C %s for the stored object, the content sent has %s", got, want)}
	}
	return store.Info{Key: key, Size: size, SHA512: sha512, Modified: info.LastModified}, nil
}
