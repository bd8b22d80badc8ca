package fixity

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
)

// Journal entry kinds written by Audit. The catalog applies them (package
// catalog) and `magazin rebuild` replays them.
const (
	// KindAudit is one fixity check of one AIP in one store; Data is an
	// AuditEvent, Subject the AIP id (or the object root when no
	// inventory names the object).
	KindAudit = "fixity.audit"
	// KindRepair is the repair of one AIP's copy in one store from
	// replicas; Data is a RepairEvent.
	KindRepair = "fixity.repair"
	// KindRun summarises one audit run; Data is a RunSummary.
	KindRun = "fixity.run"
)

// Agent is the PREMIS agent id of the events written by Audit: the same
// software agent that ingest records in every AIP.
const Agent = "magazin"

// AuditEvent is the journal record of one fixity check of one AIP's copy
// in one store.
type AuditEvent struct {
	// EventID is the PREMIS event identifier (a UUID).
	EventID string `json:"eventId"`
	// ID is the AIP id; empty when no inventory or catalog record names
	// the object.
	ID    string `json:"id,omitempty"`
	Root  string `json:"root"`
	Store string `json:"store"`
	// Present reports whether the store holds any file of the object.
	Present bool `json:"present"`
	// OK reports that the copy has no error-severity problem.
	OK bool `json:"ok"`
	// Recheck marks the check made right after a repair.
	Recheck bool `json:"recheck,omitempty"`
	// Files and Bytes are what was read.
	Files    int                   `json:"files"`
	Bytes    int64                 `json:"bytes"`
	Problems preservation.Problems `json:"problems,omitempty"`
}

// RepairEvent is the journal record of the repair of one AIP's copy in
// one store.
type RepairEvent struct {
	EventID string `json:"eventId"`
	ID      string `json:"id,omitempty"`
	Root    string `json:"root"`
	Store   string `json:"store"`
	// OK reports that every file was replaced or found intact.
	OK    bool           `json:"ok"`
	Files []RepairedFile `json:"files"`
}

// RepairedFile is one file a repair replaced, or tried to.
type RepairedFile struct {
	// Path is relative to the object root, e.g. "v1/content/METS.xml".
	Path string `json:"path"`
	// Source names the store the content was copied from.
	Source string `json:"source,omitempty"`
	Size   int64  `json:"size"`
	SHA512 string `json:"sha512"`
	OK     bool   `json:"ok"`
	// Note says what happened when it is not a plain replacement, e.g.
	// that the file was intact when the repair came to it.
	Note string `json:"note,omitempty"`
	// Error says why the file could not be repaired.
	Error string `json:"error,omitempty"`
}

// RunSummary is the journal record of one audit run: the per-store report
// without the object findings.
type RunSummary struct {
	Started  time.Time      `json:"started"`
	Finished time.Time      `json:"finished"`
	Repair   bool           `json:"repair"`
	After    string         `json:"after,omitempty"`
	Last     string         `json:"last,omitempty"`
	Complete bool           `json:"complete"`
	Objects  int            `json:"objects"`
	Failed   int            `json:"failed"`
	Stores   []*StoreReport `json:"stores"`
}

// PREMIS returns the event as a PREMIS fixity check ("fix") at t.
func (e *AuditEvent) PREMIS(t time.Time) preservation.Event {
	ev := preservation.Event{ID: e.EventID, Type: preservation.EventFixityCheck, DateTime: t.UTC(),
		Outcome: preservation.OutcomeSuccess, Agents: []string{Agent}}
	what := "fixity check"
	if e.Recheck {
		what = "fixity check after repair"
	}
	if e.Present {
		ev.Detail = fmt.Sprintf("%s of %d files (%d bytes) in %s", what, e.Files, e.Bytes, e.Store)
	} else {
		ev.Detail = fmt.Sprintf("%s in %s: object not found", what, e.Store)
	}
	if !e.OK {
		ev.Outcome = preservation.OutcomeFailure
	}
	ev.OutcomeDetail = summarise(e.Problems)
	for _, p := range e.Problems {
		if p.Severity == preservation.SeverityError && p.Path != "" && !containsString(ev.Objects, p.Path) {
			ev.Objects = append(ev.Objects, p.Path)
		}
	}
	return ev
}

// PREMIS returns the event as a PREMIS replication ("rep") at t.
func (e *RepairEvent) PREMIS(t time.Time) preservation.Event {
	ev := preservation.Event{ID: e.EventID, Type: preservation.EventReplication, DateTime: t.UTC(),
		Outcome: preservation.OutcomeSuccess, Agents: []string{Agent}}
	sources := map[string]bool{}
	var from []string
	var failed []string
	for _, f := range e.Files {
		ev.Objects = append(ev.Objects, f.Path)
		if f.Source != "" && !sources[f.Source] {
			sources[f.Source] = true
			from = append(from, f.Source)
		}
		if !f.OK {
			failed = append(failed, f.Path+": "+f.Error)
		}
	}
	ev.Detail = fmt.Sprintf("repair of %d files in %s from %s", len(e.Files), e.Store, strings.Join(from, ", "))
	if !e.OK {
		ev.Outcome = preservation.OutcomeFailure
		ev.OutcomeDetail = strings.Join(failed, "; ")
	}
	return ev
}

// summarise renders the error problems for an event's outcome detail.
func summarise(ps preservation.Problems) string {
	var parts []string
	for _, p := range ps {
		if p.Severity != preservation.SeverityError {
			continue
		}
		if len(parts) == 5 {
			parts = append(parts, "…")
			break
		}
		s := p.Code
		if p.Path != "" {
			s += " " + p.Path
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
