package web

import (
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"slices"
	"time"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/preservation"
)

// CSPs of delivered files: a PDF or image shown in the browser (and framed
// by the viewer page) may load nothing but itself; anything else is
// downloaded, sandboxed in case a browser renders it anyway.
const (
	inlineCSP     = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'self'"
	attachmentCSP = "default-src 'none'; sandbox; frame-ancestors 'none'"
)

// fileRef resolves the unit and the logical path of a file request. The
// unit's public view must be open; the content service checks again.
func (s *Server) fileRef(r *http.Request) (*access.PublicUnit, string, error) {
	pu, err := s.unit(r.Context(), r.PathValue("ref"))
	if err != nil {
		return nil, "", err
	}
	if !pu.Open {
		return pu, "", access.ErrClosed
	}
	lp, ok := logicalPath(r.PathValue("path"))
	if !ok || pu.Unit.AIP == "" || s.files == nil {
		return pu, "", fs.ErrNotExist
	}
	return pu, lp, nil
}

// openFile returns the description of a requested file, without its
// content.
func (s *Server) openFile(r *http.Request) (*access.PublicUnit, preservation.File, error) {
	pu, lp, err := s.fileRef(r)
	if err != nil {
		return pu, preservation.File{}, err
	}
	files, err := s.files.List(r.Context(), string(pu.Unit.AIP))
	if err != nil {
		return pu, preservation.File{}, err
	}
	i := slices.IndexFunc(files, func(f preservation.File) bool { return f.Path == lp })
	if i < 0 {
		return pu, preservation.File{}, fs.ErrNotExist
	}
	return pu, files[i], nil
}

// file delivers a file of an open unit: inline for PDFs and images,
// otherwise (or with ?download=1) as an attachment; ranges, conditional
// requests and HEAD through http.ServeContent.
func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	pu, lp, err := s.fileRef(r)
	if err != nil {
		s.failFile(w, r, pu, err)
		return
	}
	rc, f, err := s.files.Open(r.Context(), string(pu.Unit.AIP), lp)
	if err != nil {
		s.failFile(w, r, pu, err)
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", contentType(f))
	disp, csp := "inline", inlineCSP
	if kind(f) == "" || r.URL.Query().Has("download") {
		disp, csp = "attachment", attachmentCSP
	}
	if d := mime.FormatMediaType(disp, map[string]string{"filename": path.Base(f.Name)}); d != "" {
		disp = d
	}
	h.Set("Content-Disposition", disp)
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Cache-Control", "private, no-cache")
	if len(f.SHA512) >= 32 {
		h.Set("ETag", `"`+f.SHA512[:32]+`"`)
	}
	lr := &errReader{r: rc}
	http.ServeContent(w, r, "", time.Time{}, lr)
	if lr.err != nil && r.Context().Err() == nil {
		s.log.Error("web: delivering a file failed", "aip", pu.Unit.AIP, "path", lp, "err", lr.err)
	}
}

// errReader remembers the first read error other than EOF.
type errReader struct {
	r   io.ReadSeeker
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && e.err == nil {
		e.err = err
	}
	return n, err
}

func (e *errReader) Seek(off int64, whence int) (int64, error) { return e.r.Seek(off, whence) }
