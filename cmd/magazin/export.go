package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/dip"
	accessead "github.com/magazin-archiv/magazin/access/ead"
	"github.com/magazin-archiv/magazin/access/web"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/jobs"
	"github.com/magazin-archiv/magazin/preservation/pack"
)

// exportDIPCommand is `magazin export dip`.
func exportDIPCommand() *cli.Command {
	return &cli.Command{
		Name:      "dip",
		Usage:     "write an E-ARK DIP of a unit and its open parts: access copies and public description, as the reading room shows them today",
		ArgsUsage: "UNIT",
		Description: `UNIT is an id, Signatur or submission id. A unit that is closed today is refused (DIP_CLOSED,
exit 1); closed parts below it are left out. With --isil and --archive each unit of a Bestand also gets its
EAD(DDB) 1.2 record. See docs/export.md. With ` + "`magazin serve`" + ` running, the export runs as a job of the
daemon (which writes --out); the command waits for it (--detach: prints the job id and returns).`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Required: true, Usage: "target directory (must not exist)"},
			&cli.StringFlag{Name: "isil", EnvVars: []string{"MAGAZIN_ISIL"}, Usage: "the archive's ISIL, e.g. DE-14 (for EAD records)"},
			&cli.StringFlag{Name: "archive", EnvVars: []string{"MAGAZIN_ARCHIVE"}, Usage: "the archive's name (for EAD records)"},
			&cli.StringFlag{Name: "unit-url", EnvVars: []string{"MAGAZIN_UNIT_URL"}, Usage: "address of a unit in the reading room, with {id} for the unit id"},
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"},
			adminAddrFlag(), detachFlag(),
		},
		Action: exportDIP,
	}
}

// exportDIPRequest is one run of `magazin export dip`, in the foreground
// or as an export job of the daemon (verbjobs.go).
type exportDIPRequest struct {
	Unit string `json:"unit"`
	Out  string `json:"out"`
	// Shown is --out as given, for the report.
	Shown string           `json:"shown"`
	EAD   accessead.Config `json:"ead"`
}

func exportDIPRequestFrom(c *cli.Context) (exportDIPRequest, error) {
	r := exportDIPRequest{Unit: c.Args().First(), Shown: c.String("out")}
	if c.NArg() != 1 {
		return r, fmt.Errorf("%w: export dip needs one UNIT (id, Signatur or submission id)", errUsage)
	}
	if _, err := os.Lstat(r.Shown); err == nil {
		return r, fmt.Errorf("%w: --out %s exists", errUsage, r.Shown)
	}
	if c.String("isil") != "" || c.String("archive") != "" {
		r.EAD = accessead.Config{ISIL: c.String("isil"), Archive: c.String("archive"), UnitURL: c.String("unit-url")}
		if err := r.EAD.Validate(); err != nil {
			return r, fmt.Errorf("%w: %v (--isil, --archive)", errUsage, err)
		}
	}
	var err error
	if r.Out, err = filepath.Abs(r.Shown); err != nil {
		return r, fmt.Errorf("%w: --out: %v", errUsage, err)
	}
	return r, nil
}

func exportDIP(c *cli.Context) error {
	r, err := exportDIPRequestFrom(c)
	if err != nil {
		return err
	}
	return viaDaemon(c, jobs.KindExport, verbExportDIP, r, func() error {
		e, err := open(c.Context, c)
		if err != nil {
			return err
		}
		defer e.Close()
		pack.SoftwareVersion = version
		bar := newBar(c, "export dip")
		res, err := r.run(c.Context, e, r.Out, bar)
		bar.Finish()
		if err != nil {
			return err
		}
		return printDIP(c, res)
	}, func(raw json.RawMessage) error {
		var res dip.Result
		if err := json.Unmarshal(raw, &res); err != nil {
			return err
		}
		return printDIP(c, &res)
	})
}

// run writes the DIP into the directory into (r.Out, or a job's staging
// directory beside it; the result names --out as given).
func (r exportDIPRequest) run(ctx context.Context, e *env, into string, progress preservation.Progress) (*dip.Result, error) {
	o := dip.Options{Progress: progress}
	if r.EAD.ISIL != "" || r.EAD.Archive != "" {
		o.EAD = r.EAD
		if err := o.EAD.Validate(); err != nil {
			return nil, fmt.Errorf("%w: %v (--isil, --archive)", errUsage, err)
		}
	}
	m := dip.New(e.room, e.cat, access.NewContent(e.room, e.cat, e.direct))
	res, err := m.Make(ctx, r.Unit, into, o)
	switch {
	case errors.Is(err, dip.ErrClosed):
		return nil, fmt.Errorf("%w: %v", errFailed, err)
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, catalog.ErrAmbiguous):
		return nil, usageOrFailed(err)
	case err != nil:
		return nil, err
	}
	if res.Result != nil {
		res.Dir = filepath.Clean(r.Shown)
	}
	return res, nil
}

func printDIP(c *cli.Context, res *dip.Result) error {
	if c.Bool("json") {
		return writeJSON(c.App.Writer, res)
	}
	fmt.Fprintf(c.App.Writer, "wrote DIP %s to %s: %d units described, %d files (%d bytes) from %d AIPs\n",
		res.OBJID, c.String("out"), len(res.Units), res.PayloadFiles, res.PayloadBytes, len(res.AIPs))
	return nil
}

// serveEAD gives the web front its EAD(DDB) writer when the archive's
// ISIL and name are known (--isil/--archive, else --oai-isil/--oai-name).
func serveEAD(c *cli.Context, e *env, h *web.Server) error {
	cfg := accessead.Config{ISIL: c.String("isil"), Archive: c.String("archive"), UnitURL: os.Getenv("MAGAZIN_UNIT_URL")}
	if cfg.ISIL == "" {
		cfg.ISIL = c.String("oai-isil")
	}
	if cfg.Archive == "" {
		cfg.Archive = c.String("oai-name")
	}
	explicit := c.String("isil") != "" || c.String("archive") != ""
	if err := cfg.Validate(); err != nil {
		if explicit {
			return fmt.Errorf("%w: %v (--isil, --archive)", errUsage, err)
		}
		return nil // not configured: the EAD routes answer 404
	}
	x, err := accessead.New(cfg, e.room, e.cat)
	if err != nil {
		return err
	}
	h.SetEAD(x)
	return nil
}
