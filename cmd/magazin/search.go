package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/preservation/journal"
)

func searchCommand() *cli.Command {
	return &cli.Command{
		Name:      "search",
		Usage:     "search the finding aids exactly as the public sees them",
		ArgsUsage: "QUERY",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
			&cli.StringFlag{Name: "signatur", Usage: "exact Signatur, or a prefix ending in *"},
			&cli.StringSliceFlag{Name: "bestand", Usage: "restrict to a Bestand (id or Signatur; repeatable)"},
			&cli.StringSliceFlag{Name: "level", Usage: "restrict to a level: bestand, akte, vorgang, dokument …"},
			&cli.StringFlag{Name: "from", Usage: "Laufzeit overlaps from (YYYY[-MM[-DD]])"},
			&cli.StringFlag{Name: "to", Usage: "Laufzeit overlaps until"},
			&cli.BoolFlag{Name: "open", Usage: "only units open today"},
			&cli.BoolFlag{Name: "closed", Usage: "only units closed today"},
			&cli.IntFlag{Name: "page", Value: 1}, &cli.IntFlag{Name: "size", Value: 20},
		},
		Action: func(c *cli.Context) error {
			q := search.Query{Text: strings.Join(c.Args().Slice(), " "), Signatur: c.String("signatur"), Level: c.StringSlice("level"),
				From: c.String("from"), To: c.String("to"), Page: c.Int("page"), Size: c.Int("size"), Facets: c.Bool("json")}
			if c.Bool("open") && c.Bool("closed") {
				return fmt.Errorf("%w: --open or --closed, not both", errUsage)
			}
			if c.Bool("open") || c.Bool("closed") {
				open := c.Bool("open")
				q.Open = &open
			}
			if q.Text == "" && q.Signatur == "" && len(q.Level) == 0 && len(c.StringSlice("bestand")) == 0 {
				return fmt.Errorf("%w: search needs a QUERY or a filter", errUsage)
			}
			return withArchive(c, func(e *env, _ *journal.Journal) error {
				for _, ref := range c.StringSlice("bestand") {
					u, err := e.cat.ResolveUnit(c.Context, ref)
					if err != nil {
						return usageOrFailed(err)
					}
					q.Bestand = append(q.Bestand, u.ID)
				}
				res, err := e.room.Search(c.Context, q)
				if err != nil {
					return fmt.Errorf("%w: %v", errUsage, err)
				}
				if c.Bool("json") {
					return writeJSON(c.App.Writer, publicResults(res))
				}
				fmt.Fprintf(c.App.Writer, "%d Treffer\n", res.Total)
				tw := tabwriter.NewWriter(c.App.Writer, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SIGNATUR\tLAUFZEIT\tZUGANG\tTITEL")
				for _, h := range res.Hits {
					title := h.Unit.Title
					if title == "" && !h.Open {
						title = "[Titel gesperrt: personenbezogenes Archivgut]"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", h.Unit.Signatur, laufzeit(h.Unit), accessText(h.Open, h.Release), title)
				}
				return tw.Flush()
			})
		},
	}
}

func accessText(open bool, release string) string {
	switch {
	case open:
		return "offen"
	case release == "9999-12-31":
		return "gesperrt (Frist offen)"
	default:
		return "gesperrt, frei ab " + release
	}
}

// publicHit is the JSON shape of one hit: the public view only.
type publicHit struct {
	ID        string   `json:"id"`
	Signatur  string   `json:"signatur,omitempty"`
	Level     string   `json:"level"`
	Title     string   `json:"title,omitempty"`
	Scope     string   `json:"scope,omitempty"`
	From      string   `json:"from,omitempty"`
	To        string   `json:"to,omitempty"`
	Bestand   string   `json:"bestand,omitempty"`
	Open      bool     `json:"open"`
	Release   *string  `json:"release"`
	Ancestors []string `json:"ancestors,omitempty"`
}

func publicResults(res *search.Results) map[string]any {
	hits := make([]publicHit, 0, len(res.Hits))
	for _, h := range res.Hits {
		ph := publicHit{ID: h.Unit.ID, Signatur: h.Unit.Signatur, Level: h.Unit.Level, Title: h.Unit.Title, Scope: h.Unit.Scope,
			From: h.Unit.From, To: h.Unit.To, Bestand: h.BestandTitle, Open: h.Open, Ancestors: h.Ancestors}
		if h.Release != "" {
			r := h.Release
			ph.Release = &r
		}
		hits = append(hits, ph)
	}
	out := map[string]any{"total": res.Total, "page": res.Page, "size": res.Size, "hits": hits}
	if res.Facets != nil {
		out["facets"] = res.Facets
	}
	return out
}
