package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/ingest/identify"
	"github.com/magazin-archiv/magazin/ingest/migrate"
)

// migrateCommand is `magazin migrate`: preservation actions on stored AIPs.
func migrateCommand() *cli.Command {
	return &cli.Command{
		Name:      "migrate",
		Usage:     "migrate or normalize files of AIPs with the configured actions (a new representation in a new AIP version)",
		ArgsUsage: "[AIP...]",
		Description: `Runs the action configured for each file's format (PRONOM PUID) — by default Ghostscript for
PDF -> PDF/A-2b into the representation "preservation" and ImageMagick for TIFF -> PNG access
copies into "access" — and writes the outcomes as a new version of the AIP with PREMIS migration
or normalization events. Without AIP ids, every AIP is considered. Files that already have an
outcome of an action are skipped. See docs/migration.md.
Exit 0: done (or nothing to do); 1: a file could not be migrated; 2: usage or environment.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "puid", Usage: "migrate only files of this format"},
			&cli.BoolFlag{Name: "dry-run", Usage: "show what would be done; run no tool, write nothing"},
			&cli.StringFlag{Name: "actions", EnvVars: []string{"MAGAZIN_ACTIONS"}, Usage: "JSON file of migration actions (default: the built-in ones)"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
			userFlag(false),
		},
		Action: migrateAction,
	}
}

func migrateAction(c *cli.Context) error {
	cfg := migrate.Default()
	if f := c.String("actions"); f != "" {
		var err error
		if cfg, err = migrate.Load(f); err != nil {
			return fmt.Errorf("%w: --actions: %v", errUsage, err)
		}
	}
	e, err := open(c.Context, c)
	if err != nil {
		return err
	}
	defer e.Close()
	ids := c.Args().Slice()
	if len(ids) == 0 {
		for a, err := range e.cat.AIPs(c.Context) {
			if err != nil {
				return err
			}
			ids = append(ids, string(a.ID))
		}
	}
	var ident *identify.Identifier
	if !c.Bool("dry-run") {
		if ident, err = identify.New(); err != nil {
			return err
		}
	}
	work := filepath.Join(e.cfg.DataDir, "staging")
	if err := os.MkdirAll(work, 0o750); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	m, err := migrate.New(cfg, e.stores, ident, work)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	opts := migrate.Options{PUID: c.String("puid"), DryRun: c.Bool("dry-run"), User: actor(c), Earlier: journalEvents(c.Context, e)}
	results := []*migrate.Result{}
	failed := 0
	for _, id := range ids {
		if _, err := e.cat.AIP(c.Context, id); err != nil {
			return notFound(err)
		}
		res, err := m.Migrate(c.Context, id, opts)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", id, err)
		}
		if res.AIPRecord != nil {
			if err := e.cat.PutAIP(c.Context, res.AIPRecord); err != nil {
				return err
			}
		}
		failed += res.Failed()
		results = append(results, res)
	}
	if c.Bool("json") {
		if err := writeJSON(c.App.Writer, results); err != nil {
			return err
		}
	} else {
		w := c.App.Writer
		for _, r := range results {
			verb := "migrated"
			if r.DryRun {
				verb = "would migrate"
			}
			for _, o := range r.Outcomes {
				switch {
				case o.Error != "":
					fmt.Fprintf(w, "FAILED %s %s (%s): %s\n", r.AIP, o.Source, o.Action, o.Error)
				case r.DryRun:
					fmt.Fprintf(w, "%s %s %s -> %s (%s)\n", verb, r.AIP, o.Source, o.Target, o.Action)
				default:
					fmt.Fprintf(w, "%s %s %s -> %s (%s, %s)\n", verb, r.AIP, o.Source, o.Target, o.Action, o.PUID)
				}
			}
			if r.AIPRecord != nil {
				fmt.Fprintf(w, "%s: version v%d\n", r.AIP, r.Version)
			}
		}
		if failed > 0 {
			fmt.Fprintf(w, "%d files could not be migrated\n", failed)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%w: %w: %d files could not be migrated", errFailed, errReported, failed)
	}
	return nil
}
