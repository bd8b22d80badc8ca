package ead

import (
	"strconv"
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
)

// assign computes the kept tree: levels, SourceIDs and order, and fills
// FindingAid.Units in document order.
func (p *parser) assign() {
	fa := p.fa
	n := len(p.units)
	keptParent := make([]int, n)
	keptKids := make([]int, n)
	for i, u := range p.units {
		keptParent[i] = -1
		for a := u.parent; a >= 0; a = p.units[a].parent {
			if !p.units[a].dropped {
				keptParent[i] = a
				break
			}
		}
		if !u.dropped && keptParent[i] >= 0 {
			keptKids[keptParent[i]]++
		}
	}
	ids := map[string]int{}
	for _, u := range p.units {
		if !u.dropped && u.cid != "" {
			ids[u.cid]++
		}
	}
	level := make([]string, n)
	path := make([]string, n)
	source := make([]string, n)
	used := map[string]bool{}
	pos := map[int]int{}
	var noID, dupID, unknownLevel int
	var unknownExample string
	for i, u := range p.units {
		if u.dropped {
			continue
		}
		par := keptParent[i]
		pos[par]++
		order := pos[par]
		if par >= 0 {
			path[i] = path[par] + "/" + strconv.Itoa(order)
		} else {
			path[i] = "/" + strconv.Itoa(order)
		}
		parentLevel := ""
		if par >= 0 {
			parentLevel = level[par]
		}
		lv, known := p.level(u, parentLevel, keptKids[i] > 0)
		level[i] = lv
		if !known {
			unknownLevel++
			if unknownExample == "" {
				unknownExample = u.level
				if u.level == "" {
					unknownExample = "(none)"
				}
			}
		}
		sid := ""
		switch {
		case u.cid != "" && ids[u.cid] == 1 && fa.Kind == KindTektonik && lv == preservation.LevelBestand:
			// A Bestand in a Tektonik is keyed like the Bestand record
			// of its Findbuch (eadid = c/@id there), so that the two
			// files describe one unit.
			sid = u.cid + "#" + u.cid
		case u.cid != "" && ids[u.cid] == 1:
			sid = fa.ID + "#" + u.cid
		case u.cid != "":
			dupID++
		case !u.archdesc:
			noID++
		}
		if sid == "" || used[sid] {
			sid = fa.ID + "#" + path[i]
		}
		for k := 2; used[sid]; k++ {
			sid = fa.ID + "#" + path[i] + "~" + strconv.Itoa(k)
		}
		used[sid] = true
		source[i] = sid

		unit := u.unit
		unit.Level = lv
		unit.SourceID = sid
		unit.Order = order
		if par >= 0 {
			unit.Parent = source[par]
		}
		if unit.Title == "" && par < 0 {
			unit.Title = fa.Title
		}
		if unit.Title == "" {
			fa.Problems = append(fa.Problems, problem(preservation.SeverityWarning, CodeNoTitle, sid, "no unittitle"))
		}
		fa.Units = append(fa.Units, unit)
	}
	if noID+dupID > 0 {
		fa.Problems = append(fa.Problems, problem(preservation.SeverityWarning, CodeID, "",
			"%d components without @id and %d with an @id used twice are identified by their position (e.g. %s#/1/2); a re-import after components were inserted or moved may match them to the wrong units",
			noID, dupID, fa.ID))
	}
	sigs := map[string]int{}
	dupSig, dupExample := 0, ""
	for _, u := range fa.Units {
		if u.Signatur == "" {
			continue
		}
		if sigs[u.Signatur]++; sigs[u.Signatur] == 2 {
			dupSig++
			if dupExample == "" {
				dupExample = u.Signatur
			}
		}
	}
	if dupSig > 0 {
		fa.Problems = append(fa.Problems, problem(preservation.SeverityWarning, CodeSignatur, "",
			"%d Signaturen are given to more than one unit (e.g. %q, often a Gliederung number and an Akte number); such units are found by their id or SourceID, not by the Signatur",
			dupSig, dupExample))
	}
	if unknownLevel > 0 {
		fa.Problems = append(fa.Problems, problem(preservation.SeverityWarning, CodeLevel, "",
			"%d components have a missing or unknown level (e.g. %q, @otherlevel not recognised): units with children became Gliederungen, the others Akten",
			unknownLevel, unknownExample))
	}
}

// canonical returns the EAD level a component's @level (and @otherlevel)
// stands for: fonds, series, class, file, item, or one of magazin's levels
// named in German in @otherlevel; "" when unknown.
func canonical(level, other string) string {
	l := strings.ToLower(strings.TrimSpace(level))
	switch l {
	case "fonds", "collection", "recordgrp":
		return "fonds"
	case "subfonds", "subgrp", "series", "subseries":
		return "series"
	case "class":
		return "class"
	case "file":
		return "file"
	case "item":
		return "item"
	case "otherlevel", "":
	default:
		return ""
	}
	o := strings.ToLower(other)
	switch {
	case o == "":
		return ""
	case strings.Contains(o, "tektonik"):
		return "tektonik"
	case strings.Contains(o, "teilbestand"), strings.Contains(o, "sous-fonds"), strings.Contains(o, "subfonds"):
		return "series"
	case strings.Contains(o, "bestand"), strings.Contains(o, "fonds"), strings.Contains(o, "collection"):
		return "fonds"
	case strings.Contains(o, "gliederung"), strings.Contains(o, "klassifikation"), strings.Contains(o, "rubrik"),
		strings.Contains(o, "serie"), strings.Contains(o, "class"), strings.Contains(o, "section"):
		return "series"
	case strings.Contains(o, "vorgang"):
		return "vorgang"
	case strings.Contains(o, "akte"), strings.Contains(o, "dossier"), strings.Contains(o, "file"), strings.Contains(o, "archivale"):
		return "file"
	case strings.Contains(o, "dokument"), strings.Contains(o, "document"), strings.Contains(o, "pièce"),
		strings.Contains(o, "piece"), strings.Contains(o, "item"), strings.Contains(o, "einzelstück"):
		return "item"
	}
	return ""
}

// level maps a component to magazin's level, given the level of its
// parent ("" at the top) and whether it has children; known is false for
// a missing or unknown @level.
//
// A Findbuch keeps its own hierarchy: fonds (collection, recordgrp) is a
// Bestand at the top and a Gliederung below; series and class are
// Gliederungen (a series without children describes records: an Akte);
// file is an Akte, item a Dokument (in EAD(DDB) a Vorgang, and a Dokument
// below it). Inside an Akte every component is a Vorgang or a Dokument,
// inside a Dokument a Dokument. In a Tektonik file is a Bestand and every
// level above it a Tektonik group. Whether the top of a Findbuch becomes a
// Bestand depends on where it is imported (see Plan).
func (p *parser) level(u *rawUnit, parent string, hasKids bool) (string, bool) {
	c := canonical(u.level, u.other)
	known := c != ""
	ddb := p.fa.Standard == StandardDDB
	if c == "" {
		if hasKids {
			c = "series"
		} else {
			c = "file"
		}
	}
	if p.fa.Kind == KindTektonik && (parent == "" || parent == preservation.LevelTektonik) {
		if c == "file" || c == "item" {
			return preservation.LevelBestand, known
		}
		return preservation.LevelTektonik, known
	}
	switch parent {
	case preservation.LevelDokument:
		return preservation.LevelDokument, known
	case preservation.LevelAkte, preservation.LevelVorgang:
		switch c {
		case "item", "dokument":
			if ddb && parent == preservation.LevelAkte {
				return preservation.LevelVorgang, known
			}
			return preservation.LevelDokument, known
		}
		return preservation.LevelVorgang, known
	}
	switch c {
	case "tektonik":
		if parent == "" || parent == preservation.LevelTektonik {
			return preservation.LevelTektonik, known
		}
		return preservation.LevelGliederung, known
	case "fonds":
		if parent == "" || parent == preservation.LevelTektonik {
			return preservation.LevelBestand, known
		}
		if !hasKids {
			return preservation.LevelAkte, known
		}
		return preservation.LevelGliederung, known
	case "series":
		if !hasKids {
			return preservation.LevelAkte, known
		}
		return preservation.LevelGliederung, known
	case "class":
		return preservation.LevelGliederung, known
	case "file":
		return preservation.LevelAkte, known
	case "vorgang":
		return preservation.LevelVorgang, known
	}
	// item
	if ddb {
		return preservation.LevelVorgang, known
	}
	return preservation.LevelDokument, known
}
