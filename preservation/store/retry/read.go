package retry

import (
	"bytes"
	"context"
	"errors"
	"io"

	"github.com/magazin-archiv/magazin/preservation/store"
)

// errNotRereadable: a Put's content cannot be read a second time.
var errNotRereadable = errors.New("content cannot be read again")

// source is the content of a Put that can be read again from the start:
// by seeking, or by replaying what it kept of the first reading.
type source struct {
	r      io.Reader
	seeker io.Seeker // r, when it can seek
	start  int64     // r's offset at the start

	limit    int    // most bytes to keep when r cannot seek
	buf      []byte // what was read from r so far, while not overflowed
	pos      int    // next byte of buf to replay
	overflow bool   // more than limit bytes were read

	err error // a failure of r in this attempt
}

func newSource(r io.Reader, limit int) *source {
	s := &source{r: r, limit: limit}
	if sk, ok := r.(io.Seeker); ok {
		if off, err := sk.Seek(0, io.SeekCurrent); err == nil {
			s.seeker, s.start = sk, off
		}
	}
	return s
}

// Read implements io.Reader.
func (s *source) Read(p []byte) (int, error) {
	if s.pos < len(s.buf) {
		n := copy(p, s.buf[s.pos:])
		s.pos += n
		return n, nil
	}
	n, err := s.r.Read(p)
	if s.seeker == nil && !s.overflow && n > 0 {
		if len(s.buf)+n > s.limit {
			s.overflow, s.buf, s.pos = true, nil, 0
		} else {
			s.buf = append(s.buf, p[:n]...)
			s.pos = len(s.buf)
		}
	}
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// canRewind reports whether the content can be read again.
func (s *source) canRewind() bool { return s.seeker != nil || !s.overflow }

// rewind starts the content again from the beginning.
func (s *source) rewind() error {
	s.err = nil
	switch {
	case s.seeker != nil:
		if _, err := s.seeker.Seek(s.start, io.SeekStart); err != nil {
			return errors.Join(errNotRereadable, err)
		}
	case s.overflow:
		return errNotRereadable
	default:
		s.pos = 0
	}
	return nil
}

// resumed reads an object from an offset and, when the transfer breaks off
// transiently, waits and goes on with a range request from where it
// stopped.
type resumed struct {
	s    *Store
	ctx  context.Context
	key  string
	rg   store.RangeGetter
	rc   io.ReadCloser
	off  int64 // offset of the next byte
	left int64 // bytes still to come; -1: up to the end
	a    attempts
	err  error // sticky
}

// resuming returns rc, which reads key from offset (length bytes, or to the
// end when length < 0), made to resume after transient failures.
func (s *Store) resuming(ctx context.Context, key string, rc io.ReadCloser, offset, length int64) io.ReadCloser {
	rg, ok := s.inner.(store.RangeGetter)
	if !ok || s.opts.MaxWait < 0 {
		return rc
	}
	return &resumed{s: s, ctx: ctx, key: key, rg: rg, rc: rc, off: offset, left: length, a: attempts{s: s, op: "read", key: key}}
}

// Read implements io.Reader.
func (r *resumed) Read(p []byte) (int, error) {
	for {
		if r.err != nil {
			return 0, r.err
		}
		n, err := r.rc.Read(p)
		r.off += int64(n)
		if r.left > 0 {
			r.left -= int64(n)
		}
		if n > 0 && r.a.n > 0 {
			r.a = attempts{s: r.s, op: "read", key: r.key} // progress: a fresh count
		}
		if err == nil || err == io.EOF || r.ctx.Err() != nil || !store.IsTransient(err) {
			return n, err
		}
		if err := r.resume(err); err != nil {
			r.err = err
			return n, err
		}
		if n > 0 {
			return n, nil
		}
	}
}

// resume waits after the failure cause and opens the rest of the object.
func (r *resumed) resume(cause error) error {
	r.rc.Close()
	r.rc = io.NopCloser(bytes.NewReader(nil))
	if err := r.a.failed(r.ctx, cause); err != nil {
		return err
	}
	if r.left == 0 {
		return nil
	}
	return r.s.do(r.ctx, "read", r.key, func() error {
		rc, err := r.rg.GetRange(r.ctx, r.key, r.off, r.left)
		if err == nil {
			r.rc = rc
		}
		return err
	})
}

// Close implements io.Closer.
func (r *resumed) Close() error { return r.rc.Close() }
