package xdomea

import (
	"fmt"
	"slices"
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
)

// CheckAppraisal checks a 0503 against the appraisal of its process.
// decisions maps object IDs to the archive's decision in the process's
// 0502 ("A", "V", or "" for none); it may be nil. Markings and decisions
// are inherited down the hierarchy (a Vorgang in an Akte appraised A is
// A). 4.0 context objects and Anlagen are not checked.
//
// Four-stage procedure (twoStage false): every object must be marked A in
// the 0503 or appraised A in the 0502; an object marked or appraised V is
// refused (CodeAppraisalV), one with neither A nor V is refused
// (CodeAppraisalMissing), and objects appraised A but not delivered are
// reported as warnings (CodeNotDelivered).
//
// Two-stage procedure (twoStage true, no 0501/0502): unmarked objects are
// accepted, V-marked ones refused (CodeAppraisalV), B-marked ones accepted
// with a warning (CodeAppraisalB).
//
// A problem is reported at the highest object it concerns, not repeated
// for descendants that merely inherit it.
func CheckAppraisal(m *Message, decisions map[string]string, twoStage bool) preservation.Problems {
	var ps preservation.Problems
	dec := map[string]string{}
	for id, d := range decisions {
		dec[strings.ToLower(id)] = strings.ToUpper(strings.TrimSpace(d))
	}
	seen := map[string]bool{}
	var visit func(o *Object, mark, decided string, reported string)
	visit = func(o *Object, mark, decided, reported string) {
		seen[strings.ToLower(o.ID)] = true
		switch a := strings.ToUpper(o.Aussonderungsart); a {
		case ArchiveA, AppraiseB, DestroyV:
			mark = a
		}
		if d := dec[strings.ToLower(o.ID)]; d == ArchiveA || d == DestroyV {
			decided = d
		}
		code := ""
		if !o.Kontextobjekt {
			switch {
			case mark == DestroyV || decided == DestroyV:
				code = CodeAppraisalV
			case twoStage && mark == AppraiseB:
				code = CodeAppraisalB
			case !twoStage && mark != ArchiveA && decided != ArchiveA:
				code = CodeAppraisalMissing
			}
		}
		if code != "" && code != reported {
			switch code {
			case CodeAppraisalV:
				src := "marked V (zum Vernichten) in the 0503"
				if decided == DestroyV {
					src = "appraised V (zu vernichten) in the 0502"
				}
				ps = append(ps, errorf(code, o.ID, "%s is %s and must not be transferred", o.describe(), src))
			case CodeAppraisalB:
				ps = append(ps, warnf(code, o.ID, "%s is marked B (zu bewerten) but transferred without appraisal (two-stage procedure); accepted", o.describe()))
			case CodeAppraisalMissing:
				ps = append(ps, errorf(code, o.ID, "%s is neither marked A in the 0503 nor appraised A in the 0502 of this process", o.describe()))
			}
		}
		if o.Kontextobjekt {
			code = reported
		}
		for _, c := range o.Children {
			visit(c, mark, decided, code)
		}
	}
	for _, o := range m.Objects {
		visit(o, "", "", "")
	}
	if !twoStage {
		var missing []string
		for id, d := range decisions {
			if strings.EqualFold(strings.TrimSpace(d), ArchiveA) && !seen[strings.ToLower(id)] {
				missing = append(missing, id)
			}
		}
		slices.Sort(missing)
		for _, id := range missing {
			ps = append(ps, warnf(CodeNotDelivered, id, "object %s was appraised A in the 0502 but is not in the 0503", id))
		}
	}
	return ps
}

// CheckSender checks that the message comes from the agency with the
// Behördenkennung expected (e.g. the sender of the process's 0501, or the
// agency whose transfer directory the message came from). It matches the
// full key ("<Praefix>:<Kennung>") or the Kennung alone, case-insensitively.
// A message without a Behördenkennung gives a warning (CodeSenderUnknown);
// a different one an error (CodeSender). An empty expected key checks
// nothing.
func CheckSender(m *Message, expected string) preservation.Problems {
	expected = strings.TrimSpace(expected)
	if expected == "" {
		return nil
	}
	got := m.Sender()
	if got == "" {
		return preservation.Problems{warnf(CodeSenderUnknown, m.FileName,
			"the sender (%s) gives no Behördenkennung; it could not be checked against %q", m.Kopf.Absender.DisplayName(), expected)}
	}
	kennung := m.Kopf.Absender.Kennung.Code
	_, expKennung, hasPrefix := strings.Cut(expected, ":")
	if strings.EqualFold(got, expected) || strings.EqualFold(kennung, expected) ||
		(hasPrefix && m.Kopf.Absender.Praefix.Code == "" && strings.EqualFold(kennung, expKennung)) {
		return nil
	}
	return preservation.Problems{errorf(CodeSender, m.FileName, "the message comes from Behördenkennung %q (%s), expected %q",
		got, m.Kopf.Absender.DisplayName(), expected)}
}

// ProblemCodeListURI identifies magazin's problem codes when they are sent
// as FehlermeldungCode in a 0506 (SonstigeFehlermeldungCodeType requires a
// code list URI and version).
const (
	ProblemCodeListURI     = "urn:magazin-archiv:codeliste:problem-codes"
	ProblemCodeListVersion = "1"
)

// maxMessagesPerResult bounds the error texts per object in a 0506.
const maxMessagesPerResult = 20

// ImportResults builds the 0506 results of a transfer: one per top-level
// object (see Message.TopLevel), with its archive reference from
// archivkennung (by object ID) when it was archived. Error-severity
// problems are attributed to the top-level object they concern — by the
// object ID or the file name in Problem.Path — and a problem that concerns
// no object (e.g. a schema error or an extra file) to every object; an
// object with an attributed error is reported as not archived, with the
// problems as Fehlermeldung and FehlermeldungCode.
func ImportResults(m *Message, problems preservation.Problems, archivkennung map[string]string) []Result {
	tops := m.TopLevel()
	isTop := map[*Object]bool{}
	for _, o := range tops {
		isTop[o] = true
	}
	topOf := func(o *Object) *Object {
		for o != nil && !isTop[o] {
			o = o.Parent
		}
		return o
	}
	byFile := map[string]*Object{}
	m.Walk(func(o *Object) bool {
		for _, n := range o.Files() {
			if _, ok := byFile[n]; !ok {
				byFile[n] = o
			}
		}
		return true
	})
	refs := map[string]string{}
	for id, k := range archivkennung {
		refs[strings.ToLower(id)] = k
	}
	attributed := map[*Object]preservation.Problems{}
	for _, p := range problems {
		if p.Severity != preservation.SeverityError {
			continue
		}
		var o *Object
		if p.Path != "" {
			if o = m.Object(p.Path); o == nil {
				o = byFile[p.Path]
			}
		}
		if t := topOf(o); t != nil {
			attributed[t] = append(attributed[t], p)
			continue
		}
		for _, t := range tops {
			attributed[t] = append(attributed[t], p)
		}
	}
	var out []Result
	for _, o := range tops {
		r := Result{ID: o.ID, Erfolgreich: len(attributed[o]) == 0}
		if r.Erfolgreich {
			r.Archivkennung = refs[strings.ToLower(o.ID)]
		}
		codes := map[string]bool{}
		for i, p := range attributed[o] {
			if i == maxMessagesPerResult {
				r.Fehlermeldungen = append(r.Fehlermeldungen, fmt.Sprintf("… %d weitere Fehler", len(attributed[o])-i))
				break
			}
			r.Fehlermeldungen = append(r.Fehlermeldungen, p.String())
			if !codes[p.Code] {
				codes[p.Code] = true
				r.FehlermeldungCodes = append(r.FehlermeldungCodes, Code{Code: p.Code, ListURI: ProblemCodeListURI, ListVersionID: ProblemCodeListVersion})
			}
		}
		out = append(out, r)
	}
	return out
}
