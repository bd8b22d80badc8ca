// Package policy is magazin's format policy: what the archive does with a
// file, given the PRONOM PUID that format identification found for it.
//
// Every PUID maps to one of four actions: [Preferred] (an archival format,
// stored as it is), [Accepted] (stored; may be migrated later), [Flag]
// (stored, with a POLICY_FLAGGED warning that is recorded in PREMIS and
// shown in reports) and [Reject] (the submission is refused with a
// POLICY_REJECTED error naming the reason). The built-in table, [Default],
// follows the German-speaking recommendations (KLA 2017 on PDF/A, KOST's
// KaD, the Swiss Federal Archives' list) and is documented with its
// reasons in docs/format-policy.md.
//
// Contract:
//
//   - A policy has three layers: the archive table, per submission
//     profile overrides and per agency overrides. [Policy.Decide] asks the
//     agency layer first, then the profile layer, then the archive table;
//     the first layer that lists the PUID decides. A PUID that no layer
//     lists gets the "unlisted" default of the most specific layer that
//     has one; the archive table always has one (built-in: flag).
//     So an agency's "unlisted: reject" applies only to formats that no
//     layer lists; to reject a format the archive table accepts, the
//     agency lists it.
//   - An empty PUID is [Unknown] ("UNKNOWN", what identification reports
//     for an unidentified file). The built-in table flags it.
//   - Every [Decision] names the rule that made it ("agency/LRA-Zwickau:
//     fmt/18", "builtin:fmt/95", "archive:*") and carries a German reason
//     for reports. [Decision.Problem] turns a reject or flag decision into
//     the coded problem to record.
//   - Policies are loaded from JSON ([Load], [Read], [Parse]; see
//     docs/format-policy.md for the format) and validated completely
//     before use: PUID syntax (fmt/N, x-fmt/N or UNKNOWN), actions,
//     duplicates within a layer, unknown fields, profile and agency names.
//     All errors are reported at once. A document's archive rules override
//     the built-in table entry by entry unless it says "base": "empty".
//   - A [Policy] is immutable and safe for concurrent use. The package
//     performs no I/O except in [Load] and imports only the standard
//     library and preservation.
//
// Problem codes (see docs/problem-codes.md, section "policy"):
//
//	POLICY_REJECTED  error: the format is rejected by the policy
//	POLICY_FLAGGED   warning: the format is stored but flagged for review
package policy
