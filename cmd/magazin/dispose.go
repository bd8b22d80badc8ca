package main

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/journal"
)

// disposeCommand is `magazin dispose`: the disposal (Kassation) of an AIP
// by two archivists (docs/disposal.md).
func disposeCommand() *cli.Command {
	return &cli.Command{
		Name:  "dispose",
		Usage: "dispose of AIPs: a request by one archivist, the approval by another; the description stays as a tombstone",
		Subcommands: []*cli.Command{
			{Name: "request", Usage: "request the disposal of an AIP", ArgsUsage: "AIP",
				Description: "AIP is an AIP id, or a unit (id, Signatur) whose AIP is meant. Prints the request id.",
				Flags: []cli.Flag{&cli.StringFlag{Name: "reason", Required: true, Usage: "why the records are to be destroyed (e.g. the appraisal decision)"},
					userFlag(true)},
				Action: disposeRequest},
			{Name: "approve", Usage: "approve a disposal request (not its requester) and remove the AIP's content from every store", ArgsUsage: "REQUEST",
				Description: `Refused (exit 1) when the approver requested it, or while object lock retains the AIP in a
store (the date is named). An interrupted removal goes on when the command is run again.`,
				Flags: []cli.Flag{userFlag(true)}, Action: disposeApprove},
			{Name: "list", Usage: "list disposal requests", Flags: []cli.Flag{&cli.BoolFlag{Name: "json"}}, Action: disposeList},
		},
	}
}

func disposeRequest(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("%w: dispose request needs one AIP", errUsage)
	}
	reason := strings.TrimSpace(c.String("reason"))
	who := strings.TrimSpace(c.String("user"))
	if reason == "" || who == "" {
		return fmt.Errorf("%w: dispose request needs --reason and --user", errUsage)
	}
	return withArchive(c, func(e *env, j *journal.Journal) error {
		ref := c.Args().First()
		a, err := e.cat.AIP(c.Context, ref)
		if errors.Is(err, catalog.ErrNotFound) {
			if _, terr := e.cat.Tombstone(c.Context, ref); terr == nil {
				return fmt.Errorf("%w: %s is disposed of already", errFailed, ref)
			}
			u, uerr := e.cat.ResolveUnit(c.Context, ref)
			switch {
			case uerr != nil:
				return notFound(err)
			case u.Disposed != "":
				return fmt.Errorf("%w: the AIP of %s is disposed of already (%s)", errFailed, ref, u.Disposed)
			case u.AIP == "":
				return fmt.Errorf("%w: the unit %s holds no AIP", errFailed, ref)
			}
			a, err = e.cat.AIP(c.Context, string(u.AIP))
		}
		if err != nil {
			return notFound(err)
		}
		ds, err := e.cat.Disposals(c.Context)
		if err != nil {
			return err
		}
		for _, d := range ds {
			if d.AIP == string(a.ID) && d.Status != catalog.DisposalDone {
				return fmt.Errorf("%w: disposal %s of %s is %s already", errFailed, d.ID, a.ID, d.Status)
			}
		}
		r := catalog.DisposalRequest{ID: newUnitID(), AIP: string(a.ID), Reason: reason, RequestedBy: who,
			Requested: time.Now().UTC().Truncate(time.Second)}
		if err := e.cat.Commit(c.Context, j, catalog.DisposalRequestEntry(r)); err != nil {
			return err
		}
		fmt.Fprintf(c.App.Writer, "%s\tdisposal of %s (%s) requested by %s; it needs the approval of another archivist\n", r.ID, a.ID, a.Title, who)
		return nil
	})
}

func disposeApprove(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("%w: dispose approve needs one REQUEST", errUsage)
	}
	who := strings.TrimSpace(c.String("user"))
	return withArchive(c, func(e *env, j *journal.Journal) error {
		ctx := c.Context
		d, err := e.cat.Disposal(ctx, c.Args().First())
		if err != nil {
			return notFound(err)
		}
		switch d.Status {
		case catalog.DisposalDone:
			fmt.Fprintf(c.App.Writer, "disposal %s of %s was done on %s\n", d.ID, d.AIP, d.Removed.Format("2006-01-02"))
			return nil
		case catalog.DisposalApproved:
			// The removal was interrupted: go on, by anyone but the
			// requester.
			if who == "" || who == d.RequestedBy {
				return fmt.Errorf("%w: %v", errFailed, catalog.ErrSelfApproval)
			}
		default:
			if err := catalog.CheckApproval(d, who); err != nil {
				return fmt.Errorf("%w: %v", errFailed, err)
			}
		}
		now := time.Now().UTC()
		// Object lock: nothing is touched before every retention ended.
		var latest time.Time
		var where string
		for _, st := range e.stores {
			until, err := aip.RetainedUntil(ctx, st, d.AIP)
			if err != nil {
				return fmt.Errorf("retention of %s in %s: %w", d.AIP, st, err)
			}
			if until.After(now) && until.After(latest) {
				latest, where = until, st.String()
			}
		}
		if !latest.IsZero() {
			return fmt.Errorf("%w: disposal of %s refused: object lock retains it in %s until %s; approve again after that",
				errFailed, d.AIP, where, latest.UTC().Format("2006-01-02 15:04:05 UTC"))
		}
		if d.Status == catalog.DisposalRequested {
			a, err := e.cat.AIP(ctx, d.AIP)
			if err != nil {
				return notFound(err)
			}
			for i, u := range a.Units {
				if cur, err := e.cat.Unit(ctx, u.ID); err == nil {
					a.Units[i] = *cur
				}
			}
			ev := preservation.Event{ID: newUnitID()[len("urn:uuid:"):], Type: preservation.EventDeletion, DateTime: now.Truncate(time.Second),
				Detail: fmt.Sprintf("disposal of the AIP: requested by %s on %s (%s), approved by %s; the content is removed from every store, the description kept",
					d.RequestedBy, d.Requested.Format("2006-01-02"), d.Reason, who),
				Outcome: preservation.OutcomeSuccess, Agents: []string{"magazin", "user:" + d.RequestedBy, "user:" + who}}
			t := catalog.Tombstone{Request: d.DisposalRequest, ApprovedBy: who, Approved: now.Truncate(time.Second), AIP: *a, Event: ev}
			if err := e.cat.Commit(ctx, j, catalog.DisposalApproveEntry(t)); err != nil {
				return err
			}
		}
		removed := map[string]int{}
		for _, st := range e.stores {
			n, err := aip.Destroy(ctx, st, d.AIP)
			if err != nil {
				return fmt.Errorf("%w: the disposal of %s is approved and journaled, but its removal is incomplete (run `magazin dispose approve %s` again): %v",
					errFailed, d.AIP, d.ID, err)
			}
			removed[st.String()] = n
		}
		if err := e.cat.Commit(ctx, j, catalog.RemovalEntry(catalog.Removal{Request: d.ID, AIP: d.AIP, Stores: removed})); err != nil {
			return err
		}
		t, err := e.cat.Tombstone(ctx, d.AIP)
		if err != nil {
			return err
		}
		for _, u := range t.AIP.Units {
			if err := e.room.ReindexSubtree(ctx, u.ID); err != nil {
				return fmt.Errorf("reindexing %s: %w", u.ID, err)
			}
		}
		for st, n := range removed {
			fmt.Fprintf(c.App.Writer, "removed %d files of %s from %s\n", n, d.AIP, st)
		}
		fmt.Fprintf(c.App.Writer, "disposal %s done: %s (%s) is disposed of, its description kept\n", d.ID, d.AIP, t.AIP.Title)
		return nil
	})
}

func disposeList(c *cli.Context) error {
	return withArchive(c, func(e *env, _ *journal.Journal) error {
		ds, err := e.cat.Disposals(c.Context)
		if err != nil {
			return err
		}
		if c.Bool("json") {
			if ds == nil {
				ds = []catalog.Disposal{}
			}
			return writeJSON(c.App.Writer, ds)
		}
		tw := tabwriter.NewWriter(c.App.Writer, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "REQUEST\tSTATUS\tAIP\tREQUESTED\tAPPROVED\tREASON")
		for _, d := range ds {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s\t%s\t%s\n", d.ID, d.Status, d.AIP, d.RequestedBy, d.Requested.Format("2006-01-02"), d.ApprovedBy, d.Reason)
		}
		return tw.Flush()
	})
}
