package ead

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
)

// Changes is what importing one finding aid writes.
type Changes struct {
	// Units are the new and changed units, parents before children, with
	// ids, parents and Bestand set.
	Units []preservation.Unit
	// New counts the new units among Units, Changed the changed ones;
	// Unchanged counts the units of the finding aid that stay as they are.
	New, Changed, Unchanged int
	// Reindex are the ids of changed units whose subtree must be reindexed
	// (a changed unit's facts and Bestand title pass down to units that
	// did not change themselves). New units are not listed.
	Reindex []string
	// IDs maps every SourceID of the finding aid to its unit id.
	IDs map[string]string
	// Problems are CodePlace (error), CodeGone (warning).
	Problems preservation.Problems
}

// Plan matches a finding aid against the units of earlier imports and
// returns what to write:
//
//   - parent is the unit the finding aid's top units go below (nil: where
//     an earlier import or the Tektonik put them, else the top). A
//     Findbuch goes below a Tektonik group (its top units become
//     Bestände) or below a Bestand or Gliederung (a Bestand at its top
//     becomes a Gliederung). A Tektonik goes to the top or below a
//     Tektonik group.
//   - existing holds the units of earlier imports by SourceID (at least
//     those of this finding aid's SourceIDs); a unit found there keeps its
//     id, AIP, PublishMetadata and Disposed, and a top unit its parent
//     when parent is nil.
//   - The finding aid is the master of an imported description: a
//     re-import applies its fields as an edit, and a unit whose record
//     would not change is left out (not journaled again).
//   - Closure facts: personal and secrecy stay set once set (a re-import
//     never clears them), facts an archivist recorded (persons, created,
//     published, GDR, granularity) are kept, and a stated end (Until)
//     follows the finding aid only while it is the one the finding aid
//     stated before (Extra "sperrvermerk"); one an archivist set stays.
//   - A Bestand described in a Tektonik that already exists (imported
//     from its Findbuch) only moves below its Tektonik group and gains
//     the fields it lacks.
//   - Units of an earlier import that are no longer in the finding aid are
//     kept and reported (CodeGone).
//
// newID returns a fresh unit id.
func Plan(fa *FindingAid, parent *preservation.Unit, existing map[string]preservation.Unit, newID func() string) *Changes {
	ch := &Changes{IDs: make(map[string]string, len(fa.Units))}
	bad := func(format string, a ...any) *Changes {
		ch.Problems = append(ch.Problems, problem(preservation.SeverityError, CodePlace, "", format, a...))
		return ch
	}
	inside := false // below a Bestand
	if parent != nil {
		switch parent.Level {
		case preservation.LevelTektonik:
		case preservation.LevelBestand, preservation.LevelGliederung:
			inside = true
			if fa.Kind == KindTektonik {
				return bad("a Tektonik goes to the top or below a Tektonik group, not below the %s %s", parent.Level, ref(parent))
			}
		default:
			return bad("a finding aid goes below a Tektonik group, a Bestand or a Gliederung, not below the %s %s", parent.Level, ref(parent))
		}
	}
	type placed struct{ id, level, bestand string }
	done := make(map[string]placed, len(fa.Units))
	for _, in := range fa.Units {
		u := in
		old, found := existing[u.SourceID]
		if found {
			u.ID = old.ID
		} else {
			u.ID = newID()
		}
		top := u.Parent == ""
		if top {
			switch {
			case parent != nil:
				u.Parent = parent.ID
			case found:
				u.Parent = old.Parent
			}
			if fa.Kind == KindFindbuch {
				if inside {
					if u.Level == preservation.LevelBestand || u.Level == preservation.LevelTektonik {
						u.Level = preservation.LevelGliederung
					}
				} else {
					u.Level = preservation.LevelBestand
				}
				if found {
					u.Order = old.Order
				} else {
					u.Order = 0
				}
			}
		} else {
			u.Parent = done[u.Parent].id
			if fa.Kind == KindFindbuch && (u.Level == preservation.LevelBestand || u.Level == preservation.LevelTektonik) {
				u.Level = preservation.LevelGliederung
			}
		}
		switch {
		case u.Level == preservation.LevelBestand:
			u.Bestand = u.ID
		case top && inside:
			u.Bestand = parent.Bestand
		case top:
			u.Bestand = ""
		default:
			u.Bestand = done[in.Parent].bestand
		}
		if found {
			u = merge(old, u, fa.Kind == KindTektonik && u.Level == preservation.LevelBestand && old.Level == preservation.LevelBestand)
		}
		done[in.SourceID] = placed{u.ID, u.Level, u.Bestand}
		ch.IDs[in.SourceID] = u.ID
		switch {
		case !found:
			ch.New++
			ch.Units = append(ch.Units, u)
		case same(old, u):
			ch.Unchanged++
		default:
			ch.Changed++
			ch.Units = append(ch.Units, u)
			ch.Reindex = append(ch.Reindex, u.ID)
		}
	}
	var gone []string
	prefix := fa.ID + "#"
	for sid := range existing {
		if _, ok := ch.IDs[sid]; !ok && strings.HasPrefix(sid, prefix) {
			gone = append(gone, sid)
		}
	}
	if len(gone) > 0 {
		slices.Sort(gone)
		ch.Problems = append(ch.Problems, problem(preservation.SeverityWarning, CodeGone, "",
			"%d units of an earlier import of %s are no longer in it (e.g. %s); they are kept unchanged", len(gone), fa.ID, gone[0]))
	}
	return ch
}

func ref(u *preservation.Unit) string {
	if u.Signatur != "" {
		return fmt.Sprintf("%q", u.Signatur)
	}
	return u.ID
}

// merge applies the imported description u to the unit old. Tektonik
// records of an existing Bestand only move it and fill what it lacks.
func merge(old, u preservation.Unit, tektonikBestand bool) preservation.Unit {
	if tektonikBestand {
		m := old
		m.Parent, m.Order = u.Parent, u.Order
		for _, f := range []struct {
			dst *string
			v   string
		}{
			{&m.Title, u.Title}, {&m.Signatur, u.Signatur}, {&m.Scope, u.Scope}, {&m.Provenance, u.Provenance},
			{&m.From, u.From}, {&m.To, u.To}, {&m.Extent, u.Extent}, {&m.Language, u.Language}, {&m.SourceRef, u.SourceRef},
		} {
			if *f.dst == "" {
				*f.dst = f.v
			}
		}
		if len(u.Extra) > 0 {
			m.Extra = maps.Clone(old.Extra)
			if m.Extra == nil {
				m.Extra = map[string]string{}
			}
			for k, v := range u.Extra {
				if m.Extra[k] == "" {
					m.Extra[k] = v
				}
			}
		}
		m.Closure = mergeFacts(old, u)
		return m
	}
	u.AIP = old.AIP
	u.PublishMetadata = old.PublishMetadata
	u.Disposed = old.Disposed
	u.Closure = mergeFacts(old, u)
	return u
}

// mergeFacts keeps the closure facts of old, adding what the finding aid
// states; a stated end is replaced only while it is the finding aid's.
func mergeFacts(old, u preservation.Unit) preservation.ClosureFacts {
	f := old.Closure
	f.Personal = f.Personal || u.Closure.Personal
	f.Secrecy = f.Secrecy || u.Closure.Secrecy
	if f.Until == "" || f.Until == old.Extra[ExtraSperrvermerk] {
		f.Until = u.Closure.Until
	}
	return f
}

// same reports whether two records are equal as journaled.
func same(a, b preservation.Unit) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
