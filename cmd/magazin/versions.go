package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/ingest/migrate"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
)

// userFlag names the archivist who acts (OCFL version user, PREMIS agent).
func userFlag(required bool) *cli.StringFlag {
	return &cli.StringFlag{Name: "user", Required: required, EnvVars: []string{"MAGAZIN_USER"},
		Usage: "the archivist who acts (recorded in the journal, the OCFL version and PREMIS); default: the login name"}
}

// actor returns the --user of the command, or the login name.
func actor(c *cli.Context) string {
	if u := strings.TrimSpace(c.String("user")); u != "" {
		return u
	}
	if h := hostOf(c.Context); h != nil && h.user != "" {
		return h.user // run by the daemon: who called, not the daemon's user
	}
	return loginName()
}

// loginName is the name of the user running this process.
func loginName() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "magazin"
}

// personAgent returns the PREMIS agent of an archivist.
func personAgent(name string) preservation.Agent {
	return preservation.Agent{ID: "user:" + name, Name: name, Type: "person"}
}

// withAgents returns agents with each of add that is not there yet.
func withAgents(agents []preservation.Agent, add ...preservation.Agent) []preservation.Agent {
	out := slices.Clone(agents)
	for _, a := range add {
		if !slices.ContainsFunc(out, func(b preservation.Agent) bool { return b.ID == a.ID }) {
			out = append(out, a)
		}
	}
	return out
}

// changedFields names the fields (JSON names) in which two units differ.
func changedFields(before, after preservation.Unit) []string {
	var a, b map[string]any
	ja, _ := json.Marshal(before)
	jb, _ := json.Marshal(after)
	json.Unmarshal(ja, &a)
	json.Unmarshal(jb, &b)
	var out []string
	for k, v := range b {
		if !reflect.DeepEqual(a[k], v) {
			out = append(out, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// journalEvents returns a function that lists the PREMIS events the
// journal holds about an AIP (fixity checks and repairs) for its next
// version's PREMIS: the files they name, which the journal records by
// their path in the object (v1/content/<logical path>), become logical
// paths; other paths (inventories) are dropped, leaving the event about
// the whole package.
func journalEvents(ctx context.Context, e *env) func(id string) ([]preservation.Event, error) {
	return func(id string) ([]preservation.Event, error) {
		evs, err := e.cat.Events(ctx, id)
		if err != nil {
			return nil, err
		}
		for i := range evs {
			var objs []string
			for _, o := range evs[i].Objects {
				if v, logical, ok := strings.Cut(o, "/content/"); ok && !strings.Contains(v, "/") && logical != "" {
					objs = append(objs, logical)
				}
			}
			evs[i].Objects, evs[i].Outcomes = objs, nil
		}
		return evs, nil
	}
}

// reviseUnitAIP writes the edited unit u into a new version of the AIP that
// holds it, with a PREMIS metadata modification event, in every store, and
// records the new head in the catalog. An AIP that already holds u as it
// is (a command repeated after a crash) gets no new version.
func reviseUnitAIP(ctx context.Context, e *env, u preservation.Unit, who string) error {
	now := time.Now().UTC().Truncate(time.Second)
	a, err := aip.Update(ctx, e.stores, string(u.AIP), func(cur *preservation.AIP, h *aip.Head) (*aip.Revision, error) {
		i := slices.IndexFunc(cur.Units, func(x preservation.Unit) bool { return x.ID == u.ID })
		if i < 0 {
			return nil, fmt.Errorf("the AIP %s does not hold the unit %s", u.AIP, u.ID)
		}
		if reflect.DeepEqual(cur.Units[i], u) {
			return &aip.Revision{AIP: cur}, nil
		}
		prev := cur.Units[i]
		label := u.ID
		if u.Signatur != "" {
			label = u.Signatur
		}
		next := *cur
		next.Units = slices.Clone(cur.Units)
		next.Units[i] = u
		if i == 0 && cur.Title == prev.Title {
			// The AIP is titled after its top-level unit.
			next.Title = u.Title
		}
		next.Agents = withAgents(cur.Agents, preservation.Agent{ID: "magazin", Name: "magazin", Type: "software", Version: version}, personAgent(who))
		earlier, err := journalEvents(ctx, e)(string(u.AIP))
		if err != nil {
			return nil, err
		}
		next.Events = append(migrate.MergeEvents(cur.Events, earlier), preservation.Event{ID: newUnitID()[len("urn:uuid:"):],
			Type: preservation.EventMetadataModification, DateTime: now,
			Detail:  fmt.Sprintf("description of %s edited by %s: %s", label, who, strings.Join(changedFields(prev, u), ", ")),
			Outcome: preservation.OutcomeSuccess, Agents: []string{"magazin", "user:" + who}})
		return &aip.Revision{AIP: &next, Created: now, User: who,
			Message: fmt.Sprintf("Description of %s edited", label)}, nil
	})
	if err != nil && !errors.Is(err, aip.ErrUnchanged) {
		return err
	}
	return e.cat.PutAIP(ctx, a)
}
