// Package access is magazin's reading room service: the one gate between
// the archive's holdings and the public. It computes each unit's closure
// state from its effective facts (closure.Effective, closure.Calc), feeds
// the finding-aid index, and answers searches, browsing and unit lookups
// with the public view (closure.Public) only.
//
// Contract:
//   - Every public answer passes through closure.Public; nothing here hands
//     out a unit's raw record to a public caller.
//   - A unit whose closure period cannot be computed (facts missing or
//     malformed) is treated as closed indefinitely, never as open.
//   - "Today" is the archive's local calendar day (Europe/Berlin).
//   - Structural units (Tektonik, Bestand, Gliederung) hold no records and
//     are always public; closure applies to the units below them.
package access
