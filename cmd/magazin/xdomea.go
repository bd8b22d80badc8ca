package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/ingest/aussonderung"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/profiles/xdomea"
)

// replyDirFlag is --reply-dir (made anew for each App, see profileFlag).
func replyDirFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "reply-dir", Usage: "write replies here (default: the agency's outbox, else DATA/outbox)"}
}

// newDialogue builds the xdomea dialogue over an opened archive.
func newDialogue(c *cli.Context, e *env, j *journal.Journal) (*aussonderung.Service, error) {
	_, in, err := newIngesterFor(c, e)
	if err != nil {
		return nil, err
	}
	return &aussonderung.Service{Stores: e.stores, Catalog: e.cat, Journal: j, Ingester: in,
		Profile: xdomea.New(e.cfg.XdomeaSchemas), Outbox: filepath.Join(e.cfg.DataDir, "outbox"), Log: e.cfg.Logger, OneAIP: c.Bool("one-aip")}, nil
}

func xdomeaCommand() *cli.Command {
	return &cli.Command{
		Name:  "xdomea",
		Usage: "the xdomea Aussonderung dialogue with agencies",
		Subcommands: []*cli.Command{
			{Name: "receive", Usage: "receive messages from an agency (0501 offer, 0503 transfer, 0505 receipt)", ArgsUsage: "FILE...",
				Flags: []cli.Flag{replyDirFlag(), &cli.BoolFlag{Name: "json"}}, Action: xdomeaReceive},
			{Name: "offers", Usage: "list the Aussonderung processes and their state", Flags: []cli.Flag{&cli.BoolFlag{Name: "json"}}, Action: xdomeaOffers},
			{Name: "show", Usage: "show the objects of an offer with their appraisal", ArgsUsage: "PROCESS-ID", Flags: []cli.Flag{&cli.BoolFlag{Name: "json"}}, Action: xdomeaShow},
		},
	}
}

func xdomeaReceive(c *cli.Context) error {
	if c.NArg() == 0 {
		return fmt.Errorf("%w: receive needs at least one FILE", errUsage)
	}
	return withArchive(c, func(e *env, j *journal.Journal) error {
		d, err := newDialogue(c, e, j)
		if err != nil {
			return err
		}
		var outs []*aussonderung.Outcome
		failed := false
		for _, p := range c.Args().Slice() {
			out, err := d.Receive(c.Context, p, c.String("reply-dir"))
			if errors.Is(err, aussonderung.ErrNotXdomea) {
				return fmt.Errorf("%w: %v", errUsage, err)
			}
			if err != nil {
				return err
			}
			outs = append(outs, out)
			failed = failed || !out.OK
			if !c.Bool("json") {
				printOutcome(c, p, out)
			}
		}
		if c.Bool("json") {
			if err := writeJSON(c.App.Writer, outs); err != nil {
				return err
			}
		}
		if failed {
			return fmt.Errorf("%w: %w: some messages were rejected", errFailed, errReported)
		}
		return nil
	})
}

func printOutcome(c *cli.Context, path string, out *aussonderung.Outcome) {
	w := c.App.Writer
	state := "accepted"
	if !out.OK {
		state = "REJECTED"
	}
	fmt.Fprintf(w, "%s %s: %s %s process %s\n", state, path, out.Type, out.Version, out.Process)
	if out.Result != nil {
		for _, a := range out.Result.AIPs {
			sig := ""
			if len(a.Units) > 0 {
				sig = a.Units[0].Signatur
			}
			fmt.Fprintf(w, "  %s  %s  %s\n", a.ID, sig, a.Title)
		}
	}
	if out.Quarantine != "" {
		fmt.Fprintf(w, "  kept in quarantine: %s\n", out.Quarantine)
	}
	for _, p := range out.Problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
	for _, r := range out.Replies {
		fmt.Fprintf(w, "  reply: %s\n", r)
	}
}

func xdomeaOffers(c *cli.Context) error {
	return withArchive(c, func(e *env, _ *journal.Journal) error {
		ps, err := e.cat.Processes(c.Context)
		if err != nil {
			return err
		}
		if c.Bool("json") {
			if ps == nil {
				ps = []catalog.Process{}
			}
			return writeJSON(c.App.Writer, ps)
		}
		tw := tabwriter.NewWriter(c.App.Writer, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PROCESS\tAGENCY\tVERSION\tOBJECTS\tSTATE\tTITLE")
		for _, p := range ps {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", p.ID, p.Agency, p.Version, p.Objects, p.Events[len(p.Events)-1].Step, p.Title)
		}
		return tw.Flush()
	})
}

func xdomeaShow(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("%w: show needs a PROCESS-ID", errUsage)
	}
	return withArchive(c, func(e *env, j *journal.Journal) error {
		d, err := newDialogue(c, e, j)
		if err != nil {
			return err
		}
		offer, err := d.Offer(c.Context, c.Args().First())
		if err != nil {
			return fmt.Errorf("%w: %v", errFailed, err)
		}
		decisions, _, _ := e.cat.Appraisal(c.Context, c.Args().First())
		rows := offerRows(offer, decisions)
		if c.Bool("json") {
			return writeJSON(c.App.Writer, rows)
		}
		tw := tabwriter.NewWriter(c.App.Writer, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tART\tAKTENPLAN\tAKTENZEICHEN\tLAUFZEIT\tVORSCHLAG\tENTSCHEIDUNG\tTITEL")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s%s\n", r.ID, r.Kind, r.Aktenplan, r.Aktenzeichen, r.Laufzeit, r.Proposal, r.Decision, strings.Repeat("  ", r.Depth), r.Title)
		}
		return tw.Flush()
	})
}

// offerRow is one object of an offer as `xdomea show` prints it and the
// archivists' desk (desk.go) shows it.
type offerRow struct {
	ID, Kind, Aktenzeichen, Aktenplan, Title, Laufzeit, Proposal, Decision string
	Depth                                                                  int
	// For the desk only; not part of the CLI's JSON.
	From           string `json:"-"`
	To             string `json:"-"`
	AktenplanTitle string `json:"-"`
	ProposalReason string `json:"-"`
}

// offerRows lists the objects of an offer in document order with the
// decisions given (object id -> A or V).
func offerRows(offer *xdomea.Message, decisions map[string]string) []offerRow {
	var rows []offerRow
	var walk func(objs []*xdomea.Object, depth int)
	walk = func(objs []*xdomea.Object, depth int) {
		for _, o := range objs {
			r := offerRow{ID: o.ID, Kind: string(o.Kind), Aktenzeichen: o.Kennzeichen, Title: o.Title(), Proposal: o.Aussonderungsart,
				Decision: decisions[o.ID], Depth: depth, Laufzeit: o.Laufzeit.Beginn + "–" + o.Laufzeit.Ende,
				From: o.Laufzeit.Beginn, To: o.Laufzeit.Ende, ProposalReason: o.BewertungsvorschlagBegruendung}
			if a := o.Aktenplaneinheit; a != nil {
				r.Aktenplan, r.AktenplanTitle = a.Kennzeichen, a.Inhaltsangabe
				if r.AktenplanTitle == "" {
					r.AktenplanTitle = a.BetreffKurz
				}
			}
			rows = append(rows, r)
			walk(o.Children, depth+1)
		}
	}
	walk(offer.TopLevel(), 0)
	return rows
}

func appraiseCommand() *cli.Command {
	return &cli.Command{
		Name:      "appraise",
		Usage:     "appraise an offer (A: archive, V: destroy), write the 0502 and journal the decisions",
		ArgsUsage: "PROCESS-ID",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "archive", Aliases: []string{"a"}, Usage: "object id to archive (A; repeatable)"},
			&cli.StringSliceFlag{Name: "destroy", Aliases: []string{"v"}, Usage: "object id not to archive (V; repeatable)"},
			&cli.StringSliceFlag{Name: "rule", Usage: "bulk rule AKTENPLANKENNZEICHEN=A|V for top-level objects (a prefix ending in * matches a group)"},
			&cli.StringFlag{Name: "rest", Usage: "A or V for every top-level object no other flag decides"},
			&cli.StringSliceFlag{Name: "note", Usage: "ID=TEXT: the archivist's note on a decision (repeatable)"},
			&cli.StringFlag{Name: "file", Usage: "decisions from a CSV (id;decision;note) or JSON ([{\"id\",\"decision\",\"note\"}]) file"},
			replyDirFlag(),
			userFlag(false),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("%w: appraise needs a PROCESS-ID", errUsage)
			}
			return withArchive(c, func(e *env, j *journal.Journal) error {
				d, err := newDialogue(c, e, j)
				if err != nil {
					return err
				}
				offer, err := d.Offer(c.Context, c.Args().First())
				if err != nil {
					return fmt.Errorf("%w: %v", errFailed, err)
				}
				ds, err := decisionsFrom(c, offer)
				if err != nil {
					return fmt.Errorf("%w: %v", errUsage, err)
				}
				reply, err := d.Appraise(c.Context, c.Args().First(), ds, c.String("reply-dir"), actor(c))
				if errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("%w: %v", errFailed, err)
				}
				if err != nil {
					return fmt.Errorf("%w: %v", errUsage, err)
				}
				fmt.Fprintf(c.App.Writer, "appraised %d objects of process %s; 0502 written to %s\n", len(ds), c.Args().First(), reply)
				return nil
			})
		},
	}
}

// decisionsFrom collects decisions from flags and a file; later sources
// override earlier ones: rules and --rest, then the file, then --archive
// and --destroy.
func decisionsFrom(c *cli.Context, offer *xdomea.Message) ([]xdomea.Decision, error) {
	dec := map[string]string{}
	var order []string
	set := func(id, v string) error {
		v = strings.ToUpper(strings.TrimSpace(v))
		if v != "A" && v != "V" {
			return fmt.Errorf("decision for %s must be A or V, not %q", id, v)
		}
		if offer.Object(id) == nil {
			return fmt.Errorf("object %s is not part of the offer", id)
		}
		if _, ok := dec[id]; !ok {
			order = append(order, id)
		}
		dec[id] = v
		return nil
	}
	for _, r := range c.StringSlice("rule") {
		k, v, ok := strings.Cut(r, "=")
		if !ok {
			return nil, fmt.Errorf("--rule %q: want KENNZEICHEN=A|V", r)
		}
		for _, o := range offer.TopLevel() {
			if o.Aktenplaneinheit == nil {
				continue
			}
			kz := o.Aktenplaneinheit.Kennzeichen
			if kz == k || (strings.HasSuffix(k, "*") && strings.HasPrefix(kz, strings.TrimSuffix(k, "*"))) {
				if err := set(o.ID, v); err != nil {
					return nil, err
				}
			}
		}
	}
	if rest := c.String("rest"); rest != "" {
		for _, o := range offer.TopLevel() {
			if _, ok := dec[o.ID]; !ok {
				if err := set(o.ID, rest); err != nil {
					return nil, err
				}
			}
		}
	}
	notes := map[string]string{}
	if f := c.String("file"); f != "" {
		rows, err := readDecisionFile(f)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if err := set(r[0], r[1]); err != nil {
				return nil, err
			}
			if r[2] != "" {
				notes[r[0]] = r[2]
			}
		}
	}
	for _, id := range c.StringSlice("archive") {
		if err := set(id, "A"); err != nil {
			return nil, err
		}
	}
	for _, id := range c.StringSlice("destroy") {
		if err := set(id, "V"); err != nil {
			return nil, err
		}
	}
	for _, n := range c.StringSlice("note") {
		id, text, ok := strings.Cut(n, "=")
		if !ok {
			return nil, fmt.Errorf("--note %q: want ID=TEXT", n)
		}
		notes[id] = text
	}
	if len(order) == 0 {
		return nil, errors.New("no decisions given (use --archive, --destroy, --rule, --rest or --file)")
	}
	out := make([]xdomea.Decision, 0, len(order))
	for _, id := range order {
		out = append(out, xdomea.Decision{ID: id, Aussonderungsart: dec[id], Note: notes[id]})
	}
	return out, nil
}

func readDecisionFile(path string) ([][3]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rows [][3]string
	if strings.HasSuffix(strings.ToLower(path), ".json") {
		var js []struct{ ID, Decision, Note string }
		if err := json.Unmarshal(b, &js); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		for _, r := range js {
			rows = append(rows, [3]string{r.ID, r.Decision, r.Note})
		}
		return rows, nil
	}
	r := csv.NewReader(strings.NewReader(string(b)))
	r.Comma = ';'
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, rec := range recs {
		if len(rec) < 2 {
			return nil, fmt.Errorf("%s line %d: want id;decision[;note]", path, i+1)
		}
		if i == 0 && strings.EqualFold(rec[0], "id") {
			continue
		}
		note := ""
		if len(rec) > 2 {
			note = rec[2]
		}
		rows = append(rows, [3]string{strings.TrimSpace(rec[0]), rec[1], note})
	}
	return rows, nil
}
