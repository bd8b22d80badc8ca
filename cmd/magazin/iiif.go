package main

import (
	"fmt"
	"net/http"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/iiif"
	"github.com/magazin-archiv/magazin/access/web"
	"github.com/magazin-archiv/magazin/ingest"
)

// iiifBaseURLFlag is serve's --iiif-base-url (made anew for each App, see
// profileFlag).
func iiifBaseURLFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "iiif-base-url", EnvVars: []string{"MAGAZIN_IIIF_BASE_URL"},
		Usage: "the public URL of the server root for IIIF ids, e.g. https://archiv.example.de (default: as requested)"}
}

// mountIIIF serves the IIIF Image and Presentation APIs and the viewer
// assets at /iiif/ beside h (docs/iiif.md), each request with the viewer
// of its session as the reading room w identifies it. Derivatives are
// cached in the data directory's iiif/ (rebuilt from the AIPs when
// deleted).
func mountIIIF(c *cli.Context, e *env, w *web.Server, h http.Handler) (http.Handler, error) {
	cfg := iiif.DefaultConfig(filepath.Join(e.cfg.DataDir, "iiif"))
	cfg.BaseURL = c.String("iiif-base-url")
	srv, err := iiif.New(cfg, e.room, access.NewContent(e.room, e.cat, e.direct), e.cfg.Logger)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/iiif/", w.Identify(srv))
	mux.Handle("/", h)
	return mux, nil
}

// forgetDerivatives drops the IIIF derivatives of the masters that the
// re-digitisations of res replaced (docs/iiif.md); a failure leaves only
// unused cache files behind and is logged.
func forgetDerivatives(e *env, res *ingest.Result) {
	if res == nil {
		return
	}
	for _, r := range res.Rescans {
		if err := iiif.Forget(filepath.Join(e.cfg.DataDir, "iiif"), r.Superseded...); err != nil {
			e.cfg.Logger.Warn("old IIIF derivatives not removed", "aip", r.AIP, "err", err)
		}
	}
}
