package web

import (
	"fmt"
	"io/fs"
	"net/http"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/iiif"
	"github.com/magazin-archiv/magazin/preservation"
)

// viewerCSP is the policy of the image viewer page, the one page with
// scripts: the embedded viewer and its glue, from the archive itself
// (/iiif/viewer/), fetching the manifest, info.json and tiles from it.
// Every other page keeps pageCSP. OpenSeadragon 6.1.1 injects one fixed
// <style> element (hiding the canvas focus outline on touch screens); its
// hash allows exactly that text and no other inline style. The browser test
// (cmd/magazin TestIIIF) fails on any CSP violation, so a viewer upgrade
// that changes it shows.
const viewerCSP = "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data: blob:; " +
	"style-src 'self' 'sha256-9xTiqzfwFaL2SGb1rmr8gysEwVVjIvqWAgmZgqFqpEE='; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Identify returns h with each request's viewer set from its session
// cookie (access.WithViewer), as the reading room's own pages get it: a
// unit opened by a closure decision for a logged-in researcher alone is
// opened for their requests to h too (the IIIF routes), and for nobody
// else. Without accounts, h gets every request as the public's.
func (s *Server) Identify(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.auth != nil {
			w.Header().Add("Vary", "Cookie")
			r = s.identify(r)
		}
		h.ServeHTTP(w, r)
	})
}

// digitisedPages counts the pages of an AIP's files that the IIIF viewer
// shows.
func digitisedPages(files []preservation.File) int { return len(iiif.Pages(files)) }

// iiifView is the image viewer page.
type iiifView struct {
	Unit     unitView
	Manifest string
	Pages    int
}

// iiifViewer is the page with the IIIF image viewer for a unit's digitised
// pages. Closed units answer 403, units without pages 404: the same
// decision the IIIF routes make (access.Content refuses a closed AIP).
func (s *Server) iiifViewer(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("ref")
	pu, err := s.unit(r.Context(), ref)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if canon := shortID(pu.Unit.ID); ref != canon {
		http.Redirect(w, r, unitURL(pu.Unit.ID)+"/digitalisat", http.StatusFound)
		return
	}
	if !pu.Open {
		s.fail(w, r, access.ErrClosed)
		return
	}
	if pu.Unit.AIP == "" || s.files == nil {
		s.fail(w, r, fmt.Errorf("%w: no digitised pages", fs.ErrNotExist))
		return
	}
	files, err := s.files.List(r.Context(), string(pu.Unit.AIP))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n := digitisedPages(files)
	if n == 0 {
		s.fail(w, r, fmt.Errorf("%w: no digitised pages", fs.ErrNotExist))
		return
	}
	v := iiifView{Unit: s.newUnitView(pu), Manifest: iiif.ManifestPath(pu.Unit.ID), Pages: n}
	w.Header().Set("Content-Security-Policy", viewerCSP)
	s.render(w, r, http.StatusOK, "iiif.html", page{Title: "Digitalisat (" + pagesText(n) + ") – " + v.Unit.heading(), Data: v})
}

// pagesText counts pages in German: "1 Seite", "1.200 Seiten".
func pagesText(n int) string {
	if n == 1 {
		return "1 Seite"
	}
	return germanNumber(n) + " Seiten"
}
