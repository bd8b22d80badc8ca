package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/access/closure"
	"github.com/magazin-archiv/magazin/preservation"
)

// closureCommand is `magazin closure`: closure periods (Schutzfristen).
func closureCommand() *cli.Command {
	return &cli.Command{
		Name:  "closure",
		Usage: "closure periods (Schutzfristen)",
		Subcommands: []*cli.Command{{
			Name:  "calc",
			Usage: "compute the closure periods of one unit from its facts (one JSON object on stdin)",
			Description: `Reads the facts of one unit as one JSON object on stdin:
  {"created": "YYYY-MM-DD", "personal": bool, "persons": [{"name": "…", "birth": "YYYY-MM-DD", "death": "YYYY-MM-DD"}],
   "secrecy": bool, "published": bool, "gdr": bool, "granularity": "day"|"year", "until": "YYYY-MM-DD"}
(birth and death may be a year YYYY) and prints
  {"release": "YYYY-MM-DD" or null, "governing": "rule", "periods": [{"rule": "…", "release": "YYYY-MM-DD"}]}
release null: no period applies. Invalid facts exit 2. See docs/closure.md.`,
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "law", Value: closure.LawSaechsArchivG, Usage: "saechsarchivg (SächsArchivG § 10) or barchg (BArchG § 11)"},
				&cli.StringFlag{Name: "granularity", Value: closure.GranularityDay, Usage: "day or year, for facts without a granularity"},
			},
			Action: closureCalc,
		}},
	}
}

// calcOutput is what `closure calc` prints.
type calcOutput struct {
	Release   *string      `json:"release"` // null: open from the start
	Governing string       `json:"governing"`
	Periods   []calcPeriod `json:"periods"`
}

type calcPeriod struct {
	Rule    string `json:"rule"`
	Release string `json:"release"`
}

func closureCalc(c *cli.Context) error {
	if c.NArg() > 0 {
		return fmt.Errorf("%w: closure calc takes no arguments, it reads the facts on stdin (got %q)", errUsage, c.Args().First())
	}
	law, gran := c.String("law"), c.String("granularity")
	if law != closure.LawSaechsArchivG && law != closure.LawBArchG {
		return fmt.Errorf("%w: closure calc: --law %q: want %s or %s", errUsage, law, closure.LawSaechsArchivG, closure.LawBArchG)
	}
	if gran != closure.GranularityDay && gran != closure.GranularityYear {
		return fmt.Errorf("%w: closure calc: --granularity %q: want %s or %s", errUsage, gran, closure.GranularityDay, closure.GranularityYear)
	}
	f, err := readFacts(c.App.Reader)
	if err != nil {
		return fmt.Errorf("%w: closure calc: facts on stdin: %v", errUsage, err)
	}
	res, err := closure.Calc(law, f, gran)
	if err != nil {
		return fmt.Errorf("%w: closure calc: %v", errUsage, err)
	}
	out := calcOutput{Governing: res.Governing, Periods: []calcPeriod{}}
	if res.Release != "" {
		out.Release = &res.Release
	}
	for _, p := range res.Periods {
		out.Periods = append(out.Periods, calcPeriod{Rule: p.Rule, Release: p.Release})
	}
	return writeJSON(c.App.Writer, out)
}

// maxFacts bounds the facts read from stdin.
const maxFacts = 1 << 20

var (
	factFields  = []string{"created", "personal", "persons", "secrecy", "published", "gdr", "granularity"}
	personField = []string{"name", "birth", "death"}
)

// readFacts reads exactly one JSON object of closure facts. Field names
// must match exactly (encoding/json alone would accept "Created"), and
// unknown fields are refused.
func readFacts(r io.Reader) (preservation.ClosureFacts, error) {
	var f preservation.ClosureFacts
	if r == nil {
		return f, errors.New("no input")
	}
	data, err := io.ReadAll(io.LimitReader(r, maxFacts+1))
	if err != nil {
		return f, err
	}
	if len(data) > maxFacts {
		return f, fmt.Errorf("more than %d bytes", maxFacts)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return f, errors.New("empty: want one JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return f, fmt.Errorf("invalid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return f, errors.New("more than one JSON value: want one object")
	}
	if raw[0] != '{' {
		return f, errors.New("not a JSON object")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return f, fmt.Errorf("invalid JSON: %v", err)
	}
	if err := knownFields(fields, factFields, ""); err != nil {
		return f, err
	}
	if ps, ok := fields["persons"]; ok {
		var list []map[string]json.RawMessage
		if json.Unmarshal(ps, &list) == nil {
			for i, p := range list {
				if err := knownFields(p, personField, fmt.Sprintf("persons[%d].", i)); err != nil {
					return f, err
				}
			}
		}
	}
	strict := json.NewDecoder(bytes.NewReader(raw))
	strict.DisallowUnknownFields()
	if err := strict.Decode(&f); err != nil {
		return f, fmt.Errorf("invalid facts: %v", err)
	}
	return f, nil
}

func knownFields(m map[string]json.RawMessage, allowed []string, prefix string) error {
	for k := range m {
		if !slices.Contains(allowed, k) {
			return fmt.Errorf("unknown field %q (fields: %s)", prefix+k, strings.Join(allowed, ", "))
		}
	}
	return nil
}
