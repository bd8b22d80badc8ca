package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/journal"
)

func newUnitID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return "urn:uuid:" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// structureCommand adds a structural unit (Tektonik group or Bestand).
func structureCommand(name, level, usage string) *cli.Command {
	return &cli.Command{
		Name:  name,
		Usage: usage,
		Subcommands: []*cli.Command{{
			Name:  "add",
			Usage: "add a " + name,
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "title", Required: true},
				&cli.StringFlag{Name: "signatur", Required: level == preservation.LevelBestand, Usage: "archive signature (Bestandssignatur)"},
				&cli.StringFlag{Name: "parent", Usage: "parent unit (id or Signatur); default: the top of the Tektonik"},
				&cli.StringFlag{Name: "provenance", Usage: "creating agency (Provenienz)"},
			},
			Action: func(c *cli.Context) error {
				return withArchive(c, func(e *env, j *journal.Journal) error {
					u := preservation.Unit{ID: newUnitID(), Level: level, Title: c.String("title"), Signatur: c.String("signatur"), Provenance: c.String("provenance")}
					if ref := c.String("parent"); ref != "" {
						p, err := e.cat.ResolveUnit(c.Context, ref)
						if err != nil {
							return usageOrFailed(err)
						}
						u.Parent = p.ID
					}
					if u.Signatur != "" {
						if _, err := e.cat.ResolveUnit(c.Context, u.Signatur); err == nil {
							return fmt.Errorf("%w: Signatur %q is taken", errUsage, u.Signatur)
						}
					}
					if level == preservation.LevelBestand {
						u.Bestand = u.ID
					}
					if err := commitUnit(c.Context, e, j, u, actor(c)); err != nil {
						return err
					}
					fmt.Fprintf(c.App.Writer, "%s %s %s\n", u.ID, u.Signatur, u.Title)
					return nil
				})
			},
		}},
	}
}

func agencyCommand() *cli.Command {
	return &cli.Command{
		Name:  "agency",
		Usage: "agencies that hand over records, and the Bestand their records join",
		Subcommands: []*cli.Command{
			{Name: "add", Usage: "add or change an agency", ArgsUsage: "BEHOERDENKENNUNG",
				Flags: []cli.Flag{&cli.StringFlag{Name: "name", Required: true}, &cli.StringFlag{Name: "bestand", Required: true, Usage: "Bestand id or Signatur"},
					&cli.StringFlag{Name: "dir", Usage: "the agency's transfer directory (hot folder) with inbox/ and outbox/"}, adminAddrFlag()},
				Description: "With `magazin serve` running it asks the daemon through its admin API (which makes the directories and watches the new inbox at once), else it writes the catalog directly.",
				Action:      agencyAdd},
			{Name: "list", Usage: "list agencies", Flags: []cli.Flag{&cli.BoolFlag{Name: "json"}, adminAddrFlag()},
				Action: func(c *cli.Context) error {
					var as []catalog.Agency
					err := withDaemon(c, func(a *adminClient) error { return a.do(c.Context, http.MethodGet, "/admin/api/agencies", nil, &as) },
						func(cat *catalog.Catalog) (err error) {
							as, err = cat.Agencies(c.Context)
							return err
						})
					if err != nil {
						return err
					}
					if c.Bool("json") {
						if as == nil {
							as = []catalog.Agency{}
						}
						return writeJSON(c.App.Writer, as)
					}
					for _, a := range as {
						fmt.Fprintf(c.App.Writer, "%s\t%s\t%s\n", a.ID, a.Name, a.Bestand)
					}
					return nil
				}},
		},
	}
}

// agencyRequest adds or changes an agency, from `magazin agency add` or
// through the daemon's admin API.
type agencyRequest struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Bestand string `json:"bestand"`
	// Dir is the absolute path of the transfer directory, if any.
	Dir string `json:"dir,omitempty"`
}

// add resolves the Bestand, makes the transfer directory's inbox/ and
// outbox/ and journals the agency.
func (r agencyRequest) add(ctx context.Context, e *env, j *journal.Journal) (*catalog.Agency, error) {
	if r.ID == "" || r.Name == "" || r.Bestand == "" {
		return nil, fmt.Errorf("%w: an agency needs its Behördenkennung, a name and a Bestand", errUsage)
	}
	b, err := e.cat.ResolveUnit(ctx, r.Bestand)
	if err != nil {
		return nil, usageOrFailed(err)
	}
	if b.Level != preservation.LevelBestand {
		return nil, fmt.Errorf("%w: %s is a %s, not a Bestand", errUsage, r.Bestand, b.Level)
	}
	if r.Dir != "" {
		if !filepath.IsAbs(r.Dir) {
			return nil, fmt.Errorf("%w: --dir %s: want an absolute path", errUsage, r.Dir)
		}
		for _, sub := range []string{"inbox", "outbox"} {
			if err := os.MkdirAll(filepath.Join(r.Dir, sub), 0o750); err != nil {
				return nil, fmt.Errorf("%w: --dir: %v", errUsage, err)
			}
		}
	}
	a := catalog.Agency{ID: r.ID, Name: r.Name, Bestand: b.ID, Dir: r.Dir}
	if err := e.cat.Commit(ctx, j, catalog.AgencyEntry(a)); err != nil {
		return nil, err
	}
	return &a, nil
}

func agencyAdd(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("%w: agency add needs the Behördenkennung", errUsage)
	}
	r := agencyRequest{ID: c.Args().First(), Name: c.String("name"), Bestand: c.String("bestand")}
	if dir := c.String("dir"); dir != "" {
		var err error
		if r.Dir, err = filepath.Abs(dir); err != nil {
			return fmt.Errorf("%w: --dir: %v", errUsage, err)
		}
	}
	var a catalog.Agency
	err := onDaemon(c, func(ac *adminClient) error { return ac.do(c.Context, http.MethodPost, "/admin/api/agencies", r, &a) })
	if errors.Is(err, errNoDaemon) {
		return withArchive(c, func(e *env, j *journal.Journal) error {
			_, err := r.add(c.Context, e, j)
			return err
		})
	}
	return err
}

func unitCommand() *cli.Command {
	return &cli.Command{
		Name:  "unit",
		Usage: "browse units of description",
		Subcommands: []*cli.Command{
			{Name: "list", Usage: "list the children of a unit (default: the top of the Tektonik)",
				Flags: []cli.Flag{&cli.StringFlag{Name: "parent"}, &cli.BoolFlag{Name: "json"}},
				Action: func(c *cli.Context) error {
					return withArchive(c, func(e *env, _ *journal.Journal) error {
						parent := ""
						if ref := c.String("parent"); ref != "" {
							p, err := e.cat.ResolveUnit(c.Context, ref)
							if err != nil {
								return usageOrFailed(err)
							}
							parent = p.ID
						}
						us, err := e.cat.Children(c.Context, parent)
						if err != nil {
							return err
						}
						if c.Bool("json") {
							return writeJSON(c.App.Writer, us)
						}
						tw := tabwriter.NewWriter(c.App.Writer, 2, 4, 2, ' ', 0)
						fmt.Fprintln(tw, "SIGNATUR\tLEVEL\tLAUFZEIT\tTITLE\tID")
						for _, u := range us {
							fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Signatur, u.Level, laufzeit(u), u.Title, u.ID)
						}
						return tw.Flush()
					})
				}},
			{Name: "show", Usage: "show a unit (id, Signatur or submission id)", ArgsUsage: "UNIT", Flags: []cli.Flag{&cli.BoolFlag{Name: "json"}},
				Action: func(c *cli.Context) error {
					return withUnit(c, func(e *env, _ *journal.Journal, u *preservation.Unit) error {
						return writeJSON(c.App.Writer, u)
					})
				}},
		},
	}
}

func laufzeit(u preservation.Unit) string {
	if u.From == "" && u.To == "" {
		return ""
	}
	return u.From + "–" + u.To
}

func describeCommand() *cli.Command {
	return &cli.Command{
		Name:      "describe",
		Usage:     "edit the description of a unit (journaled; every edit is kept; a unit in an AIP gets a new version of the AIP)",
		ArgsUsage: "UNIT",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "title"}, &cli.StringFlag{Name: "scope", Usage: "Enthält"},
			&cli.StringFlag{Name: "provenance"}, &cli.StringFlag{Name: "from", Usage: "Laufzeit begin (YYYY[-MM[-DD]])"},
			&cli.StringFlag{Name: "to", Usage: "Laufzeit end"}, &cli.StringFlag{Name: "extent"}, &cli.StringFlag{Name: "language"},
			&cli.StringSliceFlag{Name: "person", Usage: "index term: NAME[|BIRTH[|DEATH]] (repeatable)"},
			&cli.StringSliceFlag{Name: "place"}, &cli.StringSliceFlag{Name: "subject"},
			&cli.BoolFlag{Name: "publish-metadata", Usage: "show title and scope of this closed person-related unit publicly"},
			userFlag(false),
		},
		Action: func(c *cli.Context) error {
			return withUnit(c, func(e *env, j *journal.Journal, u *preservation.Unit) error {
				for _, f := range []struct {
					flag string
					dst  *string
				}{{"title", &u.Title}, {"scope", &u.Scope}, {"provenance", &u.Provenance}, {"from", &u.From}, {"to", &u.To}, {"extent", &u.Extent}, {"language", &u.Language}} {
					if c.IsSet(f.flag) {
						*f.dst = c.String(f.flag)
					}
				}
				if c.IsSet("person") {
					u.Persons = nil
					for _, p := range c.StringSlice("person") {
						parts := strings.SplitN(p, "|", 3)
						per := preservation.Person{Name: parts[0]}
						if len(parts) > 1 {
							per.Birth = parts[1]
						}
						if len(parts) > 2 {
							per.Death = parts[2]
						}
						u.Persons = append(u.Persons, per)
					}
				}
				if c.IsSet("place") {
					u.Places = c.StringSlice("place")
				}
				if c.IsSet("subject") {
					u.Subjects = c.StringSlice("subject")
				}
				if c.IsSet("publish-metadata") {
					u.PublishMetadata = c.Bool("publish-metadata")
				}
				return commitUnit(c.Context, e, j, *u, actor(c))
			})
		},
	}
}

// closureSetCommand records the closure facts of a unit.
func closureSetCommand() *cli.Command {
	return &cli.Command{
		Name:      "set",
		Usage:     "record the closure facts of a unit (journaled)",
		ArgsUsage: "UNIT",
		Flags: []cli.Flag{
			userFlag(false),
			&cli.BoolFlag{Name: "personal", Usage: "person-related (personenbezogen)"},
			&cli.StringFlag{Name: "person", Usage: "name of the person the dates belong to"},
			&cli.StringFlag{Name: "birth", Usage: "birth date YYYY-MM-DD of the person"},
			&cli.StringFlag{Name: "death", Usage: "death date YYYY-MM-DD of the person"},
			&cli.BoolFlag{Name: "secrecy", Usage: "subject to a secrecy rule"},
			&cli.BoolFlag{Name: "published", Usage: "intended for publication when created"},
			&cli.BoolFlag{Name: "gdr", Usage: "GDR-era record (SächsArchivG § 10 Abs. 2 with § 4 Abs. 2 Satz 2)"},
			&cli.StringFlag{Name: "created", Usage: "date of last processing YYYY-MM-DD"},
			&cli.StringFlag{Name: "granularity", Usage: "day or year"},
			&cli.StringFlag{Name: "until", Usage: "last day YYYY-MM-DD of a closure stated outside the law (Sperrvermerk); \"\" removes it"},
		},
		Action: func(c *cli.Context) error {
			return withUnit(c, func(e *env, j *journal.Journal, u *preservation.Unit) error {
				f := &u.Closure
				for _, b := range []struct {
					flag string
					dst  *bool
				}{{"personal", &f.Personal}, {"secrecy", &f.Secrecy}, {"published", &f.Published}, {"gdr", &f.GDR}} {
					if c.IsSet(b.flag) {
						*b.dst = c.Bool(b.flag)
					}
				}
				for _, s := range []struct {
					flag string
					dst  *string
				}{{"created", &f.Created}, {"granularity", &f.Granularity}, {"until", &f.Until}} {
					if c.IsSet(s.flag) {
						*s.dst = c.String(s.flag)
					}
				}
				if c.IsSet("birth") || c.IsSet("death") || c.IsSet("person") {
					p := preservation.Person{Name: c.String("person"), Birth: c.String("birth"), Death: c.String("death")}
					replaced := false
					for i := range f.Persons {
						if f.Persons[i].Name == p.Name {
							f.Persons[i], replaced = p, true
						}
					}
					if !replaced {
						f.Persons = append(f.Persons, p)
					}
					f.Personal = true
				}
				if err := validateFacts(*f); err != nil {
					return fmt.Errorf("%w: %v", errUsage, err)
				}
				return commitUnit(c.Context, e, j, *u, actor(c))
			})
		},
	}
}

// withArchive opens the archive and a journal over its stores.
func withArchive(c *cli.Context, fn func(*env, *journal.Journal) error) error {
	e, err := open(c.Context, c)
	if err != nil {
		return err
	}
	defer e.Close()
	return fn(e, journal.New(e.stores...))
}

// withUnit resolves the UNIT argument.
func withUnit(c *cli.Context, fn func(*env, *journal.Journal, *preservation.Unit) error) error {
	if c.NArg() != 1 {
		return fmt.Errorf("%w: %s needs one UNIT (id, Signatur or submission id)", errUsage, c.Command.Name)
	}
	return withArchive(c, func(e *env, j *journal.Journal) error {
		u, err := e.cat.ResolveUnit(c.Context, c.Args().First())
		if err != nil {
			return usageOrFailed(err)
		}
		return fn(e, j, u)
	})
}

// commitUnit journals a unit, applies it to the catalog and reindexes it
// with everything below it (closure facts are inherited). A unit an AIP
// holds is also written into a new version of the AIP (docs/adr/0002),
// after the journal: the journal stays the record of every edit, and a
// crash in between leaves an AIP that the same command, run again, brings
// up to date.
// who names the user for the AIP's new version. The CLI and the
// archivists' desk (desk.go) both edit units through here.
func commitUnit(ctx context.Context, e *env, j *journal.Journal, u preservation.Unit, who string) error {
	if err := e.cat.Commit(ctx, j, catalog.UnitEntry(u)); err != nil {
		return err
	}
	if u.AIP != "" && u.Disposed == "" {
		if err := reviseUnitAIP(ctx, e, u, who); err != nil {
			return fmt.Errorf("the edit of %s is journaled, but its AIP %s has no new version yet (run the command again): %w", u.ID, u.AIP, err)
		}
	}
	return e.room.ReindexSubtree(ctx, u.ID)
}

func usageOrFailed(err error) error {
	return fmt.Errorf("%w: %v", errFailed, err)
}
