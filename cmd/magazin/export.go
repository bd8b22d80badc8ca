package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/dip"
	accessead "github.com/magazin-archiv/magazin/access/ead"
	"github.com/magazin-archiv/magazin/access/web"
	"github.com/magazin-archiv/magazin/preservation/catalog"
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
EAD(DDB) 1.2 record. See docs/export.md.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Required: true, Usage: "target directory (must not exist)"},
			&cli.StringFlag{Name: "isil", EnvVars: []string{"MAGAZIN_ISIL"}, Usage: "the archive's ISIL, e.g. DE-14 (for EAD records)"},
			&cli.StringFlag{Name: "archive", EnvVars: []string{"MAGAZIN_ARCHIVE"}, Usage: "the archive's name (for EAD records)"},
			&cli.StringFlag{Name: "unit-url", EnvVars: []string{"MAGAZIN_UNIT_URL"}, Usage: "address of a unit in the reading room, with {id} for the unit id"},
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"},
		},
		Action: exportDIP,
	}
}

func exportDIP(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("%w: export dip needs one UNIT (id, Signatur or submission id)", errUsage)
	}
	out := c.String("out")
	if _, err := os.Lstat(out); err == nil {
		return fmt.Errorf("%w: --out %s exists", errUsage, out)
	}
	var o dip.Options
	if c.String("isil") != "" || c.String("archive") != "" {
		o.EAD = accessead.Config{ISIL: c.String("isil"), Archive: c.String("archive"), UnitURL: c.String("unit-url")}
		if err := o.EAD.Validate(); err != nil {
			return fmt.Errorf("%w: %v (--isil, --archive)", errUsage, err)
		}
	}
	e, err := open(c.Context, c)
	if err != nil {
		return err
	}
	defer e.Close()
	pack.SoftwareVersion = version
	bar := newBar(c, "export dip")
	o.Progress = bar
	m := dip.New(e.room, e.cat, access.NewContent(e.room, e.cat, e.direct))
	res, err := m.Make(c.Context, c.Args().First(), out, o)
	bar.Finish()
	switch {
	case errors.Is(err, dip.ErrClosed):
		return fmt.Errorf("%w: %v", errFailed, err)
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, catalog.ErrAmbiguous):
		return usageOrFailed(err)
	case err != nil:
		return err
	}
	if c.Bool("json") {
		return writeJSON(c.App.Writer, res)
	}
	fmt.Fprintf(c.App.Writer, "wrote DIP %s to %s: %d units described, %d files (%d bytes) from %d AIPs\n",
		res.OBJID, out, len(res.Units), res.PayloadFiles, res.PayloadBytes, len(res.AIPs))
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
