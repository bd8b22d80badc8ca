package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/access/closure"
)

// FuzzReadFacts: the closure facts read from stdin (magazin closure calc)
// never panic the reader; an error always has a message; accepted facts
// survive a JSON round trip unchanged, and the closure engine either
// computes them or refuses them with ErrInvalidFacts.
func FuzzReadFacts(f *testing.F) {
	for _, s := range []string{
		`{"created":"2018-07-24","personal":true,"persons":[{"name":"Müller, Hans","birth":"1950-02-29","death":"2001"}]}`,
		`{"created":"2000","secrecy":true,"published":false,"gdr":true,"granularity":"year"}`,
		`{"Created":"2000-01-01"}`,
		`{"persons":[{"name":"x","alias":"y"}]}`,
		`{"persons":{"name":"x"}}`,
		`{} {}`,
		`[1]`,
		`{"created":"2000-01-01","created":"1999-01-01"}`,
		"\xEF\xBB\xBF{}",
		`{"persons":[null,{}]}`,
		`{"created":"0","persons":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		facts, err := readFacts(bytes.NewReader(data))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("error without message")
			}
			return
		}
		b, err := json.Marshal(facts)
		if err != nil {
			t.Fatal(err)
		}
		again, err := readFacts(bytes.NewReader(b))
		if len(facts.Persons) == 0 {
			facts.Persons = nil // an empty list is left out when written
		}
		if err != nil || !reflect.DeepEqual(again, facts) {
			t.Fatalf("round trip: %+v, %v; was %+v", again, err, facts)
		}
		for _, law := range []string{closure.LawSaechsArchivG, closure.LawBArchG} {
			if _, err := closure.Calc(law, facts, closure.GranularityDay); err != nil && !errors.Is(err, closure.ErrInvalidFacts) {
				t.Fatalf("Calc: %v is not ErrInvalidFacts", err)
			}
		}
		if err := validateFacts(facts); err != nil && !errors.Is(err, closure.ErrInvalidFacts) {
			t.Fatalf("validateFacts: %v is not ErrInvalidFacts", err)
		}
	})
}

// FuzzConfigFile: whatever the TOML file given with --config holds, the
// global flags are resolved without a panic, and a bad file is a usage
// error (exit 2), never anything else.
func FuzzConfigFile(f *testing.F) {
	for _, s := range []string{
		"data = \"/var/lib/magazin\"\nstore = [\"file:///a\", \"s3://b/p?endpoint=h:9000\"]\nmax-files = 10\nmax-ratio = 2.5\nstore-wait = \"5m\"\n",
		"max-files = \"many\"\n",
		"max-ratio = 1e400\n",
		"store = \"file:///x\"\n",
		"store-wait = 3\nlog-level = \"loud\"\n",
		"[data]\nx = 1\n",
		"data = [1, 2]\n",
		"= \"\n",
		"max-files = 9223372036854775807\n",
		"law = \"barchg\"\ngranularity = \"year\"\nscan = \"optional\"\nclamd = \"tcp:127.0.0.1:3310\"\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file := filepath.Join(t.TempDir(), "magazin.toml")
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		app := newApp()
		app.Writer, app.ErrWriter = io.Discard, io.Discard
		var got *Config
		app.Commands = []*cli.Command{{Name: "probe", Action: func(c *cli.Context) error {
			cfg, err := configFrom(c)
			if err != nil {
				return err
			}
			got = &cfg
			return nil
		}}}
		err := app.RunContext(context.Background(), []string{"magazin", "--config", file, "probe"})
		if err != nil {
			if exitCode(err) != 2 || err.Error() == "" {
				t.Fatalf("config error %v has exit code %d", err, exitCode(err))
			}
			return
		}
		if got == nil {
			t.Fatal("no error and no config")
		}
		if !filepath.IsAbs(got.DataDir) || len(got.Stores) == 0 || got.Logger == nil {
			t.Fatalf("config %+v", got)
		}
	})
}
