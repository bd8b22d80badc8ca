package store

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
)

// ValidSHA512 reports whether s is a lower-case hex SHA-512 digest.
func ValidSHA512(s string) bool {
	if len(s) != 2*sha512.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// CheckPut checks the arguments of a Put before any byte is read: the key
// (ErrInvalidKey), the declared size (ErrSizeMismatch) and the declared
// digest (ErrDigestMismatch), and the context.
func CheckPut(ctx context.Context, key string, size int64, sha512 string) error {
	if !ValidKey(key) {
		return fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	if size < 0 {
		return fmt.Errorf("%w: negative size %d", ErrSizeMismatch, size)
	}
	if !ValidSHA512(sha512) {
		return fmt.Errorf("%w: declared digest %q is not 128 lower-case hex digits", ErrDigestMismatch, sha512)
	}
	return ctx.Err()
}

// Verifier reads exactly size bytes from an underlying reader, hashing them
// with SHA-512 as they pass. Where the underlying reader would report io.EOF,
// the Verifier checks what it has seen and reports instead
//   - ErrSizeMismatch when fewer or more than size bytes arrived,
//   - ErrDigestMismatch when the content's SHA-512 is not the declared one,
//   - io.EOF when both match.
//
// The check happens in the Read that consumes the size-th byte's successor,
// so a backend that reads to io.EOF before it commits never commits bad
// content. Every Read also fails once ctx is done. Errors are sticky.
type Verifier struct {
	ctx  context.Context
	r    io.Reader
	h    hash.Hash
	want string
	left int64
	size int64
	err  error
}

// NewVerifier returns a Verifier for size bytes of r with the lower-case hex
// SHA-512 digest want.
func NewVerifier(ctx context.Context, r io.Reader, size int64, want string) *Verifier {
	return &Verifier{ctx: ctx, r: r, h: sha512.New(), want: want, left: size, size: size}
}

// Read implements io.Reader.
func (v *Verifier) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	if err := v.ctx.Err(); err != nil {
		v.err = err
		return 0, err
	}
	if v.left == 0 {
		v.err = v.finish()
		return 0, v.err
	}
	if int64(len(p)) > v.left {
		p = p[:v.left]
	}
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.left -= int64(n)
	switch {
	case err == io.EOF && v.left > 0:
		v.err = fmt.Errorf("%w: got %d bytes, want %d", ErrSizeMismatch, v.size-v.left, v.size)
		return n, v.err
	case err == io.EOF:
		// The size is right; the digest is checked by the next Read.
		return n, nil
	case err != nil:
		v.err = err
		return n, err
	}
	return n, nil
}

// finish checks that the underlying reader is exhausted and the digest matches.
func (v *Verifier) finish() error {
	var one [1]byte
	for tries := 0; ; tries++ {
		if tries == 100 {
			return io.ErrNoProgress
		}
		n, err := v.r.Read(one[:])
		if n > 0 {
			return fmt.Errorf("%w: more than %d bytes", ErrSizeMismatch, v.size)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := v.ctx.Err(); err != nil {
			return err
		}
	}
	if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want {
		return fmt.Errorf("%w: got %s, want %s", ErrDigestMismatch, got, v.want)
	}
	return io.EOF
}

// Verify reads what remains and reports nil when size bytes with the
// declared digest arrived, or the error that Read reports instead of io.EOF.
// Use it after reading exactly size bytes with io.ReadFull.
func (v *Verifier) Verify() error {
	_, err := io.Copy(io.Discard, v)
	return err
}
