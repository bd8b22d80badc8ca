package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/ingest/identify"
	"github.com/magazin-archiv/magazin/ingest/migrate"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/jobs"
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
With ` + "`magazin serve`" + ` running, the migration runs as a job of the daemon; the command waits for it and
prints its result (--detach: prints the job id and returns).
Exit 0: done (or nothing to do); 1: a file could not be migrated; 2: usage or environment.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "puid", Usage: "migrate only files of this format"},
			&cli.BoolFlag{Name: "dry-run", Usage: "show what would be done; run no tool, write nothing"},
			&cli.StringFlag{Name: "actions", EnvVars: []string{"MAGAZIN_ACTIONS"}, Usage: "JSON file of migration actions (default: the built-in ones)"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
			userFlag(false),
			adminAddrFlag(), detachFlag(),
		},
		Action: migrateAction,
	}
}

// migrateRequest is one run of `magazin migrate`, in the foreground or
// as a migration job of the daemon (verbjobs.go).
type migrateRequest struct {
	AIPs   []string        `json:"aips,omitempty"`
	PUID   string          `json:"puid,omitempty"`
	DryRun bool            `json:"dryRun,omitempty"`
	Config *migrate.Config `json:"config"`
	User   string          `json:"user"`
}

func migrateRequestFrom(c *cli.Context) (migrateRequest, error) {
	r := migrateRequest{AIPs: c.Args().Slice(), PUID: c.String("puid"), DryRun: c.Bool("dry-run"), Config: migrate.Default(), User: actor(c)}
	if f := c.String("actions"); f != "" {
		var err error
		if r.Config, err = migrate.Load(f); err != nil {
			return r, fmt.Errorf("%w: --actions: %v", errUsage, err)
		}
	}
	return r, nil
}

// migrateProgress lets a job resume a migration: AIPs it finished are
// not migrated again (their results are kept), and each finished AIP is
// recorded. The foreground run has none.
type migrateProgress interface {
	Done(id string) (*migrate.Result, bool)
	Finished(ctx context.Context, r *migrate.Result) error
}

func migrateAction(c *cli.Context) error {
	r, err := migrateRequestFrom(c)
	if err != nil {
		return err
	}
	return viaDaemon(c, jobs.KindMigration, verbMigrate, r, func() error {
		e, err := open(c.Context, c)
		if err != nil {
			return err
		}
		defer e.Close()
		results, err := r.run(c.Context, e, nil)
		if err != nil {
			return err
		}
		return printMigrate(c, results)
	}, func(out json.RawMessage) error {
		var results []*migrate.Result
		if err := json.Unmarshal(out, &results); err != nil {
			return err
		}
		return printMigrate(c, results)
	})
}

// run migrates the AIPs of r (every AIP when it names none).
func (r migrateRequest) run(ctx context.Context, e *env, progress migrateProgress) ([]*migrate.Result, error) {
	ids := r.AIPs
	if len(ids) == 0 {
		for a, err := range e.cat.AIPs(ctx) {
			if err != nil {
				return nil, err
			}
			ids = append(ids, string(a.ID))
		}
	}
	var ident *identify.Identifier
	var err error
	if !r.DryRun {
		if ident, err = identify.New(); err != nil {
			return nil, err
		}
	}
	work := filepath.Join(e.cfg.DataDir, "staging")
	if err := os.MkdirAll(work, 0o750); err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	if r.Config == nil {
		r.Config = migrate.Default()
	}
	m, err := migrate.New(r.Config, e.stores, ident, work)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	opts := migrate.Options{PUID: r.PUID, DryRun: r.DryRun, User: r.User, Earlier: journalEvents(ctx, e)}
	results := []*migrate.Result{}
	for _, id := range ids {
		if progress != nil {
			if res, ok := progress.Done(id); ok {
				results = append(results, res)
				continue
			}
		}
		cur, err := e.cat.AIP(ctx, id)
		if err != nil {
			return nil, notFound(err)
		}
		res, err := m.Migrate(ctx, id, opts)
		if err != nil {
			return nil, fmt.Errorf("migrate %s: %w", id, err)
		}
		if res.AIPRecord == nil && !res.DryRun && res.Version > cur.Version {
			// A version written by a run that died before the catalog
			// learnt of it: nothing was left to migrate, but the catalog
			// catches up with the store.
			if res.AIPRecord, err = aip.Read(ctx, e.stores[0], id); err != nil {
				return nil, fmt.Errorf("migrate %s: %w", id, err)
			}
		}
		if res.AIPRecord != nil {
			if err := e.cat.PutAIP(ctx, res.AIPRecord); err != nil {
				return nil, err
			}
		}
		if progress != nil {
			if err := progress.Finished(ctx, res); err != nil {
				return nil, err
			}
		}
		results = append(results, res)
	}
	return results, nil
}

// migrateFailed is the error of a migration in which files failed.
func migrateFailed(results []*migrate.Result) error {
	failed := 0
	for _, r := range results {
		failed += r.Failed()
	}
	if failed > 0 {
		return fmt.Errorf("%w: %w: %d files could not be migrated", errFailed, errReported, failed)
	}
	return nil
}

func printMigrate(c *cli.Context, results []*migrate.Result) error {
	failed := 0
	for _, r := range results {
		failed += r.Failed()
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
			if madeVersion(r) {
				fmt.Fprintf(w, "%s: version v%d\n", r.AIP, r.Version)
			}
		}
		if failed > 0 {
			fmt.Fprintf(w, "%d files could not be migrated\n", failed)
		}
	}
	return migrateFailed(results)
}

// madeVersion reports whether the migration wrote a new version of the
// AIP: it does when a file was migrated (and it was no dry run).
func madeVersion(r *migrate.Result) bool {
	if r.DryRun {
		return false
	}
	for _, o := range r.Outcomes {
		if o.Error == "" {
			return true
		}
	}
	return false
}
