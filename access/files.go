package access

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/store"
)

// ErrClosed: the content asked for belongs to a unit that is closed today.
// It matches fs.ErrPermission.
var ErrClosed = fmt.Errorf("access: closed: %w", fs.ErrPermission)

// AIPs is what the content service reads of the catalog.
type AIPs interface {
	AIP(ctx context.Context, id string) (*preservation.AIP, error)
}

// Content delivers the files of open units: it lists them and opens them
// for reading, from the first store (replica) that holds the object.
//
// Contract: an AIP's files are delivered only when every unit the AIP
// describes (the top-level unit and its subtree, preservation.AIP.Units)
// is open today in the reading room's view for the viewer of the context
// (Service.Unit, which goes through closure.Public; the public unless
// WithViewer names a user with a granted decision). Every delivery
// opened by such a grant is recorded (Service.SetAccessRecorder). The AIP does not record which file
// belongs to which sub-unit, so one closed document closes the whole
// package: closed means closed. Anything else is refused with ErrClosed
// (or fs.ErrNotExist for an AIP or file that does not exist). Only files
// of the AIP's original representation (preservation.AIP.Files) are
// served, never METS, PREMIS or the submission's metadata.
type Content struct {
	room   *Service
	aips   AIPs
	stores []store.Store
	log    *slog.Logger

	mu    sync.Mutex
	heads map[headKey]cachedHead
}

// NewContent returns the content service of the reading room room over the
// catalog's AIP records and the stores, nearest first.
func NewContent(room *Service, aips AIPs, stores []store.Store) *Content {
	return &Content{room: room, aips: aips, stores: stores, log: room.log, heads: map[headKey]cachedHead{}}
}

// A viewer asks for many ranges of one file; the object's inventory is read
// once per headTTL, not per request. A newer version written meanwhile is
// served after at most headTTL: until then the old one, consistently (its
// content is immutable and its digests are checked) — except for a file
// whose content the catalog records with a digest that the cached head
// does not hold under its path (a page scanned again, a file the new
// version added): the head is read again at once. What is served is always
// the content the catalog records (the IIIF derivatives are cached by that
// digest), from an earlier version if the store's head is ahead of the
// catalog.
const (
	headTTL      = time.Minute
	maxHeadCache = 256
)

type headKey struct {
	store int
	id    string
}

type cachedHead struct {
	h  *aip.Head
	at time.Time
}

func (c *Content) head(ctx context.Context, i int, id string) (*aip.Head, error) {
	k := headKey{i, id}
	c.mu.Lock()
	ch, ok := c.heads[k]
	c.mu.Unlock()
	if ok && time.Since(ch.at) < headTTL {
		return ch.h, nil
	}
	h, err := aip.ReadHead(ctx, c.stores[i], id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.heads) >= maxHeadCache {
		clear(c.heads)
	}
	c.heads[k] = cachedHead{h, time.Now()}
	c.mu.Unlock()
	return h, nil
}

// deliverable is the policy check for content: every unit aip a holds must
// be open today for the viewer of ctx and still point at a. It returns the
// grant that opened a unit for the viewer alone, if one did.
func (s *Service) deliverable(ctx context.Context, a *preservation.AIP) (*Grant, error) {
	if len(a.Units) == 0 {
		// Without a unit there is no closure decision: nothing is public.
		return nil, ErrClosed
	}
	var grant *Grant
	for _, u := range a.Units {
		pu, err := s.public(ctx, u.ID)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrClosed
		}
		if err != nil {
			return nil, err
		}
		if !pu.Open || pu.Unit.AIP != a.ID {
			return nil, ErrClosed
		}
		if grant == nil {
			grant = pu.Grant
		}
	}
	return grant, nil
}

// open returns the catalog record of an AIP whose content may be
// delivered today to the viewer of ctx, and the grant that opened it for
// the viewer alone, if one did.
func (c *Content) open(ctx context.Context, id string) (*preservation.AIP, *Grant, error) {
	a, err := c.aips.AIP(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	g, err := c.room.deliverable(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	return a, g, nil
}

// List returns the files of the AIP id when its units are open for the
// viewer of ctx.
func (c *Content) List(ctx context.Context, id string) ([]preservation.File, error) {
	a, _, err := c.open(ctx, id)
	if err != nil {
		return nil, err
	}
	return slices.Clone(a.Files), nil
}

// Open opens the file with logical path p (preservation.File.Path) of the
// AIP id for reading when its units are open. The reader is seekable
// (http.ServeContent serves ranges from it); reading the file from its
// start to its end checks the SHA-512 of the inventory and fails at the end
// on a mismatch (store.ErrDigestMismatch). A ranged read is not checked:
// the fixity audit watches the stored bytes.
func (c *Content) Open(ctx context.Context, id, p string) (io.ReadSeekCloser, preservation.File, error) {
	a, grant, err := c.open(ctx, id)
	if err != nil {
		return nil, preservation.File{}, err
	}
	i := slices.IndexFunc(a.Files, func(f preservation.File) bool { return f.Path == p })
	if i < 0 {
		return nil, preservation.File{}, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
	f := a.Files[i]
	if grant != nil {
		if err := c.room.recordAccess(ctx, AccessEvent{User: ViewerFrom(ctx).User, Unit: a.Units[0].ID, Decision: grant.Decision, What: "file", Path: p}); err != nil {
			return nil, preservation.File{}, err
		}
	}
	var errs []error
	for i, st := range c.stores {
		r, err := c.openContent(ctx, i, id, p, f.SHA512)
		if err == nil {
			return r, f, nil
		}
		c.log.Warn("access: content not readable from store, trying the next", "aip", id, "path", p, "store", st.String(), "err", err)
		errs = append(errs, fmt.Errorf("%s: %w", st, err))
	}
	if len(errs) == 0 {
		return nil, preservation.File{}, fmt.Errorf("access: no store for %s", id)
	}
	return nil, preservation.File{}, fmt.Errorf("access: %s %s: %w", id, p, errors.Join(errs...))
}

// openContent prepares a reader of logical path p of object id in the
// store i; sha512 is the file's digest as the catalog records it ("":
// whatever the head holds).
func (c *Content) openContent(ctx context.Context, i int, id, p, sha512 string) (*contentReader, error) {
	st := c.stores[i]
	h, err := c.head(ctx, i, id)
	if err != nil {
		return nil, err
	}
	view, key, err := contentKey(h, p, sha512)
	if errors.Is(err, fs.ErrNotExist) && sha512 != "" {
		// The catalog knows a newer version than the cached head.
		c.mu.Lock()
		delete(c.heads, headKey{i, id})
		c.mu.Unlock()
		if h, err = c.head(ctx, i, id); err != nil {
			return nil, err
		}
		view, key, err = contentKey(h, p, sha512)
	}
	if err != nil {
		return nil, err
	}
	info, err := st.Stat(ctx, key)
	if err != nil {
		c.mu.Lock()
		delete(c.heads, headKey{i, id})
		c.mu.Unlock()
		return nil, err
	}
	return &contentReader{ctx: ctx, st: st, head: view, path: p, key: key, size: info.Size}, nil
}

// contentKey returns the view of h (the head, or an earlier version) that
// holds logical path p with the content sha512, newest first, and the
// store key of that content. Without sha512 it is the head's p. The
// content the catalog describes is what is served: the head's, or, while
// the catalog is behind a version that an interrupted update wrote, the
// earlier version's.
func contentKey(h *aip.Head, p, sha512 string) (*aip.Head, string, error) {
	inv := h.Inventory
	if _, ok := inv.Versions[inv.Head]; !ok {
		return nil, "", fmt.Errorf("aip: %s: head version %s missing", inv.ID, inv.Head)
	}
	names := h.VersionNames()
	for k := len(names) - 1; k >= 0; k-- {
		v := names[k]
		for d, paths := range inv.Versions[v].State {
			if !slices.Contains(paths, p) {
				continue
			}
			if sha512 != "" && !strings.EqualFold(d, sha512) {
				break
			}
			cps := inv.Manifest[d]
			if len(cps) == 0 {
				return nil, "", fmt.Errorf("aip: %s: digest of %s not in manifest", inv.ID, p)
			}
			view := h
			if v != inv.Head {
				var err error
				if view, err = h.At(v); err != nil {
					return nil, "", err
				}
			}
			return view, h.Root + "/" + cps[0], nil
		}
		if sha512 == "" {
			break // the head's only
		}
	}
	return nil, "", &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
}

// contentReader is a seekable reader of one stored file. It opens the
// store object lazily at the position of the next read: from the start
// through aip.Head.Open (digest checked), elsewhere through a range read.
type contentReader struct {
	ctx  context.Context
	st   store.Store
	head *aip.Head
	path string
	key  string
	size int64

	pos    int64         // position of the next Read
	rc     io.ReadCloser // current stream, or nil
	at     int64         // position of rc
	verify bool          // rc started at 0 and checks the digest
}

func (r *contentReader) Read(p []byte) (int, error) {
	if r.pos >= r.size {
		return 0, io.EOF
	}
	if r.rc == nil || r.at != r.pos {
		if err := r.reopen(); err != nil {
			return 0, err
		}
	}
	if max := r.size - r.pos; int64(len(p)) > max {
		p = p[:max]
	}
	n, err := r.rc.Read(p)
	r.pos += int64(n)
	r.at = r.pos
	if err == io.EOF && r.pos < r.size {
		return n, fmt.Errorf("access: %s: %w (%d of %d bytes)", r.key, io.ErrUnexpectedEOF, r.pos, r.size)
	}
	if r.verify && r.pos == r.size {
		// Reach the verifying reader's EOF, where it compares digests,
		// even when the caller stops after exactly size bytes, and
		// withhold the last bytes on a mismatch: the receiver then gets
		// fewer bytes than announced and knows the copy is broken.
		if err == nil || err == io.EOF {
			var one [1]byte
			m, e := r.rc.Read(one[:])
			switch {
			case m > 0:
				err = fmt.Errorf("access: %s: %w: longer than %d bytes", r.key, store.ErrSizeMismatch, r.size)
			case e != nil && e != io.EOF:
				err = e
			default:
				return n, io.EOF
			}
		}
		r.pos -= int64(n)
		r.rc.Close()
		r.rc = nil
		return 0, err
	}
	return n, err
}

func (r *contentReader) reopen() error {
	if r.rc != nil {
		r.rc.Close()
		r.rc = nil
	}
	if r.pos == 0 {
		rc, _, err := r.head.Open(r.ctx, r.st, r.path)
		if err != nil {
			return err
		}
		r.rc, r.at, r.verify = rc, 0, true
		return nil
	}
	r.verify = false
	if rg, ok := r.st.(store.RangeGetter); ok {
		rc, err := rg.GetRange(r.ctx, r.key, r.pos, -1)
		if err != nil {
			return err
		}
		r.rc, r.at = rc, r.pos
		return nil
	}
	rc, _, err := r.st.Get(r.ctx, r.key)
	if err != nil {
		return err
	}
	if _, err := io.CopyN(io.Discard, store.ContextReader(r.ctx, rc), r.pos); err != nil {
		rc.Close()
		return err
	}
	r.rc, r.at = rc, r.pos
	return nil
}

func (r *contentReader) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = r.pos + offset
	case io.SeekEnd:
		abs = r.size + offset
	default:
		return 0, errors.New("access: seek: invalid whence")
	}
	if abs < 0 {
		return 0, errors.New("access: seek: negative position")
	}
	r.pos = abs
	return abs, nil
}

func (r *contentReader) Close() error {
	if r.rc == nil {
		return nil
	}
	err := r.rc.Close()
	r.rc = nil
	return err
}
