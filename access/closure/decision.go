package closure

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// Kinds and scopes of decisions.
const (
	// KindShorten: a shortening (Verkürzung) of the closure.
	KindShorten = "shorten"
	// KindExtend: an extension (Verlängerung), where the law provides one.
	KindExtend = "extend"
	// ScopeAll: the decision holds for everyone.
	ScopeAll = "all"
	// ScopeUser: the decision holds for one user (researcher) only.
	ScopeUser = "user"
)

// Indefinitely is the release date of a unit that stays closed until
// further notice: Apply returns it for an extension it cannot read, and a
// caller that cannot compute a release date (Calc failed) should use it.
const Indefinitely = "9999-12-31"

// Decision is an archive's decision that changes the closure of a unit:
// a shortening for one researcher or for everyone, or an extension.
// Decisions are journaled; they are never changed, a later decision
// supersedes an earlier one.
type Decision struct {
	ID string `json:"id"`
	// Unit is the id of the unit decided on.
	Unit string `json:"unit"`
	// Kind is KindShorten or KindExtend.
	Kind string `json:"kind"`
	// Scope is ScopeAll or ScopeUser; User names the user for ScopeUser.
	Scope string `json:"scope"`
	User  string `json:"user,omitempty"`
	// NewRelease is the release date the decision sets (YYYY-MM-DD).
	NewRelease string `json:"newRelease"`
	// Ground is the legal ground, e.g. "§ 10 Abs. 4 SächsArchivG,
	// wissenschaftliches Forschungsvorhaben" or "§ 12 Abs. 2 Satz 1 BArchG,
	// Einwilligung der betroffenen Person".
	Ground string `json:"ground"`
	// Conditions are conditions of use (Auflagen), e.g. anonymised use.
	Conditions string `json:"conditions,omitempty"`
	// Approver is who decided; Date is the day of the decision
	// (YYYY-MM-DD), from which it is in effect.
	Approver string `json:"approver"`
	Date     string `json:"date"`
}

var (
	// ErrInvalidDecision: a decision is incomplete or malformed.
	ErrInvalidDecision = errors.New("invalid closure decision")
	// ErrNotPermitted: the law does not allow the decision.
	ErrNotPermitted = errors.New("closure decision not permitted by law")
)

// ValidateDecision checks decision d on a unit whose closure under law is
// base (the result of Calc), before it is recorded:
//   - d is complete: ID, Unit, Kind, Scope (User exactly for ScopeUser),
//     NewRelease and Date as YYYY-MM-DD, Ground and Approver.
//   - The unit is closed (base.Release is not "").
//   - A shortening sets an earlier release than base.Release. Under
//     BArchG the secrecy period may be shortened by at most 30 years
//     (§ 12 Abs. 3), so a unit with a § 11 Abs. 3 period cannot open
//     before 30 years after creation; the general period (§ 12 Abs. 1) and
//     the personal periods (§ 12 Abs. 2) may be shortened without a limit
//     in years. SächsArchivG § 10 Abs. 4 sets no limit in years.
//   - An extension exists only under BArchG, only for the secrecy period
//     (§ 12 Abs. 3: by at most 30 years, so to no later than the release
//     90 years after creation), only for everyone, and it must set a later
//     release than base.Release. SächsArchivG provides no extension (none
//     is found in § 10; see docs/closure.md): ErrNotPermitted.
//
// Whether the material conditions hold (public interest, consent, weighing
// of interests, the consent of the originating body under § 12 Abs. 4
// BArchG) is the archivist's judgment, recorded in Ground and Conditions.
// Errors wrap ErrInvalidDecision or ErrNotPermitted.
func ValidateDecision(law string, base Result, d Decision) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidDecision, fmt.Sprintf(format, a...))
	}
	refused := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrNotPermitted, fmt.Sprintf(format, a...))
	}
	rs, ok := laws[law]
	if !ok {
		return bad("unknown law %q (want %q or %q)", law, LawSaechsArchivG, LawBArchG)
	}
	for _, f := range []struct{ name, v string }{{"id", d.ID}, {"unit", d.Unit}, {"ground", d.Ground}, {"approver", d.Approver}} {
		if f.v == "" {
			return bad("no %s", f.name)
		}
	}
	if _, err := ParseDate(d.Date); err != nil {
		return bad("date: %v", err)
	}
	nr, err := ParseDate(d.NewRelease)
	if err != nil {
		return bad("new release: %v", err)
	}
	switch d.Scope {
	case ScopeAll:
		if d.User != "" {
			return bad("scope %q with user %q: a decision for one user has scope %q", ScopeAll, d.User, ScopeUser)
		}
	case ScopeUser:
		if d.User == "" {
			return bad("scope %q without a user", ScopeUser)
		}
	default:
		return bad("scope %q: want %q or %q", d.Scope, ScopeAll, ScopeUser)
	}
	if d.Kind != KindShorten && d.Kind != KindExtend {
		return bad("kind %q: want %q or %q", d.Kind, KindShorten, KindExtend)
	}
	if base.Release == "" {
		return refused("the unit is open (%s): there is no period to %s", base.Governing, d.Kind)
	}
	cur, err := ParseDate(base.Release)
	if err != nil {
		return bad("base release: %v", err)
	}
	g := base.Granularity
	if g == "" {
		g = GranularityDay
	}
	// secrecyBound returns the release of the unit's secrecy period moved
	// by delta years, and whether the unit has one.
	secrecyBound := func(delta int) (Date, bool, error) {
		for _, p := range base.Periods {
			if p.Rule != rs.secrecy {
				continue
			}
			from, err := ParseDate(p.From)
			if err != nil {
				return Date{}, true, bad("base period %s: from: %v", p.Rule, err)
			}
			rel, err := ReleaseAfter(PeriodEnd(from, rs.secrecyYears+delta), g)
			return rel, true, err
		}
		return Date{}, false, nil
	}

	if d.Kind == KindShorten {
		if !nr.Before(cur) {
			return bad("a shortening must set a release before %s, not %s", base.Release, d.NewRelease)
		}
		if law == LawBArchG {
			earliest, has, err := secrecyBound(-30)
			if err != nil {
				return err
			}
			if has && nr.Before(earliest) {
				return refused("§ 12 Abs. 3 BArchG: the secrecy period (§ 11 Abs. 3) may be shortened by at most 30 years: release not before %s, not %s", earliest, d.NewRelease)
			}
		}
		return nil
	}

	// Extension.
	if law != LawBArchG {
		return refused("%s: the law provides no extension of closure periods", law)
	}
	if d.Scope != ScopeAll {
		return refused("an extension holds for everyone: scope must be %q", ScopeAll)
	}
	latest, has, err := secrecyBound(30)
	if err != nil {
		return err
	}
	if !has {
		return refused("§ 12 Abs. 3 BArchG allows extending only the secrecy period (§ 11 Abs. 3), which this unit does not have")
	}
	if !nr.After(cur) {
		return bad("an extension must set a release after %s, not %s", base.Release, d.NewRelease)
	}
	if nr.After(latest) {
		return refused("§ 12 Abs. 3 BArchG: the secrecy period may be extended by at most 30 years: release no later than %s, not %s", latest, d.NewRelease)
	}
	return nil
}

// Apply returns the release date of a unit for user ("" for the public)
// on the day today (YYYY-MM-DD), given its closure base (the result of
// Calc) and the decisions ds recorded on it (the caller selects the
// decisions of the unit), and the rule or decision id that governs it.
//
// Decisions are applied in the order of their Date (then ID), each from
// its Date on: a decision dated after today is not yet in effect. A
// shortening with ScopeAll, or with ScopeUser and User == user, moves the
// release earlier (never later); a user's shortening does not open the
// unit to anyone else. An extension moves the release later (never
// earlier) for everyone.
//
// Apply expects decisions checked with ValidateDecision; what it cannot
// read, it resolves toward closure: a shortening with an unreadable date,
// scope or kind is ignored; an extension applies whatever its scope and
// even if its Date or today is unreadable; an extension with an unreadable
// NewRelease closes the unit Indefinitely.
func Apply(base Result, ds []Decision, user string, today string) (release, governing string) {
	release, governing = base.Release, base.Governing
	now, errNow := ParseDate(today)
	sorted := slices.Clone(ds)
	slices.SortStableFunc(sorted, func(a, b Decision) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.ID, b.ID))
	})
	for _, d := range sorted {
		date, errDate := ParseDate(d.Date)
		inEffect := errNow == nil && errDate == nil && !date.After(now)
		nr, errNR := ParseDate(d.NewRelease)
		switch d.Kind {
		case KindExtend:
			if !inEffect && errNow == nil && errDate == nil {
				continue // dated after today
			}
			if errNR != nil {
				release, governing = Indefinitely, d.ID
				continue
			}
			if release == "" || nr.String() > release {
				release, governing = nr.String(), d.ID
			}
		case KindShorten:
			forUser := d.Scope == ScopeAll || d.Scope == ScopeUser && d.User != "" && d.User == user
			if !inEffect || !forUser || errNR != nil || release == "" {
				continue
			}
			if nr.String() < release {
				release, governing = nr.String(), d.ID
			}
		}
	}
	return release, governing
}
