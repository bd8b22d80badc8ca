package ingest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/magazin-archiv/magazin/ingest/migrate"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/profiles"
	"github.com/magazin-archiv/magazin/profiles/digitised"
)

// Rescan is a new version of a unit's digitisation AIP that an ingest made
// (Neudigitalisierung): scans of a unit whose images were archived before.
type Rescan struct {
	AIP      preservation.AIPID `json:"aip"`
	Unit     string             `json:"unit"`
	Signatur string             `json:"signatur"`
	// Mode is digitised.ModeReplace or digitised.ModeSupplement.
	Mode string `json:"mode"`
	// Version is the AIP's new head version; Previous the one before,
	// which keeps the earlier images.
	Version  int `json:"version"`
	Previous int `json:"previous"`
	// Added, Replaced and Removed are the logical paths (representations/
	// original/data/...) of the pages that are new, have new content, or
	// are no longer in the new version.
	Added    []string `json:"added,omitempty"`
	Replaced []string `json:"replaced,omitempty"`
	Removed  []string `json:"removed,omitempty"`
	// Superseded are the SHA-512 digests of the masters the previous
	// version held and the new one does not: their access derivatives
	// (IIIF) are no longer needed.
	Superseded []string `json:"superseded,omitempty"`
}

// WithEarlierEvents sets where the PREMIS events recorded about an AIP
// outside it come from (cmd/magazin: the journal's fixity checks): a new
// version that an ingest makes of an AIP (a re-digitisation) carries them
// in its PREMIS, as the other new versions of an AIP do.
func WithEarlierEvents(f func(id string) ([]preservation.Event, error)) Option {
	return func(in *Ingester) { in.earlier = f }
}

// EventDetailRescan starts the detail of the PREMIS ingestion event of a
// re-digitisation.
const EventDetailRescan = "Neudigitalisierung"

// digitisationAIP checks that the AIP holding the existing unit u (attached
// images) is a digitisation AIP of u, which a new scan makes a new version
// of; for a supplement (u.Supplement) it also checks that no delivered page
// takes the page number of another page of the AIP. It returns coded
// problems (digitised.CodeTarget, digitised.CodePageDuplicate).
func (in *Ingester) digitisationAIP(ctx context.Context, u profiles.Unit, found *preservation.Unit) (preservation.Problems, error) {
	a, err := in.cat.AIP(ctx, string(found.AIP))
	if err != nil {
		return nil, fmt.Errorf("ingest: AIP %s of %q: %w", found.AIP, u.Signatur, err)
	}
	if a.Profile != digitised.Name || len(a.Units) == 0 || a.Units[0].ID != found.ID {
		return preservation.Problems{{Code: digitised.CodeTarget, Severity: preservation.SeverityError, Path: u.Signatur,
			Message: fmt.Sprintf("the records of %q are archived already (AIP %s, %s profile): scans become a new version of a unit's digitisation AIP only",
				u.Signatur, a.ID, a.Profile)}}, nil
	}
	if !u.Supplement {
		return nil, nil
	}
	byBase, byPage := map[string]bool{}, map[string]string{}
	for _, f := range originals(a.Files) {
		base := path.Base(f.Name)
		byBase[base] = true
		if n, ok := digitised.PageNumber(base); ok {
			byPage[n] = base
		}
	}
	var probs preservation.Problems
	for _, name := range u.Files {
		base := path.Base(name)
		if byBase[base] {
			continue // a corrected page under its archived name
		}
		if n, ok := digitised.PageNumber(base); ok && byPage[n] != "" {
			probs = append(probs, preservation.Problem{Code: digitised.CodePageDuplicate, Severity: preservation.SeverityError, Path: name,
				Message: fmt.Sprintf("page %s of %q is archived already as %s: deliver a correction under that name, or the complete set with Modus %s",
					n, u.Signatur, byPage[n], digitised.ModeReplace)})
		}
	}
	return probs, nil
}

// originals returns the files of the original representation, not derived
// from another.
func originals(files []preservation.File) []preservation.File {
	var out []preservation.File
	for _, f := range files {
		if strings.HasPrefix(f.Path, aip.PrefixOriginal) && f.DerivedFrom == "" {
			out = append(out, f)
		}
	}
	return out
}

// rescan makes the group's scans (of a unit whose digitisation AIP exists)
// a new version of that AIP in every store, and catalogs it. The scans
// keep the folder the AIP's pages have (so that a page's logical path stays
// the same across versions); in ModeReplace they are the complete new set,
// in ModeSupplement they join the current pages (a page of the same name is
// replaced). Scans equal to the current pages (or, in ModeReplace, to the
// pages of an earlier version) make no version: the AIP is returned with a
// nil Rescan. The AIP's current head is catalogued either way (a version
// written before an interruption becomes visible).
func (in *Ingester) rescan(ctx context.Context, p *prepared, g group) (*preservation.AIP, *Rescan, error) {
	unit := g.units[0]
	id := string(unit.AIP)
	var rs *Rescan
	a, err := aip.Update(ctx, in.stores, id, func(cur *preservation.AIP, h *aip.Head) (*aip.Revision, error) {
		rs = nil
		rev, r, err := in.revision(p, g, cur, h)
		if err != nil || rev == nil {
			return &aip.Revision{AIP: cur}, err
		}
		rs = r
		return rev, nil
	})
	if errors.Is(err, aip.ErrUnchanged) {
		rs, err = nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("ingest: new version of %s for %q: %w", id, unit.Signatur, err)
	}
	if err := in.cat.PutAIP(ctx, a); err != nil {
		return nil, nil, fmt.Errorf("ingest: catalog: %w", err)
	}
	if rs == nil {
		in.log.Info("scans archived already", "aip", id, "unit", unit.Signatur, "submission", p.src)
		return a, nil, nil
	}
	rs.Version = a.Version
	in.log.Info("re-digitised", "aip", id, "unit", unit.Signatur, "version", a.Version, "mode", rs.Mode,
		"added", len(rs.Added), "replaced", len(rs.Replaced), "removed", len(rs.Removed))
	return a, rs, nil
}

// revision computes the next version of the digitisation AIP cur (head h)
// with the group's scans; nil when the scans are archived already.
func (in *Ingester) revision(p *prepared, g group, cur *preservation.AIP, h *aip.Head) (*aip.Revision, *Rescan, error) {
	mode := digitised.ModeReplace
	if g.supplement {
		mode = digitised.ModeSupplement
	}
	unit := g.units[0]
	old := originals(cur.Files)
	// The folder of the archived pages, which the scans join.
	dir := ""
	if len(old) > 0 {
		if d := path.Dir(strings.TrimPrefix(old[0].Path, aip.PrefixOriginal)); d != "." {
			dir = d
		}
	}
	files := make([]scanned, len(g.files))
	deliv := map[string]scanned{} // logical path -> scan
	for i, s := range g.files {
		s.tf.Name = path.Join(dir, path.Base(s.tf.Name))
		s.path = aip.PrefixOriginal + s.tf.Name
		files[i] = s
		deliv[s.path] = s
	}
	have := map[string]preservation.File{}
	for _, f := range old {
		have[f.Path] = f
	}
	rs := &Rescan{AIP: cur.ID, Unit: unit.ID, Signatur: unit.Signatur, Mode: mode, Previous: cur.Version}
	for _, s := range files {
		pth := s.path
		f, ok := have[pth]
		switch {
		case !ok:
			rs.Added = append(rs.Added, pth)
		case !strings.EqualFold(f.SHA512, s.sha512):
			rs.Replaced = append(rs.Replaced, pth)
		}
	}
	if !g.supplement {
		for _, f := range old {
			if _, ok := deliv[f.Path]; !ok {
				rs.Removed = append(rs.Removed, f.Path)
			}
		}
	}
	if len(rs.Added)+len(rs.Replaced)+len(rs.Removed) == 0 {
		return nil, nil, nil
	}
	if !g.supplement {
		if v := earlierVersion(h, files); v != "" {
			in.log.Info("scans equal the pages of an earlier version", "aip", cur.ID, "version", v)
			return nil, nil, nil
		}
	}
	gone := map[string]bool{}
	for _, pth := range append(slices.Clone(rs.Replaced), rs.Removed...) {
		gone[pth] = true
	}
	next := *cur
	next.Units = slices.Clone(cur.Units)
	// The unit as the catalog describes it now.
	next.Units[0] = unit
	next.Units[0].AIP = cur.ID
	next.Files = nil
	next.Size = 0
	for _, f := range cur.Files {
		switch {
		case gone[f.Path], gone[f.DerivedFrom]:
			// Replaced or removed, or an access copy or migration of such a
			// master: earlier versions keep them.
			continue
		case strings.HasPrefix(f.Path, aip.PrefixOriginal) && f.DerivedFrom == "":
			if _, ok := deliv[f.Path]; ok {
				continue // listed from the scans below
			}
		}
		next.Files = append(next.Files, f)
	}
	var add []aip.Source
	for _, s := range files {
		pth := s.path
		if f, ok := have[pth]; ok && strings.EqualFold(f.SHA512, s.sha512) {
			next.Files = append(next.Files, f)
			continue
		}
		f := preservation.File{Path: pth, Name: s.tf.Name, Size: s.tf.Size, SHA512: s.sha512,
			PUID: s.ident.PUID, FormatName: s.ident.FormatName, FormatVersion: s.ident.FormatVersion, MIME: s.ident.MIME,
			FormatBasis: s.ident.Basis, FormatWarning: s.ident.Warning, Declared: s.verified}
		next.Files = append(next.Files, f)
		add = append(add, aip.FileSource(pth, s.tf.Path, f.Size, f.SHA512))
	}
	var current []scanned
	kept := map[string]bool{}
	for _, f := range originals(next.Files) {
		next.Size += f.Size
		current = append(current, scanned{tf: profiles.File{Name: strings.TrimPrefix(f.Path, aip.PrefixOriginal)}, sha512: strings.ToLower(f.SHA512)})
		kept[strings.ToLower(f.SHA512)] = true
	}
	for pth := range gone {
		if d := strings.ToLower(have[pth].SHA512); !kept[d] && !slices.Contains(rs.Superseded, d) {
			rs.Superseded = append(rs.Superseded, d)
		}
	}
	slices.Sort(rs.Superseded)
	next.Fingerprint = group{units: next.Units, files: current, existing: true}.fingerprint()
	// The events of this delivery's files, then the re-digitisation.
	scratch := &preservation.AIP{}
	evs := in.fileEvents(p, scratch, files)
	next.Agents, evs = mergeAgents(cur.Agents, scratch.Agents, evs)
	delivery := p.name
	detail := fmt.Sprintf("%s: re-digitisation of %s from %s (Modus %s): %d pages added, %d replaced, %d removed; the earlier images stay in v%d",
		EventDetailRescan, unit.Signatur, delivery, mode, len(rs.Added), len(rs.Replaced), len(rs.Removed), cur.Version)
	ing := in.event(preservation.EventIngestion, detail, preservation.OutcomeSuccess, problemSummary(p.problems))
	ing.Agents = []string{"magazin"}
	ing.Objects = append(slices.Clone(rs.Replaced), rs.Removed...)
	ing.Outcomes = append(slices.Clone(rs.Added), rs.Replaced...)
	next.Events = slices.Clone(cur.Events)
	if in.earlier != nil {
		earlier, err := in.earlier(string(cur.ID))
		if err != nil {
			return nil, nil, fmt.Errorf("ingest: events of %s: %w", cur.ID, err)
		}
		next.Events = migrate.MergeEvents(next.Events, earlier)
	}
	next.Events = append(next.Events, append(evs, ing)...)
	next.Agents, _ = mergeAgents(next.Agents, []preservation.Agent{{ID: "magazin", Name: "magazin", Type: "software", Version: in.cfg.Version}}, nil)
	// The delivery's own metadata (the mapping, a bag's tag files) joins
	// the submission's; a file of the same name is replaced in this
	// version.
	meta := g.metadata
	if len(meta) == 0 {
		meta = p.transfer.Metadata
	}
	var sub []aip.Source
	for _, m := range meta {
		b := m.Data
		if b == nil {
			var err error
			if b, err = os.ReadFile(m.Path); err != nil {
				return nil, nil, fmt.Errorf("ingest: read submission metadata %s: %w", m.Name, err)
			}
		}
		sub = append(sub, aip.BytesSource(aip.PrefixSubmisson+m.Name, b))
	}
	return &aip.Revision{AIP: &next, Add: add, Submission: sub, Created: in.now().UTC().Truncate(time.Second), User: in.cfg.User,
		Message: fmt.Sprintf("%s of %s from %s (%s)", EventDetailRescan, unit.Signatur, delivery, mode)}, rs, nil
}

// earlierVersion returns the version of h before its head whose original
// representation holds exactly the files (by logical path and digest), or
// "".
func earlierVersion(h *aip.Head, files []scanned) string {
	want := map[string]string{}
	for _, s := range files {
		want[s.path] = strings.ToLower(s.sha512)
	}
	inv := h.Inventory
	for _, v := range h.VersionNames() {
		if v == inv.Head {
			continue
		}
		got := map[string]string{}
		for d, paths := range inv.Versions[v].State {
			for _, pth := range paths {
				if strings.HasPrefix(pth, aip.PrefixOriginal) {
					got[pth] = strings.ToLower(d)
				}
			}
		}
		if len(got) == len(want) && mapsEqual(got, want) {
			return v
		}
	}
	return ""
}

func mapsEqual(a, b map[string]string) bool {
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return len(a) == len(b)
}

// fileEvents are the PREMIS events of reading files once: digests,
// declared digests checked, formats identified, format validation and
// virus scan; the agents they name are added to a.
func (in *Ingester) fileEvents(p *prepared, a *preservation.AIP, files []scanned) []preservation.Event {
	events := append([]preservation.Event(nil), p.events...)
	events = append(events, in.event(preservation.EventMessageDigest, "SHA-512 computed for every file in one read", preservation.OutcomeSuccess, ""))
	declared := 0
	for _, s := range files {
		declared += len(s.verified)
	}
	if declared > 0 {
		events = append(events, in.event(preservation.EventFixityCheck, "digests declared by the submission checked", preservation.OutcomeSuccess, fmt.Sprintf("%d digests matched", declared)))
	}
	if in.ident != nil {
		a.Agents = append(a.Agents, preservation.Agent{ID: "siegfried", Name: "siegfried", Type: "software", Version: in.ident.Version()})
		fs := make([]preservation.File, len(files))
		for i, s := range files {
			fs[i] = preservation.File{PUID: s.ident.PUID}
		}
		ev := in.event(preservation.EventFormatID, "formats identified against PRONOM", preservation.OutcomeSuccess, formatSummary(fs))
		ev.Agents = []string{"siegfried"}
		events = append(events, ev)
	}
	events = append(events, in.validationEvents(a, files)...)
	if in.cfg.Scanner != nil {
		n := 0
		for _, s := range files {
			if s.scanned {
				n++
			}
		}
		outcome, detail := preservation.OutcomeSuccess, fmt.Sprintf("%d of %d files scanned, no virus found", n, len(files))
		if n < len(files) {
			outcome = preservation.OutcomeFailure
		}
		a.Agents = append(a.Agents, preservation.Agent{ID: "clamav", Name: "ClamAV", Type: "software", Version: in.cfg.ScannerVersion})
		ev := in.event(preservation.EventVirusCheck, "virus scan in the same read as hashing", outcome, detail)
		ev.Agents = []string{"clamav"}
		events = append(events, ev)
	}
	for i := range events {
		if len(events[i].Agents) == 0 {
			events[i].Agents = []string{"magazin"}
		}
	}
	return events
}

// mergeAgents adds the agents of add to agents. An agent whose id is
// there already with another version (siegfried updated since) is added
// as "<id>@<version>", and the events' links to it follow.
func mergeAgents(agents, add []preservation.Agent, events []preservation.Event) ([]preservation.Agent, []preservation.Event) {
	out := slices.Clone(agents)
	rename := map[string]string{}
	for _, ag := range add {
		i := slices.IndexFunc(out, func(x preservation.Agent) bool { return x.ID == ag.ID })
		switch {
		case i < 0:
			out = append(out, ag)
		case out[i].Version != ag.Version:
			old := ag.ID
			ag.ID += "@" + ag.Version
			rename[old] = ag.ID
			if !slices.ContainsFunc(out, func(x preservation.Agent) bool { return x.ID == ag.ID }) {
				out = append(out, ag)
			}
		}
	}
	if len(rename) == 0 {
		return out, events
	}
	for i := range events {
		ags := slices.Clone(events[i].Agents)
		for j, id := range ags {
			if r, ok := rename[id]; ok {
				ags[j] = r
			}
		}
		events[i].Agents = ags
	}
	return out, events
}
