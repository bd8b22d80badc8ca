// Package closure computes closure periods (Schutzfristen) of archival
// records and decides what the public sees of a closed unit.
//
// Contract:
//
//   - Pure: no I/O, no clock, no time zones. The current day is always a
//     parameter (today, YYYY-MM-DD). Imports only the standard library and
//     preservation.
//   - Dates are civil dates (Date): YYYY-MM-DD, parsed strictly
//     (ParseDate); persons' birth and death may be a year YYYY
//     (ParsePersonDate), which counts as 31 December of that year.
//   - Periods are counted as the BGB counts them: an event starts a period
//     on the following day (§ 187 Abs. 1); a period of years ends with the
//     day that corresponds by its date to the event day (§ 188 Abs. 2), or
//     with the last day of the month if that day does not exist there
//     (§ 188 Abs. 3: 29 February). With granularity "day" a unit opens on
//     the day after its period ends; with "year" on 1 January after the year
//     in which it ends.
//   - Calc applies one law (SächsArchivG § 10 or BArchG § 11) to the facts
//     of a unit (preservation.ClosureFacts, after inheritance: Effective)
//     and returns every period that applies, its release date, and the one
//     that governs. Invalid facts are an error wrapping ErrInvalidFacts;
//     a unit whose release cannot be computed is to be treated as closed
//     (Indefinitely).
//   - Decisions (shortening for one researcher or for everyone, extension
//     where the law allows it) are checked by ValidateDecision before they
//     are recorded and applied by Apply for a given user and day.
//   - Public is the one policy function that decides what of a unit the
//     public sees, given its release date and today.
//
// The usual flow for a unit u with ancestors, for user on day today:
//
//	facts := closure.Effective(chain) // chain: root … u
//	release := closure.Indefinitely   // if the facts are invalid
//	if base, err := closure.Calc(law, facts, archiveGranularity); err == nil {
//		release, _ = closure.Apply(base, decisionsOf(u), user, today)
//	}
//	u.Closure = facts
//	view, open := closure.Public(u, release, today)
//
// Release dates are strings YYYY-MM-DD, so "open on day t" is t >= release
// and a search index can store the release and filter at query time.
//
// Which legal points are interpretations (the latest person decides, how
// BArchG's personal period runs after the general one, no extension under
// SächsArchivG, year-only dates) is written down in docs/closure.md.
package closure
