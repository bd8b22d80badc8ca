package web

import (
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"

	"github.com/magazin-archiv/magazin/access/ead"
	"github.com/magazin-archiv/magazin/preservation"
)

// EAD writes EAD(DDB) 1.2 from the public view: access/ead.Exporter, the
// same writer as `magazin export ead` and OAI-PMH's ead format.
type EAD interface {
	// Findbuch writes the Findbuch of the Bestand with id bestand.
	Findbuch(ctx context.Context, w io.Writer, bestand string) (ead.Stats, error)
	// Tektonik writes the archive's Tektonik.
	Tektonik(ctx context.Context, w io.Writer) (ead.Stats, error)
	// Record renders one unit (id) as an <ead> element without XML
	// declaration; a unit in no Bestand gives ead.ErrNotExportable.
	Record(ctx context.Context, ref string) ([]byte, error)
}

// SetEAD serves EAD(DDB) under /api/v1/ead/ and /api/v1/units/{ref}/ead
// from x. Call it before serving; without it those routes answer 404.
func (s *Server) SetEAD(x EAD) { s.ead = x }

const xmlType = "application/xml; charset=utf-8"

// apiFindbuch streams the Findbuch of a Bestand (id, Signatur or
// submission id).
func (s *Server) apiFindbuch(w http.ResponseWriter, r *http.Request) {
	if s.ead == nil {
		s.apiFail(w, r, nil, fs.ErrNotExist)
		return
	}
	pu, err := s.unit(r.Context(), r.PathValue("bestand"))
	if err == nil && pu.Unit.Level != preservation.LevelBestand {
		err = fmt.Errorf("web: %s is no Bestand: %w", pu.Unit.ID, fs.ErrNotExist)
	}
	if err != nil {
		s.apiFail(w, r, nil, err)
		return
	}
	s.streamXML(w, r, func(w io.Writer) error {
		_, err := s.ead.Findbuch(r.Context(), w, pu.Unit.ID)
		return err
	})
}

// apiTektonik streams the archive's Tektonik.
func (s *Server) apiTektonik(w http.ResponseWriter, r *http.Request) {
	if s.ead == nil {
		s.apiFail(w, r, nil, fs.ErrNotExist)
		return
	}
	s.streamXML(w, r, func(w io.Writer) error {
		_, err := s.ead.Tektonik(r.Context(), w)
		return err
	})
}

// apiUnitEAD answers one unit's EAD(DDB) record: a Findbuch holding the
// unit's chain from its Bestand down (or a Tektonik for a Tektonik group).
func (s *Server) apiUnitEAD(w http.ResponseWriter, r *http.Request) {
	if s.ead == nil {
		s.apiFail(w, r, nil, fs.ErrNotExist)
		return
	}
	pu, err := s.unit(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.apiFail(w, r, nil, err)
		return
	}
	rec, err := s.ead.Record(r.Context(), pu.Unit.ID)
	if errors.Is(err, ead.ErrNotExportable) {
		err = fmt.Errorf("%w: %w", err, fs.ErrNotExist)
	}
	if err != nil {
		s.apiFail(w, r, nil, err)
		return
	}
	w.Header().Set("Content-Type", xmlType)
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		io.WriteString(w, xml.Header)
		w.Write(rec)
	}
}

// streamXML streams what fn writes as the response. Until the first
// bytes go out an error is answered as usual; after that the connection
// is cut, so that a client never takes a truncated file for a whole one.
func (s *Server) streamXML(w http.ResponseWriter, r *http.Request, fn func(io.Writer) error) {
	sw := &startWriter{w: w}
	bw := bufio.NewWriterSize(sw, 64<<10)
	err := fn(bw)
	if err == nil {
		sw.header()
		err = bw.Flush()
	}
	if err == nil {
		return
	}
	if !sw.started {
		s.apiFail(w, r, nil, err)
		return
	}
	if status(err) != 499 {
		s.log.Error("web: EAD stream failed", "path", r.URL.Path, "err", err)
	}
	panic(http.ErrAbortHandler)
}

// startWriter writes the XML headers before the first byte.
type startWriter struct {
	w       http.ResponseWriter
	started bool
}

func (s *startWriter) header() {
	if !s.started {
		s.started = true
		s.w.Header().Set("Content-Type", xmlType)
		s.w.WriteHeader(http.StatusOK)
	}
}

func (s *startWriter) Write(p []byte) (int, error) {
	s.header()
	return s.w.Write(p)
}
