package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/access"
	accessead "github.com/magazin-archiv/magazin/access/ead"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/profiles/ead"
)

// importCommand is `magazin import`: descriptions made elsewhere.
func importCommand() *cli.Command {
	return &cli.Command{
		Name:  "import",
		Usage: "import descriptions made elsewhere (finding aids)",
		Subcommands: []*cli.Command{{
			Name:      "ead",
			Usage:     "import finding aids and Tektonik files in EAD(DDB) 1.x, EAD 2002 or EAD3 (journaled; a re-import applies the changes)",
			ArgsUsage: "FILE|DIR...",
			Description: `Every *.xml file in a DIR (recursively) is read. Units are matched to earlier imports by
eadid and c/@id; changed units are recorded as edits, unchanged ones are left alone. See docs/ead.md.`,
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "parent", Usage: "unit (id or Signatur) the finding aids go below: a Tektonik group, a Bestand or a Gliederung; default: where an earlier import put them, else the top"},
				&cli.BoolFlag{Name: "json", Usage: "print results as JSON"},
				&cli.IntFlag{Name: "batch", Value: catalog.DefaultBatch, Usage: "units per journal segment"},
				&cli.BoolFlag{Name: "reindex", Usage: "index every unit of the files again, also unchanged ones (after an interrupted import)"},
			},
			Action: importEAD,
		}},
	}
}

// eadReport is the outcome of importing one file.
type eadReport struct {
	Path      string                `json:"path"`
	OK        bool                  `json:"ok"`
	Standard  string                `json:"standard,omitempty"`
	Kind      string                `json:"kind,omitempty"`
	ID        string                `json:"id,omitempty"`
	Units     int                   `json:"units"`
	New       int                   `json:"new"`
	Changed   int                   `json:"changed"`
	Unchanged int                   `json:"unchanged"`
	Top       []string              `json:"top,omitempty"` // ids of the top units
	Problems  preservation.Problems `json:"problems,omitempty"`
}

func importEAD(c *cli.Context) error {
	if c.NArg() == 0 {
		return fmt.Errorf("%w: import ead needs at least one FILE or DIR", errUsage)
	}
	files, err := eadFiles(c.Args().Slice())
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return withArchive(c, func(e *env, j *journal.Journal) error {
		var parent *preservation.Unit
		if ref := c.String("parent"); ref != "" {
			if parent, err = e.cat.ResolveUnit(c.Context, ref); err != nil {
				return fmt.Errorf("%w: --parent: %v", errUsage, err)
			}
		}
		im := &eadImporter{cat: e.cat, j: j, room: e.room, batch: c.Int("batch"), reindex: c.Bool("reindex")}
		var reports []eadReport
		failed := false
		for _, f := range files {
			bar := newBar(c, "import "+filepath.Base(f))
			im.progress = bar
			r, err := im.importFile(c.Context, f, parent)
			bar.Finish()
			if err != nil {
				if r.OK || r.Units > 0 {
					// Journal segments written stay; the units of the
					// last one may not be indexed yet.
					return fmt.Errorf("%s: %w (import the file again with --reindex)", f, err)
				}
				return err
			}
			failed = failed || !r.OK
			reports = append(reports, r)
			if !c.Bool("json") {
				printEADReport(c.App.Writer, r)
			}
		}
		if c.Bool("json") {
			if err := writeJSON(c.App.Writer, reports); err != nil {
				return err
			}
		}
		if failed {
			return fmt.Errorf("%w: %w: some files were not imported", errFailed, errReported)
		}
		return nil
	})
}

// eadFiles expands the arguments: a file as given, a directory to its
// *.xml files in lexical order.
func eadFiles(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			out = append(out, a)
			continue
		}
		var found []string
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && strings.EqualFold(filepath.Ext(p), ".xml") {
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		slices.Sort(found)
		out = append(out, found...)
	}
	return out, nil
}

func printEADReport(w io.Writer, r eadReport) {
	if !r.OK {
		fmt.Fprintf(w, "NOT IMPORTED %s\n", r.Path)
	} else {
		fmt.Fprintf(w, "imported %s (%s %s %s): %d units, %d new, %d changed, %d unchanged\n",
			r.Path, r.Standard, r.Kind, r.ID, r.Units, r.New, r.Changed, r.Unchanged)
		for _, id := range r.Top {
			fmt.Fprintf(w, "  %s\n", id)
		}
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
}

// eadImporter imports finding aids into the catalog and the index.
type eadImporter struct {
	cat      *catalog.Catalog
	j        *journal.Journal
	room     *access.Service
	batch    int
	progress preservation.Progress
	// reindex: index all units of a file, also unchanged ones.
	reindex bool
}

// importFile reads, plans, journals and indexes one file. Problems of the
// file are in the report; the error is for failures of the archive.
func (im *eadImporter) importFile(ctx context.Context, path string, parent *preservation.Unit) (eadReport, error) {
	r := eadReport{Path: path}
	fa, err := ead.ReadFile(path, ead.Limits{})
	if err != nil {
		return r, err
	}
	r.Standard, r.Kind, r.ID, r.Problems = fa.Standard, fa.Kind, fa.ID, fa.Problems
	if fa.Problems.HasErrors() {
		return r, nil
	}
	existing, err := im.cat.UnitsBySource(ctx, fa.ID+"#")
	if err != nil {
		return r, err
	}
	for _, u := range fa.Units {
		if _, ok := existing[u.SourceID]; ok || strings.HasPrefix(u.SourceID, fa.ID+"#") {
			continue
		}
		// A Bestand of a Tektonik, keyed like its Findbuch's record.
		m, err := im.cat.UnitsBySource(ctx, u.SourceID)
		if err != nil {
			return r, err
		}
		if v, ok := m[u.SourceID]; ok {
			existing[u.SourceID] = v
		}
	}
	if err := im.adoptBestaende(ctx, fa, parent, existing); err != nil {
		return r, err
	}
	ch := ead.Plan(fa, parent, existing, newUnitID)
	r.Problems = append(r.Problems, ch.Problems...)
	if ch.Problems.HasErrors() {
		return r, nil
	}
	r.Units, r.New, r.Changed, r.Unchanged = len(fa.Units), ch.New, ch.Changed, ch.Unchanged
	for _, u := range fa.Units {
		if u.Parent == "" {
			r.Top = append(r.Top, ch.IDs[u.SourceID])
		}
	}
	if err := im.write(ctx, ch); err != nil {
		return r, err
	}
	if im.reindex {
		for _, id := range r.Top {
			if err := im.room.ReindexSubtree(ctx, id); err != nil {
				return r, err
			}
		}
	}
	r.OK = true
	return r, nil
}

// adoptBestaende finds the Bestände the finding aid describes that exist
// already without an EAD origin (made with `magazin bestand add` or by
// ingest), by their Signatur, so that the finding aid describes them
// instead of adding a second Bestand with the same Signatur.
func (im *eadImporter) adoptBestaende(ctx context.Context, fa *ead.FindingAid, parent *preservation.Unit, existing map[string]preservation.Unit) error {
	if parent != nil && parent.Level != preservation.LevelTektonik {
		return nil // the finding aid's top goes below a Bestand
	}
	for _, u := range fa.Units {
		bestand := u.Level == preservation.LevelBestand || fa.Kind == ead.KindFindbuch && u.Parent == ""
		if _, ok := existing[u.SourceID]; ok || !bestand || u.Signatur == "" {
			continue
		}
		b, err := im.cat.ResolveUnit(ctx, u.Signatur)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, catalog.ErrAmbiguous) {
			continue
		}
		if err != nil {
			return err
		}
		if b.Level == preservation.LevelBestand && b.Signatur == u.Signatur && !strings.Contains(b.SourceID, "#") {
			existing[u.SourceID] = *b
		}
	}
	return nil
}

// write journals the changes in batches and indexes the new units of each
// batch while the next one is written; changed units are reindexed with
// their subtrees at the end (their facts and titles pass down).
func (im *eadImporter) write(ctx context.Context, ch *ead.Changes) error {
	if im.progress == nil {
		im.progress = preservation.NoProgress{}
	}
	im.progress.SetTotal(int64(len(ch.Units)))
	changed := make(map[string]bool, len(ch.Reindex))
	for _, id := range ch.Reindex {
		changed[id] = true
	}
	parts := make(chan []preservation.Unit, 2)
	indexed := make(chan error, 1)
	go func() {
		var err error
		for part := range parts {
			if err == nil {
				err = im.room.IndexUnits(ctx, part)
			}
		}
		indexed <- err
	}()
	err := im.cat.CommitUnits(ctx, im.j, ch.Units, im.batch, func(part []preservation.Unit) error {
		fresh := make([]preservation.Unit, 0, len(part))
		for _, u := range part {
			if !changed[u.ID] {
				fresh = append(fresh, u)
			}
		}
		parts <- fresh
		im.progress.Add(int64(len(part)))
		return nil
	})
	close(parts)
	if ierr := <-indexed; ierr != nil && err == nil {
		err = fmt.Errorf("indexing: %w", ierr)
	}
	if err != nil {
		return err
	}
	parentOf := make(map[string]string, len(ch.Units))
	for _, u := range ch.Units {
		parentOf[u.ID] = u.Parent
	}
	for _, id := range ch.Reindex {
		covered := false
		for p := parentOf[id]; p != "" && !covered; p = parentOf[p] {
			covered = changed[p]
		}
		if covered {
			continue
		}
		if err := im.room.ReindexSubtree(ctx, id); err != nil {
			return errors.Join(fmt.Errorf("reindexing %s", id), err)
		}
	}
	return nil
}

// exportCommand is `magazin export`.
func exportCommand() *cli.Command {
	return &cli.Command{
		Name:        "export",
		Usage:       "export descriptions and packages in standard formats",
		Subcommands: []*cli.Command{exportEADCommand(), exportDIPCommand()},
	}
}

func exportEADCommand() *cli.Command {
	return &cli.Command{
		Name:  "ead",
		Usage: "write EAD(DDB) 1.2 files for Archivportal-D: a Findbuch per Bestand and the Tektonik, as the public sees them today",
		Description: `Without --bestand every Bestand gets a Findbuch <id>.xml and the archive's Tektonik goes to
Tektonik.xml. Closed units carry their release date in accessrestrict; closed person-related units are
written without title, scope and index terms, as the reading room shows them. See docs/ead.md.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Required: true, Usage: "directory for the files (created if missing)"},
			&cli.StringFlag{Name: "bestand", Usage: "export only this Bestand (id or Signatur)"},
			&cli.StringFlag{Name: "isil", EnvVars: []string{"MAGAZIN_ISIL"}, Usage: "the archive's ISIL, e.g. DE-14 (required)"},
			&cli.StringFlag{Name: "archive", EnvVars: []string{"MAGAZIN_ARCHIVE"}, Usage: "the archive's name (required)"},
			&cli.StringFlag{Name: "role", Value: accessead.RoleState, Usage: "the archive's type as EAD(DDB) names it"},
			&cli.StringFlag{Name: "url", Usage: "the archive's website"},
			&cli.StringFlag{Name: "unit-url", EnvVars: []string{"MAGAZIN_UNIT_URL"}, Usage: "address of a unit in the reading room, with {id} for the unit id"},
			&cli.StringFlag{Name: "license", Usage: "URI of the metadata licence, e.g. http://creativecommons.org/publicdomain/zero/1.0/"},
			&cli.BoolFlag{Name: "json", Usage: "print results as JSON"},
		},
		Action: exportEAD,
	}
}

type eadFileReport struct {
	Path string `json:"path"`
	accessead.Stats
}

func exportEAD(c *cli.Context) error {
	cfg := accessead.Config{ISIL: c.String("isil"), Archive: c.String("archive"), Role: c.String("role"), URL: c.String("url"),
		UnitURL: c.String("unit-url"), MetadataLicense: c.String("license")}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: %v (--isil, --archive)", errUsage, err)
	}
	dir := c.String("out")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("%w: --out: %v", errUsage, err)
	}
	return withArchive(c, func(e *env, _ *journal.Journal) error {
		x, err := accessead.New(cfg, e.room, e.cat)
		if err != nil {
			return err
		}
		var bestaende, orphans []string
		if ref := c.String("bestand"); ref != "" {
			b, err := e.cat.ResolveUnit(c.Context, ref)
			if err != nil {
				return usageOrFailed(err)
			}
			if b.Level != preservation.LevelBestand {
				return fmt.Errorf("%w: %s is a %s, not a Bestand", errUsage, ref, b.Level)
			}
			bestaende = []string{b.ID}
		} else if bestaende, orphans, err = x.Bestaende(c.Context); err != nil {
			return err
		}
		var reports []eadFileReport
		write := func(name string, fn func(io.Writer) (accessead.Stats, error)) error {
			path := filepath.Join(dir, name)
			st, err := writeFileAtomic(path, fn)
			if err != nil {
				return err
			}
			reports = append(reports, eadFileReport{Path: path, Stats: st})
			if !c.Bool("json") {
				fmt.Fprintf(c.App.Writer, "wrote %s: %d units, %d closed, %d of them person-related without title\n", path, st.Units, st.Closed, st.Reduced)
			}
			return nil
		}
		bar := newBar(c, "export ead")
		bar.SetTotal(int64(len(bestaende)))
		for _, id := range bestaende {
			pu, err := e.room.Unit(c.Context, id)
			if err != nil {
				return err
			}
			if err := write(accessead.FindbuchID(pu.Unit)+".xml", func(w io.Writer) (accessead.Stats, error) {
				return x.Findbuch(c.Context, w, id)
			}); err != nil {
				return err
			}
			bar.Add(1)
		}
		bar.Finish()
		if c.String("bestand") == "" {
			if err := write("Tektonik.xml", func(w io.Writer) (accessead.Stats, error) { return x.Tektonik(c.Context, w) }); err != nil {
				return err
			}
			if len(orphans) > 0 && !c.Bool("json") {
				fmt.Fprintf(c.App.Writer, "%d units at the top belong to no Bestand and are in no file (e.g. %s)\n", len(orphans), orphans[0])
			}
		}
		if c.Bool("json") {
			return writeJSON(c.App.Writer, reports)
		}
		return nil
	})
}

// writeFileAtomic writes path through a temporary file in its directory,
// renamed into place when complete.
func writeFileAtomic(path string, fn func(io.Writer) (accessead.Stats, error)) (accessead.Stats, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return accessead.Stats{}, err
	}
	defer os.Remove(tmp.Name())
	st, err := fn(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	return st, err
}
