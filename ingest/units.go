package ingest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/profiles"
	"github.com/magazin-archiv/magazin/profiles/digitised"
)

// group is what becomes one AIP: a top-level unit with its subtree and
// the files of the whole subtree.
type group struct {
	units    []preservation.Unit // top-level unit first
	files    []scanned
	metadata []profiles.File
	// existing: the top-level unit was described before (attached).
	existing bool
	// supplement: the files of an existing unit join its digitisation
	// AIP's pages instead of replacing them (profiles.Unit.Supplement).
	supplement bool
}

// LooseTitle titles the unit made for files that belong to no unit.
const LooseTitle = "Dokumente ohne Zuordnung zu einer Akte oder einem Vorgang"

// groupUnits assigns ids, Bestand, parents and order to the transfer's
// units and splits the scanned files into one group per top-level unit.
// A transfer without units becomes one unit (an Akte) holding everything.
func (in *Ingester) groupUnits(p *prepared, bestand string) ([]group, error) {
	t := p.transfer
	units := append([]profiles.Unit(nil), t.Units...)
	if len(units) == 0 {
		u := profiles.Unit{Unit: preservation.Unit{Level: preservation.LevelAkte, Title: t.Title, SourceID: "submission"}}
		for _, s := range p.files {
			u.Files = append(u.Files, s.tf.Name)
		}
		units = []profiles.Unit{u}
	}
	bySource := map[string]int{}
	for i, u := range units {
		if u.SourceID == "" {
			return nil, fmt.Errorf("ingest: %s profile gave a unit without SourceID", t.Profile)
		}
		if _, dup := bySource[u.SourceID]; dup {
			return nil, fmt.Errorf("ingest: %s profile gave SourceID %q twice", t.Profile, u.SourceID)
		}
		bySource[u.SourceID] = i
	}
	// top[i] is the index of unit i's top-level ancestor.
	top := make([]int, len(units))
	for i := range units {
		j, steps := i, 0
		for units[j].Parent != "" {
			k, ok := bySource[units[j].Parent]
			if !ok {
				return nil, fmt.Errorf("ingest: unit %q has unknown parent %q", units[j].SourceID, units[j].Parent)
			}
			if steps++; steps > len(units) {
				return nil, fmt.Errorf("ingest: unit %q is its own ancestor", units[i].SourceID)
			}
			j = k
		}
		top[i] = j
	}
	fileByName := map[string]scanned{}
	for _, s := range p.files {
		fileByName[s.tf.Name] = s
	}
	claimed := map[string]bool{}
	ids := make([]string, len(units))
	for i := range units {
		id, err := newUUID()
		if err != nil {
			return nil, err
		}
		ids[i] = "urn:uuid:" + id
	}
	groupOf := map[int]*group{}
	var order []int
	childCount := map[int]int{}
	for i, u := range units {
		pu := u.Unit
		pu.ID = ids[i]
		pu.Bestand = bestand
		if ex, ok := p.attached[u.SourceID]; u.Existing && ok {
			if u.Parent != "" {
				return nil, fmt.Errorf("ingest: %s profile gave an existing unit %q below another", t.Profile, u.SourceID)
			}
			pu = ex
		} else if u.Parent == "" {
			pu.Parent = bestand
			pu.Order = len(order) + 1
		} else {
			k := bySource[u.Parent]
			pu.Parent = ids[k]
			childCount[k]++
			pu.Order = childCount[k]
		}
		g := groupOf[top[i]]
		if g == nil {
			g = &group{existing: u.Existing && u.Parent == "", supplement: u.Existing && u.Supplement}
			groupOf[top[i]] = g
			order = append(order, top[i])
		}
		g.units = append(g.units, pu)
		g.metadata = append(g.metadata, u.Metadata...)
		for _, name := range u.Files {
			s, ok := fileByName[name]
			if !ok {
				return nil, fmt.Errorf("ingest: unit %q names file %q which the transfer lacks", u.SourceID, name)
			}
			if claimed[name] {
				return nil, fmt.Errorf("ingest: file %q belongs to two units", name)
			}
			claimed[name] = true
			g.files = append(g.files, s)
		}
	}
	groups := make([]group, 0, len(order)+1)
	for _, i := range order {
		groups = append(groups, *groupOf[i])
	}
	var loose []scanned
	for _, s := range p.files {
		if !claimed[s.tf.Name] {
			loose = append(loose, s)
		}
	}
	if len(loose) > 0 {
		id, err := newUUID()
		if err != nil {
			return nil, err
		}
		u := preservation.Unit{ID: "urn:uuid:" + id, Parent: bestand, Bestand: bestand, Level: preservation.LevelAkte,
			Title: LooseTitle, SourceID: "loose", Order: len(groups) + 1}
		groups = append(groups, group{units: []preservation.Unit{u}, files: loose})
	}
	return groups, nil
}

// attach resolves the transfer's Existing units by their Signatur in the
// catalog. A Signatur that names no unit, more than one, or a structural
// unit is a coded problem (digitised.CodeUnknownSignatur, CodeTarget); so
// is a unit whose records are archived in an AIP other than its
// digitisation AIP (which new scans make a new version of, see rescan).
func (in *Ingester) attach(ctx context.Context, p *prepared) (preservation.Problems, error) {
	var probs preservation.Problems
	for _, u := range p.transfer.Units {
		if !u.Existing {
			continue
		}
		found, err := in.cat.ResolveUnit(ctx, u.Signatur)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			probs = append(probs, preservation.Problem{Code: digitised.CodeUnknownSignatur, Severity: preservation.SeverityError,
				Path: u.Signatur, Message: fmt.Sprintf("no unit in the archive has the Signatur %q", u.Signatur)})
			continue
		case errors.Is(err, catalog.ErrAmbiguous):
			probs = append(probs, preservation.Problem{Code: digitised.CodeTarget, Severity: preservation.SeverityError,
				Path: u.Signatur, Message: fmt.Sprintf("the Signatur %q names more than one unit", u.Signatur)})
			continue
		case err != nil:
			return nil, fmt.Errorf("ingest: resolve Signatur %q: %w", u.Signatur, err)
		}
		switch found.Level {
		case preservation.LevelTektonik, preservation.LevelBestand, preservation.LevelGliederung:
			probs = append(probs, preservation.Problem{Code: digitised.CodeTarget, Severity: preservation.SeverityError,
				Path: u.Signatur, Message: fmt.Sprintf("%q is a %s: images belong to an Akte, Vorgang or Dokument", u.Signatur, found.Level)})
			continue
		}
		if found.Disposed != "" {
			probs = append(probs, preservation.Problem{Code: digitised.CodeTarget, Severity: preservation.SeverityError,
				Path: u.Signatur, Message: fmt.Sprintf("the records of %q were disposed of on %s", u.Signatur, found.Disposed)})
			continue
		}
		if found.AIP != "" {
			ps, err := in.digitisationAIP(ctx, u, found)
			if err != nil {
				return nil, err
			}
			if len(ps) > 0 {
				probs = append(probs, ps...)
				continue
			}
		}
		if p.attached == nil {
			p.attached = map[string]preservation.Unit{}
		}
		p.attached[u.SourceID] = *found
	}
	return probs, nil
}

// numberGroups gives the top-level unit of each new group the next running
// number in its Bestand ("<Bestand-Signatur> Nr. <n>") and sub-units the
// parent's Signatur with their position ("…/2").
func (in *Ingester) numberGroups(ctx context.Context, groups []group, bestand string) error {
	if bestand == "" {
		return nil
	}
	b, err := in.cat.Unit(ctx, bestand)
	if err != nil {
		return fmt.Errorf("ingest: Bestand %s: %w", bestand, err)
	}
	next, err := in.cat.NextNumber(ctx, bestand)
	if err != nil {
		return err
	}
	for gi := range groups {
		if groups[gi].existing {
			continue // described and numbered before
		}
		us := groups[gi].units
		sig := map[string]string{}
		for i := range us {
			if us[i].Parent == bestand {
				us[i].Signatur = b.Signatur + " Nr. " + strconv.Itoa(next)
				next++
			} else if ps := sig[us[i].Parent]; ps != "" {
				us[i].Signatur = ps + "/" + strconv.Itoa(us[i].Order)
			}
			sig[us[i].ID] = us[i].Signatur
		}
	}
	return nil
}

// resolveBestand picks the Bestand for a transfer: the one named by the
// caller, else the sending agency's, else none.
func (in *Ingester) resolveBestand(ctx context.Context, t *profiles.Transfer, ref string) (string, error) {
	if ref != "" {
		u, err := in.cat.ResolveUnit(ctx, ref)
		if err != nil {
			return "", fmt.Errorf("%w: --bestand %s: %v", ErrUsage, ref, err)
		}
		if u.Level != preservation.LevelBestand {
			return "", fmt.Errorf("%w: --bestand %s is a %s, not a Bestand", ErrUsage, ref, u.Level)
		}
		return u.ID, nil
	}
	if t.Message != nil && t.Message.Sender != "" {
		a, err := in.cat.Agency(ctx, t.Message.Sender)
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		return a.Bestand, nil
	}
	return "", nil
}

// mergeGroups joins groups into one AIP: the units keep their hierarchy,
// the first top-level unit leads (titles the AIP), files are pooled, and
// the submission's whole metadata (not the per-unit parts) goes with it.
func mergeGroups(gs []group) []group {
	var m group
	for _, g := range gs {
		m.units = append(m.units, g.units...)
		m.files = append(m.files, g.files...)
	}
	return []group{m}
}
