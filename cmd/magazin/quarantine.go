package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/ingest"
	"github.com/magazin-archiv/magazin/ingest/aussonderung"
	"github.com/magazin-archiv/magazin/ingest/quarantine"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/journal"
)

// `magazin quarantine`: the rejected submissions in DATA/quarantine
// (ingest/quarantine holds the logic).

func quarantineCommand() *cli.Command {
	jsonFlag := &cli.BoolFlag{Name: "json", Usage: "print JSON"}
	return &cli.Command{
		Name:  "quarantine",
		Usage: "list, show, retry or discard rejected submissions kept in quarantine",
		Subcommands: []*cli.Command{
			{Name: "list", Usage: "list the quarantine entries, newest first",
				Flags:  []cli.Flag{jsonFlag, &cli.StringFlag{Name: "state", Usage: "only entries in this state: quarantined, resolved, discarded"}},
				Action: quarantineList},
			{Name: "show", Usage: "show an entry: its report, coded problems, files and what was done with it", ArgsUsage: "JOB",
				Flags: []cli.Flag{jsonFlag}, Action: quarantineShow},
			{Name: "retry", Usage: "ingest the quarantined copy again (e.g. after a change of the format policy or configuration)", ArgsUsage: "JOB",
				Description: `On success the entry is resolved with the AIP ids and its copy removed; on a new rejection the
attempt and its problems are added to the entry, which stays quarantined (exit 1). An xdomea transfer (0503) is
checked against its process's appraisal as on receipt, and no reply is sent to the agency.`,
				Flags: []cli.Flag{jsonFlag, userFlag(false),
					&cli.StringFlag{Name: "profile", Value: "auto", Usage: "submission profile; auto: the one that read it before, else detection"},
					&cli.StringFlag{Name: "bestand", Usage: "Bestand (id or Signatur) the units join; default: the sending agency's"}},
				Action: quarantineRetry},
			{Name: "discard", Usage: "remove the quarantined copy, keeping a record (who, when, why, the files' digests)", ArgsUsage: "JOB",
				Flags:  []cli.Flag{jsonFlag, userFlag(false), &cli.StringFlag{Name: "reason", Usage: "why the submission is discarded (required)"}},
				Action: quarantineDiscard},
		},
	}
}

// quarantineErr maps the package's errors to exit codes.
func quarantineErr(err error) error {
	var rej *preservation.RejectedError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, quarantine.ErrInvalidJob), errors.Is(err, quarantine.ErrNoReason):
		return fmt.Errorf("%w: %v", errUsage, err)
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, quarantine.ErrState), errors.Is(err, quarantine.ErrBusy):
		return fmt.Errorf("%w: %v", errFailed, err)
	case errors.As(err, &rej):
		return fmt.Errorf("%w: %w: rejected again", errFailed, errReported)
	case errors.Is(err, ingest.ErrUsage):
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return err
}

// readQuarantine is the quarantine for reading only (list, show): no
// catalog is opened.
func readQuarantine(c *cli.Context) (*quarantine.Quarantine, error) {
	cfg, err := configFrom(c)
	if err != nil {
		return nil, err
	}
	return quarantine.New(cfg.DataDir, nil), nil
}

// quarantineOver is the quarantine of an opened archive, recording its
// actions in the journal through the catalog.
func quarantineOver(e *env, j *journal.Journal) *quarantine.Quarantine {
	return quarantine.New(e.cfg.DataDir, func(ctx context.Context, es ...journal.Entry) error { return e.cat.Commit(ctx, j, es...) },
		quarantine.WithLogger(e.cfg.Logger.With("component", "quarantine")))
}

// retryIngest ingests a quarantined copy again: an xdomea transfer through
// the dialogue (its appraisal checks; no reply), anything else through the
// pipeline; neither makes a new quarantine entry.
func retryIngest(e *env, d *aussonderung.Service) quarantine.IngestFunc {
	return func(ctx context.Context, en *quarantine.Entry, o quarantine.RetryOptions) ([]string, error) {
		var res *ingest.Result
		if isTransferMessage(en.Path, o.Profile) {
			out, err := d.Retransfer(ctx, en.Path)
			if err != nil {
				return nil, err
			}
			if !out.OK {
				return nil, &preservation.RejectedError{Problems: out.Problems}
			}
			res = out.Result
		} else {
			var err error
			res, err = d.Ingester.Ingest(ctx, en.Path, ingest.Options{Profile: o.Profile, Bestand: o.Bestand, NoQuarantine: true, Name: en.Name()}, nil)
			if err != nil {
				return nil, err
			}
		}
		forgetDerivatives(e, res)
		ids := make([]string, 0, len(res.AIPs))
		for _, a := range res.AIPs {
			ids = append(ids, string(a.ID))
		}
		return ids, nil
	}
}

func quarantineList(c *cli.Context) error {
	q, err := readQuarantine(c)
	if err != nil {
		return err
	}
	es, err := q.List(c.Context)
	if err != nil {
		return err
	}
	// listedEntry adds the summary of the codes.
	type listedEntry struct {
		quarantine.Entry
		Codes []string `json:"codes"`
	}
	state := c.String("state")
	out := []listedEntry{}
	for _, e := range es {
		if state == "" || e.State.State == state {
			out = append(out, listedEntry{e, e.Codes()})
		}
	}
	if c.Bool("json") {
		return writeJSON(c.App.Writer, out)
	}
	tw := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tRECEIVED\tSTATE\tPROFILE\tAGENCY\tFILES\tBYTES\tCODES\tSUBMISSION")
	for _, e := range out {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", e.Job, e.Report.Time.Format("2006-01-02 15:04"), e.State.State,
			dash(e.Report.Profile), dash(e.Report.Agency), e.Files, e.Bytes, dash(strings.Join(e.Codes, ",")), e.Name())
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// shownEntry is `quarantine show --json`: the entry with its files.
type shownEntry struct {
	*quarantine.Entry
	FileList []quarantine.FileDigest `json:"fileList"`
}

func quarantineShow(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("%w: quarantine show needs one JOB", errUsage)
	}
	q, err := readQuarantine(c)
	if err != nil {
		return err
	}
	e, err := q.Entry(c.Context, c.Args().First())
	if err != nil {
		return quarantineErr(err)
	}
	files, err := q.Files(c.Context, e.Job)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return writeJSON(c.App.Writer, shownEntry{e, files})
	}
	printEntry(c, e)
	fmt.Fprintf(c.App.Writer, "files:\n")
	for _, f := range files {
		fmt.Fprintf(c.App.Writer, "  %s  %d bytes\n", f.Path, f.Size)
	}
	return nil
}

func printEntry(c *cli.Context, e *quarantine.Entry) {
	w := c.App.Writer
	fmt.Fprintf(w, "job:         %s\nsubmission:  %s\nreceived:    %s\nprofile:     %s\nagency:      %s\nstate:       %s\n",
		e.Job, e.Report.Submission, e.Report.Time.Format("2006-01-02 15:04:05 MST"), dash(e.Report.Profile), dash(e.Report.Agency), e.State.State)
	kept := "kept"
	if !e.CopyKept {
		kept = "removed"
	}
	fmt.Fprintf(w, "copy:        %d file(s), %d bytes, %s\n", e.Files, e.Bytes, kept)
	if len(e.AIPs) > 0 {
		fmt.Fprintf(w, "AIPs:        %s\n", strings.Join(e.AIPs, " "))
	}
	fmt.Fprintf(w, "problems:\n")
	for _, p := range e.Problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
	for _, a := range e.Attempts {
		fmt.Fprintf(w, "retry %s by %s: %s", a.Time.Format("2006-01-02 15:04"), a.Who, a.Outcome)
		if a.Error != "" {
			fmt.Fprintf(w, " (%s)", a.Error)
		}
		fmt.Fprintln(w)
	}
	if d := e.Discarded; d != nil {
		fmt.Fprintf(w, "discarded %s by %s: %s\n  fingerprint %s\n", d.Time.Format("2006-01-02 15:04"), d.Who, d.Reason, d.Fingerprint)
	}
}

func quarantineRetry(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("%w: quarantine retry needs one JOB", errUsage)
	}
	if err := quarantine.CheckJob(c.Args().First()); err != nil {
		return quarantineErr(err)
	}
	return withArchive(c, func(e *env, j *journal.Journal) error {
		d, err := newDialogue(c, e, j)
		if err != nil {
			return err
		}
		en, err := quarantineOver(e, j).Retry(c.Context, c.Args().First(), retryIngest(e, d),
			quarantine.RetryOptions{Profile: c.String("profile"), Bestand: c.String("bestand"), Who: actor(c)})
		if en != nil {
			if c.Bool("json") {
				if werr := writeJSON(c.App.Writer, en); werr != nil {
					return werr
				}
			} else {
				var rej *preservation.RejectedError
				switch {
				case err == nil:
					fmt.Fprintf(c.App.Writer, "RESOLVED %s: %s\n", en.Job, strings.Join(en.AIPs, " "))
				case errors.As(err, &rej):
					fmt.Fprintf(c.App.Writer, "REJECTED AGAIN %s (kept in quarantine)\n", en.Job)
					for _, p := range rej.Problems {
						fmt.Fprintf(c.App.Writer, "  %s\n", p)
					}
				}
			}
		}
		return quarantineErr(err)
	})
}

func quarantineDiscard(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("%w: quarantine discard needs one JOB", errUsage)
	}
	if strings.TrimSpace(c.String("reason")) == "" {
		return fmt.Errorf("%w: quarantine discard needs --reason", errUsage)
	}
	if err := quarantine.CheckJob(c.Args().First()); err != nil {
		return quarantineErr(err)
	}
	return withArchive(c, func(e *env, j *journal.Journal) error {
		en, err := quarantineOver(e, j).Discard(c.Context, c.Args().First(), actor(c), c.String("reason"))
		if err != nil {
			return quarantineErr(err)
		}
		if c.Bool("json") {
			return writeJSON(c.App.Writer, en)
		}
		fmt.Fprintf(c.App.Writer, "DISCARDED %s (%s): %d file(s), %d bytes removed; recorded in the journal\n", en.Job, en.Name(), en.Files, en.Bytes)
		return nil
	})
}
