package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/fixity"
	"github.com/magazin-archiv/magazin/preservation/journal"
)

func auditCommand() *cli.Command {
	return &cli.Command{
		Name:  "audit",
		Usage: "fixity audit: re-read every AIP in every store and compare it with its inventory, the replicas and the catalog",
		Description: "Every result is recorded in the journal (PREMIS fixity events, shown by `magazin aip show`). " +
			"With --repair, a damaged or missing file is replaced from a store whose copy is healthy, checked again, " +
			"and the repair journaled (a PREMIS replication event). Exit 0 when everything is (now) intact, " +
			"1 when damage remains. See docs/audit.md.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "repair", Usage: "replace damaged or missing files from healthy replicas"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
			&cli.StringFlag{Name: "rate", Usage: "read at most `BYTES` per second from all stores together, e.g. 50MB or 200MiB (0: no limit)"},
			&cli.StringFlag{Name: "after", Usage: "start after this object root `KEY` (resume where an earlier audit stopped)"},
			&cli.IntFlag{Name: "limit", Usage: "audit at most `N` objects (0: all)"},
		},
		Action: runAudit,
	}
}

func runAudit(c *cli.Context) error {
	if c.NArg() > 0 {
		return fmt.Errorf("%w: audit takes no arguments", errUsage)
	}
	rate, err := parseBytes(c.String("rate"))
	if err != nil {
		return fmt.Errorf("%w: --rate: %v", errUsage, err)
	}
	if c.Int("limit") < 0 {
		return fmt.Errorf("%w: --limit must not be negative", errUsage)
	}
	e, err := open(c.Context, c)
	if err != nil {
		return err
	}
	defer e.Close()
	bar := newBar(c, "audit")
	rep, err := fixity.Audit(c.Context, e.stores, fixity.Options{
		Repair: c.Bool("repair"), After: c.String("after"), Limit: c.Int("limit"), Rate: rate,
		Catalog: e.cat, Journal: journal.New(e.stores...), Apply: e.cat,
		Progress: bar, Logger: e.cfg.Logger,
	})
	bar.Finish()
	if rep == nil {
		return err
	}
	if c.Bool("json") {
		if werr := writeJSON(c.App.Writer, rep); werr != nil {
			return werr
		}
	} else {
		printAudit(c.App.Writer, rep)
	}
	if err != nil {
		return err
	}
	if !rep.OK() {
		return fmt.Errorf("%w: %w: damage remains in %d objects", errFailed, errReported, rep.Failed())
	}
	return nil
}

func printAudit(w io.Writer, rep *fixity.Report) {
	mode := "check only"
	if rep.Repair {
		mode = "with repair"
	}
	fmt.Fprintf(w, "audit of %d objects in %d stores (%s)\n\n", rep.Objects, len(rep.Stores), mode)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STORE\tOBJECTS\tFILES\tBYTES\tFAILURES\tREPAIRS")
	for _, s := range rep.Stores {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\n", s.Store, s.Objects, s.Files, s.Bytes, s.Failures, s.Repairs)
	}
	tw.Flush()
	for _, s := range rep.Stores {
		if s.Error != "" {
			fmt.Fprintf(w, "\nUNREADABLE store %s: %s\n", s.Store, s.Error)
		}
		if len(s.Problems) > 0 {
			fmt.Fprintf(w, "\nstorage root of %s\n", s.Store)
			for _, p := range s.Problems {
				fmt.Fprintf(w, "  %s\n", p)
			}
		}
	}
	for _, o := range rep.Findings {
		state := "WARNING"
		switch {
		case !o.OK():
			state = "DAMAGED"
		case slices.ContainsFunc(o.Copies, func(c *fixity.CopyReport) bool { return len(c.Repairs) > 0 }):
			state = "REPAIRED"
		}
		name := o.ID
		if name == "" {
			name = o.Root
		}
		fmt.Fprintf(w, "\n%s %s (%s)\n", state, name, o.Root)
		for _, p := range o.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
		for _, cp := range o.Copies {
			if len(cp.Problems) == 0 && len(cp.Repairs) == 0 {
				continue
			}
			copyState := "intact"
			switch {
			case !cp.OK && !cp.Present:
				copyState = "MISSING"
			case !cp.OK:
				copyState = "DAMAGED"
			case len(cp.Repairs) > 0:
				copyState = "REPAIRED"
			}
			fmt.Fprintf(w, "  %s in %s\n", copyState, cp.Store)
			for _, p := range limitProblems(cp.Problems, 20) {
				fmt.Fprintf(w, "    %s\n", p)
			}
			for _, r := range cp.Repairs {
				switch {
				case r.OK && r.Source != "":
					fmt.Fprintf(w, "    repaired %s from %s\n", r.Path, r.Source)
				case r.OK:
					fmt.Fprintf(w, "    %s: %s\n", r.Path, r.Note)
				default:
					fmt.Fprintf(w, "    NOT repaired %s: %s\n", r.Path, r.Error)
				}
			}
			if len(cp.Repairs) > 0 {
				if len(cp.Remaining) == 0 {
					fmt.Fprintf(w, "    checked again: intact\n")
				} else {
					fmt.Fprintf(w, "    checked again:\n")
					for _, p := range limitProblems(cp.Remaining, 20) {
						fmt.Fprintf(w, "      %s\n", p)
					}
				}
			}
		}
	}
	fmt.Fprintln(w)
	if !rep.Complete {
		fmt.Fprintf(w, "stopped after %s: go on with --after %s\n", rep.Last, rep.Last)
	}
	if rep.OK() {
		fmt.Fprintln(w, "result: every copy intact")
	} else {
		fmt.Fprintf(w, "result: damage remains in %d objects\n", rep.Failed())
	}
}

// limitProblems keeps the first n problems and says how many were left out.
func limitProblems(ps preservation.Problems, n int) []string {
	var out []string
	for i, p := range ps {
		if i == n {
			out = append(out, fmt.Sprintf("… and %d more", len(ps)-n))
			break
		}
		out = append(out, p.String())
	}
	return out
}

// parseBytes reads a byte count such as 5000000, 50MB, 200MiB or 1G/s. SI
// suffixes (k, M, G, T) are powers of 1000, binary ones (KiB, MiB, GiB,
// TiB) powers of 1024. Empty means 0.
func parseBytes(s string) (int64, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "/s"))
	if s == "" {
		return 0, nil
	}
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := s, ""
	if i >= 0 {
		num, unit = s[:i], strings.TrimSpace(s[i:])
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("%q is not a byte count", s)
	}
	mult := map[string]float64{
		"": 1, "b": 1,
		"k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
	}[strings.ToLower(unit)]
	if mult == 0 {
		return 0, errors.New("unknown unit " + strconv.Quote(unit) + " (use k, M, G, KiB, MiB, GiB)")
	}
	return int64(f * mult), nil
}
