package main

import (
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/ingest/identify"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/store/location"
)

func identifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "identify",
		Usage:     "identify file formats (PRONOM PUIDs, with siegfried's embedded signatures)",
		ArgsUsage: "PATH...",
		Flags:     []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON"}},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return fmt.Errorf("%w: identify needs at least one PATH", errUsage)
			}
			id, err := identify.New()
			if err != nil {
				return err
			}
			type row struct {
				Path string `json:"path"`
				identify.Result
				Error string `json:"error,omitempty"`
			}
			var rows []row
			for _, arg := range c.Args().Slice() {
				err := filepath.WalkDir(arg, func(p string, d os.DirEntry, err error) error {
					if err != nil {
						rows = append(rows, row{Path: p, Error: err.Error()})
						return nil
					}
					if !d.Type().IsRegular() {
						return nil
					}
					f, err := os.Open(p)
					if err != nil {
						rows = append(rows, row{Path: p, Error: err.Error()})
						return nil
					}
					defer f.Close()
					res, err := id.IdentifyFile(c.Context, f, filepath.Base(p))
					r := row{Path: p, Result: res}
					if err != nil {
						r.Error = err.Error()
					}
					rows = append(rows, r)
					return c.Context.Err()
				})
				if err != nil {
					return err
				}
			}
			if c.Bool("json") {
				if rows == nil {
					rows = []row{}
				}
				return writeJSON(c.App.Writer, rows)
			}
			tw := tabwriter.NewWriter(c.App.Writer, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PUID\tFORMAT\tPATH")
			for _, r := range rows {
				f := r.FormatName + " " + r.FormatVersion
				if r.Error != "" {
					f = "error: " + r.Error
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", r.PUID, f, r.Path)
			}
			return tw.Flush()
		},
	}
}

func rebuildCommand() *cli.Command {
	return &cli.Command{
		Name:  "rebuild",
		Usage: "rebuild the catalog and the finding-aid index from the stores alone",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON"}},
		Action: func(c *cli.Context) error {
			e, err := open(c.Context, c)
			if err != nil {
				return err
			}
			defer e.Close()
			bar := newBar(c, "rebuild")
			stats, err := e.cat.Rebuild(c.Context, e.stores, bar)
			bar.Finish()
			if err != nil {
				return err
			}
			if err := e.room.RebuildIndex(c.Context); err != nil {
				return fmt.Errorf("rebuilding the finding-aid index: %w", err)
			}
			if c.Bool("json") {
				return writeJSON(c.App.Writer, stats)
			}
			fmt.Fprintf(c.App.Writer, "catalog rebuilt: %d AIPs, %d journal segments, %d incomplete objects skipped\n",
				stats.AIPs, stats.Segments, stats.Incomplete)
			return nil
		},
	}
}

func storeCommand() *cli.Command {
	return &cli.Command{
		Name:  "store",
		Usage: "manage stores",
		Subcommands: []*cli.Command{{
			Name:  "init",
			Usage: "create the configured stores (directory or bucket) and their OCFL storage root; idempotent",
			Action: func(c *cli.Context) error {
				cfg, err := configFrom(c)
				if err != nil {
					return err
				}
				for _, u := range cfg.Stores {
					st, err := location.Init(c.Context, u, os.Getenv)
					if err != nil {
						return fmt.Errorf("%w: init %s: %v", errUsage, location.Redact(u), err)
					}
					if err := aip.InitRoot(c.Context, st); err != nil {
						return err
					}
					fmt.Fprintf(c.App.Writer, "store ready: %s\n", st)
				}
				return nil
			},
		}},
	}
}
