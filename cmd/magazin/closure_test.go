package main

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// runClosureCalc runs `magazin closure calc ARGS` in-process with stdin.
func runClosureCalc(t *testing.T, stdin string, args ...string) (stdout string, code int, err error) {
	t.Helper()
	app := newApp()
	registered := false
	for _, c := range app.Commands {
		registered = registered || c.HasName("closure")
	}
	if !registered {
		app.Commands = append(app.Commands, closureCommand())
	}
	var out, errOut bytes.Buffer
	app.Reader = strings.NewReader(stdin)
	app.Writer, app.ErrWriter = &out, &errOut
	err = app.Run(append([]string{"magazin", "closure", "calc"}, args...))
	return out.String(), exitCode(err), err
}

func TestClosureCalc(t *testing.T) {
	type period struct{ Rule, Release string }
	for _, c := range []struct {
		name      string
		args      []string
		stdin     string
		release   any // string, or nil for JSON null
		governing string
		periods   []period
	}{
		{"x-man 0503, SächsArchivG § 10 Abs. 1 Satz 2 Nr. 1", nil, `{"created": "2018-07-24"}`,
			"2048-07-25", "saechsarchivg-10-1-1", []period{{"saechsarchivg-10-1-1", "2048-07-25"}}},
		{"x-man 0503, years", []string{"--granularity", "year"}, `{"created": "2018-07-24"}`,
			"2049-01-01", "saechsarchivg-10-1-1", []period{{"saechsarchivg-10-1-1", "2049-01-01"}}},
		{"the facts' granularity wins over the flag", []string{"--granularity=day"}, `{"created": "2018-07-24", "granularity": "year"}`,
			"2049-01-01", "saechsarchivg-10-1-1", []period{{"saechsarchivg-10-1-1", "2049-01-01"}}},
		{"29 February + 30 years", nil, `{"created": "2020-02-29"}`,
			"2050-03-01", "saechsarchivg-10-1-1", []period{{"saechsarchivg-10-1-1", "2050-03-01"}}},
		{"every field, several persons, secrecy", []string{"--law", "saechsarchivg"}, `{
			"created": "2000-05-15", "personal": true, "secrecy": true, "published": false, "gdr": false, "granularity": "day",
			"persons": [{"name": "A", "death": "2020-01-01"}, {"name": "B", "birth": "1960-01-01"}, {"name": "C", "birth": "1930", "death": "2045"}]}`,
			"2060-05-16", "saechsarchivg-10-1-2", []period{
				{"saechsarchivg-10-1-1", "2030-05-16"}, {"saechsarchivg-10-1-2", "2060-05-16"}, {"saechsarchivg-10-1-3b", "2060-01-02"}}},
		{"GDR record, not person-related: open", nil, `{"created": "1989-06-30", "gdr": true, "secrecy": true}`,
			nil, "saechsarchivg-10-2-2", []period{}},
		{"published: open", nil, `{"created": "2018-07-24", "published": true, "personal": true}`,
			nil, "saechsarchivg-10-2-1", []period{}},
		{"BArchG § 11 Abs. 2: personal after the general period", []string{"--law", "barchg"},
			`{"created": "2000-05-15", "personal": true, "persons": [{"name": "A", "death": "1990-01-01"}]}`,
			"2030-05-16", "barchg-11-1", []period{{"barchg-11-1", "2030-05-16"}, {"barchg-11-2-1", "2030-05-16"}}},
		{"flags after the command", []string{"--law=barchg", "--granularity=year"}, `{"created": "2000-05-15", "secrecy": true}`,
			"2061-01-01", "barchg-11-3", []period{{"barchg-11-1", "2031-01-01"}, {"barchg-11-3", "2061-01-01"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, code, err := runClosureCalc(t, c.stdin, c.args...)
			if code != 0 {
				t.Fatalf("exit %d: %v", code, err)
			}
			// Exactly these keys, in this shape.
			var raw map[string]json.RawMessage
			if err := json.Unmarshal([]byte(out), &raw); err != nil {
				t.Fatalf("output %q: %v", out, err)
			}
			if len(raw) != 3 || raw["release"] == nil || raw["governing"] == nil || raw["periods"] == nil {
				t.Errorf("output keys: %s", out)
			}
			var got struct {
				Release   any
				Governing string
				Periods   []map[string]string
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatal(err)
			}
			var gotPeriods []period
			for _, p := range got.Periods {
				if len(p) != 2 {
					t.Errorf("period keys: %v", p)
				}
				gotPeriods = append(gotPeriods, period{p["rule"], p["release"]})
			}
			if got.Periods == nil || (len(c.periods) > 0 && !reflect.DeepEqual(gotPeriods, c.periods)) || len(gotPeriods) != len(c.periods) ||
				got.Release != c.release || got.Governing != c.governing {
				t.Errorf("got %s\nwant release %v governing %s periods %v", out, c.release, c.governing, c.periods)
			}
		})
	}
}

func TestClosureCalcInvalid(t *testing.T) {
	for _, c := range []struct {
		name  string
		args  []string
		stdin string
		msg   string
	}{
		{"malformed JSON", nil, `{"created": "2018-07-24"`, "invalid JSON"},
		{"empty input", nil, "", "empty"},
		{"two objects", nil, `{"created": "2018-07-24"} {"created": "2018-07-24"}`, "more than one JSON value"},
		{"an array", nil, `[{"created": "2018-07-24"}]`, "not a JSON object"},
		{"null", nil, `null`, "not a JSON object"},
		{"unknown field", nil, `{"created": "2018-07-24", "restricted": true}`, `unknown field "restricted"`},
		{"field name in another case", nil, `{"Created": "2018-07-24"}`, `unknown field "Created"`},
		{"unknown person field", nil, `{"created": "2018-07-24", "personal": true, "persons": [{"name": "A", "born": "1950"}]}`, `unknown field "persons[0].born"`},
		{"wrong type", nil, `{"created": "2018-07-24", "personal": "yes"}`, "invalid facts"},
		{"malformed date", nil, `{"created": "2023-02-29"}`, "February 2023 has 28 days"},
		{"month 13", nil, `{"created": "2024-13-01"}`, "2024-13-01"},
		{"German date notation", nil, `{"created": "24.07.2018"}`, "YYYY-MM-DD"},
		{"malformed birth", nil, `{"created": "2018-07-24", "personal": true, "persons": [{"name": "A", "birth": "1950-02-30"}]}`, "birth"},
		{"death before birth", nil, `{"created": "2018-07-24", "personal": true, "persons": [{"name": "A", "birth": "1960-01-01", "death": "1950-01-01"}]}`, "death 1950-01-01 before birth 1960-01-01"},
		{"no created date", nil, `{"personal": true}`, "no created date"},
		{"unknown granularity in the facts", nil, `{"created": "2018-07-24", "granularity": "month"}`, `granularity "month"`},
		{"unknown law", []string{"--law", "bayarchivg"}, `{"created": "2018-07-24"}`, `--law "bayarchivg"`},
		{"unknown granularity flag", []string{"--granularity", "week"}, `{"created": "2018-07-24"}`, `--granularity "week"`},
		{"an argument", []string{"facts.json"}, `{"created": "2018-07-24"}`, "takes no arguments"},
		{"unknown flag", []string{"--today", "2024-01-01"}, `{"created": "2018-07-24"}`, "today"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, code, err := runClosureCalc(t, c.stdin, c.args...)
			if code != 2 || err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("exit %d, error %v; want exit 2 saying %q", code, err, c.msg)
			}
			if strings.HasPrefix(strings.TrimSpace(out), "{") {
				t.Errorf("printed a result: %s", out)
			}
		})
	}
}
