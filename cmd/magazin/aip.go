package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/jobs"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/pack"
	"github.com/magazin-archiv/magazin/preservation/store"
)

func aipCommand() *cli.Command {
	jsonFlag := &cli.BoolFlag{Name: "json", Usage: "print JSON"}
	return &cli.Command{
		Name:  "aip",
		Usage: "inspect, export and verify archival information packages",
		Subcommands: []*cli.Command{
			{Name: "list", Usage: "list AIPs, oldest first", Flags: []cli.Flag{jsonFlag}, Action: aipList},
			{Name: "show", Usage: "show one AIP", ArgsUsage: "ID", Flags: []cli.Flag{jsonFlag}, Action: aipShow},
			{Name: "get", Usage: "export an AIP (checked) into a directory: its files, a BagIt bag or an E-ARK AIP", ArgsUsage: "ID",
				Description: `--format files (default) copies the head version's logical files; bagit writes an RFC 8493 bag
(sha512 and sha256 manifests) and eark an E-ARK AIP (CSIP METS.xml). Every file is checked against the
AIP's inventory while it is copied. See docs/export.md. With ` + "`magazin serve`" + ` running, the export runs as a
job of the daemon (which writes --out); the command waits for it (--detach: prints the job id and returns).`,
				Flags: []cli.Flag{&cli.StringFlag{Name: "out", Required: true, Usage: "target directory (must not exist)"},
					&cli.StringFlag{Name: "format", Value: "files", Usage: "files, bagit or eark"},
					&cli.StringFlag{Name: "version", Usage: "export this version (v1, v2, ...) instead of the head (bagit, eark)"},
					&cli.BoolFlag{Name: "all-versions", Usage: "export every version (bagit, eark)"},
					&cli.StringFlag{Name: "archive", EnvVars: []string{"MAGAZIN_ARCHIVE"}, Usage: "the archive's name (bag-info Source-Organization)"},
					jsonFlag, adminAddrFlag(), detachFlag()}, Action: aipGet},
			{Name: "verify", Usage: "re-read AIPs in every store and check them (OCFL validation and fixity)", ArgsUsage: "[ID...]",
				Flags: []cli.Flag{&cli.BoolFlag{Name: "all", Usage: "verify every AIP"}, jsonFlag}, Action: aipVerify},
		},
	}
}

type aipSummary struct {
	ID      preservation.AIPID `json:"id"`
	Title   string             `json:"title"`
	Profile string             `json:"profile"`
	Created string             `json:"created"`
	Files   int                `json:"files"`
	Size    int64              `json:"size"`
	Version int                `json:"version"`
}

func aipList(c *cli.Context) error {
	e, err := open(c.Context, c)
	if err != nil {
		return err
	}
	defer e.Close()
	list := []aipSummary{}
	for a, err := range e.cat.AIPs(c.Context) {
		if err != nil {
			return err
		}
		list = append(list, aipSummary{ID: a.ID, Title: a.Title, Profile: a.Profile, Created: a.Created.UTC().Format("2006-01-02T15:04:05Z"),
			Files: len(a.Files), Size: a.Size, Version: a.Version})
	}
	// Oldest first; the id (random) decides only among AIPs of one second
	// and title, so the order does not depend on the ids drawn.
	slices.SortFunc(list, func(a, b aipSummary) int {
		return cmp.Or(cmp.Compare(a.Created, b.Created), cmp.Compare(a.Title, b.Title), cmp.Compare(a.ID, b.ID))
	})
	if c.Bool("json") {
		return writeJSON(c.App.Writer, list)
	}
	tw := tabwriter.NewWriter(c.App.Writer, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tFILES\tBYTES\tTITLE")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", s.ID, s.Created, s.Files, s.Size, s.Title)
	}
	return tw.Flush()
}

func aipShow(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("%w: aip show needs one ID", errUsage)
	}
	e, err := open(c.Context, c)
	if err != nil {
		return err
	}
	defer e.Close()
	a, err := e.cat.AIP(c.Context, c.Args().First())
	if errors.Is(err, catalog.ErrNotFound) {
		if t, terr := e.cat.Tombstone(c.Context, c.Args().First()); terr == nil {
			return showTombstone(c, e, t)
		}
	}
	if err != nil {
		return notFound(err)
	}
	events, err := e.cat.Events(c.Context, string(a.ID))
	if err != nil {
		return err
	}
	if c.Bool("json") {
		// The events of audits and repairs are in the journal, not (yet)
		// in the AIP's PREMIS: they are shown apart.
		return writeJSON(c.App.Writer, struct {
			*preservation.AIP
			JournalEvents []preservation.Event `json:"journalEvents"`
		}{a, events})
	}
	w := c.App.Writer
	fmt.Fprintf(w, "AIP       %s\nTitle     %s\nProfile   %s\nCreated   %s\nVersion   v%d\nFiles     %d (%d bytes)\n",
		a.ID, a.Title, a.Profile, a.Created.UTC().Format("2006-01-02 15:04:05 UTC"), a.Version, len(a.Files), a.Size)
	fmt.Fprintf(w, "Representations %s\n", representationSummary(a))
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nPUID\tSIZE\tFORMAT\tNAME")
	for _, f := range a.Files {
		fmt.Fprintf(tw, "%s\t%d\t%s %s\t%s\n", f.PUID, f.Size, f.FormatName, f.FormatVersion, f.Name)
	}
	tw.Flush()
	vs, err := e.cat.Verifications(c.Context, string(a.ID))
	if err != nil {
		return err
	}
	for _, v := range vs {
		state := "ok"
		if !v.OK {
			state = "FAILED"
		}
		fmt.Fprintf(w, "verified  %s in %s: %s\n", v.Time, v.Store, state)
	}
	if len(events) > 0 {
		fmt.Fprintln(w, "\nevents in the journal (PREMIS):")
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		for _, ev := range events {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", ev.DateTime.UTC().Format("2006-01-02 15:04:05"), ev.Type, ev.Outcome, ev.Detail)
			if ev.OutcomeDetail != "" {
				fmt.Fprintf(tw, "\t\t\t  %s\n", ev.OutcomeDetail)
			}
		}
		tw.Flush()
	}
	return nil
}

// representationSummary lists an AIP's representations with their number
// of files and, for those a submission brought, where they came from:
// "rep1 (2 files, from representations/rep1), access (1 file)".
func representationSummary(a *preservation.AIP) string {
	var names []string
	count := map[string]int{}
	for _, f := range a.Files {
		r, _ := aip.SplitRepresentation(f.Path)
		if count[r] == 0 {
			names = append(names, r)
		}
		count[r]++
	}
	from := map[string]string{}
	for _, r := range a.Representations {
		from[r.Name] = r.Source
	}
	var parts []string
	for _, r := range names {
		n := fmt.Sprintf("%d files", count[r])
		if count[r] == 1 {
			n = "1 file"
		}
		if src := from[r]; src != "" {
			n += ", from " + src
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", r, n))
	}
	return strings.Join(parts, ", ")
}

// aipGetRequest is one run of `magazin aip get`, in the foreground or as
// an export job of the daemon (verbjobs.go).
type aipGetRequest struct {
	ID  string `json:"id"`
	Out string `json:"out"`
	// Shown is --out as given, for the report.
	Shown       string `json:"shown"`
	Format      string `json:"format"`
	Version     string `json:"version,omitempty"`
	AllVersions bool   `json:"allVersions,omitempty"`
	Archive     string `json:"archive,omitempty"`
}

// aipGetOut is what `aip get` reports: the export's result, how many files
// it wrote and from which store.
type aipGetOut struct {
	Result any    `json:"result"`
	Files  int    `json:"files"`
	Store  string `json:"store"`
}

func aipGetRequestFrom(c *cli.Context) (aipGetRequest, error) {
	r := aipGetRequest{ID: c.Args().First(), Shown: c.String("out"), Format: c.String("format"), Version: c.String("version"), AllVersions: c.Bool("all-versions"),
		Archive: c.String("archive")}
	if c.NArg() != 1 {
		return r, fmt.Errorf("%w: aip get needs one ID", errUsage)
	}
	if r.Version != "" && r.AllVersions {
		return r, fmt.Errorf("%w: give --version or --all-versions, not both", errUsage)
	}
	switch r.Format {
	case "files":
		if r.Version != "" || r.AllVersions {
			return r, fmt.Errorf("%w: --version and --all-versions need --format bagit or eark", errUsage)
		}
	case "bagit", "eark":
	default:
		return r, fmt.Errorf("%w: --format %q: want files, bagit or eark", errUsage, r.Format)
	}
	if _, err := os.Lstat(c.String("out")); err == nil {
		return r, fmt.Errorf("%w: --out %s exists", errUsage, c.String("out"))
	}
	if r.Version != "" && !validVersionName(r.Version) {
		return r, fmt.Errorf("%w: --version %q: want v1, v2, ...", errUsage, r.Version)
	}
	var err error
	if r.Out, err = filepath.Abs(c.String("out")); err != nil {
		return r, fmt.Errorf("%w: --out: %v", errUsage, err)
	}
	return r, nil
}

func aipGet(c *cli.Context) error {
	r, err := aipGetRequestFrom(c)
	if err != nil {
		return err
	}
	return viaDaemon(c, jobs.KindExport, verbAIPGet, r, func() error {
		e, err := open(c.Context, c)
		if err != nil {
			return err
		}
		defer e.Close()
		pack.SoftwareVersion = version
		bar := newBar(c, "aip get")
		out, err := r.run(c.Context, e, r.Out, bar)
		bar.Finish()
		if err != nil {
			return err
		}
		return printAIPGet(c, r, out)
	}, func(raw json.RawMessage) error {
		var out aipGetOut
		if err := json.Unmarshal(raw, &out); err != nil {
			return err
		}
		return printAIPGet(c, r, out)
	})
}

func printAIPGet(c *cli.Context, r aipGetRequest, out aipGetOut) error {
	if c.Bool("json") {
		return writeJSON(c.App.Writer, out.Result)
	}
	fmt.Fprintf(c.App.Writer, "exported %d files of %s from %s to %s\n", out.Files, r.ID, out.Store, c.String("out"))
	return nil
}

// run exports the AIP into the directory into (r.Out, or a job's staging
// directory beside it; the result names --out as given), from the first store that
// has it whole.
func (r aipGetRequest) run(ctx context.Context, e *env, into string, progress preservation.Progress) (aipGetOut, error) {
	var export func(ctx context.Context, st store.Store) (any, int, error)
	o := pack.Options{Version: r.Version, AllVersions: r.AllVersions, Organization: r.Archive, Progress: progress}
	switch r.Format {
	case "files":
		export = func(ctx context.Context, st store.Store) (any, int, error) {
			n, err := aip.Export(ctx, st, r.ID, into)
			if err != nil && !errors.Is(err, fs.ErrExist) {
				os.RemoveAll(into) // made by this export: the next store starts afresh
			}
			return map[string]any{"dir": r.Shown, "files": n}, n, err
		}
	case "bagit", "eark":
		export = func(ctx context.Context, st store.Store) (any, int, error) {
			fn := pack.ExportBag
			if r.Format == "eark" {
				fn = pack.ExportEARK
			}
			res, err := fn(ctx, st, r.ID, into, o)
			if err != nil {
				return nil, 0, err
			}
			res.Dir = filepath.Clean(r.Shown)
			return res, len(res.Files), nil
		}
	default:
		return aipGetOut{}, fmt.Errorf("%w: --format %q: want files, bagit or eark", errUsage, r.Format)
	}
	var lastErr error
	for _, st := range e.stores {
		res, n, err := export(ctx, st)
		if err == nil {
			return aipGetOut{Result: res, Files: n, Store: st.String()}, nil
		}
		if ctx.Err() != nil {
			return aipGetOut{}, err
		}
		if errors.Is(err, fs.ErrNotExist) && r.Version != "" {
			if _, herr := aip.ReadHead(ctx, st, r.ID); herr == nil {
				return aipGetOut{}, fmt.Errorf("%w: %v", errFailed, err) // the AIP is there, the version is not
			}
		}
		lastErr = err
		e.cfg.Logger.Warn("export failed, trying next store", "store", st.String(), "err", err)
	}
	if errors.Is(lastErr, fs.ErrNotExist) || errors.Is(lastErr, aip.ErrIncomplete) {
		return aipGetOut{}, fmt.Errorf("%w: %s: %v", errFailed, r.ID, lastErr)
	}
	return aipGetOut{}, notFound(lastErr)
}

// validVersionName reports whether v names an OCFL version as magazin
// writes them (v1, v2, ...).
func validVersionName(v string) bool {
	n, ok := strings.CutPrefix(v, "v")
	if !ok || n == "" || n[0] == '0' {
		return false
	}
	for _, r := range n {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func aipVerify(c *cli.Context) error {
	e, err := open(c.Context, c)
	if err != nil {
		return err
	}
	defer e.Close()
	ids := c.Args().Slice()
	if c.Bool("all") {
		if len(ids) > 0 {
			return fmt.Errorf("%w: give IDs or --all, not both", errUsage)
		}
		for a, err := range e.cat.AIPs(c.Context) {
			if err != nil {
				return err
			}
			ids = append(ids, string(a.ID))
		}
	} else if len(ids) == 0 {
		return fmt.Errorf("%w: aip verify needs IDs or --all", errUsage)
	}
	jr := journal.New(e.stores...)
	bar := newBar(c, "verify")
	bar.SetTotal(int64(len(ids) * len(e.stores)))
	var results []*aip.Verification
	var entries []journal.Entry
	failed := 0
	for _, id := range ids {
		for _, st := range e.stores {
			v, err := aip.Verify(c.Context, st, id)
			if err != nil {
				return err
			}
			bar.Add(1)
			results = append(results, v)
			b, _ := json.Marshal(v)
			entries = append(entries, journal.Entry{Kind: catalog.KindVerify, Subject: id, Data: b})
			if !v.OK {
				failed++
			}
		}
	}
	bar.Finish()
	if len(entries) > 0 {
		if err := e.cat.Commit(c.Context, jr, entries...); err != nil {
			return fmt.Errorf("recording verification in the journal: %w", err)
		}
	}
	if c.Bool("json") {
		if results == nil {
			results = []*aip.Verification{}
		}
		if err := writeJSON(c.App.Writer, results); err != nil {
			return err
		}
	} else {
		for _, v := range results {
			state := "ok"
			if !v.OK {
				state = "FAILED"
			}
			fmt.Fprintf(c.App.Writer, "%s %s in %s\n", state, v.ID, v.Store)
			for _, p := range v.Problems {
				fmt.Fprintf(c.App.Writer, "  %s\n", p)
			}
		}
		fmt.Fprintf(c.App.Writer, "%d checks, %d failed\n", len(results), failed)
	}
	if failed > 0 {
		return fmt.Errorf("%w: %w: %d verifications failed", errFailed, errReported, failed)
	}
	return nil
}

func notFound(err error) error {
	if errors.Is(err, catalog.ErrNotFound) {
		return fmt.Errorf("%w: %v", errFailed, err)
	}
	return err
}

// showTombstone shows what remains of a disposed AIP.
func showTombstone(c *cli.Context, e *env, t *catalog.Tombstone) error {
	events, err := e.cat.Events(c.Context, string(t.AIP.ID))
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return writeJSON(c.App.Writer, struct {
			*preservation.AIP
			Disposed      *catalog.Tombstone   `json:"disposed"`
			JournalEvents []preservation.Event `json:"journalEvents"`
		}{&t.AIP, t, events})
	}
	w := c.App.Writer
	fmt.Fprintf(w, "AIP       %s (DISPOSED)\nTitle     %s\nCreated   %s\nDisposed  %s, approved by %s; requested by %s on %s: %s\nFiles     %d (%d bytes), destroyed\n",
		t.AIP.ID, t.AIP.Title, t.AIP.Created.UTC().Format("2006-01-02 15:04:05 UTC"), t.Approved.UTC().Format("2006-01-02"), t.ApprovedBy,
		t.Request.RequestedBy, t.Request.Requested.UTC().Format("2006-01-02"), t.Request.Reason, len(t.AIP.Files), t.AIP.Size)
	if len(events) > 0 {
		fmt.Fprintln(w, "\nevents in the journal (PREMIS):")
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		for _, ev := range events {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", ev.DateTime.UTC().Format("2006-01-02 15:04:05"), ev.Type, ev.Outcome, ev.Detail)
		}
		tw.Flush()
	}
	return nil
}
