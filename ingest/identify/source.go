package identify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Sizes of the parts of a file fileSource keeps in memory. A file of up to
// wholeSize bytes is read completely; of a larger file the first and last
// edgeSize bytes are kept, where nearly all signatures match.
const (
	wholeSize = 128 << 10
	edgeSize  = 64 << 10
)

// fileSource presents a file to siegfried as a random-access source
// (siegfried's unexported "source" interface: IsSlicer, Slice, EofSlice,
// Size). Unlike siegfried's own handling of *os.File it reads only with
// ReadAt (so the file offset is untouched), never memory-maps the file (a
// file truncated under a mapping kills the process with SIGBUS), reports
// read errors instead of calling log.Fatal, and stops reading when ctx is
// done.
//
// Slices returned are never modified afterwards: siegfried's matchers run
// in several goroutines and may hold them.
type fileSource struct {
	ctx  context.Context
	f    io.ReaderAt // an *os.File, or the content in memory
	size int64

	head []byte // file[0:len(head)]; the whole file when size <= wholeSize
	tail []byte // file[size-len(tail):size]; nil when head holds everything

	mu       sync.Mutex
	err      error // first read error other than io.EOF
	rpos     int64 // offset of the next Read
	streamed bool  // Read was called (tests check that it is not)
}

func newFileSource(ctx context.Context, f io.ReaderAt, size int64) *fileSource {
	return &fileSource{ctx: ctx, f: f, size: size}
}

// init reads the head and tail of the file.
func (s *fileSource) init() error {
	if s.size == 0 {
		return nil
	}
	n := min(s.size, wholeSize)
	if s.size > wholeSize {
		n = edgeSize
	}
	s.head = make([]byte, n)
	if err := s.readAt(s.head, 0); err != nil {
		return err
	}
	if s.size > wholeSize {
		s.tail = make([]byte, edgeSize)
		if err := s.readAt(s.tail, s.size-edgeSize); err != nil {
			return err
		}
	}
	return nil
}

// readAt fills p from offset off. A file shorter than its stat size is an
// error: it changed while being identified.
func (s *fileSource) readAt(p []byte, off int64) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	n, err := s.f.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return fmt.Errorf("read at %d: file shrank while being identified (%w)", off, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("read at %d: %w", off, err)
}

func (s *fileSource) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
}

func (s *fileSource) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// IsSlicer tells siegfried to use Slice and EofSlice instead of Read.
func (s *fileSource) IsSlicer() bool { return true }

// Size is the file's size.
func (s *fileSource) Size() int64 { return s.size }

// Read makes fileSource an io.Reader, which siegfried's API requires.
// Siegfried reads slicers through Slice; should a later version stream
// instead, Read still yields the file, through ReadAt.
func (s *fileSource) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.streamed = true
	if s.rpos >= s.size {
		return 0, io.EOF
	}
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	p = p[:min(int64(len(p)), s.size-s.rpos)]
	n, err := s.f.ReadAt(p, s.rpos)
	s.rpos += int64(n)
	if n == len(p) {
		return n, nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	if s.err == nil {
		s.err = err
	}
	return n, err
}

// Slice returns l bytes from offset off, fewer with io.EOF at the end of
// the file.
func (s *fileSource) Slice(off int64, l int) ([]byte, error) {
	if off < 0 || l < 0 {
		return nil, io.EOF
	}
	if off >= s.size {
		return nil, io.EOF
	}
	var eof error
	if int64(l) > s.size-off {
		l, eof = int(s.size-off), io.EOF
	}
	end := off + int64(l)
	switch {
	case end <= int64(len(s.head)):
		return s.head[off:end], eof
	case s.tail != nil && off >= s.size-int64(len(s.tail)):
		base := s.size - int64(len(s.tail))
		return s.tail[off-base : end-base], eof
	}
	buf := make([]byte, l)
	if err := s.readAt(buf, off); err != nil {
		s.fail(err)
		return nil, err
	}
	return buf, eof
}

// EofSlice returns l bytes ending off bytes before the end of the file,
// fewer with io.EOF at the start of the file.
func (s *fileSource) EofSlice(off int64, l int) ([]byte, error) {
	if off < 0 || l < 0 || off >= s.size {
		return nil, io.EOF
	}
	var eof error
	if int64(l) > s.size-off {
		l, eof = int(s.size-off), io.EOF
	}
	start := s.size - off - int64(l)
	b, err := s.Slice(start, l)
	if err == io.EOF { // Slice's EOF means "reached the end", not "the start"
		err = nil
	}
	if err != nil {
		return nil, err
	}
	return b, eof
}

// ctxReader fails reads once ctx is done and remembers the first read
// error, which siegfried would otherwise treat as the end of the stream.
type ctxReader struct {
	ctx context.Context
	r   io.Reader

	mu  sync.Mutex
	err error
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		c.fail(err)
		return 0, err
	}
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		c.fail(err)
	}
	return n, err
}

func (c *ctxReader) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
}

func (c *ctxReader) failure() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}
