package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/preservation/journal"
)

func journalCommand() *cli.Command {
	return &cli.Command{
		Name:  "journal",
		Usage: "the hash-chained journal kept in every store",
		Subcommands: []*cli.Command{{
			Name:  "verify",
			Usage: "check the journal's hash chain in every store, compare the replicas and the catalog's applied head",
			Description: "Detects an edited, removed, reordered or inserted segment. Exit 0 when the journal is intact, " +
				"1 when it is not. See docs/audit.md for what cannot be detected.",
			Flags:  []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON"}},
			Action: journalVerify,
		}},
	}
}

func journalVerify(c *cli.Context) error {
	if c.NArg() > 0 {
		return fmt.Errorf("%w: journal verify takes no arguments", errUsage)
	}
	e, err := open(c.Context, c)
	if err != nil {
		return err
	}
	defer e.Close()
	head, err := e.cat.JournalHead(c.Context)
	if err != nil {
		return err
	}
	v, err := journal.Verify(c.Context, e.stores, &head)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		if err := writeJSON(c.App.Writer, v); err != nil {
			return err
		}
	} else {
		printJournalVerification(c.App.Writer, v)
	}
	if !v.OK {
		return fmt.Errorf("%w: %w: the journal is not intact", errFailed, errReported)
	}
	return nil
}

func printJournalVerification(w io.Writer, v *journal.Verification) {
	for _, s := range v.Stores {
		fmt.Fprintf(w, "journal in %s: %d segments", s.Store, s.Segments)
		if s.Head.Seq > 0 {
			fmt.Fprintf(w, ", head %d (sha512 %.16s…)", s.Head.Seq, s.Head.Digest)
		}
		fmt.Fprintln(w)
		for _, p := range s.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
	if len(v.Stores) > 1 {
		if len(v.Problems) == 0 {
			fmt.Fprintln(w, "replicas: identical")
		} else {
			fmt.Fprintln(w, "replicas: DIFFERENT")
			for _, p := range v.Problems {
				fmt.Fprintf(w, "  %s\n", p)
			}
		}
	}
	if a := v.Applied; a != nil && a.Seq > 0 {
		fmt.Fprintf(w, "catalog: applied up to segment %d", a.Seq)
		if a.Digest != "" {
			fmt.Fprintf(w, " (sha512 %.16s…)", a.Digest)
		}
		fmt.Fprintln(w)
	}
	if v.OK {
		fmt.Fprintln(w, "result: journal intact")
	} else {
		fmt.Fprintln(w, "result: journal NOT intact")
	}
}
