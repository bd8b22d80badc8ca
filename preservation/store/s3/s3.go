// Package s3 is the S3 store backend (MinIO, Ceph RGW, AWS, versitygw),
// built on minio-go. A store is addressed by a URL such as
//
//	s3://archive/magazin?endpoint=s3.example.org:9000&tls=true&region=eu-central-1
//
// which ParseURL turns into a Config; credentials are added by the caller
// (package location takes them from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
// and AWS_SESSION_TOKEN). This package reads no environment.
//
// Contract, in addition to that of store.Store:
//   - The object with key k is "<prefix>/k" in the bucket. Its SHA-512 is kept
//     in the user metadata X-Amz-Meta-Sha512; Stat reports it, and so does
//     List where the server returns metadata in listings (MinIO does).
//   - Put never overwrites, also under concurrency: the request that makes
//     the object visible (the PUT, or CompleteMultipartUpload) carries
//     If-None-Match: *. When the key is taken, the stored digest decides:
//     the same digest is a no-op, another one fs.ErrExist.
//   - Put reads the content once, in parts of Config.PartSize held in
//     memory, computing SHA-512 and CRC32C in the same pass. The request that
//     makes the object visible is sent only after size and SHA-512 have been
//     verified, so bad content never appears; a failed multipart upload is
//     aborted. The server verifies the CRC32C of every part and of the whole
//     object, and Put checks that the checksum the server reports is the one
//     it computed.
//   - In a bucket with object lock, Put sets retention of Config.RetainDays
//     in Config.RetainMode when RetainDays > 0; Retention reports an
//     object's lock from its headers.
//   - Get asks for the object's checksum and verifies a full-object CRC32C
//     while reading; a mismatch is an error at the end of the stream.
//   - Store implements store.RangeGetter, store.Remover, store.Repairer and
//     store.Replacer (see Repair and Replace for what they mean in
//     versioned and locked buckets), store.RetentionReporter and
//     store.Destroyer.
//   - Failures of the service match store.ErrUnavailable: S3 errors
//     SlowDown, ServiceUnavailable, InternalError and the like, HTTP 5xx
//     (but 501), 429 and 408, and requests that did not get through after
//     minio-go's own few quick retries (connection refused or reset,
//     timeouts). So do failures of a reader from Get or GetRange whose
//     connection broke off.
package s3

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	iofs "io/fs"
	"iter"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/magazin-archiv/magazin/preservation/store"
)

// metaSHA512 is the user metadata key of an object's SHA-512, as minio-go
// reports it (the header is X-Amz-Meta-Sha512).
const metaSHA512 = "Sha512"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Store is a store.Store in an S3 bucket.
type Store struct {
	cfg    Config
	client *minio.Client
	core   minio.Core
	prefix string // cfg.Prefix + "/", or ""
	// unsignedPayload sets DisableContentSha256 on uploads (see Config.TLS).
	unsignedPayload bool

	bucketFound atomic.Bool // the bucket was seen to exist

	lockMu    sync.Mutex
	lockKnown bool // whether the bucket's object lock state is known
	locked    bool // whether the bucket has object lock enabled
}

var (
	_ store.Store       = (*Store)(nil)
	_ store.RangeGetter = (*Store)(nil)
	_ store.Remover     = (*Store)(nil)

	_ store.RetentionReporter = (*Store)(nil)
	_ store.Destroyer         = (*Store)(nil)
)

// New returns the store described by cfg. It sends no request; Init
// creates a missing bucket.
func New(cfg Config) (*Store, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:      credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken),
		Secure:     cfg.TLS,
		Region:     cfg.Region,
		Transport:  cfg.Transport,
		MaxRetries: cmp.Or(cfg.Attempts, DefaultAttempts),
	})
	if err != nil {
		return nil, fmt.Errorf("s3 store %s: %w", cfg, err)
	}
	// The client holds the credentials; the Store keeps none.
	cfg.AccessKey, cfg.SecretKey, cfg.SessionToken = "", "", ""
	s := &Store{cfg: cfg, client: client, core: minio.Core{Client: client}, unsignedPayload: !cfg.TLS}
	if cfg.Prefix != "" {
		s.prefix = cfg.Prefix + "/"
	}
	return s, nil
}

// String returns the store URL, without credentials.
func (s *Store) String() string { return s.cfg.String() }

// GoString keeps %#v from printing the client's internals.
func (s *Store) GoString() string { return "s3.Store(" + s.String() + ")" }

// Client returns the underlying minio-go client, for tests and tools.
func (s *Store) Client() *minio.Client { return s.client }

// Init creates the bucket if it is missing, with object lock when
// Config.ObjectLock is set. It is idempotent. With Config.ObjectLock, an
// existing bucket without object lock is an error.
func (s *Store) Init(ctx context.Context) error {
	exists, err := s.client.BucketExists(ctx, s.cfg.Bucket)
	if err != nil {
		return fmt.Errorf("s3 store %s: init: %w", s, err)
	}
	if !exists {
		err := s.client.MakeBucket(ctx, s.cfg.Bucket, minio.MakeBucketOptions{Region: s.cfg.Region, ObjectLocking: s.cfg.ObjectLock})
		if code(err) != "BucketAlreadyOwnedByYou" && err != nil {
			return fmt.Errorf("s3 store %s: init: create bucket: %w", s, err)
		}
	}
	if s.cfg.ObjectLock {
		locked, err := s.objectLock(ctx)
		if err != nil {
			return fmt.Errorf("s3 store %s: init: %w", s, err)
		}
		if !locked {
			return fmt.Errorf("s3 store %s: init: bucket %s exists without object lock", s, s.cfg.Bucket)
		}
	}
	return nil
}

// bucketExists reports whether the bucket exists. A positive answer is kept.
func (s *Store) bucketExists(ctx context.Context) (bool, error) {
	if s.bucketFound.Load() {
		return true, nil
	}
	exists, err := s.client.BucketExists(ctx, s.cfg.Bucket)
	if exists {
		s.bucketFound.Store(true)
	}
	return exists, err
}

// object returns the object name of key.
func (s *Store) object(key string) string { return s.prefix + key }

// code returns the S3 error code of err, or "".
func code(err error) string {
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		return er.Code
	}
	return ""
}

// pathError converts a minio-go error for key into the store's errors: a
// missing object is fs.ErrNotExist, a path clash store.ErrKeyConflict (or,
// when reading, fs.ErrNotExist), and a cancelled context shows.
func (s *Store) pathError(ctx context.Context, op, key string, err error) error {
	switch code(err) {
	case "NoSuchKey", "NotFound":
		// A HEAD request cannot tell a missing bucket from a missing key.
		if exists, berr := s.bucketExists(ctx); berr == nil && !exists {
			err = fmt.Errorf("bucket %s of %s does not exist (magazin store init creates it)", s.cfg.Bucket, s)
		} else {
			err = iofs.ErrNotExist
		}
	case "ObjectParentIsFile", "ExistingObjectIsDirectory":
		if op == "put" {
			err = fmt.Errorf("%w: %w", store.ErrKeyConflict, err)
		} else {
			err = iofs.ErrNotExist
		}
	case "NoSuchBucket":
		err = fmt.Errorf("bucket %s of %s does not exist (magazin store init creates it): %w", s.cfg.Bucket, s, err)
	}
	if transient(ctx, err) {
		err = store.Unavailable(err)
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w: %w", cerr, err)
	}
	return &iofs.PathError{Op: op, Path: key, Err: err}
}

// transientCodes are S3 error codes of a service that is overloaded,
// starting or failing, and may answer the same request later.
var transientCodes = map[string]bool{
	"SlowDown": true, "SlowDownRead": true, "SlowDownWrite": true, "ServiceUnavailable": true,
	"InternalError": true, "RequestTimeout": true, "Throttling": true, "ThrottlingException": true,
	"RequestThrottled": true, "RequestLimitExceeded": true, "TooManyRequests": true,
	"XMinioServerNotInitialized": true,
}

// transient reports whether err, from a request made with ctx, is a failure
// of the service rather than an answer to the request: an S3 error code of
// an overloaded or failing server, an HTTP status 5xx (but 501), 429 or
// 408, or a request that did not get through (connection refused or
// broken, a timeout of the client's own) — but never when ctx has ended,
// nor for a certificate that does not verify or a name that does not
// resolve, which are configuration errors.
func transient(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		if transientCodes[er.Code] {
			return true
		}
		st := er.StatusCode
		return st >= 500 && st != http.StatusNotImplemented || st == http.StatusTooManyRequests || st == http.StatusRequestTimeout
	}
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		verify    *tls.CertificateVerificationError
		record    tls.RecordHeaderError
		dns       *net.DNSError
	)
	switch {
	case errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &invalid), errors.As(err, &verify), errors.As(err, &record):
		return false
	case errors.As(err, &dns):
		return dns.IsTimeout || dns.IsTemporary
	}
	// minio-go has already retried a request that did not get through a
	// few times; what it hands on is a *url.Error.
	var ue *url.Error
	return errors.As(err, &ue) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded) ||
		store.IsNetworkFailure(err)
}

// body marks the transient failures of a response body (the connection
// broke off) with store.ErrUnavailable.
type body struct {
	ctx context.Context
	rc  io.ReadCloser
}

func (b body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF && transient(b.ctx, err) {
		err = store.Unavailable(err)
	}
	return n, err
}

func (b body) Close() error { return b.rc.Close() }

// check validates key and the context before a request.
func check(ctx context.Context, op, key string) error {
	if !store.ValidKey(key) {
		return &iofs.PathError{Op: op, Path: key, Err: store.ErrInvalidKey}
	}
	if err := ctx.Err(); err != nil {
		return &iofs.PathError{Op: op, Path: key, Err: err}
	}
	return nil
}

// info converts minio-go's object info.
func (s *Store) info(key string, oi minio.ObjectInfo) store.Info {
	info := store.Info{Key: key, Size: oi.Size, Modified: oi.LastModified}
	if sum := oi.UserMetadata[metaSHA512]; store.ValidSHA512(sum) {
		info.SHA512 = sum
	}
	return info
}

// Stat implements store.Store.
func (s *Store) Stat(ctx context.Context, key string) (store.Info, error) {
	if err := check(ctx, "stat", key); err != nil {
		return store.Info{}, err
	}
	oi, err := s.client.StatObject(ctx, s.cfg.Bucket, s.object(key), minio.StatObjectOptions{})
	if err != nil {
		return store.Info{}, s.pathError(ctx, "stat", key, err)
	}
	return s.info(key, oi), nil
}

// Retention reports the object-lock retention of key from the headers of a
// HEAD request (GetObjectRetention is not understood by every server). An
// object without retention of its own reports "" and the zero time, even
// when the bucket's default retention protects it.
func (s *Store) Retention(ctx context.Context, key string) (mode string, until time.Time, err error) {
	if err := check(ctx, "retention", key); err != nil {
		return "", time.Time{}, err
	}
	oi, err := s.client.StatObject(ctx, s.cfg.Bucket, s.object(key), minio.StatObjectOptions{})
	if err != nil {
		return "", time.Time{}, s.pathError(ctx, "retention", key, err)
	}
	mode = oi.Metadata.Get("X-Amz-Object-Lock-Mode")
	if v := oi.Metadata.Get("X-Amz-Object-Lock-Retain-Until-Date"); v != "" {
		until, err = time.Parse(time.RFC3339, v)
		if err != nil {
			return "", time.Time{}, &iofs.PathError{Op: "retention", Path: key, Err: fmt.Errorf("retain-until date %q: %w", v, err)}
		}
	}
	return mode, until, nil
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, store.Info, error) {
	if err := check(ctx, "get", key); err != nil {
		return nil, store.Info{}, err
	}
	// Core.GetObject sends the request now (Client.GetObject would wait
	// for the first Read), so a missing key is reported here.
	rc, oi, _, err := s.core.GetObject(ctx, s.cfg.Bucket, s.object(key), minio.GetObjectOptions{Checksum: true})
	if err != nil {
		return nil, store.Info{}, s.pathError(ctx, "get", key, err)
	}
	return body{ctx, rc}, s.info(key, oi), nil
}

// GetRange implements store.RangeGetter.
func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := check(ctx, "getrange", key); err != nil {
		return nil, err
	}
	if offset < 0 {
		return nil, &iofs.PathError{Op: "getrange", Path: key, Err: fmt.Errorf("negative offset %d", offset)}
	}
	empty := func() (io.ReadCloser, error) {
		info, err := s.Stat(ctx, key)
		if err != nil {
			return nil, err
		}
		if offset > info.Size {
			return nil, &iofs.PathError{Op: "getrange", Path: key, Err: fmt.Errorf("offset %d beyond end (%d bytes)", offset, info.Size)}
		}
		return io.NopCloser(bytes.NewReader(nil)), nil
	}
	if length == 0 {
		return empty()
	}
	var opts minio.GetObjectOptions
	switch {
	case length > 0:
		opts.SetRange(offset, offset+length-1)
	case offset > 0:
		opts.SetRange(offset, 0)
	}
	rc, _, _, err := s.core.GetObject(ctx, s.cfg.Bucket, s.object(key), opts)
	if code(err) == "InvalidRange" {
		// The range starts at or after the end: empty, or an error.
		return empty()
	}
	if err != nil {
		return nil, s.pathError(ctx, "getrange", key, err)
	}
	return body{ctx, rc}, nil
}

// Remove implements store.Remover. In a versioned bucket it adds a delete
// marker; object lock may refuse it.
func (s *Store) Remove(ctx context.Context, key string) error {
	if err := check(ctx, "remove", key); err != nil {
		return err
	}
	err := s.client.RemoveObject(ctx, s.cfg.Bucket, s.object(key), minio.RemoveObjectOptions{})
	if err != nil && code(err) != "NoSuchKey" {
		return s.pathError(ctx, "remove", key, err)
	}
	return nil
}

// Destroy implements store.Destroyer: it removes every version of key and
// every delete marker, one by one by version id (in a bucket without
// versioning, the object). Object lock refuses the removal of a version
// before its retention ends.
func (s *Store) Destroy(ctx context.Context, key string) error {
	if err := check(ctx, "destroy", key); err != nil {
		return err
	}
	obj := s.object(key)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var versions []string
	for oi := range s.client.ListObjectsIter(lctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: obj, WithVersions: true, Recursive: true}) {
		if oi.Err != nil {
			return s.pathError(ctx, "destroy", key, oi.Err)
		}
		if oi.Key == obj {
			versions = append(versions, oi.VersionID)
		}
	}
	if err := ctx.Err(); err != nil {
		return &iofs.PathError{Op: "destroy", Path: key, Err: err}
	}
	for _, v := range versions {
		err := s.client.RemoveObject(ctx, s.cfg.Bucket, obj, minio.RemoveObjectOptions{VersionID: v})
		if err != nil && code(err) != "NoSuchKey" && code(err) != "NoSuchVersion" {
			return s.pathError(ctx, "destroy", key, err)
		}
	}
	if len(versions) == 0 {
		return s.Remove(ctx, key)
	}
	return nil
}

// List implements store.Store. Keys in the bucket under the prefix that are
// not valid store keys (e.g. "dir/" markers made by other tools) are
// skipped. A listing out of key order is reported as an error.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[store.Info, error] {
	return func(yield func(store.Info, error) bool) {
		// minio-go's iterator stops early, without an error, when its
		// context ends: cancel it when the caller breaks, and report the
		// caller's cancellation ourselves.
		lctx, cancel := context.WithCancel(ctx)
		defer cancel()
		opts := minio.ListObjectsOptions{Prefix: s.prefix + prefix, Recursive: true, WithMetadata: true}
		last := ""
		for oi := range s.client.ListObjectsIter(lctx, s.cfg.Bucket, opts) {
			if oi.Err != nil {
				yield(store.Info{}, s.pathError(ctx, "list", prefix, oi.Err))
				return
			}
			key, ok := strings.CutPrefix(oi.Key, s.prefix)
			if !ok || !store.ValidKey(key) {
				continue
			}
			if key <= last && last != "" {
				yield(store.Info{}, &iofs.PathError{Op: "list", Path: prefix, Err: fmt.Errorf("server listed %q after %q", key, last)})
				return
			}
			last = key
			if !yield(s.info(key, oi), nil) {
				return
			}
		}
		if err := ctx.Err(); err != nil {
			yield(store.Info{}, &iofs.PathError{Op: "list", Path: prefix, Err: err})
		}
	}
}

// Put implements store.Store.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, sha512 string) (store.Info, error) {
	if err := store.CheckPut(ctx, key, size, sha512); err != nil {
		return store.Info{}, &iofs.PathError{Op: "put", Path: key, Err: err}
	}
	// Before a multipart upload, an object already under key decides
	// without reading r. A small object is sent right away: the
	// conditional PUT finds out whether the key is taken, which saves a
	// request for every new key.
	if size > s.cfg.PartSize {
		if info, found, err := s.existing(ctx, key, sha512); found || err != nil {
			return info, err
		}
	}
	opts, err := s.putOptions(ctx, sha512)
	if err != nil {
		return store.Info{}, s.pathError(ctx, "put", key, err)
	}
	v := store.NewVerifier(ctx, r, size, sha512)
	var info minio.UploadInfo
	var crc uint32
	create := guard{ifNoneMatch: true}
	if size <= s.cfg.PartSize {
		info, crc, err = s.putSingle(ctx, key, v, size, opts, create, nil)
	} else {
		info, crc, err = s.putMultipart(ctx, key, v, size, opts, create, nil)
	}
	if err != nil {
		if isLocal(ctx, err) {
			return store.Info{}, &iofs.PathError{Op: "put", Path: key, Err: err}
		}
		// The key may have been taken meanwhile (PreconditionFailed), or
		// our own write may have succeeded although its response was lost.
		if prev, found, serr := s.existing(ctx, key, sha512); found {
			return prev, serr
		}
		return store.Info{}, s.pathError(ctx, "put", key, err)
	}
	if got, want := info.ChecksumCRC32C, crc32c(crc); got != "" && got != want {
		return store.Info{}, &iofs.PathError{Op: "put", Path: key, Err: fmt.Errorf("server reports CRC32C %s for the stored object, the content sent has %s", got, want)}
	}
	return store.Info{Key: key, Size: size, SHA512: sha512, Modified: info.LastModified}, nil
}

// isLocal reports errors that arose on this side (the content, the
// caller's context) rather than from the server. A timeout of the HTTP
// client (a server that does not answer) also matches
// context.DeadlineExceeded; it is local only when ctx has ended.
func isLocal(ctx context.Context, err error) bool {
	return errors.Is(err, store.ErrDigestMismatch) || errors.Is(err, store.ErrSizeMismatch) ||
		(code(err) == "" && ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))) ||
		errors.As(err, new(*readError))
}

// readError marks an error of the caller's reader.
type readError struct{ err error }

func (e *readError) Error() string { return "read content: " + e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// readFull fills buf from r, marking r's errors as local.
func readFull(r io.Reader, buf []byte) error {
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, store.ErrDigestMismatch) || errors.Is(err, store.ErrSizeMismatch) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return &readError{err}
	}
	return nil
}

// existing compares the object under key, if there is one, with the
// declared digest. found reports whether key is taken.
func (s *Store) existing(ctx context.Context, key, sha512 string) (info store.Info, found bool, err error) {
	oi, err := s.client.StatObject(ctx, s.cfg.Bucket, s.object(key), minio.StatObjectOptions{})
	if err != nil {
		err = s.pathError(ctx, "put", key, err)
		if errors.Is(err, iofs.ErrNotExist) {
			return store.Info{}, false, nil
		}
		return store.Info{}, false, err
	}
	info = s.info(key, oi)
	if info.SHA512 == "" {
		// Not written by this package: hash the content.
		if info.SHA512, err = s.digest(ctx, key); err != nil {
			return store.Info{}, true, err
		}
	}
	if info.SHA512 != sha512 {
		return store.Info{}, true, &iofs.PathError{Op: "put", Path: key, Err: iofs.ErrExist}
	}
	return info, true, nil
}

// digest reads key and returns its SHA-512.
func (s *Store) digest(ctx context.Context, key string) (string, error) {
	rc, _, err := s.Get(ctx, key)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha512.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", s.pathError(ctx, "put", key, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// putOptions returns the options shared by single and multipart uploads:
// the digest in the metadata and, in a locked bucket, retention.
func (s *Store) putOptions(ctx context.Context, sha512 string) (minio.PutObjectOptions, error) {
	opts := minio.PutObjectOptions{
		UserMetadata:         map[string]string{metaSHA512: sha512},
		ContentType:          "application/octet-stream",
		DisableContentSha256: s.unsignedPayload,
	}
	if s.cfg.RetainDays > 0 {
		locked, err := s.objectLock(ctx)
		if err != nil {
			return opts, err
		}
		if locked {
			opts.Mode = minio.RetentionMode(s.cfg.RetainMode)
			opts.RetainUntilDate = time.Now().AddDate(0, 0, s.cfg.RetainDays)
		}
	}
	return opts, nil
}

// objectLock reports whether the bucket has object lock enabled. A known
// answer is kept.
func (s *Store) objectLock(ctx context.Context) (bool, error) {
	s.lockMu.Lock()
	defer s.lockMu.Unlock()
	if s.lockKnown {
		return s.locked, nil
	}
	enabled, _, _, _, err := s.client.GetObjectLockConfig(ctx, s.cfg.Bucket)
	switch {
	case code(err) == "ObjectLockConfigurationNotFoundError":
		s.locked = false
	case err != nil:
		return false, fmt.Errorf("object lock configuration of bucket %s: %w", s.cfg.Bucket, err)
	default:
		s.locked = enabled == "Enabled"
	}
	s.lockKnown = true
	return s.locked, nil
}

// crc32c encodes a CRC32C as S3 headers carry it.
func crc32c(sum uint32) string {
	return base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, sum))
}

// guard conditions the request that makes an object visible.
type guard struct {
	ifNoneMatch bool   // create only: If-None-Match: *
	ifMatch     string // replace only the version with this ETag: If-Match
}

// options returns a copy of opts with the guard's header. opts itself must
// carry no conditional header, so that copies do not share one.
func (g guard) options(opts minio.PutObjectOptions) minio.PutObjectOptions {
	switch {
	case g.ifNoneMatch:
		opts.SetMatchETagExcept("*")
	case g.ifMatch != "":
		opts.SetMatchETag(g.ifMatch)
	}
	return opts
}

// retryFunc is asked, when the server refuses a guarded request with
// PreconditionFailed, whether to send it again and with which guard.
type retryFunc func() (guard, bool)

// commit sends the request that makes an object visible, guarded by g, and
// again with the guard retry offers when the server refuses it with
// PreconditionFailed.
func commit(g guard, retry retryFunc, send func(guard) (minio.UploadInfo, error)) (minio.UploadInfo, error) {
	for attempt := 0; ; attempt++ {
		info, err := send(g)
		if err == nil || retry == nil || code(err) != "PreconditionFailed" || attempt == 3 {
			return info, err
		}
		next, ok := retry()
		if !ok {
			return info, err
		}
		g = next
	}
}

// putSingle sends a verified object of at most one part in one PUT.
func (s *Store) putSingle(ctx context.Context, key string, v *store.Verifier, size int64, opts minio.PutObjectOptions, g guard, retry retryFunc) (minio.UploadInfo, uint32, error) {
	buf := make([]byte, size)
	h := crc32.New(castagnoli)
	if err := readFull(io.TeeReader(v, h), buf); err != nil {
		return minio.UploadInfo{}, 0, err
	}
	if err := v.Verify(); err != nil {
		return minio.UploadInfo{}, 0, err
	}
	crc := h.Sum32()
	opts.UserMetadata["X-Amz-Checksum-Crc32c"] = crc32c(crc)
	info, err := commit(g, retry, func(g guard) (minio.UploadInfo, error) {
		return s.core.PutObject(ctx, s.cfg.Bucket, s.object(key), bytes.NewReader(buf), size, "", "", g.options(opts))
	})
	return info, crc, err
}

// putMultipart uploads the parts, verifies the content and only then
// completes the upload, conditionally. On any failure it aborts the upload.
func (s *Store) putMultipart(ctx context.Context, key string, v *store.Verifier, size int64, opts minio.PutObjectOptions, g guard, retry retryFunc) (minio.UploadInfo, uint32, error) {
	obj := s.object(key)
	opts.UserMetadata["X-Amz-Checksum-Algorithm"] = "CRC32C"
	opts.UserMetadata["X-Amz-Checksum-Type"] = "FULL_OBJECT"
	id, err := s.core.NewMultipartUpload(ctx, s.cfg.Bucket, obj, opts)
	if err != nil {
		return minio.UploadInfo{}, 0, err
	}
	completed := false
	defer func() {
		if !completed {
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			// Best effort: an upload left behind is invisible and a
			// bucket lifecycle rule can expire it.
			_ = s.core.AbortMultipartUpload(actx, s.cfg.Bucket, obj, id)
		}
	}()

	// One pass over the content: the Verifier hashes SHA-512, full and
	// partCRC the CRC32C of the whole object and of the part.
	full, partCRC := crc32.New(castagnoli), crc32.New(castagnoli)
	r := io.TeeReader(io.TeeReader(v, full), partCRC)
	buf := make([]byte, s.cfg.PartSize)
	var parts []minio.CompletePart
	for n, left := 1, size; left > 0; n++ {
		part := buf[:min(left, s.cfg.PartSize)]
		partCRC.Reset()
		if err := readFull(r, part); err != nil {
			return minio.UploadInfo{}, 0, err
		}
		sum := crc32c(partCRC.Sum32())
		p, err := s.core.PutObjectPart(ctx, s.cfg.Bucket, obj, id, n, bytes.NewReader(part), int64(len(part)), minio.PutObjectPartOptions{
			CustomHeader:         http.Header{"X-Amz-Checksum-Crc32c": {sum}},
			DisableContentSha256: s.unsignedPayload,
		})
		if err != nil {
			return minio.UploadInfo{}, 0, err
		}
		parts = append(parts, minio.CompletePart{PartNumber: n, ETag: p.ETag, ChecksumCRC32C: sum})
		left -= int64(len(part))
	}
	if err := v.Verify(); err != nil {
		return minio.UploadInfo{}, 0, err
	}
	copts := minio.PutObjectOptions{UserMetadata: map[string]string{
		"X-Amz-Checksum-Crc32c": crc32c(full.Sum32()),
		"X-Amz-Checksum-Type":   "FULL_OBJECT",
	}}
	info, err := commit(g, retry, func(g guard) (minio.UploadInfo, error) {
		return s.core.CompleteMultipartUpload(ctx, s.cfg.Bucket, obj, id, parts, g.options(copts))
	})
	if err != nil {
		return minio.UploadInfo{}, 0, err
	}
	completed = true
	return info, full.Sum32(), nil
}
