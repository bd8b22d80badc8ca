package ingest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
)

// validationEvents summarises the format validation of an AIP's files: one
// PREMIS validation event per tool, naming the tool and its version, with
// the files that failed, and the tool as agent.
func (in *Ingester) validationEvents(a *preservation.AIP, files []scanned) []preservation.Event {
	type tally struct {
		name, version string
		valid         int
		invalid       []string
	}
	tools := map[string]*tally{}
	for _, s := range files {
		r := s.check
		if !r.Checked {
			continue
		}
		t := tools[r.Tool]
		if t == nil {
			t = &tally{name: r.Tool, version: r.ToolVersion}
			tools[r.Tool] = t
		}
		if r.Valid {
			t.valid++
		} else {
			t.invalid = append(t.invalid, s.path)
		}
	}
	names := make([]string, 0, len(tools))
	for n := range tools {
		names = append(names, n)
	}
	sort.Strings(names)
	var evs []preservation.Event
	for _, n := range names {
		t := tools[n]
		agentID := "tool:" + t.name
		a.Agents = append(a.Agents, preservation.Agent{ID: agentID, Name: t.name, Type: "software", Version: t.version})
		outcome, detail := preservation.OutcomeSuccess, fmt.Sprintf("%d files valid", t.valid)
		if len(t.invalid) > 0 {
			outcome = preservation.OutcomeFailure
			detail = fmt.Sprintf("%d valid, %d not valid: %s", t.valid, len(t.invalid), strings.Join(t.invalid, ", "))
		}
		ev := in.event(preservation.EventValidation, "format validation with "+t.name, outcome, detail)
		ev.Agents = []string{agentID}
		ev.Objects = t.invalid
		evs = append(evs, ev)
	}
	return evs
}
