package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/ingest"
	"github.com/magazin-archiv/magazin/ingest/formatcheck"
	"github.com/magazin-archiv/magazin/ingest/identify"
	"github.com/magazin-archiv/magazin/ingest/scan"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/policy"
	"github.com/magazin-archiv/magazin/profiles/xdomea"
)

// profileFlag is --profile. Flags are made anew for each App: the verbs the
// daemon runs for the command line parse at once, and a flag is written
// to when parsed.
func profileFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "profile", Value: "auto", Usage: "submission profile: auto, xdomea, eark, digitised, bagit, folder"}
}

func ingestCommand() *cli.Command {
	return &cli.Command{
		Name:      "ingest",
		Usage:     "ingest submission packages (directories or ZIP files) into AIPs",
		ArgsUsage: "PATH...",
		Flags: []cli.Flag{profileFlag(), &cli.BoolFlag{Name: "json", Usage: "print results as JSON"},
			&cli.StringFlag{Name: "bestand", Usage: "Bestand (id or Signatur) the units join; default: the sending agency's"}, replyDirFlag(),
			&cli.BoolFlag{Name: "one-aip", Usage: "keep the whole submission in one AIP instead of one AIP per top-level Akte or Vorgang"}},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return fmt.Errorf("%w: ingest needs at least one PATH", errUsage)
			}
			e, in, err := newIngester(c)
			if err != nil {
				return err
			}
			defer e.Close()
			type report struct {
				Path       string                `json:"path"`
				OK         bool                  `json:"ok"`
				Result     *ingest.Result        `json:"result,omitempty"`
				Problems   preservation.Problems `json:"problems,omitempty"`
				Quarantine string                `json:"quarantine,omitempty"`
				Error      string                `json:"error,omitempty"`
				Replies    []string              `json:"replies,omitempty"`
			}
			var reports []report
			failed := false
			for _, p := range c.Args().Slice() {
				if isTransferMessage(p, c.String("profile")) {
					// An xdomea 0503 goes through the dialogue: checked
					// against its appraisal and answered (0507, 0506).
					d, err := newDialogue(c, e, journal.New(e.stores...))
					if err != nil {
						return err
					}
					out, err := d.Receive(c.Context, p, c.String("reply-dir"))
					if err != nil {
						return err
					}
					r := report{Path: p, OK: out.OK, Result: out.Result, Problems: out.Problems, Quarantine: out.Quarantine, Replies: out.Replies}
					failed = failed || !out.OK
					reports = append(reports, r)
					if !c.Bool("json") {
						printOutcome(c, p, out)
					}
					continue
				}
				bar := newBar(c, "ingest "+p)
				res, err := in.Ingest(c.Context, p, ingest.Options{Profile: c.String("profile"), Bestand: c.String("bestand"), OneAIP: c.Bool("one-aip")}, bar)
				bar.Finish()
				r := report{Path: p, OK: err == nil, Result: res}
				var rej *preservation.RejectedError
				switch {
				case err == nil:
					forgetDerivatives(e, res)
				case errors.As(err, &rej):
					r.Problems, r.Quarantine, failed = rej.Problems, rej.Quarantine, true
				case errors.Is(err, ingest.ErrUsage):
					return fmt.Errorf("%w: %v", errUsage, err)
				default:
					return err
				}
				reports = append(reports, r)
				if !c.Bool("json") {
					printIngest(c.App.Writer, r.Path, res, rej)
				}
			}
			if c.Bool("json") {
				if err := writeJSON(c.App.Writer, reports); err != nil {
					return err
				}
			}
			if failed {
				return fmt.Errorf("%w: %w: some submissions were rejected", errFailed, errReported)
			}
			return nil
		},
	}
}

// journalAttached journals the units that digitised images were attached
// to, now pointing at their AIP, so that a rebuild (AIPs first, then the
// journal) keeps the link. The ingester calls it (ingest.WithUnitJournal),
// for the CLI and the daemon alike.
func journalAttached(e *env) func(ctx context.Context, units []preservation.Unit) error {
	return func(ctx context.Context, units []preservation.Unit) error {
		entries := make([]journal.Entry, len(units))
		for i, u := range units {
			entries[i] = catalog.UnitEntry(u)
		}
		return e.cat.Commit(ctx, journal.New(e.stores...), entries...)
	}
}

func printIngest(w io.Writer, path string, res *ingest.Result, rej *preservation.RejectedError) {
	switch {
	case rej != nil:
		fmt.Fprintf(w, "REJECTED %s (kept in quarantine: %s)\n", path, rej.Quarantine)
		for _, p := range rej.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
	default:
		verb := "ingested"
		if res.Existing == len(res.AIPs) {
			verb = "already archived"
		}
		fmt.Fprintf(w, "%s %s (profile %s): %d AIP(s), %d of them archived before\n", verb, path, res.Profile, len(res.AIPs), res.Existing)
		for _, a := range res.AIPs {
			sig := ""
			if len(a.Units) > 0 && a.Units[0].Signatur != "" {
				sig = a.Units[0].Signatur + "  "
			}
			fmt.Fprintf(w, "  %s  %s%s (%d files)\n", a.ID, sig, a.Title, len(a.Files))
		}
		for _, r := range res.Rescans {
			fmt.Fprintf(w, "  Neudigitalisierung %s (%s): AIP %s version %d, %d pages added, %d replaced, %d removed; earlier images in version %d\n",
				r.Signatur, r.Mode, r.AIP, r.Version, len(r.Added), len(r.Replaced), len(r.Removed), r.Previous)
		}
		for _, p := range res.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
}

func validateCommand() *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "validate a submission package without ingesting it",
		ArgsUsage: "PATH",
		Flags:     []cli.Flag{profileFlag(), &cli.BoolFlag{Name: "json", Usage: "print the verdict as JSON"}},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("%w: validate needs exactly one PATH", errUsage)
			}
			e, in, err := newIngester(c)
			if err != nil {
				return err
			}
			defer e.Close()
			profile, probs, err := in.Validate(c.Context, c.Args().First(), c.String("profile"), nil)
			if errors.Is(err, ingest.ErrUsage) {
				return fmt.Errorf("%w: %v", errUsage, err)
			}
			if err != nil {
				return err
			}
			if probs == nil {
				probs = preservation.Problems{}
			}
			valid := !probs.HasErrors()
			if c.Bool("json") {
				err = writeJSON(c.App.Writer, map[string]any{"valid": valid, "profile": profile, "problems": probs})
			} else {
				verdict := "valid"
				if !valid {
					verdict = "INVALID"
				}
				fmt.Fprintf(c.App.Writer, "%s: %s (profile %s)\n", c.Args().First(), verdict, profile)
				for _, p := range probs {
					fmt.Fprintf(c.App.Writer, "  %s\n", p)
				}
			}
			if err != nil {
				return err
			}
			if !valid {
				return fmt.Errorf("%w: %w: invalid", errFailed, errReported)
			}
			return nil
		},
	}
}

func newIngester(c *cli.Context) (*env, *ingest.Ingester, error) {
	e, err := open(c.Context, c)
	if err != nil {
		return nil, nil, err
	}
	_, in, err := newIngesterFor(c, e)
	if err != nil {
		e.Close()
		return nil, nil, err
	}
	return e, in, nil
}

// newIngesterFor builds the ingest pipeline over an opened archive; the
// caller closes e.
func newIngesterFor(c *cli.Context, e *env) (*env, *ingest.Ingester, error) {
	id, err := identify.New()
	if err != nil {
		return nil, nil, err
	}
	cfg := ingest.DefaultConfig(e.cfg.DataDir)
	cfg.Version = version
	cfg.XdomeaSchemas = e.cfg.XdomeaSchemas
	if e.cfg.PolicyFile != "" {
		if cfg.Policy, err = policy.Load(e.cfg.PolicyFile); err != nil {
			return nil, nil, fmt.Errorf("%w: --policy: %v", errUsage, err)
		}
	}
	if cfg.FormatCheck, err = formatcheck.New(formatcheck.Options{}); err != nil {
		return nil, nil, err
	}
	if e.cfg.Clamd != "" {
		network, address, err := scan.ParseAddress(e.cfg.Clamd)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: --clamd: %v", errUsage, err)
		}
		if cfg.Scanner, err = scan.New(scan.Config{Network: network, Address: address}); err != nil {
			return nil, nil, fmt.Errorf("%w: --clamd: %v", errUsage, err)
		}
		switch e.cfg.Scan {
		case "required", "":
			cfg.ScanRequired = true
		case "optional":
		default:
			return nil, nil, fmt.Errorf("%w: --scan %q: want required or optional", errUsage, e.cfg.Scan)
		}
		v, err := cfg.Scanner.Version(c.Context)
		if err != nil && cfg.ScanRequired {
			return nil, nil, fmt.Errorf("%w: clamd at %s does not answer: %v", errUsage, e.cfg.Clamd, err)
		}
		cfg.ScannerVersion = v
	}
	if e.cfg.MaxFiles > 0 {
		cfg.Limits.MaxFiles = e.cfg.MaxFiles
	}
	if e.cfg.MaxRatio > 0 {
		cfg.Limits.MaxRatio = e.cfg.MaxRatio
	}
	in, err := ingest.New(cfg, e.stores, e.cat, id, ingest.WithLogger(e.cfg.Logger), ingest.WithIndexer(e.room),
		ingest.WithIntents(catalogIntents{e.cat}), ingest.WithEarlierEvents(journalEvents(c.Context, e)),
		ingest.WithUnitJournal(journalAttached(e)))
	if err != nil {
		return nil, nil, err
	}
	return e, in, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// isTransferMessage reports whether path is an xdomea transfer (0503)
// container to be ingested through the Aussonderung dialogue.
func isTransferMessage(path, profile string) bool {
	if profile != "auto" && profile != "" && profile != xdomea.Name {
		return false
	}
	fn, ok := xdomea.ParseFileName(filepath.Base(path))
	return ok && fn.Type == xdomea.Type0503 && fn.IsContainer()
}
